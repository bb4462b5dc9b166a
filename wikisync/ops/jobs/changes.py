"""Jobs that publish what changed in their records: an Atom feed, a webhook.

A job with ``format = "atom"`` (a file job) or ``notify`` (any job) compares
its records with those of its last run and publishes the difference, field
by field (:func:`~wikisync.core.record_changes.diff_records`)::

    [jobs.feed]
    type = "event"
    file = "public/events.atom"    # format "atom" from the suffix (.atom, .xml)
    entries = 50                   # the newest entries kept (default 50)

    [jobs.events]                  # an index page that also tells the chat
    type = "event"
    page = "Evénements"
    page_template = "events"
    notify = "https://chat.example.org/hooks/…"
    # or route by type: notify = { event = "https://…", "*" = "https://…" }

**State.** The records of the last run (and the feed's entries) are kept
beside the job's memo (:mod:`wikisync.ops.jobs.memo`), in the revision
cache's file, replaced in one transaction at the end of each run. The first
run only records the state: there is nothing to compare with yet. A source
without a revision cache (a folder, a dump, ``use_cache = false``) keeps no state:
nothing is published and the report says why.

**Feed.** One entry per record created, deleted or changed (its fields one
line each: ``place: Paris → Lyon``), the newest ``entries`` kept; the file
is written only when its bytes change (:mod:`wikisync.ops.jobs.feed`).

**Webhook.** One POST per webhook per run that found changes, with
``{"text": …}`` (what Mattermost and Slack incoming webhooks accept), tried
again with backoff on a fault (:mod:`wikisync.webhook`). It is sent in the
background while the next jobs do their wiki work (a run waits for its POSTs at
its end, then keeps the jobs' states) and never fails the job: a webhook
that keeps failing is logged and said in the job's report (``notify``), and
the run's exit code is the one of its wiki work. A batch whose POST failed is not posted again (the
feed, if any, still has it); a run killed between the POST and the saving
of its state posts that batch again next time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from wikisync.core.errors import WikisyncError
from wikisync.core.record_changes import RecordChange, diff_records
from wikisync.core.records import PageRecords, Record, RecordSet
from wikisync.core.schema import RecordType
from wikisync.loaders import parse_json
from wikisync.ops.jobs.config import ANY_TYPE, Job
from wikisync.ops.jobs.feed import FeedEntry, feed_entries, merge_entries, render_feed
from wikisync.ops.jobs.report import JobReport
from wikisync.ops.jobs.to_file import FileTarget
from wikisync.ops.record_cache import decode_page_records, encode_page_records, type_fingerprint
from wikisync.ports.memo import MemoStore
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source
from wikisync.webhook import Delivery, RetryPolicy, post_json

__all__ = [
    "MAX_TEXT",
    "ChangePublisher",
    "PendingPublication",
    "Publication",
    "prepare_changes",
    "publish_changes",
    "webhook_text",
]

log = logging.getLogger(__name__)

#: The longest ``text`` a webhook is sent (Mattermost takes 16,383 characters).
MAX_TEXT = 4000
_FEED_KEY = "\0feed"
_STATE_KEY = "\0state"


@dataclass(frozen=True, slots=True)
class Publication:
    """What a job published.

    Attributes:
        changes: the record changes found since its last run.
        first: no state was kept before: this run only recorded it.
        feed: the feed file's outcome (``written``, ``unchanged``, ``planned``),
            or None for a job without a feed.
        deliveries: one per webhook posted to.
        message: why nothing was published, when so ("" otherwise).
    """

    changes: tuple[RecordChange, ...] = ()
    first: bool = False
    feed: Outcome | None = None
    deliveries: tuple[Delivery, ...] = ()
    message: str = ""


class _State:
    """A job's last records and feed entries, in the memo store."""

    def __init__(self, store: MemoStore, site: str, job: str) -> None:
        self.store, self.site = store, site
        self.slot = f"\0changes:{job}"  # beside record types and job memos, never one of them

    def load(
        self, fingerprints: Mapping[str, str]
    ) -> tuple[dict[tuple[str, str], tuple[Record, ...]], list[FeedEntry], set[str]]:
        """The records kept (of the types whose schema is unchanged), the feed's entries,
        and the types whose state is kept."""
        stored = self.store.get_records(self.site, self.slot)
        records: dict[tuple[str, str], tuple[Record, ...]] = {}
        for key, (fingerprint, _digest, data) in stored.items():
            type_name, sep, title = key.partition("\0")
            if not sep or fingerprints.get(type_name) != fingerprint:
                continue  # another schema: compared as if new (see `known` below)
            try:
                records[(type_name, title)] = decode_page_records(data).records
            except ValueError:
                continue
        entries: list[FeedEntry] = []
        feed = stored.get(_FEED_KEY)
        if feed is not None:
            try:
                entries = [FeedEntry.from_dict(item) for item in parse_json(feed[2])]
            except (TypeError, KeyError, ValueError):
                entries = []
        known: set[str] = set()
        mark = stored.get(_STATE_KEY)
        if mark is not None:
            try:
                known = {
                    name
                    for name, fingerprint in dict(parse_json(mark[2])).items()
                    if fingerprints.get(name) == fingerprint
                }
            except (TypeError, ValueError):
                known = set()
        return records, entries, known

    def save(
        self,
        current: Mapping[tuple[str, str], tuple[Record, ...]],
        entries: Sequence[FeedEntry],
        fingerprints: Mapping[str, str],
    ) -> None:
        rows: list[tuple[str, str, str, str]] = []
        for (type_name, title), records in current.items():
            try:
                data = encode_page_records(PageRecords(title, records))
            except TypeError as exc:
                log.debug("job state: %r not kept (%s)", title, exc)
                continue
            rows.append((f"{type_name}\0{title}", fingerprints[type_name], "", data))
        rows.append((_FEED_KEY, "", "", json.dumps([e.to_dict() for e in entries])))
        rows.append((_STATE_KEY, "", "", json.dumps(dict(fingerprints), sort_keys=True)))
        kept = {row[0] for row in rows}
        stale = [key for key in self.store.get_records(self.site, self.slot) if key not in kept]
        self.store.put_records(self.site, self.slot, rows, forget=stale)


