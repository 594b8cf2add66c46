"""json_codec: msgspec's speed, the json module's results."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_shm import json_codec

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(st.characters(codec=None))
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=25
)


@pytest.fixture(params=["msgspec", "json module"])
def codec(request, monkeypatch):
    """The codec as shipped, and as it runs where msgspec is missing."""
    if request.param == "json module":
        monkeypatch.setattr(json_codec, "msgspec", None)
        monkeypatch.setattr(json_codec, "_SORTED", None)
    return json_codec


@settings(max_examples=400)
@given(documents)
def test_indented_text_is_the_json_modules(document):
    assert json_codec.dumps_indented(document) == json.dumps(document, indent=2)


@pytest.mark.parametrize(
    "document",
    [
        {"name": "caf\u00e9 \u2014 \U0001f600", "del": "\x7f", "controls": "\x00\x1f\n\t"},
        {"lone surrogate": "\ud800"},
        {"past 64 bits": 2**70, "negative": -(2**65)},
        [],
        {},
        {"empty": {}, "list": [[]]},
    ],
)
def test_what_msgspec_refuses_or_writes_otherwise_comes_out_the_same(codec, document):
    assert codec.dumps_indented(document) == json.dumps(document, indent=2)


@pytest.mark.parametrize(
    "text",
    [
        '{"items": [{"metadata": {"name": "a"}}], "metadata": {"continue": "x"}}',
        '{"big": 123456789012345678901234567890, "nan": NaN}',
        '"\\ud800"',
        "[1, 2.5, -0, 1e400]",
    ],
)
def test_loads_gives_what_json_loads_gives(codec, text):
    decoded = codec.loads(text.encode())
    expected = json.loads(text)
    assert repr(decoded) == repr(expected)


@pytest.mark.parametrize("text", [b"", b"{", b'{"a": 1,}', b"\xff"])
def test_loads_refuses_with_a_json_decode_error(codec, text):
    with pytest.raises(ValueError) as refused:
        codec.loads(text)
    assert isinstance(refused.value, (json.JSONDecodeError, UnicodeDecodeError))


def test_equal_values_have_equal_keys_whatever_the_order(codec):
    one = {"containers": [{"name": "a", "image": "x"}], "volumes": []}
    other = {"volumes": [], "containers": [{"image": "x", "name": "a"}]}
    assert codec.dumps_key(one) == codec.dumps_key(other)
    assert codec.dumps_key(one) != codec.dumps_key({**one, "hostIPC": True})
    assert isinstance(codec.dumps_key(one), bytes)
