"""Index jobs: configuration jobs -> records -> render -> publish (``wikisync rebuild``).

The jobs themselves (the ``[jobs.*]`` tables: :class:`Job`, :func:`load_jobs`,
:func:`select_jobs`, :func:`config_jobs`, :func:`render_job`) are
:mod:`wikisync.ops.jobs.config`, re-exported here. :func:`rebuild_jobs` runs jobs
against a source and a target and returns a :class:`RunReport` (per job:
pages read, records, problems, what was done, diff size, time; see
:mod:`wikisync.ops.jobs.report`); :func:`plan_jobs` computes the same edits
without saving them, as a
:class:`~wikisync.ops.changeset.Changeset`. Jobs that write the same page (each
its own section) make one edit of that page: their sections are written in
turn onto the one text read, so the page is read and saved once and a plan
holds one edit per page. Records of one type are read once per run even
when several jobs use them. Page templates see ``records`` (the records of
the job's types), ``problems`` and ``quality`` (see :func:`render_job`): the
shipped ``quality`` template publishes a data-quality report for people to
fix. A live wiki source with its revision cache makes a run where nothing
changed cost a listing and one page read. A job with ``file`` writes a file
instead of a page (:mod:`wikisync.ops.jobs.to_file`): only when its bytes change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence

from wikisync.config import Config
from wikisync.core.errors import (
    PAGE_REFUSALS,
    EditConflictError,
    UnknownNameError,
    WikisyncError,
)
from wikisync.core.pages import PageText
from wikisync.core.said import message_of
from wikisync.interrupt import stop_requested
from wikisync.ops.changeset import Changeset
from wikisync.ops.jobs.config import Job, config_jobs, load_jobs, render_job, select_jobs
from wikisync.ops.jobs.memo import JobMemo, MemoCounts
from wikisync.ops.jobs.report import JobReport, RunReport
from wikisync.ops.jobs.run_state import (
    _group_by_page,
    _prepare,
    _render,
    _Rendered,
    _Run,
    _Step,
)
from wikisync.ops.jobs.to_file import run_file_job
from wikisync.ops.publish import (
    DEFAULT_RETRIES,
    Edit,
    PublishResult,
    Target,
    publish_page,
    read_page,
    utc_now,
)
from wikisync.ops.quality.check import wiki_links
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source, requests_sent
from wikisync.webhook import RetryPolicy

__all__ = [
    "Job",
    "config_jobs",
    "load_jobs",
    "plan_jobs",
    "rebuild_jobs",
    "render_job",
    "select_jobs",
]

log = logging.getLogger(__name__)


def _compose(
    run: _Run, rendered: Sequence[_Rendered], steps: dict[str, _Step]
) -> Callable[[PageText | None], str]:
    """The page's new text: every job's section written in turn onto one base text.

    Each job's outcome (its text before and after, or why it was refused) goes
    to ``steps``; a refused job leaves the text as it was for the next one.
    On a missing page, the first job that may create it writes the page, and
    the next ones that may add their section below.
    """

    def make(page: PageText | None) -> str:
        steps.clear()
        text = page.wikitext if page is not None else None
        for item in rendered:
            job = item.job
            step = steps[job.name] = _Step(text)
            compute = run.make_text(job, item.body, item.count)
            try:
                if page is None:
                    section = compute(None)  # refuses unless the job may create the page
                    step.after = section if text is None else f"{text}\n\n{section}"
                else:
                    assert text is not None
                    step.after = compute(dataclasses.replace(page, wikitext=text))
            except PAGE_REFUSALS as exc:
                step.error = exc
                continue
            text = step.after
        if text is None:  # a missing page no job may create
            errors = [step.error for step in steps.values() if step.error is not None]
            raise errors[0]
        return text

    return make


def _page_summary(run: _Run, rendered: Sequence[_Rendered]) -> str:
    return " ; ".join(dict.fromkeys(run.summary_of(item.job) for item in rendered))


def _run_page(
    jobs: Sequence[Job],
    run: _Run,
    target: Target | None,
    *,
    dry_run: bool,
    retries: int,
) -> tuple[list[JobReport], PublishResult | None]:
    """Run the jobs that write one page: one edit holding every job's section.

    On a live wiki with a cache, a page found to hold every job's section for
    the very same inputs (see :mod:`wikisync.ops.jobs.memo`) is not rendered again.
    """
    memos: list[JobMemo | None] = []
    current: PageText | None = None
    data = [job for job in jobs if job.format]
    if data and len(jobs) > 1:
        message = (
            f'Page "{jobs[0].page}" is written whole by job {data[0].name} '
            f"(format {data[0].format}); no other job may write it"
        )
        return [
            JobReport(job.name, job.page, Outcome.FAILED, message=message) for job in jobs
        ], None
    try:
        memos = [] if data else [run.memo_of(job) for job in jobs]
        if memos and all(memo is not None for memo in memos):
            current = read_page(run.source, jobs[0].page)
    except WikisyncError:
        memos, current = [], None  # rendered as usual below, which reports the failure
    held = [memo.held(current) for memo in memos if memo is not None] if current is not None else []
    if current is not None and len(held) == len(jobs) and all(held):
        return _held(jobs, current, [counts for counts in held if counts is not None]), None
    outcomes = [_render(job, run) for job in jobs]
    rendered = [item for item in outcomes if isinstance(item, _Rendered)]
    if not rendered:
        return [item for item in outcomes if isinstance(item, JobReport)], None
    started = time.perf_counter()
    steps: dict[str, _Step] = {}
    result: PublishResult | None = None
    failure = ""
    try:
        result = publish_page(
            run.source,
            target,
            jobs[0].page,
            _compose(run, rendered, steps),
            summary=_page_summary(run, rendered),
            dry_run=dry_run,
            retries=retries,
            current=current,
            content_model=jobs[0].content_model,
        )
        if result.status == Outcome.UNCHANGED and result.edit is not None:
            _remember(memos, jobs, outcomes, steps, result.edit.new_text)
    except WikisyncError as exc:
        failure = str(exc)
    shared = time.perf_counter() - started
    for item in rendered:
        report = item.report
        report.seconds = item.seconds + shared
        step = steps.get(item.job.name)
        if result is None or step is None:
            report.status, report.message = Outcome.FAILED, failure or "the page was not computed"
        else:
            _fill(report, result, step)
    reports = [item if isinstance(item, JobReport) else item.report for item in outcomes]
    for job, job_report in zip(jobs, reports, strict=True):
        _publish(job, run, job_report, dry_run=dry_run)
    return reports, result


def _remember(
    memos: Sequence[JobMemo | None],
    jobs: Sequence[Job],
    outcomes: Sequence[_Rendered | JobReport],
    steps: dict[str, _Step],
    text: str,
) -> None:
    """Remember, for each job that rendered and found its section in place, that it holds."""
    for memo, job, outcome in zip(memos, jobs, outcomes, strict=False):
        step = steps.get(job.name)
        if memo is None or not isinstance(outcome, _Rendered) or step is None:
            continue  # a job that failed or was refused is never taken for one that holds
        if step.error is None and step.after == step.before:
            report = outcome.report
            memo.remember(text, MemoCounts(report.pages_read, report.records, report.problems))


def _held(jobs: Sequence[Job], current: PageText, counts: Sequence[MemoCounts]) -> list[JobReport]:
    """The reports of jobs whose page already holds their sections (nothing rendered)."""
    reports = []
    for job, held in zip(jobs, counts, strict=True):
        log.info("%s: page %s already holds this section; not rendered again", job.name, job.page)
        report = JobReport(job.name, job.page, status=Outcome.UNCHANGED, revid=current.revid)
        report.pages_read, report.records = held.pages_read, held.records
        report.problems = held.problems
        reports.append(report)
    return reports


def _publish(job: Job, run: _Run, report: JobReport, *, dry_run: bool) -> None:
    """Publish the job's record changes (:mod:`wikisync.ops.jobs.changes`), never failing it."""
    if not job.publishes or not all(name in run.record_sets for name in job.record_types):
        return  # records not read again (the page held): nothing changed since
    links = wiki_links(run.source)
    run.publisher.publish(
        job,
        report,
        [run.record_sets[name] for name in job.record_types],
        run.record_types,
        run.source,
        times=run.times,
        page_url=links.page_url if links is not None else None,
        wiki=links.script if links is not None else "",
        dry_run=dry_run,
    )


