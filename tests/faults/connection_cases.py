"""The connection fault cases: what each runs against, and what the user must see.

A Case is a harness Fault plus, for the cases that connect, the fake endpoint
(a key of SERVERS, started per case on 127.0.0.1) and the kubeconfig written for
it. The kubeconfig faults are in kubeconfig_cases.py; test_connection.py runs both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubectl_shm.kube.connection import DEFAULT_REQUEST_TIMEOUT
from tests.faults import endpoints as fake
from tests.faults.harness import COMPLETION, Fault
from tests.faults.kubeconfigs import (
    EXEC_USER,
    PLUGIN_EXPIRED,
    PLUGIN_FAILS,
    PLUGIN_FAILS_SILENTLY,
    PLUGIN_GARBAGE,
    PLUGIN_HANGS,
    PLUGIN_NO_TOKEN,
    PLUGIN_OK,
    PLUGIN_WRONG_VERSION,
    base_with,
)

AUDIT = ("audit",)
ALL = ("audit", "-A")
SET = ("set", "deploy/x", "1Gi")
INSPECT = ("inspect", "pod/x")
T2 = ("--request-timeout", "2s")
KUBECONFIG = {"KUBECONFIG": "{tmp}/config"}
# Budgets: what a case may take before it counts as a hang. The shared 2-core machine
# can be slow to start Python; each leaves it 8 s beyond the deadline at work.
FAST = 8.0  # start-up and one answer
TWO_SECONDS = 2.0 + 8.0
BY_DEFAULT = DEFAULT_REQUEST_TIMEOUT + 8.0
COMPLETION_PROMISE = 5.0  # README: a completion answers within 5 s, whatever happens
NO_ANSWER_2S = "did not answer within 2s"
NO_ANSWER_BY_DEFAULT = f"did not answer within {DEFAULT_REQUEST_TIMEOUT:g}s"


@dataclass(frozen=True)
class Pki:
    """The test certificates (tests/e2e/cluster/pki.py Credentials) and CA data."""

    ca: Any  # a self-signed CA; also the "self-signed" server's certificate
    server: Any  # 127.0.0.1's certificate, signed by `ca`
    ca_data: str  # base64, for certificate-authority-data
    other_ca_data: str  # a CA that signed nothing here


@dataclass(frozen=True)
class Case:
    """A fault, and the endpoint and kubeconfig it runs against (if it connects)."""

    fault: Fault
    live: bool = False  # write {tmp}/config for `server`; False: the fault's own files
    server: str | None = None  # a key of SERVERS; None: nothing listens (refused)
    scheme: str = "http"
    cluster: str = ""  # fields added to the cluster entry; {ca} and {other_ca} filled in
    user: str = "{token: abc}"
    at_least: float = 0.0  # a deadline ended it, not anything sooner


def _status(code: int, message: str | None = None) -> Callable[[Pki], fake.Endpoint]:
    reasons = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
    reasons |= {500: "InternalError", 503: "ServiceUnavailable"}
    body = fake.status_body(code, reasons[code], message) if message else None
    return lambda pki: fake.Endpoint(fake.answer(code, body))


def _tls(answer: fake.Behaviour, *, self_signed: bool = False) -> Callable[[Pki], fake.Endpoint]:
    def start(pki: Pki) -> fake.Endpoint:
        cert = pki.ca if self_signed else pki.server
        return fake.Endpoint(answer, tls=fake.server_tls(str(cert.cert), str(cert.key)))

    return start


FORBIDDEN = 'pods is forbidden: User "u" cannot list resource "pods" at the cluster scope'
SERVERS: dict[str, Callable[[Pki], fake.Endpoint]] = {
    "silent": lambda pki: fake.Endpoint(fake.silent),
    "drip-head": lambda pki: fake.Endpoint(fake.drip_head),
    "drip-body": lambda pki: fake.Endpoint(fake.drip_body),
    "garbage": lambda pki: fake.Endpoint(fake.garbage),
    "close": lambda pki: fake.Endpoint(fake.close_at_once),
    "cut": lambda pki: fake.Endpoint(fake.cut_short),
    "401": _status(401, "Unauthorized"),
    "401-bare": _status(401),
    "403": _status(403, FORBIDDEN),
    "404": _status(404, 'deployments.apps "x" not found'),
    "404-bare": _status(404),
    "500": _status(500, "etcdserver: request timed out"),
    "503": _status(503, "the server is currently unable to handle the request"),
    "503-bare": _status(503),
    "self-signed": _tls(fake.answer(200, {}), self_signed=True),
    "tls-403": _tls(fake.answer(403, fake.status_body(403, "Forbidden", FORBIDDEN))),
}


def wire(
    case_id: str,
    args: tuple[str, ...],
    has: str,
    server: str | None = None,
    *,
    seconds: float = FAST,
    at_least: float = 0.0,
    plugin: str | None = None,
    **live: Any,
) -> Case:
    """A fault on the way to (or at) the API server; `plugin` is the user's ./plugin.sh."""
    if plugin:
        live.setdefault("user", EXEC_USER)
    executables = {"plugin.sh": plugin} if plugin else {}
    fault = Fault(case_id, args, 3, has, seconds=seconds, executables=executables)
    return Case(fault, live=True, server=server, at_least=at_least, **live)


