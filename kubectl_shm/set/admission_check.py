"""Before a live change: what admission would do to it, from a server dry run.

Every changed object's patch is first sent with dryRun=All: the API server runs
defaulting, mutating admission (webhooks, MutatingAdmissionPolicies) and validating
admission (webhooks, ValidatingAdmissionPolicies) and answers with the object it would
store, or with the refusal. The /dev/shm volume and mounts of that object are compared
with the plan (set.admission_diff). A change or a refusal stops `set` before anything
is patched (exit 3), unless --force; `set` never reports a size that admission changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_shm.errors import ClusterError
from kubectl_shm.feedback import Feedback
from kubectl_shm.kube.admission import mutating_admission_for
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Conflict, Forbidden, Invalid, KubeError
from kubectl_shm.kube.patching import PatchOutcome, conditional, patch_workload
from kubectl_shm.model.podspec import mapping, volume_named
from kubectl_shm.model.quantity import QuantityError, nonnegative_bytes
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.model.workload_kinds import WorkloadKind
from kubectl_shm.set.admission_diff import (
    AdmissionChange,
    admission_changes,
    mutator_named,
    who_mutated,
)
from kubectl_shm.set.json_patch import patch_for
from kubectl_shm.set.plan import ShmPlan

# Words of the API server's refusals by admission (k8s.io/apiserver v0.37.2
# pkg/admission/plugin/policy/validating/dispatcher.go "ValidatingAdmissionPolicy '%s' with
# binding '%s' denied request", policy/generic/policy_dispatcher.go "policy '%s' ... denied
# request" (a MutatingAdmissionPolicy), webhook/errors/statuserror.go "admission webhook %q
# denied the request").
_ADMISSION_WORDS = ("denied request", "denied the request", "admission webhook")


class AdmissionRefused(ClusterError):
    """Admission refused the change, or would store something else than asked (exit 3)."""


def check_admission(
    kube: Kube,
    feedback: Feedback,
    *,
    kind: WorkloadKind,
    namespace: str,
    plan: ShmPlan,
    obj: Mapping[str, Any],
    force: bool,
) -> None:
    """Send the plan's patch as a server dry run and compare; AdmissionRefused unless
    `force` (then a warning). A conflict is left to the real patch (it re-reads)."""
    version = (obj.get("metadata") or {}).get("resourceVersion")
    try:
        stored = patch_workload(
            kube,
            kind=kind,
            namespace=namespace,
            name=plan.name,
            patch=conditional(patch_for(kind, plan), version),
            dry_run=True,
        )
    except Conflict:
        return
    except (Invalid, Forbidden) as error:
        raise refused_by_admission(error, plan.label, _asked(plan)) from error
    changes = admission_changes(plan, stored)
    if not changes:
        return
    message = _changed_message(kube, kind, plan, stored, changes)
    if not force:
        raise AdmissionRefused(f"{message}; nothing was patched (--force patches anyway)")
    feedback.warning(f"{message}; patching anyway (--force)")


def _changed_message(
    kube: Kube,
    kind: WorkloadKind,
    plan: ShmPlan,
    stored: Mapping[str, Any],
    changes: list[AdmissionChange],
) -> str:
    who = who_mutated(stored, plan) or _unnamed(kube, kind)
    return f"{plan.label}: {who} changed {_asked(plan)}: " + "; ".join(str(c) for c in changes)


def stored_as_planned(
    label: str, plan: ShmPlan, outcome: PatchOutcome, force: bool
) -> tuple[str, ...]:
    """After the patch: what admission stored instead of the plan on /dev/shm (a policy
    created since the dry run, or a webhook that answers otherwise). AdmissionRefused
    (exit 3) unless `force`, so `set` never reports a size that admission changed; with
    `force`, the changes, for the report."""
    changes = tuple(str(change) for change in admission_changes(plan, outcome.after))
    if changes and not force:
        raise AdmissionRefused(
            f"{label} was patched, but admission changed what is stored: {'; '.join(changes)}"
        )
    return changes


def check_template_size(
    kube: Kube,
    *,
    kind: WorkloadKind,
    label: str,
    stored: Mapping[str, Any],
    volume: str,
    size: str,
) -> None:
    """--in-place: the template's sizeLimit of `volume` in the server dry run's answer must
    be `size`; AdmissionRefused naming the mutator otherwise."""
    templates = find_pod_templates(stored)
    pod_spec = templates[0].pod_spec if len(templates) == 1 else {}
    found = mapping(mapping(volume_named(pod_spec, volume)).get("emptyDir")).get("sizeLimit")
    if found is not None and _same_size(found, size):
        return
    who = mutator_named(stored, pod_spec, volume) or _unnamed(kube, kind)
    got = "no sizeLimit" if found is None else f"sizeLimit {found}"
    raise AdmissionRefused(
        f"{label}: {who} changed /dev/shm {size}: volume {volume!r}: the API server would "
        f"store {got}; nothing was patched"
    )


def refused_by_admission(error: KubeError, label: str, asked: str) -> ClusterError:
    """`error` from a server dry run; as AdmissionRefused (one line naming the policy and
    its message) when admission refused the change, else unchanged."""
    if not any(word in str(error) for word in _ADMISSION_WORDS):
        return error
    return AdmissionRefused(
        f"{label}: admission refused {asked}; nothing was patched: {_server_message(error)}"
    )


def _same_size(found: object, size: str) -> bool:
    try:
        return nonnegative_bytes(found) == nonnegative_bytes(size)
    except QuantityError:
        return False


def _unnamed(kube: Kube, kind: WorkloadKind) -> str:
    """The mutator when the object names none: the candidates the cluster lists."""
    candidates = _candidates(kube, kind)
    if candidates is None:
        return (
            "mutating admission (unknown which: the API server's answer names none, and "
            "listing mutating policies and webhooks was not allowed)"
        )
    if candidates:
        return f"mutating admission, one of: {', '.join(candidates)}"
    return "mutating admission (none listed matches: a webhook on another rule?)"


def _candidates(kube: Kube, kind: WorkloadKind) -> list[str] | None:
    try:
        return mutating_admission_for(kube, group=kind.group, resource=kind.plural)
    except KubeError:
        return None


def _asked(plan: ShmPlan) -> str:
    return "the /dev/shm removal" if plan.request.remove else f"/dev/shm {plan.request.size}"


def _server_message(error: KubeError) -> str:
    text = str(error)
    # "patching deployment/x in namespace y (server dry run): <the server's message>"
    return text.split("): ", 1)[1] if "): " in text else text
