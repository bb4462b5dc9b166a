"""``pull``: bring a mirror folder up to date with the wiki, never overwriting a local edit.

One listing (``prop=info|categories``, thousands of pages per request) gives
the latest revision of the pages asked for and of every page already in the
mirror; content is fetched only for revisions the mirror does not hold, a
batch per request. Each fetched page then meets the local file:

- unchanged locally (or new to the mirror): the file and its base are replaced;
- edited locally: three-way merge against the base copy; the merged text is
  written when the edits do not overlap, the new revision becoming the base;
- overlapping edits: the local file stays, the wiki's version is written to
  ``<file>.remote`` (see :mod:`wikisync.mirror.folder`) and becomes the base, and
  the page is reported as a conflict (a push refuses it until resolved).

Pages moved on the wiki follow their page id (the file is renamed, local
edits kept); pages deleted on the wiki leave the mirror when unchanged
locally and are reported as conflicts otherwise. Writes go through
:meth:`~wikisync.ports.mirror.MirrorFolder.journal` (atomic files, journalled
metadata): an interrupted pull loses at most the page being written and the
next pull fetches only what is still missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

from wikisync.core.categories import normalize_category
from wikisync.core.errors import ConfigError, UnknownNameError
from wikisync.core.pages import CATEGORY_NS, PageText
from wikisync.core.selection import Selection
from wikisync.ops.select import selected_titles
from wikisync.ops.suggest import describe_category
from wikisync.ops.sync.items import ItemsReport
from wikisync.ops.sync.local import check_site, merge_as_saved, same_text
from wikisync.ports.mirror import MirrorFolder, MirrorJournal, text_sha1
from wikisync.ports.outcome import Outcome, report_fields
from wikisync.ports.sync import Listing, RemoteInfo, RevisionStore, SyncWiki, Wiki
from wikisync.sources import mirror_folder, sync_wiki

#: What pull did to a page.
PULL_ACTIONS = (
    Outcome.ADDED,
    Outcome.UPDATED,
    Outcome.MERGED,
    Outcome.CONFLICT,
    Outcome.MOVED,
    Outcome.DELETED,
    Outcome.MISSING,
)


@dataclass(frozen=True, slots=True)
class PullItem:
    """What a pull did to one page (pages it left alone are not listed).

    Attributes:
        title: the page's title (after a move, the new one).
        action: one of :data:`PULL_ACTIONS`: ``added`` to the mirror,
            ``updated`` (file replaced), ``merged`` (local edit kept and
            merged), ``conflict`` (local file kept; see ``conflict_file``),
            ``moved`` (file renamed), ``deleted`` (deleted on the wiki, file
            removed), ``missing`` (asked for, not on the wiki).
        file: the page's file, relative to the mirror ("" for ``missing``).
        revid: the wiki's revision now the base (0 when none).
        conflict_file: for conflicts where the wiki's version was written.
        detail: a sentence for people.
    """

    title: str
    action: Outcome
    file: str = ""
    revid: int = 0
    conflict_file: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return the item as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PullReport(ItemsReport):
    """The outcome of a pull.

    Attributes:
        items: what happened to each page touched, in order.
        listed: pages the wiki listed (asked for and already mirrored).
        fetched: page contents fetched from the wiki.
        requests: HTTP requests sent.
        cached: page contents taken from the revision cache instead.
        seconds: wall time.
    """

    ACTIONS: ClassVar[tuple[Outcome, ...]] = PULL_ACTIONS

    items: tuple[PullItem, ...]
    listed: int
    fetched: int
    requests: int
    cached: int = 0
    seconds: float = 0.0

    @property
    def conflicts(self) -> list[PullItem]:
        """The pages left in conflict."""
        return [item for item in self.items if item.action == Outcome.CONFLICT]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (docs/commands.md, "Run reports")."""
        return {
            **report_fields(
                self,
                operation="pull",
                dry_run=False,
                seconds=self.seconds,
                requests=self.requests,
                order=PULL_ACTIONS,
            ),
            "listed": self.listed,
            "fetched": self.fetched,
            "cached": self.cached,
            "items": [item.to_dict() for item in self.items],
        }


