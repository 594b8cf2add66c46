import os
import subprocess
from pathlib import Path

import pytest

from tests.unit.manifests.kubectl_reader import SKIP_VARIABLE, ensure_built


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
