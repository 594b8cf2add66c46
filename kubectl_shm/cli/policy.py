"""`kubectl shm policy`: the admission-decidable audit rules as a ValidatingAdmissionPolicy."""

from __future__ import annotations

from typing import Any

import click

from kubectl_shm.cli.app import App
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.options import output_option, verbose_option
from kubectl_shm.errors import InputError
from kubectl_shm.policy.document import (
    DEFAULT_ACTIONS,
    DEFAULT_NAME,
    RULE_IDS,
    PolicyError,
    PolicyOptions,
    policy_documents,
)
from kubectl_shm.policy.selector import SelectorError, label_selector

OUTPUT_FORMATS = ("yaml", "json")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@output_option(OUTPUT_FORMATS, default="yaml")
@click.option(
    "--action",
    default=",".join(DEFAULT_ACTIONS),
    show_default=True,
    metavar="warn,audit|deny",
    help="What the binding does with a finding: warn (the client shows it), audit (the "
    "audit log records it), deny (the API server refuses the object).",
)
@click.option(
    "--rules",
    metavar="R1,R2",
    help=f"Only these rules. Default: all that admission can decide ({', '.join(RULE_IDS)}).",
)
@click.option(
    "--namespace-selector",
    metavar="SELECTOR",
    help="Bind the policy only to namespaces matching this label selector (e.g. shm-policy=on).",
)
@click.option("--name", default=DEFAULT_NAME, show_default=True, help="Policy and binding name.")
@verbose_option
@click.pass_obj
def policy(app: App, /, **options: Any) -> int:
    """Print a ValidatingAdmissionPolicy and its binding that check /dev/shm at admission.

    The CEL expressions implement the audit rules that one object decides, on Pods
    and on every kind with a pod template (Deployment, StatefulSet, DaemonSet,
    ReplicaSet, Job, CronJob), with the same catalogue of AI images, launchers and
    accelerators as the audit. Nothing is asked of the cluster: apply the output
    with kubectl. Roll it out with the default warn,audit first; deny when clean.

    \b
    Examples:
      kubectl shm policy | kubectl apply -f -
      kubectl shm policy --namespace-selector team=ml --action deny
      kubectl shm policy --rules default-shm-ai-workload,shm-host-shared -o json
    """
    selector = _selector(options["namespace_selector"])
    rules = _split(options["rules"]) if options["rules"] is not None else RULE_IDS
    chosen = PolicyOptions(
        name=options["name"],
        actions=_split(options["action"]),
        rules=rules,
        namespace_selector=selector,
    )
    try:
        documents = policy_documents(chosen)
    except PolicyError as error:
        raise InputError(str(error)) from error
    from kubectl_shm.render.formats import write_json, write_yaml

    if options["output"] == "json":
        write_json({"apiVersion": "v1", "kind": "List", "items": documents}, app.terminal.stdout)
    else:
        write_yaml(documents, app.terminal.stdout, documents=True)
    return ExitStatus.OK


def _split(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


def _selector(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        return label_selector(text)
    except SelectorError as error:
        raise InputError(f"--namespace-selector: {error}") from error
