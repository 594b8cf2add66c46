"""One YAML document to nodes, as go-yaml's parser builds them (go.yaml.in/yaml/v2, decode.go).

PyYAML's scanner and parser (libyaml's, in C, when PyYAML has it; go-yaml is a port of
libyaml) produce the events; the nodes are built here rather than by PyYAML's composer so
that nesting is bounded, an anchor can be used inside itself the way go-yaml allows it to
be written (and refused when read), and every node keeps its offsets.

Only the first document of the text counts: go-yaml's Unmarshal reads one and ignores what
follows it (after `...`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import yaml

from kubectl_shm.manifests.errors import MAX_DEPTH, Problem
from kubectl_shm.manifests.nodes import Alias, Mapping, Node, Scalar, Sequence


def _default_parser() -> Callable[[str], Any]:
    if getattr(yaml, "__with_libyaml__", False):
        from yaml import cyaml

        return cyaml.CParser  # type: ignore[attr-defined]
    from kubectl_shm.manifests.pure_yaml_events import PurePythonEvents

    return PurePythonEvents


event_parser: Callable[[str], Any] = _default_parser()


def compose_document(text: str, offset: int, first_line: int) -> Node | None:
    """The first document of `text`, None if it has none. `text` starts at `offset` in its
    file, on line `first_line` (1-based).

    Raises Problem (with a file offset) for invalid YAML, unknown anchors and nesting
    deeper than MAX_DEPTH.
    """
    try:
        return _compose(_events(text), offset)
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error, text, offset, first_line) from None
    except yaml.reader.ReaderError as error:
        character = text[error.position] if error.position < len(text) else "?"
        message = f"invalid YAML: control character U+{ord(character):04X} is not allowed"
        raise Problem(offset + error.position, message) from None


def _events(text: str) -> Iterator[Any]:
    """The parser's events up to the end of the stream (None after it)."""
    return iter(event_parser(text).get_event, None)


# Errors that show where the document ends but mean something left open before.
_UNCLOSED = (
    "while scanning a quoted scalar",
    "while parsing a flow sequence",
    "while parsing a flow mapping",
)
_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_SEQUENCE_START, _MAPPING_START = yaml.SequenceStartEvent, yaml.MappingStartEvent
_COLLECTION_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _compose(events: Iterator[Any], offset: int) -> Node | None:
    anchors: dict[str, Node] = {}
    stack: list[Sequence | Mapping] = []
    keys: list[Node | None] = []  # per open mapping: the key waiting for its value
    root: Node | None = None
    for event in events:
        kind = type(event)
        node: Node
        if kind is _SCALAR:
            node = Scalar(
                offset + event.start_mark.index, offset + event.end_mark.index, event.value,
                event.tag, event.style or None, event.anchor,
            )  # fmt: skip
        elif kind in _COLLECTION_END:
            stack.pop().end = offset + event.end_mark.index
            keys.pop()
            continue
        elif kind is _ALIAS:
            start = offset + event.start_mark.index
            target = anchors.get(event.anchor)
            if target is None:
                raise Problem(start, f"invalid YAML: unknown anchor '{event.anchor}' referenced")
            node = Alias(start, offset + event.end_mark.index, event.anchor, target)
        elif kind is _SEQUENCE_START or kind is _MAPPING_START:
            start = offset + event.start_mark.index
            if len(stack) >= MAX_DEPTH:
                raise Problem(start, f"nested deeper than {MAX_DEPTH} levels")
            collection = Sequence if kind is _SEQUENCE_START else Mapping
            node = collection(start, bool(event.flow_style), event.anchor)
        elif kind is yaml.DocumentEndEvent or kind is yaml.StreamEndEvent:
            return root
        else:
            continue  # stream and document start
        if kind is not _ALIAS and event.anchor is not None:
            anchors[event.anchor] = node  # before the children: go-yaml lets them name it
        parent = stack[-1] if stack else None
        if parent is None:
            root = node
        elif type(parent) is Sequence:
            parent.items.append(node)
        elif keys[-1] is None:
            keys[-1] = node
        else:
            parent.pairs.append((keys[-1], node))  # type: ignore[union-attr]
            keys[-1] = None
        if isinstance(node, (Sequence, Mapping)):
            stack.append(node)
            keys.append(None)
    return root


def _syntax_problem(
    error: yaml.MarkedYAMLError, text: str, offset: int, first_line: int
) -> Problem:
    """Where the mistake is: where an unclosed quote or bracket opens, else where it shows."""
    context, problem = error.context or "", error.problem or "invalid YAML"
    context_mark, problem_mark = error.context_mark, error.problem_mark
    at = problem_mark.index if problem_mark is not None else 0
    if "nesting depth" in problem:  # libyaml's own limit (1000), past ours
        return Problem(offset + at, f"nested deeper than {MAX_DEPTH} levels")
    unclosed = context.startswith(_UNCLOSED)
    if unclosed and context_mark is not None:
        thing = context.split(" ", 2)[-1]
        where = first_line + problem_mark.line if problem_mark is not None else "the end"
        message = f"{thing} that starts here is not closed ({problem} at line {where})"
        return Problem(offset + context_mark.index, f"invalid YAML: {message}")
    if text[at : at + 1] == "\t":
        return Problem(offset + at, "invalid YAML: a tab cannot indent YAML (use spaces)")
    if context_mark is not None and context_mark.line != getattr(problem_mark, "line", -1):
        where = f"{context.removeprefix('while ')} at line {first_line + context_mark.line}"
        problem = f"{problem} ({where})"
    return Problem(offset + at, f"invalid YAML: {problem}")
