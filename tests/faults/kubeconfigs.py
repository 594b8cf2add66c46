"""Kubeconfig texts and exec credential plugins for the connection faults.

BASE is a valid kubeconfig in block style, so that a fault made by replacing one
line sits on a known line number (the comments say which).
"""

from __future__ import annotations

import base64
import json

BASE = """\
apiVersion: v1
kind: Config
current-context: c
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
users:
- name: u
  user:
    token: abc
contexts:
- name: c
  context: {cluster: c, user: u, namespace: ml}
"""
# Lines of BASE: 3 current-context, 4 clusters, 5 the cluster entry, 6 its mapping,
# 7 server, 8 users, 11 token, 12 contexts, 14 the context's mapping.
SERVER_LINE = "    server: https://127.0.0.1:1\n"
TOKEN_LINE = "    token: abc\n"


def base_with(old: str, new: str) -> str:
    """BASE with one piece replaced; the piece must be there."""
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def live_kubeconfig(server: str, *, cluster: str = "", user: str = "{token: abc}") -> str:
    """A kubeconfig for `server`; `cluster` adds fields to the cluster (", key: value")."""
    return f"""\
apiVersion: v1
kind: Config
current-context: c
clusters:
- name: c
  cluster: {{server: "{server}"{cluster}}}
users:
- name: u
  user: {user}
contexts:
- name: c
  context: {{cluster: c, user: u, namespace: ml}}
"""


EXEC_API = "client.authentication.k8s.io/v1"
# A user whose credentials come from ./plugin.sh, relative to the kubeconfig.
EXEC_USER = (
    "{exec: {apiVersion: " + EXEC_API + ", command: ./plugin.sh, interactiveMode: Never, "
    "installHint: 'install it with: make plugin'}}"
)


def credential(status: dict[str, object], api_version: str = EXEC_API) -> str:
    return json.dumps({"apiVersion": api_version, "kind": "ExecCredential", "status": status})


def prints(text: str) -> str:
    """A plugin that prints `text` on stdout and succeeds."""
    return f"#!/bin/sh\ncat <<'EOF'\n{text}\nEOF\n"


PLUGIN_OK = prints(credential({"token": "fresh"}))
PLUGIN_EXPIRED = prints(
    credential({"token": "stale", "expirationTimestamp": "2020-01-01T00:00:00Z"})
)
PLUGIN_FAILS = (
    "#!/bin/sh\necho 'error: the SSO session of dev has expired, run: sso login' >&2\n"
    "echo 'a second line that is not shown' >&2\nexit 1\n"
)
PLUGIN_FAILS_SILENTLY = "#!/bin/sh\nexit 2\n"
# Hangs (boundedly) with a child of its own; both pids written down to check they die.
PLUGIN_HANGS = "#!/bin/sh\necho $$ > plugin.pid\nsleep 60 &\necho $! > child.pid\nwait\n"
PLUGIN_GARBAGE = prints("hello, I am not JSON")
PLUGIN_WRONG_VERSION = prints(
    credential({"token": "x"}, api_version="client.authentication.k8s.io/v1beta1")
)
PLUGIN_NO_TOKEN = prints(credential({"expirationTimestamp": "2099-01-01T00:00:00Z"}))
