"""The `ShmDiagnosis` document of DESIGN section 5c: stable field names, exact byte counts."""

from __future__ import annotations

from typing import Any

from kubectl_shm.diagnose.evidence import Evidence
from kubectl_shm.diagnose.report import DiagnosisReport
from kubectl_shm.diagnose.verdict import ContainerDiagnosis
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.render.documents import node_document


def diagnosis_document(report: DiagnosisReport) -> dict[str, Any]:
    """`kind: ShmDiagnosis`."""
    causes: dict[str, int] = {}
    for diagnosis in report.diagnoses:
        causes[diagnosis.cause.value] = causes.get(diagnosis.cause.value, 0) + 1
    return {
        "kind": "ShmDiagnosis",
        "serverVersion": report.server_version,
        "sinceSeconds": report.since_seconds,
        "scanned": {
            "pods": report.scanned.pods,
            "events": report.scanned.events,
            "logsRead": report.scanned.logs_read,
            "logsSkipped": report.scanned.logs_skipped,
        },
        "diagnoses": [_diagnosis(d) for d in report.diagnoses],
        "warnings": list(report.warnings),
        "summary": {
            "containers": len(report.diagnoses),
            "pods": len({(d.namespace, d.pod) for d in report.diagnoses}),
            "causes": causes,
        },
    }


def _diagnosis(diagnosis: ContainerDiagnosis) -> dict[str, Any]:
    shm = diagnosis.shm
    fix = diagnosis.fix
    return {
        "namespace": diagnosis.namespace,
        "pod": diagnosis.pod,
        "workload": {"kind": diagnosis.workload.kind, "name": diagnosis.workload.name},
        "container": diagnosis.container,
        "node": node_document(diagnosis.node) if diagnosis.node else None,
        "podMemoryLimitBytes": diagnosis.pod_memory_limit_bytes,
        "shm": None
        if shm is None
        else {
            "shmSource": shm.source.value,
            "volume": shm.volume,
            "sizeLimitBytes": shm.size_limit_bytes,
            "expectedBytes": shm.expected_bytes,
            "expectedBasis": shm.basis.value,
            "usedBytes": diagnosis.used_bytes,
        },
        "knownUser": None
        if diagnosis.known_user is None
        else {
            "signal": diagnosis.known_user.signal.id,
            "found": diagnosis.known_user.describe(),
            "meaning": diagnosis.known_user.signal.meaning,
        },
        "cause": diagnosis.cause.value,
        "evidence": [_evidence(e) for e in diagnosis.evidence],
        "fix": {
            "kind": fix.kind.value,
            "sizeBytes": fix.size_bytes,
            "size": format_bytes(fix.size_bytes) if fix.size_bytes else None,
            "command": fix.command,
            "reasons": list(fix.reasons),
        },
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "kind": evidence.kind.value,
        "where": evidence.where,
        "time": evidence.time,
        "quote": evidence.quote,
        "lines": evidence.lines,
        "signature": evidence.signature,
        "meaning": evidence.meaning,
        "source": evidence.source,
        "bytes": evidence.bytes,
        "bytesMeaning": evidence.bytes_meaning,
        "volume": evidence.volume,
    }
