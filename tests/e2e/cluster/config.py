"""The topology of the test cluster: versions, nodes, ports and where things live.

Two kubelets of different versions on one host, as real clusters look in the
middle of an upgrade (DESIGN section 7). Each node has its own containerd,
root directory, cgroup root, ports, CNI bridge and pod subnet. The control
plane runs the newer release. Ports are off the usual defaults so the cluster
does not collide with another one on the same machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

CONTROL_PLANE_VERSION = "v1.37.2"
# The 1.37 alpha gate that makes a memory emptyDir's sizeLimit resizable in place: the API
# server drops such a resize without it (pkg/registry/core/pod/strategy.go).
MEMORY_VOLUME_RESIZE = "InPlacePodVerticalScalingMemoryBackedVolumes"
APISERVER_FEATURE_GATES = {MEMORY_VOLUME_RESIZE: True}
# Only pods that tolerate it run on the frontier node, so the tests written for the
# two-node cluster place their pods as before.
FRONTIER_TAINT = {"key": "kubectl-shm.local/frontier", "value": "true", "effect": "NoSchedule"}
CONTROL_PLANE_COMMANDS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet")

CACHE_DIR = Path(os.environ.get("SHM_E2E_CACHE", Path.home() / ".cache" / "kubectl-shm"))
BIN_DIR = CACHE_DIR / "kubernetes"
# Runtime state of a running cluster: PKI, kubeconfigs, etcd data, logs, pid files.
STATE_DIR = Path(os.environ.get("SHM_E2E_STATE", "/var/lib/kubectl-shm-e2e"))
RUN_DIR = Path("/run/kubectl-shm-e2e")
GOMOD_DIR = Path(__file__).resolve().parent / "gomod"

ETCD_CLIENT_PORT = 23790
ETCD_PEER_PORT = 23800
APISERVER_PORT = 16443
CONTROLLER_MANAGER_PORT = 10357
SCHEDULER_PORT = 10359
SERVICE_CIDR = "10.96.0.0/16"
SERVICE_IP = "10.96.0.1"

IMAGE_REGISTRY = "kubectl-shm.local"
PAUSE_IMAGE = f"{IMAGE_REGISTRY}/pause:e2e"
BUSYBOX_IMAGE = f"{IMAGE_REGISTRY}/busybox:e2e"
# No shell, no df, no cat: only a binary that sleeps (a "distroless" container).
SLEEPER_IMAGE = f"{IMAGE_REGISTRY}/sleeper:e2e"

# Advertised on node-current so GPU workloads can be scheduled (no real GPU here).
GPU_RESOURCE = "nvidia.com/gpu"


@dataclass(frozen=True)
class Node:
    name: str
    kubelet_version: str
    kubelet_port: int
    healthz_port: int
    pod_subnet: str
    bridge: str
    feature_gates: dict[str, bool] = field(default_factory=dict)
    extended_resources: dict[str, str] = field(default_factory=dict)
    taints: tuple[dict[str, str], ...] = ()

    @property
    def state_dir(self) -> Path:
        return STATE_DIR / self.name

    @property
    def run_dir(self) -> Path:
        return RUN_DIR / self.name

    @property
    def containerd_socket(self) -> Path:
        return self.run_dir / "containerd.sock"

    @property
    def cgroup_root(self) -> str:
        """Each kubelet's pods live under their own cgroup tree, so the two never meet."""
        return f"/kubectl-shm-{self.name}"


NODES = (
    Node(
        name="node-current",
        kubelet_version="v1.34.4",
        kubelet_port=10450,
        healthz_port=10448,
        pod_subnet="10.244.1.0/24",
        bridge="shm-current0",
        extended_resources={GPU_RESOURCE: "2"},
    ),
    Node(
        name="node-legacy",
        kubelet_version="v1.31.4",
        kubelet_port=10460,
        healthz_port=10458,
        pod_subnet="10.244.2.0/24",
        bridge="shm-legacy0",
        # The behaviour of the field reports: no size= on memory emptyDirs.
        feature_gates={"SizeMemoryBackedVolumes": False},
    ),
    Node(
        name="node-frontier",
        kubelet_version="v1.37.2",
        kubelet_port=10470,
        healthz_port=10468,
        pod_subnet="10.244.3.0/24",
        bridge="shm-frontier0",
        feature_gates={MEMORY_VOLUME_RESIZE: True},
        taints=(FRONTIER_TAINT,),
    ),
)


def binary(version: str, command: str) -> Path:
    return BIN_DIR / version / command


def versions_to_build() -> dict[str, tuple[str, ...]]:
    """version -> the commands built from it."""
    wanted: dict[str, set[str]] = {CONTROL_PLANE_VERSION: set(CONTROL_PLANE_COMMANDS)}
    for node in NODES:
        wanted.setdefault(node.kubelet_version, set()).add("kubelet")
    return {version: tuple(sorted(commands)) for version, commands in wanted.items()}
