"""`--baseline FILE`: the findings a previous run reported, so that only new ones count.

A baseline is the `-o json` (ShmAudit or ShmAuditList) or `-o sarif` output of an earlier
audit. What it holds is a set of fingerprints, each tied to the cluster context it was
found in when the earlier run audited several (None: any cluster, as a single-cluster or
offline audit does not say which one it was).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from kubectl_shm.audit.fingerprints import SARIF_FINGERPRINT_KEY, fingerprint
from kubectl_shm.audit.report import AuditReport
from kubectl_shm.errors import InputError


class Baseline(NamedTuple):
    """Known findings: (context or None, fingerprint) pairs."""

    known: frozenset[tuple[str | None, str]]

    def knows(self, context: str | None, print_: str) -> bool:
        return (None, print_) in self.known or (context, print_) in self.known


class Filtered(NamedTuple):
    """A report with the baseline's findings taken out, and how many were."""

    report: AuditReport
    known: int


def parse_baseline(text: str, source: str) -> Baseline:
    """The known findings in `text`; InputError (one line naming `source`) if it is neither
    an audit's JSON nor its SARIF."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise InputError(f"--baseline {source}: not JSON ({error})") from None
    if not isinstance(document, Mapping):
        raise InputError(f"--baseline {source}: not an audit's -o json or -o sarif output")
    try:
        if document.get("kind") == "ShmAudit":
            return Baseline(frozenset(_from_audit(document, None)))
        if document.get("kind") == "ShmAuditList":
            pairs = [
                pair
                for item in document["items"]
                for pair in _from_audit(item, item.get("context"))
            ]
            return Baseline(frozenset(pairs))
        if "runs" in document and str(document.get("version", "")).startswith("2.1"):
            return Baseline(frozenset(_from_sarif(document)))
    except (KeyError, TypeError, AttributeError) as error:
        raise InputError(f"--baseline {source}: unexpected shape ({error!r} missing)") from None
    raise InputError(
        f"--baseline {source}: not an audit's -o json (kind ShmAudit or ShmAuditList) "
        f"or -o sarif (version 2.1.0) output"
    )


def new_findings(report: AuditReport, baseline: Baseline, context: str | None) -> Filtered:
    """`report` keeping only findings the baseline does not know, workloads all kept."""
    known = 0
    workloads = []
    for workload in report.workloads:
        fresh = tuple(
            f for f in workload.findings if not baseline.knows(context, fingerprint(workload, f))
        )
        known += len(workload.findings) - len(fresh)
        workloads.append(workload._replace(findings=fresh))
    return Filtered(report._replace(workloads=tuple(workloads)), known)


def _from_audit(
    document: Mapping[str, Any], context: str | None
) -> Iterable[tuple[str | None, str]]:
    for workload in document.get("workloads") or ():
        for finding in workload.get("findings") or ():
            print_ = finding.get("fingerprint")
            if isinstance(print_, str):
                yield context, print_


def _from_sarif(document: Mapping[str, Any]) -> Iterable[tuple[str | None, str]]:
    for run in document["runs"]:
        for result in run.get("results") or ():
            print_ = (result.get("partialFingerprints") or {}).get(SARIF_FINGERPRINT_KEY)
            if isinstance(print_, str):
                context = (result.get("properties") or {}).get("context")
                yield (context if isinstance(context, str) else None), print_
