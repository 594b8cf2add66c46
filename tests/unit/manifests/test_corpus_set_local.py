"""`kubectl shm set -f FILE --local` on every corpus file: nothing changes but the shm lines.

For each file with workloads and each change (a size, --overwrite, --remove):
- the text diff touches only lines of the /dev/shm volumes and mounts (their items, the
  `volumes:`/`volumeMounts:` keys holding them, one-line flow collections around them), or
  adds a comma after the entry before a new one;
- kubectl's own reader (kubectl_reader.py) reads the output as the planned objects, and as
  what it read before once the /dev/shm volumes and mounts are left out of both;
- where the file had no /dev/shm at all, `--remove` gives back the very bytes it started as.
"""

import copy
import difflib
import io
import re
from collections import Counter

import pytest

from kubectl_shm.cli.main import run
from kubectl_shm.manifests.decoding import decode_manifest
from kubectl_shm.manifests.nodes import Mapping, Scalar, Sequence
from kubectl_shm.manifests.parsing import parse_manifests
from kubectl_shm.model.podspec import is_shm_path
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.render.terminal import Terminal
from kubectl_shm.set.manifest_text import content_end
from tests.unit.manifests.kubectl_reader import differences, kubectl_read, same_values
from tests.unit.manifests.test_corpus_reading import CORPUS, READ

WORKLOADS = [p for p in READ if any(find_pod_templates(o) for o in (d.obj for d in
             parse_manifests(decode_manifest(p.read_bytes(), p.name).text, p.name)))]  # fmt: skip
CHANGES = {"size": ["2Gi", "--overwrite"], "small": ["64Mi", "--overwrite"], "remove": ["--remove"]}


def set_local(path, *args):
    """`kubectl shm set -f PATH --local ARGS`, in-process: (exit status, stdout bytes, stderr)."""
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    terminal = Terminal(stdout=stdout, stderr=io.StringIO(), stdin=io.StringIO())
    status = run(["set", "-f", str(path), "--local", *args], terminal)
    stdout.flush()
    return status, stdout.buffer.getvalue(), terminal.stderr.getvalue()


def text_of(data, name):
    return decode_manifest(data, name).text


def shm_lines(text, name):
    """0-based numbers of the lines that hold /dev/shm volumes or mounts, or the lists and
    flow collections holding them."""
    lines = set()
    for document in parse_manifests(text, name):
        root = document.root or _json_root(text, document)
        volumes = {v for t in find_pod_templates(document.obj) for v in _shm_volumes(t.pod_spec)}
        _mark(text, root, volumes, lines)
    return lines


def _json_root(text, document):
    from kubectl_shm.manifests.json_nodes import locate_json

    return locate_json(text, *document.span)


def _shm_volumes(spec):
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            for mount in container.get("volumeMounts") or []:
                if is_shm_path(mount.get("mountPath")):
                    yield mount.get("name")


def _is_shm_item(node, volumes):
    if not isinstance(node, Mapping):
        return False
    values = {k.value: v.value for k, v in node.pairs if isinstance(v, Scalar)}
    return is_shm_path(values.get("mountPath")) or (
        "mountPath" not in values and values.get("name") in volumes
    )


def _mark(text, node, volumes, lines, key=None):
    """Mark the lines of shm items; True if `node` holds one. A list whose items are all shm
    items (or none) is marked from its key on: it comes and goes with them; a one-line flow
    collection that holds one, whole."""

    def span(start, n):  # to the node's last character, not to where the next token starts
        return range(text.count("\n", 0, start), text.count("\n", 0, content_end(text, n)) + 1)

    if _is_shm_item(node, volumes):
        lines.update(span(node.start, node))
        return True
    children = []
    if isinstance(node, Mapping):
        children = [(v, k) for k, v in node.pairs]
    elif isinstance(node, Sequence):
        children = [(item, None) for item in node.items]
    holds = [_mark(text, child, volumes, lines, child_key) for child, child_key in children]
    one_line = len(span(node.start, node)) == 1
    if any(holds) and getattr(node, "flow", False) and one_line:
        lines.update(span(node.start, node))
    if (
        isinstance(node, Sequence)
        and key is not None
        and all(_is_shm_item(item, volumes) for item in node.items)
    ):
        lines.update(span(key.start, node))
    return any(holds)


