"""Use case: audit manifests offline (`audit -f`), on one assumed node.

Every document is read as far as it can be: a field of the wrong type leaves
that field (or the document) out, and a warning says which one, in which file
and document, so that a stray entry cannot hide a container from the audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubectl_shm.audit.report import AuditReport, audit_templates
from kubectl_shm.errors import InputError
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.shapes import numbered, object_problems
from kubectl_shm.model.templates import DEFAULT_NAMESPACE, PodTemplate, find_pod_templates


def audit_documents(
    documents: Iterable[tuple[str, Mapping[str, Any]]],
    node: NodeProfile,
    *,
    default_namespace: str | None = None,
) -> AuditReport:
    """The report of every pod template in `documents` ((source, object) pairs), with a
    warning per field that could not be read. `default_namespace`: for objects naming none."""
    templates: list[PodTemplate] = []
    warnings: list[str] = []
    for where, obj in numbered(documents):
        warnings.extend(f"{where}: {problem}; not audited" for problem in object_problems(obj))
        if isinstance(obj, Mapping):
            templates.extend(find_pod_templates(obj, default_namespace or DEFAULT_NAMESPACE))
    return audit_templates(templates, node)._replace(warnings=tuple(warnings))


def nothing_audited(paths: Sequence[str], documents: int) -> InputError:
    """The error for input in which no pod template was found: an empty audit is no pass."""
    where = ", ".join("standard input" if path == "-" else path for path in paths)
    if documents == 0:
        return InputError(
            f"nothing to audit: no manifests in {where} (YAML or JSON documents; "
            f"in directories, files ending .yaml, .yml or .json)"
        )
    noun = "document" if documents == 1 else "documents"
    return InputError(f"nothing to audit: {documents} {noun} in {where}, none with a pod template")
