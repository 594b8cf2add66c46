import os
import subprocess
from pathlib import Path

import pytest
import yaml

from kubectl_shm.manifests import yaml_composer
from kubectl_shm.manifests.pure_yaml_events import PurePythonEvents
from tests.unit.manifests.kubectl_reader import SKIP_VARIABLE, ensure_built

# Both YAML parsers: libyaml's (pip installs) and PyYAML's own (the release zipapp).
PARSERS = {"pure-python": PurePythonEvents}
if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser

    PARSERS["libyaml"] = CParser


@pytest.fixture(params=sorted(PARSERS))
def parser(request, monkeypatch):
    monkeypatch.setattr(yaml_composer, "event_parser", PARSERS[request.param])
    return request.param


@pytest.fixture(scope="session")
def kubectl_yaml() -> Path:
    """kubectl's reader, built once (see kubectl_reader.py); a failed build fails the test."""
    try:
        return ensure_built()
    except (OSError, subprocess.CalledProcessError) as error:
        output = getattr(error, "stderr", "") or ""
        message = (
            f"cannot build kubectl's reader (tests/unit/manifests/kubectl_yaml): {error}\n{output}"
        )
        if os.environ.get(SKIP_VARIABLE) == "skip":
            pytest.skip(message)
        pytest.fail(f"{message}\nSet {SKIP_VARIABLE}=skip to skip the tests that need it.")
