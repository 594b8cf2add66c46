"""What the size model needs to know about the node a pod runs on.

Feature-gate history (pkg/features/kube_features.go, versioned specs):
- SizeMemoryBackedVolumes: alpha (off) 1.20, beta (on) 1.22, GA and locked on 1.32,
  removed from the gate list in 1.35 (always on).
- PodLevelResources: alpha (off) 1.32, beta (on) 1.34.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import NamedTuple

SIZE_MEMORY_BACKED_VOLUMES = "SizeMemoryBackedVolumes"
POD_LEVEL_RESOURCES = "PodLevelResources"
# Alpha in 1.37 (pkg/features/kube_features.go): sizeLimit resizable in place.
MEMORY_VOLUME_RESIZE = "InPlacePodVerticalScalingMemoryBackedVolumes"
# The gates the size model reads from a live kubelet (metrics, else configz).
MODELLED_GATES = (SIZE_MEMORY_BACKED_VOLUMES, POD_LEVEL_RESOURCES, MEMORY_VOLUME_RESIZE)

_GATE_DEFAULT_ON_SINCE = {SIZE_MEMORY_BACKED_VOLUMES: (1, 22), POD_LEVEL_RESOURCES: (1, 34)}
# From these versions the gate can no longer be turned off (LockToDefault).
_GATE_LOCKED_SINCE = {SIZE_MEMORY_BACKED_VOLUMES: (1, 32)}
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")

Version = tuple[int, int, int]


class GateSource(str, Enum):
    """Where a node's feature-gate state came from (JSON `gateSource`)."""

    CONFIGZ = "configz"
    METRICS = "metrics"
    DEFAULT = "default"


class NodeProfile(NamedTuple):
    """A node as the kubelet sees it, or the assumption made where no node answers.

    `gates` holds only the gates whose state is known (from configz, metrics or
    --feature-gates); the others take their default for `kubelet_version`.
    Unknown version means a current kubelet.
    """

    name: str | None = None
    kubelet_version: str | None = None
    gates: tuple[tuple[str, bool], ...] = ()
    gate_source: GateSource = GateSource.DEFAULT
    capacity_memory_bytes: int | None = None
    allocatable_memory_bytes: int | None = None
    container_runtime: str | None = None  # as the node reports it: "containerd://1.7.24"
    operating_system: str | None = None  # node.status.nodeInfo.operatingSystem

    def gate_enabled(self, gate: str) -> bool:
        """The effective state: locked gates ignore a contrary setting, as the kubelet does."""
        version = parse_version(self.kubelet_version)
        locked_since = _GATE_LOCKED_SINCE.get(gate)
        if locked_since is not None and (version is None or version[:2] >= locked_since):
            return True
        explicit = dict(self.gates).get(gate)
        if explicit is not None:
            return explicit
        return gate_default(gate, version)

    @property
    def sizes_memory_volumes(self) -> bool:
        return self.gate_enabled(SIZE_MEMORY_BACKED_VOLUMES)

    @property
    def gate_state(self) -> bool | None:
        """SizeMemoryBackedVolumes for the JSON: None only when nothing about the node is known."""
        return self.known_gate(SIZE_MEMORY_BACKED_VOLUMES)

    def known_gate(self, gate: str) -> bool | None:
        """`gate_enabled` for documents: None only when nothing about the node is known."""
        if self.kubelet_version is None and not self.gates and self.name is not None:
            return None
        return self.gate_enabled(gate)


def gate_default(gate: str, version: Version | None) -> bool:
    """A gate's default in a kubelet of `version`; None means a current kubelet."""
    since = _GATE_DEFAULT_ON_SINCE.get(gate)
    if since is None:
        return False
    return version is None or version[:2] >= since


def parse_version(text: str | None) -> Version | None:
    """'v1.31.4-gke.100' -> (1, 31, 4); None when there is no version to read."""
    if not text:
        return None
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def parse_feature_gates(text: str) -> tuple[tuple[str, bool], ...]:
    """'A=true,B=false' as kubelets take it; raises ValueError naming the bad entry."""
    gates: dict[str, bool] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = entry.partition("=")
        if not sep or not name.strip() or value.strip().lower() not in ("true", "false"):
            raise ValueError(f"invalid feature gate {entry!r}: expected Name=true or Name=false")
        gates[name.strip()] = value.strip().lower() == "true"
    return tuple(sorted(gates.items()))
