"""Index-page commands: ``render``, ``rebuild``, ``plan`` and ``apply``.

Thin shells over :mod:`wikisync.ops.jobs.run` and :mod:`wikisync.ops.changeset`. ``rebuild``
and ``apply`` hold the run lock of the site (:mod:`wikisync.ops.lock`) for their
whole run, stop after the page in flight on SIGINT/SIGTERM
(:mod:`wikisync.interrupt`), are silent when nothing changed (unless ``-v``)
and exit with the run's code: 0 ok (including nothing to do), 1 a job failed,
3 a page was refused or in conflict, 4 another run holds the lock, 130/143
stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wikisync.cli.complete import complete_jobs
from wikisync.cli.counts import (
    data_problems,
    lines_changed,
    more_problems,
    problems_in,
)
from wikisync.cli.hints import cli_words, in_mirror, push_hint
from wikisync.cli.main import (
    State,
    cli,
    echo_or_write,
    guarded_run,
    opened_source,
    output_option,
    report_errors,
    report_option,
    retries_option,
    say_stopped,
    write_options,
    write_report,
)
from wikisync.cli.outcomes import run_exit_code
from wikisync.cli.terminal import paint_status
from wikisync.config import Config
from wikisync.core.errors import ConfigError
from wikisync.files import describe
from wikisync.i18n import gettext, ngettext, say
from wikisync.ops.changeset import ApplyReport, apply_changeset, read_changeset, write_changeset
from wikisync.ops.collect import collect_records, record_type_named
from wikisync.ops.geojson import format_geojson
from wikisync.ops.jobs.report import JobReport, RunReport
from wikisync.ops.jobs.run import config_jobs, plan_jobs, rebuild_jobs, render_job
from wikisync.ops.jobs.run import select_jobs as _select_jobs
from wikisync.ops.jobs.to_file import read_file_job
from wikisync.ops.lock import lock_key
from wikisync.ops.publish import (
    PublishResult,
    Target,
    open_target,
    utc_now,
)
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import requests_sent
from wikisync.sources import Source, api_urls

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


#: Data problems shown per job without -v (the rest: -v, 'wikisync check' or --report).
_FIRST_PROBLEMS = 3


def _describe(report: JobReport, target: Target | None, *, color: bool = False) -> str:
    what = f"{report.job}: " + (
        gettext('file "%(file)s"') % {"file": report.file}
        if report.file
        else gettext('page "%(title)s"') % {"title": report.page}
    )
    size = lines_changed(report.added, report.removed)
    if report.status == Outcome.WRITTEN:
        return f"{what} {paint_status('written', color)} ({size})"
    if report.status in (Outcome.EDITED, Outcome.CREATED):
        if in_mirror(target):
            verb = paint_status("created" if report.status == Outcome.CREATED else "updated", color)
            return gettext("%(what)s %(status)s in the mirror: %(file)s (%(size)s)%(next)s") % {
                "what": what,
                "status": verb,
                "file": target.file_of(report.page),
                "size": size,
                "next": push_hint(target),
            }
        note = f": {cli_words(say(report.message))}" if report.message else ""
        return gettext("%(what)s %(status)s (%(size)s, revision %(revid)s)%(note)s") % {
            "what": what,
            "status": paint_status(report.status, color),
            "size": size,
            "revid": report.revid,
            "note": note,
        }
    if report.status == Outcome.PLANNED:
        return f"{what} {paint_status('would change', color)} ({size})"
    if report.status == Outcome.NOT_DONE:
        return gettext("%(what)s not done (the run was stopped first)") % {"what": what}
    if report.status == Outcome.UNCHANGED:
        problems = len(report.problems)
        return gettext("%(what)s unchanged (%(records)s from %(pages)s, %(problems)s)") % {
            "what": what,
            "records": ngettext("%(n)d record", "%(n)d records", report.records)
            % {"n": report.records},
            "pages": ngettext("%(n)d page", "%(n)d pages", report.pages_read)
            % {"n": report.pages_read},
            "problems": ngettext("%(n)d problem", "%(n)d problems", problems) % {"n": problems},
        }
    status = paint_status(report.status, color)
    return f"{what} {status}: {cli_words(say(report.message))}"


def _print_problems(state: State, job: JobReport) -> None:
    """A job's data problems: the first few (all with -v), with a count."""
    if not job.problems or state.verbosity < 0:
        return
    if job.status == Outcome.UNCHANGED and state.verbosity == 0:
        return  # a run that changed nothing stays silent (cron); -v shows them
    shown = job.problems if state.verbosity > 0 else job.problems[:_FIRST_PROBLEMS]
    click.echo(data_problems(job.job, len(job.problems)), err=True)
    for problem in shown:
        click.echo(f"  {say(problem)}", err=True)
    if len(shown) < len(job.problems):
        click.echo(more_problems(len(job.problems) - len(shown)), err=True)


