"""Diagnose over several contexts: each cluster's table under its name, or why it has none;
`-o json|yaml` a `ShmDiagnosisList`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubectl_shm.diagnose.fleet import ClusterDiagnosis
from kubectl_shm.render.columns import counted
from kubectl_shm.render.diagnosis_document import diagnosis_document
from kubectl_shm.render.terminal import Terminal


def diagnosis_list_document(clusters: Sequence[ClusterDiagnosis]) -> dict[str, Any]:
    """Each item a cluster's ShmDiagnosis with its `context` and `error` (null when it was
    diagnosed; then `diagnoses` holds what it found)."""
    items = []
    for cluster in clusters:
        document = diagnosis_document(cluster.report) if cluster.report else {"diagnoses": []}
        items.append(
            {
                **document,
                "kind": "ShmDiagnosis",
                "context": cluster.context,
                "error": cluster.error,
            }
        )
    return {
        "kind": "ShmDiagnosisList",
        "items": items,
        "summary": {
            "clusters": len(clusters),
            "failed": sum(1 for c in clusters if c.error is not None),
            "containers": sum(len(c.report.diagnoses) for c in clusters if c.report),
        },
    }


def render_diagnosis_fleet(
    clusters: Sequence[ClusterDiagnosis], terminal: Terminal, *, wide: bool
) -> None:
    from rich.text import Text

    from kubectl_shm.render.diagnosis_table import render_diagnosis_table

    console = terminal.console()
    for number, cluster in enumerate(clusters):
        if number:
            console.print()
        console.print(Text(f"CLUSTER {cluster.context}", style="bold"))
        if cluster.report is None:
            console.print(Text(f"cluster error: {cluster.error}", style="bold red"))
        elif not cluster.report.diagnoses:
            pods = cluster.report.scanned.pods
            console.print(Text(f"no /dev/shm trouble in {counted(pods, 'pod')}", style="dim"))
        else:
            render_diagnosis_table(cluster.report, terminal, wide=wide)
