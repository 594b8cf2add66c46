"""Entry point and the one error boundary: every failure becomes one line and an exit code."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from typing import ClassVar, NoReturn

import click

from kubectl_shm import __version__
from kubectl_shm.cli.app import App
from kubectl_shm.cli.exit_codes import ExitStatus
from kubectl_shm.cli.library_output import LibraryOutput
from kubectl_shm.errors import ClusterError, InputError
from kubectl_shm.render.terminal import OutputError, Terminal

PROG_NAME = "kubectl shm"
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """Subcommands are imported only when run, so `--help` starts fast."""

    # name -> (module, attribute, one-line help shown by `kubectl shm --help`)
    _commands: ClassVar[dict[str, tuple[str, str, str]]] = {
        "audit": ("kubectl_shm.cli.audit", "audit", "Audit /dev/shm of every workload."),
        "set": ("kubectl_shm.cli.set", "set_shm", "Give workloads the /dev/shm they need."),
        "inspect": ("kubectl_shm.cli.inspect", "inspect", "What /dev/shm really is in pods."),
        "diagnose": (
            "kubectl_shm.cli.diagnose",
            "diagnose",
            "Find crashes caused by /dev/shm, and their fix.",
        ),
        "policy": (
            "kubectl_shm.cli.policy",
            "policy",
            "Print an admission policy that checks /dev/shm.",
        ),
        "version": ("kubectl_shm.cli.version", "version", "Print the client and Python versions."),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._commands:
            return None
        import importlib

        module, attribute, _ = self._commands[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short_help) for name, (_, _, short_help) in self._commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name=PROG_NAME, message="%(prog)s %(version)s")
def cli() -> None:
    """Audit, set and inspect /dev/shm of Kubernetes workloads.

    Containers get a 64Mi /dev/shm by default; PyTorch DataLoader workers, NCCL,
    vLLM and Ray need far more and crash with "bus error". The fix is a memory
    emptyDir at /dev/shm, whose real size the kubelet decides.

    \b
    Examples:
      kubectl shm audit -A                      # every workload in the cluster
      kubectl shm audit -f manifests/           # offline, on files
      kubectl shm set deploy/vllm 16Gi -n serve # give a workload 16Gi
      kubectl shm inspect pod/trainer-0         # what df really shows, and why
      kubectl shm diagnose -A                   # crashes caused by /dev/shm, and the fix
      kubectl shm policy | kubectl apply -f -   # warn about it at admission

    Exit codes: 0 fine, 1 findings (audit), mismatch (inspect) or evidence
    (diagnose), 2 bad usage or input, 3 cluster or API error.
    """


def run(argv: Sequence[str] | None = None, terminal: Terminal | None = None) -> int:
    """The program with all error handling; returns the exit status."""
    app = App(terminal or Terminal())
    app.library_output = LibraryOutput(app.terminal.stderr)
    try:
        # click writes help and version to sys.stdout: point it at the terminal's.
        with (
            redirect_stdout(app.terminal.stdout),
            redirect_stderr(app.terminal.stderr),
            app.library_output,
        ):
            result = cli.main(
                args=list(sys.argv[1:] if argv is None else argv),
                prog_name=PROG_NAME,
                standalone_mode=False,
                obj=app,
            )
            # Inside the boundary: a full disk often shows only when the buffer is flushed.
            app.terminal.stdout.flush()
    except click.exceptions.NoArgsIsHelpError as error:
        # Bare `kubectl shm`, like bare `kubectl`: the help on stdout, and no error.
        return _show_help(app, error)
    except click.exceptions.Abort:
        app.terminal.stderr.write("\n")
        return ExitStatus.INTERRUPTED
    except click.UsageError as error:
        status = _report(app, error, error.format_message(), ExitStatus.USAGE)
        command = error.ctx.command_path if error.ctx else PROG_NAME
        app.terminal.note(f"See '{command} --help' for usage.")
        return status
    except click.ClickException as error:
        return _report(app, error, error.format_message(), ExitStatus.USAGE)
    except InputError as error:
        return _report(app, error, str(error), ExitStatus.USAGE)
    except ClusterError as error:
        return _report(app, error, str(error), ExitStatus.CLUSTER)
    except OutputError as error:
        return _report(app, error, str(error), ExitStatus.USAGE)
    except KeyboardInterrupt:
        app.terminal.stderr.write("\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK  # `| head` closed the pipe: not an error
    except Exception as error:  # the boundary: nothing escapes as a traceback
        hint = "" if app.verbose else " (run again with -v for the traceback)"
        return _report(app, error, f"internal error: {error!r}{hint}", ExitStatus.CLUSTER)
    return int(result or 0)


# Imports allocate tens of thousands of objects; at the default gen-0 threshold (700)
# the cycle collector runs dozens of times over them. Fewer, later collections take ~5%
# off `audit -f`; refcounting still frees everything that is not in a cycle.
GC_GEN0_THRESHOLD = 50_000


def main() -> NoReturn:
    gc.set_threshold(GC_GEN0_THRESHOLD)
    status = run()
    _settle_stdout()
    # Shutdown runs the cycle collector over every object left; it skips frozen ones,
    # and the process is ending anyway: ~15% of a short run.
    gc.freeze()
    sys.exit(status)


def _report(app: App, error: BaseException, message: str, status: ExitStatus) -> int:
    try:
        if app.verbose:
            import traceback

            traceback.print_exception(error, file=app.terminal.stderr)
        app.terminal.error(message)
    except OSError:
        pass  # stderr is gone too: the exit status is all that is left to say it
    return status


def _show_help(app: App, error: click.exceptions.NoArgsIsHelpError) -> int:
    try:
        app.terminal.stdout.write(error.ctx.get_help() + "\n")
        app.terminal.stdout.flush()
    except OutputError as failed:
        return _report(app, failed, str(failed), ExitStatus.USAGE)
    except BrokenPipeError:
        pass
    return ExitStatus.OK


def _settle_stdout() -> None:
    """Output that could not be written stays buffered, and the interpreter's flush at exit
    would fail again with a traceback-like note: send what is left to /dev/null instead."""
    if sys.stdout is None:  # started with descriptor 1 closed: nothing was buffered
        return
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
