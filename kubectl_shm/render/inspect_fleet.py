"""Inspect over several contexts: each cluster's table under its name, or why it has none;
`-o json` a `ShmInspectionList`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubectl_shm.inspect.fleet import ClusterInspection
from kubectl_shm.render.inspect_document import inspection_document
from kubectl_shm.render.terminal import Terminal


def inspection_list_document(clusters: Sequence[ClusterInspection]) -> dict[str, Any]:
    """Each item: the cluster's ShmInspection with its `context`, `found` (false where the
    target does not exist there, null where the cluster could not be asked) and `error`
    (why there are no pods: the cluster's error, or the target's not-found)."""
    items = []
    for cluster in clusters:
        pods = inspection_document(cluster.report)["pods"] if cluster.report else []
        items.append(
            {
                "kind": "ShmInspection",
                "context": cluster.context,
                "found": None if cluster.error is not None else cluster.report is not None,
                "error": cluster.error or cluster.absent,
                "pods": pods,
            }
        )
    return {"kind": "ShmInspectionList", "items": items}


def render_inspect_fleet(
    clusters: Sequence[ClusterInspection], terminal: Terminal, label: str
) -> None:
    from rich.text import Text

    from kubectl_shm.render.inspect_table import render_inspect_table

    console = terminal.console()
    for number, cluster in enumerate(clusters):
        if number:
            console.print()
        console.print(Text(f"CLUSTER {cluster.context}", style="bold"))
        if cluster.error is not None:
            console.print(Text(f"cluster error: {cluster.error}", style="bold red"))
        elif cluster.report is None:
            console.print(Text(f"no {label} here ({cluster.absent})", style="dim"))
        elif not cluster.report.pods:
            console.print(Text(f"no pods of {label}", style="dim"))
        else:
            render_inspect_table(cluster.report, terminal)
