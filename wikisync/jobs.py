"""Index jobs: configuration jobs -> records -> render -> publish (``wikisync rebuild``).

A job says which records to list (a record type), with which page template,
on which page and between which markers. Jobs live in ``wikisync.toml``::

    [jobs.events]
    type = "event"                 # record type ([types.event])
    page = "Evénements"            # the target page
    page_template = "events"       # a shipped template, or a file relative to
                                   # this configuration ("templates/agenda.wiki.j2")
    marker = "events"              # the section name (default: the job name)
    max_shrink = 0.5               # share of items the list may lose in one run
    summary = "Liste des événements mise à jour"   # default: the global summary
    create = false                 # create the page (markers included) when missing
    variables = { intro = "…" }    # more variables for the page template

:func:`load_jobs` validates the tables; :func:`render_job` gives a job's
wikitext; :func:`rebuild_jobs` runs jobs against a source and a target and
returns a :class:`RunReport` (per job: pages read, records, problems, what was
done, diff size, time); :func:`plan_jobs` computes the same edits without
saving them, as a :class:`~wikisync.publish.Changeset`. Records of one type
are read once per run even when several jobs use them; a live wiki source
with its revision cache makes a run where nothing changed cost a listing and
one page read.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikisync.collect import collect_records, record_type_named
from wikisync.config import Config
from wikisync.errors import ConfigError, PublishError, WikisyncError
from wikisync.job_memo import JobMemo, open_job_memo
from wikisync.pages import PageText
from wikisync.publish import (
    DEFAULT_RETRIES,
    Changeset,
    Edit,
    PublishResult,
    Target,
    diff_stats,
    plan_edit,
    publish_page,
    read_page,
    utc_now,
)
from wikisync.records import RecordSet
from wikisync.render import TEMPLATE_SUFFIX, render_index
from wikisync.schema import RecordType
from wikisync.sections import (
    DEFAULT_MAX_SHRINK,
    find_section,
    hash_body,
    make_section,
    replace_section,
)
from wikisync.sources.base import Source

__all__ = [
    "Job",
    "JobReport",
    "RunReport",
    "config_jobs",
    "load_jobs",
    "plan_jobs",
    "rebuild_jobs",
    "render_job",
    "select_jobs",
]

log = logging.getLogger(__name__)

_KEYS = frozenset(
    {
        "type",
        "page",
        "page_template",
        "marker",
        "max_shrink",
        "summary",
        "create",
        "variables",
        "description",
    }
)


@dataclass(frozen=True, slots=True)
class Job:
    """One index page to keep up to date.

    Attributes:
        name: the job's name (its ``[jobs.NAME]`` table).
        type: the record type listed.
        page: the target page's title.
        page_template: the page template's name (``"events.wiki.j2"``).
        template_dirs: folders searched for it before the shipped templates.
        marker: the section name on the page.
        max_shrink: the share of items the list may lose in one run.
        summary: the edit summary, or None for the configuration's.
        create: create the page (with its markers) when it does not exist.
        variables: extra variables for the page template.
        description: what the job is for, for people.
    """

    name: str
    type: str
    page: str
    page_template: str
    template_dirs: tuple[str, ...] = ()
    marker: str = ""
    max_shrink: float = DEFAULT_MAX_SHRINK
    summary: str | None = None
    create: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


def load_jobs(tables: Mapping[str, Any], *, base_dir: Path | None = None) -> dict[str, Job]:
    """Validate the ``[jobs.*]`` tables of a configuration.

    Args:
        tables: ``Config.jobs``.
        base_dir: the configuration file's folder, against which a
            ``page_template`` path is resolved (default: the current folder).

    Returns:
        The jobs by name, in the file's order.

    Raises:
        ConfigError: an unknown key, a missing or mistyped value.
    """
    base = base_dir or Path.cwd()
    jobs: dict[str, Job] = {}
    for name, table in tables.items():
        jobs[name] = _load_job(name, table, base)
    return jobs


def _load_job(name: str, table: Any, base: Path) -> Job:
    where = f"[jobs.{name}]"

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}: {problem}", key=f"jobs.{name}.{key}" if key else "jobs")

    if not isinstance(table, Mapping):
        raise fail("", "should be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})")

    def text(key: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise fail(key, f"'{key}' is required")
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"'{key}' should be a non-empty string, got {value!r}")
        return value.strip()

    marker = text("marker", name)
    try:
        make_section(marker, "")  # sections.py holds the one rule for section names
    except ValueError:
        raise fail(
            "marker", f"marker {marker!r} should be letters, digits, '.', '_' or '-'"
        ) from None
    max_shrink = table.get("max_shrink", DEFAULT_MAX_SHRINK)
    if (
        isinstance(max_shrink, bool)
        or not isinstance(max_shrink, int | float)
        or not 0 <= max_shrink <= 1
    ):
        raise fail("max_shrink", f"'max_shrink' should be a number from 0 to 1, got {max_shrink!r}")
    create = table.get("create", False)
    if not isinstance(create, bool):
        raise fail("create", f"'create' should be true or false, got {create!r}")
    variables = table.get("variables", {})
    if not isinstance(variables, Mapping):
        raise fail("variables", "'variables' should be a table")
    clash = {"records", "today"} & set(variables)
    if clash:
        raise fail("variables", f"'variables' may not redefine {', '.join(sorted(clash))}")
    summary = table.get("summary")
    if summary is not None and not isinstance(summary, str):
        raise fail("summary", f"'summary' should be a string, got {summary!r}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise fail("description", "'description' should be a string")
    page_template, template_dirs = _resolve_template(text("page_template"), base)
    return Job(
        name=name,
        type=text("type"),
        page=text("page"),
        page_template=page_template,
        template_dirs=template_dirs,
        marker=marker,
        max_shrink=float(max_shrink),
        summary=summary,
        create=create,
        variables=dict(variables),
        description=description,
    )


def _resolve_template(value: str, base: Path) -> tuple[str, tuple[str, ...]]:
    # A path to a file (relative to the configuration) or a shipped template's name.
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base / path
    if path.is_file():
        return path.name, (str(path.parent),)
    name = value if value.endswith(".j2") else value + TEMPLATE_SUFFIX
    return name, ()


def select_jobs(jobs: Mapping[str, Job], names: Sequence[str] = ()) -> list[Job]:
    """The jobs named (all of them, in order, when none is).

    Raises:
        ConfigError: a name is no job, or there are no jobs at all.
    """
    if not jobs:
        raise ConfigError(
            "no jobs configured: add [jobs.NAME] tables to wikisync.toml "
            "(wikisync init writes the FabMob preset's)",
            key="jobs",
        )
    unknown = [name for name in names if name not in jobs]
    if unknown:
        raise ConfigError(
            f"unknown job '{unknown[0]}' (known: {', '.join(jobs)})", key=f"jobs.{unknown[0]}"
        )
    return [jobs[name] for name in dict.fromkeys(names)] if names else list(jobs.values())


def config_jobs(config: Config) -> dict[str, Job]:
    """The jobs of a configuration, template paths resolved against its file."""
    return load_jobs(config.jobs, base_dir=config.path.parent if config.path else None)


def render_job(job: Job, records: RecordSet, *, today: dt.date) -> str:
    """The generated wikitext of a job: its records through its page template.

    Raises:
        RenderError: the template failed (unknown, syntax, bad value).
    """
    return render_index(
        [record.to_dict() for record in records.records],
        job.page_template,
        today=today,
        extra=job.variables,
        template_dirs=job.template_dirs,
    )


# -- reports ------------------------------------------------------------------------


@dataclass(slots=True)
class JobReport:
    """What one job did.

    Attributes:
        job: the job's name.
        page: the target page.
        status: ``unchanged``, ``edited``, ``created``, ``planned`` (dry run or
            plan), ``refused``, ``conflict`` or ``failed``.
        pages_read: pages of the record type read.
        records: records rendered.
        problems: the record problems found (messages).
        added: lines the edit adds (0 without one).
        removed: lines the edit removes.
        seconds: wall time of the job.
        revid: the page's revision after the job, when known.
        attempts: how many times the page was read and computed.
        message: why the job was refused, in conflict or failed.
        edit: the edit computed, if any (not in the JSON report).
    """

    job: str
    page: str
    status: str = "failed"
    pages_read: int = 0
    records: int = 0
    problems: tuple[str, ...] = ()
    added: int = 0
    removed: int = 0
    seconds: float = 0.0
    revid: int | None = None
    attempts: int = 0
    message: str = ""
    edit: Edit | None = None

    @property
    def edited(self) -> bool:
        """True when the page was saved (edited or created)."""
        return self.status in ("edited", "created")

    def to_dict(self) -> dict[str, Any]:
        """The job's part of the JSON run report."""
        return {
            "job": self.job,
            "page": self.page,
            "status": self.status,
            "edited": self.edited,
            "pages_read": self.pages_read,
            "records": self.records,
            "problems": list(self.problems),
            "diff": {"added": self.added, "removed": self.removed},
            "revid": self.revid,
            "attempts": self.attempts,
            "seconds": round(self.seconds, 3),
            "message": self.message,
        }


