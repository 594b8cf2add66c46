"""Which context, cluster and user the flags and the kubeconfig choose, and whether
they can be used: every fault names the kubeconfig file and line it comes from.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any, NamedTuple

from kubectl_shm.kube.errors import ConfigError
from kubectl_shm.kube.kubeconfig import Entry, Kubeconfig, fault

# What exec credential plugins client-go still runs; v1alpha1 went in 1.24
# (client-go plugin/pkg/client/auth/exec/exec.go, apiVersions).
EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")


class Selection(NamedTuple):
    """The chosen context, its cluster and user (None: anonymous), and its namespace."""

    context: Entry
    cluster: Entry
    user: Entry | None
    namespace: str | None


def select(
    config: Kubeconfig, *, context: str | None, cluster: str | None, user: str | None
) -> Selection:
    """The context (--context, else current-context), with --cluster and --user applied.

    A context that names no user is anonymous, as for kubectl; one that names a user
    or cluster no file defines is a ConfigError (client-go's validateContext,
    tools/clientcmd/validation.go: "user %q was not found for context %q").
    """
    chosen = _context(config, context)
    for name, section, label in (
        (cluster, config.clusters, "cluster"),
        (user, config.users, "user"),
    ):
        if name and name not in section:
            raise ConfigError(f"{label} {name!r} does not exist in {_files(config)}")
    cluster_entry = _named(
        config.clusters, cluster or chosen.value.get("cluster"), chosen, "cluster"
    )
    user_name = user or chosen.value.get("user")
    user_entry = _named(config.users, user_name, chosen, "user") if user_name else None
    check_cluster(cluster_entry)
    if user_entry is not None:
        check_user(user_entry)
    return Selection(chosen, cluster_entry, user_entry, chosen.value.get("namespace") or None)


def check_cluster(entry: Entry) -> None:
    """A server URL, and certificate authority data or file that holds a certificate."""
    label = f"cluster {entry.name!r}"
    server = entry.value.get("server")
    if not server:
        raise entry.fault(None, f"{label} has no server")
    if not server.startswith(("https://", "http://")):
        raise entry.fault("server", f"{label}: server {server!r} has no scheme (https://...)")
    data = _pem(entry, "certificate-authority-data", "certificate-authority", label)
    if data is not None:
        _check_certificate_authority(entry, data, label)


def check_user(entry: Entry) -> None:
    """Files that exist, data that decodes, an exec plugin spec that can be run."""
    label = f"user {entry.name!r}"
    _pem(entry, "client-certificate-data", "client-certificate", label)
    _pem(entry, "client-key-data", "client-key", label)
    token_file = entry.value.get("tokenFile")
    if token_file and not entry.value.get("token"):
        _read_file(entry, "tokenFile", token_file, label)
    spec = entry.value.get("exec")
    if spec is not None:
        _check_exec(entry, spec, label)


def resolve_path(entry: Entry, path: str) -> str:
    """A path from the kubeconfig, relative to the file that names it."""
    path = os.path.expanduser(path)
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(entry.file)), path))


def _context(config: Kubeconfig, flag: str | None) -> Entry:
    if flag:
        if flag not in config.contexts:
            raise ConfigError(f"context {flag!r} does not exist in {_files(config)}")
        return config.contexts[flag]
    current = config.current_context
    if current is None:
        if not (config.contexts or config.clusters or config.users):
            raise ConfigError(f"{_files(config)} {'is' if len(config.files) == 1 else 'are'} empty")
        raise ConfigError(f"no current-context in {_files(config)}: set one, or pass --context")
    found = config.contexts.get(current.name)
    if found is None:
        raise current.fault(None, f"current-context {current.name!r} does not exist")
    return found


def _named(section: dict[str, Entry], name: Any, context: Entry, label: str) -> Entry:
    if not name:
        raise context.fault(None, f"context {context.name!r} names no {label}")
    found = section.get(name)
    if found is None:
        raise context.fault(
            label, f"context {context.name!r} names {label} {name!r}, which no kubeconfig defines"
        )
    return found


def _pem(entry: Entry, data_field: str, file_field: str, label: str) -> bytes | None:
    """The PEM bytes of `data_field` (base64) or else of the file `file_field` names."""
    data = entry.value.get(data_field)
    if data:
        try:
            decoded = base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError) as error:
            raise entry.fault(data_field, f"{label}: {data_field} is not base64") from error
        where = data_field
    elif entry.value.get(file_field):
        decoded = _read_file(entry, file_field, entry.value[file_field], label)
        where = f"{file_field} {entry.value[file_field]}"
    else:
        return None
    if b"-----BEGIN " not in decoded:
        raise entry.fault(data_field if data else file_field, f"{label}: {where} is not PEM")
    return decoded


def _read_file(entry: Entry, field: str, path: str, label: str) -> bytes:
    try:
        with open(resolve_path(entry, path), "rb") as file:
            return file.read(1 << 20)
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise entry.fault(field, f"{label}: {field} {path}: {reason}") from error


def _check_certificate_authority(entry: Entry, pem: bytes, label: str) -> None:
    import ssl

    try:
        ssl.create_default_context(cadata=pem.decode("ascii", "replace"))
    except (ssl.SSLError, ValueError) as error:
        field = where = "certificate-authority-data"
        if not entry.value.get(field):
            field = "certificate-authority"
            where = f"{field} {entry.value[field]}"
        reason = getattr(error, "reason", None) or error
        message = f"{label}: {where} holds no usable certificate ({reason})"
        raise entry.fault(field, message) from error


def _check_exec(entry: Entry, spec: dict[str, Any], label: str) -> None:
    def bad(key: str | None, message: str) -> ConfigError:
        line = spec.line_of(key) if key and hasattr(spec, "line_of") else entry.line_of("exec")
        return fault(entry.file, line, f"{label}: exec {message}")

    if not spec.get("command"):
        raise bad(None, "has no command")
    version = spec.get("apiVersion")
    if version not in EXEC_API_VERSIONS:
        raise bad(
            "apiVersion", f"apiVersion {version!r} is not one of {', '.join(EXEC_API_VERSIONS)}"
        )
    if not all(isinstance(arg, str) for arg in spec.get("args") or []):
        raise bad("args", "args must all be strings")
    for item in spec.get("env") or []:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("value"), str)
        ):
            raise bad("env", "env must be a list of {name, value} strings")


def _files(config: Kubeconfig) -> str:
    if len(config.files) == 1:
        return f"kubeconfig {config.files[0]}"
    return f"kubeconfig files {', '.join(config.files)}"
