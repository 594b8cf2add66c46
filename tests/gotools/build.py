"""Build the Go helper programs of tests/gotools/<name>/ once, from the Go module proxy.

Each helper is its own Go module (go.mod and go.sum pin every module of the
build) whose main package is tests/gotools/<name>/. Its binary lands in
~/.cache/kubectl-shm/gotools/<name>-<hash of go.mod, go.sum and the .go files>/<name>
and is reused while those files and the Go version are unchanged; nothing built
is kept in the repository.

    binary = tests.gotools.build.ensure_built("quantity")
    python3 -m tests.gotools.build quantity          # build it (or find it cached), print its path
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kubectl-shm" / "gotools"
# Where the official Go tarball puts it, for machines that have Go but not on PATH.
_GO_FALLBACK = Path("/usr/local/go/bin/go")
_STAMP = ".built"


class GoToolError(RuntimeError):
    """Go is missing, or the build failed (e.g. the module proxy cannot be reached)."""


def ensure_built(name: str, log: Callable[[str], None] = print) -> Path:
    """The binary of tests/gotools/<name>/, built if it is not cached yet."""
    module = TOOLS / name
    if not (module / "go.mod").is_file():
        raise GoToolError(f"no Go module at {module}")
    go = go_command()
    target = CACHE / f"{name}-{source_hash(module)}"
    binary = target / name
    stamp = target / _STAMP
    go_version = _go_version(go)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists() and stamp.exists() and stamp.read_text() == go_version:
            return binary
        log(f"building Go tool {name} with {go_version} (once; cached in {target})")
        started = time.monotonic()
        staging = target.with_name(f"{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        built = subprocess.run(
            [go, "build", "-trimpath", "-ldflags=-s -w", "-o", str(staging / name), "."],
            cwd=module,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false"},
        )
        if built.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise GoToolError(
                f"go build of tests/gotools/{name} failed (exit {built.returncode}); it needs "
                f"the Go module proxy (GOPROXY={os.environ.get('GOPROXY') or 'unset'}) or a "
                f"module cache holding go.sum's modules:\n{built.stderr.strip()}"
            )
        (staging / _STAMP).write_text(go_version)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        log(f"built Go tool {name} in {time.monotonic() - started:.1f}s")
    return binary


def go_command() -> str:
    """The go binary: on PATH, else where the official tarball installs it."""
    found = shutil.which("go")
    if found is not None:
        return found
    if _GO_FALLBACK.exists():
        return str(_GO_FALLBACK)
    raise GoToolError(f"Go is not installed: no `go` on PATH nor at {_GO_FALLBACK}")


def source_hash(module: Path) -> str:
    """What names a build: go.mod, go.sum and every .go file of the module."""
    digest = hashlib.sha256()
    files = [module / "go.mod", module / "go.sum", *sorted(module.glob("*.go"))]
    for path in files:
        digest.update(f"{path.name}\0{len(path.read_bytes())}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _go_version(go: str) -> str:
    try:
        result = subprocess.run(
            [go, "env", "GOVERSION"], capture_output=True, text=True, check=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise GoToolError(f"{go} env GOVERSION failed: {error}") from error
    return result.stdout.strip()


if __name__ == "__main__":
    for tool in sys.argv[1:] or ["quantity"]:
        print(ensure_built(tool, lambda message: print(message, file=sys.stderr, flush=True)))
