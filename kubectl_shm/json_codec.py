"""JSON in and out through orjson, with the standard library's exact results.

Decoding the API server's lists and encoding the audit document were two fifths of a
large audit (DESIGN section 8): orjson does both in compiled code, several times
faster. Where orjson is missing (a platform the release archive has no build for) or
refuses the input (integers past 64 bits, NaN, lone surrogates), the standard
library does the work instead, so the results never depend on which one ran:
- `loads` gives what `json.loads` gives, and raises a `json.JSONDecodeError` (a
  ValueError) on what it refuses;
- `dumps_indented` gives the text of `json.dumps(document, indent=2)` for documents of
  str, int, bool, None, lists and dicts with str keys: non-ASCII characters and DEL
  escaped as \\uXXXX, as ensure_ascii does. (A float is written in orjson's shortest
  form, `1e16` where Python writes `1e+16`: the same number.)
"""

from __future__ import annotations

import json
import re
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - the release archive and pip install carry it
    orjson = None  # type: ignore[assignment]  # then the json module does it all

# What ensure_ascii escapes beyond the control characters both encoders escape alike.
_NOT_ASCII = re.compile("[\x7f-\U0010ffff]")
# Dates and dataclasses are refused, as the json module refuses them, not written.
_STRICT = (
    0 if orjson is None else orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def loads(data: bytes | str) -> Any:
    """The JSON value of `data`."""
    if orjson is not None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the standard library's verdict, and its message, for what orjson refuses
    return json.loads(data)


def dumps_indented(document: Any) -> str:
    """`json.dumps(document, indent=2)`, without the final newline."""
    if orjson is not None:
        try:
            text = orjson.dumps(document, option=orjson.OPT_INDENT_2 | _STRICT).decode("utf-8")
        except orjson.JSONEncodeError:
            pass
        else:
            return text if text.isascii() and "\x7f" not in text else _escape(text)
    return json.dumps(document, indent=2)


def dumps_key(value: Any) -> bytes:
    """Compact JSON of `value` with sorted keys, to compare values by: equal values give
    equal bytes. TypeError for what JSON cannot hold."""
    if orjson is not None:
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | _STRICT)
        except orjson.JSONEncodeError:
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
