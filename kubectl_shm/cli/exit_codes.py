"""Exit codes (DESIGN section 4); the only place they are defined."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    # audit: findings at or above --fail-on; inspect: an observed size differs;
    # diagnose: evidence of /dev/shm trouble.
    FINDINGS = 1
    USAGE = 2
    CLUSTER = 3
    INTERRUPTED = 130