def _fill(report: JobReport, result: PublishResult, step: _Step) -> None:
    report.attempts = result.attempts
    report.revid = result.revid
    if step.error is not None:
        is_conflict = isinstance(step.error, EditConflictError)
        report.status = Outcome.CONFLICT if is_conflict else Outcome.REFUSED
        report.message = message_of(step.error)
        report.needs = step.error.needs or ""
        return
    if step.after == step.before:
        report.status = Outcome.UNCHANGED
        return
    report.status = result.status
    report.message = result.message
    report.needs = result.needs
    base = result.edit
    report.edit = Edit(
        report.page if base is None else base.title,
        step.before,
        step.after or "",
        base.base_revid if base is not None else 0,
        base.base_timestamp if base is not None else "",
        base.summary if base is not None else "",
    )
    report.added, report.removed = report.edit.line_changes()


def _run_file(job: Job, run: _Run, *, dry_run: bool) -> JobReport:
    """Run a job that writes a file (:mod:`wikisync.ops.jobs.to_file`); a feed job's
    file is written by its publishing step (:mod:`wikisync.ops.jobs.changes`)."""
    started = time.perf_counter()
    report = JobReport(job.name, job.page, file=job.file)
    if stop_requested():
        report.status = Outcome.NOT_DONE
        return report
    outcome = None
    try:
        sets = run.records_of(job)
        if job.format != "atom":
            links = wiki_links(run.source)
            outcome = run_file_job(
                job,
                sets,
                run.record_types,
                today=run.today,
                dry_run=dry_run,
                times=run.times,
                page_url=links.page_url if links is not None else None,
                wiki=links.script if links is not None else "",
            )
    except UnknownNameError:
        raise  # a misspelt name in the configuration: the run stops (exit 2)
    except WikisyncError as exc:
        report.status, report.message = Outcome.FAILED, message_of(exc)
        report.seconds = time.perf_counter() - started
        return report
    report.pages_read = sum(found.page_count for found in sets)
    report.records = sum(len(found.records) for found in sets)
    found_problems = (problem for found in sets for problem in found.problems)
    left_out = outcome.problems if outcome is not None else ()
    report.problems = tuple(message_of(p) for p in (*found_problems, *left_out))
    report.status = outcome.status if outcome is not None else Outcome.UNCHANGED
    if outcome is not None and outcome.status != Outcome.UNCHANGED:
        report.edit = Edit(job.file, outcome.old_text, outcome.new_text)
        report.added, report.removed = report.edit.line_changes()
    _publish(job, run, report, dry_run=dry_run)
    report.seconds = time.perf_counter() - started
    return report


