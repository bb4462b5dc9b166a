"""``wikisync watch``: keep every index page and file job within a poll of the wiki.

:func:`watch` polls the wiki's recent changes every ``interval`` seconds, in
one request when nothing changed however many jobs there are (the emergency
stop page is read in the same request), over one session kept from poll to
poll. The rows not seen yet (:mod:`wikisync.ops.watch.cursor`) are mapped to
the jobs they call for (:mod:`wikisync.ops.watch.jobmap`); those jobs are
recorded in the cursor, the cursor saved, then the jobs run through
:func:`~wikisync.ops.jobs.run.rebuild_jobs` (its memo keeps an unchanged
render at no edit), at most one save per page or file per ``min_interval``.
Every ``reconcile`` seconds all jobs run through the revision listing, for
what recent changes cannot show. A transient fault never ends it: it waits
(doubling up to :data:`MAX_BACKOFF`), opens the wiki again and goes on. A
stop asked by SIGINT/SIGTERM (:mod:`wikisync.interrupt`) finishes the save in
flight, stores the cursor and ends the iteration.

It is an iterator of :class:`WatchEvent`: one per action, for a log line each.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from wikisync.config import Config
from wikisync.core.errors import ConfigError, LockError, SiteError, WikisyncError
from wikisync.core.schema import RecordType
from wikisync.interrupt import stop_requested
from wikisync.ops.collect import record_type_named
from wikisync.ops.jobs.config import Job, config_jobs, select_jobs
from wikisync.ops.jobs.report import JobReport
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.lock import run_lock_key
from wikisync.ops.publish import DEFAULT_RETRIES, Target, open_target
from wikisync.ops.watch.cursor import Cursor, epoch_of, load_cursor, save_cursor, wiki_time
from wikisync.ops.watch.jobmap import JobMap, build_job_map
from wikisync.ops.watch.settings import WatchSettings, watch_settings
from wikisync.ops.watch.status import WatchStatus, write_status
from wikisync.ports.outcome import Outcome
from wikisync.ports.recent import Change
from wikisync.ports.source import Source

__all__ = ["MAX_BACKOFF", "WatchEvent", "default_cursor_path", "watch"]

#: The longest wait after faults in a row (seconds), unless ``interval`` is longer.
MAX_BACKOFF = 300.0
#: The outcomes that saved something.
_SAVED = frozenset({Outcome.EDITED, Outcome.CREATED, Outcome.WRITTEN})
#: The outcomes tried again at the next poll (the rest need a person: a hand edit…).
_AGAIN = frozenset({Outcome.FAILED, Outcome.NOT_DONE})


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One thing the watcher did.

    Attributes:
        kind: ``started``, ``polled`` (new rows read), ``job`` (a job ran),
            ``deferred`` (jobs wait for ``min_interval``), ``paused`` and
            ``resumed`` (the stop page), ``reconcile`` (a full pass is due),
            ``locked`` (another run holds the lock: the jobs wait), ``fault``
            (a transient fault: the watcher waits and goes on), ``stopped``.
        at: when (a wiki time, UTC).
        changes: for ``polled``: the new rows; for ``started``: 1 when a
            cursor was found, else 0.
        requests: for ``polled``: the requests the poll took.
        jobs: the jobs concerned.
        report: for ``job``: its report.
        message: for ``fault`` and ``locked``: the error's message; for
            ``started``: the cursor file.
        wait: for ``fault`` and ``deferred``: seconds until the next try.
        lag: for ``polled``: seconds from the newest row to the poll.
    """

    kind: str
    at: str
    changes: int = 0
    requests: int = 0
    jobs: tuple[str, ...] = ()
    report: JobReport | None = None
    message: str = ""
    wait: float = 0.0
    lag: float | None = None


