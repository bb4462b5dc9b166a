"""Batch edit commands: ``set``, ``rename-param``, ``remove-param``, ``export``, ``import``.

Thin shells over :mod:`wikisync.ops.batch.run`, :mod:`wikisync.ops.batch.params` and
:mod:`wikisync.ops.spreadsheet`. The writing commands hold the site's run lock
(not on ``--dry-run``), print a diff per page on ``--dry-run``, a progress bar
on a terminal, one line per page saved (``-v``: every page) and a count per
status, write a JSON report with ``--report`` and exit with the run's code:
0 ok (including nothing to do), 1 a page failed, 2 a bad value or file,
3 a page skipped for a conflict, a refusal or a bad cell, 4 another run
holds the lock (the report says so too), 130/143 stopped by SIGINT/SIGTERM
after the page in flight (the report lists the pages ``not done``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import click

# Re-exported: they lived here, and replace.py and the tests import them from here.
from wikisync.cli.batch_runs import BatchOptions as BatchOptions
from wikisync.cli.batch_runs import Run as Run
from wikisync.cli.batch_runs import _batch_options as _batch_options
from wikisync.cli.batch_runs import _print as _print
from wikisync.cli.batch_runs import _progress as _progress
from wikisync.cli.batch_runs import _run_batch as _run_batch
from wikisync.cli.batch_runs import _summary as _summary
from wikisync.cli.complete import complete_types
from wikisync.cli.main import (
    State,
    cli,
    opened_source,
    output_option,
)
from wikisync.cli.outputs import bom_option, wants_bom
from wikisync.cli.selection import selection_options
from wikisync.core.fields.checks import check_set_values
from wikisync.core.fields.list_items import ItemEdit
from wikisync.core.selection import Selection
from wikisync.files import STDIO, describe
from wikisync.i18n import gettext, ngettext, say
from wikisync.ops.batch.params import remove_template_param, rename_template_param
from wikisync.ops.batch.report import BatchReport, OnPage
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import record_type_named
from wikisync.ops.publish import Target
from wikisync.ops.sheet import read_sheet
from wikisync.ops.spreadsheet import export_records, import_records
from wikisync.ops.suggest import schema_losses
from wikisync.sources import Source


def _sheet_name(path: Path) -> str:
    return describe(path, reading=True) if str(path) == STDIO else path.name


def _raw_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--raw",
        is_flag=True,
        help="No formula guard: cells are written (export) and read (import) as they are, "
        "without the ' in front of cells that begin with = + - @, a tab, a CR or '.",
    )(function)


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


def _set_values(pairs: tuple[str, ...]) -> dict[str, str | ItemEdit]:
    """``FIELD=VALUE``, ``FIELD+=ITEM`` (add a list item) and ``FIELD-=ITEM`` (remove one)."""
    values: dict[str, str | ItemEdit] = {}
    for name, value in _assignments(pairs, "value").items():
        if name[-1:] in "+-" and len(name) > 1:
            action: Literal["add", "remove"] = "add" if name[-1] == "+" else "remove"
            name = name[:-1].strip()
            if name in values:
                raise click.UsageError(f'value: field "{name}" is given twice')
            values[name] = ItemEdit(action, value)
        elif name in values:
            raise click.UsageError(f'value: field "{name}" is given twice')
        else:
            values[name] = value
    return values


def skeleton_dirs(state: State) -> tuple[Path, ...]:
    """The folders searched for page skeletons: ``templates/`` beside the configuration."""
    config = state.config()
    if config.path is None:
        return ()
    folder = config.path.parent / "templates"
    return (folder,) if folder.is_dir() else ()


def _run_param_edit(
    state: State,
    command: str,
    edit: Callable[..., BatchReport],
    template: str,
    names: tuple[str, ...],
    batch: BatchOptions,
    selection: Selection | None = None,
) -> None:
    """Run a template parameter edit (``edit(source, target, template, *names, ...)``)."""

    def run(source: Source, target: Target | None, on_page: OnPage | None) -> BatchReport:
        return edit(
            source,
            target,
            template,
            *names,
            dry_run=batch.dry_run,
            summary=_summary(state, batch.summary),
            retries=batch.retries,
            on_page=on_page,
            selection=selection,
        )

    _run_batch(state, command, run, batch, template=template)


def _warn_schema_loss(state: State, template: str, old: str, new: str | None) -> None:
    """Warn when a parameter the configuration's record types read is renamed or removed."""
    if state.verbosity < 0:
        return
    config = state.config()
    where = str(config.path) if config.path else gettext("the configuration")
    for line in schema_losses(config.types, template, old, new):
        warning = gettext("%(line)s; update %(file)s") % {"line": say(line), "file": where}
        click.echo(gettext("wikisync: warning: %(message)s") % {"message": warning}, err=True)


