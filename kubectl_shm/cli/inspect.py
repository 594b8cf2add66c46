"""`kubectl shm inspect`: what /dev/shm really is inside running containers, and why."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import click

from kubectl_shm.cli.app import App
from kubectl_shm.cli.contexts import all_contexts_option, wanted_contexts
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.options import (
    connection_from,
    connection_options,
    output_option,
    parse_request_timeout,
)
from kubectl_shm.inspect.comparison import InspectReport
from kubectl_shm.model.targets import parse_target

OUTPUT_FORMATS = ("table", "json")
DEFAULT_EXEC_TIMEOUT = "10s"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@connection_options
@click.argument("target", metavar="pod/NAME|NAME|TYPE/NAME")
@click.option("-c", "--container", metavar="C", help="Only this container (default: all).")
@output_option(OUTPUT_FORMATS, default="table")
@click.option(
    "--exec-timeout",
    metavar="DURATION",
    default=DEFAULT_EXEC_TIMEOUT,
    show_default=True,
    help="Give up on one command in one container after this long.",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Where an image has neither df nor cat, add an ephemeral container from --image "
    "that mounts the same /dev/shm (it stays in the pod's spec).",
)
@click.option("--image", metavar="IMAGE", help="The image of the --debug container (with df).")
@all_contexts_option("Inspect the target")
@click.pass_obj
def inspect(app: App, /, target: str, **options: Any) -> int:
    """Show what /dev/shm really is inside running containers, beside what the
    manifest declares and what the node's kubelet should have made of it.

    In every running container (every pod of a workload) it runs `df -k /dev/shm`,
    else reads /proc/mounts; for images with neither it asks the kubelet's stats
    summary about memory emptyDirs. Nothing else is ever run in a container; only
    with --debug is an ephemeral container added where an image lacks both.
    Exit 1 when an observed size differs from the expected one.

    \b
    Examples:
      kubectl shm inspect pod/trainer-0 -n ml
      kubectl shm inspect trainer-0 -c main
      kubectl shm inspect deploy/vllm -n serve -o json
      kubectl shm inspect ds/node-agent -n kube-system
      kubectl shm inspect pod/distroless-0 --debug --image busybox:1.36
      kubectl shm inspect deploy/vllm -n serve --context train,serve

    Over several contexts (--context A,B or --all-contexts) the target is inspected
    in each at once; where it does not exist that is said, and not an error. Exit 3
    if a cluster could not be inspected or none has the target, else 1 on a mismatch.
    """
    connection = connection_from(options)
    parsed = parse_target(target)
    timeout = _exec_timeout(options["exec_timeout"])
    debug_image = _debug_image(options["debug"], options["image"])
    contexts = wanted_contexts(connection, options["all_contexts"])
    if contexts is not None:
        from kubectl_shm.cli.inspect_fleet import inspect_fleet

        return inspect_fleet(app, connection, contexts, parsed, options, timeout, debug_image)
    from kubectl_shm.inspect.live import inspect_cluster

    with closing(app.connect(connection)) as kube:
        report = inspect_cluster(
            kube,
            target=parsed,
            container=options["container"],
            exec_timeout=timeout,
            debug_image=debug_image,
        )
    _render(app, report, options["output"], parsed.label)
    return ExitStatus.FINDINGS if report.mismatches else ExitStatus.OK


def _exec_timeout(text: str) -> float:
    try:
        seconds = parse_request_timeout(text)
    except click.BadParameter as error:
        raise click.BadParameter(error.message, param_hint="--exec-timeout") from error
    if seconds is None:
        raise click.BadParameter("must be greater than zero", param_hint="--exec-timeout")
    return seconds


def _debug_image(debug: bool, image: str | None) -> str | None:
    if debug and not image:
        raise click.UsageError("--debug needs --image IMAGE (an image with df, e.g. busybox)")
    if image and not debug:
        raise click.UsageError("--image is only used with --debug")
    return image if debug else None


def _render(app: App, report: InspectReport, output: str, label: str) -> None:
    for warning in report.warnings:
        app.terminal.warning(warning)
    if output == "json":
        from kubectl_shm.render.formats import write_json
        from kubectl_shm.render.inspect_document import inspection_document

        write_json(inspection_document(report), app.terminal.stdout)
    elif not report.pods:
        app.terminal.note(f"No pods found for {label}.")
    else:
        from kubectl_shm.render.inspect_table import render_inspect_table

        render_inspect_table(report, app.terminal)
    if report.unobserved:
        app.terminal.warning(
            f"{report.unobserved} of {len(report.containers())} containers could not be "
            f"observed: their rows say why"
        )
