"""What `inspect` and `diagnose` are pointed at, and which pods that means: pure.

`pod/NAME` or a bare `NAME` is one pod; `TYPE/NAME` is every pod of a
workload, found through its label selector as `kubectl logs deploy/NAME` does
(a CronJob's pods through the selectors of the Jobs it owns). TYPE takes
kubectl's names: short, singular or plural, optionally with the API group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.model.podspec import mapping
from kubectl_shm.model.workload_kinds import BY_KIND, WorkloadKind, workload_kind

TYPES_HELP = "pod, deploy, sts, ds, rs, rc, job or cronjob"


@dataclass(frozen=True)
class Target:
    """A pod, or a workload whose pods a command looks at."""

    kind: WorkloadKind
    name: str

    @property
    def label(self) -> str:
        return self.kind.label(self.name)


def parse_target(text: str) -> Target:
    """'pod/x', 'x', 'deploy/web', 'deployments.apps/web'; InputError otherwise."""
    text = text.strip()
    if "/" not in text:
        if not text:
            raise InputError("no target: name a pod, or TYPE/NAME (e.g. deploy/web)")
        return Target(BY_KIND["Pod"], text)
    word, _, name = text.partition("/")
    if not name or "/" in name or not word:
        raise InputError(f"{text!r}: expected pod/NAME, NAME or TYPE/NAME (e.g. deploy/web)")
    try:
        kind = workload_kind(word)
    except InputError as error:
        raise InputError(f"unknown resource type {word!r}: use {TYPES_HELP}") from error
    return Target(kind, name)


def label_selector(selector: Mapping[str, Any] | None) -> str:
    """A LabelSelector (matchLabels/matchExpressions) or a plain map, as a selector string.

    Raises ValueError for an empty selector, which would select every pod.
    """
    selector = mapping(selector)
    if "matchLabels" in selector or "matchExpressions" in selector:
        labels = mapping(selector.get("matchLabels"))
        expressions = selector.get("matchExpressions") or []
    else:
        labels, expressions = selector, []
    terms = [f"{key}={value}" for key, value in sorted(labels.items())]
    for expression in expressions:
        terms.append(_expression(mapping(expression)))
    if not terms:
        raise ValueError("empty selector")
    return ",".join(terms)


def _expression(expression: Mapping[str, Any]) -> str:
    key = expression.get("key")
    operator = expression.get("operator")
    values = ",".join(str(v) for v in expression.get("values") or [])
    if operator == "In":
        return f"{key} in ({values})"
    if operator == "NotIn":
        return f"{key} notin ({values})"
    if operator == "Exists":
        return str(key)
    if operator == "DoesNotExist":
        return f"!{key}"
    raise ValueError(f"unknown selector operator {operator!r}")