@cli.command(name="set")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_types)
@click.argument(
    "assignments", metavar="FIELD=VALUE|FIELD+=ITEM|FIELD-=ITEM...", nargs=-1, required=True
)
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
@selection_options
@click.pass_obj
def set_(
    state: State,
    type_name: str,
    assignments: tuple[str, ...],
    conditions: tuple[str, ...],
    trusted: bool,
    batch: BatchOptions,
    selection: Selection | None,
) -> None:
    """Set FIELDs on every record of TYPE (that matches --where).

    FIELD is the schema's field name; each infobox gets the value in the
    parameter it already uses for the field (else the field's first one), and
    nothing else on the page changes. Values are checked against the field's
    type before anything is read or written (a bad one: exit 2). A page that
    already holds the values is not edited, so a run stopped half-way can
    simply be started again.

    On a list field, FIELD+=ITEM adds one item after the last, joined with
    the list's own separator and spacing (an item already there: unchanged),
    and FIELD-=ITEM removes every copy of it with its separator (an absent
    one: unchanged); every other byte of the value stays as it is.

    \b
    Example:
      wikisync set event place="Hôtel de ville" --where place=Mairie --dry-run
      wikisync set actor Adherent=oui --where "villes d'implantation=Lyon"
      wikisync set event Tags+=vélo --where type=Atelier
    """
    values = _set_values(assignments)
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
            dry_run=batch.dry_run,
            summary=_summary(state, batch.summary),
            retries=batch.retries,
            trusted=trusted,
            on_page=on_page,
            selection=selection,
        )

    _run_batch(state, "set", run, batch)


@cli.command(name="rename-param")
@click.argument("template")
@click.argument("old")
@click.argument("new")
@_batch_options
@selection_options
@click.pass_obj
def rename_param(
    state: State,
    template: str,
    old: str,
    new: str,
    batch: BatchOptions,
    selection: Selection | None,
) -> None:
    """Rename parameter OLD to NEW on every page that uses TEMPLATE.

    Pages are found through the template and its redirects (on a mirror
    folder: by scanning the pages). Only the name changes; a page with both
    OLD and NEW holding different values is refused (exit 3).

    \b
    Example:
      wikisync rename-param Event Lieu place --dry-run
    """

    _warn_schema_loss(state, template, old, new)
    _run_param_edit(
        state,
        "rename-param",
        rename_template_param,
        template,
        (old, new),
        batch,
        selection,
    )


@cli.command(name="remove-param")
@click.argument("template")
@click.argument("name")
@_batch_options
@selection_options
@click.pass_obj
def remove_param(
    state: State,
    template: str,
    name: str,
    batch: BatchOptions,
    selection: Selection | None,
) -> None:
    """Remove parameter NAME (every copy) on every page that uses TEMPLATE.

    \b
    Example:
      wikisync remove-param Event ancienChamp --dry-run
    """

    _warn_schema_loss(state, template, name, None)
    _run_param_edit(
        state,
        "remove-param",
        remove_template_param,
        template,
        (name,),
        batch,
        selection,
    )


