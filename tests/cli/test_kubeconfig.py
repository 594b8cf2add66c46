"""Reading kubeconfig files as kubectl does: merging, choosing, and faults with file and line."""

import os

import pytest

from kubectl_shm.kube.errors import ConfigError
from kubectl_shm.kube.kubeconfig import kubeconfig_paths, load_kubeconfig, read_document
from kubectl_shm.kube.selection import select

FIRST = """\
apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: "https://first:6443", certificate-authority: ca.crt}
users:
- name: me
  user: {token: first}
contexts:
- name: dev
  context: {cluster: shared, user: me, namespace: ml}
"""
SECOND = """\
current-context: dev
clusters:
- name: shared
  cluster: {server: "https://second:6443"}
- name: other
  cluster: {server: "https://other:6443"}
contexts:
- name: dev
  context: {cluster: other}
- name: anonymous
  context: {cluster: other}
"""


@pytest.fixture
def two_files(tmp_path, monkeypatch):
    from tests.e2e.cluster.pki import make_ca

    make_ca(tmp_path / "a")  # a/ca.crt, a real certificate
    first, second = tmp_path / "a" / "config", tmp_path / "second"
    first.write_text(FIRST)
    second.write_text(SECOND)
    monkeypatch.setenv("KUBECONFIG", f"{first}{os.pathsep}{tmp_path / 'gone'}{os.pathsep}{second}")
    return str(first), str(second)


def test_missing_files_in_kubeconfig_are_skipped(two_files):
    assert kubeconfig_paths(None) == list(two_files)


def test_the_first_file_to_define_a_name_wins(two_files):
    config = load_kubeconfig(list(two_files))
    assert config.clusters["shared"].value["server"] == "https://first:6443"
    assert config.clusters["shared"].file == two_files[0]
    assert config.clusters["other"].file == two_files[1]
    assert config.contexts["dev"].value["namespace"] == "ml"


def test_current_context_from_the_first_file_that_sets_one(two_files):
    config = load_kubeconfig(list(two_files))
    assert config.current_context is not None
    assert (config.current_context.name, config.current_context.file) == ("dev", two_files[1])
    chosen = select(config, context=None, cluster=None, user=None)
    assert (chosen.context.name, chosen.cluster.name, chosen.user.name) == ("dev", "shared", "me")
    assert chosen.namespace == "ml"


def test_relative_paths_are_relative_to_the_file_that_names_them(two_files, tmp_path):
    # ca.crt exists beside the first file only: choosing its cluster passes the check.
    config = load_kubeconfig(list(two_files))
    select(config, context="dev", cluster="shared", user=None)
    os.remove(tmp_path / "a" / "ca.crt")
    with pytest.raises(ConfigError, match=r"a/config, line 5: .*certificate-authority ca.crt"):
        select(config, context="dev", cluster="shared", user=None)


def test_a_context_without_a_user_is_anonymous(two_files):
    chosen = select(load_kubeconfig(list(two_files)), context="anonymous", cluster=None, user=None)
    assert chosen.user is None


def test_flags_override_the_contexts_parts(two_files):
    config = load_kubeconfig(list(two_files))
    chosen = select(config, context="anonymous", cluster="shared", user="me")
    assert (chosen.cluster.name, chosen.user.name) == ("shared", "me")


def test_a_context_naming_a_missing_user_names_file_and_line(tmp_path):
    path = tmp_path / "config"
    path.write_text(FIRST.replace("user: me,", "user: ghost,"))
    with pytest.raises(ConfigError) as raised:
        select(load_kubeconfig([str(path)]), context="dev", cluster=None, user=None)
    assert str(raised.value) == (
        f"kubeconfig {path}, line 11: context 'dev' names user 'ghost', which no kubeconfig defines"
    )


def test_an_empty_file_among_others_is_an_empty_kubeconfig(two_files, tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("")
    config = load_kubeconfig([str(empty), *two_files])
    assert set(config.contexts) == {"dev", "anonymous"}


def test_yaml_errors_name_line_and_column(tmp_path):
    path = tmp_path / "config"
    path.write_text("apiVersion: v1\nclusters:\n- name: x\n  cluster: {server: [}\n")
    with pytest.raises(ConfigError, match=r"config, line 4, column 22: not YAML: "):
        read_document(str(path))


def test_lines_are_remembered_for_mappings_and_sequences(tmp_path):
    path = tmp_path / "config"
    path.write_text(FIRST)
    document = read_document(str(path))
    assert document is not None
    assert document.line_of("contexts") == 9
    assert document["clusters"].line_of(0) == 4
    assert document["clusters"][0]["cluster"].line == 5


def test_a_certificate_file_without_a_certificate(tmp_path):
    path = tmp_path / "config"
    path.write_text(FIRST)
    (tmp_path / "ca.crt").write_text(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    expected = r"line 5: cluster 'shared': certificate-authority ca.crt holds no usable certificate"
    with pytest.raises(ConfigError, match=expected):
        select(load_kubeconfig([str(path)]), context="dev", cluster=None, user=None)
