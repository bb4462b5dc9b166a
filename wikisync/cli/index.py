"""Index-page commands: ``render``, ``rebuild``, ``plan`` and ``apply``.

Thin shells over :mod:`wikisync.jobs` and :mod:`wikisync.publish`. ``rebuild``
and ``apply`` hold the run lock of the site (:mod:`wikisync.lock`) for their
whole run, are silent when nothing changed (unless ``-v``) and exit with the
run's code: 0 ok (including nothing to do), 1 a job failed, 3 a page was
refused or in conflict, 4 another run holds the lock.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wikisync.cli.main import State, cli, opened_source, run_lock, write_options, write_output
from wikisync.collect import collect_records, record_type_named
from wikisync.config import Config
from wikisync.errors import ConfigError
from wikisync.jobs import JobReport, RunReport, config_jobs, plan_jobs, rebuild_jobs, render_job
from wikisync.jobs import select_jobs as _select_jobs
from wikisync.publish import (
    DEFAULT_RETRIES,
    MirrorTarget,
    PublishResult,
    Target,
    apply_changeset,
    open_target,
    read_changeset,
    write_changeset,
)

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _today_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--today",
        type=_DATE,
        default=None,
        metavar="YYYY-MM-DD",
        help="The date that splits upcoming from past events [default: today].",
    )(function)


def _guard_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--force",
                is_flag=True,
                help="Replace a section edited by hand (or never written by wikisync).",
            ),
            click.option(
                "--allow-shrink",
                is_flag=True,
                help="Save even if the list shrinks past the job's max_shrink (or empties).",
            ),
            click.option(
                "--create",
                is_flag=True,
                help="Create a missing target page, with its markers.",
            ),
            click.option(
                "--summary",
                metavar="TEXT",
                default=None,
                help="Edit summary [default: the job's, else the configuration's].",
            ),
        ]
    ):
        function = option(function)
    return function


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _color() -> bool:
    return sys.stdout.isatty()


def _describe(report: JobReport, target: Target | None) -> str:
    what = f'{report.job}: page "{report.page}"'
    size = f"+{report.added} -{report.removed} lines"
    if report.status in ("edited", "created"):
        if isinstance(target, MirrorTarget):
            path = target.file_of(report.page)
            verb = "created" if report.status == "created" else "updated"
            return (
                f"{what} {verb} in the mirror: {path} ({size}); "
                "send it to the wiki with 'wikisync push'"
            )
        note = f": {report.message}" if report.message else ""
        return f"{what} {report.status} ({size}, revision {report.revid}){note}"
    if report.status == "planned":
        return f"{what} would change ({size})"
    if report.status == "unchanged":
        return (
            f"{what} unchanged ({report.records} records from {report.pages_read} pages, "
            f"{len(report.problems)} problems)"
        )
    return f"{what} {report.status}: {report.message}"


def _print_report(
    state: State, report: RunReport, target: Target | None, *, show_diffs: bool
) -> None:
    for job in report.jobs:
        if show_diffs and job.status == "planned" and job.edit is not None:
            click.echo(job.edit.diff(color=_color()), nl=False)
        if job.status in ("refused", "conflict", "failed"):
            click.echo(f"wikisync: {_describe(job, target)}", err=True)
        elif job.status == "unchanged":
            if state.verbosity > 0:
                click.echo(_describe(job, target), err=True)
        elif state.verbosity >= 0:
            click.echo(_describe(job, target), err=True)
        if state.verbosity > 0:
            for problem in job.problems:
                click.echo(f"  {problem}", err=True)


def _run_with_progress(
    state: State, count: int, run: Callable[[Callable[[JobReport], None] | None], RunReport]
) -> RunReport:
    # A bar on a terminal only (stderr), and only when there is more than one job.
    if count < 2 or state.verbosity < 0 or not sys.stderr.isatty():
        return run(None)
    with click.progressbar(length=count, label="jobs", file=sys.stderr) as bar:
        return run(lambda _report: bar.update(1))


def _job_count(config: Config, names: tuple[str, ...]) -> int:
    return len(_select_jobs(config_jobs(config), names))


@cli.command()
@click.argument("job_name", metavar="JOB")
@_today_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output.",
)
@click.pass_obj
def render(state: State, job_name: str, today: dt.datetime | None, output: Path | None) -> None:
    """Print the wikitext JOB generates (the section's body); write nothing.

    \b
    Example:
      wikisync -c examples/fabmob/wikisync.toml render events --today 2025-01-06
    """
    config = state.config()
    job = _select_jobs(config_jobs(config), [job_name])[0]
    record_type = record_type_named(config.types, job.type)
    with opened_source(state) as source:
        records = collect_records(source, record_type)
    text = render_job(job, records, today=_date(today) or dt.date.today())
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        write_output(output, text)
    if records.problems and state.verbosity >= 0:
        click.echo(
            f"wikisync: {len(records.records)} records, {len(records.problems)} problem(s) in "
            f"{job.type} pages; run 'wikisync check {job.type}' for the list",
            err=True,
        )


@cli.command()
@click.argument("job_names", metavar="[JOB]...", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Print the diffs; write nothing.")
@_today_option
@_guard_options
@write_options
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=DEFAULT_RETRIES,
    show_default=True,
    help="Read and compute a page again this many times after an edit conflict.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a JSON run report to FILE (per job: pages read, records, problems, "
    "status, diff size, time).",
)
@click.pass_obj
def rebuild(
    state: State,
    job_names: tuple[str, ...],
    dry_run: bool,
    today: dt.datetime | None,
    force: bool,
    allow_shrink: bool,
    create: bool,
    summary: str | None,
    minor: bool,
    bot: bool,
    retries: int,
    report_path: Path | None,
) -> None:
    """Regenerate and publish the index pages of JOBs (all jobs when none is named).

    Only the text between the job's markers changes; a page is saved only if
    that text changed, and never over an edit made since it was read.
    Silent when nothing changed (use -v); a run lock keeps two runs of the
    same site from overlapping. Exit codes: 0 ok, 1 a job failed, 2 bad
    configuration, 3 a page refused or in conflict, 4 another run holds the lock.

    \b
    Example:
      wikisync -c examples/fabmob/wikisync.toml rebuild
      wikisync rebuild events --dry-run --today 2025-01-06
    """
    config = state.config()
    count = _job_count(config, job_names)
    with run_lock(config, "rebuild", writes=not dry_run), opened_source(state) as source:
        target = None if dry_run else open_target(source, bot=bot, minor=minor)
        report = _run_with_progress(
            state,
            count,
            lambda on_job: rebuild_jobs(
                config,
                source,
                target,
                names=job_names,
                today=_date(today),
                dry_run=dry_run,
                force=force,
                allow_shrink=allow_shrink,
                create=create,
                summary=summary,
                retries=retries,
                on_job=on_job,
            ),
        )
    if report_path is not None:
        write_output(report_path, json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    _print_report(state, report, target, show_diffs=dry_run)
    if report.exit_code:
        sys.exit(report.exit_code)


@cli.command()
@click.argument("job_names", metavar="[JOB]...", nargs=-1)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The changeset file to write (JSON).",
)
@_today_option
@_guard_options
@click.pass_obj
def plan(
    state: State,
    job_names: tuple[str, ...],
    output: Path,
    today: dt.datetime | None,
    force: bool,
    allow_shrink: bool,
    create: bool,
    summary: str | None,
) -> None:
    """Write the edits JOBs would make to a reviewable changeset file; save nothing.

    The file (JSON) holds, per page, its base revision, the new text and a
    unified diff; 'wikisync apply FILE' saves exactly that later. Refused
    pages are reported and left out (exit code 3).

    \b
    Example:
      wikisync plan events -o events-plan.json && wikisync apply events-plan.json
    """
    config = state.config()
    with opened_source(state) as source:
        changeset, report = plan_jobs(
            config,
            source,
            names=job_names,
            today=_date(today),
            force=force,
            allow_shrink=allow_shrink,
            create=create,
            summary=summary,
        )
    write_changeset(changeset, output)
    _print_report(state, report, None, show_diffs=False)
    if state.verbosity >= 0:
        click.echo(f"wrote {output}: {len(changeset.edits)} page(s) to change", err=True)
    if report.exit_code:
        sys.exit(report.exit_code)


def _same_site(planned: str, current: str) -> bool:
    if "://" in planned or "://" in current:
        return planned.rstrip("/") == current.rstrip("/")
    return Path(planned).resolve() == Path(current).resolve()


def _describe_result(result: PublishResult, target: Target | None) -> str:
    what = f'page "{result.title}"'
    if result.status in ("conflict", "refused"):
        return f"{what} {result.status}: {result.message}"
    added, removed = result.diff_stats()
    if result.status in ("edited", "created") and isinstance(target, MirrorTarget):
        return (
            f"{what} {result.status} in the mirror: {target.file_of(result.title)} "
            f"(+{added} -{removed} lines)"
        )
    if result.status in ("edited", "created"):
        return f"{what} {result.status} (+{added} -{removed} lines, revision {result.revid})"
    if result.status == "planned":
        return f"{what} would change (+{added} -{removed} lines)"
    return f"{what} unchanged"


@cli.command()
@click.argument("changeset_path", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the pages; write nothing.")
@write_options
@click.pass_obj
def apply(state: State, changeset_path: Path, dry_run: bool, minor: bool, bot: bool) -> None:
    """Save exactly the edits of a changeset FILE made by 'wikisync plan'.

    A page that changed since the plan is skipped (exit code 3): plan again.

    \b
    Example:
      wikisync apply events-plan.json
    """
    config = state.config()
    changeset, bases = read_changeset(changeset_path)
    with run_lock(config, "apply", writes=not dry_run), opened_source(state) as source:
        if changeset.site and not _same_site(changeset.site, source.location):
            raise ConfigError(
                f"{changeset_path} was planned for {changeset.site}, not {source.location}: "
                "apply it with the same --site",
                key="site",
            )
        target = open_target(source, bot=bot, minor=minor)
        results = apply_changeset(changeset, bases, source, target, dry_run=dry_run)
    failed = False
    for result in results:
        if not result.ok:
            failed = True
            click.echo(f"wikisync: {_describe_result(result, target)}", err=True)
        elif state.verbosity > 0 or (state.verbosity == 0 and result.status != "unchanged"):
            click.echo(_describe_result(result, target), err=True)
    if failed:
        sys.exit(3)
