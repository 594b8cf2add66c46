"""The size model once per distinct (pod spec, node, pod annotations) of a live audit,
and the rules skipped where they found nothing for the same question before.

Pods made from one template carry the same spec, and a cluster's nodes come in a few
kinds: a cluster-wide audit asks the model the same question thousands of times (every
bare pod, every controller on every node is a placement). The answer depends on
nothing else (`expected_shm` is pure), so it is computed once per distinct question.
Specs are compared by their JSON with sorted keys: they are the API server's, decoded
from JSON.

Whether a rule fires depends on the spec, the node and the usage alone; the workload
only names itself in the fix a message gives. So where the rules found nothing for an
answer without usage, they find nothing for any other workload with that answer: most
workloads are clean, and 10,000 bare pods are 10,000 workloads (DESIGN section 8).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_shm.audit.rules import Finding, evaluate
from kubectl_shm.json_codec import dumps_key
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.sizing import PodShm, expected_shm


class SizeModelMemo:
    """`expected_shm`, remembered: call it as the function itself; `evaluate` is the
    rules' function, remembered where they found nothing."""

    def __init__(self) -> None:
        self._answers: dict[tuple[bytes, NodeProfile, bytes], PodShm] = {}
        # Answers by id, and the ids of those the rules found clean: the memo keeps every
        # answer alive, so no other object has one of these ids while it lives.
        self._by_id: dict[int, PodShm] = {}
        self._clean: set[int] = set()

    def __call__(
        self,
        pod_spec: Mapping[str, Any],
        node: NodeProfile,
        annotations: Mapping[str, Any] | None = None,
    ) -> PodShm:
        key = (dumps_key(pod_spec), node, dumps_key(annotations) if annotations else b"")
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = expected_shm(pod_spec, node, annotations)
            self._by_id[id(answer)] = answer
        return answer

    def evaluate(
        self,
        workload: WorkloadRef,
        pod_spec: Mapping[str, Any],
        shm: PodShm,
        used_bytes: Mapping[str, int] | None = None,
    ) -> list[Finding]:
        """`rules.evaluate`, with no work for an answer of this memo found clean before."""
        mine = self._by_id.get(id(shm)) is shm
        if mine and not used_bytes and id(shm) in self._clean:
            return []
        findings = evaluate(workload, pod_spec, shm, used_bytes)
        if mine and not used_bytes and not findings:
            self._clean.add(id(shm))
        return findings

    def __len__(self) -> int:
        return len(self._answers)
