"""Where the parts of a JSON document are, for editing it in place, and how deep it nests.

The values of JSON documents come from the json module; this only finds the offsets of
objects, arrays, keys and values in text that json has already accepted.
"""

from __future__ import annotations

import json
import re

from kubectl_shm.manifests.errors import MAX_DEPTH
from kubectl_shm.manifests.nodes import Mapping, Node, Scalar, Sequence

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<punct>[\[\]{}:,])'
    r"|(?P<atom>-?[0-9][0-9.eE+-]*|true|false|null))",
    re.S,
)
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def locate_json(text: str, start: int, end: int) -> Node:
    """The nodes of the one JSON value in text[start:end] (offsets into `text`)."""
    stack: list[Sequence | Mapping] = []
    keys: list[Node | None] = []
    root: Node | None = None
    position = start
    while position < end:
        match = _TOKEN.match(text, position, end)
        if match is None:
            break
        position = match.end()
        token_start = match.start(match.lastgroup or 0)
        punct = match.group("punct")
        if punct in ("]", "}"):
            stack.pop().end = position
            keys.pop()
            if not stack:
                break
            continue
        if punct in (":", ","):
            continue
        node: Node
        if punct == "[":
            node = Sequence(token_start, flow=True)
        elif punct == "{":
            node = Mapping(token_start, flow=True)
        elif match.group("string") is not None:
            node = Scalar(token_start, position, json.loads(match.group("string")), style='"')
        else:
            node = Scalar(token_start, position, match.group("atom"))
        if not stack:
            root = node
        elif isinstance(stack[-1], Sequence):
            stack[-1].items.append(node)
        elif keys[-1] is None:
            keys[-1] = node
        else:
            stack[-1].pairs.append((keys[-1], node))
            keys[-1] = None
        if isinstance(node, (Sequence, Mapping)):
            stack.append(node)
            keys.append(None)
        elif not stack:
            break
    if root is None:
        raise ValueError("no JSON value")
    return root


def too_deep(text: str) -> int | None:
    """The offset of the first bracket nested deeper than MAX_DEPTH, or None."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None  # the common case, without a scan
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        bracket = match.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif bracket in ("]", "}"):
            depth -= 1
    return None
