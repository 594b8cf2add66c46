"""What in a manifest the size model cannot read: fields of the wrong type on its way.

The accessors of model.podspec skip whatever is malformed, so that one bad
field does not stop an audit. These checks say what was skipped: `audit -f`
warns about it (or fails with --strict), `set` refuses to change the object.
Only the fields the model reads are checked; this is no schema validation.
A quantity that does not parse is not a shape problem: it is an
`invalid-quantity` finding of the workload it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import mapping
from kubectl_shm.model.templates import (
    BUILTIN_POD_SPEC_PATHS,
    MAX_SEARCH_DEPTH,
    NOT_WORKLOADS,
    is_list_kind,
    is_pod_spec,
)

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


class ShapeProblem(NamedTuple):
    """One field the model could not read: where it is and what is wrong with it."""

    field: str  # e.g. "spec.template.spec.containers[1]"
    problem: str  # e.g. "is a string, not a container"

    def __str__(self) -> str:
        return f"{self.field} {self.problem}"


def object_problems(obj: object) -> list[ShapeProblem]:
    """What in one document keeps the model from reading its pod templates."""
    if not isinstance(obj, Mapping):
        return [ShapeProblem("the document", f"is {a_type(obj)}, not a Kubernetes object")]
    kind = obj.get("kind")
    if kind is None or kind == "":
        return [ShapeProblem("kind", "is missing: not a Kubernetes object")]
    if not isinstance(kind, str):
        return [ShapeProblem("kind", f"is {a_type(kind)}, not a string")]
    if is_list_kind(obj):
        return list(_list_problems(obj["items"]))
    if kind == "List" or (kind.endswith("List") and "items" in obj):
        items = obj.get("items")
        return [
            ShapeProblem(
                "items", "is missing" if items is None else f"is {a_type(items)}, not a list"
            )
        ]
    if kind in NOT_WORKLOADS:
        return []
    path = BUILTIN_POD_SPEC_PATHS.get(kind)
    if path is not None:
        return _builtin_problems(obj, path)
    return list(_search_problems(obj.get("spec"), "spec", 0))


def numbered(documents: Iterable[tuple[str, object]]) -> Iterator[tuple[str, object]]:
    """(source, object) pairs with where each is, for messages:
    'deploy.yaml, document 2 (deployment/web)'; documents count from 1 in each source."""
    counts: dict[str, int] = {}
    for source, obj in documents:
        counts[source] = counts.get(source, 0) + 1
        yield f"{source}, document {counts[source]}{_label(obj)}", obj


def pod_spec_problems(spec: Mapping[str, Any], where: str) -> list[ShapeProblem]:
    """The pod spec fields the model reads (containers, mounts, volumes, resources, hostIPC)."""
    problems = []
    if not isinstance(spec.get("containers"), list):
        problems.append(_wrong(f"{where}.containers", spec.get("containers"), "a list"))
    elif not spec["containers"]:
        problems.append(ShapeProblem(f"{where}.containers", "is empty: no container to audit"))
    names: set[str] = set()
    for key in _CONTAINER_LISTS:
        items = spec.get(key)
        if key != "containers" and items is not None and not isinstance(items, list):
            problems.append(_wrong(f"{where}.{key}", items, "a list"))
        for index, container in enumerate(items if isinstance(items, list) else ()):
            problems.extend(_container_problems(container, f"{where}.{key}[{index}]", names))
    problems.extend(_volume_problems(spec.get("volumes"), f"{where}.volumes"))
    for key in ("resources", "overhead"):
        problems.extend(_mapping_problems(spec, key, where))
    if spec.get("hostIPC") is not None and not isinstance(spec["hostIPC"], bool):
        problems.append(_wrong(f"{where}.hostIPC", spec["hostIPC"], "true or false"))
    return problems


def a_type(value: object) -> str:
    """The YAML name of a value's type, with its article: 'a string', 'an integer', 'null'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"a {type(value).__name__}"


def _label(obj: object) -> str:
    if not isinstance(obj, Mapping):
        return ""
    kind, name = obj.get("kind"), mapping(obj.get("metadata")).get("name")
    if isinstance(kind, str) and kind and isinstance(name, str) and name:
        return f" ({kind.lower()}/{name})"
    return ""


def _wrong(field: str, value: object, wanted: str) -> ShapeProblem:
    return ShapeProblem(field, f"is {a_type(value)}, not {wanted}")


