"""The pods a target (pod/NAME, TYPE/NAME) names, read whole (spec and status)."""

from __future__ import annotations

from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.workloads import get_workload, list_pods, workload_path
from kubectl_shm.model.targets import Target, label_selector
from kubectl_shm.model.workload_kinds import BY_KIND


def pods_of(kube: Kube, target: Target, *, namespace: str) -> list[dict[str, Any]]:
    """The pod itself, or every pod of the workload (sorted by name), leaving out the
    pods it is already deleting (a rollout's old pods): they are no longer its answer.

    Raises NotFound worded like kubectl ('pods "x" not found in namespace "ml"')
    when the target does not exist, InputError when a workload has no usable
    selector.
    """
    obj = get_workload(kube, kind=target.kind, namespace=namespace, name=target.name)
    if target.kind.kind == "Pod":
        return [obj]
    if target.kind.kind == "CronJob":
        uid = (obj.get("metadata") or {}).get("uid")
        selectors = [
            _selector(job, BY_KIND["Job"].label(str((job.get("metadata") or {}).get("name"))))
            for job in _owned_jobs(kube, namespace, uid)
        ]
    else:
        selectors = [_selector(obj, target.label)]
    pods: dict[str, dict[str, Any]] = {}
    for selector in selectors:
        for pod in list_pods(kube, namespace=namespace, selector=selector):
            metadata = pod.get("metadata") or {}
            if not metadata.get("deletionTimestamp"):
                pods[str(metadata.get("name"))] = pod
    return [pods[name] for name in sorted(pods)]


def _owned_jobs(kube: Kube, namespace: str, uid: object) -> list[dict[str, Any]]:
    """The Jobs a CronJob controls (their ownerReferences name its uid)."""
    jobs = []
    for page in kube.list_pages(
        workload_path(BY_KIND["Job"], namespace), doing=f"listing jobs in namespace {namespace!r}"
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
