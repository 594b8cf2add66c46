"""Objects written back out (`set -o yaml|json`), and the pod template diff shown on a terminal.

YAML keeps each document's field order and never folds long lines, so
`kubectl shm set -f app.yaml --local 2Gi -o yaml > app.yaml` changes only the
lines it must (comments are not kept: the YAML is parsed and written again).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import yaml

from kubectl_shm.render.terminal import Terminal

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
DIFF_CONTEXT = 2


def write_objects(objects: Sequence[Mapping[str, Any]], out: TextIO, output: str) -> None:
    """YAML: one document per object. JSON: the object, or a v1 List of several."""
    if output == "json":
        document: Any = (
            objects[0]
            if len(objects) == 1
            else {"apiVersion": "v1", "kind": "List", "items": list(objects)}
        )
        json.dump(document, out, indent=2, default=str)
        out.write("\n")
        return
    yaml.dump_all(
        [dict(obj) for obj in objects],
        out,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=2**31 - 1,
    )


def yaml_text(value: Any) -> str:
    return yaml.dump(
        value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=2**31 - 1
    )


def template_diff(before: Any, after: Any, label: str) -> list[str]:
    """A unified diff of two pod templates as YAML, with a little context."""
    return list(
        difflib.unified_diff(
            yaml_text(before).splitlines(),
            yaml_text(after).splitlines(),
            fromfile=f"{label} (now)",
            tofile=f"{label} (after)",
            n=DIFF_CONTEXT,
            lineterm="",
        )
    )


def show_diff(terminal: Terminal, lines: Sequence[str]) -> None:
    """The diff on stderr, coloured when it is a terminal."""
    from rich.text import Text

    console = terminal.error_console()
    styles = {"+": "green", "-": "red", "@": "cyan"}
    for line in lines:
        style = "bold" if line.startswith(("+++", "---")) else styles.get(line[:1], "")
        console.print(Text(line, style=style), soft_wrap=True)