def _by_page(sets: Sequence[RecordSet]) -> dict[tuple[str, str], tuple[Record, ...]]:
    pages: dict[tuple[str, str], list[Record]] = {}
    for found in sets:
        for record in found.records:
            pages.setdefault((found.type, record.title), []).append(record)
    return {key: tuple(records) for key, records in pages.items()}


def _compare(
    before: Mapping[tuple[str, str], tuple[Record, ...]],
    now: Mapping[tuple[str, str], tuple[Record, ...]],
    known: set[str],
    times: Mapping[str, str],
) -> list[RecordChange]:
    changes: list[RecordChange] = []
    for key in dict.fromkeys([*now, *before]):
        type_name, title = key
        if type_name not in known:
            continue  # a type first read (or read with another schema): its state starts now
        changes.extend(
            diff_records(
                before.get(key, ()),
                now.get(key, ()),
                record_type=type_name,
                title=title,
                timestamp=times.get(title, ""),
            )
        )
    return changes


def _inert(text: str) -> str:
    """Wiki data made inert for a chat: no mention (``@channel``, ``@all``), no Slack
    control sequence (``<!here>``, ``<url|label>``): ``&``, ``<`` and ``>`` as entities
    (Slack's rule; Markdown shows them as the characters) and a word joiner after ``@``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", "@\u2060")


def webhook_text(job: Job, changes: Sequence[RecordChange]) -> str:
    """The ``text`` of a job's POST: a heading line, then each change (capped). What
    comes from the wiki (titles, values) is made inert: it can ping no one.

    Example:
        >>> print(webhook_text(job, changes))
        **wikisync** job events: 1 record changed
        [event] Atelier (changed)
          place: Paris → Lyon
    """
    count = len(changes)
    noun = "record" if count == 1 else "records"
    lines = [f"**wikisync** job {job.name}: {count} {noun} changed"]
    for number, change in enumerate(changes):
        block = _inert(f"[{change.type}] {change.text()}")
        if sum(len(line) + 1 for line in lines) + len(block) > MAX_TEXT - 40:
            lines.append(f"… and {count - number} more")
            break
        lines.append(block)
    return "\n".join(lines)


def _routes(job: Job, changes: Sequence[RecordChange]) -> dict[str, list[RecordChange]]:
    """Per webhook URL, the changes routed to it (in order)."""
    named = {name: url for name, url in job.notify if name != ANY_TYPE}
    fallback = next((url for name, url in job.notify if name == ANY_TYPE), None)
    routed: dict[str, list[RecordChange]] = {}
    for change in changes:
        url = named.get(change.type, fallback)
        if url is not None:
            routed.setdefault(url, []).append(change)
    return routed


@dataclass(slots=True)
class PendingPublication:
    """A job's changes found and its feed written: the POSTs to send, the state to keep.

    Attributes:
        publication: what was found (``deliveries`` empty until the POSTs are made).
        posts: (webhook URL, JSON payload) per webhook, one batch each.
    """

    publication: Publication
    posts: tuple[tuple[str, dict[str, str]], ...] = ()
    keep: Callable[[], None] | None = field(default=None, repr=False)

    def keep_state(self) -> None:
        """Keep this run's records as the job's state (after the POSTs: a run stopped
        before posts them again next time rather than never)."""
        if self.keep is not None:
            self.keep()


def prepare_changes(
    job: Job,
    sets: Sequence[RecordSet],
    record_types: Mapping[str, RecordType],
    source: Source,
    *,
    times: Mapping[str, str] | None = None,
    page_url: Callable[[str], str] | None = None,
    wiki: str = "",
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> PendingPublication:
    """Find a job's record changes since its last run and write its feed; post nothing.

    Arguments as for :func:`publish_changes`. The caller sends
    :attr:`PendingPublication.posts` (:func:`wikisync.webhook.post_json`), then calls
    :meth:`PendingPublication.keep_state` in the thread that opened the source.

    Raises:
        UnsafePathError: the feed file cannot be read or written.
    """
    memo = source.memo_store()
    if memo is None:
        return PendingPublication(
            Publication(
                message="changes are published from a live wiki read through the revision "
                "cache: this source keeps no state between runs"
            )
        )
    store, site = memo
    state = _State(store, site, job.name)
    fingerprints = {name: type_fingerprint(record_types[name]) for name in job.record_types}
    before, old_entries, known = state.load(fingerprints)
    had_state = bool(known)
    current = _by_page(sets)
    changes = _compare(before, current, known, times or {})
    moment = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    feed: Outcome | None = None
    entries = old_entries
    if job.format == "atom":
        entries = merge_entries(
            feed_entries(job.name, changes, when=moment, page_url=page_url),
            old_entries,
            job.entries,
        )
        text = render_feed(
            entries,
            feed_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{site}#wikisync-job:{job.name}')}",
            title=job.description or f"{job.name}: changes",
            link=wiki,
        )
        feed, _before = FileTarget(job.file).write(text.encode("utf-8"), dry_run=dry_run)
    publication = Publication(tuple(changes), not had_state, feed)
    if dry_run:
        return PendingPublication(publication)
    posts = tuple(
        (url, {"text": webhook_text(job, routed)}) for url, routed in _routes(job, changes).items()
    )

    def keep() -> None:
        state.save(current, entries, fingerprints)
        if not had_state:
            log.info("%s: first run: its records are kept; changes published from now on", job.name)

    return PendingPublication(publication, posts, keep)


def publish_changes(
    job: Job,
    sets: Sequence[RecordSet],
    record_types: Mapping[str, RecordType],
    source: Source,
    *,
    times: Mapping[str, str] | None = None,
    page_url: Callable[[str], str] | None = None,
    wiki: str = "",
    dry_run: bool = False,
    policy: RetryPolicy | None = None,
    now: dt.datetime | None = None,
) -> Publication:
    """Compare a job's records with its last run's and publish the changes (feed, POSTs).

    :func:`~wikisync.ops.jobs.run.rebuild_jobs` does the same in two steps
    (:func:`prepare_changes`, then the POSTs in the background while the other jobs run).

    Args:
        job: a job that publishes (``job.publishes``).
        sets: its records of this run, one set per type.
        record_types: the record types by name.
        source: the run's source (its memo store keeps the state).
        times: page title to revision time (the changes' times).
        page_url: a page title to its address (feed links).
        wiki: the wiki's address (the feed's link and id).
        dry_run: find the changes; write, post and keep nothing.
        policy: how hard each POST is tried.
        now: the time of entries whose page time is unknown (default: now).

    Raises:
        UnsafePathError: the feed file cannot be read or written.
    """
    pending = prepare_changes(
        job,
        sets,
        record_types,
        source,
        times=times,
        page_url=page_url,
        wiki=wiki,
        dry_run=dry_run,
        now=now,
    )
    deliveries = tuple(post_json(url, payload, policy=policy) for url, payload in pending.posts)
    pending.keep_state()
    return dataclasses.replace(pending.publication, deliveries=deliveries)


class ChangePublisher:
    """Publishes the record changes of a run's jobs: feeds at once, webhooks in the
    background while the next jobs do their wiki work (:func:`~wikisync.ops.jobs.run.rebuild_jobs`).

    Args:
        policy: how hard each POST is tried.
    """

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self.policy = policy
        self._posting: list[tuple[JobReport, PendingPublication, list[Future[Delivery]]]] = []
        self._pool: ThreadPoolExecutor | None = None

    def publish(
        self,
        job: Job,
        report: JobReport,
        sets: Sequence[RecordSet],
        record_types: Mapping[str, RecordType],
        source: Source,
        *,
        times: Mapping[str, str] | None = None,
        page_url: Callable[[str], str] | None = None,
        wiki: str = "",
        dry_run: bool = False,
    ) -> None:
        """Find a job's changes and write its feed now, fill its report, start its POSTs.

        A failure (the feed file cannot be written) is said in the report, never raised.
        """
        try:
            pending = prepare_changes(
                job,
                sets,
                record_types,
                source,
                times=times,
                page_url=page_url,
                wiki=wiki,
                dry_run=dry_run,
            )
        except WikisyncError as exc:
            report.publish_message = str(exc)
            log.warning("%s: changes not published: %s", job.name, exc)
            return
        publication = pending.publication
        report.publish_message = publication.message
        if publication.message:  # nothing compared (no state can be kept)
            if job.format == "atom":  # a feed job has no other work: it failed
                report.status, report.message = Outcome.FAILED, publication.message
            return
        report.changes = len(publication.changes)
        if publication.feed is not None and job.format == "atom":
            report.status = publication.feed
        futures = [self._post(url, payload) for url, payload in pending.posts]
        self._posting.append((report, pending, futures))

    def _post(self, url: str, payload: dict[str, str]) -> Future[Delivery]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook")
        return self._pool.submit(post_json, url, payload, policy=self.policy)

    def finish(self) -> None:
        """Wait for the POSTs, fill the reports' ``notified``, then keep each job's state
        (in the calling thread: the memo store's)."""
        try:
            for report, pending, futures in self._posting:
                report.notified = tuple(future.result() for future in futures)
                pending.keep_state()
        finally:
            self._posting.clear()
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
