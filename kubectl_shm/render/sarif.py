"""The audit as SARIF 2.1.0 (OASIS), for code scanning and review tools.

One rule per rule id (help text, README anchor), one result per finding with its level.
Offline a result's location is the file and the line and column of the node at fault
(`audit.locations`); live it is a logical location, `[context/]namespace/kind/name`
and the container. `partialFingerprints` carries the finding's stable fingerprint.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import quote

from kubectl_shm import __version__
from kubectl_shm.audit.fingerprints import SARIF_FINGERPRINT_KEY, fingerprint
from kubectl_shm.audit.locations import TextPosition
from kubectl_shm.audit.report import AuditReport, WorkloadReport
from kubectl_shm.audit.rule_help import HOMEPAGE, RULE_HELP, help_uri
from kubectl_shm.audit.rules import Finding, Rule, Severity

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_STDIN_NAMES = ("<stdin>", "-")
# (index of the workload in its report, the workload, the finding) -> where it is written.
Locate = Callable[[int, WorkloadReport, Finding], TextPosition | None]


class SarifSection(NamedTuple):
    """One audited cluster (context None: the only one, or files) and how to place findings."""

    context: str | None
    report: AuditReport
    locate: Locate | None = None


def sarif_log(
    sections: Sequence[SarifSection],
    *,
    baseline: bool = False,
    failures: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """The SARIF log of `sections`; with `baseline`, results are marked new (only new
    findings are left in the reports). `failures` (clusters that could not be audited)
    and `warnings` (what could not be read) become the invocation's notifications."""
    rules = list(Rule)
    index = {rule: number for number, rule in enumerate(rules)}
    results = [
        _result(section, number, workload, finding, index[finding.rule], baseline=baseline)
        for section in sections
        for number, workload in enumerate(section.report.workloads)
        for finding in workload.findings
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "kubectl-shm",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not failures,
                "toolExecutionNotifications": [
                    *({"level": "error", "message": {"text": text}} for text in failures),
                    *({"level": "warning", "message": {"text": text}} for text in warnings),
                ],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rule(rule: Rule) -> dict[str, Any]:
    help_ = RULE_HELP[rule]
    return {
        "id": rule.value,
        "name": "".join(part.capitalize() for part in rule.value.split("-")),
        "shortDescription": {"text": help_.summary},
        "help": {"text": help_.text()},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": ["kubernetes", "dev-shm"], "severity": rule.severity.value},
    }


def _result(
    section: SarifSection,
    number: int,
    workload: WorkloadReport,
    finding: Finding,
    rule_index: int,
    *,
    baseline: bool,
) -> dict[str, Any]:
    position = section.locate(number, workload, finding) if section.locate else None
    location: dict[str, Any] = {"logicalLocations": _logical(section.context, workload, finding)}
    uri = _uri(position.source) if position else None
    if position is not None and uri is not None:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": uri},
            "region": {"startLine": position.line, "startColumn": position.column},
        }
    properties: dict[str, Any] = {"workload": _workload_name(workload)}
    if finding.container:
        properties["container"] = finding.container
    if section.context is not None:
        properties["context"] = section.context
    result: dict[str, Any] = {
        "ruleId": finding.rule.value,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {SARIF_FINGERPRINT_KEY: fingerprint(workload, finding)},
        "properties": properties,
    }
    if baseline:
        result["baselineState"] = "new"
    return result


def _logical(context: str | None, workload: WorkloadReport, finding: Finding) -> list[Any]:
    """`[context/]namespace/Kind/name`, with `/container` for a container's finding."""
    qualified = _workload_name(workload)
    if context is not None:
        qualified = f"{context}/{qualified}"
    if finding.container is None:
        return [{"name": workload.name, "fullyQualifiedName": qualified, "kind": "resource"}]
    return [
        {
            "name": finding.container,
            "fullyQualifiedName": f"{qualified}/{finding.container}",
            "kind": "object",
        }
    ]


def _workload_name(workload: WorkloadReport) -> str:
    name = f"{workload.namespace}/{workload.kind}/{workload.name}"
    return f"{name}:{workload.template_path}" if workload.template_path else name


def _uri(source: str) -> str | None:
    """A file name as a URI reference: relative names stay relative (to the directory the
    audit ran in, as code scanning expects), absolute ones become file: URIs."""
    if source in _STDIN_NAMES:
        return None
    if os.path.isabs(source):
        from pathlib import Path

        return Path(source).as_uri()
    path = os.path.normpath(source).replace(os.sep, "/")
    return quote(path, safe="/")