def pull(
    wiki: Wiki,
    mirror_dir: str | os.PathLike[str],
    *,
    categories: Iterable[str] = (),
    titles: Iterable[str] = (),
    recursive: bool = False,
    selection: Selection | None = None,
    durable: bool = True,
    cache: RevisionStore | None = None,
    on_page: Callable[[PullItem], None] | None = None,
) -> PullReport:
    """Pull pages from the wiki into a mirror folder (created if needed).

    Every page already in the mirror is brought up to date too, so a bare
    ``pull(config, "mirror")`` refreshes the whole mirror.

    Args:
        wiki: the wiki: a :class:`~wikisync.config.Config` (its ``site`` URL,
            else the wiki the mirror records; the connection is closed at the
            end), an open live-wiki source, or a connection to the wiki.
        mirror_dir: the mirror folder.
        categories: categories whose pages to add (with or without prefix).
        titles: single pages to add.
        recursive: also add the pages of subcategories (and those
            subcategories' own pages, so the mirror can walk the tree).
        selection: add the pages it chooses (titles, namespace, prefix,
            search…); with ``categories``, only their pages it chooses
            (every filter holds, as in the other commands). ``titles`` are
            added whatever it says.
        durable: fsync every file written (off only for throw-away mirrors).
        cache: the revision cache: revisions it holds are not fetched, those
            fetched are stored in it, and the categories pulled are marked as
            read, so that ``records`` and ``rebuild`` then read them
            incrementally (None: fetch everything, store nothing).
        on_page: called after each page is written (progress, tests).

    Returns:
        What happened to each page that changed.

    Raises:
        ConfigError: the mirror was pulled from another wiki, or no wiki is named.
        LockError: another run is writing the mirror.
        SiteError: the wiki kept failing (what was written so far stays, consistent).

    Example:
        >>> report = pull(load_config("wikisync.toml"), "mirror", categories=["Evénement"])
        >>> report.counts(), report.fetched
        ({'added': 2000}, 2000)
    """
    with sync_wiki(wiki, mirror_dir) as remote:
        return _pull(
            remote,
            mirror_folder(mirror_dir),
            categories,
            titles,
            recursive,
            selection,
            durable,
            cache,
            on_page,
        )


def _require_category(wiki: SyncWiki, category: str) -> None:
    """Refuse a category that lists nothing because it does not exist (a misspelt name).

    Raises:
        UnknownNameError: the message names the closest existing categories.
    """
    found = describe_category(wiki.reader(), category)
    if not found.exists:
        raise UnknownNameError(found.message, name=category)


def _pull(
    wiki: SyncWiki,
    mirror: MirrorFolder,
    categories: Iterable[str],
    titles: Iterable[str],
    recursive: bool,
    selection: Selection | None,
    durable: bool,
    cache: RevisionStore | None,
    on_page: Callable[[PullItem], None] | None,
) -> PullReport:
    start = wiki.requests
    clock = time.perf_counter()
    namespaces = wiki.namespaces
    recorded = mirror.recorded_site
    check_site(recorded, wiki)
    chosen = None if selection is None else set(selected_titles(wiki.reader(), selection))
    listing = Listing()
    listed_whole: list[str] = []  # categories whose every page this pull reads
    for category in categories:
        full_title = normalize_category(category, namespaces)
        if not namespaces.split(full_title)[1]:
            raise ConfigError(f"empty category name {category!r}", key="category")
        found = wiki.list_category(full_title, recursive=recursive)
        if not found.pages:
            _require_category(wiki, full_title)
        if chosen is not None:  # only the category's pages the selection keeps: not whole
            found.pages = {k: i for k, i in found.pages.items() if i.title in chosen}
            listing.update(found)
            continue
        listing.update(found)
        listed_whole.append(full_title)
        if recursive:
            listed_whole.extend(i.title for i in found.pages.values() if i.ns == CATEGORY_NS)
    # Only now, every category known to exist, is the mirror folder made.
    mirror.create(site=recorded or wiki.api_url, namespaces=namespaces)
    entries = mirror.entries()
    files = mirror.page_files()
    asked = [namespaces.normalize(t) for t in titles]
    if chosen is not None and not categories:
        asked += sorted(chosen)
    listing.update(
        wiki.list_known_pages(
            {
                e.pageid: e.categories
                for e in entries.values()
                if e.pageid is not None and e.pageid not in listing.pages
            },
            titles=asked + [e.title for e in entries.values() if e.pageid is None],
        )
    )
    items: list[PullItem] = []

    def done(item: PullItem) -> None:
        items.append(item)
        if on_page is not None:
            on_page(item)

    for title in sorted(set(asked) & listing.missing_titles):
        done(PullItem(title, Outcome.MISSING, detail="no such page on the wiki"))

    fetched = cached = 0
    with mirror.journal(durable=durable) as writer:
        # Deletions and moves first, so that titles are current below.
        by_pageid = {e.pageid: e for e in entries.values() if e.pageid is not None}
        for pageid, entry in sorted(by_pageid.items(), key=lambda kv: kv[1].title):
            remote = listing.pages.get(pageid)
            if remote is None and pageid in listing.missing_ids:
                done(_deleted_on_wiki(writer, mirror, entry.title, entry.file))
            elif remote is not None and remote.title != entry.title:
                if writer.entry(remote.title) is not None or remote.title in files:
                    done(
                        PullItem(
                            entry.title,
                            Outcome.CONFLICT,
                            entry.file,
                            entry.revid,
                            detail=f'moved on the wiki to "{remote.title}", which the mirror '
                            "holds already; remove one of the two files",
                        )
                    )
                    continue
                file = writer.move_page(entry.title, remote.title).as_posix()
                note = writer.name_note(remote.title)
                detail = f'moved on the wiki from "{entry.title}"' + (f"; {note}" if note else "")
                done(PullItem(remote.title, Outcome.MOVED, file, entry.revid, detail=detail))

        stale: dict[int, RemoteInfo] = {}
        for remote in listing.pages.values():
            known = writer.entry(remote.title)
            if known is None or known.revid != remote.revid:
                stale[remote.revid] = remote
            elif known.categories != remote.categories:
                # Categories added by a template change without a revision of the page.
                base = writer.base_text(remote.title)
                if base is None:
                    stale[remote.revid] = remote
                else:
                    page = PageText(
                        remote.title, base, known.revid, known.timestamp, remote.ns, remote.pageid
                    )
                    writer.write_base(page, categories=remote.categories)

        for page, from_cache in wiki.fetch_listed(stale, cache):
            if from_cache:
                cached += 1
            else:
                fetched += 1
            remote = stale[page.revid]
            done(_merge_page(writer, mirror, files, page, remote.categories))
    if cache is not None:
        # A later read of these categories through the cache lists their pages and
        # fetches only the revisions the cache lacks (pages current in the mirror).
        cache.mark_categories(wiki.api_url, listed_whole)
    return PullReport(
        tuple(items),
        len(listing.pages),
        fetched,
        wiki.requests - start,
        cached,
        time.perf_counter() - clock,
    )


