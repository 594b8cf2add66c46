"""`kubectl shm diagnose -A` at scale, side by side with the lists it cannot do without.

Creates pod objects in many namespaces of a real API server (bench/scale_objects.py:
Pending, they name a scheduler that does not exist, so no kubelet runs them) plus a few
real pods that crash on a full /dev/shm (they run on the cluster's node-current and end
with dd's `No space left on device` in their log), then measures wall time (best of
--runs) and peak RSS (worst) of `kubectl shm diagnose -A -o json` against `kubectl get
pods -A -o json` plus `kubectl get events -A -o json`, and prints the ratio, whether every
crash was named, and whether the targets of DESIGN section 8 are met. Everything lives in
namespaces named shm-bench-*, deleted at the end.

    .venv/bin/python bench/diagnose_scale.py --kubeconfig PATH [--pods 10000] [--crashed 50]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scale import PREFIX, cleanup, command_env, wait_until_gone
from scale_measure import measure_command
from scale_objects import Populator

from kubectl_shm.kube.client import Kube, connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import Conflict, Forbidden

CRASH_NAMESPACE = f"{PREFIX}crashed"
CRASH_NODE = "node-current"
CRASH_IMAGE = "kubectl-shm.local/busybox:e2e"
TARGET_RATIO = 1.5
TARGET_RSS_MIB = 200


def crashing_pod(index: int) -> dict:
    """A real pod that fills the runtime's 64Mi /dev/shm and ends with dd's ENOSPC."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"loader-{index}"},
        "spec": {
            "restartPolicy": "Never",
            "nodeName": CRASH_NODE,
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "main",
                    "image": CRASH_IMAGE,
                    "imagePullPolicy": "Never",
                    "command": ["dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=100"],
                }
            ],
        },
    }


def crash(kube: Kube, count: int, timeout: float = 300) -> None:
    """`count` crashing pods in their own namespace, waited for until each has ended."""
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CRASH_NAMESPACE}}
    _create(kube, "/api/v1/namespaces", namespace)
    path = f"/api/v1/namespaces/{CRASH_NAMESPACE}/pods"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: _create(kube, path, crashing_pod(i)), range(count)))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = kube.get(path, doing="listing the crashing pods")
        if sum(1 for p in listed["items"] if p["status"].get("phase") == "Failed") >= count:
            return
        time.sleep(3)
    raise SystemExit(f"the {count} crashing pods did not all end within {timeout:.0f}s")


def _create(kube: Kube, path: str, body: dict) -> None:
    """POST `body`; there already is fine, and a new namespace's default ServiceAccount
    (without which pods are refused) appears a moment later."""
    for attempt in range(20):
        try:
            kube.call("POST", path, body=body, doing=f"creating {path}")
            return
        except Conflict:
            return
        except Forbidden:
            time.sleep(0.2 * (attempt + 1))
    raise SystemExit(f"cannot create {path}")


def best(runs: int, command: list[str], env: dict[str, str]) -> tuple[float, float]:
    results = [measure_command(command, env) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--crashed", type=int, default=50)
    parser.add_argument("--namespaces", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Leave the bench namespaces.")
    args = parser.parse_args()
    kube = connect(ConnectionOptions(kubeconfig=args.kubeconfig))
    plugin = str(Path(sys.executable).parent / "kubectl-shm")
    env = command_env(args.kubeconfig)
    wait_until_gone(kube)
    try:
        started = time.perf_counter()
        Populator(kube, f"{PREFIX}p-", args.namespaces).populate("pods", args.pods - args.crashed)
        crash(kube, args.crashed)
        took = time.perf_counter() - started
        print(f"# {args.pods} pods present, {args.crashed} of them crashed (made in {took:.0f}s)")
        pods = best(args.runs, ["kubectl", "get", "pods", "-A", "-o", "json"], env)
        events = best(args.runs, ["kubectl", "get", "events", "-A", "-o", "json"], env)
        shm = best(args.runs, [plugin, "diagnose", "-A", "-o", "json"], env)
        named = _named(plugin, env)
    finally:
        if not args.keep:
            cleanup(kube)
    lists = pods[0] + events[0]
    ratio = shm[0] / lists
    print(f"{'command':44} {'wall':>8} {'peak RSS':>10}")
    for label, (wall, rss) in (
        ("kubectl get pods -A -o json", pods),
        ("kubectl get events -A -o json", events),
        ("kubectl shm diagnose -A -o json", shm),
    ):
        print(f"{label:44} {wall:7.2f}s {rss:7.0f} MiB")
    print(f"{'ratio diagnose / (pods + events)':44} {ratio:7.2f}")
    print(f"crashed pods named: {named} of {args.crashed}")
    met = {
        f"ratio {ratio:.2f} <= {TARGET_RATIO}": ratio <= TARGET_RATIO,
        f"peak RSS {shm[1]:.0f} MiB < {TARGET_RSS_MIB}": shm[1] < TARGET_RSS_MIB,
        f"every crash named ({named}/{args.crashed})": named == args.crashed,
    }
    print("targets: " + "; ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    return 0 if all(met.values()) else 1


def _named(plugin: str, env: dict[str, str]) -> int:
    """How many crashed pods the diagnosis names: a fast answer that misses is no answer."""
    out = subprocess.run(
        [plugin, "diagnose", "-A", "-o", "json"], env=env, capture_output=True, text=True
    ).stdout
    diagnoses = json.loads(out)["diagnoses"]
    return len({d["pod"] for d in diagnoses if d["namespace"] == CRASH_NAMESPACE})


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    sys.exit(main())
