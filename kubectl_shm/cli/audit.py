"""`kubectl shm audit`: which /dev/shm each container really gets, and why."""

from __future__ import annotations

from contextlib import closing
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from kubectl_shm.audit.report import AuditReport
from kubectl_shm.cli.app import App
from kubectl_shm.cli.contexts import all_contexts_option, wanted_contexts
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.options import (
    connection_from,
    connection_options,
    filenames_option,
    output_option,
)
from kubectl_shm.errors import ClusterError, InputError
from kubectl_shm.model.nodes import NodeProfile, parse_feature_gates, parse_version
from kubectl_shm.model.quantity import QuantityError, positive_bytes

if TYPE_CHECKING:
    from kubectl_shm.kube.connection import ConnectionOptions
    from kubectl_shm.render.sarif import Locate

TABLES = ("table", "wide")
OUTPUT_FORMATS = (*TABLES, "json", "yaml", "sarif")
FAIL_ON = ("error", "warning", "never")
RUNTIMES = ("containerd", "cri-o")
# Flags about what to read from a cluster: with -f they would change nothing, so they
# are refused rather than ignored. -n stays: it names the namespace of documents without one.
_LIVE_ONLY_FLAGS = {
    "all_namespaces": "-A",
    "selector": "-l/--selector",
    "usage": "--usage/--no-usage",
    "kubeconfig": "--kubeconfig",
    "context": "--context",
    "all_contexts": "--all-contexts",
    "cluster": "--cluster",
    "user": "--user",
    "request_timeout": "--request-timeout",
}


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@connection_options
@click.option("-A", "--all-namespaces", is_flag=True, help="Audit every namespace.")
@all_contexts_option("Audit")
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
    "--container-runtime",
    type=click.Choice(RUNTIMES),
    metavar="|".join(RUNTIMES),
    help="Assume nodes run this container runtime (CRI-O can size /dev/shm from an annotation).",
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
@click.option(
    "--strict",
    is_flag=True,
    help="Fail when the audit is incomplete: a document or field -f could not read (exit 2), "
    "or something the cluster would not show (exit 3).",
)
@click.option(
    "--baseline",
    metavar="FILE",
    help="Report only findings not in FILE, a previous -o json or -o sarif output; "
    "the exit code follows the new ones.",
)
@click.pass_obj
def audit(app: App, /, **options: Any) -> int:
    """Audit /dev/shm of every workload: the size each container really gets, and why.

    Live by default (the current namespace, -n NS, or -A). With -f it audits
    manifests offline; --kubelet-version, --feature-gates, --node-memory and
    --container-runtime say what to assume about the nodes (default: a current
    kubelet on containerd, memory unknown), -n is the namespace of documents that
    name none. Input with no pod template exits 2; documents or fields that cannot
    be read are named in warnings.

    \b
    Examples:
      kubectl shm audit -A
      kubectl shm audit -n ml -l app=trainer -o wide
      kubectl shm audit -f deploy.yaml --kubelet-version v1.21.0
      helm template . | kubectl shm audit -f - --fail-on warning
      kubectl shm audit --context train,serve -A    # two clusters, a CLUSTER column
      kubectl shm audit --all-contexts -A -o json   # a ShmAuditList
      kubectl shm audit -f k8s/ -o sarif --baseline main.sarif > new.sarif

    Exit codes: 0 fine, 1 findings at or above --fail-on (with --baseline: new
    ones only), 2 bad usage or input, 3 cluster or API error. Over several
    contexts: 3 if any cluster could not be audited, else 1 for findings.
    """
    connection = connection_from(options)
    assumption = _node_assumption(options)
    baseline = None
    if options["baseline"]:
        from kubectl_shm.cli.audit_fleet import read_baseline

        baseline = read_baseline(options["baseline"])
    locate = None
    if options["filenames"]:
        _refuse_live_only_flags(click.get_current_context())
        report, locate = _audit_files(app, options, assumption, connection.namespace)
    else:
        contexts = wanted_contexts(connection, options["all_contexts"])
        if contexts is not None:
            from kubectl_shm.cli.audit_fleet import audit_fleet

            return audit_fleet(app, connection, contexts, assumption, options, baseline)
        report = _audit_live(app, connection, assumption, options)
    if options["strict"] and report.warnings:
        _fail_incomplete(app, report, offline=bool(options["filenames"]))
    if baseline is not None:
        from kubectl_shm.cli.audit_fleet import without_known

        report = without_known(app, report, baseline, None)
    _render(app, report, options["output"], locate=locate, baseline=baseline is not None)
    return ExitStatus.FINDINGS if report.fails(options["fail_on"]) else ExitStatus.OK


