"""Where a pod spec's parts are in a manifest's text: the nodes at a path, where their lines
end, and how the document is indented.

A node reached through a YAML alias or merge key, or one that an alias elsewhere refers to,
is shared: editing its text would change the other places too. Such a node is never
edited; NotInPlace says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubectl_shm.errors import InputError
from kubectl_shm.manifests.nodes import (
    Alias,
    Mapping,
    Node,
    Scalar,
    column_number,
    is_merge_key,
    line_number,
)
from kubectl_shm.manifests.nodes import Sequence as SequenceNode
from kubectl_shm.manifests.yaml_scalars import ScalarError, map_key, scalar_value
from kubectl_shm.set.yaml_text import Layout

Pair = tuple[Node, Node]
_BLANKS = " \t\r\n"


class NotInPlace(InputError):
    """A change that cannot be made by editing the manifest's text where it is."""


@dataclass(frozen=True)
class ManifestText:
    """One document's nodes in its file's text; `shared` holds the ids of aliased nodes."""

    source: str
    text: str
    root: Node
    syntax: str  # "yaml" or "json"
    shared: frozenset[int]

    def refuse(self, node: Node, why: str) -> NotInPlace:
        where = f"{self.source}:{line_number(self.text, node.start)}"
        return NotInPlace(
            f"{where}: cannot change this manifest in place: {why}; "
            f"write the YAML out there, or use -o json"
        )


def manifest_text(source: str, text: str, root: Node, syntax: str) -> ManifestText:
    shared = frozenset(id(node.target) for node in _walk(root) if isinstance(node, Alias))
    return ManifestText(source, text, root, syntax, shared)


def own(document: ManifestText, node: Node, what: str) -> Node:
    """`node`, if editing it changes nothing else."""
    if isinstance(node, Alias):
        raise document.refuse(node, f"{what} is the YAML alias *{node.name}")
    if id(node) in document.shared:
        anchor = node.anchor or "?"
        raise document.refuse(node, f"{what} is the YAML anchor &{anchor}, used elsewhere too")
    return node


def walk_path(document: ManifestText, path: Sequence[str | int], what: str) -> Node:
    """The node at `path` (keys and list indices) from the document's root, own all the way."""
    node = own(document, document.root, what)
    for step in path:
        if isinstance(node, Mapping):
            pair = pair_for(document, node, str(step), what)
            if pair is None:
                raise KeyError(step)
            node = pair[1]
        elif isinstance(node, SequenceNode):
            node = node.items[int(step)]
        else:
            raise KeyError(step)
        node = own(document, node, what)
    return node


def pair_for(document: ManifestText, mapping: Mapping, key: str, what: str) -> Pair | None:
    """The pair that gives `mapping` its `key`: the last one, as go-yaml keeps the last;
    NotInPlace when a merge key (`<<`) after it gives the key instead."""
    found: Pair | None = None
    merged: Node | None = None
    for pair in mapping.pairs:
        if is_merge_key(pair[0]):
            if key in _merged_keys(pair[1]):
                found, merged = None, pair[1]
        elif key_text(pair[0]) == key:
            found, merged = pair, None
    if merged is not None:
        raise document.refuse(merged, f"{what} gets {key!r} from a YAML merge key (<<)")
    return found


def key_text(node: Node) -> str | None:
    """A key as kubectl reads it (`1` is "1", `y` is "true"), None if it is not a scalar."""
    target = node.target if isinstance(node, Alias) else node
    if not isinstance(target, Scalar):
        return None
    try:
        return map_key(scalar_value(target))
    except ScalarError:
        return None


def block_start(text: str, node: Mapping | SequenceNode) -> int:
    """Where a block collection's content begins: its first key or dash (its `start` may be an
    anchor or tag on the line above)."""
    if isinstance(node, Mapping):
        return node.pairs[0][0].start if node.pairs else node.start
    return item_start(text, node, node.items[0]) if node.items else node.start


def padding(text: str, position: int) -> str:
    """The blanks that put a new line's text at the column of `position` (tabs kept)."""
    before = text[line_start(text, position) : position]
    return "".join(character if character == "\t" else " " for character in before)


def item_start(text: str, sequence: SequenceNode, item: Node) -> int:
    """Where a block list item begins: its dash."""
    if sequence.flow:
        return item.start
    return text.rfind("-", line_start(text, item.start), item.start)


def content_end(text: str, node: Node) -> int:
    """Just past the last character that belongs to `node` (no trailing space or breaks)."""
    leaf = last_leaf(node)
    end = leaf.end
    while end > leaf.start and text[end - 1] in _BLANKS:
        end -= 1
    return end


