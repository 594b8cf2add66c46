"""What `df -k /dev/shm` and `/proc/mounts` say inside a container: pure parsing.

df formats (all end in "Used Available Use%|Capacity Mounted on"):
- coreutils `df -k`: a "1K-blocks" column, one line per filesystem;
- busybox `df -k` (coreutils/df.c): the same header, but a device name wider
  than 20 columns is printed alone and its numbers follow on the next line;
  older busybox spells the header "1k-blocks";
- POSIX `df -P`/`-Pk`: "1024-blocks" and "Capacity", never wrapped; `-P`
  without `-k` counts 512-byte blocks when POSIXLY_CORRECT is set.

tmpfs in /proc/mounts (mm/shmem.c, shmem_show_options): `size=<n>k` is shown
only when the size differs from the kernel default, half of the RAM, so an
absent `size=` means that default. Mount options accept k/m/g/t/p/e suffixes
and `%` of RAM (shmem_parse_one, memparse); the kernel rounds the size up to
whole pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_shm.model.podspec import SHM_PATH
from kubectl_shm.model.sizing import PAGE_SIZE, half_of_node_memory

# "1K-blocks", "1k-blocks", "1024-blocks", "512-blocks", "512B-blocks", "1M-blocks", "1kB-blocks".
_BLOCKS_HEADER = re.compile(r"(\d+)(?:([kKMGTPE])(B?)|(B?))-blocks")
_BINARY_POWER = {"k": 1, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}
_MEMPARSE = re.compile(r"(\d+)([kKmMgGtTpPeE]?)(%?)")
_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


class DfFormatError(ValueError):
    """df output that is not in a format this parser knows."""


@dataclass(frozen=True)
class DfRow:
    """One filesystem as df reports it, in bytes (None where df prints '-')."""

    filesystem: str
    size_bytes: int | None
    used_bytes: int | None
    available_bytes: int | None
    mounted_on: str


@dataclass(frozen=True)
class MountEntry:
    """One line of /proc/mounts, escapes decoded."""

    device: str
    mount_point: str
    fstype: str
    options: tuple[str, ...]

    def option(self, name: str) -> str | None:
        """The value of `name=value` (the last one wins, as in the kernel), else None."""
        found = None
        for option in self.options:
            key, sep, value = option.partition("=")
            if sep and key == name:
                found = value
        return found


def parse_df(text: str) -> list[DfRow]:
    """Every row of df output in any of the formats above; raises DfFormatError."""
    lines = [line for line in text.splitlines() if line.strip()]
    header_at = next((i for i, line in enumerate(lines) if line.startswith("Filesystem")), None)
    if header_at is None:
        raise DfFormatError("no df header line")
    block_size = _block_size(lines[header_at].split())
    rows = []
    pending = ""
    for line in lines[header_at + 1 :]:
        fields = (pending + " " + line).split() if pending else line.split()
        pending = ""
        if len(fields) == 1:
            # busybox: a long device name alone; its numbers are on the next line.
            pending = fields[0]
            continue
        if len(fields) < 6:
            raise DfFormatError(f"unexpected df line: {line.strip()!r}")
        size, used, available = (_blocks(value, block_size) for value in fields[1:4])
        rows.append(DfRow(fields[0], size, used, available, " ".join(fields[5:])))
    if pending:
        raise DfFormatError(f"df line for {pending!r} has no numbers")
    return rows


def df_shm_row(text: str) -> DfRow | None:
    """The row df printed for /dev/shm (df of one path prints just that one)."""
    rows = parse_df(text)
    for row in rows:
        if row.mounted_on == SHM_PATH:
            return row
    return rows[0] if len(rows) == 1 else None


def parse_proc_mounts(text: str) -> list[MountEntry]:
    """Every well-formed line of /proc/mounts; malformed lines are skipped."""
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        device, mount_point, fstype, options = (_unescape(field) for field in fields[:4])
        entries.append(MountEntry(device, mount_point, fstype, tuple(options.split(","))))
    return entries


def shm_mount_entry(entries: list[MountEntry]) -> MountEntry | None:
    """The mount at /dev/shm; with several the last one is on top, and visible."""
    found = None
    for entry in entries:
        if entry.mount_point.rstrip("/") == SHM_PATH:
            found = entry
    return found


def tmpfs_size_bytes(entry: MountEntry, *, ram_bytes: int | None) -> int | None:
    """The size of a tmpfs mount in bytes; None when it cannot be known.

    No `size=`: the kernel default, half of `ram_bytes` (None if RAM is unknown).
    `size=0` means unlimited, also None. Raises ValueError for a non-tmpfs entry
    or a size option the kernel would not accept.
    """
    if entry.fstype != "tmpfs":
        raise ValueError(f"{entry.mount_point} is {entry.fstype}, not tmpfs")
    value = entry.option("size")
    if value is None:
        return half_of_node_memory(ram_bytes)
    match = _MEMPARSE.fullmatch(value)
    if match is None:
        raise ValueError(f"tmpfs size={value!r} is not a size")
    digits, suffix, percent = match.groups()
    size = int(digits) << (10 * _BINARY_POWER.get(suffix.upper(), 0))
    if percent:
        if ram_bytes is None:
            return None
        size = size * ram_bytes // 100
    if size == 0:
        return None
    return -(-size // PAGE_SIZE) * PAGE_SIZE


def _block_size(header: list[str]) -> int:
    for word in header:
        match = _BLOCKS_HEADER.fullmatch(word)
        if match is None:
            continue
        count, prefix, si, _ = match.groups()
        if not prefix:
            return int(count)
        power = _BINARY_POWER[prefix]
        return int(count) * (10 ** (3 * power) if si else 1 << (10 * power))
    raise DfFormatError(f"no block-size column in df header {' '.join(header)!r}")


def _blocks(value: str, block_size: int) -> int | None:
    if value == "-":
        return None
    if not value.isdigit():
        raise DfFormatError(f"{value!r} is not a block count")
    return int(value) * block_size


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)
