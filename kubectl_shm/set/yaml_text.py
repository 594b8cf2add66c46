"""The text of the values `set --local` writes into a manifest: YAML block or flow, or JSON.

Only what the /dev/shm edits need: mappings, lists and strings (names, paths, sizes). A
string is written plain only when kubectl reads it back as that same string (never `y`,
`1e3`, `0644`); else quoted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_shm.manifests.yaml_scalars import STR, resolve

# Characters that are never YAML syntax in a plain scalar, in block or flow context.
_PLAIN = re.compile(r"[A-Za-z0-9/][A-Za-z0-9._/-]*")


@dataclass(frozen=True)
class Layout:
    """How a document is indented, learnt from what is already in it."""

    # Columns a nested mapping's keys sit right of their parent key.
    indent: int = 2
    # Columns a block list's dashes sit right of the key that holds it (0: `key:` then `- a`).
    list_indent: int = 2
    # Columns an item's keys sit right of its dash (`- name:` is 2).
    item_indent: int = 2
    # Between the entries of a one-line flow collection, and between a JSON key and value.
    separator: str = ", "
    key_separator: str = ": "


def scalar_text(value: str, *, syntax: str, style: str | None = None) -> str:
    """`value` as a YAML (or JSON) scalar, in the original `style` where that still reads back."""
    if syntax == "json" or style == '"':
        return json.dumps(value, ensure_ascii=False)
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if _PLAIN.fullmatch(value) and resolve("", value) == (STR, value):
        return value
    return json.dumps(value, ensure_ascii=False)


def flow_text(value: Any, *, syntax: str, layout: Layout = Layout()) -> str:
    """A value on one line: `{name: dshm, mountPath: /dev/shm}`, or JSON, spaced as `layout`."""
    if syntax == "json":
        separators = (layout.separator, layout.key_separator)
        return json.dumps(value, ensure_ascii=False, separators=separators)
    if isinstance(value, Mapping):
        pairs = (
            scalar_text(str(key), syntax=syntax)
            + ": "
            + flow_text(item, syntax=syntax, layout=layout)
            for key, item in value.items()
        )
        return "{" + layout.separator.join(pairs) + "}"
    if isinstance(value, list):
        items = (flow_text(item, syntax=syntax, layout=layout) for item in value)
        return "[" + layout.separator.join(items) + "]"
    return scalar_text(str(value), syntax=syntax)


def json_lines(value: Any, *, indent: str) -> list[str]:
    """A JSON value over several lines (json.dumps with `indent`), the first unindented."""
    return json.dumps(value, indent=indent, ensure_ascii=False).split("\n")


def block_lines(value: Any, column: int, layout: Layout) -> list[str]:
    """A mapping or list in block style, every line starting at `column`."""
    pad = " " * column
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            head = f"{pad}{scalar_text(str(key), syntax='yaml')}:"
            if isinstance(item, Mapping) and item:
                lines += [head, *block_lines(item, column + layout.indent, layout)]
            elif isinstance(item, list) and item:
                lines += [head, *block_lines(item, column + layout.list_indent, layout)]
            else:
                lines.append(f"{head} {flow_text(item, syntax='yaml')}")
        return lines
    for item in value:
        if isinstance(item, (Mapping, list)) and item:
            nested = block_lines(item, column + layout.item_indent, layout)
            dash = f"{pad}-{' ' * (layout.item_indent - 1)}"
            lines += [dash + nested[0][column + layout.item_indent :], *nested[1:]]
        else:
            lines.append(f"{pad}- {flow_text(item, syntax='yaml')}")
    return lines


def item_lines(value: Any, column: int, layout: Layout) -> list[str]:
    """One new block list item at `column` (its dash)."""
    return block_lines([value], column, layout)


def pair_lines(key: str, value: Any, column: int, layout: Layout) -> list[str]:
    """One new `key: value` pair in block style at `column`."""
    return block_lines({key: value}, column, layout)
