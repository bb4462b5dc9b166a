"""Reading commands: ``init``, ``pages``, ``records`` and ``check``."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import click

from wikisync.cli.complete import complete_types
from wikisync.cli.counts import problems_in, type_counts
from wikisync.cli.main import (
    State,
    cli,
    echo_or_write,
    opened_source,
    output_option,
    write_output,
)
from wikisync.cli.outputs import bom_option, say_wrote, wants_bom
from wikisync.cli.selection import selection_options
from wikisync.config import site_credentials, site_without_credentials
from wikisync.core.errors import ConfigError
from wikisync.core.records import RecordSet
from wikisync.core.schema import RecordType, load_record_types
from wikisync.core.selection import Selection
from wikisync.files import check_output, describe
from wikisync.i18n import gettext, say, say_error
from wikisync.ops.collect import category_pages, collect_records, record_type_named
from wikisync.ops.database import read_database, write_database
from wikisync.ops.example import copy_example
from wikisync.ops.formats import FORMATS, format_records
from wikisync.ops.geojson import GeoJson, read_geojson
from wikisync.ops.ical import Calendar, read_calendar
from wikisync.ops.quality.check import QualityProblem, check_types
from wikisync.ops.quality.html import render_quality_html
from wikisync.ops.suggest import describe_category
from wikisync.presets import PRESETS, load_preset
from wikisync.sources import Source

#: The ``--format`` choices of ``pages`` and ``check``.
LIST_FORMATS = ("text", "json", "jsonl")


def _format_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(LIST_FORMATS),
        default="text",
        show_default=True,
        help=f"text: {what}; json: one array of objects; jsonl: one object a line "
        "(as 'wikisync records').",
    )


#: The ``-o/--output`` option of ``records`` and ``check``.
_output_option = output_option(
    "Write to FILE (atomically; - for standard output) instead of standard output."
)


def _echo_items(items: Iterable[Mapping[str, Any]], fmt: str) -> None:
    rows = list(items)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))


@cli.command()
@click.option(
    "--preset",
    type=click.Choice(PRESETS),
    default="fabmob",
    show_default=True,
    help="Which preset of record types and jobs to write.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("wikisync.toml"),
    show_default=True,
    help="Where to write the configuration.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--from-wiki",
    is_flag=True,
    help="Propose the record types from the wiki's own templates, Page Forms forms and "
    "Semantic MediaWiki properties, checked against its pages, instead of a preset.",
)
@click.pass_obj
def init(state: State, preset: str, output: Path, force: bool, from_wiki: bool) -> None:
    """Write a starter configuration (record types and jobs of a preset).

    The --site and --user given to wikisync go into the file; the password
    never does (set WIKISYNC_PASSWORD or let wikisync prompt for it): a
    --site URL's user:password@ part is left out, and init says so.

    With --from-wiki, the types are read from the wiki itself: each infobox
    template (one a form fills, that stores properties or adds a category)
    becomes a type; each field's type comes from the form's input, the
    property's declared type or how the template shows it, and is set back
    to text when most of the pages' values do not fit it. Every field says
    why in a comment; what could not be decided is listed at the top.

    \b
    Examples:
      wikisync --site https://wiki.example.org --user WikiBot@sync init
      wikisync --site https://wiki.example.org init --from-wiki -o proposal.toml
    """
    if output.exists() and not force:
        raise ConfigError(f"{output} exists already; pass --force to overwrite it", key=str(output))
    head = []
    site = state.overrides.get("site")
    user = state.overrides.get("user")
    if site and site_credentials(site) is not None:
        site = site_without_credentials(site)
        click.echo(
            f"left the user:password@ part out of site in {describe(output)} (set "
            "WIKISYNC_PASSWORD, or use --user for a login)",
            err=True,
        )
    head.append(f"site = {_toml_string(site)}" if site else '# site = "https://wiki.example.org/"')
    head.append(f"user = {_toml_string(user)}" if user else '# user = "WikiBot@sync"')
    head.append('# contact = "you@example.org"   # sent in the User-Agent')
    if not from_wiki:
        text = "\n".join(head) + "\n\n" + load_preset(preset)
        write_output(output, text)
        click.echo(f"wrote {describe(output)} (preset {preset})", err=True)
        return
    from wikisync.core.type_proposal import render_proposal
    from wikisync.i18n import gettext, ngettext
    from wikisync.ops.from_wiki import propose_from_wiki

    with opened_source(state) as source:
        proposal = propose_from_wiki(source)
        where = source.location
    write_output(output, "\n".join(head) + "\n\n" + render_proposal(proposal, site=where))
    fields = sum(len(kind.fields) for kind in proposal.types)
    types = ngettext("%(n)d type", "%(n)d types", len(proposal.types)) % {"n": len(proposal.types)}
    click.echo(
        gettext("wrote %(file)s: %(types)s, %(fields)d fields, from %(site)s")
        % {"file": describe(output), "types": types, "fields": fields, "site": where},
        err=True,
    )
    if proposal.undecided:
        click.echo(
            ngettext(
                "%(n)d thing could not be decided: see the comments at the top of the file",
                "%(n)d things could not be decided: see the comments at the top of the file",
                len(proposal.undecided),
            )
            % {"n": len(proposal.undecided)},
            err=True,
        )


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def example(ctx: click.Context, folder: Path) -> None:
    """Copy the bundled example into FOLDER and rebuild its index pages there.

    The example is a local mirror of a small FabMob-like wiki with its
    wikisync.toml (no network needed). FOLDER must be new or empty: the
    rebuild edits the copy, never the files shipped with wikisync. Then try
    the other commands in FOLDER.

    \b
    Example:
      wikisync example ~/wikisync-example
    """
    from wikisync.cli.index import rebuild  # the rebuild command, run on the copy

    state: State = ctx.obj
    config_path = copy_example(folder)
    if state.verbosity >= 0:
        said = gettext("copied the example to %(folder)s; rebuilding its index pages:")
        click.echo(said % {"folder": folder}, err=True)
    overrides = dict(state.overrides)
    if state.config_path is not None and state.config().lang:  # one language for the run
        overrides["lang"] = state.config().lang
    ctx.obj = State(str(config_path), overrides, state.verbosity, state.color_mode)
    ctx.invoke(rebuild)
    if state.verbosity >= 0:
        said = gettext(
            "next: cd %(folder)s && wikisync records event -f table (or 'wikisync check "
            "event', 'wikisync rebuild': nothing changes the second time)"
        )
        click.echo(said % {"folder": folder}, err=True)


def _toml_string(value: str) -> str:
    # JSON's string escapes are TOML's basic-string escapes (control characters included)
    return json.dumps(value, ensure_ascii=False)


@cli.command()
@click.argument("category", required=False)
@click.option("-r", "--recursive", is_flag=True, help="Include the pages of subcategories.")
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=None,
    help="Descend this many levels of subcategories (implies --recursive; 0: the category "
    "alone) [default with --recursive: all].",
)
@_format_option("one title a line")
@selection_options
@click.pass_obj
def pages(
    state: State,
    category: str | None,
    recursive: bool,
    depth: int | None,
    fmt: str,
    selection: Selection | None,
) -> None:
    """List the pages of CATEGORY (or of the selection), one title a line, sorted.

    Without CATEGORY, the pages the selection options choose (one is then
    needed). Subcategories are not listed; --recursive descends into them (each once,
    so category cycles are harmless), --depth N only N levels down (and
    implies --recursive). Works on a live wiki, a mirror folder and
    an XML dump alike. A category that does not exist is an error (exit 2)
    naming the closest existing ones; an existing category without pages
    lists nothing and says so on standard error (exit 0).

    \b
    Example:
      wikisync --site examples/fabmob/mirror pages Evénement --recursive
      wikisync --site examples/fabmob/mirror pages Evénement --depth 1
      wikisync pages --namespace Modèle --prefix Ev
    """
    if category is None and selection is None:
        raise click.UsageError("give a CATEGORY or a selection option (--titles, --namespace…)")
    recursive = recursive or depth is not None
    with opened_source(state) as source:
        titles = category_pages(
            source, category, recursive=recursive, depth=depth, selection=selection
        )
        if not titles and category is not None and selection is None:
            _explain_empty_category(state, source, category, recursive=recursive)
    if fmt == "text":
        for title in titles:
            click.echo(title)
    else:
        _echo_items(({"title": title} for title in titles), fmt)


def _explain_empty_category(
    state: State, source: Source, category: str, *, recursive: bool
) -> None:
    """Warn about an existing category without pages."""
    if state.verbosity < 0:
        return
    message = say(describe_category(source, category).message)
    if not recursive and source.list_category(category, recursive=True):
        message += gettext("; its subcategories have some: add --recursive")
    click.echo(f"wikisync: {message}", err=True)


def _collect(
    state: State, type_name: str, selection: Selection | None
) -> tuple[RecordType, RecordSet]:
    record_type = record_type_named(state.config().types, type_name)
    with opened_source(state) as source:
        found = collect_records(source, record_type, selection)
        if not found.page_count and state.verbosity >= 0 and selection is None:
            _warn_no_pages(state, source, record_type)
        return record_type, found


def _problem_data(problem: QualityProblem) -> dict[str, Any]:
    """A problem as JSON data: its facts as found, its message in the run's language."""
    return {**problem.to_dict(), "message": say(problem.message)}


