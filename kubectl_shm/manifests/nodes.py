"""The parsed shape of a YAML or JSON document, with where each part is in the file's text.

Offsets are character offsets into the whole file's text (`start` inclusive, `end`
exclusive), so an edit can replace exactly the characters of one node and keep every
other character of the file.
"""

from __future__ import annotations


class Scalar:
    """A scalar as written: its text (escapes resolved), tag and style.

    `style` is None for a plain scalar, else the quote or block indicator (' " | >).
    """

    __slots__ = ("anchor", "end", "start", "style", "tag", "value")

    def __init__(
        self,
        start: int,
        end: int,
        value: str,
        tag: str | None = None,
        style: str | None = None,
        anchor: str | None = None,
    ) -> None:
        self.start, self.end, self.value = start, end, value
        self.tag, self.style, self.anchor = tag, style, anchor


class Sequence:
    """A sequence; `flow` for `[...]`, else a block of `- ` items."""

    __slots__ = ("anchor", "end", "flow", "items", "start")

    def __init__(self, start: int, flow: bool, anchor: str | None = None) -> None:
        self.start, self.end, self.flow, self.anchor = start, start, flow, anchor
        self.items: list[Node] = []


class Mapping:
    """A mapping; `flow` for `{...}`. Pairs in the order written, duplicates and `<<` included."""

    __slots__ = ("anchor", "end", "flow", "pairs", "start")

    def __init__(self, start: int, flow: bool, anchor: str | None = None) -> None:
        self.start, self.end, self.flow, self.anchor = start, start, flow, anchor
        self.pairs: list[tuple[Node, Node]] = []


class Alias:
    """`*name`: the node the anchor `&name` marks."""

    __slots__ = ("end", "name", "start", "target")

    def __init__(self, start: int, end: int, name: str, target: Node) -> None:
        self.start, self.end, self.name, self.target = start, end, name, target


Node = Scalar | Sequence | Mapping | Alias


def is_merge_key(node: Node) -> bool:
    """`<<` plain, or tagged `!` or `!!merge`: the YAML 1.1 merge key (go-yaml's isMerge)."""
    return (
        isinstance(node, Scalar)
        and node.value == "<<"
        and (
            (node.tag is None and node.style is None)
            or node.tag in ("!", "tag:yaml.org,2002:merge")
        )
    )


def line_number(text: str, offset: int) -> int:
    """The 1-based line of `offset` in `text`."""
    return text.count("\n", 0, offset) + 1


def column_number(text: str, offset: int) -> int:
    """The 1-based column (in characters) of `offset` in `text`."""
    return offset - (text.rfind("\n", 0, offset) + 1) + 1
