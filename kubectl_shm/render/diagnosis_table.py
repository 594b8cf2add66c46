"""The diagnosis for people: one row per troubled container, then each one's evidence and fix."""

from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING

from kubectl_shm.diagnose.evidence import EvidenceKind
from kubectl_shm.diagnose.report import DiagnosisReport
from kubectl_shm.diagnose.verdict import Cause, ContainerDiagnosis, FixKind
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.model.times import parse_rfc3339
from kubectl_shm.render.columns import BASIS_LABELS, SOURCE_LABELS, columns_table, counted
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from rich.console import Console

_EVIDENCE_LABELS = {
    EvidenceKind.SIGBUS: "SIGBUS",
    EvidenceKind.OOM_KILLED: "OOMKilled",
    EvidenceKind.EVICTED: "Evicted",
    EvidenceKind.MOUNT_FAILED: "FailedMount",
    EvidenceKind.CREATE_FAILED: "CreateContainerError",
}
_FIX_LABELS = {
    FixKind.KUBELET: "kubelet",
    FixKind.VOLUME: "the volume",
    FixKind.MEMORY_LIMIT: "memory limit",
    FixKind.HOST: "the host",
}
# Short causes keep a row within 100 columns; the details and JSON carry the ids.
_CAUSE_LABELS = {
    Cause.SHM_TOO_SMALL: "too small",
    Cause.KUBELET_EVICTION: "kubelet evicts",
    Cause.SHM_VOLUME_REFUSED: "volume refused",
    Cause.SHM_UNUSABLE: "not writable",
    Cause.OOM_WITH_MEMORY_SHM: "OOM with shm",
}


def render_diagnosis_table(
    report: DiagnosisReport, terminal: Terminal, *, wide: bool = False
) -> None:
    console = terminal.console()
    table = columns_table()
    table.add_column("NAMESPACE", no_wrap=True)
    table.add_column("POD", overflow="fold")
    table.add_column("CONTAINER", overflow="fold", min_width=9)
    table.add_column("SHM NOW", no_wrap=True)
    if wide:
        table.add_column("USED", justify="right", no_wrap=True)
        table.add_column("NODE", overflow="fold")
        table.add_column("WORKLOAD", overflow="fold")
    table.add_column("EVIDENCE", overflow="fold", min_width=10)
    table.add_column("CAUSE", no_wrap=True)
    table.add_column("FIX", no_wrap=True)
    for diagnosis in report.diagnoses:
        now = shm_now(diagnosis, basis=wide)
        cells = [diagnosis.namespace, diagnosis.pod, diagnosis.container, now]
        if wide:
            node = diagnosis.node
            cells += [
                format_bytes(diagnosis.used_bytes),
                f"{node.name} ({node.kubelet_version})" if node else "-",
                f"{diagnosis.workload.kind.lower()}/{diagnosis.workload.name}",
            ]
        cells += [
            _evidence_cell(diagnosis),
            diagnosis.cause.value if wide else _CAUSE_LABELS[diagnosis.cause],
            _fix_cell(diagnosis),
        ]
        table.add_row(*cells)
    console.print(table)
    for diagnosis in report.diagnoses:
        _print_details(diagnosis, console)
    pods = len({(d.namespace, d.pod) for d in report.diagnoses})
    console.print(
        f"\n{counted(len(report.diagnoses), 'container')} in {counted(pods, 'pod')} with "
        f"/dev/shm trouble ({counted(report.scanned.pods, 'pod')} scanned, "
        f"{counted(report.scanned.logs_read, 'log')} read)",
        style="dim",
        markup=False,
        highlight=False,
    )


def shm_now(diagnosis: ContainerDiagnosis, *, basis: bool = True) -> str:
    """'64Mi default (runtime)', '1Gi memory (sizeLimit)'; without the basis: '64Mi default'."""
    shm = diagnosis.shm
    if shm is None:
        return "?"
    size = format_bytes(shm.expected_bytes) if shm.expected_bytes else "?"
    now = f"{size} {SOURCE_LABELS[shm.source]}"
    return f"{now} ({BASIS_LABELS[shm.basis]})" if basis else now


def _evidence_cell(diagnosis: ContainerDiagnosis) -> str:
    labels: list[str] = []
    for evidence in diagnosis.evidence:
        label = _EVIDENCE_LABELS.get(evidence.kind) or str(evidence.signature)
        if label not in labels:
            labels.append(label)
    return ", ".join(labels)


def _fix_cell(diagnosis: ContainerDiagnosis) -> str:
    fix = diagnosis.fix
    size = f"set {format_bytes(fix.size_bytes)}" if fix.size_bytes else None
    label = _FIX_LABELS.get(fix.kind)
    return label or size or "set <size>"


def _print_details(diagnosis: ContainerDiagnosis, console: Console) -> None:
    from rich.padding import Padding
    from rich.text import Text

    heading = Text("\n")
    heading.append(f"{diagnosis.namespace}/{diagnosis.pod} [{diagnosis.container}]", style="bold")
    heading.append(f"  {diagnosis.cause.value}", style="bold red")
    console.print(heading)
    node = diagnosis.node
    where = f" on node {node.name} (kubelet {node.kubelet_version})" if node else ""
    lines = [Text(f"/dev/shm now: {shm_now(diagnosis)}{where}")]
    if diagnosis.known_user is not None:
        user = diagnosis.known_user
        lines.append(Text(f"it {user.describe()}: {user.signal.meaning}"))
    for evidence in diagnosis.evidence:
        where = f"{evidence.where} [{evidence.signature}]" if evidence.signature else evidence.where
        line = Text(f"{_short_time(evidence.time)}  {where}: ", style="dim")
        line.append(evidence.quote, style="")
        if evidence.lines > 1:
            line.append(f"  ({evidence.lines} lines like it)", style="dim")
        lines.append(line)
    fix = diagnosis.fix
    lines.append(Text(f"fix: {fix.command}" if fix.command else "fix:", style="bold green"))
    for line in lines:
        console.print(Padding(line, (0, 0, 0, 2)))
    for reason in fix.reasons:
        console.print(Padding(Text(f"- {reason}"), (0, 0, 0, 4)))


def _short_time(text: str | None) -> str:
    """To the second, in UTC: the log's nanoseconds are noise here."""
    parsed = parse_rfc3339(text)
    if parsed is None:
        return text or "time unknown"
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
