"""Every module of the package imports: a name moved elsewhere fails here, not in a user's hands
(mypy's ignore_missing_imports, needed for untyped libraries, would let it pass)."""

import importlib
import pkgutil

import pytest

import kubectl_shm

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(kubectl_shm.__path__, prefix="kubectl_shm.")
    if info.name != "kubectl_shm.__main__"  # it runs the program
)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name):
    importlib.import_module(name)
