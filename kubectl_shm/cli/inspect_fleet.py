"""`kubectl shm inspect TARGET --context A,B | --all-contexts`: one target in every
cluster that has it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kubectl_shm.cli.app import App
from kubectl_shm.cli.contexts import quiet_libraries
from kubectl_shm.cli.exit_codes import ExitStatus

if TYPE_CHECKING:
    from kubectl_shm.inspect.fleet import ClusterInspection
    from kubectl_shm.kube.connection import ConnectionOptions
    from kubectl_shm.model.targets import Target


def inspect_fleet(
    app: App,
    connection: ConnectionOptions,
    contexts: Sequence[str],
    target: Target,
    options: dict[str, Any],
    exec_timeout: float,
    debug_image: str | None,
) -> int:
    """Inspect, render; exit 3 if a cluster failed or none has the target, else 1 on a
    mismatch, else 0."""
    from kubectl_shm.inspect.fleet import inspect_contexts

    terminal = app.terminal
    on_done = (lambda done: terminal.note(_progress_line(done))) if terminal.stderr_is_tty else None
    quiet_libraries(app)
    clusters = inspect_contexts(
        connection,
        contexts,
        target=target,
        container=options["container"],
        exec_timeout=exec_timeout,
        debug_image=debug_image,
        on_done=on_done,
    )
    for cluster in clusters:
        for warning in cluster.report.warnings if cluster.report else ():
            terminal.warning(f"{cluster.context}: {warning}")
    if options["output"] == "json":
        from kubectl_shm.render.formats import write_json
        from kubectl_shm.render.inspect_fleet import inspection_list_document

        write_json(inspection_list_document(clusters), terminal.stdout)
    else:
        from kubectl_shm.render.inspect_fleet import render_inspect_fleet

        render_inspect_fleet(clusters, terminal, target.label)
    reports = [cluster.report for cluster in clusters if cluster.report is not None]
    if any(cluster.error is not None for cluster in clusters) or not reports:
        return ExitStatus.CLUSTER
    return ExitStatus.FINDINGS if any(report.mismatches for report in reports) else ExitStatus.OK


def _progress_line(cluster: ClusterInspection) -> str:
    took = f"{cluster.seconds:.1f}s"
    if cluster.error is not None:
        return f"{cluster.context}: failed: {cluster.error} ({took})"
    if cluster.report is None:
        return f"{cluster.context}: absent: {cluster.absent} ({took})"
    from kubectl_shm.render.columns import counted

    return f"{cluster.context}: done: {counted(len(cluster.report.pods), 'pod')} ({took})"
