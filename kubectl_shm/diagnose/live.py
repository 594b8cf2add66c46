"""Gather a diagnosis from the API server: which calls, in which order, what a refusal costs.

Pods (with their containers' states) are indispensable; events, logs, owners, nodes and
the kubelets' stats each degrade to a warning that names the missing permission and
what the diagnosis did without it. Nothing is ever run in a container.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from kubectl_shm.diagnose import evidence as read_evidence
from kubectl_shm.diagnose.evidence import Evidence
from kubectl_shm.diagnose.log_plan import (
    LIMIT_BYTES,
    MAX_READS,
    TAIL_LINES,
    LogRead,
    plan_log_reads,
)
from kubectl_shm.diagnose.report import DiagnosisReport, Scanned
from kubectl_shm.diagnose.verdict import ContainerDiagnosis, diagnose_pod
from kubectl_shm.diagnose.window import cutoff, within
from kubectl_shm.feedback import Feedback
from kubectl_shm.kube import fetching, pod_history
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden, KubeError
from kubectl_shm.kube.node_profiles import node_profiles, parallel, short_reason
from kubectl_shm.kube.pod_context import owner_index, volume_usage
from kubectl_shm.kube.pod_history import LogTail
from kubectl_shm.kube.target_pods import pods_of
from kubectl_shm.model.crash_signatures import scan_log
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import top_owner
from kubectl_shm.model.podspec import mapping, needs_kubelet
from kubectl_shm.model.targets import Target
from kubectl_shm.model.volume_stats import shm_volume_stats


class Scope(NamedTuple):
    """What to diagnose: a namespace (None: all), a selector, or one target's pods."""

    namespace: str | None
    selector: str | None = None
    target: Target | None = None


class LogLimits(NamedTuple):
    tail_lines: int = TAIL_LINES
    limit_bytes: int = LIMIT_BYTES
    max_reads: int = MAX_READS


DEFAULT_LIMITS = LogLimits()


def diagnose_cluster(
    kube: Kube,
    feedback: Feedback,
    *,
    scope: Scope,
    since_seconds: int | None,
    now: datetime,
    assumption: NodeProfile,
    limits: LogLimits = DEFAULT_LIMITS,
) -> DiagnosisReport:
    """Every container in `scope` that shows /dev/shm trouble, with its cause and fix."""
    warnings: list[str] = []
    version = fetching.server_version(kube)
    pods = _pods(kube, feedback, scope)
    start = cutoff(now, since_seconds)
    events = _events(kube, scope, warnings)
    found = _recorded_evidence(pods, events or [])
    # Logs of instances that ended before the window cannot hold evidence in it.
    reads = [
        read
        for read in plan_log_reads(pods, every_container=scope.target is not None)
        if not read.finished_at or within(read.finished_at, start)
    ]
    kept = reads[: limits.max_reads]
    logs = _read_logs(kube, feedback, kept, limits, since_seconds, warnings)
    for read, tail in zip(kept, logs, strict=True):
        if tail.text:
            found[f"{read.namespace}/{read.pod}"].extend(
                read_evidence.from_log(read.container, scan_log(tail.text), previous=read.previous)
            )
    if len(reads) > len(kept):
        warnings.append(
            f"{len(reads) - len(kept)} more container logs were worth reading but not read "
            f"(at most {limits.max_reads}, the most recent first; raise --max-log-reads)"
        )
    troubled = {}
    for key, evidence in found.items():
        recent = [each for each in evidence if within(each.time, start)]
        if recent:
            troubled[key] = recent
    diagnoses = _diagnose(kube, pods, troubled, scope, assumption, warnings)
    listed_events = None if events is None else len(events)
    scanned = Scanned(len(pods), listed_events, len(kept), len(reads) - len(kept))
    return DiagnosisReport(tuple(diagnoses), scanned, since_seconds, version, tuple(warnings))


def _recorded_evidence(
    pods: list[dict[str, Any]], events: list[dict[str, Any]]
) -> dict[str, list[Evidence]]:
    """Each pod's evidence from its status and its events ("namespace/name" -> evidence)."""
    events_by_pod = _by_pod(events)
    found = {}
    for pod in pods:
        key = _key(pod)
        from_events = read_evidence.from_events(events_by_pod.get(key, ()), pod)
        found[key] = [
            *read_evidence.from_container_statuses(pod),
            *read_evidence.without_repeats(read_evidence.from_pod_status(pod), from_events),
            *from_events,
        ]
    return found


