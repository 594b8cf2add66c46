"""Start-up time of `kubectl shm --help` and `audit -f` on one file, beside kubectl's own.

Every round runs `kubectl version --client` and each case once, in a shuffled
order, so the load of a shared machine falls on both sides alike. Prints the
median wall time of each command and its ratio to kubectl's median measured in
the same rounds (only ratios are comparable between runs), and the spread of
that ratio over the rounds. The floor line is a bare Python importing the
libraries the table path needs: what no code of ours can go below.

    .venv/bin/python bench/startup.py [--rounds 31]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "03-sizelimit-256mi.yaml"
TARGET_RATIO = 2.0
BASELINE = "kubectl version --client"
FLOOR = "floor: python -c 'import click, yaml, rich'"


def wall_seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args()
    plugin = shutil.which("kubectl-shm", path=str(Path(sys.executable).parent))
    if shutil.which("kubectl") is None or plugin is None:
        print("needs kubectl on PATH and kubectl-shm installed beside this Python", file=sys.stderr)
        return 2
    env = {**os.environ, "PATH": f"{Path(plugin).parent}{os.pathsep}{os.environ['PATH']}"}
    example = str(EXAMPLE)
    commands = {
        BASELINE: ["kubectl", "version", "--client"],
        "kubectl-shm --help": [plugin, "--help"],
        "kubectl-shm audit -f FILE": [plugin, "audit", "-f", example],
        "kubectl-shm audit -f FILE -o json": [plugin, "audit", "-f", example, "-o", "json"],
        "kubectl shm --help (through kubectl)": ["kubectl", "shm", "--help"],
        "kubectl shm audit -f FILE (through kubectl)": ["kubectl", "shm", "audit", "-f", example],
        # What any CLI on this stack pays before its own code runs.
        FLOOR: [sys.executable, "-c", "import click, yaml, rich.console, rich.table"],
    }
    for command in commands.values():  # warm the page cache and .pyc files
        wall_seconds(command, env)
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(args.rounds):
        order = list(commands)
        random.shuffle(order)
        for label in order:
            samples[label].append(wall_seconds(commands[label], env))
    baseline = statistics.median(samples[BASELINE])
    print(f"{args.rounds} rounds")
    print(f"{'command':46} {'median':>8} {'ratio':>6} {'per-round ratio q1..q3':>23}")
    worst = 0.0
    for label, times in samples.items():
        ratio = statistics.median(times) / baseline
        per_round = [t / b for t, b in zip(times, samples[BASELINE], strict=True)]
        q1, _, q3 = statistics.quantiles(per_round, n=4)
        if "through kubectl" not in label and label != FLOOR:
            worst = max(worst, ratio)
        print(
            f"{label:46} {statistics.median(times) * 1000:6.0f}ms {ratio:6.2f} {q1:14.2f}..{q3:.2f}"
        )
    verdict = "meets" if worst <= TARGET_RATIO else "MISSES"
    print(f"worst direct ratio {worst:.2f}: {verdict} the target of {TARGET_RATIO:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