def _warn_no_pages(state: State, source: Source, record_type: RecordType) -> None:
    """Say why a type has no pages: each of its categories missing or empty."""
    where = str(state.config().path or gettext("the configuration"))
    for category in record_type.categories:
        found = describe_category(source, category)
        said = gettext("type %(type)s: %(message)s (%(key)s in %(file)s)") % {
            "type": record_type.name,
            "message": say(found.message),
            "key": f"types.{record_type.name}.categories",
            "file": where,
        }
        click.echo(gettext("wikisync: warning: %(message)s") % {"message": said}, err=True)


def _leaving_out(
    state: State, type_name: str, selection: Selection | None, fmt: str
) -> tuple[RecordType, RecordSet, str, int]:
    """A calendar (``ics``) or a map (``geojson``) of a type, the records it leaves out
    said one by one; their number comes back with the text."""
    record_type = record_type_named(state.config().types, type_name)
    with opened_source(state) as source:
        made: Calendar | GeoJson
        if fmt == "ics":
            made, found = read_calendar(source, record_type, selection=selection)
        else:
            made, found = read_geojson(source, record_type, selection=selection)
        if not found.page_count and state.verbosity >= 0 and selection is None:
            _warn_no_pages(state, source, record_type)
    if state.verbosity >= 0:
        for problem in made.problems:
            click.echo(f"wikisync: {say_error(problem)}", err=True)
    return record_type, found, made.text, len(made.problems)


