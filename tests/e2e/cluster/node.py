"""One node: its own containerd, kubelet, root directory, cgroup root, CNI bridge.

Stopping a node removes what it made: the pods' processes (everything in its
cgroup tree), the containerd shims that serve its socket, its mounts, its pods'
network namespaces and its bridge. Nothing outside those is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.e2e.cluster import config, images, kubeconfig, pki, processes
from tests.e2e.cluster.control_plane import Secrets, server_url

CGROUP_FS = Path("/sys/fs/cgroup")


def containerd_name(node: config.Node) -> str:
    return f"containerd-{node.name}"


def kubelet_name(node: config.Node) -> str:
    return f"kubelet-{node.name}"


def start_containerd(node: config.Node) -> None:
    for directory in (node.state_dir, node.run_dir, node.state_dir / "cni" / "net.d"):
        directory.mkdir(parents=True, exist_ok=True)
    (node.state_dir / "cni" / "net.d" / "10-bridge.conflist").write_text(_cni_config(node))
    config_file = node.state_dir / "containerd.toml"
    config_file.write_text(_containerd_config(node))
    processes.spawn(containerd_name(node), ["containerd", "--config", str(config_file)])


def containerd_ready(node: config.Node) -> bool:
    if not node.containerd_socket.exists():
        return False
    result = subprocess.run(
        ["ctr", "--address", str(node.containerd_socket), "version"],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def load_images(node: config.Node, archives: dict[str, Path]) -> None:
    images.import_into(node.containerd_socket, archives)


def start_kubelet(node: config.Node, secrets: Secrets, node_ip: str) -> None:
    directory = node.state_dir / "kubelet-pki"
    directory.mkdir(parents=True, exist_ok=True)
    client = pki.issue(
        secrets.ca,
        directory,
        "client",
        common_name=f"system:node:{node.name}",
        groups=("system:nodes",),
    )
    serving = pki.issue(
        secrets.ca,
        directory,
        "serving",
        common_name=node.name,
        server=True,
        ips=(node_ip,),
        dns=(node.name,),
    )
    node_kubeconfig = kubeconfig.write(
        node.state_dir / "kubelet.kubeconfig",
        server=server_url(),
        ca=secrets.ca.cert,
        user=f"system:node:{node.name}",
        credential=client,
    )
    _make_cgroup_root(node)
    config_file = node.state_dir / "kubelet.json"
    config_file.write_text(json.dumps(_kubelet_config(node, secrets, serving, node_ip), indent=2))
    processes.spawn(
        kubelet_name(node),
        [
            str(config.binary(node.kubelet_version, "kubelet")),
            f"--config={config_file}",
            f"--kubeconfig={node_kubeconfig}",
            f"--hostname-override={node.name}",
            f"--node-ip={node_ip}",
            f"--root-dir={node.state_dir / 'kubelet'}",
            "--v=2",
        ],
    )


def stop(node: config.Node) -> None:
    """Stop the kubelet, the pods, the shims and containerd; undo mounts, netns, bridge."""
    processes.stop(kubelet_name(node))
    netns = _sandbox_netns(node)
    _kill_cgroup_tree(node)
    _kill_shims(node)
    processes.stop(containerd_name(node))
    _unmount_below(node.state_dir, node.run_dir)
    for path in netns:
        subprocess.run(["umount", path], capture_output=True, check=False)
        Path(path).unlink(missing_ok=True)
    subprocess.run(["ip", "link", "delete", node.bridge], capture_output=True, check=False)
    _remove_cgroup_tree(node)


def _cni_config(node: config.Node) -> str:
    network = {
        "cniVersion": "0.4.0",
        "name": f"shm-{node.name}",
        "plugins": [
            {
                "type": "bridge",
                "bridge": node.bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": node.pod_subnet}]],
                    "dataDir": str(node.state_dir / "cni" / "ipam"),
                },
            }
        ],
    }
    return json.dumps(network, indent=2)


def _containerd_config(node: config.Node) -> str:
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    return f"""version = 2
root = "{node.state_dir / "containerd"}"
state = "{node.run_dir / "containerd-state"}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "{node.containerd_socket}"

[ttrpc]
  address = "{node.containerd_socket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "{node.state_dir / "containerd-opt"}"

[{cri}]
  sandbox_image = "{config.PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # This machine withholds CAP_SYS_RESOURCE even from root, so runc cannot set the
  # negative oom_score_adj the kubelet asks for (pause: -998). containerd's own
  # switch for that case (rootless) clamps it to containerd's value instead.
  restrict_oom_score_adj = true

