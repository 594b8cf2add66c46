"""Start-up time of `kubectl shm --help` and `audit -f` on one file, beside kubectl's own.

Prints medians over repeated runs and the ratio to `kubectl version --client`
measured in the same run (the machine is shared: only ratios are comparable).

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "03-sizelimit-256mi.yaml"
TARGET_RATIO = 2.0


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
        )
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    plugin = shutil.which("kubectl-shm", path=str(Path(sys.executable).parent))
    if shutil.which("kubectl") is None or plugin is None:
        print("needs kubectl on PATH and kubectl-shm installed beside this Python", file=sys.stderr)
        return 2
    env = {**os.environ, "PATH": f"{Path(plugin).parent}{os.pathsep}{os.environ['PATH']}"}
    baseline = median_seconds(["kubectl", "version", "--client"], args.runs, env)
    cases = {
        "kubectl-shm --help": [plugin, "--help"],
        "kubectl-shm audit -f FILE": [plugin, "audit", "-f", str(EXAMPLE)],
        "kubectl-shm audit -f FILE -o json": [plugin, "audit", "-f", str(EXAMPLE), "-o", "json"],
        "kubectl shm --help (through kubectl)": ["kubectl", "shm", "--help"],
        "kubectl shm audit -f FILE (through kubectl)": [
            "kubectl",
            "shm",
            "audit",
            "-f",
            str(EXAMPLE),
        ],
    }
    print(f"{'command':46} {'median':>9} {'ratio':>7}")
    print(f"{'kubectl version --client':46} {baseline * 1000:7.0f}ms {1.0:7.2f}")
    worst = 0.0
    for label, command in cases.items():
        seconds = median_seconds(command, args.runs, env)
        ratio = seconds / baseline
        if "through kubectl" not in label:
            worst = max(worst, ratio)
        print(f"{label:46} {seconds * 1000:7.0f}ms {ratio:7.2f}")
    verdict = "meets" if worst <= TARGET_RATIO else "MISSES"
    print(f"worst direct ratio {worst:.2f}: {verdict} the target of {TARGET_RATIO:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
