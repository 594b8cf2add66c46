"""A diagnosis of many pods: every container with /dev/shm evidence, and what was read."""

from __future__ import annotations

from typing import NamedTuple

from kubectl_shm.diagnose.verdict import ContainerDiagnosis


class Scanned(NamedTuple):
    """How much was looked at, so an empty answer can be weighed."""

    pods: int
    events: int | None  # None: events could not be listed
    logs_read: int
    logs_skipped: int  # logs worth reading left out by the cap on reads


class DiagnosisReport(NamedTuple):
    diagnoses: tuple[ContainerDiagnosis, ...]
    scanned: Scanned
    since_seconds: int | None
    server_version: str | None
    warnings: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.diagnoses)
