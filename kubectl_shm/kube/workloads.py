"""Read workloads, their pods and the nodes they may run on, for `kubectl shm set`.

Objects come back as plain JSON dicts. List items are given the `kind` and
`apiVersion` the API leaves out of them, so they look like single reads.
"""

from __future__ import annotations

from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import NotFound
from kubectl_shm.model.workload_kinds import WorkloadKind


def workload_path(kind: WorkloadKind, namespace: str, name: str | None = None) -> str:
    """The REST path of a namespaced object of `kind`, or of their collection without `name`."""
    base = f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"
    path = f"{base}/namespaces/{namespace}/{kind.plural}"
    return f"{path}/{name}" if name else path


def get_workload(kube: Kube, *, kind: WorkloadKind, namespace: str, name: str) -> dict[str, Any]:
    """The object as stored now.

    Raises NotFound worded like kubectl ('deployments.apps "web" not found in
    namespace "ml"'), Forbidden without `get` rights, Unreachable, ...
    """
    try:
        obj: dict[str, Any] = kube.get(
            workload_path(kind, namespace, name), doing=f"reading {kind.label(name)}"
        )
    except NotFound as error:
        plural = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
        raise NotFound(f'{plural} "{name}" not found in namespace "{namespace}"') from error
    return obj


def list_workloads(
    kube: Kube, *, kind: WorkloadKind, namespace: str, selector: str | None
) -> list[dict[str, Any]]:
    """Every object of `kind` in `namespace` matching `selector` (None: all), sorted by name."""
    items = []
    where = f" matching {selector!r}" if selector else ""
    for page in kube.list_pages(
        workload_path(kind, namespace),
        query={"labelSelector": selector},
        doing=f"listing {kind.plural} in namespace {namespace!r}{where}",
    ):
        for item in page.get("items") or []:
            items.append({"apiVersion": kind.api_version, "kind": kind.kind, **item})
    return sorted(items, key=lambda item: str((item.get("metadata") or {}).get("name")))


def list_pods(kube: Kube, *, namespace: str, selector: str) -> list[dict[str, Any]]:
    """The pods `selector` matches in `namespace`, with their status (to explain a rollout)."""
    pods: list[dict[str, Any]] = []
    for page in kube.list_pages(
        f"/api/v1/namespaces/{namespace}/pods",
        query={"labelSelector": selector},
        doing=f"listing pods in namespace {namespace!r}",
    ):
        pods.extend(page.get("items") or [])
    return pods
