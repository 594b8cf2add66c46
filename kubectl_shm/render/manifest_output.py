"""Objects written out (`set -o yaml|json`), manifests written back (`set --local`), and the
pod template diff shown on a terminal.

`set --local` prints each manifest's own text with the change made in place, in the
encoding it was read in: `kubectl shm set -f app.yaml --local 2Gi > app.yaml` changes
only the /dev/shm lines.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import yaml

from kubectl_shm.manifests.decoding import encode_manifest
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from kubectl_shm.set.local import ChangedManifest

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


def write_manifests(manifests: Sequence[ChangedManifest], out: TextIO) -> None:
    """Every manifest in order, as a stream kubectl reads as one: `---` between files.

    Written as bytes in the first manifest's encoding (with its byte order mark, if it
    had one), so a file that is not UTF-8 comes back as it was.
    """
    if not manifests:
        return
    text = manifests[0].text
    for manifest in manifests[1:]:
        if text and not text.endswith("\n"):
            text += "\n"
        text += manifest.text if manifest.text.startswith("---") else "---\n" + manifest.text
    first = manifests[0]
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a text stream (tests): the text itself
        out.write(text)
        return
    out.flush()
    buffer.write(encode_manifest(text, first.encoding, first.bom))
    buffer.flush()


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
