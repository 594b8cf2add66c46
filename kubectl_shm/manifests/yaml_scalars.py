"""What a YAML scalar means to kubectl: go-yaml v2's resolve (go.yaml.in/yaml/v2, resolve.go),
then sigs.k8s.io/yaml's YAMLToJSON (yaml.go, convertToJSONableObject) for map keys.

YAML 1.1 as go-yaml reads it, not as PyYAML does: y/n/on/off are booleans, `0644` is octal,
`0o17` and `1_000` are integers, `1e3` is a number; `12:30` (sexagesimal), timestamps and `=`
stay strings. Quoted and block scalars are always strings.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct

from kubectl_shm.manifests.nodes import Scalar

TAG = "tag:yaml.org,2002:"
STR, BOOL, INT, FLOAT = TAG + "str", TAG + "bool", TAG + "int", TAG + "float"
NULL, TIMESTAMP, BINARY = TAG + "null", TAG + "timestamp", TAG + "binary"
_RESOLVABLE = ("", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP)
_INT64 = 2**63
_UINT64 = 2**64

_WORDS: dict[str, tuple[str, object]] = {}
for _tag, _value, _words in (
    (BOOL, True, "y Y yes Yes YES true True TRUE on On ON"),
    (BOOL, False, "n N no No NO false False FALSE off Off OFF"),
    (NULL, None, "~ null Null NULL"),
    (FLOAT, math.nan, ".nan .NaN .NAN"),
    (FLOAT, math.inf, ".inf .Inf .INF +.inf +.Inf +.INF"),
    (FLOAT, -math.inf, "-.inf -.Inf -.INF"),
):
    for _word in _words.split():
        _WORDS[_word] = (_tag, _value)
_WORDS[""] = (NULL, None)
_WORDS["<<"] = (TAG + "merge", "<<")
_OCTAL_DIGITS = frozenset("01234567")
# What go-yaml's float pattern ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ is made
# of; within these characters, what Python's float() takes is what the pattern matches.
_FLOAT_CHARACTERS = frozenset("0123456789+-.eE")
_DOT_FLOAT_CHARACTERS = _FLOAT_CHARACTERS | {"_"}


class ScalarError(ValueError):
    """A scalar that go-yaml refuses (a tag it cannot apply, bad base64)."""


class Unsigned(int):
    """An integer go-yaml holds as uint64 (above int64): a value, but never a map key."""


def scalar_value(node: Scalar) -> object:
    """The value kubectl reads for `node`: str, bool, int, float or None."""
    if node.tag is None and node.style is not None:
        return node.value  # quoted or block, untagged: always a string
    tag, value = resolve(node.tag or "", node.value)
    if tag == BINARY:
        return _binary(node.value)
    if tag == TIMESTAMP:
        return node.value  # go-yaml keeps timestamps as written when decoding into interface{}
    return value


def resolve(tag: str, text: str) -> tuple[str, object]:
    """go-yaml's resolve(tag, in): the tag it settles on and the value."""
    if tag not in _RESOLVABLE:
        return tag, text
    resolved, value = _resolve_untagged(text, tag)
    if tag in ("", resolved, STR, BINARY):
        return resolved, value
    if tag == FLOAT and resolved == INT and -_INT64 <= value < _INT64:  # type: ignore[operator]
        return FLOAT, float(value)  # type: ignore[arg-type]
    short = resolved.replace(TAG, "!!")
    raise ScalarError(f"cannot decode {short} `{text}` as a {tag.replace(TAG, '!!')}")


def map_key(value: object) -> str:
    """A key as sigs.k8s.io/yaml writes it into JSON; ScalarError for the keys it refuses."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Unsigned) or value is None:
        raise ScalarError(f"unsupported map key {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float32(value)
    raise ScalarError(f"unsupported map key {value!r}")


def _resolve_untagged(text: str, tag: str) -> tuple[str, object]:
    first = text[:1]
    if tag == STR or not (first in "+-0123456789.yYnNtTfFoO~" or text == ""):
        return STR, text
    if text in _WORDS:
        return _WORDS[text]
    if first == ".":
        number = _float(text) if set(text) <= _DOT_FLOAT_CHARACTERS else None
        return (FLOAT, number) if number is not None else (STR, text)
    if first not in "+-0123456789":
        return STR, text
    # A timestamp starts with four digits and a dash, so it is never a number either: as
    # go-yaml keeps it as written when decoding into interface{}, only !!timestamp must look.
    if tag == TIMESTAMP and _is_timestamp(text):
        return TIMESTAMP, text
    plain = text.replace("_", "")
    number = _go_int(plain)
    if number is not None:
        return INT, number
    if set(plain) <= _FLOAT_CHARACTERS:
        value = _float(plain)
        if value is not None:
            return FLOAT, value
    return STR, text


def _go_int(plain: str) -> int | None:
    """Go's strconv.ParseInt(plain, 0, 64), then ParseUint: a sign (not for uint64), then 0x,
    0o, 0b or a leading 0 (octal)."""
    digits = plain.lstrip("+-")
    if not plain.isascii() or len(plain) - len(digits) > 1 or not digits[:1].isdigit():
        return None
    try:
        number = int(plain, 0)
    except ValueError:
        if digits[0] != "0" or not set(digits) <= _OCTAL_DIGITS:
            return None
        number = int(plain, 8)  # 0644: Python wants 0o644
    if -_INT64 <= number < _INT64:
        return number
    if plain[0] != "+" and 0 <= number < _UINT64:
        return Unsigned(number)  # strconv.ParseUint takes no sign
    return None


def _float(text: str) -> float | None:
    """Go's strconv.ParseFloat: out of range is an error (the scalar stays a string)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isinf(value) else value


def _is_timestamp(text: str) -> bool:
    """One of the layouts go-yaml tries (resolve.go, allowedTimestampFormats), a valid date."""
    import datetime

    match = re.fullmatch(
        r"(\d{4})-(\d{1,2})-(\d{1,2})"
        r"(?:([Tt])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[-+]\d{2}:\d{2})"
        r"| (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?)?",
        text,
    )
    if match is None:
        return False
    year, month, day = (int(part) for part in match.group(1, 2, 3))
    clock = match.group(5, 6, 7) if match[4] else match.group(8, 9, 10)
    hour, minute, second = (int(part) if part is not None else 0 for part in clock)
    try:
        datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def _binary(text: str) -> str:
    """!!binary: base64 (line breaks ignored, as Go's decoder does); JSON then replaces each
    byte that is not UTF-8 with U+FFFD."""
    try:
        data = base64.b64decode(text.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ScalarError("!!binary value contains invalid base64 data") from error
    decoded = data.decode("utf-8", "surrogateescape")
    return re.sub("[\udc80-\udcff]", "\ufffd", decoded)


def _go_float32(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 32), with go-yaml's names for the specials."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    for digits in range(1, 10):  # the shortest decimal that reads back as the same float32
        text = f"{single:.{digits - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, exponent = text.split("e")
    power = int(exponent)
    if power < -4 or power >= 6:  # Go's %e threshold for the shortest form
        return text
    digits_text = mantissa.replace(".", "").replace("-", "")
    sign = "-" if math.copysign(1.0, single) < 0 else ""
    if power < 0:
        return f"{sign}0.{'0' * (-power - 1)}{digits_text}"
    whole, fraction = digits_text[: power + 1].ljust(power + 1, "0"), digits_text[power + 1 :]
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"
