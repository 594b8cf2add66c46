"""Who else manages a live object: GitOps controllers and Helm revert live edits.

Evidence, in the object's metadata:
- Argo CD: the `argocd.argoproj.io/tracking-id` annotation (annotation tracking)
  or the `argocd.argoproj.io/instance` label; field manager `argocd-controller`
  (server-side apply syncs) or `argocd-application-controller`.
- Flux: the `kustomize.toolkit.fluxcd.io/name` or `helm.toolkit.fluxcd.io/name`
  labels; field managers `kustomize-controller`, `helm-controller`.
- Helm: label `app.kubernetes.io/managed-by: Helm`, annotation
  `meta.helm.sh/release-name`; field manager `helm`.
The label `app.kubernetes.io/instance` alone proves nothing (charts set it too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_shm.model.podspec import mapping

ARGO_CD, FLUX, HELM = "Argo CD", "Flux", "Helm"

_ANNOTATIONS = {
    "argocd.argoproj.io/tracking-id": ARGO_CD,
    "meta.helm.sh/release-name": HELM,
}
_LABELS = {
    "argocd.argoproj.io/instance": ARGO_CD,
    "kustomize.toolkit.fluxcd.io/name": FLUX,
    "helm.toolkit.fluxcd.io/name": FLUX,
}
_MANAGERS = {
    "argocd-controller": ARGO_CD,
    "argocd-application-controller": ARGO_CD,
    "kustomize-controller": FLUX,
    "helm-controller": FLUX,
    "helm": HELM,
}
_ORDER = (ARGO_CD, FLUX, HELM)


@dataclass(frozen=True)
class Manager:
    """A tool (Argo CD, Flux, Helm) that manages the object, and the evidence for it."""

    tool: str
    evidence: str


def managers_of(obj: Mapping[str, Any]) -> list[Manager]:
    """Each tool that manages `obj`, with the first piece of evidence found; Argo CD first."""
    metadata = mapping(obj.get("metadata"))
    found: dict[str, str] = {}
    annotations = mapping(metadata.get("annotations"))
    labels = mapping(metadata.get("labels"))
    for key, tool in _ANNOTATIONS.items():
        if key in annotations:
            found.setdefault(tool, f"annotation {key}")
    for key, tool in _LABELS.items():
        if key in labels:
            found.setdefault(tool, f"label {key}")
    if str(labels.get("app.kubernetes.io/managed-by", "")).lower() == "helm":
        found.setdefault(HELM, "label app.kubernetes.io/managed-by=Helm")
    for entry in metadata.get("managedFields") or []:
        manager = str(mapping(entry).get("manager") or "")
        managing = _MANAGERS.get(manager)
        if managing is not None:
            found.setdefault(managing, f"field manager {manager}")
    return [Manager(tool, found[tool]) for tool in _ORDER if tool in found]


def management_warning(label: str, managers: list[Manager], size: str | None) -> str | None:
    """One warning naming who will revert a live change, and what to do instead."""
    if not managers:
        return None
    who = ", ".join(f"{m.tool} ({m.evidence})" for m in managers)
    gitops = [m.tool for m in managers if m.tool in (ARGO_CD, FLUX)]
    if gitops:
        undo = f"{gitops[0]} will revert this live change at its next sync"
    else:
        undo = "the next `helm upgrade` will revert this live change"
    fix = f"kubectl shm set -f FILE --local {size or 'SIZE'} -o yaml"
    return (
        f"{label} is managed by {who}: {undo}. Change its source instead "
        f"(manifests in Git, or the chart), e.g. with `{fix}`"
    )