def without_shm(documents):
    """The documents with every /dev/shm volume and mount left out."""
    documents = copy.deepcopy(documents)
    for template in (t for d in documents for t in find_pod_templates(d)):
        spec = template.pod_spec
        volumes = set(_shm_volumes(spec))
        for key in ("containers", "initContainers"):
            for container in spec.get(key) or []:
                mounts = [m for m in container.get("volumeMounts") or []
                          if not is_shm_path(m.get("mountPath"))]  # fmt: skip
                container.pop("volumeMounts", None)
                if mounts:
                    container["volumeMounts"] = mounts
        kept = [v for v in spec.get("volumes") or [] if v.get("name") not in volumes]
        spec.pop("volumes", None)
        if kept:
            spec["volumes"] = kept
    return documents


def lines_outside_shm(before, after, name):
    """Changed lines that are no /dev/shm line. A line changed in place may be one on either
    side (an entry joined or left a flow list); a line removed must be one of the text
    before, a line added one of the text after. By content, so that where the diff puts a
    line among equal ones does not matter; a line that only gained or lost a trailing comma
    (a new JSON entry after it) is no change."""
    old, new = before.splitlines(), after.splitlines()
    shm_before, shm_after = shm_lines(before, name), shm_lines(after, name)
    removed, added = Counter(), Counter()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for i, j in zip(range(i1, i1 + paired), range(j1, j1 + paired), strict=True):
            if old[i].rstrip(",") == new[j].rstrip(",") or i in shm_before or j in shm_after:
                continue
            removed[old[i].rstrip(",")] += 1
            added[new[j].rstrip(",")] += 1
        removed.update(old[i].rstrip(",") for i in range(i1 + paired, i2))
        added.update(new[j].rstrip(",") for j in range(j1 + paired, j2))
    moved = removed & added  # the same line, its comma gone from one place, come in another
    outside = removed - moved - Counter(old[i].rstrip(",") for i in shm_before)
    outside += added - moved - Counter(new[j].rstrip(",") for j in shm_after)
    return sorted(outside.elements())


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("path", WORKLOADS, ids=lambda p: p.name)
def test_only_the_shm_lines_change(path, change, parser, kubectl_yaml, tmp_path):
    status, output, stderr = set_local(path, *CHANGES[change])
    assert status == 0, stderr
    before, after = text_of(path.read_bytes(), path.name), text_of(output, path.name)
    assert not lines_outside_shm(before, after, path.name)

    written = tmp_path / path.name
    written.write_bytes(output)
    kubectl_before = kubectl_read(kubectl_yaml, path)
    kubectl_after = kubectl_read(kubectl_yaml, written)
    assert kubectl_after.error is None, kubectl_after.error
    planned = [d.obj for d in parse_manifests(after, path.name)]
    assert same_values(planned, kubectl_after.documents)
    kept, now = without_shm(kubectl_before.documents), without_shm(kubectl_after.documents)
    assert same_values(kept, now), "\n".join(differences(kept, now))


@pytest.mark.parametrize("path", WORKLOADS, ids=lambda p: p.name)
def test_remove_after_set_gives_the_file_back(path, parser, tmp_path):
    text = text_of(path.read_bytes(), path.name)
    if "/dev/shm" in text:
        pytest.skip("the file has /dev/shm already")
    if re.search(r"(volumes|volumeMounts)\"?:\s*\[\s*\]", text):
        pytest.skip("an empty list of volumes or mounts goes with the last /dev/shm one")
    status, output, stderr = set_local(path, "2Gi")
    assert status == 0, stderr
    changed = tmp_path / path.name
    changed.write_bytes(output)
    status, restored, stderr = set_local(changed, "--remove")
    assert status == 0, stderr
    assert restored == path.read_bytes()


def test_the_corpus_has_workloads_of_every_shape():
    assert len(WORKLOADS) >= 15
    assert CORPUS.is_dir()
