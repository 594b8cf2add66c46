"""Connect to the API server the way kubectl does, and make raw JSON calls.

kubeconfig resolution follows kubectl: --kubeconfig, else every file in
$KUBECONFIG (the first file to set a current-context wins), else
~/.kube/config, else the in-cluster service account. --context, --cluster and
--user override the chosen context's parts; exec credential plugins work
through the official client. Responses are parsed as plain JSON, never into
the client's model classes: that is several times faster on large lists.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import (
    ConfigError,
    KubeError,
    from_api_exception,
    from_status,
    from_transport_error,
)

PAGE_SIZE = 500
_OVERRIDE_CONTEXT = "kubectl-shm/override"
DEFAULT_NAMESPACE = "default"


@dataclass
class Kube:
    """An API client bound to one cluster, user and default namespace."""

    api_client: Any
    namespace: str
    server: str | None
    request_timeout: float | None

    def get(self, path: str, *, query: Mapping[str, Any] | None = None, doing: str = "") -> Any:
        """GET `path` and return the decoded JSON."""
        return json.loads(self.get_raw(path, query=query, doing=doing))

    def get_raw(
        self,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        doing: str = "",
        accept: str = "application/json",
    ) -> bytes:
        return self.call("GET", path, query=query, doing=doing or f"GET {path}", accept=accept)

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
    ) -> bytes:
        """One API call; raises our KubeError family, never the client's exceptions."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        params = [(key, value) for key, value in (query or {}).items() if value is not None]
        try:
            _, url, headers, serialized, _ = self.api_client.param_serialize(
                method,
                path,
                query_params=params,
                header_params={"Accept": accept, "Content-Type": content_type},
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self.api_client.call_api(
                method,
                url,
                header_params=headers,
                body=serialized,
                _request_timeout=self.request_timeout,
            )
            data: bytes = response.read()
        except ApiException as error:  # raised for TLS failures, with status 0
            raise from_api_exception(error, doing) from error
        except (HTTPError, OSError) as error:
            raise from_transport_error(error, doing, self.server) from error
        if not 200 <= response.status < 300:
            raise from_status(response.status, response.reason, data, doing)
        return data

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
            page = json.loads(self.get_raw(path, query=params, doing=doing, accept=accept))
            yield page
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return
            params["continue"] = token

    def close(self) -> None:
        self.api_client.close()


def connect(options: ConnectionOptions) -> Kube:
    """A client for the cluster the flags and kubeconfig select.

    Raises ConfigError with kubectl-like wording when nothing usable is found.
    """
    from kubernetes import client
    from kubernetes.config.config_exception import ConfigException

    configuration = client.Configuration()
    try:
        namespace = _load_configuration(options, configuration)
    except ConfigException as error:
        raise ConfigError(f"invalid configuration: {error}") from error
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot load kubeconfig: {error}") from error
    if options.request_timeout:
        configuration.retries = 0
    api_client = client.ApiClient(configuration)
    api_client.user_agent = "kubectl-shm"
    return Kube(
        api_client,
        namespace=options.namespace or namespace or DEFAULT_NAMESPACE,
        server=configuration.host,
        request_timeout=options.request_timeout,
    )


def _load_configuration(options: ConnectionOptions, configuration: Any) -> str | None:
    """Fill `configuration`; return the context's namespace."""
    from kubernetes.config import incluster_config, kube_config

    paths = _kubeconfig_paths(options.kubeconfig)
    if not paths:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not options.context:
            incluster_config.InClusterConfigLoader(
                token_filename=incluster_config.SERVICE_TOKEN_FILENAME,
                cert_filename=incluster_config.SERVICE_CERT_FILENAME,
            ).load_and_set(configuration)
            return _in_cluster_namespace()
        raise ConfigError(
            "no kubeconfig found (set --kubeconfig or KUBECONFIG, or create ~/.kube/config)"
        )
    merger = kube_config.KubeConfigMerger(os.pathsep.join(paths))
    if merger.config is None:
        raise ConfigError(f"no configuration in {', '.join(paths)}")
    context_name = options.context or _first_current_context(merger) or ""
    contexts = {c["name"]: c for c in merger.config.value.get("contexts") or []}
    if context_name not in contexts:
        if not context_name:
            raise ConfigError("no context chosen: set current-context or pass --context")
        raise ConfigError(f"context {context_name!r} does not exist in the kubeconfig")
    context = dict(contexts[context_name].value.get("context") or {})
    _check_named(merger, "clusters", options.cluster)
    _check_named(merger, "users", options.user)
    context.update({k: v for k, v in (("cluster", options.cluster), ("user", options.user)) if v})
    merger.config.value["contexts"].append(
        kube_config.ConfigNode(
            _OVERRIDE_CONTEXT, {"name": _OVERRIDE_CONTEXT, "context": context}, merger.paths[0]
        )
    )
    loader = kube_config.KubeConfigLoader(
        config_dict=merger.config, active_context=_OVERRIDE_CONTEXT, config_base_path=None
    )
    loader.load_and_set(configuration)
    namespace = context.get("namespace")
    return str(namespace) if namespace else None


def _kubeconfig_paths(explicit: str | None) -> list[str]:
    if explicit:
        if not os.path.exists(explicit):
            raise ConfigError(f"stat {explicit}: no such file or directory")
        return [explicit]
    listed = os.environ.get("KUBECONFIG")
    candidates = listed.split(os.pathsep) if listed else [os.path.expanduser("~/.kube/config")]
    return [
        os.path.expanduser(p) for p in candidates if p and os.path.exists(os.path.expanduser(p))
    ]


def _first_current_context(merger: Any) -> str | None:
    """kubectl takes current-context from the first file that sets it."""
    for path in merger.paths:
        current = (merger.config_files.get(path) or {}).get("current-context")
        if current:
            return str(current)
    return None


def _check_named(merger: Any, section: str, name: str | None) -> None:
    if name and name not in {item["name"] for item in merger.config.value.get(section) or []}:
        raise ConfigError(f"{section[:-1]} {name!r} does not exist in the kubeconfig")


def _in_cluster_namespace() -> str | None:
    try:
        with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as file:
            return file.read().strip() or None
    except OSError:
        return None


__all__ = ["Kube", "KubeError", "connect"]