@cli.command()
@click.argument("type_names", metavar="[TYPE]...", nargs=-1, shell_complete=complete_types)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "ics", "geojson", "sqlite")),
    default="json",
    show_default=True,
    help="json: one array; jsonl: one object a line; csv: the CSV of 'wikisync export' "
    "(title, index, revid, type, then the fields; lists joined with ', '); "
    "table: aligned columns for reading; ics: an iCalendar (RFC 5545) calendar, one "
    "event per record with a start date; geojson: a GeoJSON (RFC 7946) map, one point "
    "per record with coordinates; sqlite: a SQLite database of one or more types (all "
    "when none is given), to write with -o FILE.",
)
@_output_option
@click.option(
    "--raw",
    is_flag=True,
    help="CSV: write cells as they are, without the ' put in front of cells that begin "
    "with = + - @, a tab or a CR (which spreadsheet programs would run as formulas).",
)
@bom_option
@selection_options
@click.pass_obj
def records(
    state: State,
    type_names: tuple[str, ...],
    fmt: str,
    output: Path | None,
    raw: bool,
    bom: bool | None,
    selection: Selection | None,
) -> None:
    """Extract the records of TYPE from its pages' infoboxes.

    Every page of the type's categories gives one record per infobox; fields
    are typed as the configuration says. Problems (bad values, pages without
    the infobox) go to standard error and never stop the run; see
    'wikisync check' for the full report.

    --format table fits the terminal's width (or COLUMNS; 80 when standard
    output is no terminal): long cells end with '…', and the fields that do
    not fit follow in further blocks, each beginning with the title. With
    -o FILE the table keeps every column side by side.

    --format ics writes a calendar: all-day events for dates, date-times in
    Europe/Paris time unless written with an offset, ranges to their end
    field; records whose date has only a month or a year are left out (each
    said on standard error).

    --format geojson writes a map: one point per record, placed by the
    type's first coord field, [longitude, latitude] with at most 7 decimals,
    the title as id and the fields as properties; records without a point
    are left out (each said on standard error).

    --format sqlite writes one database of the TYPEs given (every type of
    the configuration when none is): a table per type with typed columns,
    a table per list field, and the tables pages, problems, columns and
    metadata (docs/sqlite.md). The file is replaced at once, never half
    written.

    \b
    Examples:
      wikisync records event --format csv -o events.csv
      wikisync records event -f ics -o agenda.ics
      wikisync records actor -f geojson -o partenaires.geojson
      wikisync records event actor -f sqlite -o fabmob.db
    """
    if fmt == "sqlite":
        _records_database(state, type_names, output, selection)
        return
    if len(type_names) != 1:
        raise click.UsageError(
            f"--format {fmt} writes the records of one TYPE, got {len(type_names)} "
            "(only --format sqlite takes several, or none for all)"
        )
    type_name = type_names[0]
    left_out = 0  # records a calendar or a map leaves out, each said already
    if fmt in ("ics", "geojson"):
        record_type, found, text, left_out = _leaving_out(state, type_name, selection, fmt)
    else:
        record_type, found = _collect(state, type_name, selection)
        text = format_records(
            found.records, fmt, record_type, raw=raw, line_width=_screen_width(fmt, output)
        )
        if fmt == "csv" and wants_bom(output, bom):
            text = "\ufeff" + text
    echo_or_write(output, text)
    if (found.problems or left_out) and state.verbosity >= 0:
        click.echo(problems_in(type_name, len(found.problems) + left_out), err=True)


