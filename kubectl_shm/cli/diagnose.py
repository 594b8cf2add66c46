"""`kubectl shm diagnose`: from a crash (bus error, NCCL, PostgreSQL, an eviction) to its cause."""

from __future__ import annotations

import re
from contextlib import closing
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click

from kubectl_shm.cli.app import App
from kubectl_shm.cli.contexts import all_contexts_option, quiet_libraries, wanted_contexts
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.options import connection_from, connection_options, output_option
from kubectl_shm.diagnose.log_plan import MAX_READS
from kubectl_shm.diagnose.report import DiagnosisReport
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.targets import parse_target

if TYPE_CHECKING:
    from kubectl_shm.kube.connection import ConnectionOptions

TABLES = ("table", "wide")
OUTPUT_FORMATS = (*TABLES, "json", "yaml")
# kubectl's --since: a Go duration of s, m and h parts (e.g. 90s, 2h, 1h30m).
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@connection_options
@click.argument("target", required=False, metavar="[pod/NAME|TYPE/NAME]")
@click.option("-A", "--all-namespaces", is_flag=True, help="Diagnose every namespace.")
@click.option(
    "-l", "--selector", metavar="SELECTOR", help="Only pods matching this label selector."
)
@click.option(
    "--since",
    metavar="DURATION",
    help="Only evidence newer than this (e.g. 30m, 24h); default: all the API server keeps.",
)
@click.option(
    "--max-log-reads",
    type=click.IntRange(min=0),
    default=MAX_READS,
    show_default=True,
    help="Read at most this many container logs (the most recently ended first).",
)
@all_contexts_option("Diagnose")
@output_option(OUTPUT_FORMATS, default="table")
@click.pass_obj
def diagnose(app: App, /, target: str | None, **options: Any) -> int:
    """Find pods that already crashed for want of /dev/shm, and say why and how to fix it.

    Reads, from the API server only (nothing runs in a container): containers that
    died of SIGBUS (exit 135), OOM kills where /dev/shm is a memory volume, evictions
    for an emptyDir over its sizeLimit, failed /dev/shm mounts, and the log tails of
    containers that restarted or ended, matched against a catalogue of messages
    (PyTorch DataLoader, NCCL, Ray, PostgreSQL, Triton, multiprocessing, Chromium,
    torchrun, DeepSpeed, MPI). Each container gets its evidence, its /dev/shm now,
    the cause and the fix. Exit 1 when any evidence is found, 0 when none.

    \b
    Examples:
      kubectl shm diagnose -A
      kubectl shm diagnose -n ml --since 24h
      kubectl shm diagnose deploy/trainer -n ml -o json
      kubectl shm diagnose pod/trainer-0
      kubectl shm diagnose -A --context train,serve   # several clusters side by side

    With several contexts (--context A,B or --all-contexts) each cluster is
    diagnosed at once; one that cannot be read is one entry. Exit 3 if a cluster
    failed, else 1 on evidence, else 0.
    """
    context = click.get_current_context()
    connection = connection_from(options)
    parsed = parse_target(target) if target else None
    if parsed is not None and options["all_namespaces"]:
        raise click.UsageError("a pod or TYPE/NAME cannot be used with -A", context)
    if parsed is not None and options["selector"]:
        raise click.UsageError("a pod or TYPE/NAME cannot be used with -l/--selector", context)
    since = parse_since(options["since"])
    contexts = wanted_contexts(connection, options["all_contexts"])
    if contexts is not None:
        if parsed is not None:
            raise click.UsageError(
                "a pod or TYPE/NAME is diagnosed in one context: name one with --context", context
            )
        return _diagnose_fleet(app, connection, contexts, since, options)
    from kubectl_shm.diagnose.live import LogLimits, Scope, diagnose_cluster
    from kubectl_shm.render.feedback import TerminalFeedback

    feedback = TerminalFeedback(app.terminal, show_progress=options["output"] in TABLES)
    with closing(app.connect(connection)) as kube:
        scope = Scope(
            namespace=None if options["all_namespaces"] else kube.namespace,
            selector=options["selector"],
            target=parsed,
        )
        report = diagnose_cluster(
            kube,
            feedback,
            scope=scope,
            since_seconds=since,
            now=datetime.now(timezone.utc),
            assumption=NodeProfile(),
            limits=LogLimits(max_reads=options["max_log_reads"]),
        )
    _render(app, report, options["output"])
    return ExitStatus.FINDINGS if report.found else ExitStatus.OK


