#!/usr/bin/env python3
"""Build the release archives krew installs, and write their sha256 into krew-manifest.yaml.

    python3 hack/dist.py                       # every platform into dist/, manifest updated
    python3 hack/dist.py --platform linux-amd64 --out /tmp/d --manifest /tmp/shm.yaml
    python3 hack/dist.py --lock                # re-pin hack/dist-requirements.txt

dist/kubectl-shm-v<version>-<os>-<arch>.tar.gz holds:
    kubectl-shm, kubectl_complete-shm   the executables kubectl runs (from plugin/)
    kubectl-shm.pyz                     a zipapp: kubectl_shm and every library it needs
    LICENSE, README.md

The libraries are the exact versions pinned in hack/dist-requirements.txt. All are
pure Python (PyYAML without its optional C extension) except two compiled ones:
pydantic-core (the Kubernetes client, >= 37, builds on pydantic, whose core is
compiled) and msgspec (kubectl_shm.json_codec and kube.slim_pods: decoding the API
server's lists and encoding the audit; without it the json module does the same,
slower). Each archive
therefore carries both for CPython 3.10 to 3.14 of its own platform under
_native/<tag>/, and so the platforms have different archives and sha256s. The
zipapp's bootstrap (hack/kubectl_shm_bundle.py) extracts them into the user's cache
on first run. The asyncio client (kubernetes.aio) and its aiohttp stack are left
out: kubectl shm uses the synchronous client only.

The build is reproducible: pinned inputs, members sorted, fixed timestamps, modes
and owners, no bytecode; two builds of the same tree give the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "hack" / "dist-requirements.txt"
BOOTSTRAP = REPO / "hack" / "kubectl_shm_bundle.py"
MANIFEST = REPO / "krew-manifest.yaml"
PLUGIN = REPO / "plugin"
ENTRIES = ("kubectl-shm", "kubectl_complete-shm")
ZIPAPP = "kubectl-shm.pyz"
HOMEPAGE = "https://github.com/kubectl-shm/kubectl-shm"
# Wheel platform tags per krew platform (pip widens each to older compatible ones).
# Intel macOS 10.15: msgspec's newest wheels (Python 3.14) are built for nothing older.
PLATFORMS = {
    "linux-amd64": "manylinux_2_17_x86_64",
    "linux-arm64": "manylinux_2_17_aarch64",
    "darwin-amd64": "macosx_10_15_x86_64",
    "darwin-arm64": "macosx_11_0_arm64",
}
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
# The compiled dependencies: shipped per platform and Python.
NATIVE = ("pydantic-core", "msgspec")
NO_C_EXTENSION = "pyyaml"  # compiled wheels only; its pure-Python fallback is used
# Not shipped (see the module docstring); --lock leaves them out of the pins.
LEFT_OUT = {
    "aiohttp",
    "aiohttp-retry",
    "aiohappyeyeballs",
    "aiosignal",
    "async-timeout",
    "attrs",
    "frozenlist",
    "multidict",
    "propcache",
    "yarl",
}
LEFT_OUT_PATHS = ("kubernetes/aio/", "bin/")
# 1980-01-01, the earliest time a zip can record; every member gets it.
EPOCH = 315532800
SHEBANG = b"#!/usr/bin/env python3\n"
WHEEL_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kubectl-shm"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="output directory")
    parser.add_argument(
        "--platform", action="append", choices=sorted(PLATFORMS), help="default: all"
    )
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="manifest to update")
    parser.add_argument("--no-manifest", action="store_true", help="leave the manifest alone")
    parser.add_argument("--lock", action="store_true", help="re-pin the libraries and exit")
    args = parser.parse_args()
    if args.lock:
        write_lock()
        return 0
    version = project_version()
    archives = build(args.out, args.platform or list(PLATFORMS), version)
    for platform, path in archives.items():
        print(f"{sha256_file(path)}  {path.name}  ({path.stat().st_size:,} bytes, {platform})")
    if not args.no_manifest:
        update_manifest(args.manifest, version, archives)
        print(f"wrote version and sha256s into {args.manifest}")
    return 0


def project_version() -> str:
    text = (REPO / "kubectl_shm" / "__init__.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if match is None:
        raise SystemExit("no __version__ in kubectl_shm/__init__.py")
    return match.group(1)


def archive_name(version: str, platform: str) -> str:
    return f"kubectl-shm-v{version}-{platform}.tar.gz"


def release_uri(version: str, platform: str) -> str:
    return f"{HOMEPAGE}/releases/download/v{version}/{archive_name(version, platform)}"


def build(out: Path, platforms: list[str], version: str) -> dict[str, Path]:
    """Build one archive per platform into `out`; returns platform -> archive path."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kubectl-shm-dist-") as work:
        site = Path(work) / "site"
        install_libraries(site)
        shared = dict(tree_members(site, strip=True))
        shared.update(tree_members(REPO / "kubectl_shm", prefix="kubectl_shm/", strip=False))
        shared["kubectl_shm_bundle.py"] = BOOTSTRAP.read_bytes()
        shared["__main__.py"] = main_module("kubectl_shm.cli.main")
        archives = {}
        for platform in platforms:
            members = {**shared, **native_members(platform)}
            zipapp = zipapp_bytes(members)
            path = out / archive_name(version, platform)
            path.write_bytes(archive_bytes(zipapp))
            archives[platform] = path
    return archives


