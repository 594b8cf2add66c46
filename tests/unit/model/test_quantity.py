import contextlib
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kubectl_shm.model.quantity import (
    QuantityError,
    canonical_quantity,
    format_bytes,
    mebibytes_meant,
    nonnegative_bytes,
    parse_quantity,
    positive_bytes,
    shown_value,
    spelled_out,
    to_bytes,
)

INT64_MAX = 2**63 - 1


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
        ("1n", 1),
        ("1073741824000000000n", 2**30),
        ("1500000000u", 1500),
        ("0.1m", 1),
        (" 256Mi ", 256 * 2**20),  # the API server trims JSON strings
        ("\u00a0256Mi\u3000", 256 * 2**20),  # ... of Unicode spaces too
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
        "1gi",
        "1GI",
        "1.5.5",
        "1 Gi",
        "1e3Mi",
        "1e",
        "1Kb",
        "--1",
        "1i",
        "abc",
        "1e99999999999999999999",
        "1Gi\n",  # JSON carries it as \n, which UnmarshalJSON does not trim
        "\t1Gi",
        "1\u00a0Gi",
        "\uff11Gi",
        "\u0663Mi",
        "\u22121Gi",
        "+-1",
        "1" + "0" * 5000 + "x",
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
    assert shown_value(text) in str(caught.value)  # cut short past 60 characters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mi", 0),  # no digits at all is zero to apimachinery
        (".", 0),
        ("+", 0),
        ("e3", 0),
        ("1e1001", 0),  # the int64 path: past int64, Value() is 0
        ("10E", 0),
        ("1e19", 0),
        ("18446744073709551616", 0),  # the inf.Dec path: the low 64 bits
        ("10000000000000000000", 10**19 - 2**64),
        ("342741630615625971M", 342741630615625971 * 10**6 % 2**64),  # x10^6 wraps
        ("16Ei", INT64_MAX),  # binary suffixes are capped
        ("-1.0000000001Ki", -1023),  # scaledValue's fast path for negative fractions
        ("1e4294967296", 1),  # the exponent is an int32: 2^32 is 0
    ],
)
def test_what_apimachinery_accepts_though_it_looks_wrong(text, expected):
    assert to_bytes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5Gi", "1536Mi"),
        ("1024Ki", "1Mi"),
        ("1Ki", "1Ki"),
        ("0.5Gi", "512Mi"),
        ("1500m", "1500m"),
        ("1.5", "1500m"),
        ("0.1m", "100u"),
        ("1e3", "1e3"),
        ("1000e0", "1e3"),
        ("1000E", "1"),  # no suffix past E: the exponent is lost
        ("16Ei", "9223372036854775807"),
        (0.5, "500m"),
        (1e16, "10e15"),
        ("00", "0"),
    ],
)
def test_canonical_form_is_what_the_api_server_writes_back(text, expected):
    assert canonical_quantity(text) == expected


@pytest.mark.parametrize(
    "text",
    ["1e-2147483648", "12.5e-2147483647", "4185556471217543671e2147483647", "1e-2000000000"],
)
def test_exponents_apimachinery_spends_minutes_on_are_answered_at_once(text):
    # apimachinery computes 10 to a power near 2^31 here (1e-2147483648: no answer in two
    # minutes); followed step by step, its int32 scales wrap and it ends at 1n.
    assert to_bytes(text) == 1
    assert canonical_quantity(text) == "1e-9"


def test_long_numbers_parse_past_pythons_digit_limit():
    assert to_bytes("1" + "0" * 5000) == 0  # 10^5000 mod 2^64
    assert to_bytes("0." + "0" * 5000 + "1") == 1
    assert parse_quantity("1" + "0" * 5000) == 10**5000


def test_exact_values_too_large_to_compute_are_refused_only_by_parse_quantity():
    assert to_bytes("1e2000000000") == 0
    assert canonical_quantity("1e2000000000") == "100e1999999998"
    with pytest.raises(QuantityError, match="too large or too small"):
        parse_quantity("1e2000000000")


def test_reasons_name_what_is_wrong():
    with pytest.raises(QuantityError, match="not an ASCII digit"):
        to_bytes("\uff11Gi")
    with pytest.raises(QuantityError, match="unknown suffix 'Kb'"):
        to_bytes("1Kb")
    with pytest.raises(QuantityError, match="inside the quantity"):
        to_bytes("1 Gi")


def test_positive_bytes_refuses_what_value_cannot_count():
    assert positive_bytes("16Ei") == INT64_MAX  # capped: Kubernetes holds 2^63-1
    assert positive_bytes("0.5") == 1
    for text in ("10E", "1e19", "18446744073709551617"):
        with pytest.raises(QuantityError, match="more than 2\\^63-1 bytes"):
            positive_bytes(text)


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
    exact = number * multipliers[suffix]
    if suffix.endswith("i"):  # apimachinery caps binary-suffix values at 2^63-1
        exact = min(exact, INT64_MAX)
    assert parse_quantity(f"{number}{suffix}") == exact


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=999), suffixes)
def test_value_rounds_up_never_down(whole, thousandths, suffix):
    exact = (whole + Fraction(thousandths, 1000)) * multipliers[suffix]
    assume(exact <= INT64_MAX)  # past it Value() is capped, 0 or wrapped (tested above)
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
    ("value", "reason"),
    [
        ("1e400", "too large"),
        ("10E", "too large"),  # 10^19: Value() wraps to 0, the kubelet compares 10^19
        (2**63, "too large"),
        ("18446744073709551617", "too large"),  # Value() is 1: the low 64 bits
        ("-1Mi", "must not be negative"),
    ],
)
def test_sizes_the_model_cannot_count_are_refused(value, reason):
    with pytest.raises(QuantityError, match=reason):
        nonnegative_bytes(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("\u0661\u0662Mi", "ASCII"),  # Arabic-Indic digits: Go's parser takes 0-9 only
        ("\uff11Gi", "ASCII"),  # a fullwidth 1
        ("2g", "did you mean G or Gi?"),
        ("1GB", "did you mean G or Gi?"),
        ("1mi", "did you mean M or Mi?"),
    ],
)
def test_values_kubernetes_refuses_are_errors_that_say_why(value, reason):
    with pytest.raises(QuantityError) as caught:
        to_bytes(value)
    assert reason in caught.value.reason
    assert len(str(caught.value)) < 200


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
