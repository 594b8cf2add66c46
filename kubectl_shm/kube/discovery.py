"""The resources the API server serves, as kubectl discovers them.

kubectl resolves a resource word (`rayclusters`, `raycluster`, a short name,
`rayclusters.ray.io`) against API discovery (k8s.io/client-go discovery,
ServerGroupsAndResources; restmapper.NewDiscoveryRESTMapper). We ask for the
aggregated document first, one request for /api and one for /apis
(`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`,
GA in Kubernetes 1.30; client-go discovery/aggregated_discovery.go), and fall
back to one request per group version where the server answers the old
APIGroupList instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.model.api_resources import ApiResource

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


def discover_resources(kube: Kube) -> list[ApiResource]:
    """Every top-level resource (no subresources), core group first, in discovery order."""
    resources: list[ApiResource] = []
    for root in ("/api", "/apis"):
        data = json.loads(
            kube.get_raw(root, accept=AGGREGATED, doing=f"discovering the API ({root})")
        )
        if data.get("kind") == "APIGroupDiscoveryList":
            resources.extend(_aggregated(data))
        else:
            resources.extend(_legacy(kube, root, data))
    return resources


def _aggregated(data: Mapping[str, Any]) -> Iterator[ApiResource]:
    for group in data.get("items") or []:
        name = str((group.get("metadata") or {}).get("name") or "")
        for index, version in enumerate(group.get("versions") or []):
            for resource in version.get("resources") or []:
                kind = (resource.get("responseKind") or {}).get("kind")
                if not kind:
                    continue
                yield ApiResource(
                    group=name,
                    version=str(version.get("version")),
                    kind=str(kind),
                    plural=str(resource.get("resource")),
                    singular=str(resource.get("singularResource") or ""),
                    short_names=tuple(resource.get("shortNames") or ()),
                    namespaced=resource.get("scope") == "Namespaced",
                    verbs=tuple(resource.get("verbs") or ()),
                    preferred=index == 0,
                )


def _legacy(kube: Kube, root: str, data: Mapping[str, Any]) -> Iterator[ApiResource]:
    if root == "/api":
        versions = [("", str(v), True) for v in data.get("versions") or []]
    else:
        versions = []
        for group in data.get("groups") or []:
            preferred = (group.get("preferredVersion") or {}).get("version")
            for version in group.get("versions") or []:
                number = str(version.get("version"))
                versions.append((str(group.get("name")), number, number == preferred))
    for group, version, preferred in versions:
        path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        listed = kube.get(path, doing=f"discovering the API ({path})")
        for resource in listed.get("resources") or []:
            name = str(resource.get("name"))
            if "/" in name:
                continue  # a subresource
            yield ApiResource(
                group=group,
                version=version,
                kind=str(resource.get("kind")),
                plural=name,
                singular=str(resource.get("singularName") or ""),
                short_names=tuple(resource.get("shortNames") or ()),
                namespaced=bool(resource.get("namespaced")),
                verbs=tuple(resource.get("verbs") or ()),
                preferred=preferred,
            )
