"""Shell completion through kubectl: the `kubectl_complete-shm` executable.

kubectl (>= 1.26) completes `kubectl shm <TAB>` by running `kubectl_complete-shm`
from PATH with the words after `kubectl shm`, the last one being the word to
complete ("" for a new word). It shows the lines printed on stdout as candidates
("value<TAB>description"), and reads a last line `:<n>` as the Cobra shell
directive (kubectl pkg/cmd/plugin/plugin_completion.go, getPluginCompletions).

Click works out which command, option or argument the word belongs to; this
module then offers subcommands, flags, choices, kubeconfig contexts, clusters
and users, files for -f and --kubeconfig, and from the live cluster namespaces
and TYPE/NAME targets of `set`, `inspect` and `diagnose`. Anything going wrong, an
unreachable cluster included, gives no candidates: nothing is ever printed on
stderr, which kubectl passes to the terminal.

kubectl waits for the candidates while the user waits at the prompt, so every
live lookup of one completion, credential plugin included, shares one budget:
they end COMPLETION_BUDGET seconds after the program started (--request-timeout,
typed on the line, can only shorten it), and the answer is printed without them
shortly after, whatever the cluster, the network or the plugin do.
"""

from __future__ import annotations

import gc
import io
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr
from dataclasses import dataclass
from typing import Any, NoReturn

import click
from click.shell_completion import CompletionItem

from kubectl_shm.cli.library_output import LibraryOutput
from kubectl_shm.cli.main import CONTEXT_SETTINGS, PROG_NAME, LazyGroup, cli
from kubectl_shm.cli.options import parse_request_timeout
from kubectl_shm.kube.connection import ConnectionOptions

# Cobra's ShellCompDirective bits (spf13/cobra completions.go).
DEFAULT = 0  # let the shell complete file names
ERROR = 1
NO_SPACE = 2
NO_FILE_COMP = 4
FILTER_FILE_EXT = 8  # the candidates are file extensions to complete files with
FILTER_DIRS = 16
# All live lookups of one completion end this long after the process started (a
# busy machine can slow the start itself); the rest of the 5 s a completion may
# take is for a lookup to notice, for printing and for exiting.
COMPLETION_BUDGET = 3.0
# A lookup still busy this long after the budget (an import on a loaded machine)
# is left behind: the answer is printed without it.
LOOKUP_GRACE = 0.5
MANIFEST_EXTENSIONS = ("yaml", "yml", "json")


@dataclass(frozen=True)
class TargetKind:
    """A resource `set`, `inspect` or `diagnose` can be pointed at, with kubectl's words."""

    name: str  # singular, as offered: deployment/
    short: str
    group: str
    version: str
    plural: str

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, self.short, self.plural)


_WORKLOADS = (
    TargetKind("deployment", "deploy", "apps", "v1", "deployments"),
    TargetKind("statefulset", "sts", "apps", "v1", "statefulsets"),
    TargetKind("daemonset", "ds", "apps", "v1", "daemonsets"),
    TargetKind("replicaset", "rs", "apps", "v1", "replicasets"),
    TargetKind("replicationcontroller", "rc", "", "v1", "replicationcontrollers"),
    TargetKind("cronjob", "cj", "batch", "v1", "cronjobs"),
)
_JOB = TargetKind("job", "job", "batch", "v1", "jobs")
POD = TargetKind("pod", "po", "", "v1", "pods")
# Which commands take TYPE/NAME targets, and of which kinds (DESIGN section 4).
TARGET_KINDS: dict[str, tuple[TargetKind, ...]] = {
    "set": _WORKLOADS,
    "inspect": (POD, *_WORKLOADS, _JOB),
    "diagnose": (POD, *_WORKLOADS, _JOB),
}
# Commands whose bare NAME is a pod (`inspect NAME`, `diagnose NAME`).
BARE_POD_NAMES = frozenset({"inspect", "diagnose"})

Names = Callable[[ConnectionOptions, TargetKind | None], list[str]]


