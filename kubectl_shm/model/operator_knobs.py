"""What an operator or chart gives for /dev/shm instead of a live edit: `operator_knobs.json`.

An object that an operator's resource controls is rewritten from that resource on
the next reconcile, so `set` names the knob to change there. Operators are known by
the group and kind of the controller ownerReference; charts (which set no owner) by
labels their templates put on every object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple


class Knob(NamedTuple):
    """One documented setting, with where it was read."""

    id: str
    knob: str
    source: str


def operator_knob(api_version: str, kind: str) -> Knob | None:
    """The knob of the operator whose resource is `api_version` `kind`, if known."""
    group = api_version.rpartition("/")[0]
    return _operators().get((group, kind))


def chart_knob(labels: Mapping[str, Any]) -> Knob | None:
    """The knob of a known chart whose labels `labels` carries, if any."""
    for keys, knob in _charts():
        if all(key in labels for key in keys):
            return knob
    return None


@cache
def _catalogue() -> dict[str, Any]:
    from importlib.resources import files

    data: dict[str, Any] = json.loads(
        files(__package__).joinpath("operator_knobs.json").read_text("utf-8")
    )
    return data


@cache
def _operators() -> dict[tuple[str, str], Knob]:
    return {
        (entry["group"], entry["kind"]): Knob(entry["id"], entry["knob"], entry["source"])
        for entry in _catalogue()["operators"]
    }


@cache
def _charts() -> tuple[tuple[tuple[str, ...], Knob], ...]:
    return tuple(
        (tuple(entry["labels"]), Knob(entry["id"], entry["knob"], entry["source"]))
        for entry in _catalogue()["charts"]
    )
