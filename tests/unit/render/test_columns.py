"""Every size basis and /dev/shm source has a table label (a missing one was a KeyError)."""

import pytest

from kubectl_shm.model.sizing import Basis, ShmSource
from kubectl_shm.render.columns import BASIS_LABELS, SOURCE_LABELS


@pytest.mark.parametrize("basis", list(Basis))
def test_every_basis_has_a_label(basis):
    assert BASIS_LABELS[basis]


@pytest.mark.parametrize("source", list(ShmSource))
def test_every_source_has_a_label(source):
    assert SOURCE_LABELS[source]