def _diagnose_fleet(
    app: App,
    connection: ConnectionOptions,
    contexts: list[str],
    since: int | None,
    options: dict[str, Any],
) -> int:
    from kubectl_shm.diagnose.fleet import ClusterDiagnosis, diagnose_contexts
    from kubectl_shm.diagnose.live import LogLimits

    terminal = app.terminal

    def progress(cluster: ClusterDiagnosis) -> None:
        took = f"({cluster.seconds:.1f}s)"
        if cluster.report is None:
            terminal.note(f"{cluster.context}: failed: {cluster.error} {took}")
        else:
            found = len(cluster.report.diagnoses)
            terminal.note(f"{cluster.context}: done: {found} with /dev/shm trouble {took}")

    quiet_libraries(app)
    clusters = diagnose_contexts(
        connection,
        contexts,
        all_namespaces=options["all_namespaces"],
        selector=options["selector"],
        since_seconds=since,
        now=datetime.now(timezone.utc),
        assumption=NodeProfile(),
        limits=LogLimits(max_reads=options["max_log_reads"]),
        on_done=progress if terminal.stderr_is_tty else None,
    )
    for cluster in clusters:
        for warning in cluster.report.warnings if cluster.report else ():
            terminal.warning(f"{cluster.context}: {warning}")
    output = options["output"]
    if output in ("json", "yaml"):
        from kubectl_shm.render.diagnosis_fleet import diagnosis_list_document
        from kubectl_shm.render.formats import write_json, write_yaml

        writer = write_json if output == "json" else write_yaml
        writer(diagnosis_list_document(clusters), terminal.stdout)
    else:
        from kubectl_shm.render.diagnosis_fleet import render_diagnosis_fleet

        render_diagnosis_fleet(clusters, terminal, wide=output == "wide")
    if any(cluster.report is None for cluster in clusters):
        return ExitStatus.CLUSTER
    found = any(cluster.report.found for cluster in clusters if cluster.report)
    return ExitStatus.FINDINGS if found else ExitStatus.OK


def parse_since(text: str | None) -> int | None:
    """--since in whole seconds (rounded up), as kubectl logs --since takes it."""
    if text is None:
        return None
    stripped = text.strip()
    parts = _DURATION_PART.findall(stripped)
    if not parts or "".join(n + u for n, u in parts) != stripped:
        raise click.BadParameter(
            f"{text!r} is not a duration (use e.g. 30m, 24h, 1h30m)", param_hint="--since"
        )
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise click.BadParameter("must be greater than zero", param_hint="--since")
    return max(1, int(-(-seconds // 1)))


def _render(app: App, report: DiagnosisReport, output: str) -> None:
    for warning in report.warnings:
        app.terminal.warning(warning)
    if output in ("json", "yaml"):
        from kubectl_shm.render.diagnosis_document import diagnosis_document
        from kubectl_shm.render.formats import write_json, write_yaml

        writer = write_json if output == "json" else write_yaml
        writer(diagnosis_document(report), app.terminal.stdout)
        return
    if not report.diagnoses:
        from kubectl_shm.render.columns import counted

        pods, logs = counted(report.scanned.pods, "pod"), counted(report.scanned.logs_read, "log")
        app.terminal.note(f"No /dev/shm trouble found in {pods} ({logs} read).")
        return
    from kubectl_shm.render.diagnosis_table import render_diagnosis_table

    render_diagnosis_table(report, app.terminal, wide=output == "wide")
