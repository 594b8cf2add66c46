"""The audit rules that admission can decide from one object, as CEL validations.

Each rule is the condition under which audit.rules reports it for a container of a
pod spec on a current node (containerd, SizeMemoryBackedVolumes on, 1.37 kubelet
rules: what `audit -f` assumes without flags). A validation holds when no container
breaks the rule; its message names the rule id, the containers and the fix, like the
audit's. What CEL does not cover is listed in DESIGN section 6b.
"""

from __future__ import annotations

from typing import NamedTuple

from kubectl_shm.policy import podspec_cel as spec
from kubectl_shm.policy.signals_cel import ai_signal


class AdmissionRule(NamedTuple):
    """One rule id, its per-container condition on `c`, and what the message says."""

    id: str
    breaks: str
    what: str
    fix: str = "' + variables.fix + '"


def _emptydir(condition: str) -> str:
    return f"(has(v.emptyDir) && {condition})"


_VALID_MEDIUM = (
    f"({spec.medium()} in ['', 'Memory'] || (({spec.medium()} == 'HugePages' || "
    f"{spec.medium()}.startsWith('HugePages-')) && "
    + spec.requests_resource_starting(
        f"({spec.medium()}.contains('-') ? 'hugepages-' + {spec.medium()}.substring(10) "
        f": 'hugepages-')"
    )
    + "))"
)
_INVALID = _emptydir(f"!{_VALID_MEDIUM}")
_MEMORY = _emptydir(f"{spec.medium()} == 'Memory'")


def _on_volume(c: str, condition: str) -> str:
    return spec.with_shm_volume(c, condition)


RULES: tuple[AdmissionRule, ...] = (
    AdmissionRule(
        "default-shm-ai-workload",
        f"(!variables.hostIPC && {spec.no_shm_mount('c')} && {ai_signal('c')})",
        "looks like an AI workload (an accelerator, or a known AI image, launcher or "
        "NCCL setting) but has no volume at /dev/shm: it gets the runtime's 64Mi, and "
        "DataLoader workers or NCCL fail with 'bus error'",
    ),
    AdmissionRule(
        "shm-host-shared",
        f"((variables.hostIPC && {spec.no_shm_mount('c')}) || "
        f"{_on_volume('c', 'has(v.hostPath)')})",
        "/dev/shm is the node's (hostIPC or a hostPath volume): every such pod on the "
        "node shares it and can read or fill it",
        "use a private memory emptyDir instead: ' + variables.fix + ' --overwrite",
    ),
    AdmissionRule(
        "shm-volume-invalid",
        _on_volume("c", _INVALID),
        "the pod never starts: its emptyDir at /dev/shm has a medium the kubelet refuses "
        "(unknown, or HugePages without a hugepages request)",
        "' + variables.fix + ' --overwrite",
    ),
    AdmissionRule(
        "shm-read-only",
        _on_volume(
            "c",
            f"!{_INVALID} && ((has(m.readOnly) && m.readOnly == true) || (!has(v.hostPath) "
            f"&& !has(v.emptyDir) && {spec.read_only_source()}))",
        ),
        "/dev/shm is read-only (readOnly: true, or a secret, configMap, projected or "
        "downwardAPI volume): shm_open and DataLoader workers fail with 'Read-only file system'",
        "drop readOnly: true from the /dev/shm volumeMount, or ' + variables.fix + ' --overwrite",
    ),
    AdmissionRule(
        "shm-disk-backed",
        _on_volume("c", _emptydir(f"{spec.medium()} == ''")),
        "its emptyDir at /dev/shm has no medium: Memory, so it is a directory on the node's "
        "disk, not a tmpfs",
    ),
    AdmissionRule(
        "shm-unbounded",
        _on_volume("c", f"{_MEMORY} && !{spec.size_limit_set()}"),
        "its memory emptyDir at /dev/shm has no sizeLimit: it gets the pod memory limit or "
        "the node's memory, more than it likely needs",
    ),
    AdmissionRule(
        "shm-capped-by-memory-limit",
        _on_volume(
            "c",
            f"{_MEMORY} && {spec.size_limit_set()} && variables.podMemoryLimit >= 0 && "
            "quantity(v.emptyDir.sizeLimit).isGreaterThan("
            "quantity(string(variables.podMemoryLimit)))",
        ),
        "the sizeLimit of its memory emptyDir at /dev/shm is larger than the pod memory limit: "
        "shm pages count against that limit (OOM kill, not ENOSPC)",
        "raise the memory limit, or lower the size: ' + variables.fix + '",
    ),
)

BY_ID = {rule.id: rule for rule in RULES}


class Validation(NamedTuple):
    expression: str
    message_expression: str


def validation(rule: AdmissionRule) -> Validation:
    """The ValidatingAdmissionPolicy validation for `rule`: no container breaks it."""
    broken = f"variables.containers.filter(c, {rule.breaks})"
    expression = f"variables.windows || !variables.containers.exists(c, {rule.breaks})"
    message = (
        f"'{rule.id}: container ' + {broken}.map(c, c.name).join(', ') + "
        f"': {_quoted(rule.what)}. Fix: {rule.fix}'"
    )
    return Validation(expression, message)


def _quoted(text: str) -> str:
    return text.replace("'", "\\'")