def waits(
    case_id: str, args: tuple[str, ...], server: str | None, has: str = NO_ANSWER_2S, **live: Any
) -> Case:
    """Would hang: `--request-timeout 2s` ends it, at 2s and not sooner."""
    return wire(case_id, args + T2, has, server, seconds=TWO_SECONDS, at_least=2.0, **live)


def by_default(
    case_id: str,
    args: tuple[str, ...],
    server: str | None,
    has: str = NO_ANSWER_BY_DEFAULT,
    **live: Any,
) -> Case:
    """Would hang: no flag given, the default deadline ends it, whole."""
    at_least = DEFAULT_REQUEST_TIMEOUT - 0.5
    return wire(case_id, args, has, server, seconds=BY_DEFAULT, at_least=at_least, **live)


def completion(
    case_id: str, words: tuple[str, ...], server: str | None = None, **live: Any
) -> Case:
    """Completion under a fault: no candidate, only the directive, nothing on stderr,
    exit 0, within the promise. `files` (a {tmp}/config of its own) or an endpoint."""
    plugin = live.pop("plugin", None)
    files = live.pop("files", {})
    if plugin:
        live.setdefault("user", EXEC_USER)
    fault = Fault(
        case_id,
        words,
        0,
        program=COMPLETION,
        error_lines=0,
        stderr_is="",
        seconds=COMPLETION_PROMISE,
        executables={"plugin.sh": plugin} if plugin else {},
        files=files,
        env=KUBECONFIG if files else {},
    )
    return Case(fault, live=not files, server=server, **live)


WIRE_FAULTS = [
    wire("refused-audit", AUDIT, "connection refused"),
    wire("refused-audit-all", ALL, "connection refused"),
    wire("refused-set", SET, "connection refused"),
    wire("refused-inspect", INSPECT, "connection refused"),
    waits("silent-audit", AUDIT, "silent"),
    by_default("silent-audit-all-by-default", ALL, "silent"),
    by_default("tls-hang-audit-by-default", AUDIT, "silent", scheme="https"),
    waits("tls-hang-audit-all", ALL, "silent", scheme="https"),
    waits("tls-hang-set", SET, "silent", scheme="https"),
    waits("tls-hang-inspect", INSPECT, "silent", scheme="https"),
    waits("drip-head-audit-all", ALL, "drip-head"),
    waits("drip-body-audit", AUDIT, "drip-body"),
    by_default("drip-body-set-by-default", SET, "drip-body"),
    waits("drip-body-inspect", INSPECT, "drip-body"),
    wire("garbage-audit", AUDIT, "answered with something that is not HTTP", "garbage"),
    wire("garbage-inspect", INSPECT, "answered with something that is not HTTP", "garbage"),
    wire("close-audit-all", ALL, "closed the connection without answering", "close"),
    wire("cut-short-audit", AUDIT, "closed the connection mid-answer (10 bytes read)", "cut"),
    wire("cut-short-set", SET, "closed the connection mid-answer", "cut"),
    wire("401-audit", AUDIT, "Unauthorized: the credentials were refused", "401"),
    wire("401-bare-audit-all", ALL, "Unauthorized: the credentials were refused", "401-bare"),
    wire("403-audit-all", ALL, FORBIDDEN, "403"),
    wire("403-set", SET, FORBIDDEN, "403"),
    wire("404-set", SET, 'deployments.apps "x" not found', "404"),
    wire("404-bare-inspect", INSPECT, 'pods "x" not found', "404-bare"),
    wire("500-audit", AUDIT, "etcdserver: request timed out", "500"),
    wire("503-inspect", INSPECT, "the server is currently unable to handle the request", "503"),
    wire("503-bare-audit-all", ALL, "Service Unavailable", "503-bare"),
    wire("self-signed-audit", AUDIT, "certificate verify failed: self-signed certificate",
         "self-signed", scheme="https"),
    wire("wrong-ca-audit-all", ALL, "certificate verify failed: unable to get local issuer",
         "tls-403", scheme="https", cluster=", certificate-authority-data: {other_ca}"),
    wire("tls-403-inspect", INSPECT, FORBIDDEN, "tls-403", scheme="https",
         cluster=", certificate-authority-data: {ca}"),
    # urllib3's InsecureRequestWarning would be a second line on stderr.
    wire("insecure-tls-403-audit", AUDIT, FORBIDDEN, "tls-403", scheme="https",
         cluster=", insecure-skip-tls-verify: true"),
]  # fmt: skip

