"""Stable identities of findings, so that a pipeline can tell a new finding from a known one.

A fingerprint is made of what stays when a workload is audited again: the rule, the
workload (kind, namespace, name, and the template path inside a custom resource with
several) and the container. Never the message: its sizes and node names change from run
to run while the finding stays the same. Offline and live audits of the same workload give
the same fingerprint, so a baseline taken from manifests also holds for the cluster.
"""

from __future__ import annotations

try:  # hashlib's own BLAKE2, without hashlib loading OpenSSL (3-4 ms of start-up)
    from _blake2 import blake2b
except ImportError:  # an interpreter without CPython's module
    from hashlib import blake2b

from kubectl_shm.audit.report import WorkloadReport
from kubectl_shm.audit.rules import Finding

# The key of partialFingerprints in SARIF; the version changes if the recipe ever does.
SARIF_FINGERPRINT_KEY = "kubectlShm/v1"
_SEPARATOR = "\x1f"  # a character no Kubernetes name, kind or rule id can hold


def fingerprint(workload: WorkloadReport, finding: Finding) -> str:
    """32 hex digits from rule, workload identity and container (not the message)."""
    parts = (
        "v1",
        finding.rule.value,
        workload.kind,
        workload.namespace,
        workload.name,
        workload.template_path or "",
        finding.container or "",
    )
    return blake2b(_SEPARATOR.join(parts).encode(), digest_size=16).hexdigest()
