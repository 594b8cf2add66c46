"""`pip install` puts kubectl-shm and kubectl_complete-shm on PATH, and kubectl finds them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from kubectl_shm import __version__

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
KUBECTL = shutil.which("kubectl")
EXAMPLE = REPO / "examples" / "05-vllm-default-shm.yaml"

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="needs kubectl")


def run(*command: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run from the root directory: `python -c` must not find the checkout's package."""
    return subprocess.run(
        [str(part) for part in command],
        cwd="/",
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def path_env(bin_dir: Path, home: Path) -> dict[str, str]:
    assert KUBECTL
    return {
        "PATH": os.pathsep.join([str(bin_dir), str(Path(KUBECTL).parent)]),
        "HOME": str(home),
        "KUBECONFIG": str(home / "none"),
        "NO_COLOR": "1",
    }


def test_kubectl_lists_the_plugin_of_this_environment(tmp_path):
    """The environment the tests run in has it installed (./hack/test.sh uses pip)."""
    result = run(KUBECTL, "plugin", "list", env=path_env(BIN, tmp_path))
    assert result.returncode == 0, result.stderr
    assert str(BIN / "kubectl-shm") in result.stdout.splitlines()
    assert (BIN / "kubectl_complete-shm").is_file()


@pytest.mark.slow
def test_pip_install_into_a_new_environment(tmp_path):
    """pip installs the project from its source into a fresh venv; the libraries come from
    this environment (a .pth file), so no index is needed beyond the build backend."""
    source = tmp_path / "source"
    shutil.copytree(REPO / "kubectl_shm", source / "kubectl_shm",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "--quiet", "--no-deps", source, env={
        **os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                  env=dict(os.environ)).stdout.strip()  # fmt: skip
    (Path(purelib) / "libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    bin_dir = venv / "bin"
    assert (bin_dir / "kubectl-shm").is_file() and (bin_dir / "kubectl_complete-shm").is_file()
    env = path_env(bin_dir, tmp_path)
    listed = run(KUBECTL, "plugin", "list", env=env)
    assert str(bin_dir / "kubectl-shm") in listed.stdout.splitlines(), listed.stderr

    version = run(KUBECTL, "shm", "version", "-o", "json", env=env)
    assert version.returncode == 0, version.stderr
    document = json.loads(version.stdout)
    assert document["clientVersion"] == f"v{__version__}"
    assert Path(document["python"]["executable"]).parent == bin_dir

    located = run(python, "-c", "import kubectl_shm; print(kubectl_shm.__file__)", env=env)
    assert Path(located.stdout.strip()).is_relative_to(venv), located.stdout

    audit = run(KUBECTL, "shm", "audit", "-f", EXAMPLE, "-o", "json", env=env)
    assert audit.returncode == 1, audit.stderr
    assert "default-shm-ai-workload" in audit.stdout

    completion = run(KUBECTL, "__complete", "shm", "audit", "--fail-on", "", env=env)
    assert completion.stdout.splitlines() == ["error", "warning", "never", ":4"]