def after_lines(text: str, node: Node) -> int:
    """Where lines that follow `node` go: the start of the line after its last one."""
    leaf = last_leaf(node)
    if isinstance(leaf, Scalar) and leaf.style in ("|", ">") and "+" in _block_header(text, leaf):
        return leaf.end  # keep chomping: the blank lines after it are part of its value
    return next_line(text, content_end(text, node))


def last_leaf(node: Node) -> Node:
    while isinstance(node, (Mapping, SequenceNode)) and not node.flow:
        node = node.pairs[-1][1] if isinstance(node, Mapping) else node.items[-1]
    return node


def line_start(text: str, position: int) -> int:
    return text.rfind("\n", 0, position) + 1


def next_line(text: str, position: int) -> int:
    """The start of the line after the one holding `position` (len(text) at the last line)."""
    found = text.find("\n", position)
    return len(text) if found < 0 else found + 1


def column(text: str, position: int) -> int:
    return column_number(text, position) - 1


def line_break(text: str, position: int) -> str:
    """The line break the file uses around `position`: CRLF or LF."""
    found = text.find("\n", position)
    if found < 0:
        found = text.rfind("\n", 0, position)
    return "\r\n" if found > 0 and text[found - 1] == "\r" else "\n"


def layout_of(document: ManifestText, near: Node) -> Layout:
    """The document's indentation, learnt from the block collections under `near` first, and
    its spacing in flow collections."""
    indent = list_indent = item_indent = None
    text = document.text
    separator, key_separator = _flow_spacing(document)
    for node in (*_walk(near), *_walk(document.root)):
        if not isinstance(node, Mapping) or node.flow:
            continue
        for key, value in node.pairs:
            if isinstance(value, Mapping) and not value.flow and value.pairs and indent is None:
                indent = column(text, block_start(text, value)) - column(text, key.start)
            if isinstance(value, SequenceNode) and not value.flow and list_indent is None:
                dash = block_start(text, value)
                list_indent = column(text, dash) - column(text, key.start)
                first = value.items[0]
                if isinstance(first, Mapping) and not first.flow and first.pairs:
                    item_indent = column(text, block_start(text, first)) - column(text, dash)
        if None not in (indent, list_indent, item_indent):
            break
    defaults = Layout()
    return Layout(
        indent if indent and indent > 0 else defaults.indent,
        list_indent if list_indent is not None and list_indent >= 0 else defaults.list_indent,
        item_indent if item_indent and item_indent > 1 else defaults.item_indent,
        separator,
        key_separator,
    )


def _flow_spacing(document: ManifestText) -> tuple[str, str]:
    """The text between entries of the first one-line flow collection with two, and between
    a double-quoted key and its value (`, ` and `: `, or JSON's compact `,` and `:`)."""
    separator = key_separator = None
    text = document.text
    for node in _walk(document.root):
        quoted = isinstance(node, Mapping) and node.pairs and _double_quoted(node.pairs[0][0])
        if isinstance(node, Mapping) and node.flow and quoted and key_separator is None:
            key, value = node.pairs[0]
            key_separator = _one_line(text[key.end : value.start])
        spans = _entry_spans(node)
        if len(spans) > 1 and separator is None:
            separator = _one_line(text[spans[0][1] : spans[1][0]])
        if separator is not None and key_separator is not None:
            break
    return separator or ", ", key_separator or ": "


def _double_quoted(node: Node) -> bool:
    return isinstance(node, Scalar) and node.style == '"'


def _entry_spans(node: Node) -> list[tuple[int, int]]:
    if isinstance(node, Mapping) and node.flow:
        return [(key.start, value.end) for key, value in node.pairs]
    if isinstance(node, SequenceNode) and node.flow:
        return [(item.start, item.end) for item in node.items]
    return []


def _one_line(separator: str) -> str | None:
    return separator if "\n" not in separator and separator.strip() in ("", ",", ":") else None


def _block_header(text: str, scalar: Scalar) -> str:
    return text[scalar.start : next_line(text, scalar.start)].split("#")[0]


def _merged_keys(node: Node) -> set[str]:
    """The keys a merge key's value brings in (a mapping, an alias to one, or a list of them)."""
    sources = node.items if isinstance(node, SequenceNode) else [node]
    keys: set[str] = set()
    for source in sources:
        target = source.target if isinstance(source, Alias) else source
        if isinstance(target, Mapping):
            for key, value in target.pairs:
                keys |= _merged_keys(value) if is_merge_key(key) else {key_text(key) or ""}
    return keys


def _walk(root: Node) -> Iterator[Node]:
    """Every node under `root` once, in document order (aliases not followed)."""
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, Mapping):
            pending.extend(part for pair in reversed(node.pairs) for part in reversed(pair))
        elif isinstance(node, SequenceNode):
            pending.extend(reversed(node.items))
