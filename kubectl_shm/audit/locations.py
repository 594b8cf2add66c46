"""Where a finding is in a manifest's text: the container, the volume or the mount at fault.

The reader (`manifests/`) keeps the offsets of every node of a document; an offline audit
keeps, for each workload, which document and which path inside it the pod spec came from
(`TemplateOrigin`). Nothing here runs unless a location is asked for (`-o sarif`), so the
audit itself costs the same.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from kubectl_shm.audit.report import WorkloadReport
from kubectl_shm.audit.rules import Finding, Rule
from kubectl_shm.manifests.files import ManifestFile
from kubectl_shm.manifests.json_nodes import locate_json
from kubectl_shm.manifests.nodes import Alias, Node, Scalar, is_merge_key
from kubectl_shm.manifests.nodes import Mapping as MappingNode
from kubectl_shm.manifests.nodes import Sequence as SequenceNode
from kubectl_shm.manifests.parsing import Document
from kubectl_shm.manifests.yaml_scalars import ScalarError, map_key, scalar_value
from kubectl_shm.model.podspec import is_shm_path
from kubectl_shm.model.sizing import ShmSource
from kubectl_shm.model.templates import DEFAULT_NAMESPACE, find_pod_templates, is_list_kind

# What each rule is about, in the pod spec: the first of these that exists is the place.
_VOLUME_RULES = {
    Rule.DISK_BACKED,
    Rule.UNBOUNDED,
    Rule.SIZELIMIT_NOT_APPLIED,
    Rule.VOLUME_INVALID,
    Rule.HOST_SHARED,
}
_SIZE_LIMIT_RULES = {Rule.CAPPED_BY_MEMORY_LIMIT, Rule.SMALLER_THAN_DEFAULT}
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


class TextPosition(NamedTuple):
    """A 1-based line and column (in characters) in a file."""

    source: str
    line: int
    column: int


class TemplateOrigin(NamedTuple):
    """The document a workload's pod spec was read from, and the keys that lead to it."""

    file: ManifestFile
    document: Document
    keys: tuple[Any, ...]


def template_origins(
    files: Sequence[ManifestFile], default_namespace: str | None
) -> list[TemplateOrigin]:
    """One origin per pod template, in the order `audit.offline.audit_documents` audits
    them (document by document, `kind: List` items in order): the n-th origin belongs
    to the n-th workload of its report."""
    namespace = default_namespace or DEFAULT_NAMESPACE
    return [
        TemplateOrigin(file, document, (*document.item_path, *keys))
        for file in files
        for document in file.documents
        for keys in _template_keys(document.obj, namespace)
    ]


def finding_locator(
    files: Sequence[ManifestFile], default_namespace: str | None
) -> Callable[[int, WorkloadReport, Finding], TextPosition]:
    """For the report `audit_documents` made of `files`: (index of the workload in the
    report, the workload, its finding) -> where the finding is in the files."""
    origins = template_origins(files, default_namespace)
    positions = ManifestPositions()
    return lambda index, workload, finding: positions.of(origins[index], workload, finding)


class ManifestPositions:
    """Finds the positions of findings; each file's lines and each JSON document's nodes
    are worked out once, on first use."""

    def __init__(self) -> None:
        self._line_starts: dict[str, list[int]] = {}
        self._json_roots: dict[tuple[str, int], Node] = {}

    def of(
        self, origin: TemplateOrigin, workload: WorkloadReport, finding: Finding
    ) -> TextPosition:
        """The line and column of the node `finding` is about; the pod spec, or the
        document, where that node cannot be found."""
        root = self._root(origin)
        pod_spec = _at(root, origin.keys)
        node = _culprit(pod_spec, workload, finding) if pod_spec is not None else None
        return self._position(origin.file, (node or pod_spec or root).start)

    def _root(self, origin: TemplateOrigin) -> Node:
        document = origin.document
        if document.root is not None:
            return document.root
        key = (origin.file.source, document.span[0])
        if key not in self._json_roots:
            self._json_roots[key] = locate_json(origin.file.decoded.text, *document.span)
        return self._json_roots[key]

    def _position(self, file: ManifestFile, offset: int) -> TextPosition:
        starts = self._line_starts.get(file.source)
        if starts is None:
            starts = self._line_starts[file.source] = _line_starts(file.decoded.text)
        line = bisect_right(starts, offset)
        return TextPosition(file.source, line, offset - starts[line - 1] + 1)