def install_libraries(site: Path) -> None:
    """pip install the pinned libraries (pure wheels; PyYAML's .py files) into `site`."""
    pins = read_lock()
    pure = [
        f"{name}=={version}"
        for name, version in pins.items()
        if name not in (*NATIVE, NO_C_EXTENSION)
    ]
    common = ["install", "--quiet", "--target", str(site), "--no-deps", "--no-compile"]
    pip(*common, "--only-binary=:all:", "--platform", "any", "--implementation", "py",
        "--python-version", PYTHONS[0], *pure)  # fmt: skip
    # PyYAML publishes compiled wheels only; its Python half is the pure fallback.
    pip(*common, "--only-binary=:all:", f"{NO_C_EXTENSION}=={pins[NO_C_EXTENSION]}")


def native_members(platform: str) -> dict[str, bytes]:
    """The compiled libraries for each supported CPython on `platform`, under _native/cp3X/."""
    pins = read_lock()
    members = {"_native/PLATFORM": f"{platform}\n".encode()}
    for package in NATIVE:
        for python in PYTHONS:
            tag = "cp" + python.replace(".", "")
            wheel = native_wheel(package, pins[package], platform, python)
            with zipfile.ZipFile(wheel) as archive:
                for name in sorted(archive.namelist()):
                    if not name.endswith("/") and not _is_install_record(name):
                        members[f"_native/{tag}/{name}"] = archive.read(name)
    return members


def native_wheel(package: str, version: str, platform: str, python: str) -> Path:
    """A compiled library's wheel for one platform and Python, downloaded once into the cache."""
    tag = "cp" + python.replace(".", "")
    directory = WHEEL_CACHE / "dist-wheels" / f"{package}-{version}" / platform / tag
    found = sorted(directory.glob("*.whl"))
    if not found:
        directory.mkdir(parents=True, exist_ok=True)
        pip("download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest", str(directory),
            "--platform", PLATFORMS[platform], "--python-version", python,
            "--implementation", "cp", "--abi", tag, f"{package}=={version}")  # fmt: skip
        found = sorted(directory.glob("*.whl"))
    if len(found) != 1:
        raise SystemExit(f"expected one {package} wheel in {directory}, found {len(found)}")
    return found[0]


def tree_members(root: Path, prefix: str = "", *, strip: bool) -> Iterator[tuple[str, bytes]]:
    """Files under `root` as zip members; `strip` drops what an installed tree should not ship."""
    for path in sorted(root.rglob("*")):
        relative = prefix + path.relative_to(root).as_posix()
        if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        if strip and (
            path.suffix in (".so", ".pyd", ".dylib")
            or relative.startswith(LEFT_OUT_PATHS)
            or _is_install_record(relative)
        ):
            continue
        yield relative, path.read_bytes()


def _is_install_record(name: str) -> bool:
    """Per-install files of a .dist-info (paths, hashes of removed files, installer)."""
    parts = name.split("/")
    return (
        len(parts) == 2
        and parts[0].endswith(".dist-info")
        and parts[1] in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "WHEEL")
    )


