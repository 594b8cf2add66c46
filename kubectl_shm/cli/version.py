"""`kubectl shm version`: what is running, for bug reports."""

from __future__ import annotations

import platform
import sys
from typing import Any

import click

from kubectl_shm import __version__
from kubectl_shm.cli.app import App
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.options import output_option, verbose_option

# The distributions whose versions decide behaviour: the API client and the CLI stack;
# msgspec decides speed (without it the json module decodes and encodes, slower).
DEPENDENCIES = ("kubernetes", "click", "rich", "PyYAML", "msgspec")
OUTPUT_FORMATS = ("text", "json", "yaml")
# Machine names as Go (and so kubectl and krew) spell them.
_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@output_option(OUTPUT_FORMATS, default="text")
@verbose_option
@click.pass_obj
def version(app: App, /, output: str) -> int:
    """Print the version of kubectl shm, of the Python running it and of its libraries.

    Nothing is asked of the cluster. `kubectl version` shows the server's version.

    \b
    Examples:
      kubectl shm version
      kubectl shm version -o json
    """
    document = version_document()
    if output == "text":
        python = document["python"]
        libraries = document["libraries"].items()
        lines = [
            f"Client Version: {document['clientVersion']}",
            f"Python Version: {python['version']} "
            f"({python['implementation']}, {python['platform']})",
            *(f"{name}: {found or 'not installed'}" for name, found in libraries),
        ]
        app.terminal.stdout.write("\n".join(lines) + "\n")
    else:
        from kubectl_shm.render.formats import write_json, write_yaml

        (write_json if output == "json" else write_yaml)(document, app.terminal.stdout)
    return ExitStatus.OK


def version_document() -> dict[str, Any]:
    """`{"kind": "ShmVersion", "clientVersion": "v0.1.0", "python": {...}, "libraries": {...}}`."""
    machine = platform.machine().lower()
    return {
        "kind": "ShmVersion",
        "clientVersion": f"v{__version__}",
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": f"{sys.platform}/{_ARCHITECTURES.get(machine, machine)}",
            "executable": sys.executable,
        },
        "libraries": {name: _installed_version(name) for name in DEPENDENCIES},
    }


def _installed_version(distribution: str) -> str | None:
    """The distribution's version from its metadata (no import); None when absent."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
