"""The release archives of hack/dist.py: what they hold, that the build is reproducible,
and that an unpacked archive runs through the real kubectl with nothing but Python."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from kubectl_shm import __version__

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "hack"))
import dist  # noqa: E402
import kubectl_shm_bundle  # noqa: E402

PLATFORMS = ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64")
MEMBERS = ["LICENSE", "README.md", "kubectl-shm", "kubectl-shm.pyz", "kubectl_complete-shm"]
EXECUTABLES = {"kubectl-shm", "kubectl-shm.pyz", "kubectl_complete-shm"}
EXAMPLES = REPO / "examples"
TAGS = tuple("cp" + python.replace(".", "") for python in dist.PYTHONS)
UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
current-context: nowhere
clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]
users: [{name: nobody, user: {token: not-a-secret}}]
"""

pytestmark = pytest.mark.slow


def run(*command: str | Path, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def unpack(archive: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=False)
    with tarfile.open(archive) as tar:
        tar.extractall(directory, filter="data")
    return directory


def zipapp_of(archive: Path) -> zipfile.ZipFile:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("kubectl-shm.pyz")
        assert member is not None
        data = member.read()
    assert data.startswith(b"#!/usr/bin/env python3\n")
    return zipfile.ZipFile(io.BytesIO(data))


@pytest.fixture(scope="module")
def here(release) -> str:
    platform = kubectl_shm_bundle.running_platform()
    if platform not in release.archives:
        pytest.skip(f"no archive for this machine ({platform})")
    return platform


@pytest.fixture
def installed(release, here, tmp_path) -> Path:
    """The archive for this machine unpacked into an empty directory, as krew would."""
    return unpack(release.archives[here], tmp_path / "bin")


def test_one_archive_per_platform(release):
    assert sorted(release.archives) == sorted(PLATFORMS)
    for platform, path in release.archives.items():
        assert path.name == f"kubectl-shm-v{__version__}-{platform}.tar.gz"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_archive_members_are_fixed_in_time_and_owner(release, platform):
    with tarfile.open(release.archives[platform]) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == MEMBERS
    for member in members:
        assert member.isfile()
        assert (member.mtime, member.uid, member.gid) == (dist.EPOCH, 0, 0)
        assert member.mode == (0o755 if member.name in EXECUTABLES else 0o644)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_zipapp_holds_the_package_and_its_libraries(release, platform):
    archive = zipapp_of(release.archives[platform])
    names = set(archive.namelist())
    package = release.source / "kubectl_shm"
    for path in package.rglob("*.py"):
        name = path.relative_to(release.source).as_posix()
        assert archive.read(name) == path.read_bytes(), name
    assert {"__main__.py", "kubectl_shm_bundle.py", "click/core.py", "yaml/__init__.py"} <= names
    assert {"kubernetes/client/api_client.py", "pydantic/__init__.py", "rich/console.py"} <= names
    pins = dist.read_lock()
    shipped = {
        dist._normalize(name.split("/")[0].removesuffix(".dist-info").rsplit("-", 1)[0]):
        name.split("/")[0].removesuffix(".dist-info").rsplit("-", 1)[1]
        for name in names if name.split("/")[0].endswith(".dist-info")
    }  # fmt: skip
    assert shipped == {name: v for name, v in pins.items() if name not in dist.NATIVE}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.endswith(".so") and not n.startswith("_native/")]
    assert not [n for n in names if n.startswith(("kubernetes/aio/", "aiohttp/", "bin/"))]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("module", ["pydantic_core/_pydantic_core.", "msgspec/_core."])
