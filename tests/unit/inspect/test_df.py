"""df and /proc/mounts as real containers print them."""

import pytest

from kubectl_shm.inspect.df import (
    DfFormatError,
    DfRow,
    df_shm_row,
    parse_df,
    parse_proc_mounts,
    shm_mount_entry,
    tmpfs_size_bytes,
)
from kubectl_shm.model.exec_output import ExecOutput
from kubectl_shm.model.volume_stats import sizes_match

Ki, Mi, Gi = 2**10, 2**20, 2**30

COREUTILS = """\
Filesystem     1K-blocks  Used Available Use% Mounted on
shm                65536     8     65528   1% /dev/shm
"""
BUSYBOX = """\
Filesystem           1K-blocks      Used Available Use% Mounted on
tmpfs                   262144      1024    261120   0% /dev/shm
"""
# busybox prints a device name wider than 20 columns alone, numbers on the next line.
BUSYBOX_WRAPPED = """\
Filesystem           1K-blocks      Used Available Use% Mounted on
/dev/mapper/vg0-kubelet--pods--long
                      15413504    204800  15208704   1% /dev/shm
"""
OLD_BUSYBOX = """\
Filesystem           1k-blocks      Used Available Use% Mounted on
shm                      65536         0     65536   0% /dev/shm
"""
POSIX = """\
Filesystem     1024-blocks  Used Available Capacity Mounted on
tmpfs              15413504     0  15413504       0% /dev/shm
"""
POSIX_512 = """\
Filesystem     512-blocks  Used Available Capacity Mounted on
tmpfs              524288     0    524288       0% /dev/shm
"""


@pytest.mark.parametrize(
    ("text", "row"),
    [
        (COREUTILS, DfRow("shm", 64 * Mi, 8 * Ki, 65528 * Ki, "/dev/shm")),
        (BUSYBOX, DfRow("tmpfs", 256 * Mi, Mi, 261120 * Ki, "/dev/shm")),
        (
            BUSYBOX_WRAPPED,
            DfRow(
                "/dev/mapper/vg0-kubelet--pods--long",
                15413504 * Ki,
                200 * Mi,
                15208704 * Ki,
                "/dev/shm",
            ),
        ),
        (OLD_BUSYBOX, DfRow("shm", 64 * Mi, 0, 64 * Mi, "/dev/shm")),
        (POSIX, DfRow("tmpfs", 15413504 * Ki, 0, 15413504 * Ki, "/dev/shm")),
        (POSIX_512, DfRow("tmpfs", 256 * Mi, 0, 256 * Mi, "/dev/shm")),
    ],
    ids=["coreutils", "busybox", "busybox-wrapped", "old-busybox", "posix", "posix-512"],
)
def test_df_formats(text, row):
    assert df_shm_row(text) == row


def test_df_of_a_directory_reports_its_mount():
    text = (
        "Filesystem     1K-blocks    Used Available Use% Mounted on\n"
        "overlay        102687672 5000000  97687672   5% /\n"
    )
    row = df_shm_row(text)
    assert row is not None
    assert row.mounted_on == "/"


def test_df_mount_point_with_spaces_and_dash_fields():
    text = (
        "Filesystem 1K-blocks Used Available Use% Mounted on\n"
        "none - - - - /mnt/my disk\n"
        "shm 65536 0 65536 0% /dev/shm\n"
    )
    rows = parse_df(text)
    assert rows[0] == DfRow("none", None, None, None, "/mnt/my disk")
    assert df_shm_row(text) == rows[1]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "df: /dev/shm: No such file or directory\n",
        "Filesystem Size Used Avail Use% Mounted on\nshm 64M 0 64M 0% /dev/shm\n",
        "Filesystem 1K-blocks Used Available Use% Mounted on\nshm 65536 0\n",
        "Filesystem 1K-blocks Used Available Use% Mounted on\nshm 6x536 0 65536 0% /dev/shm\n",
        "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/a-very-long-device-name\n",
    ],
    ids=["empty", "error-text", "human-readable", "short-row", "not-a-number", "dangling-wrap"],
)
def test_df_unreadable_output_raises(text):
    with pytest.raises(DfFormatError):
        parse_df(text)


PROC_MOUNTS = """\
overlay / overlay rw,relatime,lowerdir=/var/lib/l/1,upperdir=/u,workdir=/w 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755 0 0
shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0
/dev/sda1 /etc/hosts ext4 rw,relatime 0 0
"""


def test_proc_mounts_finds_the_runtime_shm():
    entry = shm_mount_entry(parse_proc_mounts(PROC_MOUNTS))
    assert entry is not None
    assert (entry.device, entry.fstype, entry.option("size")) == ("shm", "tmpfs", "65536k")
    assert tmpfs_size_bytes(entry, ram_bytes=None) == 64 * Mi