def _deleted_on_wiki(
    writer: MirrorJournal, mirror: MirrorFolder, title: str, file: str
) -> PullItem:
    entry = writer.entry(title)
    text = mirror.read_page(file)
    unchanged = entry is not None and (text is None or text_sha1(text) == entry.sha1)
    if unchanged and not mirror.has_conflict(file):
        writer.remove_page(title)
        return PullItem(title, Outcome.DELETED, file, detail="deleted on the wiki; file removed")
    return PullItem(
        title,
        Outcome.CONFLICT,
        file,
        entry.revid if entry else 0,
        detail="deleted on the wiki, but edited locally: your file is kept",
    )


def _merge_page(
    writer: MirrorJournal,
    mirror: MirrorFolder,
    files: Mapping[str, Path],
    page: PageText,
    categories: tuple[str, ...],
) -> PullItem:
    entry = writer.entry(page.title)
    file = entry.file if entry is not None else None
    if file is None:
        # A page new to the mirror; a file made by hand for it is adopted.
        unlisted = files.get(page.title)
        local = None if unlisted is None else mirror.read_page(_relative(mirror.path, unlisted))
        if unlisted is None or local is None:
            written = writer.write_page(page, categories=categories).as_posix()
            return PullItem(
                page.title, Outcome.ADDED, written, page.revid, detail=writer.name_note(page.title)
            )
        if same_text(local, page.wikitext):
            written = writer.write_page(page, categories=categories).as_posix()
            return PullItem(
                page.title, Outcome.ADDED, written, page.revid, detail=writer.name_note(page.title)
            )
        return _conflict(
            writer,
            mirror,
            page,
            categories,
            _relative(mirror.path, unlisted),
            "the page was made locally and exists on the wiki with other text",
        )
    local = mirror.read_page(file)
    if local is None:
        written = writer.write_page(page, categories=categories).as_posix()
        return PullItem(
            page.title, Outcome.UPDATED, written, page.revid, detail="deleted locally; restored"
        )
    if entry is None or text_sha1(local) == entry.sha1:
        written = writer.write_page(page, categories=categories).as_posix()
        return PullItem(page.title, Outcome.UPDATED, written, page.revid)
    if same_text(local, page.wikitext):
        writer.write_base(page, categories=categories)
        return PullItem(
            page.title, Outcome.UPDATED, file, page.revid, detail="same edit on both sides"
        )
    base = writer.base_text(page.title)
    merged = merge_as_saved(base, local, page.wikitext) if base is not None else None
    if merged is None or not merged.clean:
        why = (
            "edited locally and on the wiki, and the base copy to merge against is gone"
            if merged is None
            else f"edited locally and on the wiki in the same place ({merged.conflicts} region(s))"
        )
        return _conflict(writer, mirror, page, categories, file, why)
    writer.write_page(page, categories=categories, text=merged.text)
    return PullItem(
        page.title, Outcome.MERGED, file, page.revid, detail="local edit merged with the wiki's"
    )


def _conflict(
    writer: MirrorJournal,
    mirror: MirrorFolder,
    page: PageText,
    categories: tuple[str, ...],
    file: str,
    why: str,
) -> PullItem:
    # The wiki's version goes beside the file first, then becomes the base:
    # the local edit now reads as a change against it, and push refuses the
    # page while the conflict file is there.
    conflict_file = mirror.write_conflict(file, page.wikitext)
    writer.write_base(page, categories=categories)
    return PullItem(
        page.title,
        Outcome.CONFLICT,
        file,
        page.revid,
        conflict_file,
        f"{why}: your file is kept, the wiki's version is in {conflict_file}; merge it into "
        f"your file and delete {conflict_file} (or take the wiki's: mv {conflict_file} {file})",
    )


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()
