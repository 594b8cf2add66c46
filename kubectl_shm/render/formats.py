"""Machine-readable output: always parseable, nothing else on stdout."""

from __future__ import annotations

import json
from typing import Any, TextIO

import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_json(document: Any, out: TextIO) -> None:
    json.dump(document, out, indent=2)
    out.write("\n")


def write_yaml(document: Any, out: TextIO, *, documents: bool = False) -> None:
    """One YAML document, or with `documents` a `---` separated stream of a list."""
    if documents:
        yaml.dump_all(document, out, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
    else:
        yaml.dump(document, out, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
