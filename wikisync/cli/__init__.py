"""The ``wikisync`` command line: a thin click shell over the library.

:mod:`wikisync.cli.main` holds the group, its global options and the one place
that turns a ``WikisyncError`` into a message and an exit code; each other
module adds the commands of one area, and is imported when one of its commands is
needed (``wikisync.cli.main.COMMANDS``).
"""

from __future__ import annotations

from wikisync.cli.main import cli

__all__ = ["cli"]
