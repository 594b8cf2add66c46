"""`kubectl shm set`: give workloads the /dev/shm they need, live or in manifests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any

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
from kubectl_shm.model.quantity import QuantityError, parse_quantity
from kubectl_shm.model.workload_kinds import parse_targets, targets_in_manifests
from kubectl_shm.set.plan import ShmRequest, parse_size

if TYPE_CHECKING:
    from kubectl_shm.kube.connection import ConnectionOptions
    from kubectl_shm.model.workload_kinds import TargetQuery
    from kubectl_shm.set.live import LiveOptions
    from kubectl_shm.set.resize_live import ResizeResult

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
@click.option(
    "--template",
    "templates",
    multiple=True,
    metavar="PATH",
    help="Only the pod template at PATH or below it (e.g. spec.workerGroupSpecs.0.template"
    ".spec, spec.workerGroupSpecs). Repeatable. Default: every pod template of the object.",
)
@click.option("--remove", is_flag=True, help="Take the /dev/shm volume and its mounts away.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace a hostPath or other non-emptyDir volume at /dev/shm.",
)
@click.option(
    "--in-place",
    is_flag=True,
    help="StatefulSets and DaemonSets with updateStrategy OnDelete: change the template and "
    "resize each running pod's /dev/shm in place, no restart (Kubernetes 1.37).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Accept a SIZE below 1Mi (refused as a likely typo: 512m is 0.512 bytes), and "
    "patch an object an operator owns (its next reconcile will likely undo it), and "
    "where admission would change or drop the /dev/shm asked for.",
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

    SIZE is a Kubernetes quantity (512Mi, 16Gi); below 1Mi only with --force.
    Live objects are patched in place with a strategic merge patch that names
    only the /dev/shm volume and mounts, conditional on the version read
    (retried on conflict): this restarts their pods (a rollout). Jobs and Pods
    cannot change once created: edit their manifests with --local. A volume at
    /dev/shm that is not an emptyDir (hostPath, PVC) is kept unless --overwrite.

    TYPE may be any custom resource with pod templates (rayclusters,
    pytorchjob, lws, name.group), resolved through API discovery as kubectl
    does: every pod template in it changes (or those --template names), in one
    JSON patch that tests the fields it relies on and the resourceVersion.

    Every live change is first a server dry run: if admission (a mutating webhook
    or policy) would store another /dev/shm than asked, or refuses it, set says
    which and what, and stops before patching (exit 3) unless --force.

    Warns when the kubelet will not give SIZE: above the pod memory limit, above
    node allocatable memory, or on kubelets without SizeMemoryBackedVolumes;
    and when Argo CD, Flux or Helm manage the object (they revert live edits).
    An object an operator owns (a controller owner that is not a built-in
    workload) is refused unless --force, naming the owner's knob instead.

    \b
    Examples:
      kubectl shm set deploy/vllm 16Gi -n serve
      kubectl shm set sts/trainer ds/agent 2Gi -c main --dry-run=server
      kubectl shm set deploy -l app=ray 8Gi --wait --timeout 10m
      kubectl shm set rayclusters/llm 8Gi --template spec.workerGroupSpecs
      kubectl shm set -f deploy.yaml --local 16Gi -o yaml > fixed.yaml
      helm template . | kubectl shm set -f - --local 4Gi
      kubectl shm set deploy/vllm --remove

    Exit codes: 0 done (or unchanged), 2 bad usage, SIZE or refused change,
    3 cluster or API error, or a rollout that failed or timed out.
    """
    connection = connection_from(options)
    remove = options["remove"]
    words, size = _split_arguments(options["args"], remove=remove, force=options["force"])
    request = ShmRequest(
        size=size,
        containers=_container_names(options["containers"]),
        remove=remove,
        overwrite=options["overwrite"],
        templates=tuple(options["templates"]),
    )
    if options["local"]:
        _check_local_flags(words, options)
        return _set_local(app, options["filenames"], request, options["output"] or "yaml")
    query = _live_targets(app, connection, words, options)
    from kubectl_shm.set.live import LiveOptions

    wait = options["wait"]
    live = LiveOptions(
        dry_run=options["dry_run"],
        wait=app.terminal.stderr_is_tty if wait is None else wait,
        timeout=_timeout(options["timeout"]),
        force=options["force"],
    )
    if live.dry_run != "none" and wait:
        raise InputError("--wait has nothing to follow with --dry-run")
    in_place = options["in_place"]
    if _pods_only(query) or in_place:
        if request.templates:
            raise InputError("--template chooses pod templates to patch, not pods to resize")
        if options["output"]:
            raise InputError("-o prints changed objects; a resize in place prints lines")
        # Waiting is how a resize the kubelet refuses gets put back: the default here.
        live = dataclasses.replace(live, wait=wait is not False)
        _resize_in_place(app, connection, query, request, live, workloads=in_place)
        return ExitStatus.OK
    _set_live(app, connection, query, request, live, options["output"])
    return ExitStatus.OK


def _live_targets(
    app: App, connection: ConnectionOptions, words: list[str], options: Mapping[str, Any]
) -> TargetQuery:
    """The objects named on the line or in -f files; a TYPE that is no built-in kind is
    looked up in the cluster's API discovery (custom resources)."""
    from kubectl_shm.set.custom_kinds import CustomKinds

    kinds = CustomKinds(lambda: app.connect(connection))
    with closing(kinds):
        if options["filenames"]:
            if words or options["selector"] is not None or options["all_objects"]:
                raise InputError("name targets with -f or with TYPE/NAME, not both")
            objects = _read(app, options["filenames"], names_only=True)
            return targets_in_manifests(objects, kinds.served)
        return parse_targets(
            words, selector=options["selector"], all_objects=options["all_objects"], resolve=kinds
        )


