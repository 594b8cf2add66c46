"""Read manifests from files, directories (recursively) and standard input, within bounds.

Every read stops at MAX_MANIFEST_BYTES, and at the first NUL byte of a file that is not
UTF-16: `-f /dev/zero` or a binary file ends at its first block, not at the memory limit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from typing import BinaryIO, TextIO

from kubectl_shm.manifests.decoding import DecodedText, decode_manifest
from kubectl_shm.manifests.errors import MAX_MANIFEST_BYTES, ManifestError
from kubectl_shm.manifests.parsing import Document, parse_manifests

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_NAME = "<stdin>"
_FIRST_BLOCK = 64 * 1024  # small, so that a binary file or device is refused at once
_BLOCK = 1024 * 1024
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ManifestFile:
    """One manifest as read: its name, its text (and how it was encoded), its documents."""

    __slots__ = ("decoded", "documents", "source")

    def __init__(self, source: str, decoded: DecodedText, documents: list[Document]) -> None:
        self.source, self.decoded, self.documents = source, decoded, documents


def read_manifests(paths: Iterable[str], stdin: TextIO) -> list[Document]:
    """All documents under `paths`, in order; raises ManifestError on the first bad one."""
    return [document for file in read_manifest_files(paths, stdin) for document in file.documents]


def read_manifest_files(paths: Iterable[str], stdin: TextIO) -> list[ManifestFile]:
    """Every manifest under `paths` (`-` is stdin), in order, with its text and documents."""
    files: list[ManifestFile] = []
    for path in paths:
        if path == STDIN:
            files.append(_parsed(_read_stdin(stdin), STDIN_NAME))
            continue
        for name in _files(path):
            files.append(_parsed(_read_file(name), name))
    return files


def _parsed(data: bytes, source: str) -> ManifestFile:
    decoded = decode_manifest(data, source)
    return ManifestFile(source, decoded, parse_manifests(decoded.text, source))


def _files(path: str) -> list[str]:
    # os rather than pathlib: pathlib alone adds milliseconds to every start.
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise ManifestError(_os_problem(path, error)) from error
    if not stat.S_ISDIR(mode):
        return [path]
    # Symbolic links to directories are not followed (no loops); FIFOs, devices and
    # dangling links in a directory are not manifests and are skipped.
    return sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(path)
        for name in names
        if os.path.splitext(name)[1].lower() in MANIFEST_SUFFIXES
        and os.path.isfile(os.path.join(root, name))
    )


def _read_file(name: str) -> bytes:
    try:
        with open(name, "rb") as stream:
            return _bounded(stream, name)
    except OSError as error:
        raise ManifestError(_os_problem(name, error)) from error


def _read_stdin(stdin: TextIO) -> bytes:
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        return _bounded(buffer, STDIN_NAME)
    text = stdin.read(MAX_MANIFEST_BYTES + 1)  # a text stream (tests): characters, not bytes
    data = text.encode("utf-8", "surrogateescape")
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(_too_large(STDIN_NAME))
    return data


def _bounded(stream: BinaryIO, name: str) -> bytes:
    """At most MAX_MANIFEST_BYTES of `stream`; ManifestError past it or at a NUL byte."""
    blocks: list[bytes] = []
    size = 0
    utf16: bool | None = None
    while True:
        block = stream.read(_FIRST_BLOCK if not blocks else _BLOCK)
        if not block:
            return b"".join(blocks)
        if utf16 is None:
            utf16 = block.startswith(_UTF16_BOMS)
        if not utf16 and b"\x00" in block:
            return b"".join([*blocks, block])  # decoding says where the NUL is, what it means
        size += len(block)
        if size > MAX_MANIFEST_BYTES:
            raise ManifestError(_too_large(name))
        blocks.append(block)


def _too_large(name: str) -> str:
    limit = MAX_MANIFEST_BYTES // 2**20
    return f"{name}: larger than {limit} MiB, the most kubectl shm reads from one manifest"


def _os_problem(name: str, error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"{name}: no such file or directory"
    reason = (error.strerror or str(error)).lower()
    return f"{name}: cannot read: {reason}"
