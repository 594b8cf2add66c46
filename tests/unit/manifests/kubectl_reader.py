"""kubectl's own reading of manifests, as a program: the values it would send, to compare ours with.

kubectl_yaml/ is a Go module (go.mod and go.sum pin every module) whose main.go reads a
file the way `kubectl apply -f` does and prints the documents as JSON. It is built once
from the Go module proxy into ~/.cache/kubectl-shm/kubectl-yaml/<hash>/ and reused while
its sources and the Go version are unchanged; nothing built is kept in the repository.

A test that needs it fails when it cannot be built, unless SHM_KUBECTL_YAML=skip.

    python3 -m tests.unit.manifests.kubectl_reader FILE   # what kubectl reads in FILE
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

MODULE = Path(__file__).resolve().parent / "kubectl_yaml"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kubectl-shm"
SKIP_VARIABLE = "SHM_KUBECTL_YAML"
_SOURCES = ("go.mod", "go.sum", "main.go")
_PROGRAM = "kubectl-yaml"


class KubectlRead(NamedTuple):
    """The documents kubectl reads in a file (JSON values), or its error."""

    documents: list[Any]
    error: str | None


def go() -> str:
    return shutil.which("go") or "/usr/local/go/bin/go"


def ensure_built() -> Path:
    """The program, built if it is missing or stale; CalledProcessError if the build fails."""
    key = _build_key()
    target = CACHE / "kubectl-yaml" / key[:16]
    program = target / _PROGRAM
    if program.exists():
        return program
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if program.exists():
            return program
        staging = target.with_name(f"{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        subprocess.run(
            [go(), "build", "-trimpath", "-ldflags=-s -w", "-o", str(staging / _PROGRAM), "."],
            cwd=MODULE,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false"},
        )
        staging.rename(target)
    return program


def kubectl_read(program: Path, path: Path) -> KubectlRead:
    done = subprocess.run([str(program), str(path)], capture_output=True, timeout=60, check=False)
    outcome = json.loads(done.stdout)
    return KubectlRead(outcome.get("documents", []), outcome.get("error"))


def _build_key() -> str:
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update((MODULE / name).read_bytes())
    version = subprocess.run(
        [go(), "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest.update(version.encode())
    return digest.hexdigest()


def same_values(ours: Any, theirs: Any) -> bool:
    """Equal as JSON values: booleans are not numbers, 1000 equals 1e3 (JSON keeps no
    difference between them), and a float compares with the number Go printed for it."""
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return type(ours) is type(theirs) and ours == theirs
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        if isinstance(ours, float) or isinstance(theirs, float):
            return float(ours) == float(theirs)
        return ours == theirs
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(same_values(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(same_values, ours, theirs))
    return type(ours) is type(theirs) and ours == theirs


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two values differ, for a failing assertion's message."""
    if same_values(ours, theirs):
        return []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = [f"{path}.{key}: only {'ours' if key in ours else 'kubectl'}"
                 for key in ours.keys() ^ theirs.keys()]  # fmt: skip
        for key in ours.keys() & theirs.keys():
            found += differences(ours[key], theirs[key], f"{path}.{key}")
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            d
            for i, (a, b) in enumerate(zip(ours, theirs, strict=False))
            for d in differences(a, b, f"{path}[{i}]")
        ]
    return [f"{path}: ours {ours!r:.80}, kubectl {theirs!r:.80}"]


if __name__ == "__main__":
    print(json.dumps(kubectl_read(ensure_built(), Path(sys.argv[1]))._asdict(), indent=2))