def _template_keys(obj: Mapping[str, Any], namespace: str) -> Iterator[tuple[Any, ...]]:
    """The path of every pod template of `obj`, as find_pod_templates finds them."""
    if is_list_kind(obj):
        for index, item in enumerate(obj["items"]):
            if isinstance(item, Mapping):
                for keys in _template_keys(item, namespace):
                    yield ("items", index, *keys)
        return
    for template in find_pod_templates(obj, namespace):
        yield template.keys


def _culprit(pod_spec: Node, workload: WorkloadReport, finding: Finding) -> Node | None:
    container = _container_node(pod_spec, finding.container)
    report = next((c for c in workload.containers if c.name == finding.container), None)
    volume = _named_item(_at(pod_spec, ("volumes",)), report.volume) if report else None
    if finding.rule is Rule.HOST_SHARED and report and report.source is ShmSource.HOST_IPC:
        return _pair_key(pod_spec, "hostIPC") or container
    if finding.rule in _SIZE_LIMIT_RULES:
        return _at(volume, ("emptyDir", "sizeLimit")) or volume or container
    if finding.rule in _VOLUME_RULES:
        return volume or container
    if finding.rule is Rule.READ_ONLY:
        mount = _shm_mount(container)
        read_only = _at(mount, ("readOnly",))
        return mount if read_only is not None else (volume or mount or container)
    return container


def _container_node(pod_spec: Node, name: str | None) -> Node | None:
    if name is None:
        return None
    for key in _CONTAINER_LISTS:
        found = _named_item(_at(pod_spec, (key,)), name)
        if found is not None:
            return found
    return None


def _shm_mount(container: Node | None) -> Node | None:
    mounts = _target(_at(container, ("volumeMounts",)))
    if not isinstance(mounts, SequenceNode):
        return None
    shm = [m for m in mounts.items if is_shm_path(_scalar(_at(m, ("mountPath",))))]
    return shm[-1] if shm else None


def _named_item(items: Node | None, name: str | None) -> Node | None:
    """The item of a sequence of mappings whose `name` is `name`."""
    items = _target(items)
    if name is None or not isinstance(items, SequenceNode):
        return None
    for item in items.items:
        if _scalar(_at(item, ("name",))) == name:
            return item
    return None


def _at(node: Node | None, keys: Sequence[Any]) -> Node | None:
    """The node at `keys` (mapping keys, list indices), through aliases and merge keys."""
    for key in keys:
        node = _target(node)
        if isinstance(node, MappingNode):
            node = _value(node, str(key))
        elif isinstance(node, SequenceNode) and isinstance(key, int):
            node = node.items[key] if 0 <= key < len(node.items) else None
        else:
            return None
    return node


def _value(mapping: MappingNode, key: str) -> Node | None:
    pair = _pair(mapping, key)
    return pair[1] if pair else None


def _pair_key(node: Node, key: str) -> Node | None:
    target = _target(node)
    pair = _pair(target, key) if isinstance(target, MappingNode) else None
    return pair[0] if pair else None


def _pair(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
    """The pair that gives `key`: the last one written (go-yaml keeps the last), else
    one from a merge key (`<<`)."""
    found = None
    merged = []
    for pair in mapping.pairs:
        if is_merge_key(pair[0]):
            merged.append(pair[1])
        elif _scalar(pair[0]) == key:
            found = pair
    if found is not None:
        return found
    for source in merged:
        for candidate in _merge_sources(source):
            inherited = _pair(candidate, key)
            if inherited is not None:
                return inherited
    return None


def _merge_sources(node: Node) -> list[MappingNode]:
    target = _target(node)
    if isinstance(target, SequenceNode):
        items = [_target(item) for item in target.items]
        return [item for item in items if isinstance(item, MappingNode)]
    return [target] if isinstance(target, MappingNode) else []


def _target(node: Node | None) -> Node | None:
    while isinstance(node, Alias):
        node = node.target
    return node


def _scalar(node: Node | None) -> str | None:
    """A scalar as kubectl reads it, as text (`1` is "1"); None for anything else."""
    node = _target(node)
    if not isinstance(node, Scalar):
        return None
    try:
        return map_key(scalar_value(node))
    except ScalarError:
        return None


def _line_starts(text: str) -> list[int]:
    """The offset at which each line of `text` starts."""
    starts = [0]
    position = text.find("\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts
