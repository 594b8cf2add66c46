"""Exec credential plugins, run by us with a deadline instead of by the client.

The official client runs the plugin with no timeout and, when it fails, logs
"exec: process returned 1" and goes on without credentials
(kubernetes 37.0.2, config/exec_provider.py ExecProvider.run and
config/kube_config.py _load_from_exec_plugin). Here a plugin runs as client-go
runs it (plugin/pkg/client/auth/exec/exec.go): the command (a relative path is
relative to the kubeconfig that names it), its args, the environment plus its
env and KUBERNETES_EXEC_INFO; an ExecCredential is read from stdout. It differs
on purpose in three ways: it never gets the terminal (spec.interactive is false:
a prompt could not be answered within a deadline), its stderr is kept for the
error message, and a plugin still running at the deadline is killed with its
process group. Failing, hanging or printing no credential is a
CredentialPluginError naming the plugin.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timezone
from typing import Any, NamedTuple

from kubectl_shm.kube.deadlines import Deadline
from kubectl_shm.kube.errors import CredentialPluginError
from kubectl_shm.kube.kubeconfig import Entry
from kubectl_shm.kube.selection import resolve_path
from kubectl_shm.model.times import parse_rfc3339

# The cluster fields an ExecCredential's spec.cluster carries (client-go
# pkg/apis/clientauthentication/v1 types.go, Cluster); the kubeconfig spells them alike.
_CLUSTER_FIELDS = (
    "server",
    "tls-server-name",
    "insecure-skip-tls-verify",
    "certificate-authority-data",
    "proxy-url",
    "disable-compression",
)
_EXEC_EXTENSION = "client.authentication.k8s.io/exec"


class ExecCredential(NamedTuple):
    """What a plugin printed: a bearer token, or a client certificate and key (PEM)."""

    plugin: str  # how messages name the plugin
    token: str | None
    client_certificate: str | None
    client_key: str | None
    expires_at: datetime | None

    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= datetime.now(timezone.utc)

    def note(self) -> str:
        """Said with a 401: where the credential came from, and if it was already stale."""
        if self.expires_at is not None and self.expired():
            return f"{self.plugin} gave a credential that expired at {self.expires_at.isoformat()}"
        return f"they came from {self.plugin}"


def plugin_label(user: Entry) -> str:
    command = user.value["exec"]["command"]
    return f"exec credential plugin {command!r} of user {user.name!r}"


def run_exec_plugin(user: Entry, *, cluster: Entry, deadline: Deadline) -> ExecCredential:
    """Run the user's exec plugin; its credential, or CredentialPluginError."""
    spec = user.value["exec"]
    label = plugin_label(user)
    command = spec["command"]
    if os.sep in command:
        command = resolve_path(user, command)
    env = {**os.environ, **{item["name"]: item["value"] for item in spec.get("env") or []}}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(_exec_info(spec, cluster))
    try:
        process = subprocess.Popen(
            [command, *(spec.get("args") or [])],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group, to kill it whole
        )
    except OSError as error:
        raise _not_started(label, error, spec.get("installHint")) from error
    stdout, stderr = _communicate(process, deadline, label)
    if process.returncode != 0:
        raise CredentialPluginError(f"{label} failed ({_exit(process.returncode)}){_first(stderr)}")
    return parse_exec_credential(stdout, api_version=spec["apiVersion"], plugin=label)


