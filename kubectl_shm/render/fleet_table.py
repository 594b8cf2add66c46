"""Several clusters' audits as one table: a CLUSTER column first, one row per container
as for one cluster, and one row for a cluster that could not be audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kubectl_shm.audit.fleet import ClusterAudit
from kubectl_shm.audit.rules import Severity
from kubectl_shm.render.audit_findings import SEVERITY_STYLES
from kubectl_shm.render.audit_table import audit_columns, audit_rows, workload_label, write_table
from kubectl_shm.render.plain_table import Column, Row
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from rich.console import Console


def render_fleet_table(
    clusters: Sequence[ClusterAudit], terminal: Terminal, *, wide: bool = False
) -> None:
    console = terminal.console()
    columns = [Column("CLUSTER", no_wrap=True), *audit_columns(wide=wide)]
    blanks = ["-"] * (len(columns) - 2)  # every column but CLUSTER and FINDINGS
    rows: list[Row] = []
    for cluster in clusters:
        if cluster.report is not None:
            for row in audit_rows(cluster.report, wide=wide):
                rows.append(Row([cluster.context, *row.cells], row.last_style))
            if not cluster.report.workloads and cluster.error is None:
                rows.append(Row([cluster.context, *blanks, "no workloads"]))
        if cluster.error is not None:
            failed = f"cluster error: {cluster.error}"
            rows.append(Row([cluster.context, *blanks, failed], "bold red"))
    write_table(console, columns, rows)
    _print_findings(clusters, console)


def _print_findings(clusters: Sequence[ClusterAudit], console: Console) -> None:
    from rich.padding import Padding
    from rich.text import Text

    findings = [
        (cluster.context, workload, finding)
        for cluster in clusters
        if cluster.report is not None
        for workload in cluster.report.workloads
        for finding in workload.findings
    ]
    if findings:
        console.print()
    for context, workload, finding in sorted(findings, key=lambda cwf: -cwf[2].severity.rank):
        where = f"{context}: {workload.namespace}/{workload_label(workload)}"
        if finding.container:
            where += f" [{finding.container}]"
        heading = Text()
        heading.append(
            f"{finding.severity.value.upper():8}", style=SEVERITY_STYLES[finding.severity]
        )
        heading.append(f"{finding.rule.value}  {where}", style="bold")
        console.print(heading)
        console.print(Padding(Text(finding.message), (0, 0, 0, 8)))
    reports = [cluster.report for cluster in clusters if cluster.report is not None]
    workloads = sum(len(report.workloads) for report in reports)
    counts = ", ".join(
        f"{sum(report.count_findings(s) for report in reports)} {s.value}" for s in Severity
    )
    failed = sum(1 for cluster in clusters if cluster.error is not None)
    summary = f"\n{len(clusters)} clusters ({failed} failed), {workloads} workloads: {counts}"
    console.print(Text(summary, style="dim"))
