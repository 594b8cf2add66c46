"""Which clusters a command reads: `--context A,B,...` or `--all-contexts` (kubectl's
--context takes one name; a comma list or --all-contexts makes the command read several)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from collections.abc import Callable

    from kubectl_shm.cli.app import App
    from kubectl_shm.kube.connection import ConnectionOptions

F = TypeVar("F", bound="Callable[..., Any]")


def all_contexts_option(what: str) -> Callable[[F], F]:
    """--all-contexts, with the command's own words for what it does in each."""
    return click.option(
        "--all-contexts",
        is_flag=True,
        help=f"{what} in every context of the kubeconfig, side by side (--context A,B names some).",
    )


def wanted_contexts(connection: ConnectionOptions, all_contexts: bool) -> list[str] | None:
    """The contexts to read (--context A,B or --all-contexts), in order and each once;
    None for one cluster (the usual single-context path)."""
    from kubectl_shm.kube.fleet import all_context_names

    if all_contexts:
        if connection.context:
            raise click.UsageError("--all-contexts and --context cannot be used together")
        contexts = all_context_names(connection.kubeconfig)
    else:
        named = [name.strip() for name in (connection.context or "").split(",")]
        if len(named) < 2:
            return None
        if not all(named):
            message = f"{connection.context!r} has an empty name"
            raise click.BadParameter(message, param_hint="--context")
        contexts = list(dict.fromkeys(named))
    if connection.cluster or connection.user:
        raise click.UsageError(
            "--cluster and --user cannot be used with several contexts: each context "
            "names its own cluster and user"
        )
    return contexts


def quiet_libraries(app: App) -> None:
    """Before connecting to several clusters (kube.fleet connects each itself, not through
    App.connect): what the libraries log stays off stderr unless -v, as for one."""
    if app.library_output is not None:
        app.library_output.capture_logging()
