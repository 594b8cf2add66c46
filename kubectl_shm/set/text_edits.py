"""Text operations on one manifest document: append a list item, add or set a key, replace or
remove a node, each as a Replacement of a range of the file's text. Everything outside the
ranges stays as it was, byte for byte.

Block collections get block lines at the document's own indentation; flow collections
(`[...]`, `{...}`, and all of JSON) get the new entry after their last one, with the
separator already used between entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.manifests.nodes import Mapping, Node, Scalar
from kubectl_shm.manifests.nodes import Sequence as SequenceNode
from kubectl_shm.set.manifest_text import (
    ManifestText,
    Pair,
    after_lines,
    block_start,
    column,
    content_end,
    item_start,
    line_break,
    line_start,
    next_line,
    own,
    padding,
)
from kubectl_shm.set.yaml_text import (
    Layout,
    block_lines,
    flow_text,
    item_lines,
    json_lines,
    pair_lines,
    scalar_text,
)


@dataclass(frozen=True)
class Replacement:
    """text[start:end] becomes `text`; at one offset, insertions of deeper `column` go first."""

    start: int
    end: int
    text: str
    column: int = 0


class TextEdits:
    """The replacements that make a set of changes to one document."""

    def __init__(self, document: ManifestText, layout: Layout) -> None:
        self.document, self.layout = document, layout
        self.text, self.syntax = document.text, document.syntax
        self.replacements: list[Replacement] = []

    def append_items(self, sequence: SequenceNode, values: Sequence[Any]) -> None:
        if sequence.flow:
            entries = [self._flow_value(sequence, value) for value in values]
            self._flow_insert(sequence, entries)
            return
        dash = column(self.text, block_start(self.text, sequence))
        lines = [line for value in values for line in item_lines(value, dash, self.layout)]
        self._insert_lines(after_lines(self.text, sequence), lines)

    def add_pair(self, mapping: Mapping, key: str, value: Any) -> None:
        if mapping.flow:
            first = mapping.pairs[0][0] if mapping.pairs else None
            quoted = isinstance(first, Scalar) and first.style in ('"', "'")
            quotes = first.style if quoted else None  # type: ignore[union-attr]
            key_text = scalar_text(key, syntax=self.syntax, style=quotes)
            separator = self.text[first.end : mapping.pairs[0][1].start] if first else ": "
            if "\n" in separator or (self.syntax == "yaml" and not quotes and separator == ":"):
                separator = ": "  # a plain YAML key needs a space after its colon
            self._flow_insert(mapping, [f"{key_text}{separator}{self._flow_value(mapping, value)}"])
            return
        key_column = column(self.text, mapping.pairs[0][0].start)
        lines = pair_lines(key, value, key_column, self.layout)
        self._insert_lines(after_lines(self.text, mapping), lines)

    def replace_value(self, mapping: Mapping, pair: Pair, value: Any) -> None:
        """The value of `pair` becomes `value`; a scalar keeps its quoting where it can."""
        node = own(self.document, pair[1], "the value to change")
        empty = isinstance(node, Scalar) and node.start == node.end
        if empty and not mapping.flow and isinstance(value, (dict, list)) and value:
            # `key:` with nothing after it: the value goes on the lines below the key.
            lines = pair_lines("key", value, column(self.text, pair[0].start), self.layout)
            self._insert_lines(next_line(self.text, node.start), lines[1:])
        elif isinstance(node, (Mapping, SequenceNode)) and not node.flow:
            self._replace_block(node, value)
        elif isinstance(node, Scalar):
            text = self._scalar(node, value) if isinstance(value, str) else None
            text = text or self._flow_value(mapping, value)
            end = content_end(self.text, node)
            spaced = " " if empty and self.text[node.start - 1 : node.start] == ":" else ""
            self._replace(node.start, end, spaced + text)
        else:
            self._replace(node.start, node.end, self._flow_value(mapping, value))

    def replace_item(self, sequence: SequenceNode, item: Node, value: Any) -> None:
        """A list item becomes `value`, in its place."""
        node = own(self.document, item, "the list item to change")
        if isinstance(node, Mapping) and not node.flow:
            start = block_start(self.text, node)
            lines = block_lines(value, column(self.text, start), self.layout)
            newline = line_break(self.text, start)
            text = lines[0].lstrip(" ") + "".join(newline + line for line in lines[1:])
            self._replace(start, content_end(self.text, node), text)
        else:
            self._replace(node.start, node.end, self._flow_value(sequence, value))

    def remove_items(self, sequence: SequenceNode, items: Sequence[Node]) -> None:
        """Remove some (not all) items of a list."""
        doomed = {id(item) for item in items}
        for item in items:
            own(self.document, item, "the list item to remove")
        if sequence.flow:
            self._remove_flow([(i.start, i.end) for i in sequence.items], doomed, sequence.items)
            return
        for item in items:
            start = line_start(self.text, item_start(self.text, sequence, item))
            self._replace(start, next_line(self.text, content_end(self.text, item)), "")

    def remove_pair(self, mapping: Mapping, pair: Pair) -> None:
        """Remove one key and its value from a mapping that keeps other keys."""
        if mapping.flow:
            spans = [(key.start, value.end) for key, value in mapping.pairs]
            self._remove_flow(spans, {id(pair[0])}, [key for key, _ in mapping.pairs])
            return
        index = [id(key) for key, _ in mapping.pairs].index(id(pair[0]))
        if index == 0:  # maybe on a list item's dash line: the next key takes its place
            self._replace(pair[0].start, mapping.pairs[1][0].start, "")
        else:
            start = line_start(self.text, pair[0].start)
            self._replace(start, after_lines(self.text, pair[1]), "")

    # --- text ------------------------------------------------------------------------

    def _scalar(self, node: Scalar, value: str) -> str:
        style = node.style if node.style in ('"', "'") else None
        return scalar_text(value, syntax=self.syntax, style=style)

    def _flow_value(self, parent: Mapping | SequenceNode, value: Any) -> str:
        """`value` for a flow collection: one line; in JSON whose entries span several lines
        each, over lines indented as they are."""
        entries = [p[1] for p in parent.pairs] if isinstance(parent, Mapping) else parent.items
        sibling = next((e for e in entries if _is_multiline(self.text, e)), None)
        if self.syntax != "json" or sibling is None:
            # JSON-looking YAML (keys in double quotes) gets JSON, which YAML reads the same.
            syntax = "json" if self.syntax == "json" or _json_like(parent) else "yaml"
            return flow_text(value, syntax=syntax, layout=self.layout)
        first = parent.pairs[0][0] if isinstance(parent, Mapping) else parent.items[0]
        indent = line_break(self.text, first.start) + padding(self.text, first.start)
        lines = json_lines(value, indent=_json_step(self.text, sibling))
        return lines[0] + "".join(indent + line for line in lines[1:])

    def _flow_insert(self, parent: Mapping | SequenceNode, entries: Sequence[str]) -> None:
        """New entries after the last of a flow collection, separated as its entries are."""
        spans = (
            [(key.start, value.end) for key, value in parent.pairs]
            if isinstance(parent, Mapping)
            else [(item.start, item.end) for item in parent.items]
        )
        if len(spans) > 1:
            separator = self.text[spans[0][1] : spans[1][0]]
        elif spans and self.text.count("\n", spans[0][1], parent.end) > 0:
            separator = "," + line_break(self.text, spans[0][1]) + padding(self.text, spans[0][0])
        else:
            separator = self.layout.separator
        if not spans:
            self._replace(parent.start + 1, parent.end - 1, separator.join(entries))
            return
        text = "".join(separator + entry for entry in entries)
        self._replace(spans[-1][1], spans[-1][1], text, column(self.text, spans[0][0]))

    def _remove_flow(
        self, spans: list[tuple[int, int]], doomed: set[int], nodes: Sequence[Node]
    ) -> None:
        kept = [index for index, node in enumerate(nodes) if id(node) not in doomed]
        for index, node in enumerate(nodes):
            if id(node) not in doomed:
                continue
            if kept and index < kept[0]:
                if index == 0:  # the leading run, with the separator after it
                    self._replace(spans[0][0], spans[kept[0]][0], "")
            else:
                self._replace(spans[index - 1][1], spans[index][1], "")

    def _replace_block(self, node: Mapping | SequenceNode, value: Any) -> None:
        start = line_start(self.text, block_start(self.text, node))
        lines = block_lines(value, column(self.text, block_start(self.text, node)), self.layout)
        end = next_line(self.text, content_end(self.text, node))
        self._replace(start, end, self._lines(lines, start))

    def _insert_lines(self, position: int, lines: list[str]) -> None:
        depth = len(lines[0]) - len(lines[0].lstrip(" ")) if lines else 0
        if position == len(self.text) and self.text and not self.text.endswith("\n"):
            newline = line_break(self.text, position)  # no line break at the end: none after us
            self._replace(position, position, newline + newline.join(lines), depth)
        else:
            self._replace(position, position, self._lines(lines, position), depth)

    def _lines(self, lines: Sequence[str], position: int) -> str:
        newline = line_break(self.text, position)
        return "".join(line + newline for line in lines)

    def _replace(self, start: int, end: int, text: str, depth: int = 0) -> None:
        self.replacements.append(Replacement(start, end, text, depth))


def apply_replacements(text: str, replacements: Sequence[Replacement]) -> str:
    """`text` with every replacement made; ValueError if two overlap (removals may: they
    merge)."""
    ordered: list[Replacement] = []
    for replacement in sorted(replacements, key=lambda r: (r.start, r.end, -r.column)):
        last = ordered[-1] if ordered else None
        removals = last is not None and not last.text and not replacement.text
        if last is not None and (
            last.end > replacement.start or (removals and last.end == replacement.start)
        ):
            if not removals:
                raise ValueError(f"overlapping edits at {last.start} and {replacement.start}")
            ordered[-1] = Replacement(last.start, max(last.end, replacement.end), "")
            continue
        ordered.append(replacement)
    last = ordered[-1] if ordered else None
    if last and not last.text and last.end == len(text) and not text.endswith("\n"):
        # Whole lines removed at the end of a file without a final line break: the break
        # before them goes too, so that the file still ends without one.
        start = last.start - (2 if text[last.start - 2 : last.start] == "\r\n" else 1)
        if start >= 0 and text[start : last.start].strip("\r") == "\n":
            ordered[-1] = Replacement(start, last.end, "")
    for replacement in reversed(ordered):
        text = text[: replacement.start] + replacement.text + text[replacement.end :]
    return text


def _json_like(node: Mapping | SequenceNode) -> bool:
    first = node.pairs[0][0] if isinstance(node, Mapping) and node.pairs else None
    return isinstance(first, Scalar) and first.style == '"'


def _is_multiline(text: str, node: Node) -> bool:
    return isinstance(node, (Mapping, SequenceNode)) and "\n" in text[node.start : node.end]


def _json_step(text: str, node: Node) -> str:
    """The indentation one level of a multi-line JSON object or array adds (spaces or tabs)."""
    entries = [p[0] for p in node.pairs] if isinstance(node, Mapping) else node.items  # type: ignore[union-attr]
    outer = padding(text, _first_non_blank(text, node.start))
    inner = padding(text, entries[0].start) if entries else outer + "  "
    return inner[len(outer) :] if inner.startswith(outer) and len(inner) > len(outer) else "  "


def _first_non_blank(text: str, position: int) -> int:
    start = line_start(text, position)
    return start + len(text[start:position]) - len(text[start:position].lstrip(" \t"))
