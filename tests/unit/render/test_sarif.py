"""-o sarif offline: valid SARIF 2.1.0, one rule per rule id, and each finding on the exact
line and column of the node at fault in its manifest (every example, YAML and JSON)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kubectl_shm.audit.locations import finding_locator
from kubectl_shm.audit.offline import audit_documents
from kubectl_shm.audit.rule_help import RULE_HELP, help_uri
from kubectl_shm.audit.rules import Rule
from kubectl_shm.manifests.files import read_manifest_files
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.render.sarif import SarifSection, sarif_log
from tests.unit.render.sarif_schema import sarif_errors

ROOT = Path(__file__).parents[3]
CURRENT = NodeProfile()
# An old kubelet on CRI-O: memory volumes unsized, so volume rules fire too.
LEGACY = NodeProfile(kubelet_version="v1.19.2", container_runtime="cri-o://")

# example -> node -> (rule, line, column) of every result, read off the files by hand.
EXPECTED = {
    "01-default-shm.yaml": {CURRENT: [], LEGACY: []},
    "02-memory-no-sizelimit.yaml": {
        CURRENT: [("shm-unbounded", 9, 7), ("shm-no-memory-limit", 13, 7)],
        LEGACY: [
            ("shm-sizelimit-not-applied", 9, 7),
            ("shm-unbounded", 9, 7),
            ("shm-no-memory-limit", 13, 7),
        ],
    },
    "03-sizelimit-256mi.yaml": {
        CURRENT: [("shm-no-memory-limit", 28, 11)],
        LEGACY: [("shm-sizelimit-not-applied", 23, 11), ("shm-no-memory-limit", 28, 11)],
    },
    "04-capped-by-memory-limit.yaml": {
        CURRENT: [("shm-capped-by-memory-limit", 12, 20)],
        LEGACY: [("shm-sizelimit-not-applied", 9, 7), ("shm-capped-by-memory-limit", 12, 20)],
    },
    "05-vllm-default-shm.yaml": {
        CURRENT: [("default-shm-ai-workload", 19, 11)],
        LEGACY: [("default-shm-ai-workload", 19, 11)],
    },
    "06-vllm-fixed.yaml": {CURRENT: [], LEGACY: [("shm-sizelimit-not-applied", 19, 11)]},
    "07-web-clean.yaml": {CURRENT: [], LEGACY: []},
    "08-host-shm.yaml": {
        CURRENT: [("shm-host-shared", 18, 11)],
        LEGACY: [("shm-host-shared", 18, 11)],
    },
}


def sarif_of(paths, node=CURRENT, stdin="", namespace=None):
    files = read_manifest_files([str(p) for p in paths], io.StringIO(stdin))
    documents = [(d.source, d.obj) for file in files for d in file.documents]
    report = audit_documents(documents, node, default_namespace=namespace)
    log = sarif_log([SarifSection(None, report, finding_locator(files, namespace))])
    assert sarif_errors(log) == []
    return log


def places(log):
    return [
        (
            result["ruleId"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            result["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for result in log["runs"][0]["results"]
    ]


def test_every_example_is_covered():
    assert sorted(EXPECTED) == sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("node", [CURRENT, LEGACY], ids=["current", "legacy"])
@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_examples_exact_lines(example, node):
    log = sarif_of([ROOT / "examples" / example], node)
    assert places(log) == EXPECTED[example][node]
    for result in log["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.endswith(f"examples/{example}")


def test_the_whole_directory_in_one_log(monkeypatch):
    monkeypatch.chdir(ROOT)
    log = sarif_of(["examples"])
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {f"examples/{name}" for name, by in EXPECTED.items() if by[CURRENT]}
    assert len(log["runs"][0]["results"]) == sum(len(by[CURRENT]) for by in EXPECTED.values())


def test_rules_one_per_id_with_help_and_readme_anchor():
    log = sarif_of([ROOT / "examples" / "05-vllm-default-shm.yaml"])
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.value for rule in Rule]
    readme = (ROOT / "README.md").read_text()
    for rule, entry in zip(Rule, rules, strict=True):
        assert entry["helpUri"] == help_uri(rule)
        assert entry["help"]["text"]
        # GitHub's anchor of the heading is the rule id; the text under it is the help.
        assert f"#### `{rule.value}`\n\n{RULE_HELP[rule].text()}\n" in readme
    [result] = log["runs"][0]["results"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert result["level"] == "error"


def test_levels_follow_severities():
    log = sarif_of([ROOT / "examples" / "02-memory-no-sizelimit.yaml"])
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels == {"shm-unbounded": "warning", "shm-no-memory-limit": "note"}


MULTI = """\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: a}
  spec:
    template:
      spec:
        containers:
        - name: web
          image: nginx
        - name: gpu
          image: busybox
          resources: {limits: {nvidia.com/gpu: 1}}
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec:
    containers:
    - name: main
      image: busybox
      volumeMounts:
      - {name: dshm, mountPath: /dev/shm, readOnly: true}
    volumes:
    - name: dshm
      emptyDir: {medium: Memory, sizeLimit: 1Gi}
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec:
  hostIPC: true
  containers:
  - name: main
    image: busybox