def test_proc_mounts_last_mount_at_dev_shm_is_the_visible_one():
    text = PROC_MOUNTS + "tmpfs /dev/shm tmpfs rw,relatime,size=262144k 0 0\n"
    entry = shm_mount_entry(parse_proc_mounts(text))
    assert tmpfs_size_bytes(entry, ram_bytes=None) == 256 * Mi


def test_proc_mounts_without_size_is_half_the_ram():
    """The kernel hides size= when it is the default (mm/shmem.c, shmem_show_options)."""
    [entry] = parse_proc_mounts("tmpfs /dev/shm tmpfs rw,relatime 0 0\n")
    assert tmpfs_size_bytes(entry, ram_bytes=32 * Gi) == 16 * Gi
    assert tmpfs_size_bytes(entry, ram_bytes=None) is None


@pytest.mark.parametrize(
    ("option", "ram", "size"),
    [
        ("size=65536k", None, 64 * Mi),
        ("size=64m", None, 64 * Mi),
        ("size=1G", None, Gi),
        ("size=268435456", None, 256 * Mi),
        ("size=1", None, 4096),  # whole pages
        ("size=50%", 8 * Gi, 4 * Gi),
        ("size=50%", None, None),
        ("size=0", None, None),  # unlimited
    ],
)
def test_tmpfs_size_options(option, ram, size):
    [entry] = parse_proc_mounts(f"tmpfs /dev/shm tmpfs rw,{option} 0 0\n")
    assert tmpfs_size_bytes(entry, ram_bytes=ram) == size


def test_tmpfs_size_of_other_filesystems_or_bad_values_raises():
    [disk] = parse_proc_mounts("/dev/sda1 /dev/shm ext4 rw,relatime 0 0\n")
    with pytest.raises(ValueError, match="ext4, not tmpfs"):
        tmpfs_size_bytes(disk, ram_bytes=None)
    [bad] = parse_proc_mounts("tmpfs /dev/shm tmpfs rw,size=lots 0 0\n")
    with pytest.raises(ValueError, match="not a size"):
        tmpfs_size_bytes(bad, ram_bytes=None)


def test_proc_mounts_escapes_and_junk():
    entries = parse_proc_mounts("garbage\n/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n")
    assert [e.mount_point for e in entries] == ["/mnt/my disk"]
    assert shm_mount_entry(entries) is None


@pytest.mark.parametrize(
    ("output", "missing"),
    [
        # runc, through the kubelet's error channel (no exit code)
        (
            ExecOutput(
                "",
                "",
                None,
                "OCI runtime exec failed: exec failed: unable to start container process: "
                'exec: "df": executable file not found in $PATH: unknown',
            ),
            True,
        ),
        # crun
        (
            ExecOutput("", "", None, "executable file `df` not found in $PATH: No such file"),
            True,
        ),
        (ExecOutput("", "sh: df: not found\n", 127), True),
        (ExecOutput("", "", 126), True),
        # df ran, but failed: not a missing binary
        (ExecOutput("", "df: /dev/shm: No such file or directory\n", 1), False),
        (ExecOutput("", "", None, "error: container is not running"), False),
        (ExecOutput("", "", None, timed_out=True), False),
    ],
    ids=["runc", "crun", "exit-127", "exit-126", "df-failed", "other-failure", "timeout"],
)
def test_missing_binary(output, missing):
    assert output.missing_binary is missing
    assert not output.succeeded


def test_exec_reasons_are_one_short_line():
    assert ExecOutput("", "", 127).reason("df -k /dev/shm") == "no df in the image"
    assert ExecOutput("", "", None, timed_out=True).reason("cat /proc/mounts") == (
        "cat /proc/mounts timed out"
    )
    failed = ExecOutput("", "\ndf: /dev/shm: No such file or directory\nmore\n", 1)
    assert failed.reason("df -k /dev/shm") == (
        "df -k /dev/shm exited 1: df: /dev/shm: No such file or directory"
    )
    assert ExecOutput("", "", None, "boom").reason("df") == "df failed: boom"


@pytest.mark.parametrize(
    ("observed", "expected", "same"),
    [
        (256 * Mi, 256 * Mi, True),
        (256 * Mi + 4 * Ki, 256 * Mi, True),  # sizeLimit rounded up to a page
        (256 * Mi + 64 * Ki, 256 * Mi + 1, True),  # 64K pages
        (256 * Mi - Ki, 256 * Mi, True),  # df's 1K blocks
        (256 * Mi + 128 * Ki, 256 * Mi, False),
        (128 * Mi, 256 * Mi, False),
    ],
)
def test_sizes_match_tolerates_pages_and_blocks(observed, expected, same):
    assert sizes_match(observed, expected) is same
