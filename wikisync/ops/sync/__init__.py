"""Mirror sync: ``pull``, ``status`` and ``push`` between a wiki and a local folder.

A maintainer pulls pages into a mirror folder (see
:mod:`wikisync.mirror.reader`), edits them with any editor, reviews the
change with git and pushes it back. Nothing is lost on either side: the
mirror keeps each page's base revision (id, timestamp, text), so edits made
on both sides are merged three-way (:mod:`wikisync.core.merge`) when they do not
overlap and reported as conflicts when they do, the wiki's version then
waiting in ``<file>.remote`` beside the untouched local file.

Reads are batched (listings of thousands of revisions per request, content
only for what changed); saves are conflict-safe
(:class:`~wikisync.wiki.writer.WikiWriter`) and recorded in the mirror one
by one, so an interrupted run leaves a consistent mirror and the next run
picks up where it stopped. A mirror remembers its wiki
(``wikisync-mirror.json``) and is never synced with another one.
"""

from __future__ import annotations

from wikisync.ops.sync.pull import PullItem, PullReport, pull
from wikisync.ops.sync.push import PushItem, PushReport, push
from wikisync.ops.sync.status import STATES, PageStatus, StatusReport, mirror_status
from wikisync.ports.mirror import CONFLICT_SUFFIX

__all__ = [
    "CONFLICT_SUFFIX",
    "STATES",
    "PageStatus",
    "PullItem",
    "PullReport",
    "PushItem",
    "PushReport",
    "StatusReport",
    "mirror_status",
    "pull",
    "push",
]