PLUGIN = "exec credential plugin './plugin.sh' of user 'u'"
PLUGIN_FAULTS = [
    wire("plugin-fails-audit", AUDIT, f"{PLUGIN} failed (exit 1): error: the SSO session",
         plugin=PLUGIN_FAILS),
    wire("plugin-fails-set", SET, f"{PLUGIN} failed (exit 1)", plugin=PLUGIN_FAILS),
    wire("plugin-fails-silently-inspect", INSPECT, f"{PLUGIN} failed (exit 2)",
         plugin=PLUGIN_FAILS_SILENTLY),
    waits("plugin-hangs-audit", AUDIT, None, f"{PLUGIN} did not finish within 2s",
          plugin=PLUGIN_HANGS),
    by_default("plugin-hangs-audit-all-by-default", ALL, None,
               f"{PLUGIN} did not finish within {DEFAULT_REQUEST_TIMEOUT:g}s", plugin=PLUGIN_HANGS),
    wire("plugin-garbage-audit", AUDIT, f"{PLUGIN} printed no ExecCredential JSON: hello",
         plugin=PLUGIN_GARBAGE),
    wire("plugin-wrong-version-audit-all", ALL, f"{PLUGIN} printed apiVersion 'client.auth",
         plugin=PLUGIN_WRONG_VERSION),
    wire("plugin-no-token-set", SET, f"{PLUGIN} printed an ExecCredential without a token",
         plugin=PLUGIN_NO_TOKEN),
    wire("plugin-expired-credential-audit", AUDIT,
         f"the credentials were refused ({PLUGIN} gave a credential that expired at 2020-01-01",
         "401", plugin=PLUGIN_EXPIRED),
    waits("plugin-ok-then-silent-server", AUDIT, "silent", plugin=PLUGIN_OK),
    wire("plugin-not-found-audit", AUDIT, f"{PLUGIN} not found: install it with: make plugin",
         user=EXEC_USER),
    Case(Fault("plugin-not-executable-audit", AUDIT, 3, f"{PLUGIN} cannot be run: Permission",
               files={"plugin.sh": PLUGIN_OK}, seconds=FAST), live=True, user=EXEC_USER),
]  # fmt: skip

NAMESPACES = ("audit", "-n", "")
COMPLETION_FAULTS = [
    completion("completion-namespaces-silent", NAMESPACES, "silent"),
    completion("completion-namespaces-tls-hang", NAMESPACES, "silent", scheme="https"),
    completion("completion-set-targets-drip", ("set", "deploy/"), "drip-body"),
    completion("completion-inspect-pods-drip-head", ("inspect", "pod/"), "drip-head"),
    completion("completion-inspect-refused", ("inspect", "pod/")),
    completion("completion-garbage", ("set", "sts/"), "garbage"),
    completion("completion-401", NAMESPACES, "401"),
    completion("completion-plugin-hangs", NAMESPACES, "silent", plugin=PLUGIN_HANGS),
    completion("completion-plugin-fails", NAMESPACES, "silent", plugin=PLUGIN_FAILS),
    completion("completion-no-timeout-typed", ("audit", "--request-timeout", "0", "-n", ""),
               "silent"),
    completion("completion-kubeconfig-not-yaml", NAMESPACES, files={"config": "clusters: [\n"}),
    completion("completion-context-names-missing-user", ("set", "deploy/"),
               files={"config": base_with("user: u,", "user: ghost,")}),
]  # fmt: skip
