"""`kubectl shm audit`: which /dev/shm each container really gets, and why."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import click

from kubectl_shm.audit.report import AuditReport, audit_templates
from kubectl_shm.cli.app import App
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.options import (
    connection_from,
    connection_options,
    filenames_option,
    output_option,
)
from kubectl_shm.errors import InputError
from kubectl_shm.model.nodes import NodeProfile, parse_feature_gates, parse_version
from kubectl_shm.model.quantity import QuantityError, positive_bytes
from kubectl_shm.model.templates import find_pod_templates

TABLES = ("table", "wide")
OUTPUT_FORMATS = (*TABLES, "json", "yaml")
FAIL_ON = ("error", "warning", "never")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@connection_options
@click.option("-A", "--all-namespaces", is_flag=True, help="Audit every namespace.")
@click.option(
    "-l", "--selector", metavar="SELECTOR", help="Only pods matching this label selector."
)
@filenames_option(
    "Audit manifests offline: a file, a directory (recursively) or - for stdin. Repeatable."
)
@output_option(OUTPUT_FORMATS, default="table")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--kubelet-version",
    metavar="V",
    help="Assume this kubelet version where no live node answers (e.g. v1.31.4).",
)
@click.option(
    "--feature-gates",
    metavar="K=true|false,...",
    help="Assume these kubelet feature gates (e.g. SizeMemoryBackedVolumes=false).",
)
@click.option(
    "--node-memory",
    metavar="QTY",
    help="Assume nodes with this much memory (e.g. 64Gi).",
)
@click.option(
    "--usage/--no-usage",
    default=True,
    show_default=True,
    help="Read live /dev/shm usage from the kubelets' stats summary.",
)
@click.pass_obj
def audit(app: App, /, **options: Any) -> int:
    """Audit /dev/shm of every workload: the size each container really gets, and why.

    Live by default (the current namespace, -n NS, or -A). With -f it audits
    manifests offline; --kubelet-version, --feature-gates and --node-memory say
    what to assume about the nodes (default: a current kubelet, memory unknown).

    \b
    Examples:
      kubectl shm audit -A
      kubectl shm audit -n ml -l app=trainer -o wide
      kubectl shm audit -f deploy.yaml --kubelet-version v1.21.0
      helm template . | kubectl shm audit -f - --fail-on warning
    """
    connection = connection_from(options)
    assumption = _node_assumption(options)
    if options["filenames"]:
        report = _audit_files(app, options["filenames"], assumption)
    else:
        from kubectl_shm.audit.live import audit_cluster
        from kubectl_shm.render.feedback import TerminalFeedback

        feedback = TerminalFeedback(app.terminal, show_progress=options["output"] in TABLES)
        with closing(app.connect(connection)) as kube:
            report = audit_cluster(
                kube,
                feedback,
                all_namespaces=options["all_namespaces"],
                selector=options["selector"],
                assumption=assumption,
                usage=options["usage"],
            )
    _render(app, report, options["output"])
    return ExitStatus.FINDINGS if report.fails(options["fail_on"]) else ExitStatus.OK


def _audit_files(app: App, paths: tuple[str, ...], node: NodeProfile) -> AuditReport:
    from kubectl_shm.manifests.files import read_manifests

    documents = read_manifests(paths, app.terminal.stdin)
    templates = [t for document in documents for t in find_pod_templates(document.obj)]
    return audit_templates(templates, node)


def _node_assumption(options: dict[str, Any]) -> NodeProfile:
    """The node to assume where no live node answers, from the three flags."""
    version = options.pop("kubelet_version")
    if version is not None and parse_version(version) is None:
        raise InputError(f"--kubelet-version: {version!r} is not a version like v1.31.4")
    gates_text = options.pop("feature_gates")
    try:
        gates = parse_feature_gates(gates_text) if gates_text else ()
    except ValueError as error:
        raise InputError(f"--feature-gates: {error}") from error
    memory_text = options.pop("node_memory")
    try:
        memory = positive_bytes(memory_text) if memory_text is not None else None
    except QuantityError as error:
        raise InputError(f"--node-memory: {error}") from error
    return NodeProfile(
        kubelet_version=version,
        gates=gates,
        capacity_memory_bytes=memory,
        allocatable_memory_bytes=memory,
    )


def _render(app: App, report: AuditReport, output: str) -> None:
    for warning in report.warnings:
        app.terminal.warning(warning)
    if output in ("json", "yaml"):
        from kubectl_shm.render.documents import audit_document
        from kubectl_shm.render.formats import write_json, write_yaml

        writer = write_json if output == "json" else write_yaml
        writer(audit_document(report), app.terminal.stdout)
        return
    if not report.workloads:
        app.terminal.note("No workloads found.")
        return
    from kubectl_shm.render.audit_table import render_audit_table

    render_audit_table(report, app.terminal, wide=output == "wide")
