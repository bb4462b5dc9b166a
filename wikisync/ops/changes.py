"""What changed in the records since a time: the library twin of ``wikisync changes``.

:func:`read_changes` asks the source for the pages changed since the time
(:meth:`~wikisync.ports.source.Source.changed_pages`: a live wiki's
recent changes, with the revision that held each page then), reads the
records of each page then and now, and compares them field by field
(:func:`~wikisync.core.record_changes.diff_records`). Creations, deletions and
moves are included.

The old values are read from the revision that held the page then; when
the record cache (:mod:`wikisync.ops.record_cache`) still holds that
revision's records, they cost no request (a cron or watch run that reads
the type keeps them for the next one). A deleted page's revisions are no
longer served by the wiki: its old values are the cache's when it holds
the page, else the deletion is reported without fields (when the cache
knew the page as one of the type) or not at all.

A page was of a type then when it is a member of the type's categories now,
or its old text links to one of them, or the record cache knew it as one;
a page is of the type now when it is a member of its categories.

Changes reach back as far as the wiki keeps recent changes (90 days by
default); pages imported with ``importDump`` leave no row and are not seen,
nor is a page that enters or leaves a category through a template's edit alone
(no edit of its own: MediaWiki's ``categorize`` rows are not read here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from wikisync.config import Config
from wikisync.core.categories import find_category_links, normalize_category
from wikisync.core.errors import SourceError
from wikisync.core.pages import PageText
from wikisync.core.record_changes import RecordChange, Since, diff_records, parse_since
from wikisync.core.records import PageRecords, Record, parse_page
from wikisync.core.schema import RecordType
from wikisync.ops.collect import iter_type_pages, record_type_named, records_of_pages
from wikisync.ops.record_cache import cached_page_records
from wikisync.ports.changed_pages import ChangedPage
from wikisync.ports.source import Source

__all__ = ["ROWS_KEPT_DAYS", "ChangesReport", "read_changes"]

#: How long MediaWiki keeps recent changes by default ($wgRCMaxAge).
ROWS_KEPT_DAYS = 90


@dataclass(slots=True)
class ChangesReport:
    """The record changes since a time.

    Attributes:
        since: the time read from (ISO 8601 UTC).
        cursor: ``TIMESTAMP|RCID`` after the last change read: give it as
            ``since`` next time to read on without a gap or a repeat.
        changes: the record changes, in the order of the pages' first change.
        pages: pages changed since (of any type).
        from_cache: old states read from the record cache (no request).
        beyond_rows: ``since`` is older than the wiki keeps recent changes by
            default: older changes may be missing.
    """

    since: str
    cursor: str
    changes: list[RecordChange] = field(default_factory=list)
    pages: int = 0
    from_cache: int = 0
    beyond_rows: bool = False


def read_changes(
    config: Config,
    source: Source,
    type_names: Sequence[str] = (),
    *,
    since: str | Since,
    now: dt.datetime | None = None,
    on_change: Callable[[RecordChange], None] | None = None,
) -> ChangesReport:
    """The records of the types that changed since a time, field by field.

    Args:
        config: the configuration (its ``types``).
        source: a live wiki (a folder or a dump keeps no history).
        type_names: the record types; all the configuration's when empty.
        since: a date, a date-time or a recent-changes cursor
            (:func:`~wikisync.core.record_changes.parse_since`), or a :class:`Since`.
        now: the current time (for :attr:`ChangesReport.beyond_rows`).
        on_change: called with each change as it is found.

    Returns:
        The report: the changes and the cursor to read on from.

    Raises:
        ConfigError: ``since`` cannot be read, or a type is unknown.
        SourceError: the source keeps no history.

    Example:
        >>> report = read_changes(config, source, ["event"], since="2026-12-01")
        >>> for change in report.changes:
        ...     print(change.text())
        Atelier vélo (changed)
          place: Paris → Lyon
    """
    start = parse_since(since) if isinstance(since, str) else since
    names = list(dict.fromkeys(type_names)) or list(config.types)
    record_types = [record_type_named(config.types, name) for name in names]
    changed = source.changed_pages(start.timestamp, after_rcid=start.rcid)
    if changed is None:
        raise SourceError(
            f"{source.location}: keeps no history; changes are read from a live wiki",
            path=source.location,
        )
    moment = now or dt.datetime.now(dt.UTC)
    oldest = (moment - dt.timedelta(days=ROWS_KEPT_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = ChangesReport(start.timestamp, changed.cursor, pages=len(changed.pages))
    report.beyond_rows = start.timestamp < oldest
    if not changed.pages:
        return report
    reading = _Reading(source, list(changed.pages))
    for record_type in record_types:
        for change in reading.changes_of(record_type):
            report.changes.append(change)
            if on_change is not None:
                on_change(change)
    report.from_cache = reading.from_cache
    return report


class _Reading:
    """The pages changed since the time, read once for every type."""

    def __init__(self, source: Source, pages: list[ChangedPage]) -> None:
        self.source = source
        self.pages = pages
        self.from_cache = 0
        self._texts: dict[int, str | None] | None = None

    def old_texts(self, wanted: Sequence[int]) -> Mapping[int, str | None]:
        if self._texts is None:
            self._texts = {}
        missing = [revid for revid in dict.fromkeys(wanted) if revid not in self._texts]
        if missing:
            for revid, (_title, text) in self.source.revision_texts(missing).items():
                self._texts[revid] = text
            for revid in missing:
                self._texts.setdefault(revid, None)
        return self._texts

    def changes_of(self, record_type: RecordType) -> list[RecordChange]:
        titles = [title for page in self.pages for title in (page.old_title, page.title)]
        memo = self.source.memo_store()
        cached: dict[str, PageRecords] = {}
        if memo is not None:  # before the records of now replace them
            store, site = memo
            cached = cached_page_records(store, site, record_type, titles)
        members: list[PageText] = list(iter_type_pages(self.source, record_type))
        current = {page.title for page in members}
        touched = {title for page in self.pages for title in (page.old_title, page.title)}
        # through the record cache: it then holds today's records for the next run
        now: dict[str, list[Record]] = {}
        for record in records_of_pages(self.source, record_type, members).records:
            if record.title in touched:
                now.setdefault(record.title, []).append(record)
        categories = {normalize_category(c, self.source.namespaces) for c in record_type.categories}
        olds = self._old_records(record_type, cached, current, categories)
        changes: list[RecordChange] = []
        for number, page in enumerate(self.pages):
            new = [] if page.deleted else now.get(page.title, [])
            old, known = olds[number]
            if not known and not new and page.old_title not in cached:
                continue  # a deleted page never known as one of this type
            changes.extend(
                diff_records(
                    old,
                    new,
                    record_type=record_type.name,
                    title=page.title,
                    old_title=page.old_title,
                    old_known=known,
                    timestamp=page.timestamp,
                )
            )
        return changes

    def _old_records(
        self,
        record_type: RecordType,
        cached: Mapping[str, PageRecords],
        current: set[str],
        categories: set[str],
    ) -> dict[int, tuple[list[Record], bool]]:
        """Per page (its number): its records then, and whether they are known."""
        found: dict[int, tuple[list[Record], bool]] = {}
        fetch: list[tuple[int, ChangedPage]] = []
        namespaces = self.source.namespaces
        # records live in the namespaces of the type's pages (the main one at least): an
        # edit of a talk or user page is never read
        kept_ns = {0} | {namespaces.split(title)[0] for title in current}
        for number, page in enumerate(self.pages):
            hit = cached.get(page.old_title)
            elsewhere = namespaces.split(page.old_title)[0] not in kept_ns and hit is None
            if elsewhere or page.created:
                found[number] = ([], True)
            elif not page.old_known:
                # the wiki no longer serves it: the cache's last records, if any
                found[number] = (list(hit.records), True) if hit else ([], False)
                self.from_cache += hit is not None
            elif hit and hit.records and all(r.revid == page.old_revid for r in hit.records):
                found[number] = (list(hit.records), True)
                self.from_cache += 1
            else:
                fetch.append((number, page))
        texts = self.old_texts([page.old_revid for _, page in fetch if page.old_revid])
        for number, page in fetch:
            text = texts.get(page.old_revid)
            if text is None:
                found[number] = ([], False)
                continue
            was_member = (
                page.title in current
                or page.old_title in current
                or page.old_title in cached
                or bool(categories & set(find_category_links(text, self.source.namespaces)))
            )
            records = (
                list(
                    parse_page(PageText(page.old_title, text, page.old_revid), record_type).records
                )
                if was_member
                else []
            )
            found[number] = (records, True)
        return found