@dataclass(slots=True)
class RunReport:
    """What a run of jobs did; ``exit_code`` is the command line's.

    Attributes:
        site: the wiki URL or mirror folder.
        started: when the run began, ISO 8601 UTC.
        today: the date that split upcoming from past events.
        dry_run: True when nothing was to be saved.
        jobs: one report per job, in the order run.
        seconds: wall time of the run.
        requests: HTTP requests the wiki connection has sent, login included
            (None for a local source).
    """

    site: str
    started: str
    today: str
    dry_run: bool = False
    jobs: list[JobReport] = field(default_factory=list)
    seconds: float = 0.0
    requests: int | None = None

    @property
    def exit_code(self) -> int:
        """0: all went well (including nothing to do); 1: a job failed;
        3: a page was refused or in conflict (and nothing failed)."""
        statuses = {job.status for job in self.jobs}
        if "failed" in statuses:
            return 1
        if statuses & {"refused", "conflict"}:
            return 3
        return 0

    @property
    def changed(self) -> bool:
        """True when any page was (or, on a dry run, would be) saved."""
        return any(job.edited or job.status == "planned" for job in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON run report written by ``--report``."""
        return {
            "site": self.site,
            "started": self.started,
            "today": self.today,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "exit_code": self.exit_code,
            "jobs": [job.to_dict() for job in self.jobs],
        }


# -- running ------------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    config: Config
    source: Source
    today: dt.date
    force: bool
    allow_shrink: bool
    create: bool
    summary: str | None
    record_sets: dict[str, RecordSet] = field(default_factory=dict)
    record_types: dict[str, RecordType] = field(default_factory=dict)

    def records_of(self, job: Job) -> RecordSet:
        if job.type not in self.record_sets:
            self.record_sets[job.type] = collect_records(self.source, self.record_types[job.type])
        return self.record_sets[job.type]

    def make_text(self, job: Job, body: str, count: int) -> Callable[[PageText | None], str]:
        def make(page: PageText | None) -> str:
            if page is None:
                if not (self.create or job.create):
                    raise PublishError(
                        f'Page "{job.page}" does not exist: create it with --create (or '
                        f"create = true in [jobs.{job.name}]), or write it with the markers "
                        f"<!-- wikisync:begin {job.marker} --> and "
                        f"<!-- wikisync:end {job.marker} -->",
                        title=job.page,
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

    def memo_of(self, job: Job, records: RecordSet) -> JobMemo | None:
        settings = {
            "page_template": job.page_template,
            "marker": job.marker,
            "max_shrink": job.max_shrink,
            "create": self.create or job.create,
            "variables": job.variables,
            "today": self.today.isoformat(),
            "force": self.force,
            "allow_shrink": self.allow_shrink,
        }
        return open_job_memo(self.source, job.name, job.page, records, settings, job.template_dirs)

    def summary_of(self, job: Job) -> str:
        return self.summary or job.summary or self.config.summary


def _section_holds(page: PageText, name: str, body: str, count: int) -> bool:
    """True when the page's section is exactly what replace_section would write."""
    section = find_section(page.wikitext, name, title=page.title)
    wanted = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n"))
    if wanted and not wanted.endswith("\n"):
        wanted += "\n"
    if section.body != wanted:
        return False
    begin = f"<!-- wikisync:begin {name} count={count} hash={hash_body(wanted)} -->\n"
    end = f"<!-- wikisync:end {name} -->"
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
        if job.type not in run.record_types:
            run.record_types[job.type] = record_type_named(config.types, job.type)
    return jobs, run


def _requests(source: Source) -> int | None:
    client = getattr(source, "client", None)
    count = getattr(client, "requests", None)
    return count if isinstance(count, int) else None


def _run_job(
    job: Job,
    run: _Run,
    target: Target | None,
    *,
    dry_run: bool,
    retries: int,
) -> JobReport:
    started = time.perf_counter()
    report = JobReport(job.name, job.page)
    try:
        records = run.records_of(job)
        report.pages_read = records.page_count
        report.records = len(records.records)
        report.problems = tuple(str(problem) for problem in records.problems)
        memo = run.memo_of(job, records)
        current = read_page(run.source, job.page) if memo is not None else None
        if memo is not None and current is not None and memo.holds(current):
            # nothing changed since the page was found to hold this very section
            log.info(
                "%s: page %s already holds this section; not rendered again", job.name, job.page
            )
            edit = plan_edit(job.page, current, current.wikitext, summary=run.summary_of(job))
            result = PublishResult(job.page, "unchanged", edit, current.revid)
        else:
            body = render_job(job, records, today=run.today)
            result = publish_page(
                run.source,
                target,
                job.page,
                run.make_text(job, body, len(records.records)),
                summary=run.summary_of(job),
                dry_run=dry_run,
                retries=retries,
                current=current,
            )
            if memo is not None and result.status == "unchanged" and result.edit is not None:
                memo.remember(result.edit.new_text)
        _fill(report, result)
    except WikisyncError as exc:
        report.status = "failed"
        report.message = str(exc)
    report.seconds = time.perf_counter() - started
    return report


def _fill(report: JobReport, result: PublishResult) -> None:
    report.status = result.status
    report.revid = result.revid
    report.attempts = result.attempts
    report.message = result.message
    report.edit = result.edit
    if result.edit is not None and result.status != "unchanged":
        report.added, report.removed = diff_stats(result.edit.diff())


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
) -> RunReport:
    """Regenerate and publish the index pages of the configuration's jobs.

    Each job reads its record type's pages (once per type per run), renders
    them, replaces its section on the target page (with the guards of
    :func:`~wikisync.sections.replace_section`) and saves only if the text
    changed, against the revision read (see :func:`~wikisync.publish.publish_page`).
    A job that fails or is refused does not stop the others.

    Args:
        config: the configuration (its ``jobs`` and ``types``).
        source: where pages are read.
        target: where pages are saved (:func:`~wikisync.publish.open_target`);
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

    Returns:
        The run report; its ``exit_code`` is 0, 1 or 3.

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
    report = RunReport(source.location, started, run.today.isoformat(), dry_run)
    for job in jobs:
        job_report = _run_job(job, run, target, dry_run=dry_run, retries=retries)
        report.jobs.append(job_report)
        if on_job is not None:
            on_job(job_report)
    report.seconds = time.perf_counter() - clock
    report.requests = _requests(source)
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
    page that would change, with the revision it was computed from; refused
    pages are in the report only.

    Returns:
        The changeset and the run report (statuses ``planned``, ``unchanged``,
        ``refused``, ``failed``).
    """
    report = rebuild_jobs(
        config,
        source,
        None,
        names=names,
        today=today,
        dry_run=True,
        force=force,
        allow_shrink=allow_shrink,
        create=create,
        summary=summary,
        on_job=on_job,
    )
    edits = tuple(job.edit for job in report.jobs if job.status == "planned" and job.edit)
    labels = {job.page: job.job for job in report.jobs if job.status == "planned"}
    return Changeset(source.location, report.started, edits, labels), report
