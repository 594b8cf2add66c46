"""krew-manifest.yaml, checked by krew's own validator and installed by krew itself.

The validator and krew are built from their Go module (hack/krew) into the cache
the first time (see tests/package/krew_tools.py). The install tests serve the
archives of this session's release build over HTTP on 127.0.0.1, from a copy of
the manifest whose uris point there.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubectl_shm import __version__
from tests.package import krew_tools

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "krew-manifest.yaml"
KUBECTL = shutil.which("kubectl")
PLATFORMS = {("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")}
ARCHIVE_FILES = ["kubectl-shm", "kubectl_complete-shm", "kubectl-shm.pyz", "LICENSE", "README.md"]
RELEASES = "https://github.com/kubectl-shm/kubectl-shm/releases/download"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("go") is None, reason="needs Go to build krew"),
]


@pytest.fixture(scope="session")
def krew() -> Path:
    """The directory of validate-krew-manifest and kubectl-krew."""
    return krew_tools.ensure_built(lambda message: print(message, file=sys.stderr))


@pytest.fixture(scope="module")
def served_manifest(release, tmp_path_factory) -> Iterator[Path]:
    """The release's manifest, its uris pointing at a local server of its archives."""
    directory = next(iter(release.archives.values())).parent
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    text = release.manifest.read_text()
    served = re.sub(rf"{re.escape(RELEASES)}/v[^/]+/", base, text)
    assert served.count(base) == len(PLATFORMS)
    path = tmp_path_factory.mktemp("served") / "shm.yaml"
    path.write_text(served)
    yield path
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def test_the_manifest_passes_krews_validator(krew):
    result = krew_tools.validate(MANIFEST, install=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for line in ("structural validation OK", "all spec.platform[] items are used",
                 "no overlapping spec.platform[].selector"):  # fmt: skip
        assert line in output


def test_the_validator_rejects_what_krew_would(krew, tmp_path):
    broken = tmp_path / "broken.yaml"
    text = MANIFEST.read_text()
    broken.write_text(re.sub(r"sha256: [0-9a-f]{64}", "sha256: not-a-digest", text, count=1))
    result = krew_tools.validate(broken, install=False)
    assert result.returncode != 0
    assert "`sha256` value not-a-digest is not valid" in result.stderr


def test_manifest_describes_this_version():
    spec = manifest()["spec"]
    assert manifest()["metadata"]["name"] == "shm"
    assert spec["version"] == f"v{__version__}"
    assert spec["homepage"] == "https://github.com/kubectl-shm/kubectl-shm"
    assert len(spec["shortDescription"]) <= 50
    for needed in ("Python", "3.10", "pods", "nodes/proxy", "pods/exec", "patch"):
        assert needed in spec["caveats"], needed


def test_every_platform_has_its_archive():
    found = set()
    for item in manifest()["spec"]["platforms"]:
        labels = item["selector"]["matchLabels"]
        assert set(labels) == {"os", "arch"}
        found.add((labels["os"], labels["arch"]))
        name = f"kubectl-shm-v{__version__}-{labels['os']}-{labels['arch']}.tar.gz"
        assert item["uri"] == f"{RELEASES}/v{__version__}/{name}"
        assert re.fullmatch(r"[0-9a-f]{64}", item["sha256"])
        assert item["bin"] == "kubectl-shm"
        assert [f["from"] for f in item["files"]] == ARCHIVE_FILES
        assert all(f["to"] == "." for f in item["files"])
    assert found == PLATFORMS


def test_krew_installs_every_platform(krew, served_manifest):
    """The validator runs `kubectl krew install` for each platform: download, sha256,
    the files and bin of the manifest, and a LICENSE in the archive."""
    assert KUBECTL
    path = os.pathsep.join([str(krew), str(Path(KUBECTL).parent)])
    result = krew_tools.validate(served_manifest, install=True, path=path)
    assert result.returncode == 0, result.stderr
    assert "all 4 spec.platforms installed fine" in result.stderr


def test_installed_by_krew_it_runs_through_kubectl(krew, served_manifest, tmp_path):
    assert KUBECTL
    root = tmp_path / "krew"
    home = tmp_path / "home"
    home.mkdir()
    python_dir = Path(sys.executable).resolve().parent
    env = {
        "KREW_ROOT": str(root),
        "HOME": str(home),
        "KUBECONFIG": str(home / "none"),
        "NO_COLOR": "1",
        "PATH": os.pathsep.join([str(krew), str(python_dir), str(Path(KUBECTL).parent)]),
    }
    installed = subprocess.run(
        [KUBECTL, "krew", "install", f"--manifest={served_manifest}"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    assert "python3 (CPython 3.10 to 3.14)" in installed.stderr  # the caveats are shown

    env["PATH"] = os.pathsep.join([str(root / "bin"), str(python_dir), str(Path(KUBECTL).parent)])
    listed = subprocess.run(
        [KUBECTL, "plugin", "list"], capture_output=True, text=True, env=env, check=False
    )
    assert str(root / "bin" / "kubectl-shm") in listed.stdout.splitlines(), listed.stderr
    example = REPO / "examples" / "08-host-shm.yaml"
    audit = subprocess.run(
        [KUBECTL, "shm", "audit", "-f", str(example), "-o", "json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert audit.returncode == 1, audit.stderr
    assert '"shm-host-shared"' in audit.stdout

    # The caveats' recipe for completion, with this KREW_ROOT for ~/.krew.
    link = next(line.strip() for line in manifest()["spec"]["caveats"].splitlines()
                if line.strip().startswith("ln -s"))  # fmt: skip
    subprocess.run(["sh", "-c", link.replace("~/.krew", str(root))], env=env, check=True)
    completion = subprocess.run(
        [KUBECTL, "__complete", "shm", "ver"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert completion.stdout.splitlines()[0].startswith("version\t"), completion.stderr
