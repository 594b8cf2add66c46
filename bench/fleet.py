"""`kubectl shm audit --context A,B,...` over N contexts: the slowest cluster plus a small
constant, not the sum of the clusters.

Every context points at the same real API server, with the same credentials, through a
local TCP relay that holds each request back by --latency (a cluster far away; with
`--slow one` only c0 does, the others are near). Each round, in a shuffled order, runs:
  - the audit of each context alone (their sum is what a loop over contexts costs, their
    maximum what the slowest cluster costs);
  - the audit of all N contexts in one run;
  - `kubectl get pods -n NS -o json --context X` for every context one after the other
    (what a shell loop with kubectl costs), and for one context.
Prints medians and the ratio of the one run to the slowest context and to the sum.

    .venv/bin/python bench/fleet.py --kubeconfig PATH [--contexts 2,4,8] [--rounds 5]
        [--latency 0.3] [--namespace default]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

TARGET_OVERHEAD = 1.5  # the one run stays under 1.5x the slowest context alone


class SlowRelay:
    """A TCP relay on 127.0.0.1 that waits `latency` seconds before passing on each chunk
    the client sends (each API request); bounded: it stops with the benchmark."""

    def __init__(self, upstream: tuple[str, int], latency: float) -> None:
        self.upstream, self.latency = upstream, latency
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, slow: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if slow:
                    time.sleep(self.latency)
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def fleet_kubeconfig(
    admin: dict, count: int, slow_port: int, directory: Path, *, all_slow: bool
) -> Path:
    """`count` contexts c0..c{count-1} on the admin's cluster and user; c0 (or, with
    `all_slow`, every one) through the relay (the API server's certificate names
    127.0.0.1, so TLS holds through the relay)."""
    [cluster] = admin["clusters"]
    [context] = admin["contexts"]
    slow = json.loads(json.dumps(cluster))
    slow["name"] = "slow"
    slow["cluster"]["server"] = f"https://127.0.0.1:{slow_port}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster, slow],
        "users": admin["users"],
        "contexts": [
            {
                "name": f"c{index}",
                "context": {
                    **context["context"],
                    "cluster": "slow" if index == 0 or all_slow else cluster["name"],
                },
            }
            for index in range(count)
        ],
        "current-context": "c0",
    }
    path = directory / f"fleet-{count}.kubeconfig"
    path.write_text(json.dumps(config))
    return path


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--contexts", default="2,4,8")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--namespace", default="default")
    parser.add_argument(
        "--slow",
        choices=("all", "one"),
        default="all",
        help="which contexts go through the relay: all (N far clusters) or only c0",
    )
    args = parser.parse_args()
    plugin = shutil.which("kubectl-shm", path=str(Path(sys.executable).parent))
    if shutil.which("kubectl") is None or plugin is None:
        print("needs kubectl on PATH and kubectl-shm installed beside this Python", file=sys.stderr)
        return 2
    admin = json.loads(
        subprocess.run(
            ["kubectl", "--kubeconfig", args.kubeconfig, "config", "view", "--raw", "--minify",
             "-o", "json"],
            capture_output=True, check=True, text=True,
        ).stdout
    )  # fmt: skip
    server = urlsplit(admin["clusters"][0]["cluster"]["server"])
    relay = SlowRelay((server.hostname or "127.0.0.1", server.port or 443), args.latency)
    counts = [int(n) for n in args.contexts.split(",")]
    delay = f"{args.latency * 1000:.0f} ms"
    which = "every context goes" if args.slow == "all" else "context c0 goes"
    print(f"API server {server.geturl()}, -n {args.namespace}; {which} through a relay "
          f"adding {delay} per request; {args.rounds} rounds, medians")  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as temporary:
            for count in counts:
                path = fleet_kubeconfig(
                    admin, count, relay.port, Path(temporary), all_slow=args.slow == "all"
                )
                report(count, path, plugin, args)
    finally:
        relay.close()
    return 0


def report(count: int, path: Path, plugin: str, args: argparse.Namespace) -> None:
    names = [f"c{index}" for index in range(count)]
    audit = [plugin, "audit", "--kubeconfig", str(path), "-n", args.namespace, "-o", "json"]
    kubectl = ["kubectl", "--kubeconfig", str(path), "get", "pods", "-n", args.namespace,
               "-o", "json"]  # fmt: skip
    cases: dict[str, list[str]] = {f"alone {name}": [*audit, "--context", name] for name in names}
    cases["one run"] = [*audit, "--context", ",".join(names)] if count > 1 else [
        *audit, "--context", names[0]]  # fmt: skip
    cases["kubectl one context (c1 or c0)"] = [*kubectl, "--context", names[min(1, count - 1)]]
    timings: dict[str, list[float]] = {name: [] for name in cases}
    loop: list[float] = []
    for _ in range(args.rounds):
        order = list(cases)
        random.shuffle(order)
        for name in order:
            timings[name].append(seconds(cases[name]))
        loop.append(sum(seconds([*kubectl, "--context", name]) for name in names))
    median = {name: statistics.median(values) for name, values in timings.items()}
    alone = [median[f"alone {name}"] for name in names]
    slowest, total, one_run = max(alone), sum(alone), median["one run"]
    kubectl_one = median["kubectl one context (c1 or c0)"]
    print(f"\n{count} contexts")
    print(f"  each alone (median):        {', '.join(f'{s:.2f}s' for s in alone)}")
    print(f"  slowest alone:              {slowest:.2f}s")
    print(f"  sum of all alone:           {total:.2f}s")
    print(f"  one run over all:           {one_run:.2f}s   "
          f"= {one_run / slowest:.2f}x the slowest, {one_run / total:.2f}x the sum, "
          f"+{one_run - slowest:.2f}s over the slowest")  # fmt: skip
    print(f"  kubectl get pods, 1 context: {kubectl_one:.2f}s")
    print(f"  kubectl get pods, loop over {count}: {statistics.median(loop):.2f}s   "
          f"(one run / kubectl loop = {one_run / statistics.median(loop):.2f})")  # fmt: skip
    verdict = "ok" if one_run <= TARGET_OVERHEAD * slowest else "OVER"
    print(f"  target one run <= {TARGET_OVERHEAD}x slowest: {verdict}")


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
