"""One index run's state and the rendering of one job: what :mod:`wikisync.ops.jobs.run` drives.

:class:`_Run` holds what a run reads once and shares between its jobs (the
listings, the record sets, the record types, the page times, the change
publisher) and makes each job's section text; :func:`_prepare` checks every
job's configuration before any work; :func:`_group_by_page` puts the jobs that
write one page together; :func:`_render` renders one job's body (a template or
GeoJSON) into a :class:`_Rendered`, or a failed
:class:`~wikisync.ops.jobs.report.JobReport`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from wikisync.config import DEFAULT_SUMMARY, Config
from wikisync.core.errors import (
    MissingPageError,
    UnknownNameError,
    WikisyncError,
)
from wikisync.core.geo import check_map_page, same_json
from wikisync.core.pages import PageText
from wikisync.core.records import RecordSet
from wikisync.core.said import message_of, said
from wikisync.core.schema import RecordType
from wikisync.core.sections import (
    find_section,
    make_section,
    replace_section,
    section_body,
    section_markers,
)
from wikisync.i18n import gettext
from wikisync.ops.collect import iter_type_pages, record_type_named, records_of_pages
from wikisync.ops.geojson import format_geojson
from wikisync.ops.ical import TimedSource
from wikisync.ops.jobs.changes import ChangePublisher
from wikisync.ops.jobs.config import Job, config_jobs, render_job, select_jobs
from wikisync.ops.jobs.memo import JobMemo, open_job_memo
from wikisync.ops.jobs.report import JobReport
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source

__all__: list[str] = []


@dataclass(slots=True)
class _Run:
    config: Config
    source: Source
    today: dt.date
    force: bool
    allow_shrink: bool
    create: bool
    summary: str | None
    listings: dict[str, list[PageText]] = field(default_factory=dict)
    record_sets: dict[str, RecordSet] = field(default_factory=dict)
    record_types: dict[str, RecordType] = field(default_factory=dict)
    times: dict[str, str] = field(default_factory=dict)  # page title -> revision time
    publisher: ChangePublisher = field(default_factory=ChangePublisher)

    def pages_of(self, name: str) -> list[PageText]:
        """The pages of a record type (read once per run), records not yet read."""
        if name not in self.listings:
            timed = TimedSource(self.source, self.times)
            self.listings[name] = list(iter_type_pages(timed, self.record_types[name]))
        return self.listings[name]

    def records_of(self, job: Job) -> list[RecordSet]:
        for name in job.record_types:
            if name not in self.record_sets:
                pages = self.pages_of(name)
                self.record_sets[name] = records_of_pages(
                    self.source, self.record_types[name], pages
                )
        return [self.record_sets[name] for name in job.record_types]

    def make_text(self, job: Job, body: str, count: int) -> Callable[[PageText | None], str]:
        if job.format:
            return self._make_data(job, body)

        def make(page: PageText | None) -> str:
            if page is None:
                if not (self.create or job.create):
                    raise MissingPageError(
                        job.page,
                        said(
                            'Page "%(title)s" does not exist: create it with %(override)s (or '
                            "create = true in [jobs.%(job)s]), or write it with the markers "
                            "<!-- wikisync:begin %(marker)s --> and "
                            "<!-- wikisync:end %(marker)s -->",
                            title=job.page,
                            override="create=True",
                            job=job.name,
                            marker=job.marker,
                        ),
                        needs="create",
                    )
                return make_section(job.marker, body, count=count)
            if _section_holds(page, job.marker, body, count):
                return page.wikitext  # the common cron case, with one parse instead of three
            return replace_section(
                page.wikitext,
                job.marker,
                body,
                count=count,
                title=page.title,
                force=self.force,
                allow_shrink=self.allow_shrink,
                max_shrink=job.max_shrink,
            )

        return make

    def _make_data(self, job: Job, body: str) -> Callable[[PageText | None], str]:
        # A page that is all data: replaced whole, unless it holds the same data
        # already (MediaWiki re-indents a JSON page; equal data is no edit).
        def make(page: PageText | None) -> str:
            if page is None:
                if not (self.create or job.create):
                    raise MissingPageError(
                        job.page,
                        f'Page "{job.page}" does not exist: create it with create=True (or '
                        f"create = true in [jobs.{job.name}])",
                        needs="create",
                    )
                return body
            if same_json(page.wikitext, body):
                return page.wikitext
            check_map_page(
                page.wikitext,
                json.loads(body),
                title=page.title,
                job=job.name,
                force=self.force,
                allow_shrink=self.allow_shrink,
                max_shrink=job.max_shrink,
            )
            return body

        return make

    def memo_of(self, job: Job) -> JobMemo | None:
        listings = [(self.record_types[name], self.pages_of(name)) for name in job.record_types]
        settings = {
            "page_template": job.page_template,
            "marker": job.marker,
            "max_shrink": job.max_shrink,
            "create": self.create or job.create,
            "variables": job.variables,
            "today": self.today.isoformat(),
            "force": self.force,
            "allow_shrink": self.allow_shrink,
            # a job that starts publishing reads its records once, to keep their state
            "publishes": job.publishes,
        }
        return open_job_memo(self.source, job.name, job.page, listings, settings, job.template_dirs)

    def summary_of(self, job: Job) -> str:
        return self.summary or job.summary or self.config.summary or gettext(DEFAULT_SUMMARY)


def _section_holds(page: PageText, name: str, body: str, count: int) -> bool:
    """True when the page's section is exactly what replace_section would write."""
    section = find_section(page.wikitext, name, title=page.title)
    wanted = section_body(body)
    if section.body != wanted:
        return False
    begin, end = section_markers(name, wanted, count)
    text = page.wikitext
    return (
        text[section.start : section.body_start] == begin
        and text[section.body_end : section.end] == end
    )


