"""`kubectl shm set` on custom resources: the TYPE word resolved through API discovery.

Built-in workload kinds are known without asking (model.workload_kinds). Any
other word is looked up in what the API server serves, as kubectl does
(model.api_resources), and taken if the resource is namespaced and can be read
and patched; whether an object of it holds pod templates is seen once it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kubectl_shm.errors import InputError
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.discovery import discover_resources
from kubectl_shm.model.api_resources import ApiResource, find_resource
from kubectl_shm.model.workload_kinds import BY_KIND, LIVE_TYPES, WorkloadKind

NEEDED_VERBS = ("get", "patch")


class CustomKinds:
    """Resolves TYPE words through discovery, asked once, on the first unknown word.

    `connect` opens the connection the first time it is needed; `close` ends it.
    """

    def __init__(self, connect: Callable[[], Kube]) -> None:
        self._connect = connect
        self._kube: Kube | None = None
        self._resources: list[ApiResource] | None = None

    def __call__(self, word: str) -> WorkloadKind | None:
        resource = find_resource(word, self.resources())
        if resource is None:
            raise InputError(
                f"unknown resource type {word!r}: the server has no such resource "
                f"(built in: {LIVE_TYPES})"
            )
        return custom_kind(resource, word)

    def resources(self) -> list[ApiResource]:
        if self._resources is None:
            self._kube = self._connect()
            self._resources = discover_resources(self._kube)
        return self._resources

    def served(self, api_version: str, kind: str) -> WorkloadKind | None:
        """The kind a manifest names (apiVersion and kind); InputError if not served."""
        resource = served_resource(self.resources(), api_version, kind)
        if resource is None:
            raise InputError(f"the server serves no {kind} in {api_version}")
        return custom_kind(resource, kind)

    def close(self) -> None:
        if self._kube is not None:
            self._kube.close()


def served_resource(
    resources: Sequence[ApiResource], api_version: str, kind: str
) -> ApiResource | None:
    """The resource of `kind` in `api_version` (as ownerReferences and manifests name it)."""
    group, _, version = api_version.rpartition("/")
    for resource in resources:
        if (resource.group, resource.version, resource.kind) == (group, version, kind):
            return resource
    return None


def custom_kind(resource: ApiResource, word: str) -> WorkloadKind:
    """The WorkloadKind of a discovered resource; InputError if set cannot change one."""
    builtin = BY_KIND.get(resource.kind)
    if builtin is not None and builtin.group == resource.group:
        return builtin
    if not resource.namespaced:
        raise InputError(
            f"{resource.qualified} ({word!r}) is cluster-scoped: set changes pod templates "
            f"of namespaced objects"
        )
    missing = [verb for verb in NEEDED_VERBS if verb not in resource.verbs]
    if missing:
        raise InputError(
            f"the server allows no {' or '.join(missing)} on {resource.qualified} ({word!r})"
        )
    short = resource.short_names[0] if resource.short_names else resource.singular
    return WorkloadKind(
        resource.kind,
        resource.group,
        resource.version,
        resource.plural,
        short or resource.plural,
        rolls_out=False,
        custom=True,
    )
