"""Gather a live audit: which calls, in which order, and what to do when one is refused.

Anything refused for lack of rights degrades the report with a warning that
names the missing permission and what is assumed instead; only the pods
themselves are indispensable.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, NamedTuple

from kubectl_shm.audit.pods import PodAuditor
from kubectl_shm.audit.policy_sizes import with_pod_policy_finding, with_policy_sizes
from kubectl_shm.audit.report import AuditReport
from kubectl_shm.feedback import Feedback
from kubectl_shm.kube import fetching
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden
from kubectl_shm.kube.node_profiles import (
    GateReading,
    gates_refusal,
    list_node_info,
    profile_of,
    read_gates,
)
from kubectl_shm.kube.pod_context import owner_index, read_usage, usage_refusal
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import OwnerIndex
from kubectl_shm.model.podspec import needs_kubelet
from kubectl_shm.model.volume_stats import VolumeIndex


def audit_cluster(
    kube: Kube,
    feedback: Feedback,
    *,
    all_namespaces: bool,
    selector: str | None,
    assumption: NodeProfile,
    usage: bool,
) -> AuditReport:
    """The live audit of the current namespace (or every one) through `kube`.

    The server's version, the owners and the nodes are read while the first page of pods
    is in flight; each page is audited while the next one is."""
    namespace = None if all_namespaces else kube.namespace
    with (
        _collector_paused(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="cluster context") as beside,
    ):
        context = beside.submit(_cluster_context, kube, namespace, assumption)
        stream = _PodStream(kube, context, assumption, usage)
        pages = fetching.list_pods(kube, namespace=namespace, selector=selector)
        with feedback.progress("Listing pods") as advance:
            while (page := _next_page(pages, namespace)) is not None:
                stream.add(page)
                advance(len(page))
        return with_policy_sizes(kube, stream.report(), namespace)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off while pods are listed and audited: what they allocate
    (decoded JSON, slimmed pods, reports: tuples and dicts) holds no cycles for it to
    find, and with tens of thousands of pods alive it kept walking them, a fifth of
    the CPU time of a 10,000-pod audit (DESIGN section 8)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _next_page(
    pages: Iterator[list[dict[str, Any]]], namespace: str | None
) -> list[dict[str, Any]] | None:
    try:
        return next(pages, None)
    except Forbidden as error:
        if namespace is None:
            raise Forbidden(f"{error}; audit a namespace you may read with -n NS") from error
        raise


class _PodStream:
    """The pods, audited a page at a time. Each node's kubelet is asked for its gates and
    /dev/shm usage when the first pod that needs them arrives, once."""

    def __init__(
        self,
        kube: Kube,
        context: Future[_ClusterContext],
        assumption: NodeProfile,
        usage: bool,
    ) -> None:
        self._kube = kube
        self._context = context
        self._assumption = assumption
        self._usage_wanted = usage
        self._started: tuple[_ClusterContext, PodAuditor] | None = None
        self._profiles: dict[str, NodeProfile] = {}
        self._listed: dict[str, dict[str, Any]] = {}
        self._gates: dict[str, GateReading] = {}  # by node: every kubelet asked
        self._usage: VolumeIndex = {}
        self._usage_refused: dict[str, str] = {}

    def add(self, pods: list[dict[str, Any]]) -> None:
        _, auditor = self._start()
        self._ask_kubelets(pods)
        auditor.add(pods, nodes=self._profiles, usage=self._usage)

    def report(self) -> AuditReport:
        context, auditor = self._start()
        warnings = list(context.warnings)
        gates = gates_refusal(self._gates)
        if gates:
            warnings.append(gates)
        stats = usage_refusal(self._usage_refused, without="usage and mounted sizes left unknown")
        if stats:
            warnings.append(stats)
        return auditor.report(
            nodes=self._profiles, server_version=context.version, warnings=warnings
        )

    def _start(self) -> tuple[_ClusterContext, PodAuditor]:
        if self._started is None:
            context = self._context.result()
            self._listed = {node["name"]: node for node in context.nodes}
            self._profiles = {name: profile_of(node) for name, node in self._listed.items()}
            auditor = PodAuditor(
                owners=context.owners,
                unknown_node=self._assumption,
                bare_pod_findings=with_pod_policy_finding,
            )
            self._started = (context, auditor)
        return self._started

    def _ask_kubelets(self, pods: list[dict[str, Any]]) -> None:
        """Gates and usage of the listed nodes this page's pods need that were not asked."""
        wanted = {
            pod["spec"]["nodeName"]
            for pod in pods
            if pod["spec"].get("nodeName") and needs_kubelet(pod["spec"])
        }
        new = (wanted - self._gates.keys()) & self._listed.keys()
        if not new:
            return
        gates = read_gates(self._kube, new)
        self._gates.update(gates)
        for name, reading in gates.items():
            self._profiles[name] = profile_of(self._listed[name], reading)
        if self._usage_wanted:
            found, refused = read_usage(self._kube, new)
            self._usage.update(found)
            self._usage_refused.update(refused)


class _ClusterContext(NamedTuple):
    """What the audit reads of the cluster besides its pods and kubelets."""

    version: str | None
    owners: OwnerIndex
    nodes: list[dict[str, Any]]
    warnings: list[str]


def _cluster_context(kube: Kube, namespace: str | None, assumption: NodeProfile) -> _ClusterContext:
    """The server's version, the owners of pods and the nodes (their kubelets not yet
    asked), with the warnings of what could not be read."""
    warnings: list[str] = []
    version = fetching.server_version(kube)
    owners = owner_index(
        kube, namespace, warnings, instead="pods are grouped by their {kind} instead"
    )
    return _ClusterContext(version, owners, list_node_info(kube, assumption, warnings), warnings)
