"""krew's manifest validator and krew itself, built once from the Go module proxy.

hack/krew/ is a Go module that pins sigs.k8s.io/krew (go.mod and go.sum pin
every module of the build). Its commands `validate-krew-manifest` and `krew`
(installed as `kubectl-krew`, so `kubectl krew` finds it) are built into
~/.cache/kubectl-shm/krew/<version>/ and reused while the module files and the
Go version are unchanged; nothing built is kept in the repository.

    python3 -m tests.package.krew_tools krew-manifest.yaml   # validate, as krew-index CI does
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "hack" / "krew"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kubectl-shm" / "krew"
COMMANDS = {"validate-krew-manifest": "validate-krew-manifest", "krew": "kubectl-krew"}
_STAMP = ".built"


def krew_version() -> str:
    match = re.search(r"^require sigs\.k8s\.io/krew (v\S+)", (MODULE / "go.mod").read_text(), re.M)
    if match is None:
        raise RuntimeError(f"{MODULE / 'go.mod'} does not require sigs.k8s.io/krew")
    return match.group(1)


def ensure_built(log=print) -> Path:  # type: ignore[no-untyped-def]
    """The directory holding validate-krew-manifest and kubectl-krew; builds them if needed."""
    version = krew_version()
    target = CACHE / version
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        key = _build_key()
        stamp = target / _STAMP
        if stamp.exists() and stamp.read_text() == key:
            return target
        log(f"building krew {version} (once; cached in {target})")
        staging = target.with_name(f"{version}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for command, name in COMMANDS.items():
            subprocess.run(
                ["go", "build", "-trimpath", "-ldflags=-s -w", "-o", str(staging / name),
                 f"sigs.k8s.io/krew/cmd/{command}"],
                cwd=MODULE,
                check=True,
                env={**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false"},
            )  # fmt: skip
        (staging / _STAMP).write_text(key)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def validate(
    manifest: Path, *, install: bool, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run validate-krew-manifest on a copy named <plugin>.yaml, as the validator requires.

    With `install`, the validator runs `kubectl krew install --manifest` for every
    platform (so every uri must be reachable and match its sha256); `path` is the
    PATH it gets (it must reach kubectl and kubectl-krew).
    """
    tools = ensure_built()
    with tempfile.TemporaryDirectory(prefix="krew-manifest-") as work:
        copy = Path(work) / "shm.yaml"
        shutil.copyfile(manifest, copy)
        command = [str(tools / "validate-krew-manifest"), "-manifest", str(copy)]
        if not install:
            command.append("-skip-install")
        environment = {**os.environ, "PATH": path or f"{tools}{os.pathsep}{os.environ['PATH']}"}
        return subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=600, check=False
        )


def _build_key() -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "pins.go"):
        digest.update((MODULE / name).read_bytes())
    go_version = subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest.update(" ".join((go_version, *COMMANDS)).encode())
    return digest.hexdigest()


if __name__ == "__main__":
    result = validate(Path(sys.argv[1]), install="--install" in sys.argv[2:])
    sys.stderr.write(result.stdout + result.stderr)
    sys.exit(result.returncode)