"""


def test_list_items_flow_mappings_mounts_and_host_ipc(tmp_path):
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI)
    assert places(sarif_of([path])) == [
        ("default-shm-ai-workload", 13, 11),  # the gpu container of item 0
        ("shm-read-only", 24, 9),  # the read-only mount, a flow mapping
        ("shm-no-memory-limit", 21, 7),
        ("shm-host-shared", 33, 3),  # the hostIPC key
    ]


def test_json_manifests(tmp_path):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "j"},
        "spec": {
            "containers": [{"name": "main", "image": "busybox"}],
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1m"}}],
        },
    }
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
    text = json.dumps(pod, indent=2)
    path = tmp_path / "pod.json"
    path.write_text(text)
    lines = text.splitlines()
    size_line = next(n for n, line in enumerate(lines, 1) if '"sizeLimit"' in line)
    size_column = lines[size_line - 1].index('"1m"') + 1
    found = dict((rule, (line, column)) for rule, line, column in places(sarif_of([path])))
    assert found["shm-smaller-than-default"] == (size_line, size_column)


def test_custom_resources_name_their_template(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text(
        "apiVersion: kubeflow.org/v1\n"
        "kind: PyTorchJob\n"
        "metadata: {name: t}\n"
        "spec:\n"
        "  pytorchReplicaSpecs:\n"
        "    Master:\n"
        "      template:\n"
        "        spec:\n"
        "          containers:\n"
        "          - name: pytorch\n"
        "            image: pytorch/pytorch:2.4\n"
        "    Worker:\n"
        "      template:\n"
        "        spec:\n"
        "          containers:\n"
        "          - name: pytorch\n"
        "            image: pytorch/pytorch:2.4\n"
    )
    log = sarif_of([path])
    assert places(log) == [("default-shm-ai-workload", 10, 13), ("default-shm-ai-workload", 16, 13)]
    prints = [r["partialFingerprints"]["kubectlShm/v1"] for r in log["runs"][0]["results"]]
    assert len(set(prints)) == 2  # Master and Worker are two findings


def test_merge_keys_and_aliases_point_at_what_they_reach(tmp_path):
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "base: &base\n"
        "  name: main\n"
        "  image: vllm/vllm-openai:v0.6.3\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata: {name: p}\n"
        "spec:\n"
        "  containers:\n"
        "  - <<: {name: main, image: vllm/vllm-openai:v0.6.3}\n"
        "    args: [x]\n"
    )
    assert places(sarif_of([path])) == [("default-shm-ai-workload", 10, 5)]


def test_stdin_has_a_logical_location_only():
    log = sarif_of(["-"], stdin=(ROOT / "examples" / "05-vllm-default-shm.yaml").read_text())
    [result] = log["runs"][0]["results"]
    [location] = result["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["fullyQualifiedName"] == ("serve/Deployment/vllm/vllm")


def test_positions_through_crlf_and_non_ascii(tmp_path):
    text = (ROOT / "examples" / "05-vllm-default-shm.yaml").read_text()
    text = text.replace("# Field report 2", "# Fëld report 2 ✓").replace("\n", "\r\n")
    path = tmp_path / "crlf.yaml"
    path.write_bytes(text.encode())
    assert places(sarif_of([path])) == [("default-shm-ai-workload", 19, 11)]


def test_live_findings_have_a_logical_location_with_the_context():
    report = audit_documents([("f", _vllm())], CURRENT)
    log = sarif_log([SarifSection("train", report)], baseline=True)
    assert sarif_errors(log) == []
    [result] = log["runs"][0]["results"]
    [logical] = result["locations"][0]["logicalLocations"]
    assert logical["fullyQualifiedName"] == "train/default/Deployment/v/main"
    assert result["properties"]["context"] == "train"
    assert result["baselineState"] == "new"


def _vllm():
    return {
        "kind": "Deployment",
        "metadata": {"name": "v"},
        "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "vllm/vllm"}]}}},
    }


def test_a_real_sarif_consumer_reads_files_lines_and_levels(tmp_path, monkeypatch):
    """Microsoft's sarif-tools, where installed (it pulls in matplotlib, so it is not in
    the test group): `pip install sarif-tools`."""
    loader = pytest.importorskip("sarif.loader", reason="sarif-tools is not installed")
    monkeypatch.chdir(ROOT)
    path = tmp_path / "audit.sarif"
    path.write_text(json.dumps(sarif_of(["examples"], LEGACY)))
    records = loader.load_sarif_file(str(path)).get_records()
    seen = sorted((r["Location"], r["Line"], r["Code"], r["Severity"]) for r in records)
    expected = sorted(
        (f"examples/{name}", line, rule, _LEVEL[Rule(rule).severity.value])
        for name, by in EXPECTED.items()
        for rule, line, _ in by[LEGACY]
    )
    assert seen == expected


_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
