"""One real log line per entry of kubectl_shm/model/crash_signatures.json, as the framework
prints it (see each entry's source), and the byte count the entry reads from it.

The unit tests scan each line; the end-to-end tests print each from a container that then
exits, and `diagnose` must name the entry. A catalogue entry without a line here fails.
"""

# id -> (the lines a container prints, the byte count read, or None)
CRASH_LINES: dict[str, tuple[tuple[str, ...], int | None]] = {
    "pytorch-dataloader-bus-error": (
        (
            "RuntimeError: DataLoader worker (pid 2187) is killed by signal: Bus error. "
            "It is possible that dataloader's workers are out of shared memory. "
            "Please try to raise your shared memory limit.",
        ),
        None,
    ),
    "pytorch-worker-bus-error": (
        (
            "ERROR: Unexpected bus error encountered in worker. This might be caused by "
            "insufficient shared memory (shm).",
        ),
        None,
    ),
    "pytorch-shm-file-enospc": (
        (
            "RuntimeError: unable to write to file </torch_3306_2412069633_0>: "
            "No space left on device (28)",
        ),
        None,
    ),
    "nccl-shm-extend": (
        (
            "trainer-0:123:456 [0] misc/shmutils.cc:72 NCCL WARN Error: failed to extend "
            "/dev/shm/nccl-FyW5Tp to 9637892 bytes",
        ),
        9637892,
    ),
    "nccl-shm-create": (
        (
            "trainer-0:123:456 [1] include/shm.h:48 NCCL WARN Error while creating shared "
            "memory segment /dev/shm/nccl-aRbSPV (size 9637888)",
        ),
        9637888,
    ),
    "nccl-posix-fallocate": (
        (
            "trainer-0:123:456 [0] include/shm.h:28 NCCL WARN Call to posix_fallocate "
            "failed : No space left on device",
        ),
        None,
    ),
    "ray-object-store-tmp": (
        (
            "WARNING services.py:1889 -- WARNING: The object store is using /tmp instead of "
            "/dev/shm because /dev/shm has only 67104768 bytes available. This will harm "
            "performance! You may be able to free up space by deleting files in /dev/shm. "
            "If you are inside a Docker container, you can increase /dev/shm size by "
            "passing '--shm-size=10.24gb' to 'docker run' (or add it to the run_options "
            "list in a Ray cluster config). Make sure to set this to more than 30% of "
            "available RAM.",
        ),
        67104768,
    ),
    "postgresql-dsm-resize": (
        (
            "2026-12-01 10:00:00.000 UTC [61] ERROR:  could not resize shared memory segment "
            '"/PostgreSQL.1450751626" to 50438144 bytes: No space left on device',
        ),
        50438144,
    ),
    "triton-python-backend-shm": (
        (
            "E1201 10:00:00.000000 1 model_lifecycle.cc:621] failed to load 'model': "
            "Failed to increase the shared memory pool size for key "
            "'triton_python_backend_shm_region_1' from 67108864 bytes to 134217728 bytes. "
            "If you are running Triton inside docker, use '--shm-size' flag to control the "
            "shared memory region size. Each Python backend model instance requires at "
            "least 1 MB of shared memory. Error: No space left on device",
        ),
        134217728,
    ),
    "python-semlock-enospc": (
        (
            '  File "/usr/lib/python3.11/multiprocessing/synchronize.py", line 57, in __init__',
            "    sl = self._semlock = _multiprocessing.SemLock(",
            "                         ^^^^^^^^^^^^^^^^^^^^^^^^^",
            "OSError: [Errno 28] No space left on device",
        ),
        None,
    ),
    "chromium-shm-create": (
        (
            "[1201/100000.000000:ERROR:platform_shared_memory_region_posix.cc(217)] "
            "Creating shared memory in /dev/shm/.org.chromium.Chromium.Y6PpZH failed: "
            "No space left on device (28)",
        ),
        None,
    ),
    "chromedriver-page-crash": (
        (
            "selenium.common.exceptions.WebDriverException: Message: unknown error: "
            "session deleted because of page crash",
        ),
        None,
    ),
    "torchrun-sigbus": (
        ("traceback : Signal 7 (SIGBUS) received by PID 2187",),
        None,
    ),
    "deepspeed-sigbus": (
        (
            "[2026-12-01 10:00:00,000] [ERROR] [launch.py:325:sigkill_handler] "
            "['/usr/bin/python', '-u', 'train.py', '--local_rank=0'] exits with return code = -7",
        ),
        None,
    ),
    "openmpi-sigbus": (
        (
            "mpirun noticed that process rank 0 with PID 0 on node trainer-0 exited on "
            "signal 7 (Bus error).",
        ),
        None,
    ),
    "shell-bus-error": (("sh: line 1:    42 Bus error (core dumped) ./bench",), None),
    "dev-shm-enospc": (("dd: error writing '/dev/shm/fill': No space left on device",), None),
}