def _print_report(
    state: State, report: RunReport, target: Target | None, *, show_diffs: bool
) -> None:
    out_color, err_color = state.color(), state.color(err=True)
    for job in report.jobs:
        if show_diffs and job.status == Outcome.PLANNED and job.edit is not None:
            click.echo(job.edit.diff(color=out_color), nl=False, color=out_color)
        line = _describe(job, target, color=err_color)
        if job.status in (
            Outcome.REFUSED,
            Outcome.CONFLICT,
            Outcome.DELETED,
            Outcome.MOVED,
            Outcome.FAILED,
        ):
            click.echo(f"wikisync: {line}", err=True, color=err_color)
        elif job.status == Outcome.UNCHANGED:
            if state.verbosity > 0:
                click.echo(line, err=True, color=err_color)
        elif state.verbosity >= 0:
            click.echo(line, err=True, color=err_color)
        _print_problems(state, job)
        _print_publication(state, job)


def _print_publication(state: State, job: JobReport) -> None:
    """What a job that publishes its changes did with them; a failed webhook always shows."""
    for delivery in job.notify_failed:  # the exit code stays the wiki work's (docs/exit-codes.md)
        click.echo(
            ngettext(
                "wikisync: %(job)s: webhook %(url)s failed after %(n)d try (%(why)s); "
                "its changes were not sent",
                "wikisync: %(job)s: webhook %(url)s failed after %(n)d tries (%(why)s); "
                "its changes were not sent",
                delivery.attempts,
            )
            % {
                "job": job.job,
                "url": delivery.url,
                "n": delivery.attempts,
                "why": delivery.message,
            },
            err=True,
        )
    if job.publish_message and job.status != Outcome.FAILED and state.verbosity >= 0:
        click.echo(
            gettext("wikisync: %(job)s: changes not published: %(why)s")
            % {"job": job.job, "why": job.publish_message},
            err=True,
        )
    if job.changes and state.verbosity > 0:
        click.echo(
            ngettext("%(job)s: %(n)d record changed", "%(job)s: %(n)d records changed", job.changes)
            % {"job": job.job, "n": job.changes},
            err=True,
        )


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
@click.argument("job_name", metavar="JOB", shell_complete=complete_jobs)
@_today_option
@output_option("Write to FILE (- for standard output) instead of standard output.")
@click.pass_obj
def render(state: State, job_name: str, today: dt.datetime | None, output: Path | None) -> None:
    """Print the wikitext JOB generates (the section's body); write nothing.

    For a job that writes a file, print the file's text; for one that writes
    a whole page of GeoJSON, the page's text.

    \b
    Example:
      wikisync -c examples/fabmob/wikisync.toml render events --today 2025-01-06
    """
    config = state.config()
    job = _select_jobs(config_jobs(config), [job_name])[0]
    record_types = [record_type_named(config.types, name) for name in job.record_types]
    with opened_source(state) as source:
        if job.file:
            text, sets = read_file_job(source, job, record_types, today=_date(today))
        else:
            sets = [collect_records(source, record_type) for record_type in record_types]
            if job.format == "geojson":
                text = format_geojson(sets[0].records, record_types[0], indent=4).text
            else:
                text = render_job(job, sets, today=_date(today) or dt.date.today())
    echo_or_write(output, text)
    for records in sets:
        if records.problems and state.verbosity >= 0:
            found = problems_in(records.type, len(records.problems), len(records.records))
            click.echo(found, err=True)


