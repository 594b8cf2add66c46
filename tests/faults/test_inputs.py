"""Faults in what the user hands over: pod spec shapes, quantities, sizes, flags that do not
apply, and the standard streams. Each is a finding, a warning while the audit goes on
(error_lines=0), or one `error:` line with exit 2 — never a false green or an internal error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.faults.harness import DEFAULT_SECONDS, Fault, Outcome, check, run_fault


def deployment(pod_spec: str) -> str:
    """A Deployment around `pod_spec` (flow-style YAML lines at the pod spec's indentation)."""
    return f"kind: Deployment\nmetadata: {{name: x}}\nspec:\n  template:\n    spec:\n{pod_spec}"


GPU = "{name: gpu, image: pytorch/pytorch, resources: {limits: {nvidia.com/gpu: 1}}}"
SHM_MOUNT = "volumeMounts: [{name: d, mountPath: /dev/shm}]"


def gpu_with(extra: str) -> str:
    """A GPU container (its finding keeps exit 1) beside `extra` in the containers list."""
    return deployment(f"      containers: [{GPU}, {extra}]\n")


def memory_shm(size_limit: str, resources: str = "{limits: {memory: 1Gi}}") -> str:
    return deployment(
        f"      containers: [{{name: a, image: x, {SHM_MOUNT}, resources: {resources}}}]\n"
        f"      volumes: [{{name: d, emptyDir: {{medium: Memory, sizeLimit: {size_limit}}}}}]\n"
    )


def audit(name: str, text: str, exit_code: int, has: str | None, error_lines: int = 1) -> Fault:
    files = {"m.yaml": text}
    return Fault(
        name, ["audit", "-f", "{tmp}/m.yaml"], exit_code, has, files=files, error_lines=error_lines
    )


def warned(name: str, text: str, has: str | None) -> Fault:
    """The audit goes on (the GPU container's finding: exit 1) and a warning names the field."""
    return audit(name, text, 1, has, error_lines=0)


def finding(name: str, text: str, exit_code: int = 1) -> Fault:
    """A finding (invalid-quantity, shm-smaller-than-default) and no error line."""
    return audit(name, text, exit_code, None, error_lines=0)


def set_local(name: str, text: str, has: str) -> Fault:
    """`set --local` refuses the manifest: exit 2, one line naming file, document and field."""
    args = ["set", "-f", "{tmp}/m.yaml", "--local", "1Gi"]
    return Fault(name, args, 2, has, files={"m.yaml": text})


CLEAN = memory_shm("1Gi")
SHAPES = [
    warned("stray-string-in-containers", gpu_with('"oops"'), "containers[1] is a string"),
    warned("stray-int-in-containers", gpu_with("5"), "containers[1] is an integer"),
    warned("stray-null-in-containers", gpu_with("null"), "containers[1] is null"),
    warned("stray-list-in-containers", gpu_with("[a]"), "containers[1] is a list"),
    warned(
        "volume-mounts-int", gpu_with("{name: b, volumeMounts: 7}"), "volumeMounts is an integer"
    ),
    warned("volume-mount-string", gpu_with("{name: b, volumeMounts: [x]}"), "volumeMounts[0] is a"),
    warned(
        "mount-path-list",
        gpu_with("{name: b, volumeMounts: [{name: d, mountPath: [1]}]}"),
        "mountPath is a list",
    ),
    warned("resources-string", gpu_with("{name: b, resources: lots}"), "resources is a string"),
    warned("limits-list", gpu_with("{name: b, resources: {limits: [1]}}"), "limits is a list"),
    warned("image-list", gpu_with("{name: b, image: [1]}"), "image is a list"),
    warned("name-missing", gpu_with("{image: x}"), "containers[1].name is missing"),
    warned("name-int", gpu_with("{name: 5}"), "name is an integer"),
    warned("name-twice", gpu_with("{name: gpu, image: nginx}"), "'gpu' is used by another"),
    warned(
        "volumes-int",
        deployment(f"      containers: [{GPU}]\n      volumes: 5\n"),
        "volumes is an integer",
    ),
    warned(
        "volume-string",
        deployment(f"      containers: [{GPU}]\n      volumes: [x]\n"),
        "volumes[0] is a string",
    ),
    warned(
        "emptydir-list",
        deployment(f"      containers: [{GPU}]\n      volumes: [{{name: d, emptyDir: [1]}}]\n"),
        "emptyDir is a list",
    ),
    warned(
        "init-containers-string",
        deployment(f"      containers: [{GPU}]\n      initContainers: x\n"),
        "initContainers is a string",
    ),
    warned(
        "host-ipc-string",
        deployment(f"      containers: [{GPU}]\n      hostIPC: 'yes'\n"),
        "hostIPC is a string",
    ),
    warned(
        "overhead-list",
        deployment(f"      containers: [{GPU}]\n      overhead: [1]\n"),
        "overhead is a list",
    ),
    warned(
        "missing-kind-beside-a-workload",
        "metadata: {name: y}\n---\n" + gpu_with("{name: b}"),
        "document 1: kind is missing",
    ),
    warned(
        "kind-integer-beside-a-workload",
        "kind: 5\n---\n" + gpu_with("{name: b}"),
        "kind is an integer",
    ),
    warned(
        "list-with-a-stray-item",
        "kind: List\nitems:\n- 5\n- " + gpu_with("{name: b}").replace("\n", "\n  "),
        "items[0] is an integer",
    ),
    warned(
        "crd-containers-without-containers",
        "kind: Trainer\nmetadata: {name: t}\nspec:\n  a: {containers: [1, 2]}\n---\n"
        + gpu_with("{name: b}"),
        "spec.a.containers holds no container",
    ),
    warned(
        "env-args-wrong-types-are-not-read",
        gpu_with("{name: b, env: 5, args: 3, command: {a: 1}}"),
        None,
    ),
]
NOTHING_AUDITED = [
    audit(
        "containers-string",
        deployment('      containers: "x"\n'),
        2,
        "nothing to audit: 1 document",
    ),
    audit("containers-empty", deployment("      containers: []\n"), 2, "nothing to audit"),
    audit(
        "spec-null", "kind: Deployment\nmetadata: {name: x}\nspec: null\n", 2, "nothing to audit"
    ),
    audit("no-kind", "metadata: {name: x}\nspec: {}\n", 2, "nothing to audit"),
    audit(
        "only-a-configmap", "kind: ConfigMap\nmetadata: {name: c}\n", 2, "none with a pod template"
    ),
    audit("typed-list-items-int", "kind: DeploymentList\nitems: 5\n", 2, "nothing to audit"),
    audit("empty-file", "", 2, "nothing to audit: no manifests"),
    audit("only-comments", "# nothing\n---\n", 2, "nothing to audit: no manifests"),
    Fault(
        "empty-directory",
        ["audit", "-f", "{tmp}/empty"],
        2,
        "no manifests in",
        files={"empty/.keep": ""},
    ),
    Fault(
        "directory-without-manifests",
        ["audit", "-f", "{tmp}/d"],
        2,
        "no manifests",
        files={"d/notes.txt": "kind: Pod"},
    ),
    Fault("empty-stdin", ["audit", "-f", "-"], 2, "no manifests in standard input", stdin=b""),
]
QUANTITIES = [
    finding("sizelimit-1e400", memory_shm('"1e400"')),
    finding("sizelimit-negative", memory_shm("-1Gi")),
    finding("sizelimit-arabic-digits", memory_shm('"\u0661\u0662Mi"')),
    finding("sizelimit-fullwidth-digit", memory_shm('"\uff11Gi"')),
    finding("sizelimit-list", memory_shm("[1]")),
    finding("sizelimit-5000-digits", memory_shm(f'"{"1" * 5000}"')),
    finding("sizelimit-milli", memory_shm("512m")),
    finding("sizelimit-one-byte-on-gpu", memory_shm("1", "{limits: {nvidia.com/gpu: 1}}")),
    finding("memory-limit-list", memory_shm("1Gi", "{limits: {memory: [1]}}")),
    finding("memory-limit-negative", memory_shm("1Gi", "{limits: {memory: -1Gi}}")),
    # kubectl's YAML-to-JSON conversion has no infinity: the manifest itself is unreadable.
    Fault(
        "memory-limit-float-inf",
        ["audit", "-f", "{tmp}/m.yaml"],
        2,
        "JSON has no NaN or infinity",
        files={"m.yaml": memory_shm("1Gi", "{limits: {memory: .inf}}")},
    ),
    finding("clean-stays-green", CLEAN, exit_code=0),
]
FLAGS = [
    Fault(
        f"file-with-{flag.strip('-')}",
        ["audit", "-f", "{tmp}/m.yaml", *args],
        2,
        "cannot be used with -f",
        files={"m.yaml": CLEAN},
    )
    for flag, args in [
        ("-A", ["-A"]),
        ("--selector", ["-l", "app=x"]),
        ("--usage", ["--usage"]),
        ("--no-usage", ["--no-usage"]),
        ("--context", ["--context", "prod"]),
        ("--kubeconfig", ["--kubeconfig", "/nowhere"]),
    ]
] + [
    Fault(
        "strict-with-a-warning",
        ["audit", "-f", "{tmp}/m.yaml", "--strict"],
        2,
        "--strict: the audit is incomplete",
        files={"m.yaml": gpu_with("5")},
    ),
]
SIZES = [
    Fault("set-milli", ["set", "deploy/x", "512m"], 2, "512 millibytes; did you mean 512Mi?"),
    Fault("set-bytes", ["set", "deploy/x", "64"], 2, "64 bytes; did you mean 64Mi?"),
    Fault("set-half-byte", ["set", "deploy/x", "0.5"], 2, "add --force"),
    Fault("set-micro", ["set", "deploy/x", "3u"], 2, "3 microbytes"),
    Fault("set-lowercase-g", ["set", "deploy/x", "2g"], 2, "did you mean G or Gi?"),
    Fault("set-gb", ["set", "deploy/x", "2GB"], 2, "did you mean G or Gi?"),
    Fault("set-1e400", ["set", "deploy/x", "1e400"], 2, "more than 2^63-1 bytes"),
    Fault("set-arabic-digits", ["set", "deploy/x", "\u0662Gi"], 2, "ASCII"),
    Fault("set-negative", ["set", "deploy/x", "--", "-1Gi"], 2, "greater than zero"),
]
SET_LOCAL = [
    set_local(
        "set-volumes-int",
        deployment("      containers: [{name: a}]\n      volumes: 5\n"),
        "m.yaml, document 1 (deployment/x): spec.template.spec.volumes is an integer",
    ),
    set_local(
        "set-volume-mounts-int",
        deployment("      containers: [{name: a, volumeMounts: 7}]\n"),
        "containers[0].volumeMounts is an integer",
    ),
    set_local(
        "set-containers-string", deployment('      containers: "x"\n'), "containers is a string"
    ),
    set_local(
        "set-spec-null", "kind: Deployment\nmetadata: {name: x}\nspec: null\n", "spec is missing"
    ),
    set_local("set-kind-missing", "metadata: {name: x}\n", "kind is missing"),
    set_local(
        "set-typed-list-stray-item", "kind: DeploymentList\nitems: [5]\n", "items[0] is an integer"
    ),
    set_local(
        "set-volume-name-list",
        deployment("      containers: [{name: a}]\n      volumes: [{name: [1]}]\n"),
        "volumes[0].name is a list",
    ),
    Fault(
        "set-local-typed-list-is-changed",
        ["set", "-f", "{tmp}/m.yaml", "--local", "1Gi"],
        0,
        None,
        files={"m.yaml": "kind: DeploymentList\nitems:\n- " + CLEAN.replace("\n", "\n  ")},
        error_lines=0,
    ),
    Fault(
        "set-local-odd-keys-on-the-way-are-walked",
        ["set", "-f", "{tmp}/m.yaml", "--local", "1Gi"],
        0,
        None,
        files={
            "m.yaml": "kind: Trainer\nmetadata: {name: t}\nspec:\n"
            "  a.b: {containers: [{name: a}]}\n  5: {containers: [{name: b}]}\n"
        },
        error_lines=0,
    ),
    Fault(
        "set-local-milli",
        ["set", "-f", "{tmp}/m.yaml", "--local", "512m"],
        2,
        "512 millibytes",
        files={"m.yaml": CLEAN},
    ),
]
STREAMS = [
    Fault(
        # As kubectl: bytes that are not UTF-8 read as U+FFFD, here a YAML error.
        "stdin-not-utf8",
        ["audit", "-f", "-"],
        2,
        "invalid YAML",
        stdin=b"kind: Pod\n\xff\xfe\n",
    ),
    Fault("bare-command-prints-help", [], 0, None, error_lines=0),
]
FAULTS = SHAPES + NOTHING_AUDITED + QUANTITIES + FLAGS + SIZES + SET_LOCAL + STREAMS


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_input_fault(fault, tmp_path):
    check(fault, run_fault(fault, tmp_path))


def test_the_corpus_is_large_and_its_ids_distinct():
    ids = [fault.id for fault in FAULTS + STREAM_FAULTS]
    assert len(ids) == len(set(ids)) and len(ids) >= 50


# Faults of the descriptors themselves, which the harness's captured pipes cannot make.
STREAM_FAULTS = [
    Fault(
        "stdout-full",
        ["audit", "-f", "{tmp}/m.yaml", "-o", "json"],
        2,
        "cannot write to standard output: No space left",
        files={"m.yaml": CLEAN},
    ),
    Fault(
        "stdout-full-table",
        ["audit", "-f", "{tmp}/m.yaml"],
        2,
        "No space left on device",
        files={"m.yaml": CLEAN},
    ),
    Fault("stdout-full-help", [], 2, "No space left on device"),
    Fault(
        "stdout-full-set-local",
        ["set", "-f", "{tmp}/m.yaml", "--local", "1Gi"],
        2,
        "No space left",
        files={"m.yaml": CLEAN},
    ),
    Fault(
        "stdout-closed",
        ["audit", "-f", "{tmp}/m.yaml"],
        2,
        "standard output: it is closed",
        files={"m.yaml": CLEAN},
    ),
    Fault("stdin-closed", ["audit", "-f", "-"], 2, "standard input is closed"),
    Fault(
        "stdin-closed-set-local",
        ["set", "-f", "-", "--local", "1Gi"],
        2,
        "standard input is closed",
    ),
]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fault", STREAM_FAULTS, ids=lambda f: f.id)
def test_stream_fault(fault, tmp_path):
    check(fault, _run_with_streams(fault, tmp_path))


def _run_with_streams(fault: Fault, tmp_path) -> Outcome:
    """Like run_fault, with stdout on /dev/full or a closed descriptor 0 or 1."""
    for name, content in fault.files.items():
        (tmp_path / name).write_text(str(content))
    args = [a.replace("{tmp}", str(tmp_path)) for a in fault.args]
    closed = (
        0 if fault.id.startswith("stdin-closed") else 1 if fault.id == "stdout-closed" else None
    )
    env = {
        **os.environ,
        "KUBECONFIG": str(tmp_path / "none"),
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
    }
    started = time.monotonic()
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "kubectl_shm", *args],
            stdin=subprocess.DEVNULL,
            stdout=full if closed is None else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            timeout=DEFAULT_SECONDS,
            preexec_fn=(lambda: os.close(closed)) if closed is not None else None,
        )
    return Outcome(
        done.returncode, "", done.stderr.decode(errors="replace"), time.monotonic() - started
    )