def _pods(kube: Kube, feedback: Feedback, scope: Scope) -> list[dict[str, Any]]:
    if scope.target is not None:
        namespace = scope.namespace or kube.namespace
        named = pods_of(kube, scope.target, namespace=namespace)
        return [pod_history.slim_pod_with_history(pod) for pod in named]
    pods: list[dict[str, Any]] = []
    with feedback.progress("Listing pods") as advance:
        try:
            for page in pod_history.list_pods_with_history(
                kube, namespace=scope.namespace, selector=scope.selector
            ):
                pods.extend(page)
                advance(len(page))
        except Forbidden as error:
            if scope.namespace is None:
                raise Forbidden(f"{error}; diagnose a namespace you may read with -n NS") from error
            raise
    return pods


def _events(kube: Kube, scope: Scope, warnings: list[str]) -> list[dict[str, Any]] | None:
    namespace = scope.namespace
    try:
        return pod_history.list_pod_warning_events(kube, namespace=namespace)
    except Forbidden:
        warnings.append(
            "cannot list events (forbidden; needs list events): evictions are read from the "
            "pods' status only, failed mounts are not seen"
        )
        return None


def _by_pod(events: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for event in events:
        grouped.setdefault(f"{event.get('namespace')}/{event.get('name')}", []).append(event)
    return grouped


def _key(pod: Mapping[str, Any]) -> str:
    metadata = mapping(pod.get("metadata"))
    return f"{metadata.get('namespace')}/{metadata.get('name')}"


def _read_logs(
    kube: Kube,
    feedback: Feedback,
    reads: list[LogRead],
    limits: LogLimits,
    since_seconds: int | None,
    warnings: list[str],
) -> list[LogTail]:
    """Each planned log tail, in parallel; a refusal of pods/log stops the rest."""
    refused: list[str] = []

    def read(planned: LogRead) -> LogTail:
        if refused:
            return LogTail(None, refused[0])
        try:
            tail = pod_history.container_log_tail(
                kube,
                namespace=planned.namespace,
                pod=planned.pod,
                container=planned.container,
                previous=planned.previous,
                tail_lines=limits.tail_lines,
                limit_bytes=limits.limit_bytes,
                since_seconds=since_seconds,
            )
        except Forbidden as error:
            refused.append(short_reason(error))
            return LogTail(None, refused[0])
        except KubeError as error:
            tail = LogTail(None, short_reason(error))
        advance(1)
        return tail

    with feedback.progress("Reading logs") as advance:
        tails = parallel(read, reads)
    if refused:
        warnings.append(
            "cannot read container logs (forbidden; needs get pods/log): crash messages "
            "were not searched, only container states and events"
        )
    failed = [t.error for t in tails if t.error and t.error not in refused]
    if failed:
        warnings.append(f"{len(failed)} container logs could not be read: {failed[0]}")
    return tails


def _diagnose(
    kube: Kube,
    pods: list[dict[str, Any]],
    troubled: Mapping[str, list[Evidence]],
    scope: Scope,
    assumption: NodeProfile,
    warnings: list[str],
) -> list[ContainerDiagnosis]:
    if not troubled:
        return []
    chosen = [pod for pod in pods if _key(pod) in troubled]
    owners = owner_index(kube, scope.namespace, warnings, instead="fixes name the {kind} instead")
    wanted = {str(name) for p in chosen if (name := mapping(p.get("spec")).get("nodeName"))}
    nodes = node_profiles(kube, probe=wanted, assumption=assumption, warnings=warnings)
    running = {
        str(mapping(p.get("spec")).get("nodeName"))
        for p in chosen
        if needs_kubelet(mapping(p.get("spec")))
    } & set(nodes)
    usage = volume_usage(
        kube, running, warnings, without="suggested sizes do not count the use seen there"
    )
    diagnoses = []
    for pod in chosen:
        metadata, spec = mapping(pod.get("metadata")), mapping(pod.get("spec"))
        node_name = spec.get("nodeName")
        diagnoses.extend(
            diagnose_pod(
                pod,
                workload=top_owner(metadata, owners),
                node=nodes.get(node_name) if node_name else None,
                unknown_node=assumption,
                evidence=troubled[_key(pod)],
                volume_stats=shm_volume_stats(metadata, spec, usage),
            )
        )
    return sorted(diagnoses, key=lambda d: (d.namespace, d.pod, d.container))