def _pods_only(query: TargetQuery) -> bool:
    kinds = {target.kind.kind for target in query.named} | {kind.kind for kind in query.kinds}
    if "Pod" in kinds and len(kinds) > 1:
        raise InputError("pods are resized in place, one kind at a time: name pods alone")
    return kinds == {"Pod"} and bool(query.named)


def _resize_in_place(
    app: App,
    connection: ConnectionOptions,
    query: TargetQuery,
    request: ShmRequest,
    live: LiveOptions,
    *,
    workloads: bool,
) -> None:
    """Pods, or with --in-place StatefulSets and DaemonSets and their pods, one line each."""
    from kubectl_shm.render.feedback import TerminalFeedback
    from kubectl_shm.set.resize_live import resize_in_place
    from kubectl_shm.set.workload_resize import IN_PLACE_KINDS, resize_workload_in_place

    if workloads and (query.kinds or any(t.kind.kind not in IN_PLACE_KINDS for t in query.named)):
        raise InputError("--in-place takes statefulsets and daemonsets by name (sts/NAME, ds/NAME)")
    feedback = TerminalFeedback(app.terminal)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(live.dry_run, "")
    with closing(app.connect(connection)) as kube:
        for target in query.named:
            resize = resize_workload_in_place if workloads else resize_in_place
            found = resize(
                kube,
                feedback,
                target,
                request,
                dry_run=live.dry_run,
                wait=live.wait,
                timeout=live.timeout,
            )
            results = found if isinstance(found, list) else [found]
            for result in results:
                app.terminal.stdout.write(f"{_resize_line(result)}{suffix}\n")


def _resize_line(result: ResizeResult) -> str:
    resize = result.resize
    if not result.changed:
        return f"{result.label} unchanged: /dev/shm sizeLimit is {resize.old_size}"
    if result.label.startswith("pod/"):
        done = "resized in place" if result.applied else "resize requested"
        return f"{result.label} {done}: {resize.summary()}" + (
            ", no restart" if result.applied else ""
        )
    return f"{result.label} patched: {resize.summary()} in its template (OnDelete: no rollout)"


def _set_live(
    app: App,
    connection: ConnectionOptions,
    query: TargetQuery,
    request: ShmRequest,
    live: LiveOptions,
    output: str | None,
) -> None:
    from kubectl_shm.render.feedback import TerminalFeedback
    from kubectl_shm.render.set_output import write_set_results
    from kubectl_shm.set.live import follow_rollouts, refuse_fixed_targets, set_live

    refuse_fixed_targets(lambda: app.connect(connection), query, request)
    feedback = TerminalFeedback(app.terminal)
    with closing(app.connect(connection)) as kube:
        items = set_live(
            kube, feedback, query, request, live, explicit_namespace=connection.namespace
        )
        write_set_results(items, app.terminal.stdout, output=output, dry_run=live.dry_run)
        if live.wait and live.dry_run == "none":
            follow_rollouts(kube, feedback, items, timeout=live.timeout)


def _split_arguments(
    args: Sequence[str], *, remove: bool, force: bool
) -> tuple[list[str], str | None]:
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
    return words, parse_size(last, force=force)


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


def _read(app: App, paths: Sequence[str], *, names_only: bool = False) -> list[Mapping[str, Any]]:
    """The objects in `paths`; InputError naming file, document and field of the first one
    whose pod template cannot be read as one (set must not guess where /dev/shm goes).

    `names_only`: the files only name live objects (kind and name are all that is read).
    """
    from kubectl_shm.manifests.files import read_manifests

    documents = read_manifests(paths, app.terminal.stdin)
    if not names_only:
        _refuse_malformed((document.source, document.obj) for document in documents)
    return [document.obj for document in documents]


def _refuse_malformed(documents: Iterable[tuple[str, Any]]) -> None:
    """InputError naming file, document and field of the first object whose pod template
    cannot be read as one: set must not guess where /dev/shm goes."""
    from kubectl_shm.model.shapes import numbered, object_problems

    for where, obj in numbered(documents):
        problems = object_problems(obj)
        if problems:
            raise InputError(f"{where}: {problems[0]}; fix the manifest first")


def _set_local(app: App, paths: Sequence[str], request: ShmRequest, output: str) -> int:
    """Every document comes out, in order; those with pod templates changed. YAML output is
    the manifests' own text, changed in place; JSON, the objects."""
    from kubectl_shm.manifests.files import read_manifest_files
    from kubectl_shm.render.feedback import TerminalFeedback
    from kubectl_shm.render.manifest_output import write_manifests, write_objects
    from kubectl_shm.set.local import change_manifests

    files = read_manifest_files(paths, app.terminal.stdin)
    _refuse_malformed((f.source, d.obj) for f in files for d in f.documents)
    feedback = TerminalFeedback(app.terminal)
    in_place = output != "json"
    change = change_manifests(files, request, feedback, sources=paths, in_place=in_place)
    if in_place:
        write_manifests(change.manifests, app.terminal.stdout)
    else:
        write_objects(change.objects, app.terminal.stdout, output)
    return ExitStatus.OK
