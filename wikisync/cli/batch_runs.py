"""How a batch edit command runs and speaks: its options, the run, the lines per page, the summary.

Shared by the batch edit commands of :mod:`wikisync.cli.edit` and by ``replace``
(:mod:`wikisync.cli.replace`): :func:`_batch_options` adds the options every one
takes, :func:`_run_batch` holds the run lock, runs, prints each page as it is
done (:func:`_progress`, a bar on a terminal) and the count per status
(:func:`_print`), writes the report and exits with the run's code.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from wikisync.cli.counts import lines_changed, pages_by_status
from wikisync.cli.hints import cli_words, in_mirror, push_hint
from wikisync.cli.main import (
    State,
    guarded_run,
    report_option,
    retries_option,
    say_stopped,
    write_options,
    write_report,
)
from wikisync.cli.outcomes import run_exit_code
from wikisync.cli.terminal import paint_status
from wikisync.core.errors import NOT_SENT, UnknownNameError
from wikisync.i18n import gettext, say
from wikisync.ops.batch.report import BatchReport, OnPage, PageReport
from wikisync.ops.publish import Target, open_target
from wikisync.ops.suggest import describe_template
from wikisync.ports.outcome import Outcome
from wikisync.sources import Source

#: One batch run: from the source, the target (None on a dry run) and a progress callback.
Run = Callable[[Source, Target | None, OnPage | None], BatchReport]


@dataclass(frozen=True)
class BatchOptions:
    """The options every batch edit command takes, bundled by :func:`_batch_options`."""

    dry_run: bool
    summary: str | None
    retries: int
    report_path: Path | None
    minor: bool
    bot: bool


def _batch_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the batch options; the command gets them as one ``batch: BatchOptions``."""
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("--dry-run", is_flag=True, help="Print the diffs; write nothing."),
        click.option(
            "--summary",
            metavar="TEXT",
            default=None,
            help="Edit summary [default: the summary setting (WIKISYNC_SUMMARY or the "
            "file's summary), else one that names the change].",
        ),
        retries_option,
        report_option(
            "Write a JSON report to FILE (- for standard output; per page: status, "
            "changes, diff size)."
        ),
    ]

    @functools.wraps(function)
    def bundled(
        *args: Any,
        dry_run: bool,
        summary: str | None,
        retries: int,
        report_path: Path | None,
        minor: bool,
        bot: bool,
        **kwargs: Any,
    ) -> Any:
        batch = BatchOptions(dry_run, summary, retries, report_path, minor, bot)
        return function(*args, batch=batch, **kwargs)

    wrapped: Callable[..., Any] = bundled
    for option in reversed(options):
        wrapped = option(wrapped)
    return write_options(wrapped)


def _summary(state: State, summary: str | None) -> str | None:
    """The edit summary: --summary, else the summary setting, else None (the command's own)."""
    return summary or state.config().summary


def _describe(page: PageReport, target: Target | None, *, color: bool = False) -> str:
    what = gettext('page "%(title)s"') % {"title": page.title}
    size = lines_changed(page.added, page.removed)
    status = paint_status(page.status, color)
    if page.status == Outcome.CREATED and in_mirror(target):  # as before: no diff size
        return gettext("%(what)s %(status)s in the mirror: %(file)s%(next)s") % {
            "what": what,
            "status": status,
            "file": target.file_of(page.title),
            "next": push_hint(target),
        }
    if page.status == Outcome.CREATED:
        return gettext("%(what)s %(status)s (revision %(revid)s)") % {
            "what": what,
            "status": status,
            "revid": page.revid,
        }
    if page.status == Outcome.EDITED and in_mirror(target):
        return gettext("%(what)s %(status)s in the mirror: %(file)s (%(size)s)%(next)s") % {
            "what": what,
            "status": status,
            "file": target.file_of(page.title),
            "size": size,
            "next": push_hint(target),
        }
    if page.status == Outcome.EDITED:
        note = f": {cli_words(say(page.message))}" if page.message else ""
        return gettext("%(what)s %(status)s (%(size)s, revision %(revid)s)%(note)s") % {
            "what": what,
            "status": status,
            "size": size,
            "revid": page.revid,
            "note": note,
        }
    if page.status == Outcome.PLANNED:
        return f"{what} {paint_status('would change', color)} ({size})"
    if page.message:
        return f"{what} {status}: {cli_words(say(page.message))}"
    return f"{what} {status}"


