"""`set --local` in place: each planned edit of a pod spec made in the manifest's own text.

The plan (set.plan) says what changes, on the objects; here each edit finds the nodes it
touches (by their index in the object before the change, so names are matched exactly as
the plan matched them) and becomes text replacements; new values are those of the object
after the change. Nothing else in the file is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_shm.manifests.nodes import Mapping as MappingNode
from kubectl_shm.manifests.nodes import Node
from kubectl_shm.manifests.nodes import Sequence as SequenceNode
from kubectl_shm.model.podspec import mapping
from kubectl_shm.set.edits import (
    AddMount,
    AddVolume,
    Edit,
    RemoveVolume,
    ReplaceVolume,
    RepointMount,
    SetSize,
)
from kubectl_shm.set.manifest_text import ManifestText, layout_of, own, pair_for, walk_path
from kubectl_shm.set.text_edits import Replacement, TextEdits

POD_SPEC = "the pod spec"


@dataclass(frozen=True)
class SpecChange:
    """The edits of one pod spec, where it is in its document, and the spec before and after."""

    path: tuple[str | int, ...]
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    edits: tuple[Edit, ...]


def spec_replacements(document: ManifestText, change: SpecChange) -> list[Replacement]:
    """The text replacements that make `change` in `document`; NotInPlace where they cannot."""
    spec = walk_path(document, change.path, POD_SPEC)
    if not isinstance(spec, MappingNode):
        raise document.refuse(spec, "the pod spec is not a mapping")
    editor = _SpecEditor(document, TextEdits(document, layout_of(document, spec)), spec, change)
    for edit in change.edits:
        editor.apply(edit)
    editor.finish()
    return editor.edits.replacements


class _SpecEditor:
    """The edits of one pod spec, turned into text operations on its nodes."""

    def __init__(
        self, document: ManifestText, edits: TextEdits, spec: MappingNode, change: SpecChange
    ) -> None:
        self.document, self.edits, self.spec, self.change = document, edits, spec, change
        # Items to remove, per list: removing them all removes the key too, as the plan does.
        self.removals: dict[int, tuple[MappingNode, str, SequenceNode, list[Node]]] = {}
        # Items to append, per list (several new volumes go into one `volumes:`).
        self.appends: dict[tuple[int, str], tuple[MappingNode, str, list[Any]]] = {}

    def apply(self, edit: Edit) -> None:
        after = self.change.after
        if isinstance(edit, AddVolume):
            volume = _last_named(after.get("volumes"), edit.volume)
            self._append(self.spec, "volumes", volume)
        elif isinstance(edit, SetSize):
            _, item, index = self._volume(edit.volume)
            now = mapping(mapping(self.change.before["volumes"][index]).get("emptyDir"))
            then = mapping(mapping(after["volumes"][index]).get("emptyDir"))
            self._set_empty_dir(self._own_mapping(item, "the volume"), now, then)
        elif isinstance(edit, ReplaceVolume):
            volumes, item, index = self._volume(edit.volume)
            self.edits.replace_item(volumes, item, after["volumes"][index])
        elif isinstance(edit, RemoveVolume):
            volumes, item, _ = self._volume(edit.volume)
            self._remove(self.spec, "volumes", volumes, item)
        elif isinstance(edit, AddMount):
            container, index = self._container(edit.list_key, edit.container)
            mounts = mapping(after[edit.list_key][index]).get("volumeMounts") or [{}]
            self._append(container, "volumeMounts", mounts[-1])
        elif isinstance(edit, RepointMount):
            container, index = self._container(edit.list_key, edit.container)
            _, mount = self._mount(container, edit.list_key, index, edit.mount_path)
            self._set(self._own_mapping(mount, "the volume mount"), "name", edit.volume)
        else:
            container, index = self._container(edit.list_key, edit.container)
            mounts, mount = self._mount(container, edit.list_key, index, edit.mount_path)
            self._remove(container, "volumeMounts", mounts, mount)

    def finish(self) -> None:
        for parent, key, values in self.appends.values():
            pair = pair_for(self.document, parent, key, POD_SPEC)
            if pair is None:
                self.edits.add_pair(parent, key, values)
            elif isinstance(pair[1], SequenceNode):
                self.edits.append_items(self._list_of(parent, key), values)
            else:
                self.edits.replace_value(parent, pair, values)
        for parent, key, items, doomed in self.removals.values():
            if len(doomed) == len(items.items):
                pair = pair_for(self.document, parent, key, POD_SPEC)
                if pair is not None:
                    self.edits.remove_pair(parent, pair)
            else:
                self.edits.remove_items(items, doomed)

    # --- finding the nodes ----------------------------------------------------------

    def _volume(self, name: str) -> tuple[SequenceNode, Node, int]:
        index = _index_named(self.change.before.get("volumes"), name)
        volumes = self._list_of(self.spec, "volumes")
        return volumes, volumes.items[index], index

    def _container(self, list_key: str, name: str) -> tuple[MappingNode, int]:
        index = _index_named(self.change.before.get(list_key), name)
        container = self._list_of(self.spec, list_key).items[index]
        return self._own_mapping(container, "the container"), index

    def _mount(
        self, container: MappingNode, list_key: str, index: int, mount_path: str
    ) -> tuple[SequenceNode, Node]:
        before = mapping(self.change.before[list_key][index]).get("volumeMounts")
        found = [i for i, m in enumerate(before or []) if mapping(m).get("mountPath") == mount_path]
        mounts = self._list_of(container, "volumeMounts")
        return mounts, mounts.items[found[0]]

    def _list_of(self, parent: MappingNode, key: str) -> SequenceNode:
        pair = pair_for(self.document, parent, key, POD_SPEC)
        if pair is None or not isinstance(pair[1], SequenceNode):
            raise self.document.refuse(parent, f"{key!r} is not a list where it is written")
        return own(self.document, pair[1], f"the list {key!r}")  # type: ignore[return-value]

    def _own_mapping(self, node: Node, what: str) -> MappingNode:
        node = own(self.document, node, what)
        if not isinstance(node, MappingNode):
            raise self.document.refuse(node, f"{what} is not a mapping")
        return node

    # --- changing them -----------------------------------------------------------------

    def _append(self, parent: MappingNode, key: str, value: Any) -> None:
        entry = self.appends.setdefault((id(parent), key), (parent, key, []))
        entry[2].append(value)

    def _set(self, parent: MappingNode, key: str, value: Any) -> None:
        pair = pair_for(self.document, parent, key, POD_SPEC)
        if pair is None:
            self.edits.add_pair(parent, key, value)
        else:
            self.edits.replace_value(parent, pair, value)

    def _set_empty_dir(
        self, volume: MappingNode, now: Mapping[str, Any], then: Mapping[str, Any]
    ) -> None:
        pair = pair_for(self.document, volume, "emptyDir", POD_SPEC)
        node = pair[1] if pair is not None else None
        if not isinstance(node, MappingNode) or not node.pairs:
            self._set(volume, "emptyDir", dict(then))  # `emptyDir: {}`, or none at all
            return
        empty_dir = self._own_mapping(node, "the emptyDir")
        for key, value in then.items():
            if key not in now or now[key] != value:
                self._set(empty_dir, key, value)

    def _remove(self, parent: MappingNode, key: str, items: SequenceNode, item: Node) -> None:
        entry = self.removals.setdefault(id(items), (parent, key, items, []))
        entry[3].append(item)


def _index_named(items: object, name: str) -> int:
    """The index of the first mapping named `name`, as the plan's edits find it."""
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("name") == name:
            return index
    raise KeyError(name)


def _last_named(items: object, name: str) -> Any:
    named = [
        i for i in (items if isinstance(items, list) else []) if mapping(i).get("name") == name
    ]
    return named[-1]
