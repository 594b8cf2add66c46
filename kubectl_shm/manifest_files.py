"""Read manifests from files, directories (recursively) and standard input."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from kubectl_shm.manifests import Document, ManifestError, parse_manifests

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


def read_manifests(paths: Iterable[str], stdin: TextIO) -> list[Document]:
    """All documents under `paths`, in order; raises ManifestError on the first bad one."""
    documents: list[Document] = []
    for path in paths:
        if path == STDIN:
            documents.extend(parse_manifests(stdin.read(), "<stdin>"))
            continue
        for file in _files(Path(path)):
            documents.extend(parse_manifests(_read(file), str(file)))
    return documents


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            file
            for file in path.rglob("*")
            if file.is_file() and file.suffix.lower() in MANIFEST_SUFFIXES
        )
    if not path.exists():
        raise ManifestError(f"{path}: no such file or directory")
    return [path]


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ManifestError(f"{file}: not a text file ({error.reason})") from error
    except OSError as error:
        raise ManifestError(f"{file}: cannot read: {error.strerror or error}") from error
