"""The catalogue of /dev/shm users: every entry fires on its example and names what fired,
and ordinary workloads fire nothing."""

from pathlib import Path

import pytest

from kubectl_shm.audit.report import Placement, audit_workload
from kubectl_shm.manifests.parsing import parse_manifests
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.shm_users import catalogue, matches
from kubectl_shm.model.templates import find_pod_templates

REPO = Path(__file__).parents[3]

# One container per catalogue entry, and what the finding says fired.
EXAMPLES = {
    "nvidia-gpu": ({"resources": {"limits": {"nvidia.com/gpu": 1}}}, "requests nvidia.com/gpu"),
    "amd-gpu": ({"resources": {"limits": {"amd.com/gpu": 1}}}, "requests amd.com/gpu"),
    "intel-gpu": ({"resources": {"limits": {"gpu.intel.com/xe": 1}}}, "requests gpu.intel.com/xe"),
    "habana-gaudi": ({"resources": {"limits": {"habana.ai/gaudi": 8}}}, "requests habana.ai/gaudi"),
    "aws-neuron": (
        {"resources": {"limits": {"aws.amazon.com/neuroncore": 2}}},
        "requests aws.amazon.com/neuroncore",
    ),
    "other-accelerator": (
        {"resources": {"limits": {"google.com/tpu": 4}}},
        "requests google.com/tpu",
    ),
    "pytorch-image": ({"image": "nvcr.io/nvidia/pytorch:24.01-py3"}, "runs pytorch"),
    "vllm-image": ({"image": "vllm/vllm-openai:v0.9.0"}, "runs vllm"),
    "sglang-image": ({"image": "lmsysorg/sglang:latest"}, "runs sglang"),
    "triton-image": ({"image": "nvcr.io/nvidia/tritonserver:24.05-py3"}, "runs tritonserver"),
    "ray-image": ({"image": "rayproject/ray:2.9.0"}, "runs ray"),
    "nvidia-ai-image": ({"image": "nvcr.io/nvidia/nemo:24.05"}, "runs nemo"),
    "torchrun": (
        {"image": "corp/trainer:1", "command": ["torchrun", "--nproc-per-node=8", "train.py"]},
        "runs 'torchrun'",
    ),
    "deepspeed-accelerate": (
        {"image": "corp/trainer:1", "command": ["accelerate", "launch", "train.py"]},
        "runs 'accelerate launch'",
    ),
    "tensor-parallel": (
        {"image": "corp/llm:1", "args": ["serve", "m", "--tensor-parallel-size", "4"]},
        "runs '--tensor-parallel-size 4'",
    ),
    "ray-start": ({"image": "corp/worker:1", "command": ["ray", "start", "--block"]}, "ray start"),
    "nccl-env": (
        {"image": "corp/trainer:1", "env": [{"name": "NCCL_SOCKET_IFNAME", "value": "eth0"}]},
        "sets NCCL_SOCKET_IFNAME",
    ),
    "postgres": ({"image": "postgres:16"}, "runs postgres"),
    "headless-browser": ({"image": "ghcr.io/puppeteer/puppeteer:22"}, "runs puppeteer"),
    "selenium-node": ({"image": "selenium/node-chrome:4.25"}, "runs selenium/node-chrome"),
    "oracle-database": ({"image": "container-registry.oracle.com/database/free:23"}, "runs"),
    "disable-dev-shm-usage": (
        {"image": "corp/scraper:1", "args": ["--headless", "--disable-dev-shm-usage"]},
        "runs '--disable-dev-shm-usage'",
    ),
    "selenium-disable-dshm": (
        {"image": "corp/node:1", "env": [{"name": "SE_BROWSER_ARGS_DISABLE_DSHM", "value": "x"}]},
        "sets SE_BROWSER_ARGS_DISABLE_DSHM",
    ),
    "nccl-shm-disable": (
        {"image": "corp/trainer:1", "env": [{"name": "NCCL_SHM_DISABLE", "value": "1"}]},
        "sets NCCL_SHM_DISABLE",
    ),
}


def test_every_entry_has_an_example_and_a_source():
    entries = {signal.id: signal for signal in catalogue()}
    assert set(entries) == set(EXAMPLES)
    assert all(signal.source and signal.meaning for signal in entries.values())


@pytest.mark.parametrize("entry", sorted(EXAMPLES))
def test_each_entry_fires_on_its_example_and_names_the_signal(entry):
    container, says = EXAMPLES[entry]
    found = [m for m in matches({"name": "main", **container}) if m.signal.id == entry]
    assert found, f"{entry} did not fire"
    assert says in found[0].describe()


ORDINARY = [
    {"image": "nginx:1.27"},
    {"image": "redis:7"},
    {"image": "busybox"},
    {"image": "python:3.12", "command": ["python", "app.py"]},
    {"image": "node:20", "args": ["server.js"]},
    {"image": "postgres:16", "command": ["psql", "-h", "db", "-c", "select 1"]},
    {"image": "bitnami/postgresql-client:16"},
    {"image": "grafana/grafana:11"},
    {"image": "xray/daemon"},
    {"image": "ghcr.io/corp/array-service:1"},
    {"image": "corp/app:1", "args": ["--tp", "1"]},
    {"image": "corp/app:1", "env": [{"name": "NCCL", "value": "x"}]},
    {"image": "corp/app:1", "resources": {"limits": {"memory": "1Gi", "cpu": "2"}}},
]


@pytest.mark.parametrize("container", ORDINARY, ids=lambda c: c["image"])
def test_ordinary_workloads_fire_nothing(container):
    assert matches({"name": "main", **container}) == []


# The default-shm and workaround findings each example and fixture has: the AI ones where
# they run AI without a /dev/shm volume, none anywhere else.
KNOWN_FINDINGS = {
    "05-vllm-default-shm.yaml": {"default-shm-ai-workload"},
    "pytorchjob.yaml": {"default-shm-ai-workload"},
    "raycluster.yaml": {"default-shm-ai-workload"},
}


def _examples_and_fixtures():
    for folder in (REPO / "examples", REPO / "tests" / "unit" / "fixtures"):
        yield from sorted(folder.glob("*.yaml"))


@pytest.mark.parametrize("path", list(_examples_and_fixtures()), ids=lambda p: p.name)
def test_the_examples_and_fixtures_keep_their_known_findings(path):
    """False positives are a defect: no signal fires where nothing asks for a big /dev/shm."""
    node = NodeProfile(kubelet_version="v1.34.4", allocatable_memory_bytes=64 * 2**30)
    rules = set()
    for document in parse_manifests(path.read_text(), str(path)):
        for template in find_pod_templates(document.obj):
            ref = WorkloadRef(template.kind, template.namespace, template.name)
            report = audit_workload(ref, [Placement(template.pod_spec, node)])
            rules |= {f.rule.value for f in report.findings}
    signalled = {r for r in rules if r.startswith("default-shm") or r == "shm-workaround"}
    assert signalled == KNOWN_FINDINGS.get(path.name, set())
