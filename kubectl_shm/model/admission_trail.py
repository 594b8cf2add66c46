"""What an object's metadata says about who set the sizeLimit of a volume: its author, or a
policy.

- Kyverno records its mutations in the annotation `policies.kyverno.io/last-applied-patches`,
  one line per rule, `<rule>.<policy>.kyverno.io: <op in past tense> <JSON pointer>`
  (kyverno/kyverno, package utils, annotationFromEngineResponses).
- The API server updates managedFields before mutating admission runs (k8s.io/apiserver
  v0.37.2 pkg/endpoints/handlers/create.go: FieldManager.UpdateNoErrors, then
  mutatingAdmission.Admit; update.go and patch.go the same), so a field that a mutating
  webhook (Kyverno's included) or MutatingAdmissionPolicy adds is owned by no field
  manager (observed on the v1.37.2 test cluster: the sizeLimit a MutatingAdmissionPolicy
  adds is in no entry), unless a later request from a client sets it again. A policy
  engine that writes the object itself (Kyverno's background mutation) owns it under its
  own manager name.
An object without managedFields tells nothing: then there is no answer (None).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import mapping, mappings_in

KYVERNO_PATCHES = "policies.kyverno.io/last-applied-patches"
POLICY_ENGINES = ("kyverno", "gatekeeper", "kubewarden", "policy-controller", "jspolicy")
_KYVERNO_LINE = re.compile(r"^\s*(?P<key>[^:\s]+):\s*(?P<op>\w+)\s+(?P<path>\S+)\s*$")


class SizeLimitOrigin(NamedTuple):
    """Who set a sizeLimit; `named` when a policy is named (not only 'mutating admission')."""

    who: str
    named: bool


def is_policy_engine(manager: str) -> bool:
    return any(engine in manager.lower() for engine in POLICY_ENGINES)


def size_limit_origin(
    metadata: Mapping[str, Any], volume: str, volume_index: int | None = None
) -> SizeLimitOrigin | None:
    """Who, other than the object's author, set the sizeLimit of emptyDir `volume` (at
    `volume_index` in the pod spec's volumes, None when unknown); None when nothing says a
    policy did."""
    entries = mappings_in(metadata.get("managedFields"))
    if not entries:
        return None
    engine = engine_owner(metadata, volume)
    if engine is not None:
        return SizeLimitOrigin(engine, named=True)
    if any(_owns(entry, volume) for entry in entries):
        return None  # a client set it
    kyverno = kyverno_patch(metadata, volume_index)
    if kyverno is not None:
        return SizeLimitOrigin(kyverno, named=True)
    return SizeLimitOrigin(
        "mutating admission (a MutatingAdmissionPolicy or webhook): no field manager owns "
        "it, and the API server records field managers before mutating admission",
        named=False,
    )


def engine_owner(metadata: Mapping[str, Any], volume: str) -> str | None:
    """A policy engine's managedFields entry that owns the volume's sizeLimit, described."""
    engines = [
        str(entry.get("manager"))
        for entry in mappings_in(metadata.get("managedFields"))
        if is_policy_engine(str(entry.get("manager") or "")) and _owns(entry, volume)
    ]
    if not engines:
        return None
    return f"the policy engine {', '.join(dict.fromkeys(engines))} (its managedFields entry)"


def kyverno_patch(metadata: Mapping[str, Any], volume_index: int | None) -> str | None:
    """The Kyverno policy whose recorded patch set the sizeLimit of the volume at
    `volume_index` (None: of any volume), described."""
    text = mapping(metadata.get("annotations")).get(KYVERNO_PATCHES)
    if not isinstance(text, str):
        return None
    index = r"\d+" if volume_index is None else str(volume_index)
    for line in text.splitlines():
        found = _KYVERNO_LINE.match(line)
        if found is None or "containers" in found["path"]:
            continue
        if re.search(rf"/volumes(/{index}(/emptyDir(/sizeLimit)?)?)?$", found["path"]):
            rule, _, rest = found["key"].partition(".")
            policy = rest.removesuffix(".kyverno.io")
            return f"Kyverno policy {policy!r} (rule {rule!r}: {found['op']} {found['path']})"
    return None


def _owns(entry: Mapping[str, Any], volume: str) -> bool:
    """The managedFields entry owns `f:sizeLimit` of the emptyDir of volume `volume`.

    Walked with a stack, and past the empty objects that are most of a fieldsV1 tree (a
    field owned, nothing under it): a live audit asks this of every bare pod with a sized
    memory volume (DESIGN section 8)."""
    pending = [entry.get("fieldsV1")]
    while pending:
        fields = pending.pop()
        if not isinstance(fields, Mapping):
            continue
        for key, child in fields.items():
            if not child:
                continue
            if key == "f:volumes" and isinstance(child, Mapping):
                if _owns_size_limit_in(child, volume):
                    return True
            else:
                pending.append(child)
    return False


def _owns_size_limit_in(volumes: Mapping[str, Any], volume: str) -> bool:
    for item, owned in volumes.items():
        if _names_volume(item, volume) and isinstance(owned, Mapping):
            empty_dir = owned.get("f:emptyDir")
            if isinstance(empty_dir, Mapping) and "f:sizeLimit" in empty_dir:
                return True
    return False


def _names_volume(key: str, volume: str) -> bool:
    return _keyed_name(key) == volume


@lru_cache(maxsize=1024)
def _keyed_name(key: str) -> str | None:
    """The volume a list item key `k:{"name":"..."}` names; None for any other key. Pods of
    one client have the same keys: each is parsed once."""
    if not key.startswith("k:"):
        return None
    try:
        item = json.loads(key[2:])
    except ValueError:
        return None
    if isinstance(item, dict) and len(item) == 1 and isinstance(item.get("name"), str):
        return str(item["name"])
    return None