@cli.command()
@click.argument("job_names", metavar="[JOB]...", nargs=-1, shell_complete=complete_jobs)
@click.option("--dry-run", is_flag=True, help="Print the diffs; write nothing.")
@_today_option
@_guard_options
@write_options
@retries_option
@report_option(
    "Write a JSON run report to FILE (- for standard output; per job: pages read, "
    "records, problems, status, diff size, time)."
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
    Silent when nothing changed (use -v); a page it changes comes with the
    data problems of the pages read for it (the first three; -v: all). A
    run lock keeps two runs of the same site from overlapping. Jobs writing
    one page make one edit of it. SIGINT or SIGTERM stops the run after the
    page in flight. Exit codes: 0 ok, 1 a job failed, 2 bad configuration,
    3 a page refused or in conflict, 4 another run holds the lock, 130/143
    stopped by SIGINT/SIGTERM.

    \b
    Example:
      wikisync -c ~/wikisync-example/wikisync.toml rebuild
      wikisync rebuild events --dry-run --today 2025-01-06
    """
    config = state.config()
    count = _job_count(config, job_names)
    with guarded_run(state, "rebuild", report_path=report_path, writes=not dry_run) as (
        source,
        stop,
    ):
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
    code = run_exit_code(report.outcomes(), stop)
    write_report(report_path, {**report.to_dict(), "exit_code": code}, stop)
    _print_report(state, report, target, show_diffs=dry_run)
    left = sum(1 for job in report.jobs if job.status == Outcome.NOT_DONE)
    say_stopped(stop, len(report.jobs) - left, left, what="job(s)")
    if code:
        sys.exit(code)


@cli.command()
@click.argument("job_names", metavar="[JOB]...", nargs=-1, shell_complete=complete_jobs)
@output_option("The changeset file to write (JSON; - for standard output).", required=True)
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
    unified diff; 'wikisync apply FILE' saves exactly that later. Jobs that
    write one page make one edit of it, holding all their sections. Refused
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
        n = len(changeset.edits)
        said = ngettext(
            "wrote %(file)s: %(n)d page to change", "wrote %(file)s: %(n)d pages to change", n
        )
        click.echo(said % {"file": describe(output), "n": n}, err=True)
    code = run_exit_code(report.outcomes())
    if code:
        sys.exit(code)


def _same_site(planned: str, source: Source) -> bool:
    """Whether a changeset planned for ``planned`` may be applied to ``source``.

    A wiki matches however its URL was spelt: the probed api.php URL of the
    source is among the addresses ``planned`` may mean.
    """
    if "://" not in planned:
        return "://" not in source.location and lock_key(planned) == lock_key(source)
    key = lock_key(source)
    try:
        candidates = api_urls(planned)
    except ValueError:
        return False
    return key in {lock_key(url) for url in candidates} or (
        planned.rstrip("/") == source.location.rstrip("/")
    )


def _describe_result(result: PublishResult, target: Target | None) -> str:
    what = gettext('page "%(title)s"') % {"title": result.title}
    status = paint_status(result.status, False)
    if result.status in (Outcome.CONFLICT, Outcome.REFUSED, Outcome.DELETED, Outcome.MOVED):
        return f"{what} {status}: {cli_words(say(result.message))}"
    size = lines_changed(*result.diff_stats())
    if result.status in (Outcome.EDITED, Outcome.CREATED) and in_mirror(target):
        return gettext("%(what)s %(status)s in the mirror: %(file)s (%(size)s)%(next)s") % {
            "what": what,
            "status": status,
            "file": target.file_of(result.title),
            "size": size,
            "next": "",
        }
    if result.status in (Outcome.EDITED, Outcome.CREATED):
        return gettext("%(what)s %(status)s (%(size)s, revision %(revid)s)%(note)s") % {
            "what": what,
            "status": status,
            "size": size,
            "revid": result.revid,
            "note": "",
        }
    if result.status == Outcome.PLANNED:
        return f"{what} {paint_status('would change', False)} ({size})"
    return f"{what} {status}"


@cli.command()
@click.argument("changeset_path", metavar="FILE", type=click.Path(allow_dash=True, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Print the diffs against the pages now; write nothing."
)
@click.option(
    "--summary",
    metavar="TEXT",
    default=None,
    help="Edit summary [default: the one planned for each page].",
)
@write_options
@report_option(
    "Write a JSON report to FILE (- for standard output; per page: status, revision, diff size)."
)
@click.pass_obj
def apply(
    state: State,
    changeset_path: Path,
    dry_run: bool,
    summary: str | None,
    minor: bool,
    bot: bool,
    report_path: Path | None,
) -> None:
    """Save exactly the edits of a changeset FILE made by 'wikisync plan' (- reads stdin).

    A page that changed since the plan is skipped (exit code 3): plan again.
    A page that already holds its planned text is left alone, so applying a
    file again after an interruption (SIGINT/SIGTERM stop it after the page
    in flight: exit 130/143) saves only what is left.

    \b
    Example:
      wikisync apply events-plan.json --dry-run
      wikisync apply events-plan.json --report apply.json
    """
    started, clock = utc_now(), time.perf_counter()
    with report_errors(report_path, "apply", state.config().site, started=started):
        changeset, bases = read_changeset(changeset_path)
    with guarded_run(state, "apply", report_path=report_path, writes=not dry_run) as (
        source,
        stop,
    ):
        if changeset.site and not _same_site(changeset.site, source):
            raise ConfigError(
                f"{changeset_path} was planned for {changeset.site}, not {source.location}: "
                "apply it with the same --site",
                key="site",
            )
        target = open_target(source, bot=bot, minor=minor)
        results = apply_changeset(
            changeset, bases, source, target, dry_run=dry_run, summary=summary
        )
    report = ApplyReport(
        str(changeset_path),
        source.location,
        started,
        dry_run,
        results,
        dict(changeset.labels),
        time.perf_counter() - clock,
        requests_sent(source),
    )
    code = run_exit_code(report.outcomes(), stop)
    write_report(report_path, {**report.to_dict(), "exit_code": code}, stop)
    out_color = state.color()
    for result in results:
        if dry_run and result.status == Outcome.PLANNED and result.edit is not None:
            click.echo(result.edit.diff(color=out_color), nl=False, color=out_color)
        if result.status in (Outcome.CONFLICT, Outcome.REFUSED, Outcome.DELETED, Outcome.MOVED):
            click.echo(f"wikisync: {_describe_result(result, target)}", err=True)
        elif result.status == Outcome.NOT_DONE:
            if state.verbosity > 0:
                click.echo(_describe_result(result, target), err=True)
        elif state.verbosity > 0 or (state.verbosity == 0 and result.status != Outcome.UNCHANGED):
            click.echo(_describe_result(result, target), err=True)
    left = report.counts().get(Outcome.NOT_DONE, 0)
    say_stopped(stop, len(results) - left, left)
    if code:
        sys.exit(code)
