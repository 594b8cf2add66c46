"""resource.Quantity as k8s.io/apimachinery v0.34.4 holds it: parsed, valued and printed.

A step-by-step mirror of k8s.io/apimachinery/pkg/api/resource (quantity.go,
amount.go, math.go, scale_int.go, suffix.go and gopkg.in/inf.v0), Go's int32 and
int64 wrap-arounds included, for `kubectl_shm.model.quantity`, which says what it
means for a manifest. Names follow the Go code so each function reads against its
source. tests/unit/model/test_quantity_parity.py holds it to apimachinery itself.
"""

from __future__ import annotations

import re

_INT64_MAX = 2**63 - 1
_UINT64 = 2**64
_INT32 = 2**32
_MAX_INT64_DIGITS = 18  # maxInt64Factors: as many digits as an int64 always holds
_NANO = 9  # inf.Dec scale of resource.Nano: the finest step a quantity keeps

_DECIMAL_SI = "DecimalSI"
_BINARY_SI = "BinarySI"
_DECIMAL_EXPONENT = "DecimalExponent"
# suffix -> (base, exponent, format), as suffix.go's quantitySuffixer reads them.
_SUFFIXES = {
    "": (10, 0, _DECIMAL_SI),
    "n": (10, -9, _DECIMAL_SI),
    "u": (10, -6, _DECIMAL_SI),
    "m": (10, -3, _DECIMAL_SI),
    "k": (10, 3, _DECIMAL_SI),
    "M": (10, 6, _DECIMAL_SI),
    "G": (10, 9, _DECIMAL_SI),
    "T": (10, 12, _DECIMAL_SI),
    "P": (10, 15, _DECIMAL_SI),
    "E": (10, 18, _DECIMAL_SI),
    "Ki": (2, 10, _BINARY_SI),
    "Mi": (2, 20, _BINARY_SI),
    "Gi": (2, 30, _BINARY_SI),
    "Ti": (2, 40, _BINARY_SI),
    "Pi": (2, 50, _BINARY_SI),
    "Ei": (2, 60, _BINARY_SI),
}
_SUFFIX_OF = {(base, exponent): suffix for suffix, (base, exponent, _format) in _SUFFIXES.items()}
# parseQuantityString as one pattern: [+-] zeros digits [. digits] suffix-letters [+-] digits.
_SCAN = re.compile(
    r"(?P<sign>[+-]?)0*(?P<num>[0-9]*)(?P<point>\.(?P<denom>[0-9]*))?"
    r"(?P<suffix>[eEinumkKMGTP]*[+-]?[0-9]*)"
)
# Compiled on first use (re caches them): most quantities need neither.
_NUMBER = r"[+-]?([0-9.]*)"
_EXPONENT = r"[eE]([+-]?)0*([0-9]+)"


# Plain classes with __slots__: three NamedTuples cost this start-up path a third of a ms.
class Int64Amount:
    """amount.go int64Amount: value * 10**scale (scale an int32)."""

    __slots__ = ("scale", "value")

    def __init__(self, value: int, scale: int) -> None:
        self.value = value
        self.scale = scale


class InfDec:
    """inf.Dec: coefficient * 10**zeros * 10**-scale; `zeros` keeps the unscaled
    value's trailing zeros as a count (rounding to nano can add billions)."""

    __slots__ = ("coefficient", "scale", "zeros")

    def __init__(self, coefficient: int, zeros: int, scale: int) -> None:
        self.coefficient = coefficient
        self.zeros = zeros
        self.scale = scale


class Quantity:
    """resource.Quantity: its amount, format and the string it keeps ("" for none)."""

    __slots__ = ("amount", "format", "text")

    def __init__(self, amount: Int64Amount | InfDec, format: str, text: str) -> None:
        self.amount = amount
        self.format = format
        self.text = text