def default_cursor_path(source: Source, jobs: Sequence[str]) -> Path:
    """Where the cursor of ``jobs`` on ``source``'s wiki is kept: the user's state folder.

    One file per wiki (its identity) and set of jobs, so two watchers of other
    jobs never share a cursor.
    """
    key = "\n".join([run_lock_key(source), *sorted(jobs)])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return Path(platformdirs.user_state_dir("wikisync")) / "watch" / f"{digest}.json"


def watch(
    config: Config,
    *,
    names: Sequence[str] = (),
    once: bool = False,
    interval: float | None = None,
    status_file: Path | None = None,
    cursor_file: Path | None = None,
    lock: Callable[[Source], AbstractContextManager[object]] | None = None,
    bot: bool = True,
    minor: bool = False,
    retries: int = DEFAULT_RETRIES,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[WatchEvent]:
    """Keep the jobs fresh from the wiki's recent changes; yield what is done.

    Args:
        config: the configuration (site, jobs, types, ``[watch]``).
        names: the jobs to keep (all when empty).
        once: poll once, run what is due, store the cursor and end.
        interval: seconds between polls, over ``[watch] interval``.
        status_file: a JSON file rewritten after each poll (see
            :mod:`wikisync.ops.watch.status`).
        cursor_file: where the cursor is kept (default:
            :func:`default_cursor_path`).
        lock: the run lock held while jobs run (given the open source); the
            jobs wait for the next poll while another run holds it.
        bot: mark the edits as bot edits.
        minor: mark the edits as minor.
        retries: readings again after an edit conflict, per page.
        clock, sleep: time, for tests.

    Yields:
        One :class:`WatchEvent` per action.

    Raises:
        ConfigError: no such job, a bad job or type table, a cursor file that
            is not one, a site that keeps no recent changes (a folder, a dump).
        LoginError: the wiki refused the first login (later ones are faults).

    Example:
        >>> for event in watch(load_config("wikisync.toml"), once=True):
        ...     print(event.kind, event.jobs)
    """
    jobs = select_jobs(config_jobs(config), names)
    types = {
        name: record_type_named(config.types, name) for job in jobs for name in job.record_types
    }
    watcher = _Watcher(config, jobs, types, watch_settings(config, interval=interval), clock, sleep)
    watcher.status_file, watcher.lock, watcher.retries = status_file, lock, retries
    watcher.bot, watcher.minor = bot, minor
    yield from watcher.run(cursor_file, once=once)


class _Watcher:
    def __init__(
        self,
        config: Config,
        jobs: Sequence[Job],
        types: dict[str, RecordType],
        settings: WatchSettings,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.config, self.jobs, self.types, self.settings = config, jobs, types, settings
        self.clock, self.sleep = clock, sleep
        self.status_file: Path | None = None
        self.lock: Callable[[Source], AbstractContextManager[object]] | None = None
        self.bot, self.minor, self.retries = True, False, DEFAULT_RETRIES
        self.source: Source | None = None
        self.target: Target | None = None
        self.map: JobMap | None = None
        self.paused: bool | None = None
        self.status = WatchStatus(site=config.site, started=wiki_time(clock()))
        self.faults = 0
        self.once = False

    # -- the loop -------------------------------------------------------------------

    def run(self, cursor_file: Path | None, *, once: bool) -> Iterator[WatchEvent]:
        source = self._open()  # a bad login or site at start is the caller's error
        names = [job.name for job in self.jobs]
        try:
            path = cursor_file or default_cursor_path(source, names)
            cursor = load_cursor(path)
        except BaseException:
            source.close()
            raise
        found = cursor is not None
        if cursor is None:
            now = self.clock()
            cursor = Cursor(timestamp=wiki_time(now), reconciled=now)
            cursor.owe(names, now)  # a first start is a full pass
        for table in (cursor.pending, cursor.again):  # jobs since removed from the configuration
            for name in [name for name in table if name not in names]:
                del table[name]
        self.cursor, self.path, self.once = cursor, path, once
        try:
            yield self._event("started", changes=int(found), message=str(path))
            while not stop_requested():
                started = self.clock()
                try:
                    yield from self._tick()
                    self.faults = 0
                except (SiteError, LockError) as exc:
                    yield from self._fault(exc)
                    if once:
                        break
                    continue
                if once or stop_requested():
                    break
                self._wait(started)
        finally:
            save_cursor(self.path, self.cursor)
            self._write_status()
            if self.source is not None:
                self.source.close()
        yield self._event("stopped", jobs=tuple(sorted(self.cursor.pending)))

    def _tick(self) -> Iterator[WatchEvent]:
        source = self.source or self._open()
        yield from self._poll(source)
        now = self.clock()
        for name, due in list(self.cursor.again.items()):
            if due <= now:
                self.cursor.owe([name], now)
                del self.cursor.again[name]
        reconcile = self.settings.reconcile
        if reconcile > 0 and now - self.cursor.reconciled >= reconcile:
            self.cursor.owe([job.name for job in self.jobs], now)
            self.cursor.reconciled, self.cursor.members = now, None
            yield self._event("reconcile", jobs=tuple(job.name for job in self.jobs))
        if self.cursor.members is None:  # before the pass: a page that leaves is known
            self.cursor.members = self._list_members(source, self._map(source))
        if not self.paused:
            yield from self._run_due(source)
        save_cursor(self.path, self.cursor)
        self._write_status()

    def _poll(self, source: Source) -> Iterator[WatchEvent]:
        stop_page = self.settings.stop_page
        batch = source.recent_changes(self.cursor.since(), watched=[stop_page] if stop_page else [])
        if batch is None:
            raise ConfigError(
                f"site {source.location} keeps no recent changes (a folder or a dump): "
                "watch needs a live wiki",
                key="site",
            )
        now = self.clock()
        counts = self.status.counts
        counts.polls += 1
        counts.requests += batch.requests
        self.status.last_poll = wiki_time(now)
        if stop_page:
            text = batch.watched.get(stop_page)
            paused = bool(text and text.strip())
            if paused != bool(self.paused):
                yield self._event("paused" if paused else "resumed", message=stop_page)
            self.paused = self.status.paused = paused
        fresh = self.cursor.fresh(batch.changes)
        lag = None
        jobs: tuple[str, ...] = ()
        if fresh:
            newest = max(change.timestamp for change in fresh)
            lag = max(0.0, now - epoch_of(newest))
            self.status.last_change_seen, self.status.lag_seconds = newest, lag
            counts.changes += len(fresh)
            jobs = self._affected(source, fresh, now)
            self.cursor.advance(fresh)
            save_cursor(self.path, self.cursor)  # the jobs owed are recorded before they run
        yield self._event("polled", changes=len(fresh), requests=batch.requests, jobs=jobs, lag=lag)

    def _affected(self, source: Source, fresh: Sequence[Change], now: float) -> tuple[str, ...]:
        job_map = self._map(source)
        titles = job_map.page_titles(fresh)
        found = source.page_categories(titles) if titles else {}
        current = found or {}
        members = self.cursor.members
        was = {title: frozenset(types) for title, types in (members or {}).items()}
        affected = job_map.affected(fresh, was, current)
        if members is not None:
            for title in titles:
                types = sorted(job_map.types_of(current.get(title, frozenset())))
                if types:
                    members[title] = types
                else:
                    members.pop(title, None)
        self.cursor.owe(affected.jobs, now)
        for name in affected.later:
            self.cursor.again[name] = now + self.settings.interval  # the job queue ran by then
        return tuple(sorted(affected.jobs))

    def _list_members(self, source: Source, job_map: JobMap) -> dict[str, list[str]]:
        members: dict[str, set[str]] = {}
        for category in job_map.categories():
            types = job_map.by_category[category]
            for title in source.list_category(category):
                members.setdefault(job_map.namespaces.normalize(title), set()).update(types)
        return {title: sorted(types) for title, types in members.items()}

    def _run_due(self, source: Source) -> Iterator[WatchEvent]:
        now = self.clock()
        due = sorted(name for name, when in self.cursor.pending.items() if when <= now)
        if not due:
            return
        ready: list[str] = []
        waiting: list[str] = []
        wait = 0.0
        for name in due:
            left = self.cursor.saved.get(_key(self._job(name)), -1e18)
            left += self.settings.min_interval - now
            if left > 0:
                self.cursor.pending[name] = now + left
                waiting.append(name)
                wait = max(wait, left)
            else:
                ready.append(name)
        if waiting:
            yield self._event("deferred", jobs=tuple(waiting), wait=wait)
        if not ready:
            return
        assert self.target is not None
        reports: list[JobReport] = []
        with self.lock(source) if self.lock is not None else nullcontext():
            rebuild_jobs(
                self.config,
                source,
                self.target,
                names=ready,
                retries=self.retries,
                on_job=reports.append,
            )
        finished = self.clock()
        counts = self.status.counts
        for report in reports:
            job = self._job(report.job)
            if report.status in _SAVED:
                self.cursor.saved[_key(job)] = finished
                counts.saves += 1
            elif report.status == Outcome.UNCHANGED:
                counts.unchanged += 1
            else:
                counts.failures += 1
                self.status.last_error = report.message
            if report.status in _AGAIN:
                self.cursor.pending[report.job] = finished + self.settings.interval
            else:
                self.cursor.pending.pop(report.job, None)
            yield self._event("job", jobs=(report.job,), report=report)

    # -- faults, waiting, opening -----------------------------------------------------

    def _fault(self, exc: WikisyncError) -> Iterator[WatchEvent]:
        self.faults += 1
        wait = min(self.settings.interval * 2 ** (self.faults - 1), max(MAX_BACKOFF, 1.0))
        wait = max(wait, self.settings.interval)
        self.status.counts.faults += 1
        self.status.last_error = str(exc)
        if isinstance(exc, LockError):
            yield self._event("locked", message=str(exc), jobs=tuple(sorted(self.cursor.pending)))
        else:
            yield self._event("fault", message=str(exc), wait=wait)
            if self.source is not None:  # a client that gave up answers nothing more: reopen
                self.source.close()
                self.source = None
        save_cursor(self.path, self.cursor)
        self._write_status()
        if not self.once:
            self._pause(self.clock() + wait)

    def _wait(self, started: float) -> None:
        wake = started + self.settings.interval
        if not self.paused:
            soonest = min(self.cursor.pending.values(), default=wake)
            wake = min(wake, max(soonest, self.clock()))
        self._pause(wake)

    def _pause(self, until: float) -> None:
        while not stop_requested():
            left = until - self.clock()
            if left <= 0:
                return
            self.sleep(min(left, 0.25))

    def _open(self) -> Source:
        from wikisync.sources import open_source

        source = open_source(self.config)
        self.source = source
        self.target = open_target(source, bot=self.bot, minor=self.minor)
        return source

    def _map(self, source: Source) -> JobMap:
        if self.map is None:
            self.map = build_job_map(
                self.jobs, self.types, source.namespaces, stop_page=self.settings.stop_page
            )
        return self.map

    def _job(self, name: str) -> Job:
        return next(job for job in self.jobs if job.name == name)

    def _write_status(self) -> None:
        if self.status_file is not None:
            self.status.pending = sorted(self.cursor.pending)
            write_status(self.status_file, self.status)

    def _event(self, kind: str, **values: object) -> WatchEvent:
        return WatchEvent(kind, wiki_time(self.clock()), **values)  # type: ignore[arg-type]


def _key(job: Job) -> str:
    """What ``min_interval`` counts saves of: the job's page, or its file."""
    return f"file:{job.file}" if job.file else f"page:{job.page}"
