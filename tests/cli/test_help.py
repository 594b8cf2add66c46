import pytest

COMMANDS = ["audit"]


def test_top_level_help_lists_commands(shm):
    result = shm("--help")
    assert result.status == 0
    assert "audit" in result.stdout
    assert "Exit codes" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(shm, command):
    result = shm(command, "--help")
    assert result.status == 0
    assert "Examples:" in result.stdout
    assert f"kubectl shm {command}" in result.stdout


def test_unknown_command_exits_2(shm):
    result = shm("frobnicate")
    assert result.status == 2
    assert result.stderr.startswith("error: ")
