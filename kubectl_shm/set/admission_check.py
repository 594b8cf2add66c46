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
from kubectl_shm.kube.patching import patch_workload
from kubectl_shm.model.workload_kinds import WorkloadKind
from kubectl_shm.set.admission_diff import AdmissionChange, admission_changes, who_mutated
from kubectl_shm.set.plan import ShmPlan

# Words of the API server's refusal messages from admission (v1.37.2 k8s.io/apiserver
# pkg/admission/plugin/policy/validating/dispatcher.go "... denied request"; webhook
# errors.go 'admission webhook "x" denied the request').
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
            patch=plan.patch(version),
            dry_run=True,
        )
    except Conflict:
        return
    except (Invalid, Forbidden) as error:
        if not any(word in str(error) for word in _ADMISSION_WORDS):
            raise
        raise AdmissionRefused(
            f"{plan.label}: admission refused {_asked(plan)}; nothing was patched: "
            f"{_server_message(error)}"
        ) from error
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
    who = who_mutated(stored, plan)
    if who is None:
        candidates = _candidates(kube, kind)
        who = (
            "mutating admission (unknown which: the API server's answer names none, and "
            "listing mutating policies and webhooks was not allowed)"
            if candidates is None
            else f"mutating admission, one of: {', '.join(candidates)}"
            if candidates
            else "mutating admission (none listed matches: a webhook on another rule?)"
        )
    return f"{plan.label}: {who} changed {_asked(plan)}: " + "; ".join(str(c) for c in changes)


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