def main() -> NoReturn:
    """`kubectl_complete-shm WORD... INCOMPLETE`: candidates, then `:<directive>`."""
    not_after = time.monotonic() - _process_age() + COMPLETION_BUDGET
    answers: list[tuple[list[str], int]] = []
    lookup = threading.Thread(
        target=lambda: answers.append(complete(sys.argv[1:], not_after=not_after)), daemon=True
    )
    # Whatever a library might print, kubectl would show it at the prompt.
    with redirect_stderr(io.StringIO()) as swallowed, LibraryOutput(swallowed) as library:
        library.capture_logging()
        lookup.start()
        lookup.join(max(not_after + LOOKUP_GRACE - time.monotonic(), 0.0))
    candidates, directive = answers[0] if answers else ([], ERROR)
    sys.stdout.write("".join(f"{line}\n" for line in candidates) + f":{directive}\n")
    sys.stdout.flush()
    if lookup.is_alive():
        os._exit(0)  # do not wait for the lookup at exit: it is past its deadline
    gc.freeze()  # as cli.main: shutdown need not walk every object the client made
    sys.exit(0)


def complete(
    words: Sequence[str], names: Names | None = None, *, not_after: float | None = None
) -> tuple[list[str], int]:
    """Candidates and the Cobra directive for the last of `words` (the words after
    `kubectl shm`). `names` lists namespaces (kind None) or objects; default: the cluster's.
    Live lookups end by `not_after` (time.monotonic()), COMPLETION_BUDGET from now by default.
    """
    args, incomplete = list(words[:-1]), words[-1] if words else ""
    budget_end = time.monotonic() + COMPLETION_BUDGET if not_after is None else not_after
    try:
        return _Completer(names or live_names, budget_end).complete(args, incomplete)
    except Exception:  # completion never fails loudly
        return [], ERROR


