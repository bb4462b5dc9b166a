"""Run the command group so that SIGINT and SIGTERM end every command the same way.

One line on stderr, exit code ``128 + signal`` (130, 143), no traceback and
no click "Aborted!": see :func:`wikisync.interrupt.interrupt_on_signals`.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

import click

from wikisync.cli.outcomes import error_exit_code
from wikisync.core.errors import UnsafePathError
from wikisync.interrupt import Interrupted, interrupt_on_signals, quit_on_signals


def run(group: click.Group) -> int:
    """Run ``group`` on the process's arguments; return the exit code."""
    try:
        with interrupt_on_signals():
            group.main(prog_name="wikisync")  # exits: SystemExit, with its code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Interrupted as exc:
        click.echo(f"wikisync: {exc}", err=True)
        return error_exit_code(exc)
    except OSError as exc:
        failed = _stdout_failure(exc)
        if failed is None:
            raise  # not standard output's: a bug, with its traceback
        click.echo(f"wikisync: error: {failed}", err=True)
        return error_exit_code(failed)
    finally:
        quit_on_signals()  # signals after the end: no traceback from the interpreter's exit
    return 0


def _stdout_failure(exc: OSError) -> UnsafePathError | None:
    """Standard output's write error (a full disk, an I/O error), if it is what failed.

    It is when the innermost frame of the error was writing to a stream on
    standard output's file descriptor. Standard output is then pointed at the
    null device, so that the interpreter's own flush at exit prints nothing more.
    """
    stdout = sys.__stdout__
    if stdout is None:
        return None
    try:
        wanted = stdout.fileno()
    except (OSError, ValueError):
        return None
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    streams = tb.tb_frame.f_locals.values() if tb is not None else ()
    if not any(_on_fd(value, wanted) for value in streams):
        return None
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, wanted)
        os.close(null)
    reason = exc.strerror or str(exc)
    return UnsafePathError(f"cannot write standard output: {reason}", path="-")


def _on_fd(value: object, fd: int) -> bool:
    if not isinstance(value, io.IOBase):
        return False
    try:
        return value.fileno() == fd
    except (OSError, ValueError):
        return False
