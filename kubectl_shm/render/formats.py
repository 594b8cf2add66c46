"""Machine-readable output: always parseable, nothing else on stdout."""

from __future__ import annotations

from typing import Any, TextIO

import yaml

from kubectl_shm.json_codec import dumps_indented

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_json(document: Any, out: TextIO) -> None:
    """`json.dump(document, out, indent=2)` and a newline (the text is written whole, not
    copied once more to add the newline: it is megabytes for a large audit)."""
    out.write(dumps_indented(document))
    out.write("\n")


def write_yaml(document: Any, out: TextIO, *, documents: bool = False) -> None:
    """One YAML document, or with `documents` a `---` separated stream of a list."""
    if documents:
        yaml.dump_all(document, out, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
    else:
        yaml.dump(document, out, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