def test_compiled_libraries_for_each_python_of_the_platform(release, platform, module):
    archive = zipapp_of(release.archives[platform])
    assert archive.read("_native/PLATFORM").decode() == f"{platform}\n"
    system = {"linux": "linux-gnu", "darwin": "darwin"}[platform.split("-")[0]]
    for tag in TAGS:
        compiled = [
            name for name in archive.namelist() if name.startswith(f"_native/{tag}/{module}")
        ]
        assert len(compiled) == 1, (tag, compiled)
        assert compiled[0].endswith(".so") and system in compiled[0] and tag[2:] in compiled[0]
    digest = archive.comment.decode().removeprefix("kubectl-shm-bundle:")
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_manifest_records_each_archive(release):
    manifest = yaml.safe_load(release.manifest.read_text())
    assert manifest["spec"]["version"] == f"v{__version__}"
    for item in manifest["spec"]["platforms"]:
        labels = item["selector"]["matchLabels"]
        archive = release.archives[f"{labels['os']}-{labels['arch']}"]
        assert item["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
        assert item["uri"] == f"{dist.HOMEPAGE}/releases/download/v{__version__}/{archive.name}"


def test_build_is_reproducible(release, tmp_path):
    again = release.rebuild(tmp_path, "linux-amd64")
    assert again.read_bytes() == release.archives["linux-amd64"].read_bytes()


def test_archive_is_a_plugin_that_kubectl_lists(installed, isolated_path):
    result = run("kubectl", "plugin", "list", env=isolated_path(installed))
    assert result.returncode == 0, result.stderr
    assert str(installed / "kubectl-shm") in result.stdout.splitlines()


def test_audit_of_files_through_kubectl(installed, isolated_path):
    env = isolated_path(installed)
    example = EXAMPLES / "03-sizelimit-256mi.yaml"
    args = ("audit", "-f", example, "--kubelet-version", "v1.19.2", "-o", "json")
    result = run("kubectl", "shm", *args, env=env)
    assert result.returncode == 1, result.stderr  # an error-level finding
    document = json.loads(result.stdout)
    rules = {f["rule"] for w in document["workloads"] for f in w["findings"]}
    assert "shm-sizelimit-not-applied" in rules
    clean = run("kubectl", "shm", "audit", "-f", EXAMPLES / "07-web-clean.yaml", env=env)
    assert (clean.returncode, clean.stderr) == (0, "")
    assert "deployment/" in clean.stdout
    piped = run("kubectl", "shm", "audit", "-f", "-", "-o", "yaml", env=env,
                stdin=example.read_text())  # fmt: skip
    assert yaml.safe_load(piped.stdout)["kind"] == "ShmAudit"


def test_version_names_the_pinned_libraries(installed, isolated_path):
    result = run("kubectl", "shm", "version", "-o", "json", env=isolated_path(installed))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["clientVersion"] == f"v{__version__}"
    assert document["libraries"]["kubernetes"] == dist.read_lock()["kubernetes"]
    # The compiled msgspec of this Python, from the archive's _native directory.
    assert document["libraries"]["msgspec"] == dist.read_lock()["msgspec"]


def test_the_kubernetes_client_loads_from_the_archive(installed, isolated_path, tmp_path):
    """A live command imports the client, pydantic and the compiled pydantic-core."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG)
    env = isolated_path(installed)
    result = run("kubectl", "shm", "audit", "--kubeconfig", kubeconfig, env=env)
    assert result.returncode == 3, result.stderr
    assert "cannot reach the API server at https://127.0.0.1:1" in result.stderr
    bundles = list((Path(env["HOME"]) / ".cache" / "kubectl-shm" / "bundle").iterdir())
    assert len(bundles) == 1 and (bundles[0] / ".complete").is_file()
    assert [p.name for p in (bundles[0] / "_native").iterdir() if p.is_dir()] == [
        kubectl_shm_bundle.python_tag()
    ]


def test_completion_from_the_archive_through_kubectl(installed, isolated_path):
    result = run("kubectl", "__complete", "shm", "ver", env=isolated_path(installed))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("version\t")
    assert result.stdout.splitlines()[-1] == ":4"


def test_unwritable_cache_runs_from_the_zip(installed, isolated_path, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    env = {**isolated_path(installed), "XDG_CACHE_HOME": str(blocker)}
    offline = run("kubectl", "shm", "audit", "-f", EXAMPLES / "07-web-clean.yaml", env=env)
    assert offline.returncode == 0, offline.stderr
    live = run("kubectl", "shm", "audit", "--kubeconfig", kubeconfig, env=env)
    assert live.returncode == 3 and "cannot reach the API server" in live.stderr, live.stderr


def test_archive_of_another_platform_says_so(release, here, tmp_path, isolated_path):
    other = next(p for p in PLATFORMS if p != here)
    installed = unpack(release.archives[other], tmp_path / "bin")
    env = isolated_path(installed)
    offline = run("kubectl", "shm", "audit", "-f", EXAMPLES / "07-web-clean.yaml", env=env)
    assert offline.returncode == 0, offline.stderr  # pure Python: runs anywhere
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG)
    live = run("kubectl", "shm", "audit", "--kubeconfig", kubeconfig, env=env)
    assert live.returncode == 3
    assert f"this kubectl-shm archive is for {other}, not {here}" in live.stderr


def find_python(version: str) -> Path | None:
    """A CPython of this minor version on this machine (pythonX.Y on PATH, or pyenv's)."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    for candidate in candidates:
        if candidate and "shims" not in Path(candidate).parts:
            return Path(candidate)
    return None


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory) -> Path:
    """One HOME for every Python: each finds the bundle another has extracted."""
    return tmp_path_factory.mktemp("home")


@pytest.mark.parametrize("version", dist.PYTHONS)
def test_every_supported_python_runs_the_archive(release, here, version, shared_home, tmp_path):
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    installed = unpack(release.archives[here], tmp_path / "bin")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG)
    env = {"HOME": str(shared_home), "PATH": os.defpath, "NO_COLOR": "1"}
    result = run(python, installed / "kubectl-shm", "version", "-o", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["python"]["version"].startswith(f"{version}.")
    live = run(python, installed / "kubectl-shm", "audit", "--kubeconfig", kubeconfig, env=env)
    assert live.returncode == 3 and "cannot reach the API server" in live.stderr, live.stderr


def test_too_old_a_python_is_told_so(release, here, tmp_path):
    python = find_python("3.9")
    if python is None:
        pytest.skip("no Python 3.9 on this machine")
    installed = unpack(release.archives[here], tmp_path / "bin")
    result = run(python, installed / "kubectl-shm", "version", env={"HOME": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.startswith("kubectl shm needs Python >= 3.10;")


def test_zipapp_runs_with_python_alone(installed, tmp_path):
    env = {"HOME": str(tmp_path), "PATH": os.defpath}
    result = run(sys.executable, installed / "kubectl-shm.pyz", "version", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Client Version: v{__version__}\n")


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="not a git checkout")
def test_built_archives_are_not_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "dist", "*.tar.gz", "*.pyz"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert tracked.stdout == ""
    ignored = subprocess.run(["git", "check-ignore", "-q", "dist/x.tar.gz"], cwd=REPO, check=False)
    assert ignored.returncode == 0, "dist/ must be ignored by git"
