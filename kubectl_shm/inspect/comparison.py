"""Inspect: the /dev/shm a running container really has, beside what the model expects.

Pure: the kube adapter runs `df`, reads /proc/mounts or the kubelet stats and
hands the raw results here; this module turns them into observations,
compares them with `expected_shm` for the pod's node, and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kubectl_shm.inspect.df import (
    DfFormatError,
    df_shm_row,
    parse_proc_mounts,
    shm_mount_entry,
    tmpfs_size_bytes,
)
from kubectl_shm.inspect.explanations import explain
from kubectl_shm.model.exec_output import ExecOutput
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.podspec import (
    SHM_PATH,
    all_containers,
    container_name,
    containers_of,
    mapping,
    shm_mount,
    volume_named,
)
from kubectl_shm.model.sizing import Basis, ContainerShm, ShmSource, expected_shm
from kubectl_shm.model.volume_stats import VolumeStats, sizes_match

DF_COMMAND = "df -k /dev/shm"
PROC_MOUNTS_COMMAND = "cat /proc/mounts"


class Method(str, Enum):
    """How the observed size was read (JSON `method`)."""

    EXEC_DF = "exec-df"
    EXEC_PROC_MOUNTS = "exec-proc-mounts"
    STATS_SUMMARY = "stats-summary"
    NONE = "none"


@dataclass(frozen=True)
class Observation:
    """What was read about one container's /dev/shm, or why nothing was."""

    method: Method
    size_bytes: int | None = None
    used_bytes: int | None = None
    # df of /dev/shm names the mount it belongs to; anything else means /dev/shm is
    # a plain directory of that filesystem.
    mounted_on: str = SHM_PATH
    # Why the methods tried before this one gave no answer, in order.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContainerInspection:
    """One container's /dev/shm: declared, expected from the kubelet, and observed."""

    name: str
    source: ShmSource
    volume: str | None
    size_limit_bytes: int | None
    expected_bytes: int | None
    basis: Basis
    observed_bytes: int | None
    observed_used_bytes: int | None
    method: Method
    match: bool | None
    explanation: str


@dataclass(frozen=True)
class PodInspection:
    """One pod's containers, inspected on the node the pod runs on."""

    namespace: str
    name: str
    node: NodeProfile
    pod_memory_limit_bytes: int | None
    containers: tuple[ContainerInspection, ...]


@dataclass(frozen=True)
class InspectReport:
    """Every pod inspected, plus warnings about what could not be observed."""

    pods: tuple[PodInspection, ...]
    warnings: tuple[str, ...] = ()

    def containers(self) -> list[ContainerInspection]:
        return [c for pod in self.pods for c in pod.containers]

    @property
    def mismatches(self) -> int:
        return sum(1 for c in self.containers() if c.match is False)

    @property
    def unobserved(self) -> int:
        return sum(1 for c in self.containers() if c.observed_bytes is None)


def observe_df(output: ExecOutput) -> Observation | str:
    """The observation in `df -k /dev/shm` output, or why there is none."""
    if not output.succeeded:
        return output.reason(DF_COMMAND)
    try:
        row = df_shm_row(output.stdout)
    except DfFormatError as error:
        return f"unreadable df output ({error})"
    if row is None or row.size_bytes is None:
        return "df printed no size for /dev/shm"
    return Observation(Method.EXEC_DF, row.size_bytes, row.used_bytes, row.mounted_on)


def observe_proc_mounts(output: ExecOutput, *, ram_bytes: int | None) -> Observation | str:
    """The tmpfs size in /proc/mounts (no `size=`: half of `ram_bytes`), or why there is none."""
    if not output.succeeded:
        return output.reason(PROC_MOUNTS_COMMAND)
    entry = shm_mount_entry(parse_proc_mounts(output.stdout))
    if entry is None:
        return "/dev/shm is not in /proc/mounts"
    try:
        size = tmpfs_size_bytes(entry, ram_bytes=ram_bytes)
    except ValueError as error:
        return str(error)
    if size is None:
        return "/proc/mounts gives no size for /dev/shm (node memory unknown)"
    return Observation(Method.EXEC_PROC_MOUNTS, size)


def observe_volume_stats(stats: VolumeStats | None, volume: str) -> Observation | str:
    """The tmpfs size the kubelet reports for a memory emptyDir, or why there is none."""
    if stats is None or stats.capacity_bytes is None:
        # The kubelet gathers volume stats in the background, about once a minute
        # (--volume-stats-agg-period): a pod that just started has none yet.
        return f"the kubelet has no stats for volume {volume!r} yet"
    return Observation(Method.STATS_SUMMARY, stats.capacity_bytes, stats.used_bytes)