def _process_age() -> float:
    """Seconds since this process started (Linux /proc), else 0."""
    try:
        with open("/proc/self/stat", "rb") as file:
            fields = file.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
        return max(time.clock_gettime(time.CLOCK_BOOTTIME) - started, 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def live_names(connection: ConnectionOptions, kind: TargetKind | None) -> list[str]:
    """Namespaces (kind None) or objects of `kind` in the connection's namespace;
    [] when the cluster cannot be reached or refuses."""
    from kubectl_shm.errors import ClusterError
    from kubectl_shm.kube import names
    from kubectl_shm.kube.client import connect

    try:
        kube = connect(connection)
        try:
            if kind is None:
                return names.namespace_names(kube)
            return names.object_names(
                kube,
                group=kind.group,
                version=kind.version,
                plural=kind.plural,
                namespace=kube.namespace,
            )
        finally:
            kube.close()
    except ClusterError:
        return []


class _Completer:
    def __init__(self, names: Names, not_after: float) -> None:
        self.names = names
        self.not_after = not_after

    def complete(self, args: list[str], incomplete: str) -> tuple[list[str], int]:
        from click.shell_completion import _resolve_context, _resolve_incomplete

        # Click's own resolution, as click.shell_completion.ShellComplete.get_completions.
        ctx = _resolve_context(cli, {"obj": None, **CONTEXT_SETTINGS}, PROG_NAME, args)
        target, incomplete = _resolve_incomplete(ctx, args, incomplete)
        if isinstance(target, click.Group) and not incomplete.startswith("-"):
            return _subcommands(incomplete), NO_FILE_COMP
        if isinstance(target, click.Command):
            return _items(target.shell_complete(ctx, incomplete)), NO_FILE_COMP
        if isinstance(target, click.Option):
            return self._option_value(ctx, target, incomplete)
        if isinstance(target, click.Argument):
            return self._argument(ctx, target, incomplete)
        return [], NO_FILE_COMP

    def _option_value(
        self, ctx: click.Context, option: click.Option, incomplete: str
    ) -> tuple[list[str], int]:
        name = option.name or ""
        if name == "namespace":
            found = self.names(_connection(ctx, self.not_after), None)
            return _matching(found, incomplete), NO_FILE_COMP
        if name in ("context", "cluster", "user"):
            from kubectl_shm.kube.names import kubeconfig_names

            found = kubeconfig_names(f"{name}s", kubeconfig=ctx.params.get("kubeconfig"))
            return _matching(found, incomplete), NO_FILE_COMP
        if name == "kubeconfig":
            return [], DEFAULT
        if "-f" in option.opts:
            return list(MANIFEST_EXTENSIONS), FILTER_FILE_EXT
        return _click_values(option.shell_complete(ctx, incomplete))

    def _argument(
        self, ctx: click.Context, argument: click.Argument, incomplete: str
    ) -> tuple[list[str], int]:
        command = ctx.info_name or ""
        kinds = TARGET_KINDS.get(command)
        if kinds is None:
            return _click_values(argument.shell_complete(ctx, incomplete))
        if ctx.params.get("filenames") or ctx.params.get("local"):
            return [], NO_FILE_COMP  # set -f FILE SIZE: the word is a size
        given = [word for word in _positional_values(ctx) if word]
        if "/" in incomplete:
            return self._slash_targets(ctx, kinds, incomplete), NO_FILE_COMP
        if given and "/" not in given[0] and command not in BARE_POD_NAMES:
            kind = _kind_named(kinds, given[0])  # `set TYPE NAME...`
            if kind is None or ctx.params.get("selector") or ctx.params.get("all_objects"):
                return [], NO_FILE_COMP
            found = self.names(_connection(ctx, self.not_after), kind)
            return _matching([n for n in found if n not in given[1:]], incomplete), NO_FILE_COMP
        if given:
            return [], NO_FILE_COMP  # a SIZE, or past the one target of inspect
        types = [f"{word}/" for word in _type_words(kinds, incomplete)]
        if command in BARE_POD_NAMES:
            pods = _matching(self.names(_connection(ctx, self.not_after), POD), incomplete)
            if pods:
                return pods + types, NO_FILE_COMP
        return types, NO_SPACE | NO_FILE_COMP

    def _slash_targets(
        self, ctx: click.Context, kinds: Sequence[TargetKind], incomplete: str
    ) -> list[str]:
        word, _, prefix = incomplete.partition("/")
        kind = _kind_named(kinds, word)
        if kind is None:
            return []
        return [
            f"{word}/{name}"
            for name in _matching(self.names(_connection(ctx, self.not_after), kind), prefix)
        ]


def _subcommands(incomplete: str) -> list[str]:
    """From the static table: no command module is imported."""
    return [
        f"{name}\t{short_help}"
        for name, (_, _, short_help) in LazyGroup._commands.items()
        if name.startswith(incomplete)
    ]


def _items(items: Sequence[CompletionItem[Any]]) -> list[str]:
    return [f"{item.value}\t{item.help}" if item.help else str(item.value) for item in items]


def _click_values(items: Sequence[CompletionItem[Any]]) -> tuple[list[str], int]:
    """Click's own candidates; its "file" and "dir" items become shell file completion."""
    kinds = {item.type for item in items}
    if "file" in kinds:
        return [], DEFAULT
    if "dir" in kinds:
        return [], FILTER_DIRS
    return _items(items), NO_FILE_COMP


def _matching(names: Sequence[str], prefix: str) -> list[str]:
    return [name for name in names if name.startswith(prefix)]


def _kind_named(kinds: Sequence[TargetKind], word: str) -> TargetKind | None:
    """The kind a TYPE word names: short, singular or plural, optionally with its group."""
    word = word.lower()
    for kind in kinds:
        qualified = tuple(f"{w}.{kind.group}" for w in kind.words) if kind.group else ()
        if word in kind.words or word in qualified:
            return kind
    return None


def _type_words(kinds: Sequence[TargetKind], incomplete: str) -> list[str]:
    """One word per kind that starts with `incomplete`: the singular name, else the short one."""
    found = []
    for kind in kinds:
        matches = [word for word in kind.words if word.startswith(incomplete.lower())]
        if matches:
            found.append(matches[0])
    return found


def _positional_values(ctx: click.Context) -> list[str]:
    """The positional words click has parsed so far, in order."""
    values: list[str] = []
    for param in ctx.command.params:
        if isinstance(param, click.Argument):
            value = ctx.params.get(param.name or "")
            if isinstance(value, (tuple, list)):
                values.extend(str(v) for v in value)
            elif value is not None:
                values.append(str(value))
    return values


def _connection(ctx: click.Context, not_after: float) -> ConnectionOptions:
    """The connection the flags typed so far select, within the completion's budget."""
    params = ctx.params
    try:
        timeout = parse_request_timeout(params.get("request_timeout"))
    except click.BadParameter:
        timeout = None
    return ConnectionOptions(
        kubeconfig=params.get("kubeconfig"),
        context=params.get("context"),
        cluster=params.get("cluster"),
        user=params.get("user"),
        namespace=params.get("namespace"),
        request_timeout=timeout,
        not_after=not_after,
    )
