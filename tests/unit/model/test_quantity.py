import contextlib
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kubectl_shm.model.quantity import (
    MAX_BYTES,
    QuantityError,
    format_bytes,
    mebibytes_meant,
    nonnegative_bytes,
    parse_quantity,
    positive_bytes,
    shown_value,
    spelled_out,
    to_bytes,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64Mi", 64 * 2**20),
        ("1Gi", 2**30),
        ("1.5Gi", 3 * 2**29),
        ("1Ki", 1024),
        ("1Ei", 2**60),
        ("1k", 1000),
        ("1M", 10**6),
        ("2G", 2 * 10**9),
        ("1E", 10**18),  # E alone is exa, not an exponent
        ("1e3", 1000),
        ("1E3", 1000),
        ("1e+3", 1000),
        ("12e-1", 2),  # 1.2 rounds up
        ("1500m", 2),  # 1.5 rounds up
        ("1m", 1),
        ("0.5", 1),
        (".5Gi", 2**29),
        ("5.", 5),
        ("+1Gi", 2**30),
        ("0", 0),
        (" 256Mi ", 256 * 2**20),  # the API server trims JSON strings
        (1000, 1000),  # YAML numbers
        (0.5, 1),
        (1e3, 1000),
    ],
)
def test_to_bytes_matches_kubernetes_value(text, expected):
    assert to_bytes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mi",
        "1gi",
        "1GI",
        "1.5.5",
        "1 Gi",
        "1e3Mi",
        "1e",
        "1Kb",
        "--1",
        "1i",
        ".",
        "abc",
        "1e1001",
        True,
        None,
        [],
        float("inf"),
    ],
)
def test_invalid_quantities_raise_typed_error_naming_value(text):
    with pytest.raises(QuantityError) as caught:
        to_bytes(text)
    assert caught.value.value == text
    assert repr(text) in str(caught.value)


def test_negative_values_are_exact_and_rejected_as_sizes():
    assert parse_quantity("-1Gi") == -(2**30)
    with pytest.raises(QuantityError, match="greater than zero"):
        positive_bytes("-1Gi")
    with pytest.raises(QuantityError, match="greater than zero"):
        positive_bytes("0")


@pytest.mark.parametrize(
    ("size", "text"),
    [(67108864, "64Mi"), (3 * 2**29, "1.5Gi"), (1000, "1000"), (2**30, "1Gi"), (None, "-")],
)
def test_format_bytes(size, text):
    assert format_bytes(size) == text


suffixes = st.sampled_from(["", "Ki", "Mi", "Gi", "Ti", "k", "M", "G", "m"])
multipliers = {
    "": 1,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "m": Fraction(1, 1000),
}


@given(st.integers(min_value=0, max_value=10**12), suffixes)
def test_integer_with_suffix_is_exact(number, suffix):
    assert parse_quantity(f"{number}{suffix}") == number * multipliers[suffix]


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=999), suffixes)
def test_value_rounds_up_never_down(whole, thousandths, suffix):
    exact = (whole + Fraction(thousandths, 1000)) * multipliers[suffix]
    assume(exact <= MAX_BYTES)
    bytes_ = to_bytes(f"{whole}.{thousandths:03d}{suffix}")
    assert bytes_ >= exact
    assert bytes_ - exact < 1


@given(st.integers(min_value=1, max_value=2**62))
def test_format_bytes_of_whole_binary_units_parses_back(size):
    text = format_bytes(size)
    if "." not in text:
        assert to_bytes(text) == size


@given(st.text(max_size=12))
def test_arbitrary_text_parses_or_raises_quantity_error(text):
    with contextlib.suppress(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1u", 1), ("1500000u", 2), ("5n", 1), ("9Ei", MAX_BYTES), ("-9Ei", -MAX_BYTES)],
)
def test_micro_nano_and_the_binary_cap_of_parse_quantity(text, expected):
    """suffix.go knows n and u; ParseQuantity caps BinarySI values at the int64 maximum."""
    assert to_bytes(text) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e400", "too large"),
        ("10E", "too large"),  # 10^19: decimal values are not capped, Value() overflows
        (2**63, "too large"),
        ("\u0661\u0662Mi", "ASCII"),  # Arabic-Indic digits: Go's parser takes 0-9 only
        ("\uff11Gi", "ASCII"),  # a fullwidth 1
        ("1" * 500, "digits"),
        pytest.param(10**5000, "digits", id="huge-int"),  # str() of it exceeds Python's limit
        ("2g", "did you mean G or Gi?"),
        ("1GB", "did you mean G or Gi?"),
        ("1mi", "did you mean M or Mi?"),
    ],
)
def test_values_kubernetes_cannot_use_are_errors_that_say_why(value, reason):
    with pytest.raises(QuantityError) as caught:
        to_bytes(value)
    assert reason in caught.value.reason
    assert len(str(caught.value)) < 200


def test_negative_sizes_are_refused_where_the_api_server_refuses_them():
    assert nonnegative_bytes("0") == 0
    with pytest.raises(QuantityError, match="must not be negative"):
        nonnegative_bytes("-1Mi")


@pytest.mark.parametrize(
    ("value", "words", "meant"),
    [
        ("512m", "512 millibytes", "512Mi"),
        ("512", "512 bytes", "512Mi"),
        (512, "512 bytes", "512Mi"),
        ("64k", "64000 bytes", "64Mi"),
        ("3u", "3 microbytes", "3Mi"),
        ("1", "1 byte", "1Mi"),
        ("0.5", "0.5 bytes", None),
        ("1e3", "1000 bytes", None),
        ("100000", "100000 bytes", None),
        ("512M", "512000000 bytes", None),
    ],
)
def test_tiny_sizes_are_spelled_out_with_what_was_probably_meant(value, words, meant):
    assert spelled_out(value) == words
    assert mebibytes_meant(value) == meant


def test_shown_values_are_cut_short():
    assert shown_value("512Mi") == "'512Mi'"
    assert len(shown_value("9" * 10_000)) == 60
    assert shown_value(10**5000).startswith("<a ")
