"""Kubernetes resource quantities with the API server's exact semantics.

Grammar and rounding follow k8s.io/apimachinery/pkg/api/resource/quantity.go:

    <quantity> ::= <signedNumber><suffix>
    <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    <suffix>   ::= Ki|Mi|Gi|Ti|Pi|Ei | m|""|k|M|G|T|P|E | (e|E)<signedInteger>

`Quantity.Value()` rounds up to the next integer (ceiling), which is how a
`sizeLimit: 0.5` becomes 1 byte; `to_bytes` does the same.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_NUMBER = re.compile(r"([+-]?)(\d+\.?\d*|\.\d+)(.*)", re.DOTALL)
_EXPONENT = re.compile(r"[eE]([+-]?\d+)")
# Far beyond any real quantity; stops "1e999999999" from costing a huge integer.
_MAX_EXPONENT = 1000


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity. `value` holds the bad input."""

    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"invalid quantity {value!r}: {reason}")
        self.value = value
        self.reason = reason


def parse_quantity(value: object) -> Fraction:
    """The exact value of a quantity given as a string or a YAML/JSON number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise QuantityError(value, "expected a string or a number")
    text = _as_text(value).strip()  # json.Unmarshal of a Quantity trims spaces too
    if not text:
        raise QuantityError(value, "empty")
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise QuantityError(value, "expected a number such as 512Mi, 2Gi or 1.5G")
    sign, number, suffix = match.groups()
    magnitude = Fraction(number) * _multiplier(value, suffix)
    return -magnitude if sign == "-" else magnitude


def to_bytes(value: object) -> int:
    """The integer value Kubernetes uses (`Quantity.Value()`): rounded up, never down."""
    return math.ceil(parse_quantity(value))


def positive_bytes(value: object) -> int:
    """Like `to_bytes`, but the quantity must be greater than zero."""
    exact = parse_quantity(value)
    if exact <= 0:
        raise QuantityError(value, "must be greater than zero")
    return math.ceil(exact)


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


def _as_text(value: str | int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(value, "not a finite number")
        return repr(value)
    return str(value)


def _multiplier(value: object, suffix: str) -> Fraction:
    if suffix in _BINARY:
        return Fraction(_BINARY[suffix])
    if suffix in _DECIMAL:
        return _DECIMAL[suffix]
    exponent = _EXPONENT.fullmatch(suffix)
    if exponent is None:
        raise QuantityError(value, f"unknown suffix {suffix!r} (use Ki, Mi, Gi, k, M, G, ...)")
    power = int(exponent.group(1))
    if abs(power) > _MAX_EXPONENT:
        raise QuantityError(value, "exponent out of range")
    return Fraction(10) ** power