class Refused(Exception):
    """ParseQuantity's error (or panic), with a reason a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- ParseQuantity ----------------------------------------------------------------------


def parse_text(text: str) -> Quantity:
    """quantity.go ParseQuantity."""
    if not text:
        raise Refused("empty")
    if text == "0":
        return Quantity(Int64Amount(0, 0), _DECIMAL_SI, text)
    match = _SCAN.fullmatch(text)
    if match is None:
        raise Refused(_why_not_a_number(text))
    sign, num, point, denom, suffix = match.group("sign", "num", "point", "denom", "suffix")
    denom = denom or ""
    # The number as inf.Dec reads it: "0" where nothing but zeros follows the sign.
    number = "0" if not (num or point or suffix) else text[: match.start("suffix")]
    base, exponent, form = _interpret(suffix)
    fast = _int64_path(text, sign != "-", num or "0", denom, exponent, form)
    if fast is not None:
        return fast
    return _inf_dec_path(number, base, exponent, form)


def _interpret(suffix: str) -> tuple[int, int, str]:
    """suffix.go interpret: a known suffix, or e/E and an exponent that ParseInt reads."""
    known = _SUFFIXES.get(suffix)
    if known is not None:
        return known
    exponent = re.fullmatch(_EXPONENT, suffix)
    if exponent is None:
        raise Refused(f"unknown suffix {suffix!r} (use Ki, Mi, Gi, k, M, G, ...)")
    sign, digits = exponent.groups()
    if len(digits) > 19 or int(digits) > (_INT64_MAX + (sign == "-")):
        raise Refused("exponent out of range")
    parsed = -int(digits) if sign == "-" else int(digits)
    return 10, _int32(parsed), _DECIMAL_EXPONENT  # int32(parsed): Go truncates


def _int64_path(
    text: str, positive: bool, num: str, denom: str, exponent: int, form: str
) -> Quantity | None:
    """ParseQuantity's fast path into an int64Amount; None where it falls through."""
    mantissa = 1
    if form == _BINARY_SI:
        scale = 0
        if denom:
            return None
        mantissa = 1 << exponent
        # 1Mi (2^20) has ~6 digits of decimal precision, so exponent*3/10 -1 is roughly it
        precision = 15 - len(num) - exponent * 3 // 10 - 1
    else:
        scale = exponent
        precision = _MAX_INT64_DIGITS - (len(num) + len(denom))
    if precision < 0:
        return None
    scale = _int32(scale - len(denom))
    if scale < -_NANO:
        return None
    shifted = num + denom
    result = int(shifted) * mantissa
    if result > _INT64_MAX:  # int64Multiply overflows
        return None
    if not positive:
        result = -result
    kept = ""  # "if the number is in canonical form, reuse the string"
    if form == _BINARY_SI:
        if exponent % 10 == 0 and int(shifted) & 7:
            kept = text
    elif scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
        kept = text
    return Quantity(Int64Amount(result, scale), form, kept)


def _inf_dec_path(number: str, base: int, exponent: int, form: str) -> Quantity:
    """ParseQuantity's inf.Dec path: SetString, apply the suffix, round up to 1n, cap."""
    whole, _point, fraction = number.lstrip("+-").partition(".")
    if not whole and not fraction:
        raise Refused("no digits in the number")
    magnitude = _digits_value(whole + fraction)
    scale = len(fraction)
    if base == 10:
        scale = _int32(scale + _int32(-exponent))
    else:
        magnitude <<= exponent
    amount = InfDec(magnitude, 0, scale)
    if magnitude != 0:
        amount = _round_up_to_nano(amount)
    if form == _BINARY_SI and magnitude != 0:
        exact = _materialize(amount)
        if exact > _INT64_MAX * _ten_to(_NANO):  # the max is just a simple cap
            amount = InfDec(_INT64_MAX, 0, 0)
        elif 0 < exact < _ten_to(_NANO):
            form = _DECIMAL_SI
    if number.startswith("-"):
        amount.coefficient = -amount.coefficient
    return Quantity(amount, form, "")


def _round_up_to_nano(amount: InfDec) -> InfDec:
    """inf.Dec Round(x, 9, RoundUp) of a positive x: quoRem with an int32 shift."""
    shift = _int32(_NANO - amount.scale)
    if shift >= 0:
        return InfDec(amount.coefficient, shift, _NANO)
    if shift == -(2**31):
        raise Refused("apimachinery fails on it (inf.Dec panics on the scale)")
    if -shift > amount.coefficient.bit_length():  # 10^-shift > coefficient
        return InfDec(1, 0, _NANO)
    quotient, remainder = divmod(amount.coefficient, _ten_to(-shift))
    return InfDec(quotient + (remainder != 0), 0, _NANO)


# --- what a parsed quantity is worth ----------------------------------------------------


