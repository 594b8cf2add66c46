"""What live `set` prints on stdout: one line per object, or the objects themselves (-o)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from kubectl_shm.set.live import SetItem

_DRY_RUN_SUFFIX = {"client": " (dry run)", "server": " (server dry run)"}


def write_set_results(
    items: Sequence[SetItem], out: TextIO, *, output: str | None, dry_run: str
) -> None:
    if output:
        from kubectl_shm.render.manifest_output import write_objects

        write_objects([_without_managed_fields(i.result) for i in items], out, output)
        return
    suffix = _DRY_RUN_SUFFIX.get(dry_run, "")
    for item in items:
        verb = " patched:" if item.plan.changed else ""
        stored = (
            f"; admission stored otherwise: {'; '.join(item.admission)}" if item.admission else ""
        )
        out.write(f"{item.label}{verb} {item.plan.summary()}{suffix}{stored}\n")


def _without_managed_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """As kubectl prints objects: managedFields are noise for people."""
    metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    return {**obj, "metadata": metadata} if "metadata" in obj else dict(obj)