def _prepare(
    config: Config,
    source: Source,
    names: Sequence[str],
    today: dt.date | None,
    force: bool,
    allow_shrink: bool,
    create: bool,
    summary: str | None,
) -> tuple[list[Job], _Run]:
    jobs = select_jobs(config_jobs(config), names)
    run = _Run(
        config, source, today or dt.date.today(), force, allow_shrink, create, summary or None
    )
    for job in jobs:  # every configuration error before any work
        for name in job.record_types:
            if name not in run.record_types:
                run.record_types[name] = record_type_named(config.types, name)
    return jobs, run


@dataclass(slots=True)
class _Step:
    """One job's part of a page's text: the text before and after its section."""

    before: str | None
    after: str | None = None
    error: WikisyncError | None = None


@dataclass(slots=True)
class _Rendered:
    job: Job
    report: JobReport
    body: str
    count: int
    seconds: float


def _group_by_page(jobs: Sequence[Job], source: Source) -> list[list[Job]]:
    """The jobs grouped by target page (normalised title), pages in first-seen order."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        try:
            key = source.namespaces.normalize(job.page)
        except (AttributeError, ValueError):
            key = job.page
        groups.setdefault(key, []).append(job)
    return list(groups.values())


def _render(job: Job, run: _Run) -> _Rendered | JobReport:
    started = time.perf_counter()
    report = JobReport(job.name, job.page)
    try:
        sets = run.records_of(job)
        report.pages_read = sum(found.page_count for found in sets)
        report.records = sum(len(found.records) for found in sets)
        report.problems = tuple(message_of(problem) for found in sets for problem in found.problems)
        if job.format == "geojson":
            geo = format_geojson(
                sets[0].records, run.record_types[job.type], indent=4, mark=job.name
            )
            body = geo.text.rstrip("\n")  # as MediaWiki stores it
            report.problems += tuple(message_of(problem) for problem in geo.problems)
        else:
            body = render_job(job, sets, today=run.today)
    except UnknownNameError:
        raise  # a misspelt name in the configuration: the run stops (exit 2)
    except WikisyncError as exc:
        report.status = Outcome.FAILED
        report.message = message_of(exc)
        report.seconds = time.perf_counter() - started
        return report
    return _Rendered(job, report, body, report.records, time.perf_counter() - started)
