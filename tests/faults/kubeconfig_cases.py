"""Kubeconfig faults: each names the file and, where the YAML has one, the line.

Most are BASE (kubeconfigs.py) with one line changed, so the line is known; all exit 3
(a kubeconfig is the connection's configuration, like the cluster it names, not this
command's input).
"""

from __future__ import annotations

from typing import Any

from tests.faults.connection_cases import AUDIT, FAST, KUBECONFIG, Case
from tests.faults.harness import Fault
from tests.faults.kubeconfigs import BASE, SERVER_LINE, TOKEN_LINE, b64, base_with


def config(case_id: str, text: str | bytes, has: str, *, args: tuple[str, ...] = AUDIT) -> Case:
    """`text` is {tmp}/config, which KUBECONFIG names."""
    return Case(Fault(case_id, args, 3, has, env=KUBECONFIG, files={"config": text}, seconds=FAST))


def flagged(case_id: str, args: list[str], has: str, **fault: Any) -> Case:
    """A fault of the flags or the environment rather than of a file's content."""
    return Case(Fault(case_id, args, 3, has, seconds=FAST, **fault))


BROKEN_PEM = b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
NO_SERVICE_HOST = {"KUBERNETES_SERVICE_HOST": ""}  # never fall back to in-cluster
KUBECONFIG_FAULTS = [
    flagged("kubeconfig-flag-missing", ["audit", "--kubeconfig", "{tmp}/absent"],
            "absent: no such file or directory"),
    flagged("kubeconfig-env-files-missing", ["audit"], "none of the files in KUBECONFIG exist",
            env={"KUBECONFIG": "{tmp}/a:{tmp}/b", **NO_SERVICE_HOST}),
    flagged("kubeconfig-home-missing", ["audit"], ".kube/config does not exist",
            env={"KUBECONFIG": "", **NO_SERVICE_HOST}),
    flagged("kubeconfig-is-a-directory", ["audit", "--kubeconfig", "{tmp}/dir"],
            "cannot read it: Is a directory", files={"dir/x": ""}),
    flagged("kubeconfig-dev-zero", ["audit", "--kubeconfig", "/dev/zero"],
            "kubeconfig /dev/zero: larger than 16 MiB"),
    config("kubeconfig-empty", "", "config is empty"),
    config("kubeconfig-comments-only", "# nothing here yet\n", "config is empty"),
    config("kubeconfig-not-yaml", "clusters: [\n  - {name: c\n", "line 2, column 3: not YAML"),
    config("kubeconfig-tab-indent", base_with(SERVER_LINE, "\tserver: x\n"), "line 7, column 1"),
    config("kubeconfig-not-utf8", b"apiVersion: v1\nkind: \xff\xfe\n", "line 2: not UTF-8"),
    config("kubeconfig-control-characters", "apiVersion: v1\nkind: \x00\n", "line 2: not YAML"),
    config("kubeconfig-two-documents", BASE + "---\nkind: Config\n", "line 15, column 1"),
    config("kubeconfig-a-list", "- apiVersion: v1\n", "line 1: expected a mapping"),
    config("kubeconfig-a-string", "just some words\n", "line 1: expected a mapping"),
    config("kubeconfig-clusters-a-mapping",
           base_with("clusters:\n- name: c\n  cluster:\n" + SERVER_LINE, "clusters: {c: x}\n"),
           "line 4: clusters must be a list, not a mapping"),
    config("kubeconfig-cluster-entry-a-string",
           base_with("- name: c\n  cluster:\n" + SERVER_LINE, "- c\n"),
           "line 5: clusters[0] must be a mapping"),
    config("kubeconfig-cluster-without-name",
           base_with("- name: c\n  cluster:", "- nam: c\n  cluster:"),
           "line 5: clusters[0] has no name"),
    config("kubeconfig-cluster-a-string", base_with("  cluster:\n" + SERVER_LINE, "  cluster: c\n"),
           "line 6: cluster 'c' must be a mapping, not a string"),
    config("kubeconfig-server-a-number", base_with(SERVER_LINE, "    server: 6443\n"),
           "line 7: cluster 'c': server must be a string, not an integer"),
    config("kubeconfig-insecure-a-string",
           base_with(SERVER_LINE, SERVER_LINE + "    insecure-skip-tls-verify: 'yes'\n"),
           "line 8: cluster 'c': insecure-skip-tls-verify must be a boolean"),
    config("kubeconfig-namespace-a-list", base_with("namespace: ml}", "namespace: [ml]}"),
           "line 14: context 'c': namespace must be a string, not a list"),
    config("kubeconfig-exec-args-a-string",
           base_with(TOKEN_LINE, "    exec: {command: x, apiVersion: v, args: --flag}\n"),
           "line 11: exec of user 'u': args must be a list, not a string"),
    config("kubeconfig-no-server", base_with(SERVER_LINE, "    proxy-url: http://proxy\n"),
           "line 5: cluster 'c' has no server"),
    config("kubeconfig-server-without-scheme",
           base_with(SERVER_LINE, "    server: 127.0.0.1:6443\n"),
           "line 7: cluster 'c': server '127.0.0.1:6443' has no scheme"),
    config("kubeconfig-no-current-context", base_with("current-context: c\n", ""),
           "no current-context in kubeconfig"),
    config("kubeconfig-current-context-missing",
           base_with("current-context: c", "current-context: x"),
           "line 3: current-context 'x' does not exist"),
    config("kubeconfig-context-names-missing-user", base_with("user: u,", "user: ghost,"),
           "line 14: context 'c' names user 'ghost', which no kubeconfig defines"),
    config("kubeconfig-context-names-missing-cluster", base_with("{cluster: c,", "{cluster: gone,"),
           "line 14: context 'c' names cluster 'gone', which no kubeconfig defines"),
    config("flag-context-missing", BASE, "context 'nope' does not exist in kubeconfig",
           args=("audit", "--context", "nope")),
    config("flag-user-missing", BASE, "user 'nope' does not exist in kubeconfig",
           args=("audit", "--user", "nope")),
    config("flag-cluster-missing", BASE, "cluster 'nope' does not exist in kubeconfig",
           args=("audit", "--cluster", "nope")),
    config("kubeconfig-ca-data-not-base64",
           base_with(SERVER_LINE, SERVER_LINE + "    certificate-authority-data: '%%%'\n"),
           "line 8: cluster 'c': certificate-authority-data is not base64"),
    config("kubeconfig-ca-data-not-pem",
           base_with(SERVER_LINE, SERVER_LINE + f"    certificate-authority-data: {b64('hi')}\n"),
           "line 8: cluster 'c': certificate-authority-data is not PEM"),
    config("kubeconfig-ca-data-broken-pem",
           base_with(SERVER_LINE, f"{SERVER_LINE}    certificate-authority-data: {BROKEN_PEM}\n"),
           "line 8: cluster 'c': certificate-authority-data holds no usable certificate"),
    config("kubeconfig-ca-file-missing",
           base_with(SERVER_LINE, SERVER_LINE + "    certificate-authority: ca.crt\n"),
           "line 8: cluster 'c': certificate-authority ca.crt: no such file or directory"),
    config("kubeconfig-client-key-data-not-base64",
           base_with(TOKEN_LINE, "    client-certificate-data: x\n    client-key-data: '%'\n"),
           "line 11: user 'u': client-certificate-data is not base64"),
    config("kubeconfig-token-file-missing", base_with(TOKEN_LINE, "    tokenFile: token.txt\n"),
           "line 11: user 'u': tokenFile token.txt: no such file or directory"),
    config("kubeconfig-exec-without-command",
           base_with(TOKEN_LINE, "    exec: {apiVersion: client.authentication.k8s.io/v1}\n"),
           "line 11: user 'u': exec has no command"),
    config("kubeconfig-exec-old-api-version",
           base_with(TOKEN_LINE, "    exec:\n      command: aws\n"
                     "      apiVersion: client.authentication.k8s.io/v1alpha1\n"),
           "line 13: user 'u': exec apiVersion 'client.authentication.k8s.io/v1alpha1'"),
]  # fmt: skip
