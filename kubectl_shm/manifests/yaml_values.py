"""A YAML document's nodes to the values kubectl reads: go-yaml v2 decoding into interface{}
(go.yaml.in/yaml/v2, decode.go), then sigs.k8s.io/yaml's conversion to JSON.

- Merge keys apply in the order written, each overwriting what came before it (so a key
  written before `<<` loses to the merged one); a list of maps merges last to first.
- Aliases share one value (nothing is copied). The work they would make is counted the way
  go-yaml counts it, which refuses a document whose aliases expand too far ("document
  contains excessive aliasing"): an alias bomb costs nothing here either.
- Keys become strings as sigs.k8s.io/yaml writes them (true, 420, 1e+06); null and uint64
  keys are refused. NaN and infinities are refused, as JSON cannot hold them.
"""

from __future__ import annotations

import math
from typing import Any

from kubectl_shm.manifests.errors import MAX_DEPTH, Problem
from kubectl_shm.manifests.nodes import Alias, Mapping, Node, Scalar, Sequence, is_merge_key
from kubectl_shm.manifests.yaml_scalars import ScalarError, map_key, scalar_value

# go-yaml v2.4 decode.go: up to 400,000 decodes 99% may come from aliases, scaling down to
# 10% at 4,000,000.
_RATIO_LOW, _RATIO_HIGH = 400_000, 4_000_000


def _allowed_alias_ratio(decodes: int) -> float:
    if decodes <= _RATIO_LOW:
        return 0.99
    if decodes >= _RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decodes - _RATIO_LOW) / (_RATIO_HIGH - _RATIO_LOW)


# A node's value, how many decodes go-yaml spends on it, and its depth once expanded.
_Decoded = tuple[Any, int, int]
_ALIAS_BOMB = "the YAML aliases expand too far (kubectl: document contains excessive aliasing)"


def document_value(root: Node) -> Any:
    """The value of a document's root node; Problem (at a node's offset) where kubectl refuses."""
    return _finite(_Decoder().decode(root)[0], root)


class _Decoder:
    def __init__(self) -> None:
        self.decodes = 1  # the document node
        self.alias_decodes = 0
        self.anchored: dict[int, _Decoded] = {}
        self.open: set[int] = set()  # anchored nodes being decoded: an alias to one is a loop
        self.plain: dict[str, Any] = {}  # plain scalars resolved so far (keys repeat a lot)

    def decode(self, node: Node) -> _Decoded:
        self.decodes += 1
        if self.alias_decodes > 100:
            self._check(node)
        kind = type(node)
        if kind is Alias:
            return self._alias(node)  # type: ignore[arg-type]
        if node.anchor is None:  # type: ignore[union-attr]
            return self._decode_node(node)  # type: ignore[arg-type]
        self.open.add(id(node))
        decoded = self._decode_node(node)  # type: ignore[arg-type]
        self.open.discard(id(node))
        self.anchored[id(node)] = decoded
        return decoded

    def _decode_node(self, node: Scalar | Sequence | Mapping) -> _Decoded:
        if type(node) is Scalar:
            if node.tag is None and node.style is None:
                value = self.plain.get(node.value, self)
                if value is self:
                    value = self.plain[node.value] = _scalar(node)
                return value, 1, 0
            return _scalar(node), 1, 0
        if type(node) is Sequence:
            values, cost, depth = [], 1, 0
            for item in node.items:
                value, item_cost, item_depth = self.decode(item)
                values.append(_finite(value, item))
                cost, depth = cost + item_cost, max(depth, item_depth)
            return values, cost, depth + 1
        return self._mapping(node)  # type: ignore[arg-type]

    def _alias(self, node: Alias) -> _Decoded:
        if id(node.target) in self.open:
            raise Problem(node.start, f"anchor '{node.name}' value contains itself")
        value, cost, depth = self.anchored[id(node.target)]
        # go-yaml counts every decode of the expansion; its ratio only grows along one, so
        # checking at the end finds what checking at every step would.
        self.decodes += cost
        self.alias_decodes += cost
        self._check(node)
        return value, 1 + cost, depth

    def _mapping(self, node: Mapping) -> _Decoded:
        result: dict[str, Any] = {}
        cost, depth = 1, 1
        for key, value in node.pairs:
            if is_merge_key(key):
                merge_cost, merge_depth = self._merge(value, result)
                cost, depth = cost + merge_cost, max(depth, merge_depth)
                continue
            key_value, key_cost, _ = self.decode(key)
            item, item_cost, item_depth = self.decode(value)
            result[_key(key, key_value)] = _finite(item, value)
            cost += key_cost + item_cost
            depth = max(depth, 1 + item_depth)
        if depth > MAX_DEPTH:
            raise Problem(node.start, f"nested deeper than {MAX_DEPTH} levels (through aliases)")
        return result, cost, depth

    def _merge(self, node: Node, into: dict[str, Any]) -> tuple[int, int]:
        """`<<: value` (decode.go, merge): a map, an alias to one, or a list of them."""
        sources = list(reversed(node.items)) if isinstance(node, Sequence) else [node]
        cost, depth = 0, 0
        for source in sources:
            target = source.target if isinstance(source, Alias) else source
            if not isinstance(target, Mapping):
                raise Problem(
                    source.start, "map merge requires map or sequence of maps as the value"
                )
            value, merged_cost, merged_depth = self.decode(source)
            into.update(value)
            cost, depth = cost + merged_cost, max(depth, merged_depth)
        return cost, depth

    def _check(self, node: Node) -> None:
        """go-yaml's limit on decodes that come from aliases (decode.go, unmarshal)."""
        if (
            self.alias_decodes > 100
            and self.decodes > 1000
            and self.alias_decodes / self.decodes > _allowed_alias_ratio(self.decodes)
        ):
            raise Problem(node.start, _ALIAS_BOMB)


def _scalar(node: Scalar) -> Any:
    try:
        return scalar_value(node)
    except ScalarError as error:
        raise Problem(node.start, str(error)) from None


def _finite(value: Any, node: Node) -> Any:
    """A value JSON can hold: kubectl's JSON encoding refuses NaN and infinities (keys may be)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise Problem(node.start, "JSON has no NaN or infinity, so kubectl cannot read this value")
    return value


def _key(node: Node, value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise Problem(node.start, "invalid map key: a mapping or list cannot be a key")
    try:
        return map_key(value)
    except ScalarError as error:
        raise Problem(node.start, str(error)) from None
