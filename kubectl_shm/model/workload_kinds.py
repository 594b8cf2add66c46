"""Workload kinds `kubectl shm set` can target, and how targets are written on the command line.

Targets follow kubectl's forms: `TYPE/NAME ...`, `TYPE NAME ...`, and
`TYPE[,TYPE] -l SELECTOR` or `--all`. TYPE is a kind's short name, singular or
plural, optionally with its API group (`deploy`, `deployment`, `deployments.apps`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.model.templates import NOT_WORKLOADS, find_pod_templates


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
    # A custom resource found through API discovery: patched with a JSON patch, since
    # the API server applies no strategic merge patch to it.
    custom: bool = False

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


def _plural(word: str) -> str:
    if word.endswith("y"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith("s") else "s")


# Built-in kinds without pod templates, as kubectl names them: refused without asking
# the cluster (any other word may be a custom resource, looked up through discovery).
_NOT_WORKLOAD_WORDS = frozenset(
    {word for kind in NOT_WORKLOADS for word in (kind.lower(), _plural(kind.lower()))}
    | {"svc", "cm", "ns", "sa", "pvc", "pv", "ing", "netpol", "ep", "hpa", "pdb", "sc"}
    | {"no", "ev", "limits", "quota", "pc", "crd", "crds", "endpoints"}
)
LIVE_TYPES = "deployment, statefulset, daemonset, replicaset, replicationcontroller or cronjob"


# Resolves a TYPE word that is no built-in workload kind (a custom resource, through
# API discovery); None when the cluster serves no such resource either.
KindResolver = Callable[[str], WorkloadKind | None]
# The same for the apiVersion and kind a manifest names.
ServedKindResolver = Callable[[str, str], WorkloadKind | None]


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


def workload_kind(word: str, resolve: KindResolver | None = None) -> WorkloadKind:
    """The kind a TYPE word names (built-in first, then `resolve`); InputError otherwise."""
    kind = _ALIASES.get(word.strip().lower())
    if kind is None and resolve is not None and word.strip().lower() not in _NOT_WORKLOAD_WORDS:
        kind = resolve(word)
    if kind is None:
        raise InputError(
            f"unknown resource type {word!r}: use {LIVE_TYPES} (job and pod with --local -f)"
        )
    return kind


def parse_targets(
    words: Sequence[str],
    *,
    selector: str | None = None,
    all_objects: bool = False,
    resolve: KindResolver | None = None,
) -> TargetQuery:
    """TYPE/NAME..., TYPE NAME..., or TYPE[,TYPE] with -l/--all; raises InputError.

    `resolve` names the kinds that are not built in (custom resources).
    """
    if not words:
        raise InputError("no target: name one like deploy/NAME, or TYPE with -l or --all")
    if selector is not None or all_objects:
        if selector is not None and all_objects:
            raise InputError("-l and --all cannot be used together")
        if len(words) != 1 or "/" in words[0]:
            flag = "-l" if selector is not None else "--all"
            raise InputError(f"{flag} takes resource types only (e.g. deploy,sts), not names")
        kinds = tuple(dict.fromkeys(workload_kind(w, resolve) for w in words[0].split(",") if w))
        return TargetQuery(kinds=kinds, selector=selector)
    if "/" in words[0]:
        return TargetQuery(named=tuple(_slash_target(word, resolve) for word in words))
    kind = workload_kind(words[0], resolve)
    names = words[1:]
    if not names:
        raise InputError(
            f"no {kind.kind} named: use {kind.short}/NAME, {kind.short} NAME, -l or --all"
        )
    for name in names:
        if "/" in name:
            raise InputError(f"{name!r}: mix of TYPE NAME and TYPE/NAME forms; use one")
    return TargetQuery(named=tuple(Target(kind, name) for name in names))


def _slash_target(word: str, resolve: KindResolver | None) -> Target:
    kind_word, _, name = word.partition("/")
    if "/" not in word or not name or "/" in name:
        raise InputError(f"{word!r}: expected TYPE/NAME, e.g. deploy/web")
    return Target(workload_kind(kind_word, resolve), name)


def targets_in_manifests(
    objects: Sequence[Mapping[str, Any]], resolve: ServedKindResolver | None = None
) -> TargetQuery:
    """The live objects that manifests name (`set -f FILE` without --local).

    Objects without a pod template (ConfigMaps, Services) are skipped; so are other
    kinds unless `resolve` (apiVersion, kind) knows them (custom resources). Kinds
    this command cannot change live are refused by the caller like TYPE/NAME.
    """
    targets = _named_in(objects, resolve)
    if not targets:
        raise InputError(f"no {LIVE_TYPES} in the files (for other kinds use --local)")
    return TargetQuery(named=tuple(targets))


def _named_in(
    objects: Sequence[Mapping[str, Any]], resolve: ServedKindResolver | None
) -> list[Target]:
    targets: list[Target] = []
    for obj in objects:
        items = obj.get("items")
        if obj.get("kind") == "List" and isinstance(items, list):
            items = [item for item in items if isinstance(item, Mapping)]
            targets.extend(_named_in(items, resolve))
            continue
        kind = BY_KIND.get(str(obj.get("kind")))
        if kind is None and resolve is not None and find_pod_templates(obj):
            kind = resolve(str(obj.get("apiVersion")), str(obj.get("kind")))
        metadata = obj.get("metadata")
        if kind is None or not isinstance(metadata, Mapping) or not metadata.get("name"):
            continue
        namespace = metadata.get("namespace")
        targets.append(Target(kind, str(metadata["name"]), str(namespace) if namespace else None))
    return targets
