"""The ``wikisync`` command line: a thin click shell over the library.

:mod:`wikisync.cli.main` holds the group, its global options and the one place
that turns a ``WikisyncError`` into a message and an exit code; each other
module adds the commands of one area.
"""

from __future__ import annotations

from wikisync.cli import create, edit, index, read, sync
from wikisync.cli.main import cli

__all__ = ["cli", "create", "edit", "index", "read", "sync"]
