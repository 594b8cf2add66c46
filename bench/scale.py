"""`kubectl shm audit -A` at scale, side by side with the API server's own list and kubectl.

Creates pod objects in a real API server, then measures, in one run and in turn:
  floor   `kubectl get --raw /api/v1/pods` (the server's list, nothing decoded)
  kubectl `kubectl get pods -A -o json`
  json    `kubectl shm audit -A -o json`
  table   `kubectl shm audit -A`, stdout not a terminal
  tty     `kubectl shm audit -A` on a pseudo-terminal of 200x50 (stdout and stderr)
and prints wall time (best of --runs) and peak RSS (worst) of each, the ratios and
which target of DESIGN section 8 is met.

Two shapes, each at every size of --pods:
  pods         bare pods spread over --namespaces namespaces
  deployments  50 pods per Deployment (200 Deployments at 10,000 pods), owned through
               a ReplicaSet, as a Deployment's pods are
No pod ever runs: every pod names a scheduler that does not exist, so it stays Pending
unbound. The Deployments are paused and their ReplicaSets are made here, one per
Deployment, with as many replicas as the pods made for it, so no controller adds or
removes pods (bench/scale_objects.py says why). Everything lives in namespaces named
shm-bench-*, deleted at the end (pods first, in bulk); with --keep they stay for
looking at, and the next run deletes them before it starts.

    .venv/bin/python bench/scale.py --kubeconfig PATH [--pods 1000,10000]
        [--shapes pods,deployments] [--namespaces 500] [--runs 3] [--keep] [--profile DIR]
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

from scale_measure import measure_command
from scale_objects import PODS_PER_DEPLOYMENT, Populator

from kubectl_shm.kube.client import Kube, connect
from kubectl_shm.kube.connection import ConnectionOptions

PREFIX = "shm-bench-"
TTY_SIZE = (200, 50)
# DESIGN section 8.
FLOOR_RATIO = 2.0
KUBECTL_RATIO = 0.5
TABLE_RATIO = 1.1
RSS_MIB = 150
# The ratios and peak RSS are targets at this many pods (DESIGN section 8); below it,
# Python's start-up (~0.2 s before the first request) outweighs a floor of ~0.1 s and
# they are printed as measured.
TARGET_PODS = 10_000
COMMANDS = ("floor", "kubectl", "json", "table", "tty")
LABELS = {
    "floor": "kubectl get --raw /api/v1/pods",
    "kubectl": "kubectl get pods -A -o json",
    "json": "kubectl shm audit -A -o json",
    "table": "kubectl shm audit -A (not a terminal)",
    "tty": f"kubectl shm audit -A (terminal {TTY_SIZE[0]}x{TTY_SIZE[1]})",
}


def commands(plugin: str) -> dict[str, list[str]]:
    return {
        "floor": ["kubectl", "get", "--raw", "/api/v1/pods"],
        "kubectl": ["kubectl", "get", "pods", "-A", "-o", "json"],
        "json": [plugin, "audit", "-A", "-o", "json"],
        "table": [plugin, "audit", "-A"],
        "tty": [plugin, "audit", "-A"],
    }


def command_env(kubeconfig: str) -> dict[str, str]:
    """The environment of a measured command: as installed (bytecode written: pip compiles
    it at install time), no forced width, the bench's kubeconfig."""
    dropped = ("COLUMNS", "LINES", "NO_COLOR", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["KUBECONFIG"] = kubeconfig
    return env


def measure_all(plugin: str, env: dict[str, str], runs: int) -> dict[str, tuple[float, float]]:
    """Best wall time and worst peak RSS of each command, the commands taken in turn."""
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in commands(plugin).items():
            size = TTY_SIZE if name == "tty" else None
            results[name].append(measure_command(command, env, terminal_size=size))
    return {
        name: (min(r[0] for r in found), max(r[1] for r in found))
        for name, found in results.items()
    }


def report(shape: str, size: int, figures: dict[str, tuple[float, float]]) -> list[str]:
    """Print the figures and ratios of one shape and size; returns the targets missed."""
    judged = size >= TARGET_PODS
    for name in COMMANDS:
        wall, rss = figures[name]
        print(f"{shape:11} {size:>6} {LABELS[name]:44} {wall:7.2f}s {rss:7.0f} MiB")
    json_wall = figures["json"][0]
    checks = [
        ("json / floor", json_wall / figures["floor"][0], FLOOR_RATIO),
        ("json / kubectl -o json", json_wall / figures["kubectl"][0], KUBECTL_RATIO),
        ("table (not a terminal) / json", figures["table"][0] / json_wall, TABLE_RATIO),
        ("table (terminal) / json", figures["tty"][0] / json_wall, TABLE_RATIO),
    ]
    missed = []
    for label, ratio, target in checks:
        met = ratio <= target
        print(f"{shape:11} {size:>6} ratio {label:38} {ratio:7.2f}  <= {target}: "
              f"{verdict(met, judged)}")  # fmt: skip
        if judged and not met:
            missed.append(f"{shape} {size}: {label} {ratio:.2f} > {target}")
    rss = max(figures[name][1] for name in ("json", "table", "tty"))
    met = rss < RSS_MIB
    print(f"{shape:11} {size:>6} peak RSS of kubectl shm {rss:30.0f} MiB < {RSS_MIB}: "
          f"{verdict(met, judged)}")  # fmt: skip
    if judged and not met:
        missed.append(f"{shape} {size}: peak RSS {rss:.0f} MiB >= {RSS_MIB}")
    return missed


def verdict(met: bool, judged: bool) -> str:
    if judged:
        return "met" if met else "MISSED"
    return f"{'within' if met else 'beyond'} (a target at {TARGET_PODS:,} pods)"


def linearity(shape: str, sizes: list[tuple[int, dict[str, tuple[float, float]]]]) -> list[str]:
    """Cost linear in pods: each command's growth no faster than the pods'."""
    if len(sizes) < 2:
        return []
    (small, first), (large, last) = sizes[0], sizes[-1]
    missed = []
    for name in ("json", "table", "tty"):
        growth = last[name][0] / first[name][0]
        met = growth <= large / small
        print(f"{shape:11} growth {small}->{large} pods: {LABELS[name]:44} x{growth:5.1f} "
              f"(pods x{large / small:.0f}): {'met' if met else 'MISSED'}")  # fmt: skip
        if not met:
            missed.append(f"{shape}: {name} grew x{growth:.1f} for pods x{large / small:.0f}")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--pods", default="1000,10000")
    parser.add_argument("--shapes", default="pods,deployments")
    parser.add_argument("--namespaces", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Leave the bench namespaces.")
    parser.add_argument(
        "--profile", metavar="DIR", help="Also write a cProfile of `audit -A -o json` per size."
    )
    args = parser.parse_args()
    kube = connect(ConnectionOptions(kubeconfig=args.kubeconfig))
    plugin = str(Path(sys.executable).parent / "kubectl-shm")
    env = command_env(args.kubeconfig)
    sizes = sorted(int(n) for n in args.pods.split(","))
    print(f"{'shape':11} {'pods':>6} {'command':44} {'wall':>8} {'peak RSS':>11}")
    missed: list[str] = []
    wait_until_gone(kube)  # a namespace of an earlier run still being deleted takes no pods
    if bench_namespaces(kube):
        # Kept by an earlier --keep run: its pods would count in every figure here, and the
        # populator only adds pods; it starts from none.
        print("# deleting the bench namespaces an earlier --keep run left", flush=True)
        cleanup(kube)
        wait_until_gone(kube)
    try:
        for shape in args.shapes.split(","):
            populator = Populator(kube, f"{PREFIX}{shape[0]}-", args.namespaces)
            measured = []
            for size in sizes:
                started = time.perf_counter()
                populator.populate(shape, size)
                took = time.perf_counter() - started
                print(f"# {shape}: {size} pods present (made in {took:.0f}s)", flush=True)
                figures = measure_all(plugin, env, args.runs)
                missed += report(shape, size, figures)
                if args.profile:
                    profile(Path(args.profile) / f"{shape}-{size}.prof", env)
                measured.append((size, figures))
                sys.stdout.flush()
            missed += linearity(shape, measured)
            if not args.keep:
                cleanup(kube)
    finally:
        if not args.keep:
            cleanup(kube)
    print(f"# {PODS_PER_DEPLOYMENT} pods per Deployment; best of {args.runs} runs")
    print("targets: all met" if not missed else "targets MISSED:\n  " + "\n  ".join(missed))
    return 0 if not missed else 1


def profile(path: Path, env: dict[str, str]) -> None:
    """cProfile of one `audit -A -o json` (its main thread: the page fetches run beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "cProfile", "-o", str(path), "-m", "kubectl_shm"]
    subprocess.run([*command, "audit", "-A", "-o", "json"], env=env, stdout=subprocess.DEVNULL)
    print(f"# profile: {path}", flush=True)


def bench_namespaces(kube: Kube) -> list[dict]:
    listed = json.loads(kube.get_raw("/api/v1/namespaces", doing="listing namespaces"))
    return [ns for ns in listed.get("items") or [] if ns["metadata"]["name"].startswith(PREFIX)]


def wait_until_gone(kube: Kube, seconds: float = 600) -> None:
    """Wait for the namespace controller to finish deleting earlier bench namespaces."""
    deadline = time.monotonic() + seconds
    while left := bench_namespaces(kube):
        if all(not ns["metadata"].get("deletionTimestamp") for ns in left):
            return  # kept by --keep, not being deleted
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(left)} bench namespaces still being deleted")
        print(f"# waiting for {len(left)} bench namespaces to be deleted", flush=True)
        time.sleep(10)


def cleanup(kube: Kube) -> None:
    """Delete every bench namespace, its pods first in bulk (unbound pods go at once)."""
    bench = [
        ns["metadata"]["name"]
        for ns in bench_namespaces(kube)
        if not ns["metadata"].get("deletionTimestamp")
    ]

    def delete(namespace: str) -> None:
        for path in (
            f"/apis/apps/v1/namespaces/{namespace}/deployments",
            f"/apis/apps/v1/namespaces/{namespace}/replicasets",
            f"/api/v1/namespaces/{namespace}/pods",
            f"/api/v1/namespaces/{namespace}",
        ):
            kube.call("DELETE", path, doing=f"deleting {path}")

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(delete, bench))
    if bench:
        print(f"# deleted {len(bench)} bench namespaces", flush=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    sys.exit(main())