def main_module(target: str) -> bytes:
    """`python3 kubectl-shm.pyz ...` runs kubectl shm."""
    return (
        "import os\nimport kubectl_shm_bundle\n\n"
        "kubectl_shm_bundle.activate(os.path.dirname(os.path.abspath(__file__)))\n"
        f"from {target} import main  # noqa: E402\n\nmain()\n"
    ).encode()


def zipapp_bytes(members: dict[str, bytes]) -> bytes:
    """A zipapp with a shebang and the content hash in its comment (the bootstrap reads it)."""
    digest = hashlib.sha256()
    for name in sorted(members):
        digest.update(f"{name}\0{hashlib.sha256(members[name]).hexdigest()}\n".encode())
    buffer = io.BytesIO()
    buffer.write(SHEBANG)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3  # unix, so the mode below is honoured
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name], compresslevel=9)
        archive.comment = b"kubectl-shm-bundle:" + digest.hexdigest().encode()
    return buffer.getvalue()


def archive_bytes(zipapp: bytes) -> bytes:
    """The .tar.gz krew downloads: the entries, the zipapp, LICENSE and README.md."""
    files = [(name, (PLUGIN / name).read_bytes(), 0o755) for name in ENTRIES]
    files.append((ZIPAPP, zipapp, 0o755))
    files += [(name, (REPO / name).read_bytes(), 0o644) for name in ("LICENSE", "README.md")]
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data, mode in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, EPOCH
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    gz_buffer = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=gz_buffer, mtime=EPOCH, compresslevel=9
    ) as gz:
        gz.write(tar_buffer.getvalue())
    return gz_buffer.getvalue()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def update_manifest(manifest: Path, version: str, archives: dict[str, Path]) -> None:
    """Set spec.version, and uri and sha256 of each built platform, keeping the file's layout.

    Each platform item is found by its `os:` and `arch:` labels; its `uri:` and
    `sha256:` lines are rewritten in place.
    """
    lines = manifest.read_text().splitlines(keepends=True)
    done = set()
    labels: dict[str, str] = {}
    for index, line in enumerate(lines):
        stripped = line.strip()
        if re.match(r"^\s{2}version:", line):
            lines[index] = f"  version: v{version}\n"
        elif stripped.startswith("- selector:"):
            labels = {}
        elif re.match(r"^(os|arch): ", stripped):
            key, _, value = stripped.partition(": ")
            labels[key] = value
        platform = f"{labels.get('os')}-{labels.get('arch')}"
        if platform in archives and re.match(r"^\s+(uri|sha256): ", line):
            key = stripped.split(":")[0]
            value = (
                release_uri(version, platform) if key == "uri" else sha256_file(archives[platform])
            )
            lines[index] = f"{line[: len(line) - len(line.lstrip())]}{key}: {value}\n"
            done.add((platform, key))
    missing = {(p, k) for p in archives for k in ("uri", "sha256")} - done
    if missing:
        raise SystemExit(f"{manifest}: no uri/sha256 line for {sorted(missing)}")
    manifest.write_text("".join(lines))


def read_lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_normalize(name)] = version
    return pins


def write_lock() -> None:
    """Resolve the project's dependencies as pip would install them, and pin the result.

    The report lists what pip would install here (this platform's wheels), for the
    oldest Python the archive supports.
    """
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.json"
        # For the oldest supported Python: its pins then install on every later one.
        pip("install", "--quiet", "--dry-run", "--ignore-installed", "--only-binary=:all:",
            "--python-version", PYTHONS[0], "--report", str(report), str(REPO))  # fmt: skip
        resolved = json.loads(report.read_text())["install"]
    pins = {
        _normalize(item["metadata"]["name"]): item["metadata"]["version"]
        for item in resolved
        if _normalize(item["metadata"]["name"]) not in LEFT_OUT | {"kubectl-shm"}
    }
    header = LOCK.read_text().split("\n\n")[0].rstrip() if LOCK.exists() else "# Pinned"
    body = "".join(f"{name}=={pins[name]}\n" for name in sorted(pins))
    LOCK.write_text(f"{header}\n\n{body}")
    print(f"pinned {len(pins)} libraries in {LOCK}")


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


if __name__ == "__main__":
    sys.exit(main())
