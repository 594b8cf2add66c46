"""kubectl_shm.model.quantity against k8s.io/apimachinery itself.

tests/gotools/quantity/ is a Go program on apimachinery v0.34.4 (Kubernetes
v1.34.4) that decodes each input as the API server decodes a request body
(Quantity.UnmarshalJSON through sigs.k8s.io/json) and reports whether it is
accepted, Value(), String() and the exact inf.Dec. Every input, hand-picked or
generated from a fixed seed, must come out the same here: accepted or refused,
`to_bytes` == Value(), `canonical_quantity` == String(), `parse_quantity` ==
the exact value; and ParseQuantity of the bare string (no trimming) likewise.

Go and the module proxy (or a warm module cache) are required: without them
the tests fail, unless SHM_SKIP_GO_PARITY=1.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from decimal import Decimal
from fractions import Fraction

import pytest

from kubectl_shm.model import resource_quantity as resource
from kubectl_shm.model.quantity import (
    QuantityError,
    canonical_quantity,
    parse_quantity,
    to_bytes,
)
from tests.gotools.build import GoToolError, ensure_built

SUFFIXES = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
INT64_MAX = 2**63 - 1

HAND_PICKED: list[object] = [
    # every suffix, whole, fractional, negative, zero and bare
    *[f"{number}{suffix}" for suffix in SUFFIXES for number in ("1", "1.5", "-3", "0", "")],
    "1073741824000000000n",  # 1Gi in nanos
    "1073741824000000000u",
    "1000000000000000000000000000000n",
    # exponents
    *["1e3", "1E3", "1e+3", "1e-3", "1E-3", "1e0", "1e-0", "1e03", "1E+03", "12e-1", "1.5e3"],
    *["1.5e-3", "1e18", "9e18", "10e18", "1e19", "1e-9", "1e-10", "5e-10", "15e-10", "1e400"],
    *["1e-400", "-1e-400", "1e", "1e+", "1e-", "1ee3", "1eE3", "1e3.5", "1e3e3", "1e++3"],
    *["1e+-3", "e3", "E", "e", "1E18", "0e5", "1e1001", "1e-1001"],
    # exponents past int32 and int64 (int32(ParseInt(...)) wraps) and past inf.Dec's scale
    *["1e2147483647", "1e4294967296", "1e4294967297", "1e-4294967295", "1e2000000000"],
    *["1e9223372036854775807", "1e9223372036854775808", "1e-9223372036854775808"],
    *["1e-9223372036854775809", "1.5e-2147483648", "1e0000000000000000000000000003"],
    "1000000000000000000e2147483639",
    # points
    *[".5", "5.", ".", "..", "1..5", "1.5.5", ".5Gi", "5.Gi", "+.5", "-.5", "+.", "-.", ".Ei"],
    *["0.Ei", "Ei", "Pi", "Ti", "Gi", "Mi", "Ki", ".e3", "1.e3", ".5e1", "0.1", "0.10"],
    # signs
    *["+", "-", "+1", "-1", "--1", "++1", "+-1", "-+1", "+1Gi", "-1Gi", "1-", "1+", "1Gi-"],
    *["\u22121", "\uff0b1", "\ufe631", "\u20131Gi"],
    # zero forms
    *["0", "00", "-0", "+0", "0.0", "0.000", "0e0", "0Ki", "0Ei", "-0Ei", "0.0Ei", "0e-400"],
    *["0" * 24, "-" + "0" * 24, "0" * 24 + "Ki", "0" * 30 + "1"],
    # around and past int64, and binary values past the cap
    *["9223372036854775807", "9223372036854775808", "-9223372036854775808"],
    *["-9223372036854775809", "18446744073709551616", "18446744073709551617"],
    *["99999999999999999999", "999999999999999999", "9999999999999999999", "8Ei", "7.99Ei"],
    *["7.999999999999999999Ei", "16Ei", "-16Ei", "9223372036854775807Ki", "8191Pi", "8192Pi"],
    *["9223372036854775807m", "9223372036854775807n", "9223372036854775808n", "8E", "9.3E"],
    *["9.223372036854775807E", "9.223372036854775808E", "1000E", "1000000E", "-1000E", "1e21"],
    *["9223372036854775807000000000", "1" + "0" * 30, "1" + "0" * 5000, "1" + "0" * 5000 + "Ki"],
    "0." + "0" * 5000 + "1",
    "1." + "0" * 40 + "1Gi",
    # fractions that round (up to 1n; Value() up to 1)
    *["0.1m", "0.0001m", "1n", "0.5n", "0.1n", "1.1n", "1u", "1.5u", "0.0000000001"],
    *["0.000000001", "1.0000000001", "1.999999999999", "0.5", "1.5", "2.5", "1.001Ki"],
    *["1.0001Mi", "0.3Ki", "0.001Ki", "0.0001Ki", "1.0000000001Ki", "-1.0000000001Ki", "-1.5"],
    *["-1.5Gi", "-0.5", "-0.0000000001", "-1.0000000001", "-1000000000000000000.5", "1500m"],
    *["1536Mi", "1024Ki", "1025Ki", "1.5Gi", "0.5Gi", "3Ki", "8Ki", "1000Ki", "01Ki", "1000m"],
    # whitespace (UnmarshalJSON trims Unicode spaces; control characters reach it escaped)
    *[" 1Gi", "1Gi ", " 1Gi ", "1 Gi", "\t1Gi", "1Gi\n", "\n", " ", "\u00a01Gi", "1Gi\u3000"],
    *["\u20281Gi", "1\u00a0Gi", "\u200b1Gi", "\ufeff1Gi", "\u00851Gi", "1Gi\r\n", "\x001Gi"],
    # digits that are not ASCII
    *["\uff11Gi", "\u0663Mi", "\u0967Gi", "1\u0660", "\u00b2", "\u00b9Gi", "\U0001d7cfGi"],
    *["\u2160", "1\uff27i", "1\uff4b"],
    # case and unknown suffixes
    *["1gi", "1GI", "1KI", "1K", "1kb", "1Kb", "1KiB", "1mi", "1MI", "1b", "1B", "1i", "1ki"],
    *["abc", "1abc", "Gi1", "1Mi3", "1e3Mi", "1Mie3", "1nu", "1un", "1mk", "0x10", "1_000"],
    *["1,000", "1/2", "NaN", "Inf", "infinity", "null", "true", "m", "k", "n", "u", "i", ""],
    *["1<", "<1", "1&", '1"', "1\\", "1\x7f"],
    # numbers as YAML/JSON numbers, not strings
    *[0, 1, -1, 1000, 2**30, INT64_MAX, 2**63, 2**64, -(2**63), -(2**63) - 1, 10**30, 0.5],
    *[1.5, -0.5, 1e3, 1e16, 1e21, 1e22, 1.5e300, 1e-7, 5e-324, 1.7976931348623157e308, -0.0],
    *[0.1, 1 / 3, 2.5e-10, 1073741824.0, 123456789.123, -2.5],
]


def generated(count: int, seed: int = 14) -> list[object]:
    """Quantities built from the grammar's pieces, some of them broken, from a fixed seed."""
    rng = random.Random(seed)
    signs = ["", "", "", "+", "-", "--", "\u2212"]
    digits = "0123456789"
    exponents = [
        "e3", "E-3", "e+9", "e-9", "e18", "e19", "e-10", "e0", "E", "e", "e-", "e400", "e-400",
        "e4294967299", "ee1", "E+00", "e-19", "e20", "e-1000", "e2000",
    ]  # fmt: skip
    pads = ["", "", "", "", " ", "\u00a0", "\t", "\u3000"]
    values: list[object] = []
    for _ in range(count):
        whole = "".join(
            rng.choice(digits) for _ in range(rng.choice([0, 1, 1, 2, 3, 9, 18, 19, 25]))
        )
        fraction = ""
        if rng.random() < 0.4:
            places = rng.choice([0, 1, 2, 3, 9, 10, 12])
            fraction = "." + "".join(rng.choice(digits) for _ in range(places))
        suffix = rng.choice(SUFFIXES + SUFFIXES + exponents + ["Kb", "mi", "i", "KiB", "nn"])
        if rng.random() < 0.04 and whole:
            position = rng.randrange(len(whole))
            whole = whole[:position] + rng.choice("\uff11\u0663\u0967") + whole[position + 1 :]
        text = rng.choice(signs) + whole + fraction + suffix
        values.append(rng.choice(pads) + text + rng.choice(pads))
    for _ in range(count // 8):
        values.append(rng.choice([1, -1]) * rng.randrange(10 ** rng.randrange(1, 30)))
        values.append(rng.uniform(-1, 1) * 10 ** rng.randrange(-12, 25))
    return values


INPUTS = HAND_PICKED + generated(400)


def label(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)})"


