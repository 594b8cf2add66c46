"""The catalogue's regexes rewritten for RE2 find exactly what the originals find."""

from __future__ import annotations

import re

import pytest

from kubectl_shm.model.shm_users import catalogue
from kubectl_shm.policy.regex_re2 import UntranslatableRegex, re2_test
from kubectl_shm.policy.signals_cel import ai_signals

SAMPLES = [
    "pytorch/pytorch",
    "nvidia/pytorch",
    "mypytorch/app",
    "torch",
    "torchvision",
    "vllm/vllm-openai",
    "vllm-openai",
    "myvllm",
    "rayproject/ray",
    "ray-ml",
    "array",
    "stray/ray2",
    "tritonserver",
    "nvidia/tritonserver",
    "tgi",
    "tgis",
    "jax",
    "ajax",
    "nemo",
    "lmdeploy",
    "busybox",
    "nvidia.com/gpu",
    "NVIDIA.COM/GPU",
    "amd.com/gpu",
    "gpu.intel.com/i915",
    "gpu.intel.com/i915_monitoring",
    "gpu.intel.com/xe",
    "google.com/tpu",
    "cpu",
    "memory",
    "habana.ai/gaudi",
    "aws.amazon.com/neuroncore",
    "example.com/foo",
    "hugepages-2Mi",
    "torchrun --nproc 8 train.py",
    "python -m torch.distributed.run x",
    "deepspeed train.py",
    "accelerate launch x",
    "vllm serve --tensor-parallel-size 2",
    "--tp 1",
    "--tp=4",
    "--tp-size 08",
    "ray start --head",
    "xray start",
    "NCCL_DEBUG",
    "NCCL_SHM_DISABLE",
    "NCCL_SHM_DISABLED",
    "nccl_debug",
    "NCCL_",
    "CUDA_VISIBLE_DEVICES",
]


def _search(test, value: str) -> bool:
    found = re.search(test.pattern, value) is not None
    return found and not (test.unless and re.search(test.unless, value))


@pytest.mark.parametrize("signal", ai_signals(), ids=lambda s: s.id)
def test_every_ai_signal_translates_to_the_same_matches(signal):
    whole = signal.matched_by == "env"
    test = re2_test(signal.pattern.pattern, whole=whole)
    for value in SAMPLES:
        subject = value.lower() if signal.matched_by == "image" else value
        original = (
            signal.pattern.fullmatch(subject) if whole else signal.pattern.search(subject)
        ) is not None
        assert _search(test, subject) == original, (signal.id, value, test)


def test_a_lookahead_after_an_alternation_is_refused_not_guessed():
    # postgres (a known workload, not in the policy) has `(...)(?!-client)`: RE2 cannot
    # say it, and the translation says so instead of matching something else.
    [postgres] = [signal for signal in catalogue() if signal.id == "postgres"]
    with pytest.raises(UntranslatableRegex):
        re2_test(postgres.pattern.pattern)


def test_a_lookahead_after_a_pattern_is_refused():
    with pytest.raises(UntranslatableRegex):
        re2_test(r"a+(?!b)")


def test_the_negative_lookahead_becomes_an_unless():
    test = re2_test(r"^gpu\.intel\.com/(?!.*_monitoring$)")
    assert test.pattern == r"(?i)^gpu\.intel\.com/"
    assert test.unless == r"(?i)^gpu\.intel\.com/.*_monitoring$"