def _run_jobs(
    jobs: Sequence[Job],
    run: _Run,
    target: Target | None,
    report: RunReport,
    *,
    dry_run: bool,
    retries: int,
    on_job: Callable[[JobReport], None] | None,
) -> list[tuple[list[JobReport], PublishResult]]:
    """Run the jobs page by page; the page edits made (or planned), with their jobs."""
    done: dict[str, JobReport] = {}
    pages: list[tuple[list[JobReport], PublishResult]] = []
    try:
        for job in (job for job in jobs if job.file):
            done[job.name] = _run_file(job, run, dry_run=dry_run)
            if on_job is not None:
                on_job(done[job.name])
        for group in _group_by_page([job for job in jobs if not job.file], run.source):
            if stop_requested():  # SIGINT/SIGTERM: stop between pages
                for job in group:
                    done[job.name] = JobReport(job.name, job.page, Outcome.NOT_DONE)
                continue
            reports, result = _run_page(group, run, target, dry_run=dry_run, retries=retries)
            for job_report in reports:
                done[job_report.job] = job_report
                if on_job is not None:
                    on_job(job_report)
            if result is not None:
                pages.append((reports, result))
    finally:
        run.publisher.finish()  # also when a job stops the run (a misspelt name)
    report.jobs.extend(done[job.name] for job in jobs)
    return pages


