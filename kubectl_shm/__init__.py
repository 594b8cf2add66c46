"""kubectl shm: audit, set and inspect /dev/shm of Kubernetes workloads."""

__version__ = "0.1.0"
