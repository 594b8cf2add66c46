"""`kubectl shm audit --context A,B | --all-contexts`: several clusters side by side, and
`--baseline FILE`: only the findings a previous run did not report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kubectl_shm.cli.app import App
from kubectl_shm.cli.contexts import quiet_libraries
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.errors import InputError

if TYPE_CHECKING:
    from kubectl_shm.audit.baseline import Baseline
    from kubectl_shm.audit.fleet import ClusterAudit
    from kubectl_shm.audit.report import AuditReport
    from kubectl_shm.kube.connection import ConnectionOptions
    from kubectl_shm.model.nodes import NodeProfile

_BASELINE_LIMIT = 64 * 2**20  # a previous run's output; far more than any fleet writes


def audit_fleet(
    app: App,
    connection: ConnectionOptions,
    contexts: Sequence[str],
    assumption: NodeProfile,
    options: dict[str, Any],
    baseline: Baseline | None,
) -> int:
    """Audit every context, render them together; the exit code is the worst of the
    findings (1) and the clusters that could not be audited (3)."""
    from kubectl_shm.audit.fleet import AuditScope, audit_contexts

    scope = AuditScope(
        all_namespaces=options["all_namespaces"],
        selector=options["selector"],
        assumption=assumption,
        usage=options["usage"],
        strict=options["strict"],
    )
    terminal = app.terminal
    on_done = (lambda done: terminal.note(progress_line(done))) if terminal.stderr_is_tty else None
    quiet_libraries(app)
    clusters = audit_contexts(connection, contexts, scope, on_done=on_done)
    if baseline is not None:
        clusters = [_without_known(app, cluster, baseline) for cluster in clusters]
    for cluster in clusters:
        for warning in cluster.report.warnings if cluster.report else ():
            terminal.warning(f"{cluster.context}: {warning}")
    _render(app, clusters, options["output"], baseline=baseline is not None)
    if any(cluster.error is not None for cluster in clusters):
        return ExitStatus.CLUSTER
    failing = any(c.report.fails(options["fail_on"]) for c in clusters if c.report is not None)
    return ExitStatus.FINDINGS if failing else ExitStatus.OK


def progress_line(cluster: ClusterAudit) -> str:
    """What a person watching sees as each cluster is done."""
    took = f"{cluster.seconds:.1f}s"
    if cluster.error is not None:
        return f"{cluster.context}: failed: {cluster.error} ({took})"
    report = cluster.report
    assert report is not None
    from kubectl_shm.audit.rules import Severity

    counts = ", ".join(f"{report.count_findings(s)} {s.value}" for s in Severity)
    return f"{cluster.context}: done: {len(report.workloads)} workloads, {counts} ({took})"


def read_baseline(path: str) -> Baseline:
    """--baseline FILE: a previous run's -o json or -o sarif; InputError if unreadable."""
    from kubectl_shm.audit.baseline import parse_baseline

    try:
        with open(path, encoding="utf-8") as file:
            text = file.read(_BASELINE_LIMIT + 1)
    except (OSError, UnicodeDecodeError) as error:
        reason = "no such file" if isinstance(error, FileNotFoundError) else str(error)
        raise InputError(f"--baseline {path}: cannot read it: {reason}") from None
    if len(text) > _BASELINE_LIMIT:
        raise InputError(f"--baseline {path}: larger than {_BASELINE_LIMIT // 2**20} MiB")
    return parse_baseline(text, path)


def without_known(
    app: App, report: AuditReport, baseline: Baseline, context: str | None
) -> AuditReport:
    """`report` with the baseline's findings taken out, and a note of how many."""
    from kubectl_shm.audit.baseline import new_findings

    filtered = new_findings(report, baseline, context)
    if filtered.known:
        where = f"{context}: " if context else ""
        plural = "s" if filtered.known > 1 else ""
        app.terminal.note(f"{where}{filtered.known} finding{plural} in the baseline, not shown")
    return filtered.report


def _without_known(app: App, cluster: ClusterAudit, baseline: Baseline) -> ClusterAudit:
    if cluster.report is None:
        return cluster
    return cluster._replace(report=without_known(app, cluster.report, baseline, cluster.context))


def _render(app: App, clusters: Sequence[ClusterAudit], output: str, *, baseline: bool) -> None:
    if output in ("json", "yaml"):
        from kubectl_shm.render.fleet_documents import audit_list_document
        from kubectl_shm.render.formats import write_json, write_yaml

        writer = write_json if output == "json" else write_yaml
        writer(audit_list_document(clusters), app.terminal.stdout)
    elif output == "sarif":
        from kubectl_shm.render.formats import write_json
        from kubectl_shm.render.sarif import SarifSection, sarif_log

        sections = [SarifSection(c.context, c.report) for c in clusters if c.report is not None]
        failures = [f"{c.context}: {c.error}" for c in clusters if c.error is not None]
        warnings = [f"{c.context}: {w}" for c in clusters if c.report for w in c.report.warnings]
        log = sarif_log(sections, baseline=baseline, failures=failures, warnings=warnings)
        write_json(log, app.terminal.stdout)
    elif len(clusters) == 1 and clusters[0].report is not None and clusters[0].error is None:
        from kubectl_shm.render.audit_table import render_audit_table

        render_audit_table(clusters[0].report, app.terminal, wide=output == "wide")
    else:
        from kubectl_shm.render.fleet_table import render_fleet_table

        render_fleet_table(clusters, app.terminal, wide=output == "wide")
