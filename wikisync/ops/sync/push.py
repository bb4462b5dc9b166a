"""``push``: send a mirror's local edits to the wiki, never overwriting the wiki's.

Only pages modified locally are sent (new files too, with ``create``); a
local deletion is reported, never propagated. One listing of their latest
revisions sorts them:

- still at the base revision: saved against it through the wiki's
  conflict-safe writer (:meth:`~wikisync.ports.sync.SyncWiki.saver`; one request: it sends
  ``baserevid``/``basetimestamp`` and checks in the reply that the revision
  it replaced is the base, so an edit made meanwhile is merged, or put back
  and reported as a conflict; a reply lost and retried is recognised, and the
  revision it made is recorded);
- changed on the wiki: its revision is fetched (a batch per request) and
  merged three-way; a clean merge is saved (``merged``), and when the wiki
  already holds the local text (a push interrupted after saving) nothing is
  saved at all; overlapping edits are a conflict: nothing is saved, the
  wiki's version goes to ``<file>.remote`` and becomes the base;
- moved or deleted on the wiki, or waiting on a conflict file: skipped.

After each save the new revision is recorded at once in the mirror's
journal, so an interrupted push (Ctrl-C, network loss) leaves metadata that
claims only revisions that were saved, and the next push sends only what is
left. At the end the saved revisions are read back in batches and recorded
as the wiki stored them (it strips trailing whitespace), so the next status
is clean.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from wikisync.core.diffs import unified_diff
from wikisync.core.errors import EditConflictError, PageDeletedError, PageMovedError, PublishError
from wikisync.core.french import SortKey, sort_key_fr
from wikisync.core.pages import PageText
from wikisync.core.said import said
from wikisync.interrupt import stop_requested
from wikisync.ops.sync.both_changed import merge_both_changed
from wikisync.ops.sync.items import ItemsReport
from wikisync.ops.sync.local import LocalPage, check_site, same_text, scan_mirror
from wikisync.ports.mirror import MirrorFolder, MirrorJournal
from wikisync.ports.outcome import Outcome, report_fields
from wikisync.ports.sync import RemoteInfo, SyncWiki, Wiki
from wikisync.ports.target import Target
from wikisync.sources import mirror_folder, sync_wiki

#: What push did (or, on a dry run, would do) to a page.
PUSH_ACTIONS = (
    Outcome.SAVED,
    Outcome.CREATED,
    Outcome.MERGED,
    Outcome.RECORDED,
    Outcome.CONFLICT,
    Outcome.DELETED,
    Outcome.MOVED,
    Outcome.REFUSED,
    Outcome.SKIPPED,
    Outcome.NOT_DONE,
)


@dataclass(frozen=True, slots=True)
class PushItem:
    """What a push did to one page it considered.

    Attributes:
        title: the page.
        action: one of :data:`PUSH_ACTIONS`: ``saved``, ``created``,
            ``merged`` (merged with the wiki's edit, then saved), ``recorded``
            (the wiki already held the text: only the mirror's base moved),
            ``conflict`` (not saved; see ``conflict_file`` and ``detail``),
            ``deleted`` (deleted on the wiki while it was saved: nothing
            saved, never re-created), ``moved`` (moved on the wiki while it
            was saved: ``detail`` names the new title and says whether the
            edit went to the page there; the redirect left behind is never
            written), ``refused`` (the wiki refused the edit), ``skipped`` (a local
            change push does not send: a deletion, or a new file without
            ``create``), ``not done`` (the push was stopped by a signal first).
        file: its file, relative to the mirror.
        revid: the revision saved (or that would be the base), 0 if none.
        conflict_file: where the wiki's version was written, for conflicts.
        diff: on a dry run, the unified diff that would be saved.
        detail: a sentence for people.
    """

    title: str
    action: Outcome
    file: str
    revid: int = 0
    conflict_file: str | None = None
    diff: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return the item as a JSON-ready dict."""
        return asdict(self)


#: The actions that make a revision on the wiki.
_SAVED_ACTIONS = frozenset({Outcome.SAVED, Outcome.MERGED, Outcome.CREATED})


@dataclass(frozen=True, slots=True)
class PushReport(ItemsReport):
    """The outcome of a push.

    Attributes:
        items: one per page considered, in title order
            (:func:`~wikisync.core.french.sort_key_fr`: ``n°2`` before ``n°10``).
        dry_run: nothing was written (items say what would be done).
        requests: HTTP requests sent.
        seconds: wall time.
    """

    ACTIONS: ClassVar[tuple[Outcome, ...]] = PUSH_ACTIONS

    items: tuple[PushItem, ...]
    dry_run: bool
    requests: int
    seconds: float = 0.0

    @property
    def saved(self) -> list[PushItem]:
        """Pages saved to the wiki (``saved``, ``merged``, ``created``), in title order;
        on a dry run, those that would be."""
        return [item for item in self.items if item.action in _SAVED_ACTIONS]

    @property
    def conflicts(self) -> list[PushItem]:
        """Pages not saved as asked: a conflict, a refusal, deleted or moved meanwhile."""
        return [
            item
            for item in self.items
            if item.action in (Outcome.CONFLICT, Outcome.REFUSED, Outcome.DELETED, Outcome.MOVED)
        ]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (docs/commands.md, "Run reports")."""
        return {
            **report_fields(
                self,
                operation="push",
                dry_run=self.dry_run,
                seconds=self.seconds,
                requests=self.requests,
                order=PUSH_ACTIONS,
            ),
            "items": [item.to_dict() for item in self.items],
        }


def push(
    wiki: Wiki,
    mirror_dir: str | os.PathLike[str],
    *,
    summary: str,
    create: bool = False,
    dry_run: bool = False,
    minor: bool = False,
    bot: bool = True,
    durable: bool = True,
    on_page: Callable[[PushItem], None] | None = None,
    wiki_writer: Target | None = None,
) -> PushReport:
    """Send the pages edited in a mirror folder to the wiki.

    Args:
        wiki: the wiki the mirror was pulled from: a Config, an open live-wiki
            source or a logged-in connection (see :func:`~wikisync.ops.sync.pull`).
        mirror_dir: the mirror folder.
        summary: the edit summary.
        create: also create pages for files new locally.
        dry_run: write nothing (neither wiki nor mirror); items carry diffs.
        minor: mark the edits minor.
        bot: mark the edits as bot edits (when the account may).
        durable: fsync the mirror's files (off only for throw-away mirrors).
        on_page: called after each page is handled and recorded (progress;
            raising from it stops the push with the mirror consistent).
        wiki_writer: the writer that saves (default: one on the connection;
            tests pass one with a ``before_edit`` hook).

    Returns:
        What happened to each page; ``report.conflicts`` lists those not saved.

    Raises:
        ConfigError: the mirror was pulled from another wiki.
        LockError: another run is writing the mirror.
        SiteError: the wiki kept failing (pages saved so far are recorded).

    Example:
        >>> report = push(load_config("wikisync.toml"), "mirror", summary="dates corrigées")
        >>> report.counts()
        {'saved': 3}
    """
    with sync_wiki(wiki, mirror_dir) as remote:
        return _push(
            remote,
            mirror_folder(mirror_dir),
            summary,
            create,
            dry_run,
            minor,
            bot,
            durable,
            on_page,
            wiki_writer,
        )


def _push(
    wiki: SyncWiki,
    mirror: MirrorFolder,
    summary: str,
    create: bool,
    dry_run: bool,
    minor: bool,
    bot: bool,
    durable: bool,
    on_page: Callable[[PushItem], None] | None,
    wiki_writer: Target | None,
) -> PushReport:
    check_site(mirror.recorded_site, wiki)
    start = wiki.requests
    clock = time.perf_counter()
    local = scan_mirror(mirror)
    items: list[PushItem] = []

    def done(item: PushItem) -> None:
        items.append(item)
        if on_page is not None:
            on_page(item)

    edited: list[LocalPage] = []
    new: list[LocalPage] = []
    for page in local.values():
        if page.in_conflict and (page.entry is None or page.modified):
            done(
                PushItem(
                    page.title,
                    Outcome.CONFLICT,
                    page.file,
                    detail=f"a conflict file waits ({mirror.conflict_file(page.file)}): merge it "
                    "into the page, delete it, then push again",
                )
            )
        elif page.entry is None:
            new.append(page)
        elif page.text is None:
            done(
                PushItem(
                    page.title,
                    Outcome.SKIPPED,
                    page.file,
                    detail="deleted locally; push does not delete pages on the wiki",
                )
            )
        elif page.modified:
            edited.append(page)
    if not create:
        for page in new:
            done(
                PushItem(
                    page.title,
                    Outcome.SKIPPED,
                    page.file,
                    detail=said(
                        "new locally; pass %(override)s to create it on the wiki",
                        override="create=True",
                    ),
                )
            )
        new = []
    if not edited and not new:
        return PushReport(
            tuple(sorted(items, key=_key)),
            dry_run,
            wiki.requests - start,
            time.perf_counter() - clock,
        )

    listing = wiki.list_pages(
        pageids=[p.entry.pageid for p in edited if p.entry and p.entry.pageid is not None],
        titles=[p.title for p in edited if p.entry and p.entry.pageid is None]
        + [p.title for p in new],
    )
    by_title = listing.by_title()
    current: list[tuple[LocalPage, RemoteInfo]] = []
    behind: list[tuple[LocalPage, RemoteInfo]] = []
    for page in edited:
        assert page.entry is not None
        pageid = page.entry.pageid
        remote = listing.pages.get(pageid) if pageid is not None else by_title.get(page.title)
        if remote is None:
            done(
                PushItem(
                    page.title,
                    Outcome.CONFLICT,
                    page.file,
                    detail="deleted on the wiki since the pull; not recreated (your file is kept)",
                )
            )
        elif remote.title != page.title:
            done(
                PushItem(
                    page.title,
                    Outcome.CONFLICT,
                    page.file,
                    detail=f'moved on the wiki to "{remote.title}"; pull first (your edit '
                    "follows the page)",
                )
            )
        elif remote.revid == page.entry.revid:
            current.append((page, remote))
        else:
            behind.append((page, remote))
    creating: list[tuple[LocalPage, RemoteInfo | None]] = [
        (page, by_title.get(page.title)) for page in new
    ]

    saver = wiki_writer if wiki_writer is not None else wiki.saver(bot=bot, minor=minor)
    session = _Session(wiki, saver, mirror, summary, dry_run, done)
    if dry_run:
        session.run(None, current, behind, creating)
    else:
        with mirror.journal(durable=durable) as writer:
            session.run(writer, current, behind, creating)
    return PushReport(
        tuple(sorted(items, key=_key)),
        dry_run,
        wiki.requests - start,
        time.perf_counter() - clock,
    )


def _key(item: PushItem) -> SortKey:
    return sort_key_fr(item.title)


class _Session:
    """One push's saves and mirror updates."""

    def __init__(
        self,
        wiki: SyncWiki,
        saver: Target,
        mirror: MirrorFolder,
        summary: str,
        dry_run: bool,
        done: Callable[[PushItem], None],
    ) -> None:
        self.wiki = wiki
        self.mirror = mirror
        self.summary = summary
        self.dry_run = dry_run
        self.done = done
        self.saver = saver
        self.writer: MirrorJournal | None = None
        # Saved revision id -> (text sent, file) for reading back at the end.
        self.saved: dict[int, tuple[str, str]] = {}

    def run(
        self,
        writer: MirrorJournal | None,
        current: list[tuple[LocalPage, RemoteInfo]],
        behind: list[tuple[LocalPage, RemoteInfo]],
        creating: list[tuple[LocalPage, RemoteInfo | None]],
    ) -> None:
        self.writer = writer
        for page, remote in current:
            if self._stopped(page):
                continue
            assert page.entry is not None and page.text is not None
            base = PageText(
                page.title,
                self._base_text(page) or "",
                page.entry.revid,
                page.entry.timestamp,
                remote.ns,
                remote.pageid,
            )
            self._save(page, page.text, base, Outcome.SAVED)
        remotes = {remote.revid: (page, remote) for page, remote in behind}
        for fetched in self.wiki.fetch_revisions(sorted(remotes)):
            page, remote = remotes[fetched.revid]
            if not self._stopped(page):
                self._merge(page, remote, fetched)
        exists = [info.revid for _, info in creating if info is not None]
        existing = {p.title: p for p in self.wiki.fetch_revisions(exists)}
        for page, info in creating:
            if not self._stopped(page):
                self._create(page, existing.get(page.title) if info else None)
        # Not on the way out of an interruption: the bases recorded after each
        # save are right unless the wiki trimmed the text, and the wiki may be gone.
        if writer is not None:
            self._read_back(writer)

    def _stopped(self, page: LocalPage) -> bool:
        """True (the page reported ``not done``) once a signal asked the push to stop."""
        if not stop_requested():
            return False
        self.done(
            PushItem(page.title, Outcome.NOT_DONE, page.file, detail="not sent: push was stopped")
        )
        return True

    def _base_text(self, page: LocalPage) -> str | None:
        if self.writer is not None:
            return self.writer.base_text(page.title)
        return self.mirror.base_text(page.title)

    def _save(self, page: LocalPage, text: str, base: PageText | None, action: Outcome) -> None:
        if self.dry_run:
            diff = unified_diff(base.wikitext if base else "", text, page.title)
            self.done(PushItem(page.title, action, page.file, base.revid if base else 0, diff=diff))
            return
        assert self.writer is not None
        try:
            result = self.saver.save(page.title, text, base=base, summary=self.summary)
        except (PageDeletedError, PageMovedError) as exc:
            gone = Outcome.DELETED if isinstance(exc, PageDeletedError) else Outcome.MOVED
            self.done(PushItem(page.title, gone, page.file, detail=f"{exc}; pull, then push again"))
            return
        except EditConflictError as exc:
            self.done(
                PushItem(
                    page.title,
                    Outcome.CONFLICT,
                    page.file,
                    detail=f"{exc}; pull, then push again",
                )
            )
            return
        except PublishError as exc:
            self.done(PushItem(page.title, Outcome.REFUSED, page.file, detail=str(exc)))
            return
        saved = PageText(
            page.title,
            text,
            result.revid,
            result.timestamp,
            self.wiki.namespaces.split(page.title)[0],
            base.pageid if base else None,
        )
        # Recorded at once (one journal line): an interruption after this
        # point cannot make the next push save the page again.
        self.writer.write_base(saved)
        if result.changed:
            self.saved[result.revid] = (text, page.file)
        else:
            action = Outcome.RECORDED
        if result.merged:
            action = Outcome.MERGED
        detail = result.note or ("" if result.changed else "the wiki already holds this text")
        if result.moved_to:
            action = Outcome.MOVED
            detail = (
                f'moved on the wiki to "{result.moved_to}" while it was saved; the edit went to '
                f"the page there (revision {result.revid}): pull to follow the move"
                + (f"; {detail}" if detail else "")
            )
        self.done(PushItem(page.title, action, page.file, result.revid, detail=detail))

    def _merge(self, page: LocalPage, remote: RemoteInfo, fetched: PageText) -> None:
        assert page.text is not None
        outcome = merge_both_changed(self._base_text(page), page.text, fetched.wikitext)
        if outcome.action == Outcome.RECORDED:
            if self.writer is not None:
                self.writer.write_base(fetched, categories=remote.categories)
            self.done(
                PushItem(
                    page.title,
                    Outcome.RECORDED,
                    page.file,
                    fetched.revid,
                    detail="the wiki already holds this text; nothing saved",
                )
            )
            return
        if outcome.merged is None or not outcome.merged.clean:
            conflict_file = None
            if self.writer is not None:
                conflict_file = self.mirror.write_conflict(page.file, fetched.wikitext)
                self.writer.write_base(fetched, categories=remote.categories)
            self.done(
                PushItem(
                    page.title,
                    Outcome.CONFLICT,
                    page.file,
                    fetched.revid,
                    conflict_file,
                    detail=f"edited on the wiki since the pull, and {outcome.reason}: not saved"
                    + (
                        f"; the wiki's version is in {conflict_file}: merge it into the local "
                        f"file {page.file} and delete it"
                        if conflict_file
                        else ""
                    ),
                )
            )
            return
        merged = outcome.merged
        if self.writer is not None:
            # The merged text replaces the file before it is saved, so a crash in
            # between leaves a local edit against the wiki's revision, not a loss.
            self.writer.write_page(fetched, categories=remote.categories, text=merged.text)
        self._save(page, merged.text, fetched, Outcome.MERGED)

    def _create(self, page: LocalPage, existing: PageText | None) -> None:
        assert page.text is not None
        if existing is None:
            self._save(page, page.text, None, Outcome.CREATED)
            return
        if same_text(page.text, existing.wikitext):
            if self.writer is not None:
                self.writer.write_base(existing)
            self.done(
                PushItem(
                    page.title,
                    Outcome.RECORDED,
                    page.file,
                    existing.revid,
                    detail="the page exists on the wiki with this text; nothing saved",
                )
            )
            return
        conflict_file = None
        if self.writer is not None:
            conflict_file = self.mirror.write_conflict(page.file, existing.wikitext)
            self.writer.write_base(existing)
        self.done(
            PushItem(
                page.title,
                Outcome.CONFLICT,
                page.file,
                existing.revid,
                conflict_file,
                detail="new locally, but the page exists on the wiki: not saved"
                + (f"; its text is in {conflict_file}" if conflict_file else ""),
            )
        )

    def _read_back(self, writer: MirrorJournal) -> None:
        """Record saved revisions as the wiki stored them (it may trim the text)."""
        if not self.saved:
            return
        for stored in self.wiki.fetch_revisions(sorted(self.saved)):
            sent, file = self.saved[stored.revid]
            entry = writer.entry(stored.title)
            if stored.wikitext == sent and entry is not None and entry.pageid is not None:
                continue
            if self.mirror.read_page(file) == sent and stored.wikitext != sent:
                writer.write_page(stored, categories=entry.categories if entry else ())
            else:
                writer.write_base(stored)