def _run_batch(
    state: State,
    command: str,
    run: Run,
    batch: BatchOptions,
    *,
    template: str | None = None,
) -> None:
    dry_run, report_path = batch.dry_run, batch.report_path
    with (
        guarded_run(state, command, report_path=report_path, writes=not dry_run) as (
            source,
            stop,
        ),
        contextlib.ExitStack() as bars,
    ):
        target = None if dry_run else open_target(source, bot=batch.bot, minor=batch.minor)
        report = run(source, target, _progress(state, bars, target))
        if template is not None and not report.pages:
            _explain_unused_template(state, source, template)
    code = run_exit_code(report.outcomes(), stop)
    write_report(report_path, {**report.to_dict(), "exit_code": code}, stop)
    _print(state, report, target)
    left = report.count(Outcome.NOT_DONE)
    say_stopped(stop, len(report.pages) - left, left)
    if code:
        sys.exit(code)


def _progress(state: State, stack: contextlib.ExitStack, target: Target | None) -> OnPage:
    # Each page's line (and, on a dry run, its diff) as soon as the page is done;
    # on a terminal, a bar (stderr) below them, made once the number of pages is known.
    bars: list[Any] = []
    show_bar = state.verbosity >= 0 and sys.stderr.isatty()
    out_color, err_color = state.color(), state.color(err=True)

    def on_page(page: PageReport, _done: int, total: int) -> None:
        if show_bar and not bars:
            bar = click.progressbar(length=total, label="pages", file=sys.stderr)
            bars.append(stack.enter_context(bar))
        diff = ""
        if page.status == Outcome.PLANNED and page.edit is not None and target is None:
            diff = page.edit.diff(color=out_color)
        lines = list(_page_lines(state, page, target, err_color))
        if bars and (diff or lines):
            sys.stderr.write("\r\x1b[K")  # clear the bar; its next update redraws it
        if diff:
            click.echo(diff, nl=False, color=out_color)
        for line in lines:
            click.echo(line, err=True, color=err_color)
        if bars:
            bars[0].update(1)

    return on_page


def _page_lines(state: State, page: PageReport, target: Target | None, color: bool) -> list[str]:
    """What to say about one page on stderr, at the run's verbosity."""
    lines: list[str] = []
    if page.status == Outcome.FAILED and NOT_SENT in page.message:
        return lines  # after a request gave up: one line for them all (see _print)
    if page.status in (
        Outcome.REFUSED,
        Outcome.CONFLICT,
        Outcome.INVALID,
        Outcome.DELETED,
        Outcome.MOVED,
        Outcome.FAILED,
    ):
        lines.append(f"wikisync: {_describe(page, target, color=color)}")
    elif (
        page.status in (Outcome.EDITED, Outcome.CREATED, Outcome.PLANNED) and state.verbosity >= 0
    ) or state.verbosity > 0:
        lines.append(_describe(page, target, color=color))
    if state.verbosity > 0:
        lines.extend(f"  {warning}" for warning in page.warnings)
    return lines


def _explain_unused_template(state: State, source: Source, template: str) -> None:
    """Raise for a template that does not exist (naming close ones); say when it is unused."""
    found = describe_template(source, template)
    if not found.exists:
        raise UnknownNameError(found.message, name=template)
    if state.verbosity >= 0:
        click.echo(f"wikisync: {found.message}", err=True)


def _print(state: State, report: BatchReport, target: Target | None) -> None:
    # The pages were reported as they were done (see _progress): only the summary is left,
    # and, after a request gave up (the client sends nothing more), one line for the rest.
    not_sent = [
        page for page in report.pages if page.status == Outcome.FAILED and NOT_SENT in page.message
    ]
    if not_sent:
        click.echo(
            f'wikisync: {len(not_sent)} pages not tried (from "{not_sent[0].title}" on): the '
            "wiki stopped answering; run the command again to finish them",
            err=True,
        )
    if state.verbosity >= 0:
        counts = pages_by_status(report.counts())
        operation = (
            gettext("%(operation)s (dry run)") % {"operation": report.operation}
            if report.dry_run
            else report.operation
        )
        click.echo(f"{operation}: {counts}", err=True)
