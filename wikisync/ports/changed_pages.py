"""What a live wiki's history says of its pages since a time (``wikisync changes``).

:meth:`~wikisync.ports.source.Source.changed_pages` gives, per page
touched since the time, which revision held it then and what became of it:
edited, created, moved, deleted. The old values of ``wikisync changes`` are
read from that revision (:mod:`wikisync.ops.changes`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChangedPage", "ChangedPages"]


@dataclass(frozen=True, slots=True)
class ChangedPage:
    """One page's changes since a time.

    Attributes:
        title: its title now (its last title, when deleted).
        old_title: its title then (differs after a move).
        old_revid: the revision that held the page then: 0 when it was created
            since (or when that is not known: see ``old_known``).
        created: the page did not exist then.
        deleted: the page does not exist now.
        old_known: False when the page's state then cannot be told from its
            history (a deleted page's revisions, a restored page's).
        timestamp: its last change (ISO 8601).
        rcid: the id of its last recent-changes row.
    """

    title: str
    old_title: str
    old_revid: int = 0
    created: bool = False
    deleted: bool = False
    old_known: bool = True
    timestamp: str = ""
    rcid: int = 0


@dataclass(frozen=True, slots=True)
class ChangedPages:
    """The pages changed since a time, and the cursor after the last change read.

    Attributes:
        pages: one entry per page (by page id), in the order of their first change.
        cursor: ``TIMESTAMP|RCID`` of the last row read (the ``since`` given, when
            there was none), to read on from next time.
    """

    pages: tuple[ChangedPage, ...] = ()
    cursor: str = ""
