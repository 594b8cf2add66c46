"""What each rule means and how to fix what it finds, for tools that show a rule's help
(SARIF's `rules`). The README has a heading per rule id, the anchor of its help page."""

from __future__ import annotations

from typing import NamedTuple

from kubectl_shm.audit.rules import Rule

HOMEPAGE = "https://github.com/kubectl-shm/kubectl-shm"


class RuleHelp(NamedTuple):
    summary: str  # one sentence
    fix: str  # what to do about it

    def text(self) -> str:
        return f"{self.summary} Fix: {self.fix}"


def help_uri(rule: Rule) -> str:
    """The README's section for `rule` (GitHub's anchor of the heading `rule-id`)."""
    return f"{HOMEPAGE}#{rule.value}"


_SET = "kubectl shm set TYPE/NAME SIZE (a memory emptyDir at /dev/shm with a sizeLimit)"

RULE_HELP: dict[Rule, RuleHelp] = {
    Rule.DEFAULT_SHM_AI_WORKLOAD: RuleHelp(
        "An AI workload (accelerator, AI framework image, launcher, NCCL) has no volume at "
        "/dev/shm and gets the runtime's 64Mi: DataLoader workers and NCCL fail with "
        "'bus error'.",
        _SET + ".",
    ),
    Rule.SIZELIMIT_NOT_APPLIED: RuleHelp(
        "A memory emptyDir at /dev/shm on a kubelet that does not size memory volumes "
        "(SizeMemoryBackedVolumes off): the tmpfs is half the node's RAM and the pod is "
        "evicted past sizeLimit.",
        "enable SizeMemoryBackedVolumes on the kubelet, or upgrade it to 1.22 or later.",
    ),
    Rule.HOST_SHARED: RuleHelp(
        "/dev/shm is the host's (a hostPath volume or hostIPC): every such pod on the node "
        "shares it and can read or fill it.",
        _SET + " --overwrite.",
    ),
    Rule.CAPPED_BY_MEMORY_LIMIT: RuleHelp(
        "The sizeLimit of /dev/shm is larger than the pod's memory limit, which caps it: "
        "shm pages count against the limit (OOM kill, not ENOSPC).",
        "raise the memory limit above the sizeLimit, or lower the size.",
    ),
    Rule.UNBOUNDED: RuleHelp(
        "A memory emptyDir at /dev/shm has no sizeLimit: it may take the pod's memory "
        "limit or the node's allocatable memory.",
        _SET + ".",
    ),
    Rule.DISK_BACKED: RuleHelp(
        "An emptyDir at /dev/shm without medium: Memory is a directory on the node's disk, "
        "not a tmpfs.",
        _SET + ".",
    ),
    Rule.NEAR_FULL: RuleHelp(
        "Live usage of /dev/shm is at or above 80% of its size.",
        "a larger size: " + _SET + ".",
    ),
    Rule.NO_MEMORY_LIMIT: RuleHelp(
        "Memory-backed /dev/shm in a pod with no memory limit: shm pages are bounded only "
        "by sizeLimit or the node.",
        "give every container a memory limit.",
    ),
    Rule.INVALID_QUANTITY: RuleHelp(
        "A quantity in the pod template cannot be used by Kubernetes (not a quantity, "
        "negative, or too large to count).",
        "use a value like 512Mi or 2Gi.",
    ),
    Rule.VOLUME_INVALID: RuleHelp(
        "The volume at /dev/shm stops the pod from starting: an emptyDir medium the kubelet "
        "does not know, or HugePages without a hugepages request.",
        _SET + " --overwrite.",
    ),
    Rule.READ_ONLY: RuleHelp(
        "/dev/shm is read-only (readOnly: true, or a secret, configMap, projected or "
        "downwardAPI volume): shm_open fails.",
        "drop readOnly: true from the mount, or " + _SET + " --overwrite.",
    ),
    Rule.RUNTIME_ANNOTATION: RuleHelp(
        "On CRI-O, /dev/shm is sized by a pod annotation only if the runtime handler "
        "allows that annotation, which the API does not show.",
        _SET + " (works on every runtime).",
    ),
    Rule.SMALLER_THAN_DEFAULT: RuleHelp(
        "The sizeLimit of the memory emptyDir at /dev/shm makes it smaller than the "
        "runtime's 64Mi default, most often a unit typo (512m is 0.512 bytes).",
        "the size meant, e.g. 512Mi: " + _SET + ".",
    ),
    Rule.RESIZE_NOT_APPLIED: RuleHelp(
        "The /dev/shm tmpfs is mounted at another size than the pod spec now implies: the "
        "kubelet sizes it once, when the pod starts.",
        "restart the pod; on a 1.37 kubelet with "
        "InPlacePodVerticalScalingMemoryBackedVolumes, kubectl shm set pod/NAME SIZE.",
    ),
    Rule.DEFAULT_SHM_KNOWN_WORKLOAD: RuleHelp(
        "A well-known /dev/shm user (PostgreSQL, headless Chromium, Selenium, Oracle "
        "Database) has no volume at /dev/shm and gets the runtime's 64Mi.",
        _SET + ".",
    ),
    Rule.WORKAROUND: RuleHelp(
        "A container works around a small /dev/shm (--disable-dev-shm-usage, "
        "NCCL_SHM_DISABLE, SE_BROWSER_ARGS_DISABLE_DSHM).",
        "a memory emptyDir of the size it needs: " + _SET + ".",
    ),
    Rule.SIZE_FROM_POLICY: RuleHelp(
        "The sizeLimit of the memory emptyDir at /dev/shm was set by an admission policy or "
        "webhook (a generic 'every emptyDir gets a sizeLimit' rule), not chosen for the "
        "workload's shared memory.",
        "choose the size the workload needs and make it explicit: "
        + _SET
        + "; exempt /dev/shm from the policy.",
    ),
}
