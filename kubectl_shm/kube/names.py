"""Names for shell completion: kubeconfig entries, namespaces and objects of the cluster.

Kubeconfig names are read straight from the files, in kubectl's order (--kubeconfig,
else every file in $KUBECONFIG, else ~/.kube/config), without loading the client.
Live names come from one metadata-only list call each. Errors are ours (KubeError);
the caller decides to stay silent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import yaml

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.fetching import METADATA_ONLY

KUBECONFIG_SECTIONS = ("contexts", "clusters", "users")
# Completion lists at most this many names: one page, never a long wait.
MAX_NAMES = 500


def kubeconfig_names(section: str, *, kubeconfig: str | None) -> list[str]:
    """Names in one section (contexts, clusters, users) of the merged kubeconfig.

    Unreadable or malformed files are skipped; a missing --kubeconfig gives [].
    """
    if section not in KUBECONFIG_SECTIONS:
        raise ValueError(f"unknown kubeconfig section {section!r}")
    names: dict[str, None] = {}
    for document in _kubeconfig_documents(kubeconfig):
        for entry in document.get(section) or []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                names.setdefault(entry["name"], None)
    return list(names)


def namespace_names(kube: Kube) -> list[str]:
    """Names of the namespaces the user may list."""
    return _names(kube, "/api/v1/namespaces", doing="listing namespaces")


def object_names(kube: Kube, *, group: str, version: str, plural: str, namespace: str) -> list[str]:
    """Names of the objects of one resource in `namespace` (e.g. apps/v1 deployments)."""
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    path = f"{base}/namespaces/{namespace}/{plural}"
    return _names(kube, path, doing=f"listing {plural} in namespace {namespace!r}")


def _names(kube: Kube, path: str, *, doing: str) -> list[str]:
    raw = kube.get_raw(path, query={"limit": MAX_NAMES}, doing=doing, accept=METADATA_ONLY)
    page = json.loads(raw)
    items: list[dict[str, Any]] = (page or {}).get("items") or []
    names = ((item.get("metadata") or {}).get("name") for item in items)
    return sorted(name for name in names if isinstance(name, str))


def _kubeconfig_documents(explicit: str | None) -> Iterator[dict[str, Any]]:
    if explicit:
        paths = [explicit]
    else:
        listed = os.environ.get("KUBECONFIG")
        paths = listed.split(os.pathsep) if listed else ["~/.kube/config"]
    for path in paths:
        if not path:
            continue
        try:
            with open(os.path.expanduser(path)) as file:
                document = yaml.safe_load(file)
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(document, dict):
            yield document