def _audit_live(
    app: App, connection: ConnectionOptions, assumption: NodeProfile, options: dict[str, Any]
) -> AuditReport:
    from kubectl_shm.audit.live import audit_cluster
    from kubectl_shm.render.feedback import TerminalFeedback

    feedback = TerminalFeedback(app.terminal, show_progress=options["output"] in TABLES)

    with closing(app.connect(connection)) as kube:
        if options["output"] in TABLES:
            from kubectl_shm.render.preload import preload

            # Imported while the pods are listed, not after (render/preload.py).
            preload("rich.console", "rich.text", "kubectl_shm.render.audit_table")
        return audit_cluster(
            kube,
            feedback,
            all_namespaces=options["all_namespaces"],
            selector=options["selector"],
            assumption=assumption,
            usage=options["usage"],
        )


def _audit_files(
    app: App, options: dict[str, Any], node: NodeProfile, namespace: str | None
) -> tuple[AuditReport, Locate | None]:
    """Offline; InputError when no pod template was found (an empty audit is no pass).
    With -o sarif, also where each workload's findings are in the files."""
    from kubectl_shm.audit.offline import audit_documents, nothing_audited
    from kubectl_shm.manifests.files import read_manifest_files

    paths = options["filenames"]
    files = read_manifest_files(paths, app.terminal.stdin)
    documents = [document for file in files for document in file.documents]
    report = audit_documents(
        ((document.source, document.obj) for document in documents),
        node,
        default_namespace=namespace,
    )
    if not report.workloads:
        for warning in report.warnings:
            app.terminal.warning(warning)
        raise nothing_audited(paths, len(documents))
    if options["output"] != "sarif":
        return report, None
    from kubectl_shm.audit.locations import finding_locator

    return report, finding_locator(files, namespace)


def _refuse_live_only_flags(ctx: click.Context) -> None:
    given = [
        flag
        for name, flag in _LIVE_ONLY_FLAGS.items()
        if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)
    ]
    if given:
        raise click.UsageError(
            f"{', '.join(given)} cannot be used with -f: they choose what to read from a "
            f"cluster, and -f audits files offline",
            ctx,
        )


def _fail_incomplete(app: App, report: AuditReport, *, offline: bool) -> None:
    """--strict: the warnings, then one error instead of a report that looks complete."""
    for warning in report.warnings:
        app.terminal.warning(warning)
    count = len(report.warnings)
    message = f"--strict: the audit is incomplete ({count} warning{'s' if count > 1 else ''})"
    raise InputError(message) if offline else ClusterError(message)


def _node_assumption(options: dict[str, Any]) -> NodeProfile:
    """The node to assume where no live node answers, from the assumption flags."""
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
    runtime = options.pop("container_runtime")
    return NodeProfile(
        kubelet_version=version,
        gates=gates,
        capacity_memory_bytes=memory,
        allocatable_memory_bytes=memory,
        container_runtime=f"{runtime}://" if runtime else None,
    )


def _render(
    app: App, report: AuditReport, output: str, *, locate: Locate | None, baseline: bool
) -> None:
    for warning in report.warnings:
        app.terminal.warning(warning)
    if output == "sarif":
        from kubectl_shm.render.formats import write_json
        from kubectl_shm.render.sarif import SarifSection, sarif_log

        log = sarif_log(
            [SarifSection(None, report, locate)], baseline=baseline, warnings=report.warnings
        )
        write_json(log, app.terminal.stdout)
        return
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
