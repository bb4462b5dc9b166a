"""The ``wikisync`` program (``python -m wikisync`` and the installed script).

SIGINT and SIGTERM are caught from this module's first lines on, before any
other import: during start-up they end the process with one line and exit
code 130/143 (no traceback from the middle of an import); while a command
runs they stop it the same way (see :func:`wikisync.interrupt.interrupt_on_signals`);
a writing command stops after the page in flight
(:func:`wikisync.interrupt.stop_on_signals`).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # C module: "signal" loads enum first
import os
import sys

TYPE_CHECKING = False  # not typing's: nothing more to import before the handlers
if TYPE_CHECKING:
    from types import FrameType

_NAMES = {2: "SIGINT", 15: "SIGTERM"}


def _quit_while_starting(signum: int, _frame: FrameType | None) -> None:
    # Only os here: this runs while anything may be half imported.
    try:  # noqa: SIM105 (contextlib is one import too many here)
        os.write(2, f"wikisync: stopped by {_NAMES.get(signum, signum)}\n".encode())
    except OSError:
        pass
    os._exit(128 + signum)


for _number in _NAMES:
    _signal.signal(_number, _quit_while_starting)


def main() -> None:
    """Run the command line; exit with its code."""
    from wikisync.interrupt import quit_on_signals

    quit_on_signals()
    from wikisync.cli import cli  # after the handlers: importing the commands takes a while
    from wikisync.cli.signals import run

    sys.exit(run(cli))


if __name__ == "__main__":
    main()
