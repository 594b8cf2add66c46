"""Bring the whole cluster up or down, and tell whether it is up.

`up` is idempotent: a healthy running cluster is left as it is (its test images
refreshed). A cluster
left half-started (a crash, a killed test run) is torn down first.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.cluster import build, config, control_plane, images, node, processes

ADMIN_KUBECONFIG = config.STATE_DIR / "admin.kubeconfig"
Log = Callable[[str], None]


class ClusterStartError(RuntimeError):
    """The cluster could not be started; the message says which component and why."""


def up(log: Log) -> Path:
    """Start the cluster (building what is missing); returns the admin kubeconfig."""
    with _locked():
        if healthy():
            log("cluster already running")
            _refresh_images(log)
            return ADMIN_KUBECONFIG
        _down(log)
        build.ensure_built(log)
        started = time.monotonic()
        try:
            _start(log)
        except Exception:
            log("cluster failed to start; component logs in " + str(processes.LOG_DIR))
            raise
        log(f"cluster up in {time.monotonic() - started:.0f}s; kubeconfig {ADMIN_KUBECONFIG}")
        return ADMIN_KUBECONFIG


def _refresh_images(log: Log) -> None:
    """A running cluster gets the test images as this checkout builds them (a test may
    need a tool added since it started); an unchanged image is imported in a moment."""
    archives = images.build_all(config.STATE_DIR / "images")
    for each in config.NODES:
        node.load_images(each, archives)
    log("test images refreshed")


def down(log: Log) -> None:
    with _locked():
        _down(log)


def healthy() -> bool:
    """Every component running and both nodes Ready."""
    names = [*control_plane.COMPONENTS]
    for each in config.NODES:
        names += [node.containerd_name(each), node.kubelet_name(each)]
    if not all(processes.running(name) for name in names):
        return False
    return _nodes_ready()


def _start(log: Log) -> None:
    for each in config.NODES:
        node.wipe(each)
    shutil.rmtree(config.STATE_DIR, ignore_errors=True)
    config.STATE_DIR.mkdir(parents=True)
    ip = node_ip()
    secrets = control_plane.make_secrets(ip)
    archives = images.build_all(config.STATE_DIR / "images")
    control_plane.start_etcd()
    for each in config.NODES:
        node.start_containerd(each)
    _wait("etcd", lambda: _etcd_healthy(), timeout=30)
    control_plane.start_apiserver(secrets, ip)
    _wait(control_plane.APISERVER, _apiserver_ready, timeout=90)
    control_plane.start_controllers(secrets)
    for each in config.NODES:
        _wait(node.containerd_name(each), lambda each=each: node.containerd_ready(each), 30)
        node.load_images(each, archives)
        node.start_kubelet(each, secrets, ip)
    _wait(
        "nodes Ready", _nodes_ready, timeout=120, logs=[node.kubelet_name(n) for n in config.NODES]
    )
    _advertise_extended_resources()
    _wait(
        "default service account",
        _default_service_account,
        timeout=60,
        logs=[control_plane.CONTROLLER_MANAGER],
    )
    log(f"nodes: {', '.join(f'{n.name} (kubelet {n.kubelet_version})' for n in config.NODES)}")


def _down(log: Log) -> None:
    stopped = False
    for each in config.NODES:
        if config.STATE_DIR.exists() or each.run_dir.exists():
            node.stop(each)
            stopped = True
    control_plane.stop_all()
    if stopped:
        log("cluster stopped")


def node_ip() -> str:
    """The host's first global IPv4 address: kubelets refuse a loopback node IP."""
    shown = subprocess.run(
        ["ip", "-j", "-4", "addr", "show", "scope", "global"],
        capture_output=True,
        text=True,
        check=True,
    )
    for link in json.loads(shown.stdout):
        if "UP" not in link.get("flags", []):
            continue
        for address in link.get("addr_info") or []:
            if address.get("local"):
                return str(address["local"])
    raise ClusterStartError("no global IPv4 address on this host for the nodes to use")


def kubectl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", f"--kubeconfig={ADMIN_KUBECONFIG}", "--request-timeout=10s", *args],
        capture_output=True,
        text=True,
        check=check,
    )


def _etcd_healthy() -> bool:
    import urllib.request

    try:
        url = f"http://127.0.0.1:{config.ETCD_CLIENT_PORT}/health"
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(json.loads(response.read()).get("health") == "true")
    except (OSError, ValueError):
        return False


def _apiserver_ready() -> bool:
    return kubectl("get", "--raw=/readyz", check=False).returncode == 0


def _nodes_ready() -> bool:
    if not ADMIN_KUBECONFIG.exists():
        return False
    listed = kubectl("get", "nodes", "-o", "json", check=False)
    if listed.returncode != 0:
        return False
    ready = set()
    for item in json.loads(listed.stdout).get("items", []):
        for condition in item.get("status", {}).get("conditions", []):
            if condition.get("type") == "Ready" and condition.get("status") == "True":
                ready.add(item["metadata"]["name"])
    return ready >= {each.name for each in config.NODES}


def _advertise_extended_resources() -> None:
    """Extended resources are advertised by patching node status (as device plugins do)."""
    for each in config.NODES:
        for resource, amount in each.extended_resources.items():
            path = "/status/capacity/" + resource.replace("~", "~0").replace("/", "~1")
            patch = json.dumps([{"op": "add", "path": path, "value": amount}])
            kubectl("patch", "node", each.name, "--subresource=status", "--type=json", "-p", patch)


def _default_service_account() -> bool:
    return kubectl("get", "serviceaccount", "default", "-n", "default", check=False).returncode == 0


def _wait(
    what: str, condition: Callable[[], bool], timeout: float, logs: list[str] | None = None
) -> None:
    if processes.wait_for(condition, timeout=timeout):
        return
    names = logs or [what]
    tails = "\n".join(f"--- {name}.log\n{processes.log_tail(name)}" for name in names)
    raise ClusterStartError(f"{what} not ready after {timeout:.0f}s\n{tails}")


@contextmanager
def _locked() -> Iterator[None]:
    config.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(config.CACHE_DIR / "cluster.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
