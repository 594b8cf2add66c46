"""The diagnosis for people: one row per troubled container, then each one's evidence and fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubectl_shm.diagnose.evidence import EvidenceKind
from kubectl_shm.diagnose.report import DiagnosisReport
from kubectl_shm.diagnose.verdict import ContainerDiagnosis, FixKind
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.render.columns import BASIS_LABELS, SOURCE_LABELS, columns_table
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


def render_diagnosis_table(
    report: DiagnosisReport, terminal: Terminal, *, wide: bool = False
) -> None:
    console = terminal.console()
    table = columns_table()
    table.add_column("NAMESPACE", no_wrap=True)
    table.add_column("POD", overflow="fold", min_width=12)
    table.add_column("CONTAINER", overflow="fold", min_width=9)
    table.add_column("SHM NOW", no_wrap=True)
    if wide:
        table.add_column("USED", justify="right", no_wrap=True)
        table.add_column("NODE", overflow="fold")
        table.add_column("WORKLOAD", overflow="fold")
    table.add_column("EVIDENCE", overflow="fold", min_width=10)
    table.add_column("CAUSE", overflow="fold")
    table.add_column("FIX", overflow="fold")
    for diagnosis in report.diagnoses:
        cells = [diagnosis.namespace, diagnosis.pod, diagnosis.container, shm_now(diagnosis)]
        if wide:
            node = diagnosis.node
            cells += [
                format_bytes(diagnosis.used_bytes),
                f"{node.name} ({node.kubelet_version})" if node else "-",
                f"{diagnosis.workload.kind.lower()}/{diagnosis.workload.name}",
            ]
        cells += [_evidence_cell(diagnosis), diagnosis.cause.value, _fix_cell(diagnosis)]
        table.add_row(*cells)
    console.print(table)
    for diagnosis in report.diagnoses:
        _print_details(diagnosis, console)
    pods = len({(d.namespace, d.pod) for d in report.diagnoses})
    console.print(
        f"\n{_count(len(report.diagnoses), 'container')} in {_count(pods, 'pod')} with "
        f"/dev/shm trouble ({_count(report.scanned.pods, 'pod')} scanned, "
        f"{_count(report.scanned.logs_read, 'log')} read)",
        style="dim",
        markup=False,
        highlight=False,
    )


def shm_now(diagnosis: ContainerDiagnosis) -> str:
    """'64Mi default', '1Gi memory (sizeLimit)', '? memory (unknown)'."""
    shm = diagnosis.shm
    if shm is None:
        return "?"
    size = format_bytes(shm.expected_bytes) if shm.expected_bytes else "?"
    return f"{size} {SOURCE_LABELS[shm.source]} ({BASIS_LABELS[shm.basis]})"


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
    if label and size:
        return f"{label}; meanwhile {size}"
    return label or size or "set <size>"


def _print_details(diagnosis: ContainerDiagnosis, console: Console) -> None:
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
        line = Text(f"{evidence.time or 'time unknown'}  {evidence.where}: ", style="dim")
        line.append(evidence.quote, style="")
        if evidence.lines > 1:
            line.append(f"  ({evidence.lines} lines like it)", style="dim")
        if evidence.signature:
            line.append(f"  [{evidence.signature}]", style="dim")
        lines.append(line)
    fix = diagnosis.fix
    lines.append(Text(f"fix: {fix.command}" if fix.command else "fix:", style="bold green"))
    lines.extend(Text(f"  - {reason}") for reason in fix.reasons)
    for line in lines:
        console.print(Text("  ") + line)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
