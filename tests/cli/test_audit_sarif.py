"""audit -f with -o sarif and --baseline: the exit code follows the new findings only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.unit.render.sarif_schema import sarif_errors

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_sarif_offline_is_valid_and_exits_on_findings(shm):
    result = shm("audit", "-f", str(EXAMPLES / "05-vllm-default-shm.yaml"), "-o", "sarif")
    assert result.status == 1
    log = json.loads(result.stdout)
    assert sarif_errors(log) == []
    [found] = log["runs"][0]["results"]
    region = found["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (19, 11)


@pytest.mark.parametrize("form", ["json", "sarif"])
def test_baseline_hides_known_findings_and_fails_on_new_ones(shm, tmp_path, form):
    work = tmp_path / "k8s"
    work.mkdir()
    shutil.copy(EXAMPLES / "05-vllm-default-shm.yaml", work)
    before = shm("audit", "-f", str(work), "-o", form)
    assert before.status == 1
    baseline = tmp_path / f"baseline.{form}"
    baseline.write_text(before.stdout)

    same = shm("audit", "-f", str(work), "--baseline", str(baseline), "-o", "json")
    assert same.status == 0, same.stderr
    assert json.loads(same.stdout)["summary"]["error"] == 0
    assert "1 finding in the baseline, not shown" in same.stderr

    shutil.copy(EXAMPLES / "08-host-shm.yaml", work)
    grown = shm("audit", "-f", str(work), "--baseline", str(baseline), "-o", "sarif")
    assert grown.status == 1
    results = json.loads(grown.stdout)["runs"][0]["results"]
    assert [(r["ruleId"], r["baselineState"]) for r in results] == [("shm-host-shared", "new")]


def test_only_new_warnings_do_not_fail_at_the_default_threshold(shm, tmp_path):
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps({"kind": "ShmAudit", "workloads": []}))
    result = shm(
        "audit", "-f", str(EXAMPLES / "02-memory-no-sizelimit.yaml"), "--baseline", str(baseline)
    )
    assert result.status == 0
    strict = shm(
        "audit",
        "-f",
        str(EXAMPLES / "02-memory-no-sizelimit.yaml"),
        "--baseline",
        str(baseline),
        "--fail-on",
        "warning",
    )
    assert strict.status == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read it: no such file"),
        ("{", "not JSON"),
        ('{"kind": "Pod"}', "not an audit's -o json"),
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2(shm, tmp_path, content, fragment):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    result = shm("audit", "-f", str(EXAMPLES / "05-vllm-default-shm.yaml"), "--baseline", str(path))
    assert result.status == 2
    assert fragment in result.stderr
    assert len(result.stderr.splitlines()) == 1
