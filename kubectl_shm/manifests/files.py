"""Read manifests from files, directories (recursively) and standard input."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TextIO

from kubectl_shm.manifests.parsing import Document, ManifestError, parse_manifests

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


def read_manifests(paths: Iterable[str], stdin: TextIO) -> list[Document]:
    """All documents under `paths`, in order; raises ManifestError on the first bad one."""
    documents: list[Document] = []
    for path in paths:
        if path == STDIN:
            documents.extend(parse_manifests(stdin.read(), "<stdin>"))
            continue
        for file in _files(path):
            documents.extend(parse_manifests(_read(file), file))
    return documents


def _files(path: str) -> list[str]:
    # os rather than pathlib: pathlib alone adds milliseconds to every start.
    if os.path.isdir(path):
        return sorted(
            os.path.join(root, name)
            for root, _, names in os.walk(path)
            for name in names
            if os.path.splitext(name)[1].lower() in MANIFEST_SUFFIXES
            and os.path.isfile(os.path.join(root, name))
        )
    if not os.path.exists(path):
        raise ManifestError(f"{path}: no such file or directory")
    return [path]


def _read(file: str) -> str:
    try:
        with open(file, encoding="utf-8") as stream:
            return stream.read()
    except UnicodeDecodeError as error:
        raise ManifestError(f"{file}: not a text file ({error.reason})") from error
    except OSError as error:
        raise ManifestError(f"{file}: cannot read: {error.strerror or error}") from error