[{cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[{cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[{cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = "{node.run_dir / "runc"}"

[{cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "{node.state_dir / "cni" / "net.d"}"
"""


def _kubelet_config(
    node: config.Node, secrets: Secrets, serving: pki.Credential, node_ip: str
) -> dict[str, object]:
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": node_ip,
        "port": node.kubelet_port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": node.healthz_port,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(secrets.ca.cert)},
        },
        "authorization": {"mode": "Webhook"},
        "tlsCertFile": str(serving.cert),
        "tlsPrivateKeyFile": str(serving.key),
        "containerRuntimeEndpoint": f"unix://{node.containerd_socket}",
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": node.cgroup_root,
        "podLogsDir": str(node.state_dir / "pod-logs"),
        "failSwapOn": False,
        # Machines of this kind have cgroup v1 hierarchies; kubelets from 1.35 refuse them
        # unless told not to (the field exists from 1.31, the oldest kubelet here).
        "failCgroupV1": False,
        "featureGates": node.feature_gates,
        "registerWithTaints": list(node.taints),
        "resolvConf": "/etc/resolv.conf",
        "maxPods": 60,
        # A busy shared machine must not taint the nodes or collect the local images.
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "nodefs.inodesFree": "1%",
            "imagefs.available": "1%",
        },
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "serializeImagePulls": False,
        "syncFrequency": "10s",
        "fileCheckFrequency": "10s",
        "shutdownGracePeriod": "0s",
    }


def _hierarchies() -> list[Path]:
    """Every mounted cgroup hierarchy (v1 controllers and the v2 one beside them)."""
    found = []
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            if fstype in ("cgroup", "cgroup2") and fields[4].startswith(str(CGROUP_FS)):
                found.append(Path(fields[4]))
    return found


def _make_cgroup_root(node: config.Node) -> None:
    """The kubelet insists that its --cgroup-root exists in every hierarchy."""
    for hierarchy in _hierarchies():
        root = hierarchy / node.cgroup_root.lstrip("/")
        root.mkdir(exist_ok=True)
        if hierarchy.name == "cpuset":
            for name in ("cpuset.cpus", "cpuset.mems"):
                (root / name).write_text((hierarchy / name).read_text())


def _cgroup_dirs(node: config.Node) -> list[Path]:
    """Every cgroup of the node, deepest first."""
    dirs = []
    for hierarchy in _hierarchies():
        root = hierarchy / node.cgroup_root.lstrip("/")
        if root.is_dir():
            dirs.extend(Path(path) for path, _, _ in os.walk(root))
    return sorted(dirs, key=lambda path: len(path.parts), reverse=True)


def _kill_cgroup_tree(node: config.Node) -> None:
    for _ in range(5):
        pids = set()
        for directory in _cgroup_dirs(node):
            try:
                pids.update(int(pid) for pid in (directory / "cgroup.procs").read_text().split())
            except OSError:
                continue
        if not pids:
            return
        for pid in pids:
            processes.terminate(pid, grace=0)


def _remove_cgroup_tree(node: config.Node) -> None:
    for directory in _cgroup_dirs(node):
        with contextlib.suppress(OSError):
            directory.rmdir()


def _kill_shims(node: config.Node) -> None:
    """containerd-shim-runc-v2 processes started by this node's containerd."""
    marker = str(node.containerd_socket).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"containerd-shim-runc-v2") and marker in argv:
            processes.terminate(int(entry.name), grace=2)


def _sandbox_netns(node: config.Node) -> list[str]:
    """The network namespaces containerd made for this node's pods."""
    if not containerd_ready(node):
        return []
    ctr = ["ctr", "--address", str(node.containerd_socket), "-n", "k8s.io"]
    listed = subprocess.run([*ctr, "containers", "ls", "-q"], capture_output=True, text=True)
    paths = []
    for container_id in listed.stdout.split():
        info = subprocess.run(
            [*ctr, "containers", "info", container_id], capture_output=True, text=True
        )
        try:
            spec = json.loads(info.stdout).get("Spec") or {}
        except ValueError:
            continue
        for namespace in (spec.get("linux") or {}).get("namespaces") or []:
            path = namespace.get("path") or ""
            if namespace.get("type") == "network" and path.startswith("/var/run/netns/"):
                paths.append(path)
    return paths


def _unmount_below(*roots: Path) -> None:
    prefixes = tuple(f"{root}/" for root in roots)
    with open("/proc/self/mountinfo") as mountinfo:
        points = [line.split()[4] for line in mountinfo]
    for point in sorted(set(points), key=len, reverse=True):
        if point.startswith(prefixes) or point in {str(root) for root in roots}:
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def wipe(node: config.Node) -> None:
    shutil.rmtree(node.state_dir, ignore_errors=True)
    shutil.rmtree(node.run_dir, ignore_errors=True)
