"""`set --local` edits the manifest's own text: every shape of change (fixtures/shm_set/), in
every way a manifest is written, reads back as the planned object; what cannot be edited
in place (a pod spec shared through YAML anchors) is refused with the reason.
"""

import io
import json

import pytest
import yaml

from kubectl_shm.errors import InputError
from kubectl_shm.feedback import Silent
from kubectl_shm.manifests.decoding import decode_manifest
from kubectl_shm.manifests.files import ManifestFile
from kubectl_shm.manifests.parsing import parse_manifests
from kubectl_shm.set.local import change_manifests
from kubectl_shm.set.manifest_text import NotInPlace
from kubectl_shm.set.plan import ShmRefused, plan_shm
from tests.unit.set.test_plan import CASES, FIXTURES, load

ADD = FIXTURES / "add-new-volume.yaml"
CHANGES = [path for path in CASES if "refused" not in yaml.safe_load(path.read_text())]


class IndentedLists(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


STYLES = {
    "block": lambda obj: yaml.safe_dump(obj, sort_keys=False),
    "block-indented-lists": lambda obj: yaml.dump(obj, Dumper=IndentedLists, sort_keys=False),
    "block-four": lambda obj: yaml.dump(obj, Dumper=IndentedLists, sort_keys=False, indent=4),
    "block-crlf": lambda obj: yaml.safe_dump(obj, sort_keys=False).replace("\n", "\r\n"),
    "block-no-final-newline": lambda obj: yaml.safe_dump(obj, sort_keys=False).rstrip("\n"),
    "flow": lambda obj: yaml.safe_dump(obj, sort_keys=False, default_flow_style=True),
    "json": lambda obj: json.dumps(obj, indent=2),
    "json-tabs": lambda obj: json.dumps(obj, indent="\t"),
    "json-compact": lambda obj: json.dumps(obj, separators=(",", ":")),
    "json-one-line": lambda obj: json.dumps(obj),
}


def manifest(text, source="app.yaml"):
    decoded = decode_manifest(text.encode("utf-8"), source)
    return ManifestFile(source, decoded, parse_manifests(decoded.text, source))


def changed_text(text, request, source="app.yaml"):
    change = change_manifests([manifest(text, source)], request, Silent(), sources=[source])
    return change.manifests[0].text


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("path", CHANGES, ids=[c.stem for c in CHANGES])
def test_every_change_in_every_style_reads_back_as_planned(path, style):
    case, request = load(path)
    text = STYLES[style](case["before"])
    after = changed_text(text, request)
    [document] = parse_manifests(after, "app.yaml")
    assert document.obj == plan_shm(case["before"], request).after
    assert not plan_shm(document.obj, request).changed
    if case.get("unchanged"):
        assert after == text


def test_a_pod_spec_shared_through_an_anchor_is_refused_with_the_reason():
    text = """\
apiVersion: v1
kind: List
items:
  - kind: Deployment
    metadata: {name: a}
    spec:
      template:
        spec: &pod
          containers: [{name: main, image: x}]
  - kind: Deployment
    metadata: {name: b}
    spec:
      template:
        spec: *pod
"""
    with pytest.raises(NotInPlace) as refused:
        changed_text(text, load(ADD)[1])
    message = str(refused.value)
    assert message.startswith("app.yaml:8: cannot change this manifest in place")
    assert "the YAML anchor &pod, used elsewhere too" in message
    assert "-o json" in message
    assert isinstance(refused.value, InputError)


def test_mounts_that_come_from_a_merge_key_are_refused():
    text = """\
kind: Pod
metadata: {name: p}
spec:
  containers:
    - <<: &base {image: x, volumeMounts: [{name: data, mountPath: /data}]}
      name: main
  volumes: [{name: data, emptyDir: {}}]
"""
    with pytest.raises(NotInPlace, match="gets 'volumeMounts' from a YAML merge key"):
        changed_text(text, load(ADD)[1])


def test_a_container_that_merges_other_keys_is_edited_where_it_is():
    text = """\
kind: Pod
metadata: {name: p}
spec:
  containers:
    - <<: {image: x}
      name: main
"""
    after = changed_text(text, load(ADD)[1])
    assert after.startswith(text.rstrip("\n") + "\n      volumeMounts:\n")


@pytest.mark.parametrize(
    ("volumes", "expected"),
    [
        ("  volumes:\n", "  volumes:\n    - name: dshm\n"),
        (
            "  volumes: ~\n",
            "  volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 2Gi}}]\n",
        ),
        (
            "  volumes: []\n",
            "  volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 2Gi}}]\n",
        ),
    ],
)
def test_empty_volumes(volumes, expected):
    text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: main, image: x}\n"
    after = changed_text(text + volumes, load(ADD)[1])
    assert expected in after


