"""Patch workloads without losing concurrent changes.

A strategic merge patch names only the fields that change, and carries the
`metadata.resourceVersion` it was computed from: the API server then stores it
only if the object is unchanged since, and answers 409 Conflict otherwise
(k8s.io/apiserver v1.34 pkg/registry/generic/registry/store.go, Store.Update:
a resourceVersion in the patched object that differs from the stored one is
a conflict). A JSON patch with a `test` op on the resourceVersion would be as
safe, but a failed test comes back as a generic 422 (endpoints/handlers/
patch.go, applyJSPatch), indistinguishable from a validation error. On a
conflict the object is read again and the patch rebuilt from it, so a patch
is never applied to an object it was not computed from.

Custom resources take no strategic merge patch (apiextensions-apiserver
customresource_handler.go, crdHandler.ServeHTTP: supportedTypes), so theirs
is a JSON patch whose first operation tests `metadata.resourceVersion`. A
failed test comes back as a 422 whose message does not say which operation
failed (apiserver v1.34 endpoints/handlers/patch.go, applyJSPatch:
NewGenericServerResponse with empty details, as seen on the test cluster), so
on a 422 the object is read again: a resourceVersion other than the one
tested is the Conflict it is, and the patch is rebuilt from the new read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Conflict, Invalid
from kubectl_shm.kube.workloads import get_workload, workload_path
from kubectl_shm.model.workload_kinds import WorkloadKind

FIELD_MANAGER = "kubectl-shm"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
RESOURCE_VERSION = "/metadata/resourceVersion"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class PatchOutcome:
    """`before`: the object the last patch was built from; `after`: as the server returned it."""

    before: dict[str, Any]
    after: dict[str, Any]
    patched: bool
    # Reads it took: 1, plus one per conflict.
    attempts: int


def patch_workload(
    kube: Kube,
    *,
    kind: WorkloadKind,
    namespace: str,
    name: str,
    patch: Mapping[str, Any] | list[dict[str, Any]],
    dry_run: bool = False,
) -> dict[str, Any]:
    """Send one patch as field manager `kubectl-shm`; the object as stored.

    A mapping is a strategic merge patch; a list, a JSON patch (custom resources).

    With `dry_run` the server validates and admits the change and returns the
    result, but stores nothing (`dryRun=All`); RBAC is checked the same way.
    Raises Conflict when `patch` holds a stale resourceVersion, Forbidden
    without `patch` rights, Invalid when the result fails validation, NotFound
    when the object is gone.
    """
    query = {"fieldManager": FIELD_MANAGER, "dryRun": "All" if dry_run else None}
    where = f" in namespace {namespace}"
    operations = isinstance(patch, list)
    body: Any = list(patch) if isinstance(patch, list) else dict(patch)
    try:
        data = kube.call(
            "PATCH",
            workload_path(kind, namespace, name),
            query=query,
            body=body,
            content_type=JSON_PATCH if operations else STRATEGIC_MERGE_PATCH,
            doing=f"patching {kind.label(name)}{where}{' (server dry run)' if dry_run else ''}",
        )
    except Invalid as error:
        tested = _tested_version(body) if operations else None
        if tested is not None:
            current = get_workload(kube, kind=kind, namespace=namespace, name=name)
            if (current.get("metadata") or {}).get("resourceVersion") != tested:
                raise Conflict(f"{kind.label(name)} changed since it was read") from error
        raise
    result: dict[str, Any] = json.loads(data)
    return result


def patch_pod_resize(
    kube: Kube, *, namespace: str, name: str, patch: Mapping[str, Any], dry_run: bool = False
) -> dict[str, Any]:
    """A strategic merge patch of the pod's `resize` subresource; the pod as stored.

    Raises Conflict on a stale resourceVersion in `patch`, Forbidden without
    `patch` on pods/resize, Invalid when validation refuses the resize.
    """
    query = {"fieldManager": FIELD_MANAGER, "dryRun": "All" if dry_run else None}
    data = kube.call(
        "PATCH",
        f"/api/v1/namespaces/{namespace}/pods/{name}/resize",
        query=query,
        body=dict(patch),
        content_type=STRATEGIC_MERGE_PATCH,
        doing=f"resizing pod/{name} in namespace {namespace}"
        + (" (server dry run)" if dry_run else ""),
    )
    result: dict[str, Any] = json.loads(data)
    return result


def _tested_version(operations: list[dict[str, Any]]) -> str | None:
    """The resourceVersion a JSON patch's first operation tests, if it does."""
    first = operations[0] if operations else {}
    if first.get("op") == "test" and first.get("path") == RESOURCE_VERSION:
        return str(first.get("value"))
    return None


def conditional(
    patch: Mapping[str, Any] | list[dict[str, Any]], version: str | None
) -> Mapping[str, Any] | list[dict[str, Any]]:
    """`patch` applied only to the object at `version`: the resourceVersion in the
    strategic merge patch, or a JSON patch's first operation testing it."""
    if isinstance(patch, list):
        test = {"op": "test", "path": RESOURCE_VERSION, "value": version}
        return [test, *patch]
    metadata = {**dict(patch.get("metadata") or {}), "resourceVersion": version}
    return {**patch, "metadata": metadata}


def patch_with_retry(
    kube: Kube,
    *,
    kind: WorkloadKind,
    namespace: str,
    name: str,
    build: Callable[[dict[str, Any]], Mapping[str, Any] | list[dict[str, Any]] | None],
    dry_run: bool = False,
    first_read: dict[str, Any] | None = None,
    attempts: int = MAX_ATTEMPTS,
    before_patch: Callable[[dict[str, Any]], None] | None = None,
) -> PatchOutcome:
    """Read the object, `build` the patch from it, send it conditional on what was read.

    `build` returns None when nothing needs to change: no request is sent and
    `after` is the object read. Its exceptions propagate (an object re-read
    after a conflict may no longer be patchable). `first_read` saves the first
    read when the caller already holds the object. `before_patch` is called
    with the object just before each patch is sent (tests use it to race a
    writer against us). Raises Conflict after `attempts` conflicts in a row.
    """
    current = first_read
    for attempt in range(1, attempts + 1):
        if current is None:
            current = get_workload(kube, kind=kind, namespace=namespace, name=name)
        patch = build(current)
        if patch is None:
            return PatchOutcome(current, current, patched=False, attempts=attempt)
        version = (current.get("metadata") or {}).get("resourceVersion")
        if before_patch is not None:
            before_patch(current)
        try:
            after = patch_workload(
                kube,
                kind=kind,
                namespace=namespace,
                name=name,
                patch=conditional(patch, version),
                dry_run=dry_run,
            )
        except Conflict:
            if attempt == attempts:
                raise
            current = None
            continue
        return PatchOutcome(current, after, patched=True, attempts=attempt)
    raise AssertionError("unreachable")  # the loop returns or raises
