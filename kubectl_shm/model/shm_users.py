"""Who needs more /dev/shm than a runtime's 64Mi: the signals of `shm_users.json`.

The catalogue is data, one entry per signal, each with what it means, the rule it feeds
and its source; audit and diagnose read it here, and the other readers (the admission
policy export) are to read the same file, so they cannot disagree. A signal matches a
container by:
- `image`: a regex searched in the image's repository path (no registry, tag or digest),
  lowercased;
- `command`: a regex searched in its command and args joined by spaces;
- `env`: a regex matched against each environment variable's name;
- `resource`: a regex searched in each resource name of its limits and requests;
and `unless` (a regex on command and args) cancels it, e.g. a postgres image run as psql.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import mapping

AI_WORKLOAD = "default-shm-ai-workload"
KNOWN_WORKLOAD = "default-shm-known-workload"
WORKAROUND = "shm-workaround"
_MATCHED_BY = ("image", "command", "env", "resource")


class Signal(NamedTuple):
    """One entry of the catalogue."""

    id: str
    family: str
    rule: str
    matched_by: str  # image, command, env or resource
    pattern: re.Pattern[str]
    meaning: str
    source: str
    unless: re.Pattern[str] | None = None


class Match(NamedTuple):
    """A signal that fired, and what in the container fired it (for the message)."""

    signal: Signal
    found: str

    def describe(self) -> str:
        """'requests nvidia.com/gpu', 'runs vllm (vllm/vllm-openai:v0.9)', ..."""
        how = {
            "image": f"runs {self.found}",
            "command": f"runs {self.found!r}",
            "env": f"sets {self.found}",
            "resource": f"requests {self.found}",
        }
        return how[self.signal.matched_by]


def matches(container: Mapping[str, Any]) -> list[Match]:
    """Every catalogue signal the container shows, in catalogue order."""
    image = container.get("image")
    return list(
        _matches(
            image if isinstance(image, str) else None,
            _command_words(container),
            tuple(_env_names(container)),
            tuple(_resource_names(container)),
        )
    )


class _Shown(NamedTuple):
    """What of a container the signals look at."""

    image: str | None
    words: str
    env_names: tuple[str, ...]
    resource_names: tuple[str, ...]


# The containers of one template, and of most pods of a cluster, look alike: each look
# is made once (a cluster-wide audit asks for thousands).
@lru_cache(maxsize=4096)
def _matches(
    image: str | None, words: str, env_names: tuple[str, ...], resource_names: tuple[str, ...]
) -> tuple[Match, ...]:
    shown = _Shown(image, words, env_names, resource_names)
    found = []
    for signal in catalogue():
        if signal.unless is not None and signal.unless.search(words):
            continue
        hit = _match(signal, shown)
        if hit is not None:
            found.append(Match(signal, hit))
    return tuple(found)


def image_repository(image: str) -> str:
    """'nvcr.io/nvidia/pytorch:24.01-py3' -> 'nvidia/pytorch': no registry, tag or digest."""
    parts = image.split("@", 1)[0].split("/")
    parts[-1] = parts[-1].split(":", 1)[0]
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return "/".join(parts)


@cache
def catalogue() -> tuple[Signal, ...]:
    """The signals of shm_users.json, compiled once."""
    import json
    from importlib.resources import files

    entries = json.loads(files(__package__).joinpath("shm_users.json").read_text("utf-8"))
    return tuple(_signal(entry) for entry in entries["signals"])


def _signal(entry: Mapping[str, Any]) -> Signal:
    [matched_by] = [key for key in _MATCHED_BY if key in entry]
    unless = entry.get("unless")
    return Signal(
        id=entry["id"],
        family=entry["family"],
        rule=entry["rule"],
        matched_by=matched_by,
        pattern=re.compile(entry[matched_by], re.I),
        meaning=entry["meaning"],
        source=entry["source"],
        unless=re.compile(unless, re.I) if unless else None,
    )


def _match(signal: Signal, shown: _Shown) -> str | None:
    if signal.matched_by == "image":
        if shown.image is None:
            return None
        hit = signal.pattern.search(image_repository(shown.image).lower())
        return f"{hit.group(0).strip('/')} ({shown.image})" if hit else None
    if signal.matched_by == "command":
        hit = signal.pattern.search(shown.words)
        return hit.group(0).strip() if hit else None
    if signal.matched_by == "env":
        return next((n for n in shown.env_names if signal.pattern.fullmatch(n)), None)
    return next((r for r in shown.resource_names if signal.pattern.search(r)), None)


def _command_words(container: Mapping[str, Any]) -> str:
    words: list[str] = []
    for key in ("command", "args"):
        value = container.get(key)
        if isinstance(value, list):
            words.extend(word for word in value if isinstance(word, str))
    return " ".join(words)


def _env_names(container: Mapping[str, Any]) -> Sequence[str]:
    env = container.get("env")
    if not isinstance(env, list):
        return []
    return [str(item["name"]) for item in env if isinstance(item, Mapping) and "name" in item]


def _resource_names(container: Mapping[str, Any]) -> list[str]:
    resources = mapping(container.get("resources"))
    names: list[str] = []
    for section in ("limits", "requests"):
        names.extend(str(name) for name in mapping(resources.get(section)))
    return names
