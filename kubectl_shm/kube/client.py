"""Connect to the API server the way kubectl does, and make raw JSON calls.

kubeconfig resolution follows kubectl: --kubeconfig, else every file in
$KUBECONFIG (the first file to set a current-context wins), else
~/.kube/config, else the in-cluster service account (kube/kubeconfig.py reads
and checks the files, kube/selection.py picks the context). --context, --cluster
and --user override the chosen context's parts. Exec credential plugins run in
kube/credentials.py; the official client turns the rest into its Configuration.
Responses are parsed as plain JSON (kubectl_shm.json_codec), never into the
client's model classes: that is several times faster on large lists.

Every call has a deadline (kube/deadlines.py): --request-timeout, 30s by
default, for the connection, the TLS handshake and the whole response.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from kubectl_shm import json_codec
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.credentials import ExecCredential, TokenRefresh, run_exec_plugin
from kubectl_shm.kube.deadlines import Deadline, DeadlineExceeded, finish_before
from kubectl_shm.kube.errors import (
    ConfigError,
    KubeError,
    from_api_exception,
    from_status,
    from_transport_error,
    is_timeout,
    timed_out,
)
from kubectl_shm.kube.kubeconfig import kubeconfig_paths, load_kubeconfig, missing_kubeconfig
from kubectl_shm.kube.selection import Selection, select

# The API server spends ~18 ms on a list request before its first byte, whatever the page
# (measured on the v1.37.2 test cluster): 10,000 pods arrive in 0.40-0.47 s as pages of
# 500 and 0.36-0.37 s as pages of 1,000 (DESIGN section 8). kubectl's chunks are 500.
PAGE_SIZE = 1000
# What get_raw's on_head is given: enough for a list's kind, apiVersion and metadata.
HEAD_BYTES = 4096
DEFAULT_NAMESPACE = "default"


@dataclass
class Kube:
    """An API client bound to one cluster, user and default namespace."""

    api_client: Any
    namespace: str
    server: str | None
    request_timeout: float | None  # seconds per call; None: no limit
    not_after: float | None = None  # time.monotonic() past which no call waits
    credential_note: str = ""  # what a 401 should say about the credentials

    def get(self, path: str, *, query: Mapping[str, Any] | None = None, doing: str = "") -> Any:
        """GET `path` and return the decoded JSON."""
        return json_codec.loads(self.get_raw(path, query=query, doing=doing))

    def get_raw(
        self,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        doing: str = "",
        accept: str = "application/json",
        on_head: Callable[[bytes], None] | None = None,
    ) -> bytes:
        """GET `path` and return the raw answer; `on_head` is given its first bytes (up to
        HEAD_BYTES) as soon as they arrive, before the rest is read."""
        return self.call(
            "GET", path, query=query, doing=doing or f"GET {path}", accept=accept, on_head=on_head
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        doing: str,
        on_head: Callable[[bytes], None] | None = None,
    ) -> bytes:
        """One API call within its deadline; raises our KubeError family, never the
        client's exceptions."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        deadline = Deadline.start(self.request_timeout, not_after=self.not_after)
        headers = {"Accept": accept, "Content-Type": content_type}
        exchange = partial(self._exchange, method, path, query, headers, body, deadline, on_head)
        try:
            status, reason, data = finish_before(deadline, exchange, name=doing)
        except DeadlineExceeded:
            raise timed_out(doing, self.server, deadline.seconds) from None
        except ApiException as error:
            if not error.status:  # the client's wrapping of a TLS failure
                raise from_transport_error(
                    error.__context__ or error, doing, self.server
                ) from error
            raise from_api_exception(error, doing) from error
        except (HTTPError, OSError) as error:
            if is_timeout(error):  # the socket's timeout is the deadline's remainder
                raise timed_out(doing, self.server, deadline.seconds) from error
            raise from_transport_error(error, doing, self.server) from error
        if not 200 <= status < 300:
            raise from_status(status, reason, data, doing, credential_note=self.credential_note)
        return data

    def _exchange(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        headers: dict[str, str],
        body: Any,
        deadline: Deadline,
        on_head: Callable[[bytes], None] | None,
    ) -> tuple[int, str | None, bytes]:
        """Send the request and read the whole answer (in the deadline's worker thread)."""
        params = [(key, value) for key, value in (query or {}).items() if value is not None]
        _, url, headers, serialized, _ = self.api_client.param_serialize(
            method,
            path,
            query_params=params,
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self.api_client.call_api(
            method,
            url,
            header_params=headers,
            body=serialized,
            _request_timeout=deadline.socket_timeout(),
        )
        if on_head is None or not 200 <= response.status < 300:
            return response.status, response.reason, response.read()
        # The client's response wraps urllib3's, not yet read: its head first, then the rest.
        unread = response.response
        head = unread.read(HEAD_BYTES)
        on_head(head)
        return response.status, response.reason, head + unread.read()

    def list_pages(
        self,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        doing: str,
        accept: str = "application/json",
    ) -> Iterator[dict[str, Any]]:
        """Each page of a list call (limit/continue), decoded; no per-item calls."""
        params = {**(query or {}), "limit": PAGE_SIZE}
        while True:
            page = json_codec.loads(self.get_raw(path, query=params, doing=doing, accept=accept))
            yield page
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return
            params["continue"] = token

    def close(self) -> None:
        self.api_client.close()


def connect(options: ConnectionOptions) -> Kube:
    """A client for the cluster the flags and kubeconfig select.

    Raises ConfigError (a CredentialPluginError for an exec plugin) with a line
    that names the kubeconfig file when nothing usable is found. The kubeconfig
    is read and the plugin run before the client is imported: a fault there is
    reported without that import's cost.
    """
    selection = _selection(options)
    credential = _exec_credential(selection, options)
    from kubernetes import client

    configuration = client.Configuration()
    if selection is None:
        namespace = _load_in_cluster(configuration)
    else:
        _load_client_configuration(selection, credential, configuration, options)
        namespace = selection.namespace
        if credential is not None and credential.token and not credential.expired():
            hook = TokenRefresh(credential, partial(_run_plugin, selection, options))
            configuration.refresh_api_key_hook = hook  # type: ignore[assignment]  # typed None
    if options.request_timeout is not None or options.not_after is not None:
        configuration.retries = 0  # a retry would start after the deadline has begun
    api_client = client.ApiClient(configuration)
    api_client.user_agent = "kubectl-shm"
    return Kube(
        api_client,
        namespace=options.namespace or namespace or DEFAULT_NAMESPACE,
        server=configuration.host,
        request_timeout=options.request_timeout,
        not_after=options.not_after,
        credential_note=credential.note() if credential is not None else "",
    )


def _selection(options: ConnectionOptions) -> Selection | None:
    """The kubeconfig's context, cluster and user; None for the in-cluster account."""
    paths = kubeconfig_paths(options.kubeconfig)
    if not paths:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not options.context:
            return None
        raise missing_kubeconfig()
    config = load_kubeconfig(paths)
    return select(config, context=options.context, cluster=options.cluster, user=options.user)


def _exec_credential(
    selection: Selection | None, options: ConnectionOptions
) -> ExecCredential | None:
    """What the user's exec plugin gives, if the user has one the client would run."""
    if selection is None or selection.user is None:
        return None
    if not _runs_exec_plugin(selection.user.value):
        return None
    return _run_plugin(selection, options)


def _run_plugin(selection: Selection, options: ConnectionOptions) -> ExecCredential:
    """Run the user's exec plugin, with a deadline of its own."""
    assert selection.user is not None
    deadline = Deadline.start(options.request_timeout, not_after=options.not_after)
    return run_exec_plugin(selection.user, cluster=selection.cluster, deadline=deadline)


def _runs_exec_plugin(user: Mapping[str, Any]) -> bool:
    """As the official client: a token or an auth-provider comes before exec
    (kubernetes 37.0.2, config/kube_config.py, _load_authentication)."""
    return "exec" in user and not any(k in user for k in ("token", "tokenFile", "auth-provider"))


def _load_client_configuration(
    selection: Selection,
    credential: ExecCredential | None,
    configuration: Any,
    options: ConnectionOptions,
) -> None:
    """The client's loader over the chosen context alone, exec already done. Its
    auth-providers may go to the network (OIDC refresh): that too has the deadline."""
    from kubernetes.config.config_exception import ConfigException

    loader = _client_loader(selection, credential)
    deadline = Deadline.start(options.request_timeout, not_after=options.not_after)
    where = f"kubeconfig {selection.context.file}"
    try:
        finish_before(deadline, partial(loader.load_and_set, configuration), name="credentials")
    except DeadlineExceeded:
        raise ConfigError(f"{where}: loading the credentials took too long") from None
    except ConfigException as error:
        raise ConfigError(f"{where}: {error}") from error
    except (OSError, ValueError) as error:
        raise ConfigError(f"{where}: cannot load it: {error}") from error


def _client_loader(selection: Selection, credential: ExecCredential | None) -> Any:
    """A KubeConfigLoader over the chosen context, cluster and user (exec replaced by
    the plugin's credential); each entry keeps its file, for its relative paths."""
    from kubernetes.config.kube_config import ConfigNode, KubeConfigLoader

    def node(section: str, entry: Any, key: str, value: Any) -> Any:
        return ConfigNode(f"{entry.file}/{section}", {"name": entry.name, key: value}, entry.file)

    context: dict[str, Any] = {"cluster": selection.cluster.name}
    users = []
    if selection.user is not None:
        context["user"] = selection.user.name
        user = _with_credential(selection.user.value, credential)
        users.append(node("users", selection.user, "user", user))
    contexts = [node("contexts", selection.context, "context", context)]
    clusters = [node("clusters", selection.cluster, "cluster", dict(selection.cluster.value))]
    document = {"contexts": contexts, "clusters": clusters, "users": users}
    root = ConfigNode(selection.context.file, document, selection.context.file)
    return KubeConfigLoader(
        config_dict=root, active_context=selection.context.name, config_base_path=None
    )


def _with_credential(user: Mapping[str, Any], credential: ExecCredential | None) -> dict[str, Any]:
    """The user without `exec` (never run by the client), with what the plugin gave."""
    import base64

    resolved = {key: value for key, value in user.items() if key != "exec"}
    if credential is None:
        return resolved
    if credential.token:
        resolved["token"] = credential.token
    else:
        for key, pem in (
            ("client-certificate-data", credential.client_certificate),
            ("client-key-data", credential.client_key),
        ):
            resolved[key] = base64.b64encode((pem or "").encode()).decode()
    return resolved


def _load_in_cluster(configuration: Any) -> str | None:
    from kubernetes.config import incluster_config

    incluster_config.InClusterConfigLoader(
        token_filename=incluster_config.SERVICE_TOKEN_FILENAME,
        cert_filename=incluster_config.SERVICE_CERT_FILENAME,
    ).load_and_set(configuration)
    return _in_cluster_namespace()


def _in_cluster_namespace() -> str | None:
    try:
        with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as file:
            return file.read().strip() or None
    except OSError:
        return None


__all__ = ["Kube", "KubeError", "connect"]
