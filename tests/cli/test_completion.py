"""Shell completion: `kubectl_complete-shm`, alone and run by the real kubectl.

Live lookups against a real cluster are in tests/e2e/test_completion.py; here the
live side is either an unreachable server (completion must stay silent) or the
`names` seam, which stands for the cluster in the tests of TYPE/NAME logic.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubectl_shm.cli.completion import (
    COMPLETION_BUDGET,
    FILTER_FILE_EXT,
    NO_FILE_COMP,
    NO_SPACE,
    complete,
)
from kubectl_shm.cli.main import LazyGroup

BIN = Path(sys.executable).parent
KUBECTL = shutil.which("kubectl")
CLUSTER_OBJECTS = {
    None: ["default", "kube-system", "serve"],
    "pod": ["trainer-0", "trainer-1", "web-7d9f"],
    "deployment": ["vllm", "web"],
    "statefulset": ["trainer"],
}


def names(connection, kind):
    """Stands for the cluster: namespaces (kind None) or object names of a kind."""
    names.calls.append((connection, kind))
    return CLUSTER_OBJECTS.get(kind.name if kind else None, [])


names.calls = []


def values(result):
    candidates, directive = result
    return [line.split("\t")[0] for line in candidates], directive


@pytest.fixture
def kubeconfig(tmp_path):
    path = tmp_path / "config"
    path.write_text(
        """apiVersion: v1
