"""Workload kinds `kubectl shm set` can target, and how targets are written on the command line.

Targets follow kubectl's forms: `TYPE/NAME ...`, `TYPE NAME ...`, and
`TYPE[,TYPE] -l SELECTOR` or `--all`. TYPE is a kind's short name, singular or
plural, optionally with its API group (`deploy`, `deployment`, `deployments.apps`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.errors import InputError


@dataclass(frozen=True)
class WorkloadKind:
    """A kind with a pod template, as the API serves it."""

    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    short: str
    # `kubectl rollout status/undo` exist for it (pkg/kubectl polymorphichelpers).
    rolls_out: bool
    # Why a live object of this kind cannot be changed (None: it can).
    live_refusal: str | None = None

    def label(self, name: str) -> str:
        """How messages name an object of this kind: 'deployment/web' (as the audit does)."""
        return f"{self.kind.lower()}/{name}"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


_JOB_REFUSAL = "a Job's pod template cannot change once the Job exists (spec.template is immutable)"
_POD_REFUSAL = "a Pod's volumes and volume mounts cannot change once the Pod exists"

KINDS: tuple[WorkloadKind, ...] = (
    WorkloadKind("Deployment", "apps", "v1", "deployments", "deploy", rolls_out=True),
    WorkloadKind("StatefulSet", "apps", "v1", "statefulsets", "sts", rolls_out=True),
    WorkloadKind("DaemonSet", "apps", "v1", "daemonsets", "ds", rolls_out=True),
    WorkloadKind("ReplicaSet", "apps", "v1", "replicasets", "rs", rolls_out=False),
    WorkloadKind("ReplicationController", "", "v1", "replicationcontrollers", "rc", False),
    WorkloadKind("CronJob", "batch", "v1", "cronjobs", "cj", rolls_out=False),
    WorkloadKind("Job", "batch", "v1", "jobs", "job", False, live_refusal=_JOB_REFUSAL),
    WorkloadKind("Pod", "", "v1", "pods", "po", False, live_refusal=_POD_REFUSAL),
)
BY_KIND = {kind.kind: kind for kind in KINDS}


def _aliases() -> dict[str, WorkloadKind]:
    table: dict[str, WorkloadKind] = {}
    for kind in KINDS:
        names = {kind.short, kind.kind.lower(), kind.plural}
        for name in names:
            table[name] = kind
            if kind.group:
                table[f"{name}.{kind.group}"] = kind
    return table


_ALIASES = _aliases()
LIVE_TYPES = "deployment, statefulset, daemonset, replicaset, replicationcontroller or cronjob"


@dataclass(frozen=True)
class Target:
    """One named object; `namespace` None means the one from -n or the context."""

    kind: WorkloadKind
    name: str
    namespace: str | None = None


@dataclass(frozen=True)
class TargetQuery:
    """What the command line asks for: named objects, or every object of some kinds."""

    named: tuple[Target, ...] = ()
    # With -l or --all: the kinds to list, and the selector (None: all of them).
    kinds: tuple[WorkloadKind, ...] = ()
    selector: str | None = None

    @property
    def listed(self) -> bool:
        return bool(self.kinds)


def workload_kind(word: str) -> WorkloadKind:
    """The kind a TYPE word names; InputError naming the accepted types otherwise."""
    kind = _ALIASES.get(word.strip().lower())
    if kind is None:
        raise InputError(
            f"unknown resource type {word!r}: use {LIVE_TYPES} (job and pod with --local -f)"
        )
    return kind


def parse_targets(
    words: Sequence[str], *, selector: str | None = None, all_objects: bool = False
) -> TargetQuery:
    """TYPE/NAME..., TYPE NAME..., or TYPE[,TYPE] with -l/--all; raises InputError."""
    if not words:
        raise InputError("no target: name one like deploy/NAME, or TYPE with -l or --all")
    if selector is not None or all_objects:
        if selector is not None and all_objects:
            raise InputError("-l and --all cannot be used together")
        if len(words) != 1 or "/" in words[0]:
            flag = "-l" if selector is not None else "--all"
            raise InputError(f"{flag} takes resource types only (e.g. deploy,sts), not names")
        kinds = tuple(dict.fromkeys(workload_kind(w) for w in words[0].split(",") if w))
        return TargetQuery(kinds=kinds, selector=selector)
    if "/" in words[0]:
        return TargetQuery(named=tuple(_slash_target(word) for word in words))
    kind = workload_kind(words[0])
    names = words[1:]
    if not names:
        raise InputError(
            f"no {kind.kind} named: use {kind.short}/NAME, {kind.short} NAME, -l or --all"
        )
    for name in names:
        if "/" in name:
            raise InputError(f"{name!r}: mix of TYPE NAME and TYPE/NAME forms; use one")
    return TargetQuery(named=tuple(Target(kind, name) for name in names))


def _slash_target(word: str) -> Target:
    kind_word, _, name = word.partition("/")
    if "/" not in word or not name or "/" in name:
        raise InputError(f"{word!r}: expected TYPE/NAME, e.g. deploy/web")
    return Target(workload_kind(kind_word), name)


def targets_in_manifests(objects: Sequence[Mapping[str, Any]]) -> TargetQuery:
    """The live objects that manifests name (`set -f FILE` without --local).

    Objects without a pod template (ConfigMaps, Services) are skipped; kinds
    this command cannot change live are refused by the caller like TYPE/NAME.
    """
    targets = _named_in(objects)
    if not targets:
        raise InputError(f"no {LIVE_TYPES} in the files (for other kinds use --local)")
    return TargetQuery(named=tuple(targets))


def _named_in(objects: Sequence[Mapping[str, Any]]) -> list[Target]:
    targets: list[Target] = []
    for obj in objects:
        items = obj.get("items")
        if obj.get("kind") == "List" and isinstance(items, list):
            targets.extend(_named_in([item for item in items if isinstance(item, Mapping)]))
            continue
        kind = BY_KIND.get(str(obj.get("kind")))
        metadata = obj.get("metadata")
        if kind is None or not isinstance(metadata, Mapping) or not metadata.get("name"):
            continue
        namespace = metadata.get("namespace")
        targets.append(Target(kind, str(metadata["name"]), str(namespace) if namespace else None))
    return targets
