"""``status``: compare a mirror with its wiki, fetching only what both sides changed.

The local side is read from disk (file text against the base ``sha1``); the
wiki's side comes from ``prop=info`` listings: the categories that hold many
of the mirror's pages are listed whole (5,000 members per request as a bot),
the other pages by id (500 per request as a bot, 50 otherwise); see
:func:`~wikisync.wiki.remote.list_known_pages`. A changed ``lastrevid`` is an
edit on the wiki, a missing id a deletion, an id under another title a move.
Only a page edited both locally and on the wiki has its wiki revision fetched
(a batch per request): it is merged with the local file exactly as ``push``
would (:func:`~wikisync.ops.sync.both_changed.merge_both_changed`), so ``mergeable``
(push merges it) is told from ``conflict`` (push saves nothing).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from wikisync.core.french import sort_key_fr
from wikisync.ops.sync.both_changed import merge_both_changed
from wikisync.ops.sync.local import LocalPage, check_site, scan_mirror
from wikisync.ports.mirror import MirrorFolder
from wikisync.ports.outcome import Outcome, ReportEntry, count_outcomes, report_fields
from wikisync.ports.sync import Listing, SyncWiki, Wiki
from wikisync.sources import mirror_folder, sync_wiki

#: Every state a page can be in, in the order reports list them.
STATES = (
    Outcome.CONFLICT,
    Outcome.MERGEABLE,
    Outcome.CHANGED,
    Outcome.MODIFIED,
    Outcome.NEW,
    Outcome.DELETED,
    Outcome.MOVED,
    Outcome.DELETED_LOCALLY,
    Outcome.UNCHANGED,
)
#: The detail of a page changed on both sides until the merge tells more.
_BOTH = "changed locally and on the wiki"
_DESCRIPTIONS = {
    "unchanged": "unchanged",
    "modified": "modified locally",
    "changed": "changed on the wiki",
    "conflict": "changed locally and on the wiki in the same place (conflict)",
    "mergeable": "changed locally and on the wiki; merges cleanly",
    "new": "new locally",
    "deleted": "deleted on the wiki",
    "moved": "moved on the wiki",
    "deleted-locally": "deleted locally",
}


@dataclass(frozen=True, slots=True)
class PageStatus:
    """Where one page of a mirror stands against the wiki.

    Attributes:
        title: the page's title in the mirror.
        file: its file, relative to the mirror.
        state: one of :data:`STATES`.
        base_revid: the revision the file was pulled or pushed at (0: new locally).
        wiki_revid: the wiki's latest revision, or None when the page is not there.
        modified: the file differs from its base revision (or is gone).
        new_title: for ``moved``, the page's title on the wiki now.
        detail: why, for ``conflict`` (a conflict file waits, both sides changed
            the same place) and ``mergeable``.
    """

    title: str
    file: str
    state: Outcome
    base_revid: int
    wiki_revid: int | None
    modified: bool
    new_title: str | None = None
    detail: str = ""

    @property
    def description(self) -> str:
        """The state in words (``changed on the wiki``)."""
        return _DESCRIPTIONS[self.state]

    def to_dict(self) -> dict[str, object]:
        """Return the status as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The status of every page of a mirror.

    Attributes:
        pages: one status per page, in title order
            (:func:`~wikisync.core.french.sort_key_fr`: ``n°2`` before ``n°10``).
        requests: HTTP requests sent to the wiki for it.
        seconds: wall time.
    """

    pages: tuple[PageStatus, ...]
    requests: int = 0
    seconds: float = 0.0

    def page_outcomes(self) -> tuple[ReportEntry, ...]:
        """Each page's state, in title order."""
        return tuple(
            ReportEntry(page.title, page.state, page.detail, page.wiki_revid) for page in self.pages
        )

    def outcomes(self) -> tuple[Outcome, ...]:
        """Each page's state, in title order (``status`` is a read: no exit code from them)."""
        return tuple(page.state for page in self.pages)

    def counts(self) -> dict[str, int]:
        """How many pages are in each state (states with none left out)."""
        return count_outcomes(self.outcomes(), STATES)

    @property
    def clean(self) -> bool:
        """True when every page is unchanged on both sides."""
        return all(page.state == Outcome.UNCHANGED for page in self.pages)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (docs/commands.md, "Run reports")."""
        return {
            **report_fields(
                self,
                operation="status",
                dry_run=True,
                seconds=self.seconds,
                requests=self.requests,
                order=STATES,
            ),
            "pages": [page.to_dict() for page in self.pages],
        }


def mirror_status(wiki: Wiki, mirror_dir: str | os.PathLike[str]) -> StatusReport:
    """Compare each page of a mirror folder with the wiki; fetch no content.

    Args:
        wiki: the wiki the mirror was pulled from: a Config, an open live-wiki
            source or a connection (see :func:`~wikisync.ops.sync.pull`).
        mirror_dir: the mirror folder.

    Returns:
        Each page's state: unchanged, modified (locally), changed (on the
        wiki), mergeable (changed on both sides, and the edits merge cleanly:
        push merges them), conflict (changed on both sides in the same place,
        or a conflict file waits: push saves nothing), new (locally), deleted
        (on the wiki), moved (on the wiki) or deleted-locally.

    Raises:
        ConfigError: the mirror was pulled from another wiki.
        SourceError: the mirror is unreadable.
        SiteError: the wiki kept failing.

    Example:
        >>> report = mirror_status(load_config("wikisync.toml"), "mirror")
        >>> report.counts()
        {'modified': 2, 'unchanged': 1998}
    """
    with sync_wiki(wiki, mirror_dir) as remote:
        return _status(remote, mirror_folder(mirror_dir))


def _status(wiki: SyncWiki, mirror: MirrorFolder) -> StatusReport:
    check_site(mirror.recorded_site, wiki)
    start = wiki.requests
    clock = time.perf_counter()
    local = scan_mirror(mirror)
    listed = [page.entry for page in local.values() if page.entry is not None]
    listing = wiki.list_known_pages(
        {entry.pageid: entry.categories for entry in listed if entry.pageid is not None},
        titles=[p.title for p in local.values() if p.entry is None or p.entry.pageid is None],
    )
    statuses = [_page_status(page, listing) for page in local.values()]
    both = {
        status.wiki_revid: (local[status.title], status)
        for status in statuses
        if status.detail == _BOTH and status.wiki_revid is not None
    }
    merged = {title: status for title, status in _merge_both(wiki, mirror, both)}
    pages = sorted(
        (merged.get(status.title, status) for status in statuses),
        key=lambda status: sort_key_fr(status.title),
    )
    return StatusReport(tuple(pages), wiki.requests - start, time.perf_counter() - clock)


def _merge_both(
    wiki: SyncWiki, mirror: MirrorFolder, both: dict[int, tuple[LocalPage, PageStatus]]
) -> Iterator[tuple[str, PageStatus]]:
    """Merge each page changed on both sides with the wiki's revision, as push will."""
    for fetched in wiki.fetch_revisions(sorted(both)):
        page, status = both[fetched.revid]
        if page.text is None:
            continue
        outcome = merge_both_changed(mirror.base_text(page.title), page.text, fetched.wikitext)
        if outcome.action == Outcome.CONFLICT:
            state, detail = Outcome.CONFLICT, f"{outcome.reason}: push will not save it"
        elif outcome.action == Outcome.RECORDED:
            state, detail = Outcome.MERGEABLE, "the wiki already holds the local text"
        else:
            state, detail = Outcome.MERGEABLE, "the two edits merge cleanly: push saves the merge"
        yield page.title, replace(status, state=state, detail=detail)


