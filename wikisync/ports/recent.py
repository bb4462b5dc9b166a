"""What a live wiki's recent changes say: rows in order, and the pages watched with them.

:meth:`~wikisync.ports.source.Source.recent_changes` reads these; the watcher
(:mod:`wikisync.ops.watch`) acts on them. A row is one entry of MediaWiki's
``recentchanges`` table: an edit, a creation, a log entry (move, delete,
restore, import, merge…) or a category membership change (``categorize``,
where the wiki records them). Rows are kept by the wiki for a while only
(90 days by default); a watcher that stops for longer heals through its
reconcile pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Change", "RecentBatch"]


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the wiki's recent changes.

    Attributes:
        rcid: the row's id (grows with each row the wiki writes).
        timestamp: when, as the wiki writes it (``2026-12-06T15:04:05Z``).
        kind: ``edit``, ``new``, ``log`` or ``categorize``.
        title: the page the row is about (a move: the old title; a
            ``categorize`` row: the category page).
        ns: the title's namespace number.
        revid: the revision made (0 for most log rows).
        user: who made it ("" when hidden).
        log_type: for a log row: ``move``, ``delete``, ``import``, ``merge``…
        log_action: for a log row: ``move``, ``delete``, ``restore``, ``upload``…
        new_title: for a move: the page's new title.
    """

    rcid: int
    timestamp: str
    kind: str
    title: str
    ns: int = 0
    revid: int = 0
    user: str = ""
    log_type: str = ""
    log_action: str = ""
    new_title: str = ""

    @property
    def titles(self) -> tuple[str, ...]:
        """The pages the row touches: the title, and a move's new title."""
        return (self.title, self.new_title) if self.new_title else (self.title,)


@dataclass(frozen=True, slots=True)
class RecentBatch:
    """The rows read since a time, oldest first, and the watched pages read with them.

    Attributes:
        changes: the rows, oldest first (by time, then id).
        watched: per watched title asked for, its current text (None: no such page).
        requests: the requests the reading took.
    """

    changes: tuple[Change, ...] = ()
    watched: Mapping[str, str | None] = field(default_factory=dict)
    requests: int = 0
