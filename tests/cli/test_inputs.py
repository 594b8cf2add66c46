"""Bad input, in-process: a finding, a warning or one `error:` line with exit 2 — no false
green, no internal error. The same cases run as child processes in tests/faults/test_inputs.py."""

import errno
import io
import json
import sys
from pathlib import Path

import pytest

from kubectl_shm.cli.main import run
from kubectl_shm.render.terminal import Terminal

EXAMPLES = Path(__file__).parents[2] / "examples"
CLEAN = str(EXAMPLES / "07-web-clean.yaml")
GPU_DEPLOYMENT = """\
kind: Deployment
metadata: {name: trainer, namespace: ml}
spec:
  template:
    spec:
      containers:
      - {name: gpu, image: pytorch/pytorch, resources: {limits: {nvidia.com/gpu: 1}}}
"""


def error_line(result, status):
    assert result.status == status, result.stderr
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert "internal error" not in result.stderr
    return errors[0]


def write(tmp_path, text, name="m.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- audit -f: nothing audited is no pass -------------------------------------------


def test_an_empty_directory_is_nothing_to_audit(shm, tmp_path):
    line = error_line(shm("audit", "-f", str(tmp_path)), 2)
    assert line.startswith(f"error: nothing to audit: no manifests in {tmp_path}")


def test_empty_stdin_is_nothing_to_audit(shm):
    line = error_line(shm("audit", "-f", "-", stdin=""), 2)
    assert (
        line == "error: nothing to audit: no manifests in standard input (YAML or JSON "
        "documents; in directories, files ending .yaml, .yml or .json)"
    )


def test_documents_without_a_pod_template_are_nothing_to_audit_with_their_warnings(shm, tmp_path):
    result = shm("audit", "-f", write(tmp_path, "metadata: {name: x}\n"))
    assert "nothing to audit: 1 document in" in error_line(result, 2)
    assert "Warning: " in result.stderr and "kind is missing" in result.stderr


# --- audit -f: what cannot be read is named, the rest audited ---------------------------


def test_a_stray_container_entry_is_a_warning_and_the_gpu_container_still_a_finding(shm, tmp_path):
    manifest = write(tmp_path, GPU_DEPLOYMENT + "      - just a string\n")
    result = shm("audit", "-f", manifest, "-o", "json")
    assert result.status == 1
    [workload] = json.loads(result.stdout)["workloads"]
    assert [f["rule"] for f in workload["findings"]] == ["default-shm-ai-workload"]
    assert result.stderr == (
        f"Warning: {manifest}, document 1 (deployment/trainer): "
        "spec.template.spec.containers[1] is a string, not a container (a mapping); not audited\n"
    )


def test_strict_turns_those_warnings_into_exit_2_without_a_report(shm, tmp_path):
    manifest = write(tmp_path, GPU_DEPLOYMENT + "      - just a string\n")
    line = error_line(shm("audit", "-f", manifest, "--strict"), 2)
    assert line == "error: --strict: the audit is incomplete (1 warning)"
    assert shm("audit", "-f", CLEAN, "--strict").status == 0


def test_a_sizelimit_that_cannot_be_counted_is_a_finding_for_that_workload_only(shm, tmp_path):
    broken = Path(CLEAN).read_text().replace("256Mi", '"1e400"')
    manifest = write(tmp_path, broken + "---\n" + Path(CLEAN).read_text().replace("web", "web2"))
    result = shm("audit", "-f", manifest, "-o", "json")
    assert result.status == 1, result.stderr
    workloads = {w["name"]: w for w in json.loads(result.stdout)["workloads"]}
    assert [f["rule"] for f in workloads["web"]["findings"]] == ["invalid-quantity"]
    assert workloads["web2"]["findings"] == []


def test_a_one_byte_shm_on_a_gpu_container_fails_the_audit(shm, tmp_path):
    manifest = write(
        tmp_path,
        GPU_DEPLOYMENT.replace(
            "nvidia.com/gpu: 1}}",
            "nvidia.com/gpu: 1}}, volumeMounts: [{name: dshm, mountPath: /dev/shm}]",
        )
        + "      volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 512m}}]\n",
    )
    result = shm("audit", "-f", manifest, "-o", "json")
    assert result.status == 1
    findings = json.loads(result.stdout)["workloads"][0]["findings"]
    [finding] = [f for f in findings if f["severity"] == "error"]
    assert finding["rule"] == "shm-smaller-than-default"
    assert "is 512 millibytes: /dev/shm holds at most 1 byte" in finding["message"]
    assert finding["message"].endswith("Fix: kubectl shm set deployment/trainer 512Mi -n ml -c gpu")


@pytest.mark.parametrize(
    "flags",
    [["-A"], ["-l", "app=x"], ["--usage"], ["--no-usage"], ["--context", "prod"]],
)
def test_flags_about_the_cluster_are_refused_with_files(shm, flags):
    line = error_line(shm("audit", "-f", CLEAN, *flags), 2)
    assert flags[0] in line.partition(" cannot be used with -f")[0]


def test_namespace_flag_names_the_namespace_of_documents_without_one(shm, tmp_path):
    bare = Path(CLEAN).read_text().replace("namespace:", "labels:")
    result = shm("audit", "-f", write(tmp_path, bare), "-n", "team", "-o", "json")
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["workloads"][0]["namespace"] == "team"


# --- set: SIZE and manifests -----------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "says"),
    [
        ("512m", "SIZE 512m is 512 millibytes; did you mean 512Mi?"),
        ("64", "SIZE 64 is 64 bytes; did you mean 64Mi?"),
        ("2g", "unknown suffix 'g' (did you mean G or Gi?)"),
    ],
)
def test_set_refuses_sizes_that_make_no_sense(shm, size, says):
    assert says in error_line(shm("set", "deploy/x", size), 2)


