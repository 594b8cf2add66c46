"""`kubectl shm audit -f`: every exit path, run through the real entry point."""

import json
from pathlib import Path

import pytest
import yaml

EXAMPLES = str(Path(__file__).parents[2] / "examples")
CLEAN = str(Path(EXAMPLES) / "07-web-clean.yaml")


def assert_one_line_error(result, status, *fragments):
    assert result.status == status
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in first


def test_examples_table_reports_findings_and_exits_1(shm):
    result = shm("audit", "-f", EXAMPLES)
    assert result.status == 1
    assert "default-shm-ai-workload" in result.stdout
    assert "deployment/vllm" in result.stdout
    assert "8 workloads: 2 error, 2 warning, 2 info" in result.stdout
    assert result.stderr == ""


def test_table_fits_100_columns(shm, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    result = shm("audit", "-f", EXAMPLES)
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_clean_file_exits_0(shm):
    result = shm("audit", "-f", CLEAN)
    assert result.status == 0
    assert "deployment/web" in result.stdout


@pytest.mark.parametrize(("fail_on", "status"), [("error", 1), ("warning", 1), ("never", 0)])
def test_fail_on(shm, fail_on, status):
    assert shm("audit", "-f", EXAMPLES, "--fail-on", fail_on).status == status


def test_warning_threshold_counts_warnings(shm):
    capped = str(Path(EXAMPLES) / "04-capped-by-memory-limit.yaml")
    assert shm("audit", "-f", capped).status == 0
    assert shm("audit", "-f", capped, "--fail-on", "warning").status == 1


def test_json_output_is_pure_json(shm):
    result = shm("audit", "-f", EXAMPLES, "-o", "json")
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmAudit"
    assert result.stderr == ""


def test_yaml_output(shm):
    result = shm("audit", "-f", EXAMPLES, "-o", "yaml")
    assert yaml.safe_load(result.stdout)["summary"]["workloads"] == 8


def test_stdin_and_json_list(shm):
    manifest = Path(CLEAN).read_text()
    assert shm("audit", "-f", "-", stdin=manifest).status == 0
    as_list = json.dumps({"kind": "List", "items": list(yaml.safe_load_all(manifest))})
    result = shm("audit", "-f", "-", "-o", "json", stdin=as_list)
    assert json.loads(result.stdout)["summary"]["workloads"] == 1


def test_assumptions_change_the_answer(shm):
    legacy = shm(
        "audit",
        "-f",
        EXAMPLES,
        "-o",
        "json",
        "--kubelet-version",
        "v1.31.4",
        "--feature-gates",
        "SizeMemoryBackedVolumes=false",
        "--node-memory",
        "32Gi",
    )
    rules = {f["rule"] for w in json.loads(legacy.stdout)["workloads"] for f in w["findings"]}
    assert "shm-sizelimit-not-applied" in rules


def test_wide_output_has_more_columns(shm):
    assert "POD MEM LIMIT" in shm("audit", "-f", EXAMPLES, "-o", "wide").stdout


def test_invalid_yaml_names_file_and_line(shm, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata:\n  name: [unclosed\n")
    assert_one_line_error(shm("audit", "-f", str(bad)), 2, "bad.yaml:", "invalid YAML")


def test_missing_file(shm, tmp_path):
    assert_one_line_error(shm("audit", "-f", str(tmp_path / "nope.yaml")), 2, "no such file")


def test_unreadable_file(shm, tmp_path):
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert_one_line_error(shm("audit", "-f", str(binary)), 2, "blob.yaml")


@pytest.mark.parametrize(
    ("flag", "value", "fragment"),
    [
        ("--kubelet-version", "latest", "--kubelet-version"),
        ("--feature-gates", "SizeMemoryBackedVolumes", "--feature-gates"),
        ("--feature-gates", "SizeMemoryBackedVolumes=maybe", "--feature-gates"),
        ("--node-memory", "lots", "--node-memory"),
        ("--node-memory", "-1Gi", "--node-memory"),
        ("-o", "xml", "xml"),
        ("--fail-on", "sometimes", "sometimes"),
    ],
)
def test_bad_flag_values_exit_2(shm, flag, value, fragment):
    assert_one_line_error(shm("audit", "-f", CLEAN, flag, value), 2, fragment)


def test_unknown_flag_exits_2_with_hint(shm):
    result = shm("audit", "--bogus")
    assert_one_line_error(result, 2, "--bogus")
    assert "kubectl shm audit --help" in result.stderr


def test_bad_quantity_inside_manifest_is_a_finding(shm, tmp_path):
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(Path(CLEAN).read_text().replace("256Mi", "256 megs"))
    result = shm("audit", "-f", str(manifest), "-o", "json")
    assert result.status == 1
    [workload] = json.loads(result.stdout)["workloads"]
    assert workload["findings"][0]["rule"] == "invalid-quantity"


def test_verbose_shows_traceback(shm, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [")
    result = shm("audit", "-v", "-f", str(bad))
    assert result.status == 2
    assert "Traceback" in result.stderr


def test_no_workloads_is_nothing_audited_not_a_pass(shm, tmp_path):
    (tmp_path / "cm.yaml").write_text("kind: ConfigMap\nmetadata: {name: x}\n")
    result = shm("audit", "-f", str(tmp_path))
    assert_one_line_error(result, 2, "nothing to audit: 1 document in", "none with a pod template")
