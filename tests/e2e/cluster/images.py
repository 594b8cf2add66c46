"""Container images built locally, since no registry is reachable.

Each image is an OCI archive with one uncompressed layer, written
byte-for-byte reproducibly and imported into each node's containerd:
- pause:   the sandbox process (pause.c, linked statically);
- busybox: Debian's busybox-static with every applet linked (sh, df, dd, cat, sleep, ...),
  and shmtouch (shmtouch.c), which maps a file in /dev/shm and dies of SIGBUS when it is full;
- sleeper: only the pause binary, as /sleeper: no shell, no df, no cat.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import subprocess
import tarfile
from pathlib import Path

from tests.e2e.cluster import config

BUSYBOX = Path("/bin/busybox")
PAUSE_SOURCE = Path(__file__).resolve().parent / "pause.c"
SHMTOUCH_SOURCE = Path(__file__).resolve().parent / "shmtouch.c"
_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def build_all(directory: Path) -> dict[str, Path]:
    """image name -> OCI archive path."""
    directory.mkdir(parents=True, exist_ok=True)
    pause = _compile(PAUSE_SOURCE, directory / "pause")
    shmtouch = _compile(SHMTOUCH_SOURCE, directory / "shmtouch")
    busybox_files = {"bin/busybox": BUSYBOX.read_bytes(), "bin/shmtouch": shmtouch.read_bytes()}
    links = {f"bin/{applet}": "busybox" for applet in _applets() if applet != "busybox"}
    images = {
        config.PAUSE_IMAGE: (_layer({"pause": pause.read_bytes()}), ["/pause"]),
        config.SLEEPER_IMAGE: (_layer({"sleeper": pause.read_bytes()}), ["/sleeper"]),
        config.BUSYBOX_IMAGE: (
            _layer(busybox_files, links, directories=("tmp", "etc")),
            ["/bin/sh"],
        ),
    }
    archives = {}
    for name, (layer, entrypoint) in images.items():
        path = directory / (name.rsplit("/", 1)[-1].replace(":", "-") + ".tar")
        path.write_bytes(_oci_archive(name, layer, entrypoint))
        archives[name] = path
    return archives


def _compile(source: Path, binary: Path) -> Path:
    subprocess.run(["gcc", "-static", "-O2", "-s", "-o", str(binary), str(source)], check=True)
    return binary


def import_into(containerd_socket: Path, archives: dict[str, Path]) -> None:
    for path in archives.values():
        subprocess.run(
            [
                "ctr",
                "--address",
                str(containerd_socket),
                "-n",
                "k8s.io",
                "images",
                "import",
                str(path),
            ],
            check=True,
            capture_output=True,
        )


def _applets() -> list[str]:
    listed = subprocess.run([str(BUSYBOX), "--list"], capture_output=True, text=True, check=True)
    return sorted(set(listed.stdout.split()))


def _layer(
    files: dict[str, bytes],
    links: dict[str, str] | None = None,
    directories: tuple[str, ...] = (),
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        parents = {str(Path(p).parent) for p in [*files, *(links or {})]} - {"."}
        for name in sorted(parents | set(directories)):
            tar.addfile(_info(name, tarfile.DIRTYPE, 0o755))
        for name, content in sorted(files.items()):
            tar.addfile(_info(name, tarfile.REGTYPE, 0o755, len(content)), io.BytesIO(content))
        for name, target in sorted((links or {}).items()):
            info = _info(name, tarfile.SYMTYPE, 0o777)
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def _info(name: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, 0
    return info


def _oci_archive(name: str, layer: bytes, entrypoint: list[str]) -> bytes:
    layer_digest = _digest(layer)
    image_config = _json(
        {
            "architecture": _ARCH,
            "os": "linux",
            "config": {"Entrypoint": entrypoint, "Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }
    )
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": _descriptor("application/vnd.oci.image.config.v1+json", image_config),
            "layers": [_descriptor("application/vnd.oci.image.layer.v1.tar", layer)],
        }
    )
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                **_descriptor("application/vnd.oci.image.manifest.v1+json", manifest),
                "annotations": {
                    "io.containerd.image.name": name,
                    "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1],
                },
            }
        ],
    }
    entries = {
        "oci-layout": _json({"imageLayoutVersion": "1.0.0"}),
        "index.json": _json(index),
        **{f"blobs/sha256/{_digest(b)[7:]}": b for b in (layer, image_config, manifest)},
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("blobs", "blobs/sha256"):
            tar.addfile(_info(directory, tarfile.DIRTYPE, 0o755))
        for path, content in entries.items():
            tar.addfile(_info(path, tarfile.REGTYPE, 0o644, len(content)), io.BytesIO(content))
    return buffer.getvalue()


def _descriptor(media_type: str, content: bytes) -> dict[str, object]:
    return {"mediaType": media_type, "digest": _digest(content), "size": len(content)}


def _digest(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
