"""Faults in flags and arguments: each a clear one-line error and exit 2."""

import pytest

from tests.faults.harness import Fault, check, run_fault

FAULTS = [
    Fault("unknown-command", ["frobnicate"], 2, "No such command 'frobnicate'"),
    Fault("unknown-flag", ["audit", "--frobnicate"], 2, "No such option '--frobnicate'"),
    Fault("bad-output", ["audit", "-o", "xml"], 2, "'xml' is not one of"),
    Fault("bad-fail-on", ["audit", "--fail-on", "sometimes"], 2, "--fail-on"),
    Fault("bad-kubelet-version", ["audit", "-f", "-", "--kubelet-version", "one"], 2, "one"),
    Fault("bad-feature-gates", ["audit", "-f", "-", "--feature-gates", "x"], 2, "--feature-gates"),
    Fault("bad-node-memory", ["audit", "-f", "-", "--node-memory", "lots"], 2, "--node-memory"),
    Fault("set-bad-size", ["set", "deploy/x", "12q"], 2, "12q"),
    Fault("set-no-size", ["set", "deploy/x"], 2, "missing SIZE"),
    Fault("set-local-without-file", ["set", "--local", "1Gi"], 2, "--local needs -f"),
    Fault("inspect-no-target", ["inspect"], 2, "Missing argument"),
    Fault("bad-timeout", ["audit", "--request-timeout", "soon"], 2, "--request-timeout"),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_flag_fault(fault, tmp_path):
    check(fault, run_fault(fault, tmp_path))
