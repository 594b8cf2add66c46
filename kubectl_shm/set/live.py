"""`kubectl shm set` on live objects: read, plan, warn, patch, report, follow the rollout.

Nothing is patched until every target has been read and planned, so a refused
target stops the command before any change. Each patch is first
sent as a server dry run (validation, admission, RBAC: set.admission_check), then for real;
each object gets exactly one patch, conditional on the version it was planned
from and rebuilt from a fresh read on conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.errors import ClusterError, InputError, ShmError
from kubectl_shm.feedback import Feedback
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Conflict, KubeError
from kubectl_shm.kube.patching import (
    PatchOutcome,
    patch_with_retry,
)
from kubectl_shm.kube.workloads import get_workload, list_workloads
from kubectl_shm.model.ownership import controller_of
from kubectl_shm.model.workload_kinds import BY_KIND, Target, TargetQuery, WorkloadKind
from kubectl_shm.set.admission_check import check_admission, stored_as_planned
from kubectl_shm.set.cluster import RolloutFailed, cluster_nodes, follow_rollout, undo_commands
from kubectl_shm.set.json_patch import patch_for
from kubectl_shm.set.management import management_warning, managers_of
from kubectl_shm.set.operators import check_operator_owned, operator_owner
from kubectl_shm.set.plan import ShmPlan, ShmRefused, ShmRequest, plan_shm
from kubectl_shm.set.rollout import rollout_effect
from kubectl_shm.set.warnings import size_warnings

__all__ = [
    "LiveOptions",
    "RolloutFailed",
    "SetItem",
    "follow_rollouts",
    "refuse_fixed_targets",
    "set_live",
]


@dataclass(frozen=True)
class LiveOptions:
    """How `set` applies its plan to the cluster: dry run, waiting."""

    dry_run: str  # none, client or server
    wait: bool
    timeout: float | None
    # --force: patch an object an operator owns anyway (set.operators), and where
    # admission would change the /dev/shm asked for (set.admission_check).
    force: bool = False


@dataclass
class SetItem:
    """One target of `set`: the object read, its plan and, once patched, the outcome."""

    kind: WorkloadKind
    namespace: str
    obj: dict[str, Any]
    plan: ShmPlan
    outcome: PatchOutcome | None = None
    # What admission stored instead of the plan on /dev/shm (only with --force).
    admission: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.kind.label(self.plan.name)

    @property
    def result(self) -> Mapping[str, Any]:
        if self.outcome is not None:
            return self.outcome.after
        return self.plan.after


def refuse_fixed_targets(
    connect: Callable[[], Kube], query: TargetQuery, request: ShmRequest
) -> None:
    """Live Jobs and Pods cannot change: ShmRefused with what to change instead.

    Runs before anything else; the cluster is asked (through `connect`) only to
    name the owner to change, and a cluster that cannot answer still gets the refusal.
    """
    for target in query.named:
        if target.kind.live_refusal:
            _refuse(connect, target, request)
    for kind in query.kinds:
        if kind.live_refusal:
            raise ShmRefused(f"cannot change {kind.plural} in place: {kind.live_refusal}")


def set_live(
    kube: Kube,
    feedback: Feedback,
    query: TargetQuery,
    request: ShmRequest,
    options: LiveOptions,
    *,
    explicit_namespace: str | None = None,
) -> list[SetItem]:
    """Read and plan every target, warn, then patch each changed one; the items, in order.

    `explicit_namespace` is -n: a target that a manifest puts elsewhere is refused.
    """
    items = [
        SetItem(kind, namespace, obj, _plan(kind, obj, request))
        for kind, namespace, obj in _resolve(kube, query, explicit_namespace)
    ]
    changed = [(item.label, item.namespace, item.obj) for item in items if item.plan.changed]
    owned = check_operator_owned(kube, changed, request.size, force=options.force)
    _warn(feedback, kube, items, request)
    for warning in owned:
        feedback.warning(warning)
    _patch_all(feedback, kube, items, request, options)
    return items


def follow_rollouts(
    kube: Kube, feedback: Feedback, items: Sequence[SetItem], *, timeout: float | None
) -> None:
    """Wait for the pods of every patched item; RolloutFailed (exit 3) at the first failure."""
    for item in items:
        if item.outcome is not None and item.outcome.patched:
            follow_rollout(
                feedback,
                kube,
                item.kind,
                item.namespace,
                item.result,
                undo=undo_commands(item.kind, item.namespace, item.plan),
                timeout=timeout,
            )


def _resolve(
    kube: Kube, query: TargetQuery, explicit_namespace: str | None
) -> list[tuple[WorkloadKind, str, dict[str, Any]]]:
    namespace = kube.namespace
    if query.listed:
        found = [
            (kind, namespace, obj)
            for kind in query.kinds
            for obj in list_workloads(kube, kind=kind, namespace=namespace, selector=query.selector)
        ]
        if not found:
            kinds = ", ".join(kind.plural for kind in query.kinds)
            matching = f" matching {query.selector!r}" if query.selector else ""
            raise InputError(f"no {kinds}{matching} in namespace {namespace!r}")
        return found
    resolved, seen = [], set()
    for target in query.named:
        if explicit_namespace and target.namespace and target.namespace != explicit_namespace:
            raise InputError(
                f"{target.kind.label(target.name)} is in namespace {target.namespace!r} "
                f"in the file, not {explicit_namespace!r} (-n)"
            )
        where = target.namespace or namespace
        key = (target.kind.kind, where, target.name)
        if key in seen:
            continue
        seen.add(key)
        obj = get_workload(kube, kind=target.kind, namespace=where, name=target.name)
        resolved.append((target.kind, where, obj))
    return resolved


def _plan(kind: WorkloadKind, obj: Mapping[str, Any], request: ShmRequest) -> ShmPlan:
    plan = plan_shm(obj, request)
    owner = controller_of(plan.before.get("metadata") or {})
    if kind.kind == "ReplicaSet" and owner is not None and owner.get("kind") == "Deployment":
        size = request.size or "--remove"
        raise ShmRefused(
            f"{kind.label(plan.name)} belongs to Deployment {owner.get('name')!r}, which "
            f"replaces its pod template at the next rollout: run kubectl shm set "
            f"deployment/{owner.get('name')} {size}"
        )
    return plan


def _warn(feedback: Feedback, kube: Kube, items: Sequence[SetItem], request: ShmRequest) -> None:
    warnings: list[str] = []
    nodes = None if request.remove else cluster_nodes(kube, warnings)
    for item in items:
        warnings.extend(size_warnings(item.plan, nodes))
        if not item.plan.changed:
            continue
        managed = management_warning(item.label, managers_of(item.obj), request.size)
        if managed:
            warnings.append(managed)
        owner = controller_of(item.obj.get("metadata") or {})
        if owner is not None and item.kind.kind != "ReplicaSet" and not operator_owner(item.obj):
            warnings.append(
                f"{item.label} is controlled by {owner.get('kind')} {owner.get('name')!r}, "
                f"which may put its own pod template back: change it there instead"
            )
    for warning in dict.fromkeys(warnings):
        feedback.warning(warning)


def _patch_all(
    feedback: Feedback,
    kube: Kube,
    items: Sequence[SetItem],
    request: ShmRequest,
    options: LiveOptions,
) -> None:
    changed = [item for item in items if item.plan.changed]
    # Server dry runs first: what admission does, before anything is announced or changed.
    for item in changed if options.dry_run != "client" else ():
        check_admission(
            kube,
            feedback,
            kind=item.kind,
            namespace=item.namespace,
            plan=item.plan,
            obj=item.obj,
            force=options.force,
        )
    for item in changed:
        _announce(feedback, item, options)
    if options.dry_run == "client":
        return
    done: list[str] = []
    for item in changed:
        try:
            _patch(feedback, kube, item, request, options)
        except ShmError as error:
            if not done:
                raise
            family = InputError if isinstance(error, InputError) else ClusterError
            raise family(f"{error} (already patched: {', '.join(done)})") from error
        done.append(item.label)


def _announce(feedback: Feedback, item: SetItem, options: LiveOptions) -> None:
    """Before patching: the diff (on a terminal), then what the change will do to the pods."""
    for path, before, after in item.plan.template_diffs():
        feedback.diff(before, after, f"{item.label} {path}")
    if options.dry_run != "none":
        return
    _, effect = rollout_effect(item.obj)
    undo = " or ".join(f"`{c}`" for c in undo_commands(item.kind, item.namespace, item.plan))
    feedback.note(
        f"{item.label}: {item.plan.summary()}: {effect}." + (f" Undo: {undo}." if undo else "")
    )


def _patch(
    feedback: Feedback, kube: Kube, item: SetItem, request: ShmRequest, options: LiveOptions
) -> None:
    def build(obj: dict[str, Any]) -> dict[str, Any] | list[dict[str, Any]] | None:
        item.plan = _plan(item.kind, obj, request)
        return patch_for(item.kind, item.plan) if item.plan.changed else None

    try:
        item.outcome = patch_with_retry(
            kube,
            kind=item.kind,
            namespace=item.namespace,
            name=item.plan.name,
            build=build,
            dry_run=options.dry_run == "server",
            first_read=item.obj,
        )
    except Conflict as error:
        raise ClusterError(f"{item.label} kept changing while being patched: {error}") from error
    if item.outcome.patched:  # admission may differ from the dry run (a policy since)
        item.admission = stored_as_planned(item.label, item.plan, item.outcome, options.force)
    conflicts = item.outcome.attempts - 1
    if conflicts:
        feedback.note(
            f"{item.label} changed while it was being patched: read it again and retried "
            f"({conflicts} conflict{'s' if conflicts > 1 else ''})"
        )


def _refuse(connect: Callable[[], Kube], target: Target, request: ShmRequest) -> None:
    """Live Jobs and Pods: say why not, and what to change instead (their owner, if any)."""
    kind = target.kind
    alternative = None
    try:
        kube = connect()
        try:
            alternative = owner_alternative(kube, target, request)
        finally:
            kube.close()
    except KubeError:
        pass  # no owner to suggest
    if alternative is None:
        noun = kind.kind
        alternative = (
            f"edit its manifest and create the {noun} again: "
            f"kubectl shm set -f {noun.lower()}.yaml --local {request.size or 'SIZE'} -o yaml"
        )
    raise ShmRefused(
        f"cannot change {kind.label(target.name)} in place: {kind.live_refusal}; {alternative}"
    )


def owner_alternative(kube: Kube, target: Target, request: ShmRequest) -> str | None:
    namespace = target.namespace or kube.namespace
    obj = get_workload(kube, kind=target.kind, namespace=namespace, name=target.name)
    owner = controller_of(obj.get("metadata") or {})
    if owner is not None and owner.get("kind") == "ReplicaSet":
        replica_set = get_workload(
            kube, kind=BY_KIND["ReplicaSet"], namespace=namespace, name=str(owner.get("name"))
        )
        owner = controller_of(replica_set.get("metadata") or {}) or owner
    if owner is None:
        return None
    owner_kind = BY_KIND.get(str(owner.get("kind")))
    if owner_kind is None or owner_kind.live_refusal:
        return f"change what creates it ({owner.get('kind')} {owner.get('name')!r}) instead"
    size = request.size or "--remove"
    return (
        f"change its {owner_kind.kind} instead: kubectl shm set "
        f"{owner_kind.kind.lower()}/{owner.get('name')} {size} -n {namespace}"
    )