def _page_status(page: LocalPage, listing: Listing) -> PageStatus:
    entry = page.entry
    if entry is None:
        remote = listing.by_title().get(page.title)
        if remote is not None:
            return PageStatus(
                page.title,
                page.file,
                Outcome.CONFLICT,
                0,
                remote.revid,
                False,
                detail="new locally, but the page exists on the wiki",
            )
        return PageStatus(page.title, page.file, Outcome.NEW, 0, None, False)
    remote = (
        listing.pages.get(entry.pageid)
        if entry.pageid is not None
        else listing.by_title().get(page.title)
    )
    modified = page.modified
    if remote is None:
        return PageStatus(page.title, page.file, Outcome.DELETED, entry.revid, None, modified)
    if remote.title != page.title:
        return PageStatus(
            page.title, page.file, Outcome.MOVED, entry.revid, remote.revid, modified, remote.title
        )
    changed = remote.revid != entry.revid
    if page.in_conflict:
        state, detail = (
            Outcome.CONFLICT,
            "a conflict file waits: merge it into the page, then delete it",
        )
    elif changed and modified:
        # A local deletion stays a conflict; an edit is merged as push would (_merge_both).
        state, detail = Outcome.CONFLICT, _BOTH
    elif changed:
        state, detail = Outcome.CHANGED, ""
    elif page.text is None:
        state, detail = Outcome.DELETED_LOCALLY, ""
    elif modified:
        state, detail = Outcome.MODIFIED, ""
    else:
        state, detail = Outcome.UNCHANGED, ""
    return PageStatus(
        page.title, page.file, state, entry.revid, remote.revid, modified, None, detail
    )
