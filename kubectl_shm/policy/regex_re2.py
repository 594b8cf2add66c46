"""The catalogue's Python regexes as RE2, the dialect of CEL's `matches()`.

RE2 has no lookaround (github.com/google/re2/wiki/Syntax: "(?=re) ... NOT SUPPORTED"),
and the catalogue uses three shapes of it, each rewritten into an equivalent test:
- a word boundary `(?<![a-z0-9])` / `(?![a-z0-9])` becomes `(^|[^a-z0-9])` /
  `([^a-z0-9]|$)`: for a search (is there a match anywhere) consuming the neighbour
  character instead of looking at it finds a match exactly when the original does;
- a negative lookahead `(?!N)` right after an anchored literal prefix P (`^P(?!N)S`, or
  P(?!N)S matched whole) becomes two tests: the value matches `^P S` and not `^P N`.
Anything else is refused (UntranslatableRegex), so a new catalogue entry that RE2 cannot
express fails the unit tests instead of silently matching something else.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_BEFORE_WORD = "(?<![a-z0-9])"
_AFTER_WORD = "(?![a-z0-9])"
_LOOKAROUND = re.compile(r"\(\?<?[=!]")


class UntranslatableRegex(ValueError):
    """A catalogue regex that RE2 cannot express the same way."""


class Re2Test(NamedTuple):
    """A value passes when it matches `pattern` and, if set, does not match `unless`."""

    pattern: str
    unless: str | None = None


def re2_test(pattern: str, *, whole: bool = False) -> Re2Test:
    """The RE2 test equivalent to `re.search(pattern)` (or `re.fullmatch` when `whole`),
    case-insensitive like the catalogue (re.I)."""
    body = pattern.replace(_BEFORE_WORD, "(^|[^a-z0-9])").replace(_AFTER_WORD, "([^a-z0-9]|$)")
    if whole:
        body = f"^(?:{body})$" if "(?!" not in body else f"^{body}$"
    start = body.find("(?!")
    if start < 0:
        return _checked(Re2Test(f"(?i){body}"))
    prefix = body[:start]
    end = _group_end(body, start)
    lookahead, suffix = body[start + 3 : end], body[end + 1 :]
    if not prefix.startswith("^") or not _is_literal(prefix[1:]):
        raise UntranslatableRegex(f"{pattern!r}: a lookahead after a pattern that is not a literal")
    return _checked(Re2Test(f"(?i){prefix}{suffix}", f"(?i){prefix}{lookahead}"))


def _group_end(text: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index
        index += 1
    raise UntranslatableRegex(f"{text!r}: unbalanced parentheses")


def _is_literal(text: str) -> bool:
    return re.fullmatch(r"(?:\\.|[A-Za-z0-9_/-])*", text) is not None


def _checked(test: Re2Test) -> Re2Test:
    for part in (test.pattern, test.unless):
        if part is not None and _LOOKAROUND.search(part):
            raise UntranslatableRegex(f"{part!r}: lookaround left, which RE2 does not have")
        if part is not None and "'" in part:
            raise UntranslatableRegex(f"{part!r}: a quote, which the CEL raw string cannot hold")
    return test
