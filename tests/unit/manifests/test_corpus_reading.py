"""The manifest corpus (corpus/) read by kubectl_shm and by kubectl's own code must agree.

For every file, the objects we read equal, value for value, the JSON that kubectl's reader
(kubectl_reader.py: k8s.io/apimachinery and sigs.k8s.io/yaml, built from a pinned Go
module) makes of it; every file in corpus/refused/ kubectl refuses, and so do we, in one
line naming the file. Both YAML parsers are checked: libyaml's (pip installs) and PyYAML's
pure-Python one (the release zipapp).
"""

import io
from pathlib import Path

import pytest

from kubectl_shm.manifests.errors import ManifestError
from kubectl_shm.manifests.files import read_manifests
from tests.unit.manifests.kubectl_reader import differences, kubectl_read, same_values

CORPUS = Path(__file__).parent / "corpus"
READ = sorted(path for path in CORPUS.iterdir() if path.is_file())
REFUSED = sorted((CORPUS / "refused").iterdir())


def read(path):
    return [document.obj for document in read_manifests([str(path)], io.StringIO())]


@pytest.mark.parametrize("path", READ, ids=lambda p: p.name)
def test_reads_what_kubectl_reads(path, parser, kubectl_yaml):
    kubectl = kubectl_read(kubectl_yaml, path)
    assert kubectl.error is None, kubectl.error
    ours = read(path)
    assert same_values(ours, kubectl.documents), "\n".join(differences(ours, kubectl.documents))


@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.name)
def test_refuses_what_kubectl_refuses(path, parser, kubectl_yaml):
    kubectl = kubectl_read(kubectl_yaml, path)
    assert kubectl.error is not None, f"kubectl reads {path.name}: {kubectl.documents}"
    with pytest.raises(ManifestError) as refused:
        read(path)
    message = str(refused.value)
    assert message.startswith(str(path)) and "\n" not in message, message


def test_the_corpus_covers_what_the_issue_reported():
    """y/n, 1e3, 0o17, 12:30, timestamps, octal, block scalars, flow maps, anchors, JSON, CRLF,
    UTF-16, Latin-1, `args: [--sep, =]`: each is in a corpus file."""
    text = "".join(p.read_bytes().decode("utf-8", "replace") for p in READ)
    for fragment in ('"y"', "1e3", "0o17", "12:30", "2024-01-02T03:04:05Z", "0644", ": |",
                     ">-", "{app:", "<<: *", "--sep, =", "\r\n"):  # fmt: skip
        assert fragment in text, fragment
    names = {p.name for p in READ}
    assert {
        "utf16le-bom.yaml",
        "utf16be-bom.yaml",
        "latin1.yaml",
        "deployment-pretty.json",
    } <= names
