"""CEL that tells whether a container shows an AI signal of the catalogue (model/shm_users.json).

The same entries audit reads, generated into CEL here, so the policy and the audit
cannot disagree on what an AI workload is. Each signal becomes a test on what it
matches in the container, as model.shm_users reads it:
- `resource`: searched in each resource name of the limits and requests;
- `image`: searched in the image's repository path (no registry, tag or digest),
  lowercased, the path computed in CEL as shm_users.image_repository does;
- `command`: searched in command and args joined by spaces;
- `env`: matched against each environment variable's name, whole.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubectl_shm.model.shm_users import AI_WORKLOAD, Signal, catalogue
from kubectl_shm.policy.regex_re2 import Re2Test, re2_test

# image_repository in CEL: drop the digest, then the tag (the last ':' after the last '/':
# RE2 is leftmost-first and greedy, so `([^/]*/)*` takes every path component but the
# last), then a first component that names a registry.
_REPOSITORY = (
    "[{image}.split('@')[0]].exists(a, [a.find(r'^([^/]*/)*[^/:]*')].exists(b, "
    "[b.matches(r'^([^/]*[.:][^/]*|localhost)/') ? b.substring(b.indexOf('/') + 1) : b]"
    ".exists(r, {test})))"
)


def ai_signal(container: str) -> str:
    """A CEL condition: the container `container` shows an AI signal of the catalogue."""
    tests = [_signal_test(signal, container) for signal in ai_signals()]
    return "(" + " || ".join(tests) + ")"


def ai_signals() -> tuple[Signal, ...]:
    return tuple(signal for signal in catalogue() if signal.rule == AI_WORKLOAD)


def _signal_test(signal: Signal, c: str) -> str:
    source = signal.pattern.pattern
    if signal.matched_by == "env":
        test = _cel_test("e.name", re2_test(source, whole=True))
        found = f"(has({c}.env) && {c}.env.exists(e, {test}))"
    elif signal.matched_by == "resource":
        test = _cel_test("n", re2_test(source))
        found = "(" + " || ".join(_resource_names(c, test)) + ")"
    elif signal.matched_by == "image":
        test = _cel_test("r.lowerAscii()", re2_test(source))
        found = f"(has({c}.image) && {_REPOSITORY.format(image=f'{c}.image', test=test)})"
    else:
        found = f"[{command_words(c)}].exists(w, {_cel_test('w', re2_test(source))})"
    if signal.unless is not None:
        unless = _cel_test(command_words(c), re2_test(signal.unless.pattern))
        found = f"({found} && !({unless}))"
    return found


def command_words(c: str) -> str:
    """The container's command and args joined by spaces, as the catalogue searches them."""
    return f"((has({c}.command) ? {c}.command : []) + (has({c}.args) ? {c}.args : [])).join(' ')"


def _resource_names(c: str, test: str) -> Iterable[str]:
    for section in ("limits", "requests"):
        yield (
            f"(has({c}.resources) && has({c}.resources.{section}) && "
            f"{c}.resources.{section}.exists(n, {test}))"
        )


def _cel_test(value: str, test: Re2Test) -> str:
    found = f"{value}.matches(r'{test.pattern}')"
    if test.unless is None:
        return found
    return f"({found} && !{value}.matches(r'{test.unless}'))"