# `emptyDir: ""` is refused before any edit (a string where the API server decodes a
# struct: model.shapes), so it is not among these.
@pytest.mark.parametrize("empty_dir", ["emptyDir:", "emptyDir: {}", "emptyDir: {medium: ''}"])
def test_an_emptydir_on_disk_becomes_memory_backed_where_it_is(empty_dir):
    text = f"""\
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - name: main
      volumeMounts: [{{name: shm, mountPath: /dev/shm}}]
  volumes:
    - name: shm
      {empty_dir}
    - name: other
      emptyDir: {{}}
"""
    after = changed_text(text, load(ADD)[1])
    [document] = parse_manifests(after, "app.yaml")
    volume = document.obj["spec"]["volumes"][0]
    assert volume == {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
    assert after.endswith("    - name: other\n      emptyDir: {}\n")


def test_a_mount_written_first_on_the_dash_line_is_removed_cleanly():
    text = """\
kind: Pod
metadata: {name: p}
spec:
  containers:
    - volumeMounts:
        - name: dshm
          mountPath: /dev/shm
      name: main
      image: x
  volumes:
    - name: dshm
      emptyDir: {medium: Memory, sizeLimit: 1Gi}
"""
    remove = load(FIXTURES / "remove.yaml")[1]
    after = changed_text(text, remove)
    expected = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
    assert after == expected + "    - name: main\n      image: x\n"


def test_a_kept_block_scalar_keeps_its_trailing_lines():
    text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: main\n"
    text += "      args:\n        - |+\n          a\n\n\n"
    after = changed_text(text, load(ADD)[1])
    assert after.startswith(text + "      volumeMounts:\n")
    [document] = parse_manifests(after, "app.yaml")
    assert document.obj["spec"]["containers"][0]["args"] == ["a\n\n\n"]


def test_a_comment_after_a_value_stays_on_its_line():
    text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: main  # the app\n"
    after = changed_text(text, load(ADD)[1])
    assert after.startswith(text + "      volumeMounts:\n        - name: dshm\n")


def test_json_output_needs_no_editing_in_place():
    text = "kind: Pod\nmetadata: {name: p}\nspec: &s\n  containers: [{name: main}]\nx: *s\n"
    change = change_manifests(
        [manifest(text)], load(ADD)[1], Silent(), sources=["a"], in_place=False
    )
    assert change.objects[0]["spec"]["volumes"][0]["name"] == "dshm"


def test_refusals_from_the_plan_still_come_first():
    case, request = load(FIXTURES / "hostpath-refused.yaml")
    with pytest.raises(ShmRefused):
        changed_text(yaml.safe_dump(case["before"]), request)


def test_text_streams_get_text():
    from kubectl_shm.render.manifest_output import write_manifests
    from kubectl_shm.set.local import ChangedManifest

    out = io.StringIO()
    texts = [("a", "a: 1", "utf-8"), ("b", "---\nb: 2\n", "utf-8"), ("c", "c: 3\n", "utf-16-le")]
    write_manifests([ChangedManifest(*text, b"") for text in texts], out)
    assert out.getvalue() == "a: 1\n---\nb: 2\n---\nc: 3\n"


def test_several_new_volumes_go_into_one_list():
    text = """\
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      volumeMounts: [{name: one, mountPath: /dev/shm}]
    - name: b
      volumeMounts: [{name: two, mountPath: /dev/shm}]
"""
    after = changed_text(text, load(ADD)[1])
    assert after.count("volumes:") == 1
    [document] = parse_manifests(after, "app.yaml")
    assert [v["name"] for v in document.obj["spec"]["volumes"]] == ["one", "two"]


def test_json_written_as_yaml_gets_json_entries():
    text = '{"kind":"Pod","metadata":{"name":"p"},&a "spec":{"containers":[{"name":"main"}]}}'
    after = changed_text(text, load(ADD)[1])
    assert after.endswith(
        '{"name":"main","volumeMounts":[{"name":"dshm","mountPath":"/dev/shm"}]}],'
        '"volumes":[{"name":"dshm","emptyDir":{"medium":"Memory","sizeLimit":"2Gi"}}]}}'
    )


@pytest.mark.parametrize(
    ("name", "message"), [("", "name is missing"), ("1", "name is an integer, not a string")]
)
def test_containers_without_a_string_name_are_refused(name, message):
    text = f"kind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - {{name: {name}}}\n"
    with pytest.raises(ShmRefused, match=message):
        changed_text(text, load(ADD)[1])
