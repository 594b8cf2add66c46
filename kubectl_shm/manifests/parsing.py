"""Parse Kubernetes manifests as kubectl does: multi-document YAML, JSON streams, `kind: List`.

The stream (k8s.io/apimachinery/pkg/util/yaml, NewYAMLOrJSONDecoder): when its first
non-space character is `{` it is a stream of JSON values; if the first or second of them is
not JSON, the rest is read as YAML from the end of the last good one. Otherwise it is YAML,
split into documents at lines starting with `---` (anything after it but a comment is an
error), each read by go-yaml v2 (only the first document of a part counts) and converted to
JSON by sigs.k8s.io/yaml. Empty and null documents are skipped.

Pure: text in, documents out (each with where it is in the text and, for YAML, its nodes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from kubectl_shm.manifests.decoding import readable_text
from kubectl_shm.manifests.errors import MAX_DEPTH, ManifestError, Problem
from kubectl_shm.manifests.nodes import Node, column_number, line_number
from kubectl_shm.manifests.yaml_composer import compose_document
from kubectl_shm.manifests.yaml_values import document_value

__all__ = ["Document", "ManifestError", "parse_manifests"]
# Go's unicode.IsSpace, which decides whether a stream "looks like JSON".
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(code) for code in range(0x2000, 0x200B)
)
_JSON_SPACE = " \t\r\n"
_JSON_PEEK = 4096  # bytes kubectl looks at to decide JSON or YAML
_GO_SPACES = "".join(_GO_SPACE)
# A line that starts with ---, and what follows it on the line.
_SEPARATOR_LINE = re.compile(r"^---([^\n]*)", re.M)


class Document(NamedTuple):
    """One Kubernetes object read from a manifest, and where it came from."""

    source: str
    obj: Mapping[str, Any]
    # Where the document is in its file's text, and its nodes (YAML; None for JSON).
    span: tuple[int, int] = (0, 0)
    root: Node | None = None
    # Where the object is in a document that is a list of objects (`[{...}, {...}]`).
    item_path: tuple[int, ...] = ()
    syntax: str = "yaml"


def parse_manifests(text: str, source: str) -> list[Document]:
    """Every object in `text`, in order; ManifestError (naming source and line) for bad input."""
    readable = readable_text(text)
    try:
        if _looks_like_json(readable):
            return _json_stream(readable, source)
        return _yaml_stream(readable, 0, source)
    except Problem as problem:
        where = f"{source}:{line_number(readable, problem.offset)}"
        column = column_number(readable, problem.offset)
        raise ManifestError(f"{where}:{column}: {problem.message}") from None


def _looks_like_json(text: str) -> bool:
    for character in text[:_JSON_PEEK]:
        if character not in _GO_SPACE:
            return character == "{"
    return False


def _json_stream(text: str, source: str) -> list[Document]:
    import json  # here, not at the top: YAML input is the common case and starts faster

    from kubectl_shm.manifests.json_nodes import too_deep

    deep = too_deep(text)
    if deep is not None:
        raise Problem(deep, f"nested deeper than {MAX_DEPTH} levels")
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    documents: list[Document] = []
    position = last_end = count = 0
    while True:
        while position < len(text) and text[position] in _JSON_SPACE:
            position += 1
        if position == len(text):
            return documents
        try:
            value, end = decoder.raw_decode(text, position)
        except (ValueError, RecursionError) as error:
            if count > 1:  # kubectl gives up on JSON, and YAML, after two good values
                at = getattr(error, "pos", position)
                raise Problem(at, f"invalid JSON: {getattr(error, 'msg', error)}") from None
            return documents + _yaml_stream(text, _after_first_line_break(text, last_end), source)
        documents.extend(_documents(value, source, (position, end), None, "json"))
        count += 1
        position = last_end = end


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _after_first_line_break(text: str, start: int) -> int:
    """Where kubectl resumes as YAML: past the spaces after the last JSON value, and past the
    first line break among them (decoder.go, consumeWhitespace)."""
    position = start
    while position < len(text) and text[position] in _GO_SPACE:
        position += 1
        if text[position - 1] == "\n":
            break
    return position


def _yaml_stream(text: str, start: int, source: str) -> list[Document]:
    documents: list[Document] = []
    first_line = line_number(text, start)
    for part_start, part_end in _yaml_parts(text, start):
        first_line += text.count("\n", start, part_start)
        start = part_start
        root = compose_document(text[part_start:part_end], part_start, first_line)
        if root is None:
            continue
        value = document_value(root)
        documents.extend(_documents(value, source, (part_start, part_end), root, "yaml"))
    return documents


def _yaml_parts(text: str, start: int) -> list[tuple[int, int]]:
    """The documents kubectl's YAMLReader cuts `text` into: between lines starting with ---."""
    parts: list[tuple[int, int]] = []
    part_start = start
    for separator in _SEPARATOR_LINE.finditer(text, start):
        rest = separator.group(1).strip(_GO_SPACES)
        if rest and not rest.startswith("#"):
            line = separator.group().rstrip("\r")
            raise Problem(
                separator.start(),
                f"invalid document separator {line!r}: kubectl allows only a comment after ---",
            )
        if separator.start() > part_start:
            parts.append((part_start, separator.start()))
        part_start = min(separator.end() + 1, len(text))
    if len(text) > part_start:
        parts.append((part_start, len(text)))
    return parts


def _documents(
    value: object, source: str, span: tuple[int, int], root: Node | None, syntax: str
) -> list[Document]:
    found: list[Document] = []
    pending: list[tuple[object, tuple[int, ...]]] = [(value, ())]
    while pending:
        item, item_path = pending.pop(0)
        if item is None:
            continue
        if isinstance(item, list):  # a list of objects: each is one
            pending[:0] = [(child, (*item_path, number)) for number, child in enumerate(item)]
        elif isinstance(item, Mapping):
            found.append(Document(source, item, span, root, item_path, syntax))
        else:
            raise Problem(span[0], f"expected a Kubernetes object, got {_kind_of(item)}")
    return found


def _kind_of(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