def _list_problems(items: list[Any]) -> Iterator[ShapeProblem]:
    for index, item in enumerate(items):
        for problem in object_problems(item):
            field = problem.field if problem.field != "the document" else ""
            yield problem._replace(field=f"items[{index}]{'.' if field else ''}{field}")


def _builtin_problems(obj: Mapping[str, Any], path: tuple[str, ...]) -> list[ShapeProblem]:
    current = obj
    for depth, key in enumerate(path, start=1):
        child = current.get(key)
        field = ".".join(path[:depth])
        if child is None:
            return [ShapeProblem(field, "is missing: no pod template")]
        if not isinstance(child, Mapping):
            return [_wrong(field, child, "a mapping")]
        current = child
    return pod_spec_problems(current, ".".join(path))


def _search_problems(value: object, where: str, depth: int) -> Iterator[ShapeProblem]:
    """Custom resources: the problems of every pod spec found, and of `containers` lists
    that hold no container at all (a pod spec the search would otherwise pass over)."""
    if depth > MAX_SEARCH_DEPTH:
        return
    if isinstance(value, Mapping) and is_pod_spec(value):
        yield from pod_spec_problems(value, where)
        return
    if isinstance(value, Mapping):
        containers = value.get("containers")
        if isinstance(containers, list) and containers:
            yield ShapeProblem(f"{where}.containers", "holds no container (a mapping)")
        elif containers is not None and not isinstance(containers, list):
            yield _wrong(f"{where}.containers", containers, "a list of containers")
        for key, child in value.items():
            yield from _search_problems(child, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _search_problems(child, f"{where}[{index}]", depth + 1)


def _container_problems(container: object, where: str, names: set[str]) -> list[ShapeProblem]:
    if not isinstance(container, Mapping):
        return [_wrong(where, container, "a container (a mapping)")]
    problems = []
    name = container.get("name")
    if not isinstance(name, str) or not name:
        problems.append(
            ShapeProblem(f"{where}.name", "is missing")
            if name is None or name == ""
            else _wrong(f"{where}.name", name, "a string")
        )
    elif name in names:
        problems.append(ShapeProblem(f"{where}.name", f"{name!r} is used by another container"))
    else:
        names.add(name)
    image = container.get("image")
    if image is not None and not isinstance(image, str):
        problems.append(_wrong(f"{where}.image", image, "a string"))
    resources = container.get("resources")
    problems.extend(_mapping_problems(container, "resources", where))
    if isinstance(resources, Mapping):
        for key in ("limits", "requests"):
            problems.extend(_mapping_problems(resources, key, f"{where}.resources"))
    mounts = container.get("volumeMounts")
    if mounts is not None and not isinstance(mounts, list):
        problems.append(_wrong(f"{where}.volumeMounts", mounts, "a list"))
    for index, mount in enumerate(mounts if isinstance(mounts, list) else ()):
        problems.extend(_named_entry_problems(mount, f"{where}.volumeMounts[{index}]", "mountPath"))
    return problems


def _volume_problems(volumes: object, where: str) -> list[ShapeProblem]:
    if volumes is None:
        return []
    if not isinstance(volumes, list):
        return [_wrong(where, volumes, "a list")]
    problems = []
    for index, volume in enumerate(volumes):
        problems.extend(_named_entry_problems(volume, f"{where}[{index}]"))
        if isinstance(volume, Mapping):
            problems.extend(_mapping_problems(volume, "emptyDir", f"{where}[{index}]"))
    return problems


def _named_entry_problems(entry: object, where: str, *string_keys: str) -> list[ShapeProblem]:
    """A volume or a volume mount: a mapping whose `name` (and `string_keys`) are strings."""
    if not isinstance(entry, Mapping):
        return [_wrong(where, entry, "a mapping")]
    return [
        ShapeProblem(f"{where}.{key}", "is missing")
        if entry.get(key) is None
        else _wrong(f"{where}.{key}", entry[key], "a string")
        for key in ("name", *string_keys)
        if not isinstance(entry.get(key), str)
    ]


def _mapping_problems(parent: Mapping[str, Any], key: str, where: str) -> list[ShapeProblem]:
    value = parent.get(key)
    if value is None or isinstance(value, Mapping):
        return []
    return [_wrong(f"{where}.{key}", value, "a mapping")]
