"""A large audit table: grouped on a terminal, every row with -o wide, in pipes and in JSON."""

import io
import json
import re

import pytest
import yaml

from kubectl_shm.cli.main import run
from kubectl_shm.render.terminal import Terminal


class TerminalScreen(io.StringIO):
    """Standard output that is a terminal (its size comes from COLUMNS and LINES)."""

    def isatty(self):
        return True


def deployment(namespace, name, image):
    template = {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
        {"name": "main", "image": image, "resources": {"limits": {"memory": "1Gi"}}}
    ]}}  # fmt: skip
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": template},
    }


@pytest.fixture
def manifests(tmp_path):
    """40 Deployments in 4 namespaces: per namespace 2 PyTorch ones without /dev/shm
    (an error each) and 8 web servers (clean)."""
    documents = []
    for n in range(4):
        for i in range(10):
            image = "pytorch/pytorch:2.4" if i < 2 else "nginx:1.27"
            documents.append(deployment(f"team-{n}", f"app-{i}", image))
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    return str(path)


def audit(*args, screen=False):
    """Exit status and stdout, without the styles a terminal gets."""
    stdout = TerminalScreen() if screen else io.StringIO()
    terminal = Terminal(stdout=stdout, stderr=io.StringIO(), stdin=io.StringIO())
    status = run(["audit", *args], terminal)
    return status, re.sub(r"\x1b\[[0-9;]*m", "", stdout.getvalue())


@pytest.fixture
def screen_of(monkeypatch):
    def size(columns, lines):
        monkeypatch.setenv("COLUMNS", str(columns))
        monkeypatch.setenv("LINES", str(lines))

    return size


def rows(text):
    """The table's rows (up to the blank line before the findings)."""
    return text.split("\n\n")[0].splitlines()[1:]


def test_on_a_terminal_longer_than_the_screen_clean_workloads_are_counted_per_namespace(
    manifests, screen_of
):
    screen_of(200, 30)
    status, out = audit("-f", manifests, screen=True)
    assert status == 1
    table = [line for line in rows(out) if line.strip()]
    plain = [" ".join(line.split()) for line in table]
    expected = []
    for n in range(4):
        expected += [f"team-{n} deployment/app-{i} main default - 64Mi runtime" for i in (0, 1)]
        expected.append(f"team-{n} 8 workloads without findings -")
    assert [
        " ".join(p.replace("\x1b[1;31m", "").replace("\x1b[0m", "").split()) for p in plain
    ] == [*(e if "without" in e else f"{e} error" for e in expected)]
    assert (
        "40 workloads: 8 error, 0 warning, 0 info; 32 without findings counted per namespace" in out
    )
    assert "(-o wide lists them)" in out


def test_a_terminal_tall_enough_shows_every_row(manifests, screen_of):
    screen_of(200, 100)
    _, out = audit("-f", manifests, screen=True)
    assert len(rows(out)) == 40
    assert "without findings" not in out


@pytest.mark.parametrize(
    ("args", "screen"),
    [(("-o", "wide"), True), ((), False), (("-o", "wide"), False)],
    ids=["wide on a terminal", "a pipe", "wide in a pipe"],
)
def test_wide_and_pipes_show_every_row(manifests, screen_of, args, screen):
    screen_of(200, 30)
    _, out = audit("-f", manifests, *args, screen=screen)
    assert len(rows(out)) == 40
    assert "without findings" not in out
    assert "40 workloads: 8 error, 0 warning, 0 info\n" in out


def test_json_keeps_every_workload_on_a_terminal(manifests, screen_of):
    screen_of(200, 30)
    _, out = audit("-f", manifests, "-o", "json", screen=True)
    assert len(json.loads(out)["workloads"]) == 40