def value_of(amount: Int64Amount | InfDec) -> int:
    """Quantity.Value(): ScaledValue(0)."""
    if isinstance(amount, Int64Amount):
        value, scale = amount.value, amount.scale
        if scale < 0:  # negativeScaleInt64: round away from zero
            quotient, remainder = divmod(abs(value), _ten_to(-scale))
            rounded = quotient + (remainder != 0)
            return rounded if value >= 0 else -rounded
        # positiveScaleInt64 ignores its overflow flag: scales 1, 2, 3, 6 and 9 multiply
        # once and wrap around; any other scale multiplies by 10 in a loop and gives 0.
        if scale in (1, 2, 3, 6, 9):
            return _wrap64(value * _ten_to(scale))
        if value == 0 or scale > _MAX_INT64_DIGITS:
            return 0
        scaled = value * _ten_to(scale)
        return scaled if -_INT64_MAX - 1 <= scaled <= _INT64_MAX else 0
    coefficient, zeros, scale = amount.coefficient, amount.zeros, amount.scale
    if coefficient == 0:
        return 0
    if scale <= 0:  # a nonzero inf.Dec has scale 9 (rounded) or 0 (capped)
        return _go_int64(coefficient, zeros - scale)
    # scaledValue: a fast path through int64 (truncating division, then +1), or big.Int DivMod
    below_max = coefficient < 0 or (zeros < 19 and coefficient * _ten_to(zeros) < _INT64_MAX)
    if below_max and scale < 19:
        unscaled = _go_int64(coefficient, zeros)
        divisor = _ten_to(scale)
        quotient = abs(unscaled) // divisor * (1 if unscaled >= 0 else -1)
        return _wrap64(quotient + (unscaled != quotient * divisor))
    if zeros >= scale:
        return _go_int64(coefficient, zeros - scale)
    quotient, remainder = divmod(coefficient * _ten_to(zeros), _ten_to(scale))
    return _wrap64(_go_int64(quotient, 0) + (remainder != 0))


def sign_of(amount: Int64Amount | InfDec) -> int:
    """-1, 0 or 1, as Quantity.Sign()."""
    number = amount.value if isinstance(amount, Int64Amount) else amount.coefficient
    return (number > 0) - (number < 0)


def exact_of(amount: Int64Amount | InfDec) -> tuple[int, int]:
    """The exact value as (number, power): number * 10**power."""
    if isinstance(amount, Int64Amount):
        return amount.value, amount.scale
    return amount.coefficient, amount.zeros - amount.scale


def above_int64(amount: Int64Amount | InfDec) -> bool:
    """Whether the exact value is past 2^63-1 (Value() no longer tells it)."""
    number, power = exact_of(amount)
    if number <= 0:
        return False
    if power < 0:
        return number > _INT64_MAX * _ten_to(-power)
    return power > _MAX_INT64_DIGITS or number * _ten_to(power) > _INT64_MAX


def _materialize(amount: InfDec) -> int:
    """The unscaled integer times 10^9/10^scale: for small binary amounts only."""
    return amount.coefficient * _ten_to(amount.zeros + _NANO - amount.scale)


# --- String(): the canonical form -------------------------------------------------------


def canonical(quantity: Quantity) -> str:
    """quantity.go CanonicalizeBytes, after the string the quantity kept."""
    amount, form, kept = quantity.amount, quantity.format, quantity.text
    if kept:
        return kept
    if sign_of(amount) == 0:
        return "0"
    if form == _BINARY_SI:
        whole = _binary_whole(amount)
        if whole is None or -1024 < whole < 1024:
            form = _DECIMAL_SI
        else:
            number, times = _remove_factors(whole, 1024)
            return decimal_text(number) + _SUFFIX_OF.get((2, _int32(times * 10)), "")
    if isinstance(amount, Int64Amount):
        number, exponent = _canonical_int64(amount)
    else:
        number, exponent = _canonical_dec(amount.coefficient, amount.zeros, -amount.scale)
    if form == _DECIMAL_EXPONENT:
        suffix = f"e{exponent}" if exponent else ""
    else:  # constructBytes' miss (past E) is no suffix at all: 1000E prints as "1"
        suffix = _SUFFIX_OF.get((10, exponent), "")
    return decimal_text(number) + suffix


