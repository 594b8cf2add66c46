"""Exec credential plugins: run as client-go runs them, within a deadline, failures named."""

import json
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from kubectl_shm.kube.client import connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.credentials import ExecCredential, TokenRefresh, parse_exec_credential
from kubectl_shm.kube.errors import CredentialPluginError
from tests.cli.fake_api import FakeApi, serve
from tests.faults.kubeconfigs import EXEC_API, credential

PLUGIN = "plugin 'p'"


def parse(document):
    text = document if isinstance(document, str) else json.dumps(document)
    return parse_exec_credential(text.encode(), api_version=EXEC_API, plugin=PLUGIN)


def test_a_token():
    found = parse(credential({"token": "t", "expirationTimestamp": "2099-01-02T03:04:05Z"}))
    assert found.token == "t"
    assert found.expires_at == datetime(2099, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert not found.expired()


def test_a_client_certificate_and_key():
    found = parse(credential({"clientCertificateData": "CERT", "clientKeyData": "KEY"}))
    assert (found.token, found.client_certificate, found.client_key) == (None, "CERT", "KEY")


def test_an_expired_credential_is_kept_and_explains_a_401():
    found = parse(credential({"token": "t", "expirationTimestamp": "2020-01-01T00:00:00+01:00"}))
    assert found.expired()
    assert found.note() == f"{PLUGIN} gave a credential that expired at 2020-01-01T00:00:00+01:00"


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("", f"{PLUGIN} printed no ExecCredential JSON: it printed nothing"),
        ("Please log in\n{", f"{PLUGIN} printed no ExecCredential JSON: Please log in"),
        ({"kind": "Pod"}, f"{PLUGIN} printed JSON that is not an ExecCredential"),
        (
            credential({"token": "t"}, api_version="client.authentication.k8s.io/v1beta1"),
            f"{PLUGIN} printed apiVersion 'client.authentication.k8s.io/v1beta1', not '{EXEC_API}'",
        ),
        ({"kind": "ExecCredential", "apiVersion": EXEC_API}, "without status"),
        (credential({}), "without a token or certificate"),
        (credential({"clientCertificateData": "C"}), "without its key"),
        (credential({"clientKeyData": "K"}), "without its certificate"),
        (credential({"token": "t", "expirationTimestamp": "soon"}), "'soon', not a time"),
        (
            credential({"token": "t", "expirationTimestamp": "2026-13-01T10:00:00Z"}),
            "'2026-13-01T10:00:00Z', not a time",
        ),
    ],
)
def test_what_is_wrong_with_the_output(output, message):
    with pytest.raises(
        CredentialPluginError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        parse(output)


def test_a_token_is_run_again_once_it_expires():
    runs = []

    def rerun():
        runs.append(1)
        expires = datetime.now(timezone.utc) + timedelta(hours=1)
        return ExecCredential(PLUGIN, f"token-{len(runs)}", None, None, expires)

    soon = datetime.now(timezone.utc) + timedelta(seconds=0.2)
    refresh = TokenRefresh(ExecCredential(PLUGIN, "token-0", None, None, soon), rerun)

    configuration = SimpleNamespace(api_key={}, refresh_api_key_hook=refresh)
    refresh(configuration)
    assert runs == []
    time.sleep(0.3)
    refresh(configuration)
    refresh(configuration)
    assert runs == [1]
    assert configuration.api_key["BearerToken"] == "Bearer token-1"


SPY = """#!/bin/sh
# Prints a credential; keeps what it was given for the test to read.
printf '%s' "$KUBERNETES_EXEC_INFO" > info.json
echo "$@" > args.txt
echo "$REGION" > env.txt
cat <<EOF
{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
 "status": {"token": "from-the-plugin"}}
EOF
"""


def test_the_plugin_runs_as_client_go_runs_it(tmp_path, monkeypatch):
    api = FakeApi()
    api.on("GET", "/version", (200, {"gitVersion": "v1.31.4"}))
    server = serve(api)
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    (config_dir / "spy.sh").write_text(SPY)
    (config_dir / "spy.sh").chmod(0o755)
    (config_dir / "config").write_text(f"""
apiVersion: v1
kind: Config
current-context: c
clusters:
- name: c
  cluster: {{server: "http://127.0.0.1:{server.server_address[1]}", tls-server-name: api}}
users:
- name: u
  user:
    exec:
      apiVersion: {EXEC_API}
      command: ./spy.sh
      args: [--cluster, dev]
      env: [{{name: REGION, value: eu-1}}]
      provideClusterInfo: true
contexts:
- name: c
  context: {{cluster: c, user: u}}
""")
    work = tmp_path / "work"  # the plugin runs here; its path is relative to the kubeconfig
    work.mkdir()
    monkeypatch.chdir(work)
    try:
        kube = connect(ConnectionOptions(kubeconfig=str(config_dir / "config")))
        kube.get("/version", doing="reading the version")
    finally:
        server.shutdown()
    assert api.sent("GET", "/version")[0].authorization == "Bearer from-the-plugin"
    info = json.loads((work / "info.json").read_text())
    assert info["apiVersion"] == EXEC_API and info["kind"] == "ExecCredential"
    assert info["spec"]["interactive"] is False
    assert info["spec"]["cluster"]["tls-server-name"] == "api"
    assert (work / "args.txt").read_text() == "--cluster dev\n"
    assert (work / "env.txt").read_text() == "eu-1\n"
