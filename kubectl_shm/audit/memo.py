"""The size model once per distinct (pod spec, node, pod annotations) of a live audit.

Pods made from one template carry the same spec, and a cluster's nodes come in a few
kinds: a cluster-wide audit asks the model the same question thousands of times (every
bare pod, every controller on every node is a placement). The answer depends on
nothing else (`expected_shm` is pure), so it is computed once per distinct question.
Specs are compared by their JSON with sorted keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_shm.json_codec import dumps_key
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.sizing import PodShm, expected_shm


class SizeModelMemo:
    """`expected_shm`, remembered: call it as the function itself."""

    def __init__(self) -> None:
        self._answers: dict[tuple[bytes, NodeProfile, bytes], PodShm] = {}

    def __call__(
        self,
        pod_spec: Mapping[str, Any],
        node: NodeProfile,
        annotations: Mapping[str, Any] | None = None,
    ) -> PodShm:
        try:
            key = (dumps_key(pod_spec), node, dumps_key(annotations) if annotations else b"")
        except TypeError:  # not JSON (a YAML date, say): no key to compare it by
            return expected_shm(pod_spec, node, annotations)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = expected_shm(pod_spec, node, annotations)
        return answer

    def __len__(self) -> int:
        return len(self._answers)
