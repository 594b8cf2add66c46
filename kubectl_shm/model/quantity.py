"""Kubernetes resource quantities, parsed exactly as the API server parses them.

`resource_quantity` mirrors k8s.io/apimachinery/pkg/api/resource (v0.34.4, the
one Kubernetes v1.34.4 ships) step by step, and tests/unit/model/
test_quantity_parity.py runs apimachinery itself on the same inputs to prove it:

- `ParseQuantity` (quantity.go): sign, ASCII digits, one optional point, then a
  suffix (n u m "" k M G T P E, Ki Mi Gi Ti Pi Ei, or e/E and an exponent that
  fits an int64, kept as an int32). Quirks kept: a missing number is zero ("Mi",
  ".", "+" are 0), "1." and ".5" are numbers.
- Up to 18 digits take the int64 path (`int64Amount`); longer numbers, scales
  below nano and overflows take the `inf.Dec` path, which rounds up to a
  multiple of 1n and caps binary-suffix values at 2^63-1. Decimal ones keep
  growing; `Value()` then returns the low 64 bits (`big.Int.Int64`), and on the
  int64 path it returns 0 once the value passes int64.
- `Quantity.Value()` rounds up, away from zero, except on the inf.Dec path for
  negative numbers with a fraction (-1.0000000001Ki is -1023 there).
- `String()` is the canonical form the API server writes back.

A quantity in a manifest reaches the API server as JSON: `Quantity.UnmarshalJSON`
gets the literal as written (a string as Go's JSON encoder writes it: control
characters and U+2028/U+2029 escaped) and trims Unicode spaces. So a string
here is taken as that literal, and a YAML/JSON number as the JSON number Python
writes for it (`repr` of a float).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kubectl_shm.model import resource_quantity as resource

if TYPE_CHECKING:
    from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
# What strings.TrimSpace takes off a JSON string's literal: unicode.IsSpace, less
# what Go's encoder escapes (\t \n \v \f \r, U+2028, U+2029), which is never trimmed.
_TRIMMED = " \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# Past this power of ten `parse_quantity` gives up on an exact Fraction.
_EXACT_LIMIT = 10_000
# Quantity.Value() is an int64; beyond it Kubernetes has no byte count to use.
MAX_BYTES = 2**63 - 1
_SHOWN_CHARS = 60
_NUMERAL = re.compile(r"([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(.*)", re.DOTALL)
# Suffixes a person may mean by a wrong-case or byte-style one ("2g", "1GB", "1mi"):
# never milli, which nobody means for memory.
_SIZE_SUFFIXES = ("k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
# Words for the fractional suffixes, to say what a tiny quantity really is.
_FRACTION_WORDS = {"m": "millibytes", "u": "microbytes", "n": "nanobytes"}


class QuantityError(ValueError):
    """A value that is not a Kubernetes quantity. `value` holds the bad input."""

    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"invalid quantity {shown_value(value)}: {reason}")
        self.value = value
        self.reason = reason


def shown_value(value: object) -> str:
    """`repr(value)`, cut short: a message quotes what the user wrote, not a megabyte of it."""
    if isinstance(value, int) and value.bit_length() > 400:
        return f"<a {value.bit_length()}-bit integer>"  # repr() of it may exceed Python's limit
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 3]}..."


def parse_quantity(value: object) -> Fraction:
    """The exact value Kubernetes holds for a quantity given as a string or a YAML/JSON
    number: the number, rounded up to 1n, binary suffixes capped at 2^63-1.

    QuantityError also for a value past 10^±10000, which Kubernetes accepts but
    which no Fraction here is worth computing.
    """
    from fractions import Fraction

    unscaled, power = resource.exact_of(_parse(value).amount)
    if unscaled == 0:
        return Fraction(0)
    if abs(power) > _EXACT_LIMIT:
        raise QuantityError(value, f"too large or too small to compute (10^{power})")
    return Fraction(unscaled) * Fraction(10) ** power


def to_bytes(value: object) -> int:
    """The integer Kubernetes uses, `Quantity.Value()`: rounded up; past int64 what
    Value() returns there (0 on the int64 path, the low 64 bits on the inf.Dec path)."""
    return resource.value_of(_parse(value).amount)


def positive_bytes(value: object) -> int:
    """Like `to_bytes`, but the quantity must be greater than zero and at most 2^63-1."""
    quantity = _parse(value)
    if resource.sign_of(quantity.amount) <= 0:
        raise QuantityError(value, "must be greater than zero")
    size = resource.value_of(quantity.amount)
    if resource.above_int64(quantity.amount):
        raise QuantityError(value, f"more than 2^63-1 bytes; Kubernetes would count {size}")
    return size


def nonnegative_bytes(value: object) -> int:
    """`to_bytes` for the byte counts the size model uses (memory limits, sizeLimit): refused
    below zero, as the API server refuses them, and past 2^63-1, where `Value()` no longer
    tells the size (a wrapped or zero int64) while the kubelet compares the exact value."""
    quantity = _parse(value)
    if resource.sign_of(quantity.amount) < 0:
        raise QuantityError(value, "must not be negative")
    if resource.above_int64(quantity.amount):
        raise QuantityError(value, "too large: Kubernetes counts bytes in an int64 (< 8Ei)")
    return resource.value_of(quantity.amount)


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


def canonical_quantity(value: object) -> str:
    """The quantity as the API server writes it back (`Quantity.String()`): '1.5Gi' -> '1536Mi'."""
    return resource.canonical(_parse(value))


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


def _parse(value: object) -> resource.Quantity:
    """ParseQuantity of the JSON literal UnmarshalJSON gets, trimmed as it trims it."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise QuantityError(value, "expected a string or a number")
    if isinstance(value, str):
        text = value.strip(_TRIMMED)  # UnmarshalJSON: strings.TrimSpace
    elif isinstance(value, int):
        text = resource.decimal_text(value)
    elif value != value or value in (float("inf"), float("-inf")):
        raise QuantityError(value, "not a finite number")
    else:
        text = repr(value)
    try:
        return resource.parse_text(text)
    except resource.Refused as refused:
        raise QuantityError(value, _with_hint(refused.reason, text)) from None


def _with_hint(reason: str, text: str) -> str:
    """An unknown suffix that is a wrong-case or byte-style one ('2g', '1GB', '1mi'): say
    which were probably meant."""
    match = _NUMERAL.fullmatch(text)
    if not reason.startswith("unknown suffix") or match is None:
        return reason
    base = match.group(3).lower().removesuffix("b").removesuffix("i")
    meant = [known for known in _SIZE_SUFFIXES if known.lower().removesuffix("i") == base]
    return (
        f"unknown suffix {match.group(3)!r} (did you mean {' or '.join(meant)}?)"
        if meant
        else reason
    )


def _numeral(value: object) -> re.Match[str] | None:
    """Sign, number and suffix of a quantity as written; None for what is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = resource.decimal_text(value) if isinstance(value, int) else str(value)
    return _NUMERAL.fullmatch(text.strip())