def rebuild_jobs(
    config: Config,
    source: Source,
    target: Target | None,
    *,
    names: Sequence[str] = (),
    today: dt.date | None = None,
    dry_run: bool = False,
    force: bool = False,
    allow_shrink: bool = False,
    create: bool = False,
    summary: str | None = None,
    retries: int = DEFAULT_RETRIES,
    on_job: Callable[[JobReport], None] | None = None,
    notify_policy: RetryPolicy | None = None,
) -> RunReport:
    """Regenerate and publish the index pages of the configuration's jobs.

    Each job reads its record type's pages (once per type per run), renders
    them, replaces its section on the target page (with the guards of
    :func:`~wikisync.core.sections.replace_section`) and saves only if the text
    changed, against the revision read (see :func:`~wikisync.ops.publish.publish_page`).
    A job that fails or is refused does not stop the others. Jobs writing
    the same page make one edit holding all their sections (a refused job's
    section stays as it was). When a signal asks the run to stop
    (:mod:`wikisync.interrupt`), the page in flight is finished and the jobs
    of the pages left are ``not done``.

    Args:
        config: the configuration (its ``jobs`` and ``types``).
        source: where pages are read.
        target: where pages are saved (:func:`~wikisync.ops.publish.open_target`);
            None only with ``dry_run``.
        names: the jobs to run; all of them when empty.
        today: the date splitting upcoming from past events (default: today).
        dry_run: compute the edits, save nothing (status ``planned``).
        force: replace a section edited by hand (or never written by wikisync).
        allow_shrink: skip the shrink guard.
        create: create missing target pages, markers included.
        summary: the edit summary, over the jobs' and the configuration's.
        retries: readings again after an edit conflict, per page.
        on_job: called with each job's report as soon as it is done.
        notify_policy: how hard a job's webhook is tried (:mod:`wikisync.ops.jobs.changes`).

    Returns:
        The run report: each job's outcome.

    Raises:
        ConfigError: no jobs, an unknown job or record type, a bad job table.

    Example:
        >>> config = load_config("examples/fabmob/wikisync.toml")
        >>> source = open_source(config)
        >>> report = rebuild_jobs(config, source, open_target(source), names=["events"])
        >>> report.jobs[0].status
        'edited'
    """
    started, clock = utc_now(), time.perf_counter()
    jobs, run = _prepare(config, source, names, today, force, allow_shrink, create, summary)
    run.publisher.policy = notify_policy
    report = RunReport(source.location, started, run.today.isoformat(), dry_run)
    _run_jobs(jobs, run, target, report, dry_run=dry_run, retries=retries, on_job=on_job)
    report.seconds = time.perf_counter() - clock
    report.requests = requests_sent(source)
    return report


def plan_jobs(
    config: Config,
    source: Source,
    *,
    names: Sequence[str] = (),
    today: dt.date | None = None,
    force: bool = False,
    allow_shrink: bool = False,
    create: bool = False,
    summary: str | None = None,
    on_job: Callable[[JobReport], None] | None = None,
) -> tuple[Changeset, RunReport]:
    """Compute the jobs' edits without saving them: a reviewable changeset.

    Arguments as for :func:`rebuild_jobs`. The changeset holds one edit per
    page that would change, with the revision it was computed from; when
    several jobs write one page, that edit holds all their sections (its
    label names the jobs). Refused jobs are in the report only.

    Returns:
        The changeset and the run report (statuses ``planned``, ``unchanged``,
        ``refused``, ``failed``).
    """
    started, clock = utc_now(), time.perf_counter()
    jobs, run = _prepare(config, source, names, today, force, allow_shrink, create, summary)
    report = RunReport(source.location, started, run.today.isoformat(), True)
    pages = _run_jobs(jobs, run, None, report, dry_run=True, retries=0, on_job=on_job)
    edits: list[Edit] = []
    labels: dict[str, str] = {}
    for reports, result in pages:
        if result.status == Outcome.PLANNED and result.edit is not None:
            edits.append(result.edit)
            labels[result.title] = ", ".join(r.job for r in reports if r.status == Outcome.PLANNED)
    report.seconds = time.perf_counter() - clock
    report.requests = requests_sent(source)
    return Changeset(source.location, report.started, tuple(edits), labels), report
