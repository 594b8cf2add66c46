"""Reading manifests: encodings, bounds, where errors are, and the YAML 1.1 of kubectl.

The corpus tests prove the values equal kubectl's; these pin the behaviour around them.
"""

import io
import time
import tracemalloc

import pytest

from kubectl_shm.manifests.decoding import decode_manifest, encode_manifest, readable_text
from kubectl_shm.manifests.errors import MAX_MANIFEST_BYTES, ManifestError
from kubectl_shm.manifests.files import read_manifest_files, read_manifests
from kubectl_shm.manifests.parsing import parse_manifests
from tests.unit.manifests.bombs import BOMB, MERGE_BOMB

POD = "kind: Pod\nmetadata:\n  name: p\n"


def values(text):
    return [document.obj for document in parse_manifests(text, "a.yaml")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a: "y"', "y"),
        ("a: y", True),
        ("a: off", False),
        ("a: 1e3", 1000.0),
        ('a: "1e3"', "1e3"),
        ("a: 0o17", 15),
        ("a: 0644", 420),
        ("a: 08", 8.0),
        ("a: 1_000", 1000),
        ("a: 12:30", "12:30"),
        ("a: 2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"),
        ("a: =", "="),
        ("a: [--sep, =]", ["--sep", "="]),
        ("a: 1.10", 1.1),
        ("a: 1e999", "1e999"),
        ("a: ~", None),
        ("a: !!str 0644", "0644"),
        ("a: !custom 0644", "0644"),
    ],
)
def test_scalars_read_as_kubectl_reads_them(text, expected):
    [obj] = values(text)
    assert obj["a"] == expected and type(obj["a"]) is type(expected)


def test_keys_become_strings_as_in_kubectls_json():
    [obj] = values("y: a\nY: b\n0644: c\n1.5: d\n1e6: e\n'x': f\n")
    assert obj == {"true": "b", "420": "c", "1.5": "d", "1e+06": "e", "x": "f"}


def test_a_merge_key_overrides_keys_written_before_it():
    [obj] = values("base: &b {a: base}\nbefore: {a: own, <<: *b}\nafter: {<<: *b, a: own}\n")
    assert obj["before"] == {"a": "base"} and obj["after"] == {"a": "own"}


def test_only_the_first_document_between_separators_counts():
    assert values("a: 1\n...\nb: 2\n---\nc: 3\n") == [{"a": 1}, {"c": 3}]


def test_an_unclosed_quote_is_reported_where_it_opens():
    text = POD.replace("name: p", 'name: "p') + "spec:\n" + "  x: y\n" * 40
    with pytest.raises(ManifestError, match=r"^a\.yaml:3:9: invalid YAML: a quoted scalar"):
        values(text)


def test_errors_in_later_documents_count_lines_from_the_file_start():
    with pytest.raises(ManifestError, match=r"^a\.yaml:7:"):
        values(POD + "---\n" + "kind: Pod\nmetadata: [\n")


@pytest.mark.parametrize("bomb", [BOMB, MERGE_BOMB], ids=["lists", "merge-keys"])
def test_alias_bombs_end_at_once_and_small(bomb):
    tracemalloc.start()
    started = time.process_time()
    with pytest.raises(ManifestError, match="excessive aliasing"):
        values(bomb)
    seconds = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 1.0
    assert peak < 10 * 2**20


def test_aliases_share_values_and_are_not_copied():
    [obj] = values("a: &a [1, 2]\nb: *a\n")
    assert obj["a"] is obj["b"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbf" + POD.encode(), "utf-8"),
        (b"\xff\xfe" + POD.encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + POD.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_byte_order_marks_choose_the_encoding_and_are_written_back(data, encoding):
    decoded = decode_manifest(data, "a.yaml")
    assert decoded.encoding == encoding and decoded.text == POD
    assert encode_manifest(decoded.text, decoded.encoding, decoded.bom) == data


def test_bytes_that_are_not_utf8_read_as_replacement_characters_and_come_back():
    data = POD.replace("name: p", "name: caf\xe9").encode("latin-1")
    decoded = decode_manifest(data, "a.yaml")
    assert (decoded.invalid_bytes, decoded.first_invalid_line) == (1, 3)
    assert values(decoded.text)[0]["metadata"]["name"] == "caf\ufffd"
    assert readable_text(decoded.text).endswith("caf\ufffd\n")
    assert encode_manifest(decoded.text, decoded.encoding, decoded.bom) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00\x00" + POD.encode("utf-32-le"), "a.yaml: UTF-32 text"),
        (POD.encode("utf-16-le"), "a.yaml:1: not YAML or JSON: it holds NUL bytes (UTF-16"),
        (b"\x7fELF\x02\x01\x01\x00", "a.yaml:1: not YAML or JSON: it holds NUL bytes (a binary"),
    ],
)
def test_what_kubectl_cannot_read_is_named(data, message):
    with pytest.raises(ManifestError) as refused:
        decode_manifest(data, "a.yaml")
    assert str(refused.value).startswith(message)


def test_reads_stop_at_the_size_limit(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as stream:
        stream.write(b"a: b\n" * (MAX_MANIFEST_BYTES // 5 + 1))
    with pytest.raises(ManifestError, match=r"big\.yaml: larger than 8 MiB"):
        read_manifests([str(big)], io.StringIO())
    with pytest.raises(ManifestError, match=r"<stdin>: larger than 8 MiB"):
        read_manifests(["-"], io.StringIO("a: b\n" * (MAX_MANIFEST_BYTES // 5 + 1)))


def test_stdin_bytes_keep_their_encoding():
    class Stdin(io.TextIOWrapper):
        pass

    stdin = Stdin(io.BytesIO(b"\xff\xfe" + POD.encode("utf-16-le")), encoding="utf-8")
    [file] = read_manifest_files(["-"], stdin)
    assert file.source == "<stdin>" and file.decoded.encoding == "utf-16-le"
    assert file.documents[0].obj["metadata"] == {"name": "p"}


def test_json_streams_and_documents_carry_their_place():
    text = '{"kind": "A"}\n{"kind": "B"}\n'
    first, second = parse_manifests(text, "a.json")
    assert (first.span, second.span) == ((0, 13), (14, 27))
    assert first.syntax == second.syntax == "json" and first.root is None
