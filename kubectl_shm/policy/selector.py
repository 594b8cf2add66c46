"""A label selector as kubectl spells it (-l) turned into a LabelSelector object.

The grammar of k8s.io/apimachinery v0.37.2 pkg/labels/selector.go (Parse), for what a
LabelSelector can hold: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`.
"""

from __future__ import annotations

import re
from typing import Any

_TERM = re.compile(
    r"\s*(?:(?P<not>!)\s*(?P<absent>[^\s=!,()]+)"
    r"|(?P<key>[^\s=!,()]+)\s*(?:(?P<op>==|=|!=)\s*(?P<value>[^\s=!,()]*)"
    r"|\s+(?P<set>in|notin)\s*\((?P<values>[^()]*)\))?)\s*(?:,|$)"
)


class SelectorError(ValueError):
    pass


def label_selector(text: str) -> dict[str, Any]:
    """{'matchLabels': ..., 'matchExpressions': ...} for `text`; SelectorError when it is
    not a selector."""
    labels: dict[str, str] = {}
    expressions: list[dict[str, Any]] = []
    position = 0
    text = text.strip()
    if not text:
        raise SelectorError("empty selector")
    while position < len(text):
        found = _TERM.match(text, position)
        if found is None or found.end() == position:
            raise SelectorError(f"cannot read {text[position:]!r} as a label selector term")
        position = found.end()
        if found["absent"]:
            expressions.append({"key": found["absent"], "operator": "DoesNotExist"})
        elif found["op"] in ("=", "=="):
            labels[found["key"]] = found["value"]
        elif found["op"] == "!=":
            expressions.append(
                {"key": found["key"], "operator": "NotIn", "values": [found["value"]]}
            )
        elif found["set"]:
            values = [value.strip() for value in found["values"].split(",") if value.strip()]
            operator = "In" if found["set"] == "in" else "NotIn"
            expressions.append({"key": found["key"], "operator": operator, "values": values})
        else:
            expressions.append({"key": found["key"], "operator": "Exists"})
    selector: dict[str, Any] = {}
    if labels:
        selector["matchLabels"] = labels
    if expressions:
        selector["matchExpressions"] = expressions
    return selector
