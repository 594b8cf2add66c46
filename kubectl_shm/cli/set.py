"""`kubectl shm set`: give workloads the /dev/shm they need, live or in manifests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from kubectl_shm.cli.app import App
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.options import (
    connection_from,
    connection_options,
    filenames_option,
    parse_request_timeout,
)
from kubectl_shm.errors import InputError
from kubectl_shm.quantity import QuantityError, parse_quantity
from kubectl_shm.shm_patch import ShmPlan, ShmRequest, parse_size, plan_shm
from kubectl_shm.templates import find_pod_templates
from kubectl_shm.workload_kinds import parse_targets, targets_in_manifests

DRY_RUN = ("none", "client", "server")
OUTPUT_FORMATS = ("yaml", "json")
DEFAULT_TIMEOUT = "5m"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@connection_options
@click.argument("args", nargs=-1, metavar="(TYPE/NAME... | TYPE NAME... | -f FILE) SIZE")
@filenames_option(
    "Manifests: a file, a directory or - for stdin. Repeatable. Live objects they name, "
    "or with --local the files themselves."
)
@click.option("--local", is_flag=True, help="Change the -f manifests and print them; no cluster.")
@click.option(
    "-c",
    "--containers",
    metavar="C1,C2",
    help="Only these containers (init containers too). Default: every app container.",
)
@click.option("-l", "--selector", metavar="SELECTOR", help="Every object of TYPE matching this.")
@click.option("--all", "all_objects", is_flag=True, help="Every object of TYPE in the namespace.")
@click.option("--remove", is_flag=True, help="Take the /dev/shm volume and its mounts away.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace a hostPath or other non-emptyDir volume at /dev/shm.",
)
@click.option(
    "--dry-run",
    type=click.Choice(DRY_RUN),
    default="none",
    show_default=True,
    help="client: change nothing, show what would be sent; server: let the API server "
    "validate it without storing it.",
)
@click.option(
    "-o", "--output", type=click.Choice(OUTPUT_FORMATS), help="Print the resulting objects."
)
@click.option(
    "--wait/--no-wait",
    default=None,
    help="Follow the rollout until the new pods are ready. Default: on a terminal.",
)
@click.option(
    "--timeout",
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="DURATION",
    help="How long --wait waits (e.g. 90s, 10m; 0 = no limit).",
)
@click.pass_obj
def set_shm(app: App, /, **options: Any) -> int:
    """Give workloads a memory emptyDir of SIZE at /dev/shm, or update the one there.

    SIZE is a Kubernetes quantity (512Mi, 16Gi). Live objects are patched in
    place with a strategic merge patch that names only the /dev/shm volume and
    mounts, conditional on the version read (retried on conflict): this
    restarts their pods (a rollout). Jobs and Pods cannot change once created:
    edit their manifests with --local. A volume at /dev/shm that is not an
    emptyDir (hostPath, PVC) is kept unless --overwrite.

    Warns when the kubelet will not give SIZE: above the pod memory limit, above
    node allocatable memory, or on kubelets without SizeMemoryBackedVolumes;
    and when Argo CD, Flux or Helm manage the object (they revert live edits).

    \b
    Examples:
      kubectl shm set deploy/vllm 16Gi -n serve
      kubectl shm set sts/trainer ds/agent 2Gi -c main --dry-run=server
      kubectl shm set deploy -l app=ray 8Gi --wait --timeout 10m
      kubectl shm set -f deploy.yaml --local 16Gi -o yaml > fixed.yaml
      helm template . | kubectl shm set -f - --local 4Gi
      kubectl shm set deploy/vllm --remove

    Exit codes: 0 done (or unchanged), 2 bad usage, SIZE or refused change,
    3 cluster or API error, or a rollout that failed or timed out.
    """
    connection = connection_from(options)
    remove = options["remove"]
    words, size = _split_arguments(options["args"], remove=remove)
    request = ShmRequest(
        size=size,
        containers=_container_names(options["containers"]),
        remove=remove,
        overwrite=options["overwrite"],
    )
    if options["local"]:
        _check_local_flags(words, options)
        return _set_local(app, options["filenames"], request, options["output"] or "yaml")
    if options["filenames"]:
        if words or options["selector"] is not None or options["all_objects"]:
            raise InputError("name targets with -f or with TYPE/NAME, not both")
        query = targets_in_manifests(_read(app, options["filenames"]))
    else:
        query = parse_targets(
            words, selector=options["selector"], all_objects=options["all_objects"]
        )
    from kubectl_shm.cli.set_live import LiveOptions, set_live

    wait = options["wait"]
    live = LiveOptions(
        dry_run=options["dry_run"],
        output=options["output"],
        wait=app.terminal.stderr_is_tty if wait is None else wait,
        timeout=_timeout(options["timeout"]),
    )
    if live.dry_run != "none" and wait:
        raise InputError("--wait has nothing to follow with --dry-run")
    set_live(app, connection, query, request, live)
    return ExitStatus.OK


def _split_arguments(args: Sequence[str], *, remove: bool) -> tuple[list[str], str | None]:
    """Targets, and SIZE (the last argument) unless --remove."""
    words = list(args)
    if remove:
        if words and _is_quantity(words[-1]):
            raise InputError(f"--remove takes no SIZE (got {words[-1]!r})")
        return words, None
    if not words:
        raise InputError("missing SIZE, e.g. kubectl shm set deploy/web 2Gi")
    last = words.pop()
    if "/" in last:
        raise InputError(f"missing SIZE after {last!r}, e.g. kubectl shm set {last} 2Gi")
    return words, parse_size(last)


def _is_quantity(word: str) -> bool:
    try:
        parse_quantity(word)
    except QuantityError:
        return False
    return True


def _container_names(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise InputError("-c/--containers: no container name given")
    return names


def _timeout(text: str) -> float | None:
    try:
        return parse_request_timeout(text)
    except click.BadParameter as error:
        raise InputError(f"--timeout: {text!r} is not a duration (use e.g. 90s, 10m)") from error


def _check_local_flags(words: Sequence[str], options: Mapping[str, Any]) -> None:
    if not options["filenames"]:
        raise InputError("--local needs -f FILE (or -f - for stdin)")
    if words:
        raise InputError(f"--local changes -f files only; drop {words[0]!r}")
    if options["selector"] is not None or options["all_objects"]:
        raise InputError("--local cannot be used with -l or --all")
    if options["dry_run"] == "server":
        raise InputError("--dry-run=server cannot be used with --local")
    if options["wait"]:
        raise InputError("--wait cannot be used with --local")


def _read(app: App, paths: Sequence[str]) -> list[Mapping[str, Any]]:
    from kubectl_shm.manifest_files import read_manifests

    return [document.obj for document in read_manifests(paths, app.terminal.stdin)]


def _set_local(app: App, paths: Sequence[str], request: ShmRequest, output: str) -> int:
    """Every document comes out, in order; those with pod templates changed."""
    from kubectl_shm.render.manifest_output import write_objects
    from kubectl_shm.shm_warnings import size_warnings

    objects = _read(app, paths)
    plans: list[ShmPlan] = []
    results = [_change_local(obj, request, plans) for obj in objects]
    if not plans and not request.containers:
        raise InputError(f"no object with a pod template in {', '.join(paths)}")
    found = {name for plan in plans for name in plan.containers}
    missing = [name for name in request.containers if name not in found]
    if missing:
        raise InputError(f"no container named {', '.join(missing)} in {', '.join(paths)}")
    for plan in plans:
        for warning in size_warnings(plan):
            app.terminal.warning(warning)
        for note in plan.notes:
            app.terminal.note(f"{plan.label}: {note}")
        app.terminal.note(f"{plan.label}: {plan.summary()}")
    write_objects(results, app.terminal.stdout, output)
    return ExitStatus.OK


def _change_local(
    obj: Mapping[str, Any], request: ShmRequest, plans: list[ShmPlan]
) -> Mapping[str, Any]:
    """`obj` with the change made (Lists item by item); objects without templates as they are."""
    if obj.get("kind") == "List" and isinstance(obj.get("items"), list):
        return {**obj, "items": [_change_local(item, request, plans) for item in obj["items"]]}
    if not isinstance(obj, Mapping) or not find_pod_templates(obj):
        return obj
    if request.containers:
        plan = _plan_if_has_containers(obj, request)
        if plan is None:
            return obj
    else:
        plan = plan_shm(obj, request)
    plans.append(plan)
    return plan.after


def _plan_if_has_containers(obj: Mapping[str, Any], request: ShmRequest) -> ShmPlan | None:
    """With -c, a file may hold workloads without those containers: they stay as they are."""
    from kubectl_shm.podspec import container_name, containers_of

    names = {
        container_name(c)
        for template in find_pod_templates(obj)
        for key in ("containers", "initContainers")
        for c in containers_of(template.pod_spec, key)
    }
    wanted = tuple(name for name in request.containers if name in names)
    if not wanted:
        return None
    return plan_shm(obj, ShmRequest(request.size, wanted, request.remove, request.overwrite))
