"""Reading commands: ``init``, ``pages``, ``records`` and ``check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wikisync.cli.main import State, cli, opened_source, write_output
from wikisync.collect import collect_records, record_type_named
from wikisync.errors import ConfigError
from wikisync.files import describe
from wikisync.formats import FORMATS, format_records
from wikisync.presets import PRESETS, load_preset
from wikisync.records import RecordSet
from wikisync.schema import RecordType


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
@click.pass_obj
def init(state: State, preset: str, output: Path, force: bool) -> None:
    """Write a starter configuration (record types and jobs of a preset).

    The --site and --user given to wikisync go into the file; the password
    never does (set WIKISYNC_PASSWORD or let wikisync prompt for it).

    \b
    Example:
      wikisync --site https://wiki.example.org --user WikiBot@sync init
    """
    if output.exists() and not force:
        raise ConfigError(f"{output} exists already; pass --force to overwrite it", key=str(output))
    head = []
    site = state.overrides.get("site")
    user = state.overrides.get("user")
    head.append(f"site = {_toml_string(site)}" if site else '# site = "https://wiki.example.org/"')
    head.append(f"user = {_toml_string(user)}" if user else '# user = "WikiBot@sync"')
    head.append('# contact = "you@example.org"   # sent in the User-Agent')
    text = "\n".join(head) + "\n\n" + load_preset(preset)
    write_output(output, text)
    click.echo(f"wrote {describe(output)} (preset {preset})", err=True)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@cli.command()
@click.argument("category")
@click.option("-r", "--recursive", is_flag=True, help="Include the pages of subcategories.")
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=None,
    help="With --recursive: how many levels of subcategories (default: all).",
)
@click.pass_obj
def pages(state: State, category: str, recursive: bool, depth: int | None) -> None:
    """List the pages of CATEGORY, one title a line, sorted.

    Subcategories are not listed; --recursive descends into them (each once,
    so category cycles are harmless). Works on a live wiki, a mirror folder and
    an XML dump alike.

    \b
    Example:
      wikisync --site examples/fabmob/mirror pages Evénement --recursive
    """
    with opened_source(state) as source:
        titles = source.list_category(category, recursive=recursive, depth=depth)
    for title in titles:
        click.echo(title)


def _collect(state: State, type_name: str) -> tuple[RecordType, RecordSet]:
    record_type = record_type_named(state.config().types, type_name)
    with opened_source(state) as source:
        return record_type, collect_records(source, record_type)


@cli.command()
@click.argument("type_name", metavar="TYPE")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="json: one array; jsonl: one object a line; csv: UTF-8, lists joined with ', '; "
    "table: aligned columns for reading.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Write to FILE (atomically; - for standard output) instead of standard output.",
)
@click.option(
    "--raw",
    is_flag=True,
    help="CSV: write cells as they are, without the ' put in front of cells that begin "
    "with = + - @, a tab or a CR (which spreadsheet programs would run as formulas).",
)
@click.pass_obj
def records(state: State, type_name: str, fmt: str, output: Path | None, raw: bool) -> None:
    """Extract the records of TYPE from its pages' infoboxes.

    Every page of the type's categories gives one record per infobox; fields
    are typed as the configuration says. Problems (bad values, pages without
    the infobox) go to standard error and never stop the run; see
    'wikisync check' for the full report.

    \b
    Example:
      wikisync records event --format csv -o events.csv
    """
    record_type, found = _collect(state, type_name)
    text = format_records(found.records, fmt, record_type, raw=raw)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        write_output(output, text)
    if found.problems:
        click.echo(
            f"wikisync: {len(found.problems)} problem(s) in {type_name} pages; "
            f"run 'wikisync check {type_name}' for the list",
            err=True,
        )


@cli.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--strict", is_flag=True, help="Exit with code 1 when there is any problem.")
@click.pass_obj
def check(state: State, type_name: str, strict: bool) -> None:
    """Validate the pages of TYPE: one line per problem, then a summary.

    Each problem names the page, the field, the raw value and what was
    expected. Without --strict the exit code is 0 even with problems.

    \b
    Example:
      wikisync check event --strict
    """
    _, found = _collect(state, type_name)
    for problem in found.problems:
        click.echo(str(problem))
    click.echo(
        f"{type_name}: {found.page_count} pages, {len(found.records)} records, "
        f"{len(found.problems)} problems",
        err=True,
    )
    if strict and found.problems:
        sys.exit(1)