kind: Config
current-context: dev
clusters:
- {name: dev-cluster, cluster: {server: "https://127.0.0.1:1"}}
- {name: prod-cluster, cluster: {server: "https://127.0.0.1:1"}}
contexts:
- {name: dev, context: {cluster: dev-cluster, user: dev-user}}
- {name: prod, context: {cluster: prod-cluster, user: dev-user}}
users:
- {name: dev-user, user: {token: not-a-secret}}
"""
    )
    return str(path)


def test_subcommands_with_descriptions():
    candidates, directive = complete([""])
    assert [line.split("\t")[0] for line in candidates] == list(LazyGroup._commands)
    assert all("\t" in line and line.split("\t")[1] for line in candidates)
    assert directive == NO_FILE_COMP


def test_subcommand_prefix():
    assert values(complete(["ver"])) == (["version"], NO_FILE_COMP)


def test_flags_of_a_command():
    found, directive = values(complete(["audit", "--"]))
    assert {"--namespace", "--context", "--kubeconfig", "--filename", "--output"} <= set(found)
    assert all(flag.startswith("--") for flag in found)
    assert directive == NO_FILE_COMP


def test_choices_of_an_option():
    assert values(complete(["audit", "-o", ""])) == (
        ["table", "wide", "json", "yaml", "sarif"],
        4,
    )
    assert values(complete(["version", "--output", "j"])) == (["json"], NO_FILE_COMP)
    assert values(complete(["audit", "--fail-on=w"])) == (["warning"], NO_FILE_COMP)


def test_filename_completes_manifest_files():
    assert complete(["audit", "-f", ""]) == (["yaml", "yml", "json"], FILTER_FILE_EXT)


def test_kubeconfig_completes_any_file():
    assert complete(["audit", "--kubeconfig", ""]) == ([], 0)


def test_contexts_clusters_and_users_from_the_kubeconfig(kubeconfig):
    args = ["audit", "--kubeconfig", kubeconfig]
    assert values(complete([*args, "--context", ""])) == (["dev", "prod"], NO_FILE_COMP)
    assert values(complete([*args, "--context", "pr"])) == (["prod"], NO_FILE_COMP)
    assert values(complete([*args, "--cluster", ""])) == (
        ["dev-cluster", "prod-cluster"],
        NO_FILE_COMP,
    )
    assert values(complete([*args, "--user", ""])) == (["dev-user"], NO_FILE_COMP)


def test_contexts_merged_from_every_kubeconfig_file(kubeconfig, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.write_text("contexts:\n- {name: staging, context: {}}\n- {name: dev, context: {}}\n")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([kubeconfig, str(other), "/nonexistent"]))
    assert values(complete(["audit", "--context", ""])) == (
        ["dev", "prod", "staging"],
        NO_FILE_COMP,
    )


def test_no_kubeconfig_gives_no_contexts(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    assert complete(["audit", "--context", ""]) == ([], NO_FILE_COMP)


def test_unreachable_cluster_gives_no_namespaces_quickly(kubeconfig):
    started = time.monotonic()
    result = complete(["audit", "--kubeconfig", kubeconfig, "-n", ""])
    assert result == ([], NO_FILE_COMP)
    assert time.monotonic() - started < 10


def test_namespaces_use_the_flags_typed_so_far(kubeconfig):
    names.calls.clear()
    started = time.monotonic()
    result = complete(
        ["audit", "--kubeconfig", kubeconfig, "--context", "prod", "-n", "k"], names=names
    )
    assert values(result) == (["kube-system"], NO_FILE_COMP)
    connection, kind = names.calls[-1]
    assert kind is None
    assert (connection.kubeconfig, connection.context) == (kubeconfig, "prod")
    # No per-call limit typed: the completion's budget bounds every call.
    assert connection.request_timeout is None
    assert started < connection.not_after <= time.monotonic() + COMPLETION_BUDGET


def test_the_budget_counts_from_the_process_start():
    from kubectl_shm.cli.completion import _process_age

    assert 0 < _process_age() < 24 * 3600  # this test process started some time ago


def test_a_typed_request_timeout_only_shortens_the_budget(kubeconfig):
    names.calls.clear()
    complete(
        ["audit", "--kubeconfig", kubeconfig, "--request-timeout", "1s", "-n", ""], names=names
    )
    connection, _ = names.calls[-1]
    assert connection.request_timeout == 1.0
    assert connection.not_after is not None


@pytest.mark.skipif("set" not in LazyGroup._commands, reason="no set command")
class TestSetTargets:
    def test_types_first_without_a_space(self):
        found, directive = values(complete(["set", ""], names=names))
        assert found[:3] == ["deployment/", "statefulset/", "daemonset/"]
        assert "pod/" not in found  # live pods cannot be changed
        assert directive == NO_SPACE | NO_FILE_COMP

    def test_short_type_names(self):
        assert values(complete(["set", "st"], names=names)) == (
            ["statefulset/"],
            NO_SPACE | NO_FILE_COMP,
        )
        assert values(complete(["set", "sts"], names=names))[0] == ["sts/"]

    def test_names_after_the_slash_keep_the_typed_type(self):
        assert values(complete(["set", "deploy/"], names=names)) == (
            ["deploy/vllm", "deploy/web"],
            NO_FILE_COMP,
        )
        assert values(complete(["set", "deployments.apps/w"], names=names))[0] == [
            "deployments.apps/web"
        ]

    def test_names_in_the_namespace_given(self):
        names.calls.clear()
        complete(["set", "-n", "serve", "deploy/"], names=names)
        assert names.calls[-1][0].namespace == "serve"

    def test_type_then_names(self):
        assert values(complete(["set", "deploy", ""], names=names))[0] == ["vllm", "web"]
        assert values(complete(["set", "deploy", "web", ""], names=names))[0] == ["vllm"]

    def test_no_targets_for_a_size_or_with_files(self):
        assert complete(["set", "deploy/web", ""], names=names) == ([], NO_FILE_COMP)
        assert complete(["set", "-f", "x.yaml", "--local", ""], names=names) == (
            [],
            NO_FILE_COMP,
        )

    def test_unknown_type_gives_nothing(self):
        assert complete(["set", "frobs/"], names=names) == ([], NO_FILE_COMP)


@pytest.mark.skipif("inspect" not in LazyGroup._commands, reason="no inspect command")
class TestTargets:
    def test_pod_names_then_types(self):
        found, directive = values(complete(["inspect", ""], names=names))
        assert found[:3] == ["trainer-0", "trainer-1", "web-7d9f"]
        assert {"pod/", "deployment/", "job/"} <= set(found)
        assert directive == NO_FILE_COMP

    def test_only_types_match(self):
        assert values(complete(["inspect", "sta"], names=names)) == (
            ["statefulset/"],
            NO_SPACE | NO_FILE_COMP,
        )

    def test_pods_by_type(self):
        assert values(complete(["inspect", "po/tr"], names=names))[0] == [
            "po/trainer-0",
            "po/trainer-1",
        ]

    def test_one_target_only(self):
        assert complete(["inspect", "pod/trainer-0", ""], names=names) == ([], NO_FILE_COMP)

    def test_diagnose_takes_the_same_targets(self):
        assert values(complete(["diagnose", "po/tr"], names=names))[0] == [
            "po/trainer-0",
            "po/trainer-1",
        ]
        assert values(complete(["diagnose", ""], names=names))[0][:1] == ["trainer-0"]
        assert complete(["diagnose", "pod/trainer-0", ""], names=names) == ([], NO_FILE_COMP)


def _run_completion(*words, env=None):
    executable = shutil.which("kubectl_complete-shm", path=str(BIN))
    assert executable, f"kubectl_complete-shm is not installed in {BIN}"
    return subprocess.run(
        [executable, *words], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def test_the_installed_executable_prints_candidates_then_the_directive():
    result = _run_completion("audit", "-o", "")
    assert result.returncode == 0
    assert result.stdout == "table\nwide\njson\nyaml\nsarif\n:4\n"
    assert result.stderr == ""


def test_the_installed_executable_is_silent_when_the_cluster_is_unreachable(kubeconfig):
    result = _run_completion("audit", "--kubeconfig", kubeconfig, "-n", "")
    assert (result.returncode, result.stdout, result.stderr) == (0, ":4\n", "")


@pytest.mark.skipif(KUBECTL is None, reason="needs kubectl")
def test_kubectl_runs_the_completion_executable(tmp_path):
    """kubectl __complete is what the shell scripts of `kubectl completion` call."""
    env = {
        "PATH": os.pathsep.join([str(BIN), str(Path(KUBECTL).parent)]),
        "HOME": str(tmp_path),
        "KUBECONFIG": str(tmp_path / "none"),
    }
    result = subprocess.run(
        [KUBECTL, "__complete", "shm", "au"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[0] == "audit"
    assert lines[-1] == ":4"
    result = subprocess.run(
        [KUBECTL, "__complete", "shm", "audit", "-f", ""],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.stdout.splitlines() == ["yaml", "yml", "json", ":8"]
