"""Manifest bytes to text, and back, as kubectl decodes them.

kubectl reads every file through a byte order mark check: a UTF-8 mark is dropped, a UTF-16
(BE or LE) mark switches to UTF-16, anything else is UTF-8 with each invalid sequence read as
U+FFFD (k8s.io/cli-runtime/pkg/resource/visitor.go, FileVisitor.Visit:
`unicode.BOMOverride(unicode.UTF8.NewDecoder())`). UTF-32 has no such switch: its NUL bytes
then fail the YAML reader ("control characters are not allowed").

The text kept here holds each invalid UTF-8 byte as a lone surrogate (Python's
surrogateescape), so that writing a file back gives its bytes back; `readable_text` is the
same text as kubectl reads it, character for character at the same offsets.
"""

from __future__ import annotations

import re

from kubectl_shm.manifests.errors import ManifestError

UTF8 = "utf-8"
_BOMS = (
    (b"\xef\xbb\xbf", UTF8),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
# Each byte that is not UTF-8, as surrogateescape decodes it.
_ESCAPED = "[\udc80-\udcff]"
_AS_KUBECTL_READS = {code: "\ufffd" for code in range(0xDC80, 0xDD00)}


class DecodedText:
    """A manifest's text, and how to encode it again; `invalid_bytes` are not UTF-8 (kubectl
    reads each as U+FFFD), the first on line `first_invalid_line`.

    A plain class: a NamedTuple costs ~0.15 ms to define, on the path of every `audit -f`.
    """

    __slots__ = ("bom", "encoding", "first_invalid_line", "invalid_bytes", "text")

    def __init__(
        self, text: str, encoding: str, bom: bytes, invalid_bytes: int = 0, first_line: int = 0
    ) -> None:
        self.text, self.encoding, self.bom = text, encoding, bom
        self.invalid_bytes, self.first_invalid_line = invalid_bytes, first_line


def decode_manifest(data: bytes, source: str) -> DecodedText:
    """The text of `data`; ManifestError for UTF-32 and for NUL bytes (never YAML or JSON)."""
    if data.startswith(_UTF32_BOMS):
        raise ManifestError(
            f"{source}: UTF-32 text (byte order mark): kubectl reads only UTF-8 and UTF-16; "
            f"save it as UTF-8"
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            errors = "surrogateescape" if encoding == UTF8 else "replace"
            return _checked(data[len(bom) :].decode(encoding, errors), encoding, bom, source)
    return _checked(data.decode(UTF8, "surrogateescape"), UTF8, b"", source)


def encode_manifest(text: str, encoding: str, bom: bytes) -> bytes:
    """The bytes of `text` in `encoding`: the invalid UTF-8 bytes it was read with come back."""
    errors = "surrogateescape" if encoding == UTF8 else "replace"
    return bom + text.encode(encoding, errors)


def readable_text(text: str) -> str:
    """`text` as kubectl reads it: every byte that is not UTF-8 becomes U+FFFD."""
    return text.translate(_AS_KUBECTL_READS) if _has_escapes(text) else text


def _has_escapes(text: str) -> bool:
    """Whether `text` holds bytes that are not UTF-8 (C-speed checks, no regex to compile)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _checked(text: str, encoding: str, bom: bytes, source: str) -> DecodedText:
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        hint = (
            "UTF-16 without a byte order mark? kubectl reads UTF-16 only with one"
            if encoding == UTF8 and _looks_like_utf16(text)
            else "a binary file?"
        )
        raise ManifestError(f"{source}:{line}: not YAML or JSON: it holds NUL bytes ({hint})")
    if not _has_escapes(text):
        return DecodedText(text, encoding, bom)
    invalid = re.findall(_ESCAPED, text)
    first = re.search(_ESCAPED, text)
    line = text.count("\n", 0, first.start()) + 1 if first else 0
    return DecodedText(text, encoding, bom, len(invalid), line)


def _looks_like_utf16(text: str) -> bool:
    """ASCII text in UTF-16: every other character NUL, the ones between not."""
    head = text[:200] if len(text) % 2 == 0 else text[:199]
    for nuls, others in ((head[1::2], head[::2]), (head[::2], head[1::2])):
        if len(head) >= 4 and set(nuls) == {"\x00"} and "\x00" not in others:
            return True
    return False
