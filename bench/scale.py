"""`kubectl shm audit -A` at scale, side by side with `kubectl get pods -A -o json`.

Creates pods (objects only: they name a scheduler that does not exist, so they
stay Pending and no kubelet runs them) in many namespaces of a real API server,
then measures wall time and peak RSS of both commands at two sizes and prints
the ratios. Objects it created are deleted at the end (their namespaces).

    .venv/bin/python bench/scale.py --kubeconfig PATH [--pods 1000,10000] [--namespaces 500]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kubectl_shm.kube.client import Kube, connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import Conflict, Forbidden

PREFIX = "shm-bench-"
TARGET_RATIO = 1.0
TARGET_RSS_MIB = 200


def pod(index: int) -> dict:
    """A pod shaped like an AI workload: a memory emptyDir at /dev/shm, a memory limit."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"trainer-{index}", "labels": {"app": "trainer"}},
        "spec": {
            "schedulerName": "shm-bench-nonexistent",
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}],
            "containers": [
                {
                    "name": "trainer",
                    "image": "localhost/none:1",
                    "resources": {"limits": {"memory": "2Gi", "nvidia.com/gpu": "1"}},
                    "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
                }
            ],
        },
    }


def populate(kube: Kube, pods: int, namespaces: int) -> None:
    """Make sure `pods` bench pods exist, spread over `namespaces` namespaces."""
    names = [f"{PREFIX}{n:04d}" for n in range(namespaces)]

    def create(path: str, body: dict) -> None:
        for attempt in range(20):
            try:
                kube.call("POST", path, body=body, doing=f"creating {path}")
                return
            except Conflict:
                return  # already there from the smaller size
            except Forbidden:
                # A new namespace's default ServiceAccount appears a moment later.
                time.sleep(0.2 * (attempt + 1))
        raise SystemExit(f"cannot create {path}")

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(
            pool.map(
                lambda ns: create(
                    "/api/v1/namespaces",
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                ),
                names,
            )
        )
        list(
            pool.map(
                lambda i: create(f"/api/v1/namespaces/{names[i % namespaces]}/pods", pod(i)),
                range(pods),
            )
        )


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run, stdout discarded."""
    wrapper = [
        sys.executable,
        "-c",
        (
            "import resource,subprocess,sys,time;"
            "t=time.perf_counter();"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
            "w=time.perf_counter()-t;"
            "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
        ),
        *command,
    ]
    out = subprocess.run(wrapper, env=env, capture_output=True, text=True, check=True).stdout
    wall, rss_kib, status = out.split()
    if int(status) not in (0, 1):
        raise SystemExit(f"{command[0]} failed with exit {status}")
    return float(wall), int(rss_kib) / 1024


def best_of(runs: int, command: list[str], env: dict[str, str]) -> tuple[float, float]:
    results = [measure(command, env) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--pods", default="1000,10000")
    parser.add_argument("--namespaces", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Leave the bench namespaces.")
    args = parser.parse_args()
    kube = connect(ConnectionOptions(kubeconfig=args.kubeconfig))
    plugin = str(Path(sys.executable).parent / "kubectl-shm")
    env = {**os.environ, "KUBECONFIG": args.kubeconfig}
    print(f"{'pods':>6} {'command':36} {'wall':>8} {'peak RSS':>10}")
    rows = []
    try:
        for size in sorted(int(n) for n in args.pods.split(",")):
            started = time.perf_counter()
            populate(kube, size, min(args.namespaces, size))
            print(f"# {size} pods present (populated in {time.perf_counter() - started:.0f}s)")
            kubectl = best_of(args.runs, ["kubectl", "get", "pods", "-A", "-o", "json"], env)
            shm = best_of(args.runs, [plugin, "audit", "-A", "-o", "json"], env)
            for label, (wall, rss) in (
                ("kubectl get pods -A -o json", kubectl),
                ("kubectl shm audit -A -o json", shm),
            ):
                print(f"{size:>6} {label:36} {wall:7.2f}s {rss:8.0f}MiB")
            rows.append((size, shm[0], kubectl[0], shm[1]))
            print(f"{size:>6} {'ratio shm/kubectl':36} {shm[0] / kubectl[0]:7.2f}")
    finally:
        if not args.keep:
            _cleanup(kube)
    (small, t_small, _, _), (large, t_large, k_large, rss_large) = rows[0], rows[-1]
    print(f"growth {small}->{large} pods: shm x{t_large / t_small:.1f} (pods x{large / small:.0f})")
    print(
        f"targets: ratio {t_large / k_large:.2f} <= {TARGET_RATIO} "
        f"{'met' if t_large <= k_large * TARGET_RATIO else 'MISSED'}; "
        f"peak RSS {rss_large:.0f} MiB < {TARGET_RSS_MIB} "
        f"{'met' if rss_large < TARGET_RSS_MIB else 'MISSED'}"
    )
    return 0


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
