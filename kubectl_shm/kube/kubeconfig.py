"""Read and merge kubeconfig files as kubectl does, and say where one is wrong.

kubectl reads --kubeconfig, else every file in $KUBECONFIG that exists, else
~/.kube/config; the first file to define a name wins, and current-context comes
from the first file that sets it (client-go tools/clientcmd/loader.go,
ClientConfigLoadingRules.Load). Relative paths in an entry are relative to the
file that defines it (loader.go, ResolveLocalPaths).

Every fault is a ConfigError naming the file and, where the YAML has one, the
line: YAML that does not parse, a section or field of the wrong type, a context
naming a user or cluster that no file defines (client-go's validateContext in
tools/clientcmd/validation.go calls both errors; the official Python client
silently goes on without the user), a missing file or undecodable data.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import yaml

from kubectl_shm.kube.errors import ConfigError
from kubectl_shm.model.shapes import a_type

# A kubeconfig is a few KiB; reading stops here (think --kubeconfig /dev/zero).
MAX_BYTES = 16 << 20
_SECTIONS = {"clusters": "cluster", "contexts": "context", "users": "user"}
_FIELD_TYPES: dict[str, dict[str, type]] = {
    "cluster": {
        "server": str,
        "certificate-authority": str,
        "certificate-authority-data": str,
        "tls-server-name": str,
        "proxy-url": str,
        "insecure-skip-tls-verify": bool,
        "disable-compression": bool,
    },
    "context": {"cluster": str, "user": str, "namespace": str},
    "user": {
        "token": str,
        "tokenFile": str,
        "client-certificate": str,
        "client-certificate-data": str,
        "client-key": str,
        "client-key-data": str,
        "username": str,
        "password": str,
        "exec": dict,
        "auth-provider": dict,
    },
    "exec": {
        "command": str,
        "apiVersion": str,
        "args": list,
        "env": list,
        "installHint": str,
        "provideClusterInfo": bool,
        "interactiveMode": str,
    },
}


class Lines(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its own line and each key's (1-based)."""

    line: int = 1
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        lines: dict[str, int] = getattr(self, "key_lines", {})
        return lines.get(key, self.line)


