# ruff: noqa: E501  (log lines are kept byte-exact, on one line each)
"""One real log line per entry of kubectl_shm/model/crash_signatures.json, as the framework
prints it (see each entry's source; most were reproduced with the framework itself), and
the byte count the entry reads from it.

The unit tests scan each line; the end-to-end tests print each from a container that then
exits, and `diagnose` must name the entry. A catalogue entry without a line here fails.
"""

# id -> (the lines a container prints, the byte count read, or None)
CRASH_LINES: dict[str, tuple[tuple[str, ...], int | None]] = {
    "pytorch-worker-bus-error": (
        (
            "ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient shared memory (shm).",
        ),
        None,
    ),
    "pytorch-dataloader-bus-error": (
        (
            "RuntimeError: DataLoader worker (pid 8580) is killed by signal: Bus error. It is possible that dataloader's workers are out of shared memory. Please try to raise your shared memory limit.",
        ),
        None,
    ),
    "pytorch-shm-file-enospc": (
        (
            "RuntimeError: unable to write to file </torch_9931_1959268091_0>: No space left on device (28)",
        ),
        None,
    ),
    "nccl-shm-extend": (
        (
            "[2026-12-01 16:14:24] train-0:123:456 [0] misc/shmutils.cc:87 NCCL WARN Error: failed to extend /dev/shm/nccl-Ab12Cd to 9637892 bytes, error: No space left on device (28)",
        ),
        9637892,
    ),
    "nccl-shm-create": (
        (
            "[2026-12-01 16:14:24] train-0:123:456 [0] misc/shmutils.cc:128 NCCL WARN Error while creating shared memory segment /dev/shm/nccl-Ab12Cd (size 9637888), error: No space left on device (28)",
        ),
        9637888,
    ),
    "nccl-posix-fallocate": (
        (
            "train-0:123:456 [0] include/shm.h:28 NCCL WARN Call to posix_fallocate failed : No space left on device",
        ),
        None,
    ),
    "ray-object-store-on-disk": (
        (
            "2026-12-01 16:14:24,000\tWARNING services.py:2248 -- WARNING: The object store is using /tmp/ray instead of /dev/shm because /dev/shm has only 67108864 bytes available. This will harm performance! You may be able to free up space by deleting files in /dev/shm. If you are inside a Docker container, you can increase /dev/shm size by passing '--shm-size=1.02gb' to 'docker run' (or add it to the run_options list in a Ray cluster config). Make sure to set this to more than 30% of available RAM.",
        ),
        67108864,
    ),
    "ray-object-store-exceeds-shm": (
        (
            "ValueError: The configured object store size (20.0 GB) exceeds /dev/shm size (0.067108864 GB). This will harm performance. Consider deleting files in /dev/shm or increasing its size with --shm-size in Docker. To ignore this warning, set RAY_OBJECT_STORE_ALLOW_SLOW_STORAGE=1.",
        ),
        None,
    ),
    "postgresql-dsm-resize": (
        (
            '2026-12-01 16:12:34.821 UTC [32534] ERROR:  could not resize shared memory segment "/PostgreSQL.513778598" to 1048576 bytes: No space left on device',
        ),
        1048576,
    ),
    "triton-python-backend-shm-init": (
        (
            "Unable to initialize shared memory key 'triton_python_backend_shm_region_1' to requested size (1048576 bytes). If you are running Triton inside docker, use '--shm-size' flag to control the shared memory region size. Each Python backend model instance requires at least 1 MB of shared memory. Error: No space left on device",
        ),
        1048576,
    ),
    "triton-python-backend-shm-grow": (
        (
            "Failed to increase the shared memory pool size for key 'triton_python_backend_shm_region_1' to 1048576 bytes. If you are running Triton inside docker, use '--shm-size' flag to control the shared memory region size. Error: No space left on device",
        ),
        None,
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
            "[4699:0922/105600.455001:ERROR:platform_shared_memory_region_posix.cc(214)] Creating shared memory in /dev/shm/.org.chromium.Chromium.x7kIrq failed: No such file or directory (2)",
        ),
        None,
    ),
    "chromedriver-page-crash": (
        (
            "selenium.common.exceptions.WebDriverException: Message: unknown error: session deleted because of page crash",
        ),
        None,
    ),
    "puppeteer-page-crash": (
        ("Error: Page crashed!",),
        None,
    ),
    "torchrun-worker-sigbus": (
        (
            "E1201 16:14:24.905000 10145 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: -7) local_rank: 0 (pid: 10248) of binary: /tmp/tv/bin/python3",
        ),
        None,
    ),
    "torchrun-signal-7": (
        ("  traceback : Signal 7 (SIGBUS) received by PID 10248",),
        None,
    ),
    "deepspeed-rank-sigbus": (
        (
            "[2026-12-01 16:14:24,000] [ERROR] [launch.py:259:sigkill_handler] ['/usr/bin/python3', '-u', 'train.py', '--local_rank=0'] exits with return code = -7",
        ),
        None,
    ),
    "openmpi-rank-sigbus": (
        (
            "mpirun noticed that process rank 0 with PID 0 on node vm exited on signal 7 (Bus error).",
        ),
        None,
    ),
    "openmpi-shmem-target-full": (
        (
            "It appears as if there is not enough space for /dev/shm/vader_segment.3eef99a70454.0.c5600001.0 (the shared-memory backing",
        ),
        None,
    ),
    "openmpi-shmem-space-requested": (
        (
            "It appears as if there is not enough space for /dev/shm/vader_segment.3eef99a70454.0.c5600001.0 (the shared-memory backing",
            "  Local host:  trainer-0",
            "  Space Requested: 4194312 B",
        ),
        4194312,
    ),
    "shell-bus-error": (
        ("bash: line 1:  4588 Bus error               python3 train.py",),
        None,
    ),
    "dev-shm-enospc": (
        ("dd: error writing '/dev/shm/fill': No space left on device",),
        None,
    ),
}
