"""Gather a live audit: which calls, in which order, and what to do when one is refused.

Anything refused for lack of rights degrades the report with a warning that
names the missing permission and what is assumed instead; only the pods
themselves are indispensable.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from kubectl_shm.audit.pods import audit_pods
from kubectl_shm.audit.policy_sizes import with_policy_sizes
from kubectl_shm.audit.report import AuditReport
from kubectl_shm.feedback import Feedback
from kubectl_shm.kube import fetching
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden
from kubectl_shm.kube.node_profiles import node_profiles
from kubectl_shm.kube.pod_context import owner_index, volume_usage
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.podspec import needs_kubelet


def audit_cluster(
    kube: Kube,
    feedback: Feedback,
    *,
    all_namespaces: bool,
    selector: str | None,
    assumption: NodeProfile,
    usage: bool,
) -> AuditReport:
    """The live audit of the current namespace (or every one) through `kube`."""
    with _collector_paused():
        return _audit(kube, feedback, all_namespaces, selector, assumption, usage)


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


def _audit(
    kube: Kube,
    feedback: Feedback,
    all_namespaces: bool,
    selector: str | None,
    assumption: NodeProfile,
    usage: bool,
) -> AuditReport:
    namespace = None if all_namespaces else kube.namespace
    warnings: list[str] = []
    version = fetching.server_version(kube)
    with feedback.progress("Listing pods") as advance:
        pods = []
        try:
            for page in fetching.list_pods(kube, namespace=namespace, selector=selector):
                pods.extend(page)
                advance(len(page))
        except Forbidden as error:
            if namespace is None:
                raise Forbidden(f"{error}; audit a namespace you may read with -n NS") from error
            raise
    owners = owner_index(
        kube, namespace, warnings, instead="pods are grouped by their {kind} instead"
    )
    wanted = {
        p["spec"]["nodeName"]
        for p in pods
        if p["spec"].get("nodeName") and needs_kubelet(p["spec"])
    }
    nodes = node_profiles(kube, probe=wanted, assumption=assumption, warnings=warnings)
    volume_stats = (
        volume_usage(
            kube, wanted & set(nodes), warnings, without="usage and mounted sizes left unknown"
        )
        if usage
        else {}
    )
    report = audit_pods(
        pods,
        owners=owners,
        nodes=nodes,
        unknown_node=assumption,
        usage=volume_stats,
        server_version=version,
        warnings=warnings,
    )
    bare_pods = {
        (str(p["metadata"]["namespace"]), str(p["metadata"]["name"])): p["metadata"]
        for p in pods
        if "managedFields" in p["metadata"]
    }
    return with_policy_sizes(kube, report, namespace, bare_pods)
