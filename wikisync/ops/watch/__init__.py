"""``wikisync watch``: index pages and file jobs that follow the wiki's edits.

:func:`~wikisync.ops.watch.loop.watch` is the library twin of the command: an
iterator of :class:`~wikisync.ops.watch.loop.WatchEvent`. The parts, one idea
each: :mod:`~wikisync.ops.watch.settings` (the ``[watch]`` table),
:mod:`~wikisync.ops.watch.cursor` (where it is in the recent changes, kept
atomically), :mod:`~wikisync.ops.watch.jobmap` (which jobs a change calls
for), :mod:`~wikisync.ops.watch.status` (the status file for monitoring) and
:mod:`~wikisync.ops.watch.loop` (poll, debounce, reconcile, faults).
"""

from __future__ import annotations

from wikisync.ops.watch.loop import WatchEvent, default_cursor_path, watch
from wikisync.ops.watch.settings import WatchSettings, watch_settings

__all__ = ["WatchEvent", "WatchSettings", "default_cursor_path", "watch", "watch_settings"]
