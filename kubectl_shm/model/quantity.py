"""Kubernetes resource quantities with the API server's exact semantics.

Grammar and rounding follow k8s.io/apimachinery/pkg/api/resource/quantity.go:

    <quantity> ::= <signedNumber><suffix>
    <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    <suffix>   ::= Ki|Mi|Gi|Ti|Pi|Ei | n|u|m|""|k|M|G|T|P|E | (e|E)<signedInteger>

Digits are ASCII only (parseQuantityString matches '0'..'9', not Unicode digits).
`Quantity.Value()` rounds up to the next integer (ceiling), which is how a
`sizeLimit: 0.5` becomes 1 byte; `to_bytes` does the same. `Value()` is an
int64: a larger quantity (`1e400`) parses in Go but has no meaningful value, so
`to_bytes` refuses it.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_NUMBER = re.compile(r"([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(.*)", re.DOTALL)
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")
# Far beyond any real quantity; stops "1e999999999" from costing a huge integer.
_MAX_EXPONENT = 1000
# int64 has 19 digits; the rest is leading zeros at most. Also keeps int() off huge strings.
_MAX_DIGITS = 100
_SHOWN_CHARS = 60
# Quantity.Value() is an int64; beyond it Kubernetes has no byte count to use.
MAX_BYTES = 2**63 - 1
# Suffixes a person may mean by a wrong-case or byte-style one ("2g", "1GB", "1mi"):
# never milli, which nobody means for memory.
_SIZE_SUFFIXES = ("k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
# Words for the fractional suffixes, to say what a tiny quantity really is.
_FRACTION_WORDS = {"m": "millibytes", "u": "microbytes", "n": "nanobytes"}


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity. `value` holds the bad input."""

    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"invalid quantity {shown_value(value)}: {reason}")
        self.value = value
        self.reason = reason


def shown_value(value: object) -> str:
    """`repr(value)`, cut short: a message quotes what the user wrote, not a megabyte of it."""
    if isinstance(value, int) and value.bit_length() > _MAX_DIGITS * 4:
        return f"<a {value.bit_length()}-bit integer>"  # repr() of it may exceed Python's limit
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 3]}..."


def parse_quantity(value: object) -> Fraction:
    """The exact value of a quantity given as a string or a YAML/JSON number."""
    return _parse(value)[0]


def to_bytes(value: object) -> int:
    """The integer value Kubernetes uses (`Quantity.Value()`): rounded up, never down.

    ParseQuantity caps binary-suffixed values at the int64 maximum ("9Ei" is 2^63-1);
    any other value beyond it has no int64 value and is refused.
    """
    exact, suffix = _parse(value)
    size = math.ceil(exact)
    if abs(size) > MAX_BYTES:
        if suffix not in _BINARY:
            raise QuantityError(value, "too large: Kubernetes counts bytes in an int64 (< 8Ei)")
        size = MAX_BYTES if size > 0 else -MAX_BYTES
    return size


def nonnegative_bytes(value: object) -> int:
    """Like `to_bytes`, for fields the API server refuses below zero (limits, sizeLimit)."""
    size = to_bytes(value)
    if size < 0:
        raise QuantityError(value, "must not be negative")
    return size


def positive_bytes(value: object) -> int:
    """Like `to_bytes`, but the quantity must be greater than zero."""
    if parse_quantity(value) <= 0:
        raise QuantityError(value, "must be greater than zero")
    return to_bytes(value)


def spelled_out(value: object) -> str:
    """What a quantity is, in words a person checks a typo with: '512 millibytes', '512 bytes'."""
    match = _numeral(value)
    if match is not None and match.group(3) in _FRACTION_WORDS:
        return f"{match.group(1)}{match.group(2)} {_FRACTION_WORDS[match.group(3)]}"
    exact = parse_quantity(value)
    shown = str(exact.numerator) if exact.denominator == 1 else f"{float(exact):g}"
    return f"{shown} byte" if exact == 1 else f"{shown} bytes"


def mebibytes_meant(value: object) -> str | None:
    """For a quantity too small to be meant ('512', '512m', '64k'): the same number in Mi.

    None when no whole number up to 65536 is there to reuse ('1e3', '0.5', '2M').
    """
    match = _numeral(value)
    if match is None or match.group(1) == "-" or not match.group(2).isdigit():
        return None
    if match.group(3) not in ("", "n", "u", "m", "k", "Ki"):
        return None
    number = int(match.group(2))
    return f"{number}Mi" if 0 < number <= 65536 else None


def format_bytes(size: int | None) -> str:
    """A short human form in binary units: 67108864 -> '64Mi', 1610612736 -> '1.5Gi'."""
    if size is None:
        return "-"
    for suffix, unit in reversed(_BINARY.items()):
        if abs(size) >= unit:
            scaled = size / unit
            text = f"{scaled:.0f}" if size % unit == 0 else f"{scaled:.1f}"
            return f"{text}{suffix}"
    return str(size)


def _parse(value: object) -> tuple[Fraction, str]:
    """The exact value and the suffix it was written with."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise QuantityError(value, "expected a string or a number")
    text = _as_text(value).strip()  # json.Unmarshal of a Quantity trims spaces too
    if not text:
        raise QuantityError(value, "empty")
    match = _NUMBER.fullmatch(text)
    if match is None:
        if not text.isascii() and any(char.isdigit() for char in text):
            raise QuantityError(value, "digits must be ASCII 0-9")
        raise QuantityError(value, "expected a number such as 512Mi, 2Gi or 1.5G")
    sign, number, suffix = match.groups()
    if len(number) > _MAX_DIGITS:
        raise QuantityError(value, f"more than {_MAX_DIGITS} digits")
    magnitude = Fraction(number) * _multiplier(value, suffix)
    return (-magnitude if sign == "-" else magnitude), suffix


def _numeral(value: object) -> re.Match[str] | None:
    """Sign, number and suffix of a quantity as written; None for what is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return _NUMBER.fullmatch(_as_text(value).strip())
    except QuantityError:
        return None


def _as_text(value: str | int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(value, "not a finite number")
        return repr(value)
    if isinstance(value, int) and value.bit_length() > _MAX_DIGITS * 4:
        raise QuantityError(value, f"more than {_MAX_DIGITS} digits")
    return str(value)


def _multiplier(value: object, suffix: str) -> Fraction:
    if suffix in _BINARY:
        return Fraction(_BINARY[suffix])
    if suffix in _DECIMAL:
        return _DECIMAL[suffix]
    exponent = _EXPONENT.fullmatch(suffix)
    if exponent is None:
        raise QuantityError(value, f"unknown suffix {suffix!r} ({_suffix_hint(suffix)})")
    power = int(exponent.group(1))
    if abs(power) > _MAX_EXPONENT:
        raise QuantityError(value, "exponent out of range")
    return Fraction(10) ** power


def _suffix_hint(suffix: str) -> str:
    """'did you mean G or Gi?' for '2g', '2GB', '2gi'; else the suffixes there are."""
    base = suffix.lower().removesuffix("b").removesuffix("i")
    meant = [known for known in _SIZE_SUFFIXES if known.lower().removesuffix("i") == base]
    if meant:
        return f"did you mean {' or '.join(meant)}?"
    return "use Ki, Mi, Gi, k, M, G, ..."