def _binary_whole(amount: Int64Amount | InfDec) -> int | None:
    """A BinarySI amount as an integer, or None where AsScale(0) would round it."""
    if isinstance(amount, Int64Amount):
        return amount.value  # binary amounts on the int64 path have scale 0
    exact = _materialize(amount)
    whole, fraction = divmod(abs(exact), _ten_to(_NANO))
    if fraction:
        return None
    return whole if exact > 0 else -whole


def _canonical_int64(amount: Int64Amount) -> tuple[int, int]:
    """int64Amount.AsCanonicalBytes: strip the zeros, then an exponent divisible by 3."""
    number, times = _remove_factors(amount.value, 10)
    exponent = _int32(amount.scale + times)
    remainder = _go_remainder(exponent, 3)
    steps = 1 if remainder in (1, -2) else 2 if remainder in (2, -1) else 0
    if steps and -_INT64_MAX - 1 <= number * _ten_to(steps) <= _INT64_MAX:
        return number * _ten_to(steps), _int32(exponent - steps)
    if steps:  # the multiplication overflows: infDecAmount does it with a loop instead
        return _canonical_dec(amount.value, 0, amount.scale)
    return number, exponent


def _canonical_dec(coefficient: int, zeros: int, exponent: int) -> tuple[int, int]:
    """infDecAmount.AsCanonicalBytes of coefficient * 10**zeros * 10**exponent."""
    number, times = _remove_factors(coefficient, 10)
    exponent = _int32(_int32(exponent) + _int32(times + zeros))
    while _go_remainder(exponent, 3) != 0:
        number *= 10
        exponent = _int32(exponent - 1)
    return number, exponent


# --- Go integers ------------------------------------------------------------------------


def _ten_to(power: int) -> int:
    """10**power for power >= 0, typed as an int."""
    return int(10**power)


def _int32(number: int) -> int:
    """Go's int32 arithmetic: wrap around."""
    return (number + 2**31) % _INT32 - 2**31


def _wrap64(number: int) -> int:
    return (number + 2**63) % _UINT64 - 2**63


def _go_int64(coefficient: int, zeros: int) -> int:
    """big.Int.Int64() of coefficient * 10**zeros: the low 64 bits of the magnitude, signed."""
    low = abs(coefficient) * pow(10, zeros, _UINT64) % _UINT64
    return _wrap64(-low if coefficient < 0 else low)


def _go_remainder(number: int, divisor: int) -> int:
    """Go's %: the sign of the dividend."""
    remainder = abs(number) % divisor
    return -remainder if number < 0 else remainder


def _remove_factors(number: int, factor: int) -> tuple[int, int]:
    """removeInt64Factors / removeBigIntFactors: number = result * factor**times."""
    if factor == 10 and number.bit_length() > 256:  # a long number: count its zeros as text
        text = decimal_text(abs(number))
        digits = text.rstrip("0")
        stripped = _digits_value(digits)
        return (stripped if number > 0 else -stripped), len(text) - len(digits)
    times = 0
    while number != 0 and number % factor == 0:
        number //= factor
        times += 1
    return number, times


def _digits_value(digits: str) -> int:
    """int() of ASCII digits, past Python's 4300-digit limit for str -> int."""
    if len(digits) <= 4000:
        return int(digits or "0")
    value = 0
    for start in range(0, len(digits), 4000):
        chunk = digits[start : start + 4000]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def decimal_text(number: int) -> str:
    """str() of an integer, past Python's 4300-digit limit for int -> str."""
    if number.bit_length() < 13000:  # under 4000 digits
        return str(number)
    chunks = []
    rest = abs(number)
    while rest:
        rest, chunk = divmod(rest, 10**4000)
        chunks.append(f"{chunk:04000d}" if rest else str(chunk))
    return ("-" if number < 0 else "") + "".join(reversed(chunks))


def _why_not_a_number(text: str) -> str:
    """A reason for a string that parseQuantityString refuses."""
    for character in text:
        if character.isdigit() and character not in "0123456789":
            return f"{character!r} is not an ASCII digit 0-9"
        if character.isspace() or not character.isprintable():
            return f"{character!r} inside the quantity"
    number = re.match(_NUMBER, text)
    if number is not None and number.group(1) and text[number.end() :].isalpha():
        return f"unknown suffix {text[number.end() :]!r} (use Ki, Mi, Gi, k, M, G, ...)"
    return "expected a number such as 512Mi, 2Gi or 1.5G"