def pod_not_running(pod: Mapping[str, Any]) -> str | None:
    """Why no container of `pod` can be inspected, or None when the pod runs."""
    status = mapping(pod.get("status"))
    phase = status.get("phase") or "Unknown"
    if phase == "Running":
        return None
    if phase == "Pending":
        unscheduled = [
            c
            for c in status.get("conditions") or []
            if isinstance(c, Mapping) and c.get("type") == "PodScheduled"
            if c.get("status") == "False"
        ]
        if unscheduled:
            return f"pod is Pending, not scheduled ({unscheduled[0].get('reason') or 'waiting'})"
        return "pod is Pending (containers not started)"
    if phase in ("Succeeded", "Failed"):
        return f"pod has {phase.lower()}: its containers have exited"
    return f"pod is {phase}"


def container_not_running(pod: Mapping[str, Any], name: str) -> str | None:
    """Why container `name` cannot be exec'd into, or None when it is running.

    A running container that is not ready is still inspected: exec works.
    """
    status = mapping(pod.get("status"))
    statuses = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    found = next((s for s in statuses if isinstance(s, Mapping) and s.get("name") == name), None)
    if found is None:
        return "container has not started"
    state = mapping(found.get("state"))
    if "running" in state:
        return None
    if "waiting" in state:
        reason = mapping(state["waiting"]).get("reason") or "waiting"
        return f"container is not running ({reason})"
    terminated = mapping(state.get("terminated"))
    if terminated:
        reason = terminated.get("reason") or "terminated"
        return f"container has exited ({reason}, exit code {terminated.get('exitCode')})"
    return "container is not running"


def running_containers(pod_spec: Mapping[str, Any]) -> list[str]:
    """Containers that run beside the app: sidecars (init, restartPolicy Always), then apps.

    Regular init containers have exited by the time the pod runs.
    """
    sidecars = [
        container_name(c)
        for c in containers_of(pod_spec, "initContainers")
        if c.get("restartPolicy") == "Always"
    ]
    return sidecars + [container_name(c) for c in containers_of(pod_spec, "containers")]


def shm_volume(pod_spec: Mapping[str, Any], container: str) -> str | None:
    """The volume `container` mounts at /dev/shm, if any."""
    for spec, _ in all_containers(pod_spec):
        if container_name(spec) == container:
            mount = shm_mount(spec)
            return str(mount.get("name")) if mount else None
    return None


def memory_volume(pod_spec: Mapping[str, Any], container: str) -> str | None:
    """The memory emptyDir at /dev/shm in `container` (the kubelet reports its stats)."""
    volume = shm_volume(pod_spec, container)
    empty_dir = mapping(mapping(volume_named(pod_spec, volume)).get("emptyDir"))
    return volume if volume is not None and empty_dir.get("medium") == "Memory" else None


def inspect_pod(
    pod: Mapping[str, Any],
    node: NodeProfile,
    observations: Mapping[str, Observation],
    *,
    only: str | None = None,
) -> PodInspection:
    """Compare what was observed in each container with the model's answer for `node`.

    `observations` maps container names to what was read; a container without
    one is reported as not observed.
    """
    metadata = mapping(pod.get("metadata"))
    spec = mapping(pod.get("spec"))
    shm = expected_shm(spec, node, mapping(metadata.get("annotations")))
    by_name = {c.container: c for c in shm.containers}
    wanted = [n for n in running_containers(spec) if only is None or n == only]
    inspections = tuple(
        _inspect_container(
            by_name[name],
            observations.get(name) or Observation(Method.NONE, notes=("not inspected",)),
            node,
            shm.memory_limit.limit_bytes,
        )
        for name in wanted
        if name in by_name
    )
    return PodInspection(
        namespace=str(metadata.get("namespace") or ""),
        name=str(metadata.get("name") or ""),
        node=node,
        pod_memory_limit_bytes=shm.memory_limit.limit_bytes,
        containers=inspections,
    )


def _inspect_container(
    shm: ContainerShm, observation: Observation, node: NodeProfile, pod_limit: int | None
) -> ContainerInspection:
    observed = observation.size_bytes
    expected = shm.expected_bytes
    match = None if observed is None or expected is None else sizes_match(observed, expected)
    return ContainerInspection(
        name=shm.container,
        source=shm.source,
        volume=shm.volume,
        size_limit_bytes=shm.size_limit_bytes,
        expected_bytes=expected,
        basis=shm.basis,
        observed_bytes=observed,
        observed_used_bytes=observation.used_bytes,
        method=observation.method,
        match=match,
        explanation=explain(
            shm,
            node=node,
            pod_limit=pod_limit,
            observed=observed,
            match=match,
            notes=observation.notes,
            mounted_on=observation.mounted_on,
        ),
    )
