"""``wikisync watch``: a thin shell over :func:`wikisync.ops.watch.watch`.

One line per action on standard error (a time, then what was done), for a
service manager's journal; idle polls only with ``-v``. It ends only on
SIGINT/SIGTERM (exit 130/143, after the save in flight, the cursor stored),
or with ``--once`` after one poll (0; 1 a job or the poll failed, 3 a page
refused, 4 another run held the lock). A configuration error is exit 2 before any
poll; a wiki that fails is waited for, never an exit.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import click

from wikisync.cli.complete import complete_jobs
from wikisync.cli.main import State, cli, report_errors, write_options
from wikisync.cli.outcomes import error_exit_code, run_exit_code
from wikisync.core.errors import LockError
from wikisync.files import check_output
from wikisync.interrupt import stop_on_signals
from wikisync.ops.watch import WatchEvent
from wikisync.ops.watch import watch as watch_jobs
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source


@cli.command()
@click.argument("job_names", metavar="[JOB]...", nargs=-1, shell_complete=complete_jobs)
@click.option(
    "--interval",
    type=click.FloatRange(1, 86_400),
    default=None,
    metavar="SECONDS",
    help="Seconds between two polls of the recent changes [default: [watch] interval, else 60].",
)
@click.option("--once", is_flag=True, help="Poll once, run what is due, store the cursor, exit.")
@click.option(
    "--status-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Rewrite FILE (JSON) after each poll: last poll, last change seen, lag, counts, "
    "last error.",
)
@write_options
@click.pass_obj
def watch(
    state: State,
    job_names: tuple[str, ...],
    interval: float | None,
    once: bool,
    status_file: Path | None,
    minor: bool,
    bot: bool,
) -> None:
    """Keep the index pages and files of JOBs (all jobs when none is named) fresh.

    Polls the wiki's recent changes every interval, in one request when
    nothing changed, and runs only the jobs a change calls for (pages of
    their types edited, created, moved, deleted, restored or imported, pages
    entering or leaving their categories, templates), at most one save per
    page or file per [watch] min_interval; changes to the index pages
    themselves trigger nothing. A full pass runs at start and every [watch]
    reconcile seconds. A non-empty [watch] stop_page pauses all writes. The
    cursor is kept in the user's state folder: a restart or a crash neither
    skips nor doubles a change. Wiki faults are waited out, never an exit.
    SIGINT or SIGTERM stops after the save in flight (exit 130/143). With
    --once: exit 1 when a job failed or the poll failed, 3 when a page was
    refused, 4 when another run held the lock.

    \b
    Example:
      wikisync watch --interval 60 --status-file /run/wikisync/status.json
      wikisync watch --once events      # the cron replacement
    """
    config = state.config()
    if status_file is not None:
        check_output(status_file)  # a bad path is refused before any work
    outcomes: list[str] = []
    locked = False
    with report_errors(None, "watch", config.site):
        events = watch_jobs(
            config,
            names=job_names,
            once=once,
            interval=interval,
            status_file=status_file,
            lock=_run_lock(state),
            bot=bot,
            minor=minor,
        )
        _echo(state, next(events))  # the wiki opened: a signal before that stops at once
        with stop_on_signals() as stop:
            for event in events:
                if event.report is not None:
                    outcomes.append(event.report.status)
                elif event.kind == "fault":
                    outcomes.append(Outcome.FAILED)  # --once: the poll failed (exit 1)
                elif event.kind == "locked":
                    locked = True
                _echo(state, event)
    code = run_exit_code(outcomes if once else (), stop)
    if once and locked and not stop.requested:
        code = max(code, error_exit_code(LockError("")))
    if code:
        sys.exit(code)


def _echo(state: State, event: WatchEvent) -> None:
    line = describe_event(event, verbose=state.verbosity > 0)
    if line and (state.verbosity >= 0 or event.kind in ("fault", "locked")):
        click.echo(f"{event.at} {line}", err=True)


def _run_lock(state: State) -> Callable[[Source], AbstractContextManager[None]]:
    from wikisync.ops.lock import RunLock, default_lock_path, run_lock_key

    lock_dir = state.config().lock_dir

    @contextmanager
    def hold(source: Source) -> Iterator[None]:
        key = run_lock_key(source)
        path = default_lock_path(key, lock_dir)
        with RunLock(path, command="watch", site=key, shared=lock_dir is not None):
            yield

    return hold


def describe_event(event: WatchEvent, *, verbose: bool = False) -> str:
    """The log line of one event ("" for an idle poll unless ``verbose``)."""
    jobs = ", ".join(event.jobs)
    if event.kind == "started":
        found = "cursor" if event.changes else "no cursor yet (a full pass first)"
        return f"watching; {found}: {event.message}"
    if event.kind == "polled":
        if not event.changes:
            return f"poll: no new change ({event.requests} request(s))" if verbose else ""
        lag = f", newest {event.lag:.0f} s old" if event.lag is not None else ""
        called = f"; jobs: {jobs}" if jobs else "; no job concerned"
        return f"poll: {event.changes} new change(s){lag}{called}"
    if event.kind == "job" and event.report is not None:
        report = event.report
        where = f'file "{report.file}"' if report.file else f'page "{report.page}"'
        why = f": {report.message}" if report.message else ""
        return f"{report.job}: {where} {report.status}{why}"
    if event.kind == "deferred":
        return f"min_interval: {jobs} wait {event.wait:.0f} s"
    if event.kind == "paused":
        return f'stop page "{event.message}" holds text: writes paused'
    if event.kind == "resumed":
        return f'stop page "{event.message}" empty: writes resumed'
    if event.kind == "reconcile":
        return f"reconcile: a full pass over {jobs}"
    if event.kind == "locked":
        return f"jobs wait for the next poll: {event.message}"
    if event.kind == "fault":
        return f"fault (next try in {event.wait:.0f} s): {event.message}"
    if event.kind == "stopped":
        return f"stopped; cursor stored; jobs still due: {jobs}" if jobs else "stopped"
    return event.kind
