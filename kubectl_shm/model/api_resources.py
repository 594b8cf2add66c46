"""Resolve a resource word the way kubectl does, against what API discovery listed.

kubectl accepts a resource's plural, singular, short names and kind, any of
them optionally followed by `.GROUP` or `.VERSION.GROUP` (`rayclusters.ray.io`,
`raycluster.v1.ray.io`); k8s.io/cli-runtime pkg/resource/builder.go
(mappingFor) and k8s.io/client-go restmapper (shortcut.go expands short names,
discovery.go matches plural, singular and kind, case-insensitively). Where
several groups serve the word, the first in discovery order wins, as with
kubectl's PriorityRESTMapper: the core group, then the groups in the order
the server lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ApiResource:
    """One resource of one group version, with the names kubectl accepts for it."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    short_names: tuple[str, ...]
    namespaced: bool
    verbs: tuple[str, ...]
    # Its group version is the group's preferred one.
    preferred: bool = True

    def names(self) -> set[str]:
        names = {self.plural, self.singular, self.kind.lower(), *self.short_names}
        return {name.lower() for name in names if name}

    @property
    def qualified(self) -> str:
        """`rayclusters.ray.io`, as kubectl names it in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def find_resource(word: str, resources: Sequence[ApiResource]) -> ApiResource | None:
    """The resource `word` names, preferred versions first; None when none does."""
    word = word.strip().lower()
    ordered = sorted(resources, key=lambda r: not r.preferred)  # stable: discovery order kept
    for resource in ordered:
        if word in resource.names():
            return resource
    name, _, rest = word.partition(".")
    if not rest:
        return None
    version, _, group = rest.partition(".")
    for resource in ordered:
        if name not in resource.names():
            continue
        if resource.group == rest or (resource.version == version and resource.group == group):
            return resource
    return None
