"""Build the pinned Kubernetes binaries once, from the Go module proxy, into the cache.

Each version has a Go module under gomod/<version>/ that requires
k8s.io/kubernetes at that version and replaces every k8s.io staging module
with its published release, so go.sum pins the whole build. Binaries land in
~/.cache/kubectl-shm/kubernetes/<version>/ and are reused while the module
files are unchanged; nothing built is kept in the repository.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.cluster import config

_STAMP = ".built"
# The version packages the release build stamps (hack/lib/version.sh): the
# kubelet reports it as node.status.nodeInfo.kubeletVersion.
_VERSION_PACKAGES = ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")


def ensure_built(log=print) -> None:  # type: ignore[no-untyped-def]
    """Build whatever is missing or stale; a no-op when everything is cached."""
    config.BIN_DIR.mkdir(parents=True, exist_ok=True)
    with open(config.BIN_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for version, commands in config.versions_to_build().items():
            _ensure_version(version, commands, log)


def _ensure_version(version: str, commands: tuple[str, ...], log) -> None:  # type: ignore[no-untyped-def]
    module = config.GOMOD_DIR / version
    target = config.BIN_DIR / version
    key = _build_key(module, commands)
    stamp = target / _STAMP
    if stamp.exists() and stamp.read_text() == key:
        return
    log(f"building Kubernetes {version}: {', '.join(commands)} (once; cached in {target})")
    started = time.monotonic()
    staging = target.with_name(f"{version}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    packages = [f"k8s.io/kubernetes/cmd/{command}" for command in commands]
    subprocess.run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(version), "-o", f"{staging}/", *packages],
        cwd=module,
        check=True,
        env={**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false"},
    )
    (staging / _STAMP).write_text(key)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    log(f"built Kubernetes {version} in {time.monotonic() - started:.0f}s")


def _ldflags(version: str) -> str:
    major, minor = version.lstrip("v").split(".")[:2]
    values = {
        "gitVersion": version,
        "gitMajor": major,
        "gitMinor": minor,
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
    }
    flags = ["-s", "-w"]
    for package in _VERSION_PACKAGES:
        flags += [f"-X {package}.{name}={value}" for name, value in values.items()]
    return " ".join(flags)


def _build_key(module: Path, commands: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum"):
        digest.update((module / name).read_bytes())
    go_version = subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest.update(" ".join((go_version, *commands, _ldflags("v0.0"))).encode())
    return digest.hexdigest()


if __name__ == "__main__":
    ensure_built(lambda message: print(message, file=sys.stderr, flush=True))
