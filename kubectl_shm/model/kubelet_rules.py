"""Which of the kubelet's /dev/shm rules a kubelet of a given version follows (DESIGN section 2).

Every rule below was read in k8s.io/kubernetes at the release tags named; the version
table in DESIGN section 2 is this module in prose, and tests/unit/model/test_kubelet_rules.py
checks one worked example per row.

Whether the pod cgroup gets a memory limit (pkg/kubelet/cm/helpers_linux.go,
ResourceConfigForPod) depends on which containers must declare one:
- before 1.23 only app containers (v1.22.17: the loop covers pod.Spec.Containers);
- from 1.23 each init container too, on its own limit (v1.23.0, kubernetes#103107);
- from 1.28 to 1.36 an init container is checked on its own limit plus the limits of
  the sidecars declared before it (the cumulative ContainerFn of PodLimits: v1.28.15
  pkg/api/v1/resource/helpers.go, component-helpers v0.36.3 AggregateContainerLimits),
  so a sidecar with a limit "covers" a later init container without one;
- from 1.37 every init, sidecar and app container on its own limit (v1.37.2,
  ResourceConfigForPod loops over podutil.ContainerIter; ContainerFn is gone).
Sidecars (init containers with restartPolicy Always) exist from 1.28 (SidecarContainers);
an older kubelet runs such a container as an ordinary init container.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

Version = tuple[int, int, int]


class LimitCheck(str, Enum):
    """Which containers must declare a memory limit for the pod cgroup to get one."""

    APP_CONTAINERS = "app containers"
    EACH_CONTAINER = "each container"
    SIDECARS_COVER = "each container, counting the sidecars before an init container"


class KubeletRules(NamedTuple):
    """The rules of one kubelet release that decide a memory /dev/shm's size."""

    limit_check: LimitCheck
    sidecars: bool  # init containers with restartPolicy Always run beside the apps
    # The alpha gate InPlacePodVerticalScalingMemoryBackedVolumes exists (1.37):
    # sizeLimit can be resized in place, remounted as exactly sizeLimit.
    memory_volume_resize: bool


# (first minor, rules): each row holds until the next one.
_CHANGES: tuple[tuple[int, KubeletRules], ...] = (
    (0, KubeletRules(LimitCheck.APP_CONTAINERS, sidecars=False, memory_volume_resize=False)),
    (23, KubeletRules(LimitCheck.EACH_CONTAINER, sidecars=False, memory_volume_resize=False)),
    (28, KubeletRules(LimitCheck.SIDECARS_COVER, sidecars=True, memory_volume_resize=False)),
    (37, KubeletRules(LimitCheck.EACH_CONTAINER, sidecars=True, memory_volume_resize=True)),
)
# The newest release whose rules are known: an unknown version is taken to be it.
NEWEST_KNOWN_MINOR = 37


def kubelet_rules(version: Version | None) -> KubeletRules:
    """The rules of a kubelet of `version` (major 1); None means a current kubelet."""
    minor = NEWEST_KNOWN_MINOR if version is None else version[1]
    found = _CHANGES[0][1]
    for since, rules in _CHANGES:
        if minor >= since:
            found = rules
    return found
