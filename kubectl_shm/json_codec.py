"""JSON in and out through msgspec, with the standard library's exact results.

Decoding the API server's lists and encoding the audit document were two fifths of a
large audit (DESIGN section 8): msgspec does both in compiled code, several times
faster, and decodes a page of pods straight into the few fields an audit reads
(kube.pod_decoding). Where msgspec is missing (a platform the release archive has no
build for) or refuses the input (NaN, lone surrogates, numbers past a float), the
standard library does the work instead, so the results never depend on which one ran:
- `loads` gives what `json.loads` gives, and raises a `json.JSONDecodeError` (a
  ValueError) on what it refuses;
- `dumps_indented` gives the text of `json.dumps(document, indent=2)` for documents of
  str, int, bool, None, lists and dicts with str keys: non-ASCII characters and DEL
  escaped as \\uXXXX, as ensure_ascii does. (A float is written in its shortest form,
  `1e16` where Python writes `1e+16`: the same number.)
- `dumps_key` compares values decoded from JSON (the live objects); other types (a
  YAML date, say) are not JSON's and may share a key with the string they print as.
"""

from __future__ import annotations

import json
import re
from typing import Any

try:
    import msgspec
except ImportError:  # pragma: no cover - the release archive and pip install carry it
    msgspec = None  # type: ignore[assignment]  # then the json module does it all

# What ensure_ascii escapes beyond the control characters both encoders escape alike.
_NOT_ASCII = re.compile("[\x7f-\U0010ffff]")
_SORTED = None if msgspec is None else msgspec.json.Encoder(order="sorted")


def loads(data: bytes | str) -> Any:
    """The JSON value of `data`."""
    if msgspec is not None:
        try:
            return msgspec.json.decode(data)
        except msgspec.DecodeError:
            pass  # the standard library's verdict, and its message, for what msgspec refuses
    return json.loads(data)


def dumps_indented(document: Any) -> str:
    """`json.dumps(document, indent=2)`, without the final newline."""
    if msgspec is not None:
        try:
            encoded = msgspec.json.format(msgspec.json.encode(document), indent=2)
        except (TypeError, ValueError):  # a lone surrogate, an unknown type: as json says
            pass
        else:
            text = encoded.decode("utf-8")
            return text if text.isascii() and "\x7f" not in text else _escape(text)
    return json.dumps(document, indent=2)


def dumps_key(value: Any) -> bytes:
    """Compact JSON of `value` with sorted keys, to compare values decoded from JSON by:
    equal values give equal bytes."""
    if _SORTED is not None:
        try:
            return _SORTED.encode(value)
        except (TypeError, ValueError):
            pass
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _escape(text: str) -> str:
    """Outside strings JSON text is ASCII: every match is inside one."""
    return _NOT_ASCII.sub(_escape_character, text)


def _escape_character(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
