"""The release archives, built once per session by hack/dist.py as a release would be.

The build runs on a snapshot of the files that go into a release, so the archives
stay consistent while the checkout changes, and with a copy of the manifest, so
the one in the checkout is never rewritten by a test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# What hack/dist.py reads: the package, the entries, the build inputs, the shipped docs.
RELEASE_INPUTS = ("kubectl_shm", "plugin", "hack", "LICENSE", "README.md", "krew-manifest.yaml")
KUBECTL = shutil.which("kubectl")


@dataclass(frozen=True)
class Release:
    source: Path  # the snapshot the archives were built from
    archives: dict[str, Path]  # platform -> .tar.gz
    manifest: Path  # the snapshot's krew-manifest.yaml, with the archives' sha256s

    def rebuild(self, out: Path, platform: str) -> Path:
        """Build one platform again from the same snapshot into `out`."""
        _dist(self.source, "--out", str(out), "--platform", platform, "--no-manifest")
        return out / self.archives[platform].name


def snapshot(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in RELEASE_INPUTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def _dist(source: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(source / "hack" / "dist.py"), *args],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, f"hack/dist.py failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    source = snapshot(tmp_path_factory.mktemp("release-source"))
    out = tmp_path_factory.mktemp("dist")
    _dist(source, "--out", str(out))
    archives = {
        "-".join(path.name.removesuffix(".tar.gz").split("-")[-2:]): path  # os-arch
        for path in sorted(out.glob("kubectl-shm-v*.tar.gz"))
    }
    return Release(source=source, archives=archives, manifest=source / "krew-manifest.yaml")


@pytest.fixture
def isolated_path(tmp_path: Path) -> Callable[[Path], dict[str, str]]:
    """isolated_path(bin_dir) -> an environment whose PATH is only `bin_dir`, the
    directory of the Python running the tests (its real one, not a shim) and kubectl's;
    HOME is empty, so caches start cold."""
    assert KUBECTL, "needs kubectl"
    python_dir = Path(sys.executable).resolve().parent
    home = tmp_path / "home"
    home.mkdir()

    def make(bin_dir: Path) -> dict[str, str]:
        path = [str(bin_dir), str(python_dir), str(Path(KUBECTL).parent)]
        return {
            "PATH": os.pathsep.join(path),
            "HOME": str(home),
            "KUBECONFIG": str(home / "no-kubeconfig"),
            "NO_COLOR": "1",
            "LANG": "C.UTF-8",
        }

    return make