def parse_exec_credential(stdout: bytes, *, api_version: str, plugin: str) -> ExecCredential:
    """The credential in a plugin's output, or CredentialPluginError saying what is wrong."""
    try:
        document = json.loads(stdout)
    except ValueError as error:
        shown = _first(stdout) or ": it printed nothing"
        raise CredentialPluginError(f"{plugin} printed no ExecCredential JSON{shown}") from error
    if not isinstance(document, dict) or document.get("kind") != "ExecCredential":
        raise CredentialPluginError(f"{plugin} printed JSON that is not an ExecCredential")
    if document.get("apiVersion") != api_version:
        raise CredentialPluginError(
            f"{plugin} printed apiVersion {document.get('apiVersion')!r}, not {api_version!r}"
        )
    status = document.get("status")
    if not isinstance(status, dict):
        raise CredentialPluginError(f"{plugin} printed an ExecCredential without status")
    token, cert, key = (status.get(k) for k in ("token", "clientCertificateData", "clientKeyData"))
    if not token and not (cert and key):
        missing = "its key" if cert else "its certificate" if key else "a token or certificate"
        raise CredentialPluginError(f"{plugin} printed an ExecCredential without {missing}")
    expires = _expiry(status.get("expirationTimestamp"), plugin)
    return ExecCredential(plugin, token or None, cert or None, key or None, expires)


class TokenRefresh:
    """A configuration.refresh_api_key_hook: runs the plugin again once its token expires.

    client-go does the same (exec.go, getCreds). A token that is already expired
    when the plugin gives it is used as it is, once: running the plugin before
    every call would not make it fresher.
    """

    def __init__(self, credential: ExecCredential, rerun: Callable[[], ExecCredential]) -> None:
        import threading

        self.credential = credential
        self.rerun = rerun
        self.lock = threading.Lock()

    def __call__(self, configuration: Any) -> None:
        if not self.credential.expired():
            return
        with self.lock:
            if self.credential.expired():
                self.credential = self.rerun()
                configuration.api_key["BearerToken"] = f"Bearer {self.credential.token}"
                if self.credential.expired():
                    configuration.refresh_api_key_hook = None


def _communicate(
    process: subprocess.Popen[bytes], deadline: Deadline, label: str
) -> tuple[bytes, bytes]:
    try:
        return process.communicate(timeout=deadline.remaining())
    except subprocess.TimeoutExpired:
        _kill(process)
        within = f" within {deadline.seconds:g}s" if deadline.seconds is not None else ""
        raise CredentialPluginError(
            f"{label} did not finish{within} and was stopped (see --request-timeout)"
        ) from None
    except BaseException:  # Ctrl-C, or the caller gave up: leave no plugin behind
        _kill(process)
        raise


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the plugin and whatever it started (same process group); close the pipes."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=1)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _not_started(label: str, error: OSError, hint: object) -> CredentialPluginError:
    if isinstance(error, FileNotFoundError):
        shown = f": {str(hint).strip().splitlines()[0]}" if hint and str(hint).strip() else ""
        return CredentialPluginError(f"{label} not found{shown}")
    return CredentialPluginError(f"{label} cannot be run: {(error.strerror or error)}")


def _exec_info(spec: dict[str, Any], cluster: Entry) -> dict[str, Any]:
    """KUBERNETES_EXEC_INFO: never interactive; the cluster when provideClusterInfo."""
    info: dict[str, Any] = {
        "apiVersion": spec["apiVersion"],
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }
    if spec.get("provideClusterInfo"):
        fields = {k: cluster.value[k] for k in _CLUSTER_FIELDS if k in cluster.value}
        for extension in cluster.value.get("extensions") or []:
            if isinstance(extension, dict) and extension.get("name") == _EXEC_EXTENSION:
                fields["config"] = extension.get("extension")
        info["spec"]["cluster"] = fields
    return info


def _expiry(value: object, plugin: str) -> datetime | None:
    """An RFC 3339 time (what metav1.Time marshals to), timezone-aware."""
    if value is None:
        return None
    parsed = parse_rfc3339(value)
    if parsed is None:
        raise CredentialPluginError(f"{plugin} printed expirationTimestamp {value!r}, not a time")
    return parsed.replace(microsecond=0)  # to the second, as before


def _exit(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"


def _first(output: bytes) -> str:
    """': ' and the first non-empty line of a plugin's output, or ''."""
    for line in output.decode("utf-8", "replace").splitlines():
        if line.strip():
            return f": {line.strip()[:200]}"
    return ""
