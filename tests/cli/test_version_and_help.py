"""`kubectl shm version`, and help with examples for every command of the group."""

import json
import platform
import subprocess
import sys

import pytest
import yaml

from kubectl_shm import __version__
from kubectl_shm.cli.main import LazyGroup


def test_version_text_names_client_and_python(shm):
    result = shm("version")
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Client Version: v{__version__}"
    assert lines[1].startswith(f"Python Version: {platform.python_version()} (")
    assert any(line.startswith("kubernetes: ") for line in lines)
    assert result.stderr == ""


def test_version_json_is_a_parseable_document(shm):
    result = shm("version", "-o", "json")
    assert result.status == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmVersion"
    assert document["clientVersion"] == f"v{__version__}"
    assert document["python"]["version"] == platform.python_version()
    assert set(document["libraries"]) == {"kubernetes", "click", "rich", "PyYAML", "msgspec"}
    assert all(isinstance(value, str) for value in document["libraries"].values())


def test_version_yaml_matches_json(shm):
    as_yaml = yaml.safe_load(shm("version", "-o", "yaml").stdout)
    as_json = json.loads(shm("version", "-o", "json").stdout)
    assert as_yaml == as_json


def test_version_rejects_unknown_output_format(shm):
    result = shm("version", "-o", "wide")
    assert result.status == 2
    assert "wide" in result.stderr


def test_version_flag_of_the_group(shm):
    result = shm("--version")
    assert result.status == 0
    assert result.stdout.strip() == f"kubectl shm {__version__}"


@pytest.mark.parametrize("command", sorted(LazyGroup._commands))
def test_every_command_has_help_with_examples(shm, command):
    """Each command's --help has an Examples block whose lines run that command."""
    result = shm(command, "--help")
    assert result.status == 0, result.stderr
    assert result.stdout.startswith(f"Usage: kubectl shm {command} ")
    _, found, examples = result.stdout.partition("\nExamples:\n")
    if not found:  # click indents the docstring's paragraphs
        _, found, examples = result.stdout.partition("  Examples:\n")
    assert found, f"`kubectl shm {command} --help` has no Examples block"
    lines = [line.strip() for line in examples.split("\n\n")[0].splitlines() if line.strip()]
    assert lines, "the Examples block is empty"
    assert all(f"kubectl shm {command}" in line for line in lines), lines


@pytest.mark.parametrize("command", sorted(LazyGroup._commands))
def test_every_command_is_listed_by_the_group_help(shm, command):
    assert f"  {command} " in shm("--help").stdout


@pytest.mark.parametrize(
    "args",
    [("--help",), ("version",), ("version", "-o", "json"), ("audit", "--help")],
)
def test_fast_paths_import_neither_the_kubernetes_client_nor_rich(args):
    """Start-up stays fast: these paths never load the heavy libraries."""
    code = (
        "import io, sys\n"
        "from kubectl_shm.cli.main import run\n"
        "from kubectl_shm.render.terminal import Terminal\n"
        f"run({list(args)!r}, Terminal(stdout=io.StringIO(), stderr=io.StringIO()))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'kubernetes', 'rich'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_completion_of_commands_and_flags_imports_no_kubernetes_client():
    code = (
        "import sys\n"
        "from kubectl_shm.cli.completion import complete\n"
        "complete(['audit', '-o', '']); complete(['']); complete(['version', '--'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'kubernetes', 'rich'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