class LinedList(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers its own line and each item's."""

    line: int = 1
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines: list[int] = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


def item_line(items: list[Any], index: int) -> int:
    """The line of `items[index]` in its file (1 when not read from one)."""
    return items.line_of(index) if isinstance(items, LinedList) else 1


class Entry(NamedTuple):
    """A named cluster, context or user, and where it was defined."""

    name: str
    value: dict[str, Any]  # the cluster/context/user mapping itself
    file: str
    line: int

    def line_of(self, key: str) -> int:
        return self.value.line_of(key) if isinstance(self.value, Lines) else self.line

    def fault(self, key: str | None, message: str) -> ConfigError:
        return fault(self.file, self.line if key is None else self.line_of(key), message)


class Kubeconfig(NamedTuple):
    """The merged files."""

    files: tuple[str, ...]
    clusters: dict[str, Entry]
    contexts: dict[str, Entry]
    users: dict[str, Entry]
    current_context: Entry | None  # value {"name": ...}; where it was set


def fault(file: str, line: int | None, message: str) -> ConfigError:
    where = f"kubeconfig {file}" + (f", line {line}" if line else "")
    return ConfigError(f"{where}: {message}")


def kubeconfig_paths(explicit: str | None) -> list[str]:
    """The files kubectl would read, those that exist; [] when there are none.

    Raises ConfigError for a --kubeconfig that does not exist (kubectl's words).
    """
    if explicit:
        if not os.path.exists(explicit):
            raise ConfigError(f"stat {explicit}: no such file or directory")
        return [explicit]
    return [path for path in _listed_paths() if os.path.exists(path)]


def missing_kubeconfig() -> ConfigError:
    """No file to read: say which ones were looked for."""
    listed = os.environ.get("KUBECONFIG")
    if listed:
        names = ", ".join(_listed_paths()) or repr(listed)
        return ConfigError(f"no kubeconfig found: none of the files in KUBECONFIG exist ({names})")
    return ConfigError(
        f"no kubeconfig found: {_listed_paths()[0]} does not exist (set --kubeconfig or KUBECONFIG)"
    )


def load_kubeconfig(paths: list[str]) -> Kubeconfig:
    """Read, check and merge `paths` (first definition of a name wins)."""
    sections: dict[str, dict[str, Entry]] = {name: {} for name in _SECTIONS}
    current: Entry | None = None
    for path in paths:
        document = read_document(path)
        if document is None:
            continue  # an empty file is an empty kubeconfig, as for kubectl
        _check_document(document, path)
        for section, key in _SECTIONS.items():
            items = document.get(section) or []
            for index, item in enumerate(items):
                line = item_line(items, index)
                entry = Entry(item["name"], item.get(key) or _empty(line), path, line)
                sections[section].setdefault(entry.name, entry)
        name = document.get("current-context")
        if current is None and name:
            line = document.line_of("current-context")
            current = Entry(name, {"name": name}, path, line)
    return Kubeconfig(
        tuple(paths), sections["clusters"], sections["contexts"], sections["users"], current
    )


def read_document(path: str) -> Lines | None:
    """The YAML document in `path` (None when empty), lines remembered."""
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise fault(path, None, f"cannot read it: {error.strerror or error}") from error
    if len(raw) > MAX_BYTES:
        raise fault(path, None, f"larger than {MAX_BYTES >> 20} MiB: not a kubeconfig")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise fault(path, line, f"not UTF-8 text (byte {raw[error.start]:#04x})") from error
    try:
        document = yaml.load(text, Loader=_LineLoader)  # a SafeLoader
    except yaml.MarkedYAMLError as error:
        raise _yaml_fault(path, error) from error
    except yaml.YAMLError as error:
        position = getattr(error, "position", None)
        at = text[:position].count("\n") + 1 if isinstance(position, int) else None
        reason = getattr(error, "reason", None) or error
        raise fault(path, at, f"not YAML: {reason}") from error
    if document is not None and not isinstance(document, Lines):
        raise fault(
            path, 1, f"expected a mapping (clusters, contexts, users), not {a_type(document)}"
        )
    return document


def _yaml_fault(path: str, error: yaml.MarkedYAMLError) -> ConfigError:
    mark = error.problem_mark or error.context_mark
    problem = " ".join(part for part in (error.context, error.problem) if part)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return ConfigError(f"kubeconfig {path}{', ' + where if where else ''}: not YAML: {problem}")


def _check_document(document: Lines, path: str) -> None:
    """Types, as kubectl's strict decoding refuses them (a string where a list goes...)."""
    current = document.get("current-context")
    if current is not None and not isinstance(current, str):
        line = document.line_of("current-context")
        raise fault(path, line, f"current-context must be a string, not {a_type(current)}")
    for section, key in _SECTIONS.items():
        items = document.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            line = document.line_of(section)
            raise fault(path, line, f"{section} must be a list, not {a_type(items)}")
        for index, item in enumerate(items):
            _check_item(item, key, f"{section}[{index}]", path, item_line(items, index))


def _check_item(item: Any, key: str, label: str, path: str, line: int) -> None:
    if not isinstance(item, Lines):
        raise fault(
            path, line, f"{label} must be a mapping with name and {key}, not {a_type(item)}"
        )
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise fault(path, item.line_of("name"), f"{label} has no name")
    body = item.get(key)
    if body is None:
        return
    if not isinstance(body, Lines):
        raise fault(
            path, item.line_of(key), f"{key} {name!r} must be a mapping, not {a_type(body)}"
        )
    _check_fields(body, key, f"{key} {name!r}", path)
    exec_spec = body.get("exec") if key == "user" else None
    if isinstance(exec_spec, Lines):
        _check_fields(exec_spec, "exec", f"exec of user {name!r}", path)


def _check_fields(body: Lines, kind: str, label: str, path: str) -> None:
    for field, expected in _FIELD_TYPES[kind].items():
        value = body.get(field)
        if value is not None and not isinstance(value, expected):
            wanted = a_type(expected())
            raise fault(
                path, body.line_of(field), f"{label}: {field} must be {wanted}, not {a_type(value)}"
            )


def _empty(line: int) -> Lines:
    """An entry's missing mapping (`cluster:` left out), placed at the entry."""
    empty = Lines()
    empty.line = line
    return empty


def _listed_paths() -> list[str]:
    listed = os.environ.get("KUBECONFIG")
    candidates = listed.split(os.pathsep) if listed else ["~/.kube/config"]
    return [os.path.expanduser(path) for path in candidates if path]


class _LineLoader(yaml.SafeLoader):
    """yaml's SafeLoader, whose mappings and sequences know their lines."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Any:
    data = Lines()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))
    data.key_lines = {
        str(key.value): key.start_mark.line + 1
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Any:
    data = LinedList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))
    data.item_lines = [item.start_mark.line + 1 for item in node.value]


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
