"""`kubectl shm diagnose -A` at scale, side by side with the lists it cannot do without.

Creates pod objects in many namespaces of a real API server (Pending: they name a
scheduler that does not exist, so no kubelet runs them) plus a few real pods that crash
on a full /dev/shm (they run on the cluster's node-current and die with `No space left
on device` in their log), then measures wall time and peak RSS of `kubectl shm diagnose
-A -o json` against `kubectl get pods -A -o json` plus `kubectl get events -A -o json`,
and prints the ratio and whether the targets are met. Objects it created are deleted at
the end (their namespaces).

    .venv/bin/python -m bench.diagnose_scale --kubeconfig PATH [--pods 10000] [--crashed 50]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.scale import best_of, pod
from kubectl_shm.kube.client import Kube, connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import Conflict, Forbidden

PREFIX = "shm-diag-bench-"
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


def create(kube: Kube, path: str, body: dict) -> None:
    for attempt in range(20):
        try:
            kube.call("POST", path, body=body, doing=f"creating {path}")
            return
        except Conflict:
            return  # there from an earlier run (--keep)
        except Forbidden:
            # A new namespace's default ServiceAccount appears a moment later.
            time.sleep(0.2 * (attempt + 1))
    raise SystemExit(f"cannot create {path}")


def populate(kube: Kube, pods: int, namespaces: int, crashed: int) -> None:
    names = [f"{PREFIX}{n:04d}" for n in range(namespaces)]
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {}}
    with ThreadPoolExecutor(max_workers=16) as pool:
        for name in [*names, CRASH_NAMESPACE]:
            pool.submit(
                create, kube, "/api/v1/namespaces", {**namespace, "metadata": {"name": name}}
            )
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(
            pool.map(
                lambda i: create(kube, f"/api/v1/namespaces/{names[i % namespaces]}/pods", pod(i)),
                range(pods - crashed),
            )
        )
        list(
            pool.map(
                lambda i: create(
                    kube, f"/api/v1/namespaces/{CRASH_NAMESPACE}/pods", crashing_pod(i)
                ),
                range(crashed),
            )
        )
    _wait_for_crashes(kube, crashed)


def _wait_for_crashes(kube: Kube, crashed: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = kube.get(f"/api/v1/namespaces/{CRASH_NAMESPACE}/pods", doing="listing")
        failed = [p for p in listed["items"] if p["status"].get("phase") == "Failed"]
        if len(failed) >= crashed:
            return
        time.sleep(3)
    raise SystemExit(f"the {crashed} crashing pods did not all end within {timeout:.0f}s")


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
    env = {**os.environ, "KUBECONFIG": args.kubeconfig}
    try:
        started = time.perf_counter()
        populate(kube, args.pods, args.namespaces, args.crashed)
        print(
            f"# {args.pods} pods present, {args.crashed} of them crashed "
            f"(populated in {time.perf_counter() - started:.0f}s)"
        )
        pods = best_of(args.runs, ["kubectl", "get", "pods", "-A", "-o", "json"], env)
        events = best_of(args.runs, ["kubectl", "get", "events", "-A", "-o", "json"], env)
        shm = best_of(args.runs, [plugin, "diagnose", "-A", "-o", "json"], env)
        found = _diagnosed(plugin, env)
    finally:
        if not args.keep:
            _cleanup(kube)
    floor = pods[0] + events[0]
    print(f"{'command':44} {'wall':>8} {'peak RSS':>10}")
    for label, (wall, rss) in (
        ("kubectl get pods -A -o json", pods),
        ("kubectl get events -A -o json", events),
        ("kubectl shm diagnose -A -o json", shm),
    ):
        print(f"{label:44} {wall:7.2f}s {rss:8.0f}MiB")
    ratio = shm[0] / floor
    print(f"{'ratio diagnose / (pods + events)':44} {ratio:7.2f}")
    print(f"crashed pods diagnosed: {found} of {args.crashed}")
    print(
        f"targets: ratio {ratio:.2f} <= {TARGET_RATIO} "
        f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}; "
        f"peak RSS {shm[1]:.0f} MiB < {TARGET_RSS_MIB} "
        f"{'met' if shm[1] < TARGET_RSS_MIB else 'MISSED'}; "
        f"every crash named {'met' if found == args.crashed else 'MISSED'}"
    )
    return 0


def _diagnosed(plugin: str, env: dict[str, str]) -> int:
    """How many of the crashed pods the diagnosis names (a fast answer that misses is no answer)."""
    import subprocess

    out = subprocess.run(
        [plugin, "diagnose", "-A", "-o", "json"], env=env, capture_output=True, text=True
    ).stdout
    diagnoses = json.loads(out)["diagnoses"]
    return len({d["pod"] for d in diagnoses if d["namespace"] == CRASH_NAMESPACE})


def _cleanup(kube: Kube) -> None:
    listed = json.loads(kube.get_raw("/api/v1/namespaces", doing="listing namespaces"))
    bench = [
        ns["metadata"]["name"]
        for ns in listed.get("items") or []
        if ns["metadata"]["name"].startswith(PREFIX)
    ]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(
            pool.map(
                lambda ns: kube.call("DELETE", f"/api/v1/namespaces/{ns}", doing=f"deleting {ns}"),
                bench,
            )
        )


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    sys.exit(main())
