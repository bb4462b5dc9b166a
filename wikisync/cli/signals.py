"""Run the command group so that SIGINT and SIGTERM end every command the same way.

One line on stderr, exit code ``128 + signal`` (130, 143), no traceback and
no click "Aborted!": see :func:`wikisync.interrupt.interrupt_on_signals`.
"""

from __future__ import annotations

import click

from wikisync.cli.outcomes import error_exit_code
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
    finally:
        quit_on_signals()  # signals after the end: no traceback from the interpreter's exit
    return 0
