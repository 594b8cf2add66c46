"""Parse Kubernetes manifests: multi-document YAML, JSON, `kind: List`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import yaml

from kubectl_shm.errors import InputError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ManifestError(InputError):
    """A manifest that cannot be parsed; the message names the source and line."""


class Document(NamedTuple):
    """One Kubernetes object read from a manifest, and the file it came from."""

    source: str
    obj: Mapping[str, Any]


def parse_manifests(text: str, source: str) -> list[Document]:
    """Every mapping document in `text`; empty documents are skipped."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        import json  # here, not at the top: YAML input is the common case and starts faster

        try:
            return _documents(json.loads(text), source)
        except json.JSONDecodeError:
            pass  # YAML flow style also starts with "{": let the YAML parser decide
    try:
        loaded = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as error:
        raise ManifestError(_describe_yaml_error(error, source)) from error
    return [doc for item in loaded for doc in _documents(item, source)]


def _documents(value: object, source: str) -> list[Document]:
    if value is None:
        return []
    if isinstance(value, list):  # a JSON array of objects
        return [doc for item in value for doc in _documents(item, source)]
    if not isinstance(value, Mapping):
        raise ManifestError(f"{source}: expected a Kubernetes object, got {type(value).__name__}")
    return [Document(source, value)]


def _describe_yaml_error(error: yaml.YAMLError, source: str) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f"{source}:{mark.line + 1}" if mark is not None else source
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}: invalid YAML: {problem}"
