"""Completion of namespaces and TYPE/NAME from the real cluster, through the real kubectl."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.fixture
def complete(cluster):
    """complete(*words, kubeconfig=None) -> candidate values and the directive line,
    as `kubectl __complete shm WORDS...` (what the shell scripts call) prints them."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "needs kubectl"
    assert shutil.which("kubectl_complete-shm", path=str(BIN)), f"not installed in {BIN}"

    def run(*words: str, kubeconfig: str | None = None) -> tuple[list[str], str]:
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(BIN), str(Path(kubectl).parent)]),
            "KUBECONFIG": kubeconfig or cluster.kubeconfig,
        }
        result = subprocess.run(
            [kubectl, "__complete", "shm", *words],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        )
        *candidates, directive = result.stdout.splitlines()
        return [line.split("\t")[0] for line in candidates], directive

    return run


def test_namespaces(complete, namespace):
    found, directive = complete("audit", "-n", "")
    assert {namespace, "default", "kube-system"} <= set(found)
    assert directive == ":4"
    assert complete("audit", "--namespace", namespace[:6])[0] == sorted(
        n for n in found if n.startswith(namespace[:6])
    )


def test_workload_names_after_the_type(complete, kubectl, namespace, cluster):
    for name in ("web", "vllm"):
        kubectl("create", "deployment", name, f"--image={cluster.image}", "-n", namespace)
    assert complete("set", "-n", namespace, "deploy/") == (["deploy/vllm", "deploy/web"], ":4")
    assert complete("set", "-n", namespace, "deploy/w") == (["deploy/web"], ":4")
    assert complete("set", "-n", namespace, "sts/") == ([], ":4")


def test_pod_names_for_inspect(complete, kubectl, namespace, cluster):
    kubectl("run", "trainer-0", f"--image={cluster.image}", "-n", namespace, "--", "sleep", "600")
    found, directive = complete("inspect", "-n", namespace, "")
    assert directive == ":4"
    assert found[0] == "trainer-0"
    assert "deployment/" in found
    assert complete("inspect", "-n", namespace, "pod/t") == (["pod/trainer-0"], ":4")


def test_forbidden_lists_give_no_candidates(complete, limited_kubeconfig):
    kubeconfig = limited_kubeconfig([])  # may do nothing at all
    assert complete("audit", "-n", "", kubeconfig=kubeconfig) == ([], ":4")
    assert complete("set", "deploy/", kubeconfig=kubeconfig) == ([], ":4")