def test_force_accepts_a_tiny_size(shm):
    result = shm("set", "-f", CLEAN, "--local", "512", "--force")
    assert result.status == 0, result.stderr
    assert "sizeLimit: '512'" in result.stdout or 'sizeLimit: "512"' in result.stdout


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("      volumes: 5\n", "spec.template.spec.volumes is an integer, not a list"),
        ("      - 5\n", "spec.template.spec.containers[1] is an integer, not a container"),
        ("      - {name: b, volumeMounts: 7}\n", "containers[1].volumeMounts is an integer"),
    ],
)
def test_set_local_refuses_a_malformed_template_naming_file_document_and_field(
    shm, tmp_path, extra, says
):
    manifest = write(tmp_path, "kind: Service\n---\n" + GPU_DEPLOYMENT + extra)
    line = error_line(shm("set", "-f", manifest, "--local", "1Gi"), 2)
    assert line.startswith(f"error: {manifest}, document 2 (deployment/trainer): ")
    assert says in line


def test_set_local_changes_a_typed_list_item_by_item(shm, tmp_path):
    listed = {
        "kind": "DeploymentList",
        "items": [
            {
                "kind": "Deployment",
                "metadata": {"name": "a"},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}},
            }
        ],
    }
    result = shm(
        "set", "-f", write(tmp_path, json.dumps(listed), "l.json"), "--local", "1Gi", "-o", "json"
    )
    assert result.status == 0, result.stderr
    [item] = json.loads(result.stdout)["items"]
    assert item["spec"]["template"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] == "1Gi"


# --- the group ---------------------------------------------------------------------------


def test_bare_command_prints_the_help_like_kubectl(shm):
    result = shm()
    assert result.status == 0
    assert result.stdout.startswith("Usage: kubectl shm [OPTIONS] COMMAND [ARGS]...\n")
    assert "Commands:" in result.stdout
    assert result.stderr == ""


# --- the standard streams ------------------------------------------------------------------


class FullDisk(io.StringIO):
    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("args", [["version"], ["audit", "-f", CLEAN, "-o", "json"], []])
def test_output_that_cannot_be_written_is_one_line_and_exit_2(args):
    terminal = Terminal(stdout=FullDisk(), stderr=io.StringIO(), stdin=io.StringIO())
    assert run(args, terminal) == 2
    assert terminal.stderr.getvalue() == (
        "error: cannot write to standard output: No space left on device\n"
    )


def test_a_closed_stdin_is_one_line_and_exit_2(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    terminal = Terminal(stdout=io.StringIO(), stderr=io.StringIO())
    assert run(["audit", "-f", "-"], terminal) == 2
    assert terminal.stderr.getvalue() == (
        "error: standard input is closed: there is nothing for '-f -' to read\n"
    )
