"""Flags shared by every command, with kubectl's names."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from kubectl_shm.cli.app import App
from kubectl_shm.kube.connection import DEFAULT_REQUEST_TIMEOUT, ConnectionOptions

F = TypeVar("F", bound=Callable[..., Any])
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)?")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_request_timeout(value: str | None) -> float | None:
    """kubectl's --request-timeout: '0' (none), '30', '30s', '2m', '1h'."""
    if value is None:
        return None
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise click.BadParameter(
            f"{value!r} is not a duration (use e.g. 30s, 2m, 1h)", param_hint="--request-timeout"
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return seconds or None


def connection_options(function: F) -> F:
    """--kubeconfig, --context, --cluster, --user, -n, --request-timeout, -v."""
    decorators = [
        click.option("--kubeconfig", metavar="PATH", help="Path to the kubeconfig file."),
        click.option("--context", metavar="NAME", help="The kubeconfig context to use."),
        click.option("--cluster", metavar="NAME", help="The kubeconfig cluster to use."),
        click.option("--user", metavar="NAME", help="The kubeconfig user to use."),
        click.option(
            "-n",
            "--namespace",
            metavar="NS",
            help="Namespace (default: the context's namespace, else 'default').",
        ),
        click.option(
            "--request-timeout",
            metavar="DURATION",
            help=f"Give up on a request (or a credential plugin) after this long "
            f"(default {DEFAULT_REQUEST_TIMEOUT:g}s; e.g. 5s, 2m; 0 = no limit).",
        ),
        verbose_option,
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def output_option(formats: tuple[str, ...], *, default: str) -> Callable[[F], F]:
    """-o/--output with the command's formats; the same spelling and help everywhere."""
    return click.option(
        "-o",
        "--output",
        type=click.Choice(formats),
        default=default,
        show_default=True,
        help="Output format.",
    )


def filenames_option(help_text: str) -> Callable[[F], F]:
    """kubectl's repeatable -f/--filename, collected as `filenames`."""
    return click.option(
        "-f", "--filename", "filenames", multiple=True, metavar="PATH", help=help_text
    )


def verbose_option(function: F) -> F:
    return click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_set_verbose,
        help="Show tracebacks and API calls on errors (repeat for more).",
    )(function)


def connection_from(kwargs: dict[str, Any]) -> ConnectionOptions:
    """Take the connection flags out of a command's keyword arguments."""
    return ConnectionOptions(
        kubeconfig=kwargs.pop("kubeconfig"),
        context=kwargs.pop("context"),
        cluster=kwargs.pop("cluster"),
        user=kwargs.pop("user"),
        namespace=kwargs.pop("namespace"),
        request_timeout=request_timeout(kwargs.pop("request_timeout")),
    )


def request_timeout(value: str | None) -> float | None:
    """--request-timeout in seconds: the default when not given, None for '0' (no limit)."""
    return DEFAULT_REQUEST_TIMEOUT if value is None else parse_request_timeout(value)


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    app = ctx.find_object(App)
    if app is not None and value:
        app.set_verbose(value)