def _records_database(
    state: State, type_names: tuple[str, ...], output: Path | None, selection: Selection | None
) -> None:
    if output is None:
        raise click.UsageError("--format sqlite writes a database file: give it with -o FILE")
    if str(output) == "-" and sys.stdout.isatty():
        raise click.UsageError(
            "--format sqlite writes a binary database: not to a terminal (give -o FILE)"
        )
    config = state.config()
    names = type_names or tuple(load_record_types(config.types))
    record_types = [record_type_named(config.types, name) for name in names]
    check_output(output)
    with opened_source(state) as source:
        database, sets = read_database(source, record_types, selection=selection)
        for record_type, found in zip(record_types, sets, strict=True):
            if not found.page_count and state.verbosity >= 0 and selection is None:
                _warn_no_pages(state, source, record_type)
    write_database(output, database)
    say_wrote(output)
    if state.verbosity >= 0:
        for record_type, found in zip(record_types, sets, strict=True):
            held = sum(1 for problem in database.problems if problem.type == record_type.name)
            if found.problems or held:
                click.echo(problems_in(record_type.name, len(found.problems) + held), err=True)


def _screen_width(fmt: str, output: Path | None) -> int | None:
    """The width a table on standard output fits: the terminal's (COLUMNS, else 80)."""
    if fmt != "table" or (output is not None and str(output) != "-"):
        return None
    return shutil.get_terminal_size().columns


@cli.command()
@click.argument("type_names", metavar="[TYPE]...", nargs=-1, shell_complete=complete_types)
@click.option("--strict", is_flag=True, help="Exit with code 1 when there is any problem.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice((*LIST_FORMATS, "html")),
    default="text",
    show_default=True,
    help="text: one line per problem; json: one array of objects; jsonl: one object a "
    "line (as 'wikisync records'); html: a report page to open in a browser.",
)
@_output_option
@selection_options
@click.pass_obj
def check(
    state: State,
    type_names: tuple[str, ...],
    strict: bool,
    fmt: str,
    output: Path | None,
    selection: Selection | None,
) -> None:
    """Validate the pages of each TYPE (all types when none is given).

    Each problem names the page, the field, the raw value and what was
    expected (as JSON with --format json or jsonl: type, title, field, value,
    expected, message). --format html writes a data-quality report page:
    counts per type and field, a chart of problems per field, every problem
    with links to the page and its edit form on the wiki (for a live wiki,
    or a mirror that records its wiki), labels in the wiki's language (or the
    configuration's 'lang'). A summary per type goes to standard error.
    Without --strict the exit code is 0 even with problems.

    \b
    Examples:
      wikisync check event --strict
      wikisync check --format html -o quality.html
    """
    config = state.config()
    with opened_source(state) as source:
        report = check_types(config, source, type_names, selection)
        for item in report.types:
            if not item.pages and state.verbosity >= 0 and selection is None:
                _warn_no_pages(state, source, record_type_named(config.types, item.name))
    problems = [problem for item in report.types for problem in item.problems]
    if fmt == "html":
        text = render_quality_html(report)
    elif fmt == "text":
        text = "".join(say(problem.message) + "\n" for problem in problems)
    elif fmt == "json":
        rows = [_problem_data(p) for p in problems]
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        text = "".join(json.dumps(_problem_data(p), ensure_ascii=False) + "\n" for p in problems)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_output(output, text)
        say_wrote(output)
    for item in report.types:
        click.echo(
            f"{item.name}: {type_counts(item.pages, item.records, len(item.problems))}", err=True
        )
    if strict and problems:
        sys.exit(1)
