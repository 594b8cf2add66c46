"""The pods an inspect target names, read whole (spec and status) from the API server."""

from __future__ import annotations

from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.inspect_targets import InspectTarget, label_selector
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import NotFound


def pods_of(kube: Kube, target: InspectTarget, *, namespace: str) -> list[dict[str, Any]]:
    """The pod itself, or every pod of the workload (sorted by name).

    Raises NotFound ('pod "x" not found in namespace "ml"') when the target
    does not exist, InputError when a workload has no usable selector.
    """
    obj = _get(kube, target, namespace)
    if target.kind == "Pod":
        return [obj]
    if target.kind == "CronJob":
        selectors = [
            _selector(job, f"job/{(job.get('metadata') or {}).get('name')}")
            for job in _owned_jobs(kube, namespace, (obj.get("metadata") or {}).get("uid"))
        ]
    else:
        selectors = [_selector(obj, target.label)]
    pods: dict[str, dict[str, Any]] = {}
    for selector in selectors:
        for pod in _list_pods(kube, namespace, selector):
            pods[str((pod.get("metadata") or {}).get("name"))] = pod
    return [pods[name] for name in sorted(pods)]


def _get(kube: Kube, target: InspectTarget, namespace: str) -> dict[str, Any]:
    try:
        obj: dict[str, Any] = kube.get(
            _path(target.group, target.plural, namespace, target.name),
            doing=f"reading {target.label}",
        )
    except NotFound as error:
        raise NotFound(
            f'{target.kind.lower()} "{target.name}" not found in namespace "{namespace}"'
        ) from error
    return obj


def _owned_jobs(kube: Kube, namespace: str, uid: object) -> list[dict[str, Any]]:
    jobs = []
    for page in kube.list_pages(
        _path("batch", "jobs", namespace), doing=f"listing jobs in namespace {namespace!r}"
    ):
        for job in page.get("items") or []:
            owners = (job.get("metadata") or {}).get("ownerReferences") or []
            if any(owner.get("uid") == uid and owner.get("controller") for owner in owners):
                jobs.append(job)
    return jobs


def _selector(obj: dict[str, Any], label: str) -> str:
    try:
        return label_selector((obj.get("spec") or {}).get("selector"))
    except ValueError as error:
        raise InputError(f"{label} has no usable pod selector ({error})") from error


def _list_pods(kube: Kube, namespace: str, selector: str) -> list[dict[str, Any]]:
    pods: list[dict[str, Any]] = []
    for page in kube.list_pages(
        f"/api/v1/namespaces/{namespace}/pods",
        query={"labelSelector": selector},
        doing=f"listing pods matching {selector!r} in namespace {namespace!r}",
    ):
        pods.extend(page.get("items") or [])
    return pods


def _path(group: str, plural: str, namespace: str, name: str | None = None) -> str:
    base = f"/apis/{group}/v1" if group else "/api/v1"
    path = f"{base}/namespaces/{namespace}/{plural}"
    return f"{path}/{name}" if name else path