@cli.command(name="export")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_types)
@output_option("The CSV file to write (- for standard output).", required=True)
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
@bom_option
@_raw_option
@selection_options
@click.pass_obj
def export(
    state: State,
    type_name: str,
    output: Path,
    fields: tuple[str, ...],
    delimiter: str,
    bom: bool | None,
    raw: bool,
    selection: Selection | None,
) -> None:
    """Export the records of TYPE to a CSV file to edit in a spreadsheet.

    One row per infobox: title, index, revid, sha1 (what 'wikisync import'
    needs: leave them as they are), then each field's value as written on the
    page. Edit cells, save as CSV (UTF-8), then 'wikisync import'. The CSV
    is the one of 'records -f csv': UTF-8, a file starting with a byte order
    mark (BOM) for spreadsheet programs, standard output without (--bom,
    --no-bom: either way).
    A cell that begins with = + - @, a tab, a CR or ' gets a ' in front, so
    a spreadsheet program never runs it as a formula; import takes it off
    again (--raw: off).

    \b
    Example:
      wikisync export event -o events.csv && wikisync import event events.csv
    """
    record_type = record_type_named(state.config().types, type_name)
    with opened_source(state) as source:
        result = export_records(
            source,
            record_type,
            output,
            fields=fields,
            delimiter=delimiter,
            bom=wants_bom(output, bom),
            raw=raw,
            selection=selection,
        )
    if state.verbosity >= 0:
        rows = ngettext("%(n)d row", "%(n)d rows", result.rows) % {"n": result.rows}
        pages = ngettext("%(n)d page", "%(n)d pages", result.pages) % {"n": result.pages}
        without = len(result.without_infobox)
        line = gettext("wrote %(file)s: %(rows)s from %(pages)s") % {
            "file": describe(output),
            "rows": rows,
            "pages": pages,
        }
        if without:
            line += gettext(" (%(n)d without an infobox)") % {"n": without}
        click.echo(line, err=True)
    for message in result.too_complex:  # left out, as records leaves them out
        click.echo(f"wikisync: warning: {message}", err=True)
    if state.verbosity > 0:
        for title in result.without_infobox:
            click.echo(f'  page "{title}" has no infobox', err=True)


@cli.command(name="import")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_types)
@click.argument(
    "sheet_path",
    metavar="FILE.csv",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
)
@_trusted_option
@_raw_option
@_batch_options
@click.pass_obj
def import_(
    state: State,
    type_name: str,
    sheet_path: Path,
    trusted: bool,
    raw: bool,
    batch: BatchOptions,
) -> None:
    """Write back the cells of an exported CSV FILE that were changed.

    Only changed cells are written, into the infobox parameters, after a type
    check (a bad cell is reported with its row and column, and its page is
    skipped). A page edited on the wiki since the export is skipped, never
    overwritten (exit 3), unless it already holds the new values. Accepts
    files saved by LibreOffice or Excel (UTF-8, ',' or ';', CRLF); - reads
    standard input. One leading ' of a cell is taken off (export's formula
    guard; --raw keeps it). A row with more or fewer cells than the header
    stops the import before anything is saved. A row with a title and no
    revid creates that page from the type's skeleton (as 'wikisync new');
    if the page exists, the row is refused (exit 3), never overwritten,
    unless the page already holds the row's values (then it is unchanged).

    \b
    Example:
      wikisync import event events.csv --dry-run
    """
    record_type = record_type_named(state.config().types, type_name)
    sheet = read_sheet(sheet_path, record_type, raw=raw)

    def run(source: Source, target: Target | None, on_page: OnPage | None) -> BatchReport:
        return import_records(
            source,
            target,
            record_type,
            sheet,
            dry_run=batch.dry_run,
            summary=_summary(state, batch.summary)
            or gettext("wikisync: spreadsheet import (%(file)s)")
            % {"file": _sheet_name(sheet_path)},
            retries=batch.retries,
            trusted=trusted,
            on_page=on_page,
            template_dirs=skeleton_dirs(state),
        )

    _run_batch(state, "import", run, batch)