@pytest.fixture(scope="session")
def apimachinery() -> list[dict[str, dict[str, object]]]:
    """apimachinery's report of every input, in order: "json" (the API server's path) and
    "parse" (ParseQuantity of the string itself, as MustParse and flags read it)."""
    if os.environ.get("SHM_SKIP_GO_PARITY") == "1":
        pytest.skip("SHM_SKIP_GO_PARITY=1: not comparing quantities with apimachinery")
    try:
        binary = ensure_built("quantity")
    except GoToolError as error:
        problem = str(error)
    else:
        problem = ""
    if problem:
        pytest.fail(
            f"cannot build the apimachinery reference (SHM_SKIP_GO_PARITY=1 skips): {problem}",
            pytrace=False,
        )
    result = subprocess.run(
        [str(binary)], input=json.dumps(INPUTS), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    reports: list[dict[str, dict[str, object]]] = json.loads(result.stdout)
    assert len(reports) == len(INPUTS)
    return reports


def test_corpus_is_large_and_deterministic():
    assert len(INPUTS) >= 200
    assert generated(400) == generated(400)


def outcome(expected: dict[str, object]) -> dict[str, object]:
    return {key: expected[key] for key in ("ok", "value", "string") if key in expected}


@pytest.mark.parametrize("index", range(len(INPUTS)), ids=[label(value) for value in INPUTS])
def test_quantity_matches_apimachinery(apimachinery, index):
    """What the API server makes of the value in a manifest."""
    value, expected = INPUTS[index], apimachinery[index]["json"]
    try:
        ours = {"ok": True, "value": to_bytes(value), "string": canonical_quantity(value)}
    except QuantityError as error:
        ours = {"ok": False}
        assert not expected["ok"], f"we refuse {value!r} ({error.reason}); apimachinery does not"
    assert ours == outcome(expected), expected.get("error")
    if "exact" in expected:
        try:
            exact = parse_quantity(value)
        except QuantityError as error:
            assert "too large or too small" in error.reason
        else:
            assert exact == Fraction(Decimal(str(expected["exact"])))


STRINGS = [index for index, value in enumerate(INPUTS) if isinstance(value, str)]


@pytest.mark.parametrize("index", STRINGS, ids=[label(INPUTS[index]) for index in STRINGS])
def test_parse_text_matches_parse_quantity(apimachinery, index):
    """ParseQuantity itself, before UnmarshalJSON's trimming."""
    text, expected = INPUTS[index], apimachinery[index]["parse"]
    try:
        parsed = resource.parse_text(text)
    except resource.Refused:
        ours: dict[str, object] = {"ok": False}
    else:
        ours = {"ok": True, "value": resource.value_of(parsed.amount)}
        ours["string"] = resource.canonical(parsed)
    assert ours == outcome(expected), expected.get("error")
