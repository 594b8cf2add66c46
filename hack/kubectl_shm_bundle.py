"""Start kubectl shm from its release zipapp, kubectl-shm.pyz (built by hack/dist.py).

The zipapp holds kubectl_shm and every library it needs. Pure Python could run
straight from the zip, but (1) pydantic-core, which the Kubernetes client needs,
is a compiled module and Python cannot load those from inside a zip, and (2)
code imported from a zip is compiled again on every start (no bytecode cache).
So the first run extracts the zipapp into
``${XDG_CACHE_HOME:-~/.cache}/kubectl-shm/bundle/<id>/`` and later runs only
check that the directory is there. ``<id>`` is the content hash the build
writes into the zip's comment: each build gets its own directory, and the
directories of other builds are removed when a new one is extracted. Where the
cache cannot be written, the code runs from the zip and only pydantic-core is
extracted, to a temporary directory removed at exit.

Only the standard library is used here: nothing else can be imported yet.
"""

from __future__ import annotations

import atexit
import os
import platform
import shutil
import sys
import tempfile
import zipfile

# The zip comment the build writes: MARKER + 64 hex digits.
MARKER = b"kubectl-shm-bundle:"
NATIVE = "_native"
# Written by the build into _native/: the platform the compiled modules are for.
PLATFORM_FILE = f"{NATIVE}/PLATFORM"
_COMPLETE = ".complete"
_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def activate(pyz: str) -> None:
    """Make kubectl_shm and its libraries importable from the zipapp at `pyz`."""
    bundle_id = read_bundle_id(pyz)
    root = os.path.join(cache_dir(), "bundle", bundle_id)
    if os.path.isfile(os.path.join(root, _COMPLETE)) or _extract(pyz, root, bundle_id):
        sys.path.insert(0, root)
    elif pyz not in sys.path:
        sys.path.insert(0, pyz)  # no writable cache: the pure code runs from the zip itself
    _add_native(pyz, root)


def read_bundle_id(pyz: str) -> str:
    """The content hash in the zip comment (the last bytes of the file); no zip parsing."""
    with open(pyz, "rb") as file:
        file.seek(0, os.SEEK_END)
        file.seek(max(0, file.tell() - 256))
        tail = file.read()
    _, found, rest = tail.rpartition(MARKER)
    bundle_id = rest[:64].decode("ascii", "replace")
    if not found or len(bundle_id) != 64 or not all(c in "0123456789abcdef" for c in bundle_id):
        raise SystemExit(f"kubectl-shm: {pyz} is not a kubectl-shm zipapp (no bundle id)")
    return bundle_id


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kubectl-shm")


def python_tag() -> str:
    """The wheel tag of the running interpreter's compiled modules, e.g. cp311."""
    major, minor = sys.version_info[:2]
    implementation = "cp" if platform.python_implementation() == "CPython" else "other"
    return f"{implementation}{major}{minor}"


def running_platform() -> str:
    """os-arch as krew names it: linux-amd64, darwin-arm64, ..."""
    machine = platform.machine().lower()
    return f"{sys.platform}-{_ARCHITECTURES.get(machine, machine)}"


def _native_prefix() -> str:
    return f"{NATIVE}/{python_tag()}/"


def _extract(pyz: str, root: str, bundle_id: str) -> bool:
    """Extract the zipapp, compiled modules aside, to `root`; False if it cannot be written."""
    parent = os.path.dirname(root)
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".extract-", dir=parent)
    except OSError:
        return False
    try:
        with zipfile.ZipFile(pyz) as archive:
            members = [n for n in archive.namelist() if not n.startswith(f"{NATIVE}/cp")]
            archive.extractall(staging, members)
        with open(os.path.join(staging, _COMPLETE), "w") as stamp:
            stamp.write(bundle_id + "\n")
        os.rename(staging, root)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        # Another process may have won the race: its directory is as good as ours.
        return os.path.isfile(os.path.join(root, _COMPLETE))
    _remove_other_builds(parent, keep=bundle_id)
    return True


def _remove_other_builds(parent: str, keep: str) -> None:
    for name in os.listdir(parent):
        if name != keep and not name.startswith("."):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _add_native(pyz: str, root: str) -> None:
    """Put this Python's compiled modules on sys.path, or explain why they are missing.

    Each Python version gets its own directory beside the extracted code, made the
    first time that version runs this build.
    """
    directory: str | None = os.path.join(root, NATIVE, python_tag())
    built_for = _read_text(os.path.join(root, PLATFORM_FILE))
    if not os.path.isdir(str(directory)):
        directory, built_for = _extract_native(pyz, root)
    if built_for == running_platform() and directory:
        sys.path.insert(1, directory)
        return
    reason = (
        f"this kubectl-shm archive is for {built_for}, not {running_platform()}"
        if built_for != running_platform()
        else f"this kubectl-shm archive has no compiled modules for {python_tag()}"
        f" (Python {platform.python_version()}): use CPython 3.10 to 3.14"
    )
    sys.meta_path.insert(0, _Missing(reason))


def _extract_native(pyz: str, root: str) -> tuple[str | None, str]:
    """This Python's compiled modules, extracted under `root`, else to a temporary
    directory removed at exit; (None, platform) when the zipapp has none that fit."""
    with zipfile.ZipFile(pyz) as archive:
        built_for = archive.read(PLATFORM_FILE).decode().strip()
        members = [name for name in archive.namelist() if name.startswith(_native_prefix())]
        if not members or built_for != running_platform():
            return None, built_for
        target = os.path.join(root, NATIVE, python_tag())
        for parent in (root, None):  # None: the system's temporary directory
            try:
                staging = tempfile.mkdtemp(prefix=".extract-", dir=parent)
                archive.extractall(staging, members)
            except OSError:
                continue
            extracted = os.path.join(staging, NATIVE, python_tag())
            if parent is None:
                atexit.register(shutil.rmtree, staging, True)
                return extracted, built_for
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.rename(extracted, target)
            except OSError:
                pass  # another process was first, or the cache is read-only
            shutil.rmtree(staging, ignore_errors=True)
            if os.path.isdir(target):
                return target, built_for
    return None, built_for


class _Missing:
    """Turns `import pydantic_core` into an ImportError that says what to do."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pydantic_core":
            raise ImportError(
                f"{self.reason}; or install kubectl shm with pip from its source",
                name=name,
            )
        return None


def _read_text(path: str) -> str | None:
    try:
        with open(path) as file:
            return file.read().strip()
    except OSError:
        return None
