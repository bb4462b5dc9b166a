"""The ``wikisync`` program (``python -m wikisync`` and the installed script).

SIGINT and SIGTERM are caught from the first line on: during start-up they
end the process with one line and exit code 130/143 (no traceback from the
middle of an import); while a command runs they stop it the same way (see
:func:`wikisync.interrupt.interrupt_on_signals`); a writing command stops
after the page in flight (:func:`wikisync.interrupt.stop_on_signals`).
"""

from __future__ import annotations

import sys

from wikisync.interrupt import quit_on_signals


def main() -> None:
    """Run the command line; exit with its code."""
    quit_on_signals()
    from wikisync.cli import cli  # after the handlers: importing the commands takes a while
    from wikisync.cli.signals import run

    sys.exit(run(cli))


if __name__ == "__main__":
    main()
