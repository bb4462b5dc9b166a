"""Batch edit commands: ``set``, ``rename-param``, ``remove-param``, ``export``, ``import``.

Thin shells over :mod:`wikisync.batch`, :mod:`wikisync.template_edits` and
:mod:`wikisync.spreadsheet`. The writing commands hold the site's run lock
(not on ``--dry-run``), print a diff per page on ``--dry-run``, a progress bar
on a terminal, one line per page saved (``-v``: every page) and a count per
status, write a JSON report with ``--report`` and exit with the run's code:
0 ok (including nothing to do), 1 a page failed, 2 a bad value or file,
3 a page skipped for a conflict, a refusal or a bad cell, 4 another run
holds the lock.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wikisync.batch import BatchReport, OnPage, PageReport, check_set_values, set_fields
from wikisync.cli.main import State, cli, opened_source, run_lock, write_options, write_output
from wikisync.collect import record_type_named
from wikisync.publish import DEFAULT_RETRIES, MirrorTarget, Target, open_target
from wikisync.sources import Source
from wikisync.spreadsheet import export_records, import_records, read_sheet
from wikisync.template_edits import remove_template_param, rename_template_param

#: One batch run: from the source, the target (None on a dry run) and a progress callback.
Run = Callable[[Source, Target | None, OnPage | None], BatchReport]


def _batch_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--dry-run", is_flag=True, help="Print the diffs; write nothing."),
            click.option(
                "--summary", metavar="TEXT", default=None, help="Edit summary [default: says what]."
            ),
            click.option(
                "--retries",
                type=click.IntRange(min=0),
                default=DEFAULT_RETRIES,
                show_default=True,
                help="Read and compute a page again this many times after an edit conflict.",
            ),
            click.option(
                "--report",
                "report_path",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="Write a JSON report to FILE (per page: status, changes, diff size).",
            ),
        ]
    ):
        function = option(function)
    return write_options(function)


def _trusted_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--trusted",
        is_flag=True,
        help="Values are wikitext on purpose: allow templates ({{…}}) in them.",
    )(function)


def _assignments(pairs: tuple[str, ...], what: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise click.UsageError(f'{what} "{pair}" should be FIELD=VALUE')
        if name.strip() in values:
            raise click.UsageError(f'{what}: field "{name.strip()}" is given twice')
        values[name.strip()] = value
    return values


def _describe(page: PageReport, target: Target | None) -> str:
    what = f'page "{page.title}"'
    size = f"+{page.added} -{page.removed} lines"
    if page.status == "edited":
        if isinstance(target, MirrorTarget):
            return (
                f"{what} edited in the mirror: {target.file_of(page.title)} ({size}); "
                "send it to the wiki with 'wikisync push'"
            )
        note = f": {page.message}" if page.message else ""
        return f"{what} edited ({size}, revision {page.revid}){note}"
    if page.status == "planned":
        return f"{what} would change ({size})"
    if page.message:
        return f"{what} {page.status}: {page.message}"
    return f"{what} {page.status}"


def _run_batch(
    state: State,
    command: str,
    run: Run,
    *,
    dry_run: bool,
    minor: bool,
    bot: bool,
    report_path: Path | None,
) -> None:
    config = state.config()
    with (
        run_lock(config, command, writes=not dry_run),
        opened_source(state) as source,
        contextlib.ExitStack() as bars,
    ):
        target = None if dry_run else open_target(source, bot=bot, minor=minor)
        report = run(source, target, _progress(state, bars))
    if report_path is not None:
        write_output(report_path, json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    _print(state, report, target)
    if report.exit_code:
        sys.exit(report.exit_code)


def _progress(state: State, stack: contextlib.ExitStack) -> OnPage | None:
    # A bar on a terminal only (stderr), made once the number of pages is known.
    if state.verbosity < 0 or not sys.stderr.isatty():
        return None
    bars: list[Any] = []

    def on_page(_page: PageReport, _done: int, total: int) -> None:
        if not bars:
            bar = click.progressbar(length=total, label="pages", file=sys.stderr)
            bars.append(stack.enter_context(bar))
        bars[0].update(1)

    return on_page


def _print(state: State, report: BatchReport, target: Target | None) -> None:
    color = sys.stdout.isatty()
    for page in report.pages:
        if report.dry_run and page.status == "planned" and page.edit is not None:
            click.echo(page.edit.diff(color=color), nl=False)
        if page.status in ("refused", "conflict", "invalid", "failed"):
            click.echo(f"wikisync: {_describe(page, target)}", err=True)
        elif page.status in ("edited", "planned"):
            if state.verbosity >= 0:
                click.echo(_describe(page, target), err=True)
        elif state.verbosity > 0:
            click.echo(_describe(page, target), err=True)
        if state.verbosity > 0:
            for warning in page.warnings:
                click.echo(f"  {warning}", err=True)
    if state.verbosity >= 0:
        counts = ", ".join(f"{n} {status}" for status, n in report.counts().items()) or "no pages"
        click.echo(f"{report.operation}: {counts}", err=True)


@cli.command(name="set")
@click.argument("type_name", metavar="TYPE")
@click.argument("assignments", metavar="FIELD=VALUE...", nargs=-1, required=True)
@click.option(
    "--where",
    "conditions",
    metavar="FIELD=VALUE",
    multiple=True,
    help="Only records holding this value (typed: a date at the precision given, an item "
    "of a list, yes/no…; empty: a blank field). Repeat: all must hold.",
)
@_trusted_option
@_batch_options
@click.pass_obj
def set_(
    state: State,
    type_name: str,
    assignments: tuple[str, ...],
    conditions: tuple[str, ...],
    trusted: bool,
    dry_run: bool,
    summary: str | None,
    retries: int,
    report_path: Path | None,
    minor: bool,
    bot: bool,
) -> None:
    """Set FIELDs on every record of TYPE (that matches --where).

    FIELD is the schema's field name; each infobox gets the value in the
    parameter it already uses for the field (else the field's first one), and
    nothing else on the page changes. Values are checked against the field's
    type before anything is read or written (a bad one: exit 2). A page that
    already holds the values is not edited, so a run stopped half-way can
    simply be started again.

    \b
    Example:
      wikisync set event place="Hôtel de ville" --where place=Mairie --dry-run
      wikisync set actor Adherent=oui --where "villes d'implantation=Lyon"
    """
    values = _assignments(assignments, "value")
    where = _assignments(conditions, "--where")
    record_type = record_type_named(state.config().types, type_name)
    check_set_values(record_type, values, where=where, trusted=trusted)

    def run(source: Source, target: Target | None, on_page: OnPage | None) -> BatchReport:
        return set_fields(
            source,
            target,
            record_type,
            values,
            where=where,
            dry_run=dry_run,
            summary=summary,
            retries=retries,
            trusted=trusted,
            on_page=on_page,
        )

    _run_batch(state, "set", run, dry_run=dry_run, minor=minor, bot=bot, report_path=report_path)


@cli.command(name="rename-param")
@click.argument("template")
@click.argument("old")
@click.argument("new")
@_batch_options
@click.pass_obj
def rename_param(
    state: State,
    template: str,
    old: str,
    new: str,
    dry_run: bool,
    summary: str | None,
    retries: int,
    report_path: Path | None,
    minor: bool,
    bot: bool,
) -> None:
    """Rename parameter OLD to NEW on every page that uses TEMPLATE.

    Pages are found through the template and its redirects (on a mirror
    folder: by scanning the pages). Only the name changes; a page with both
    OLD and NEW holding different values is refused (exit 3).

    \b
    Example:
      wikisync rename-param Event Lieu place --dry-run
    """

    def run(source: Source, target: Target | None, on_page: OnPage | None) -> BatchReport:
        return rename_template_param(
            source,
            target,
            template,
            old,
            new,
            dry_run=dry_run,
            summary=summary,
            retries=retries,
            on_page=on_page,
        )

    _run_batch(
        state, "rename-param", run, dry_run=dry_run, minor=minor, bot=bot, report_path=report_path
    )


@cli.command(name="remove-param")
@click.argument("template")
@click.argument("name")
@_batch_options
@click.pass_obj
def remove_param(
    state: State,
    template: str,
    name: str,
    dry_run: bool,
    summary: str | None,
    retries: int,
    report_path: Path | None,
    minor: bool,
    bot: bool,
) -> None:
    """Remove parameter NAME (every copy) on every page that uses TEMPLATE.

    \b
    Example:
      wikisync remove-param Event ancienChamp --dry-run
    """

    def run(source: Source, target: Target | None, on_page: OnPage | None) -> BatchReport:
        return remove_template_param(
            source,
            target,
            template,
            name,
            dry_run=dry_run,
            summary=summary,
            retries=retries,
            on_page=on_page,
        )

    _run_batch(
        state, "remove-param", run, dry_run=dry_run, minor=minor, bot=bot, report_path=report_path
    )


@cli.command(name="export")
@click.argument("type_name", metavar="TYPE")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The CSV file to write.",
)
@click.option(
    "--field",
    "fields",
    metavar="FIELD",
    multiple=True,
    help="Export only this field (repeat for more) [default: all].",
)
@click.option(
    "--delimiter",
    type=click.Choice([",", ";"]),
    default=",",
    show_default=True,
    help="';' suits a French Excel.",
)
@click.pass_obj
def export(
    state: State, type_name: str, output: Path, fields: tuple[str, ...], delimiter: str
) -> None:
    """Export the records of TYPE to a CSV file to edit in a spreadsheet.

    One row per infobox: title, index, revid, sha1 (what 'wikisync import'
    needs: leave them as they are), then each field's value as written on the
    page. Edit cells, save as CSV (UTF-8), then 'wikisync import'.

    \b
    Example:
      wikisync export event -o events.csv && wikisync import event events.csv
    """
    record_type = record_type_named(state.config().types, type_name)
    with opened_source(state) as source:
        result = export_records(source, record_type, output, fields=fields, delimiter=delimiter)
    if state.verbosity >= 0:
        click.echo(
            f"wrote {output}: {result.rows} rows from {result.pages} pages"
            + (
                f" ({len(result.without_infobox)} without an infobox)"
                if result.without_infobox
                else ""
            ),
            err=True,
        )
    if state.verbosity > 0:
        for title in result.without_infobox:
            click.echo(f'  page "{title}" has no infobox', err=True)


@cli.command(name="import")
@click.argument("type_name", metavar="TYPE")
@click.argument("sheet_path", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@_trusted_option
@_batch_options
@click.pass_obj
def import_(
    state: State,
    type_name: str,
    sheet_path: Path,
    trusted: bool,
    dry_run: bool,
    summary: str | None,
    retries: int,
    report_path: Path | None,
    minor: bool,
    bot: bool,
) -> None:
    """Write back the cells of an exported CSV FILE that were changed.

    Only changed cells are written, into the infobox parameters, after a type
    check (a bad cell is reported with its row and column, and its page is
    skipped). A page edited on the wiki since the export is skipped, never
    overwritten (exit 3), unless it already holds the new values. Accepts
    files saved by LibreOffice or Excel (UTF-8, ',' or ';', CRLF).

    \b
    Example:
      wikisync import event events.csv --dry-run
    """
    record_type = record_type_named(state.config().types, type_name)
    sheet = read_sheet(sheet_path, record_type)

    def run(source: Source, target: Target | None, on_page: OnPage | None) -> BatchReport:
        return import_records(
            source,
            target,
            record_type,
            sheet,
            dry_run=dry_run,
            summary=summary or f"wikisync : import de tableur ({sheet_path.name})",
            retries=retries,
            trusted=trusted,
            on_page=on_page,
        )

    _run_batch(state, "import", run, dry_run=dry_run, minor=minor, bot=bot, report_path=report_path)
