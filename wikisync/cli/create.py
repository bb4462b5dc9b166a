"""The ``new`` command: create a page of a record type from its skeleton.

A thin shell over :func:`wikisync.ops.create.new_page`: values are checked before
anything is read (a bad one: exit 2), the site's run lock is held (not on
``--dry-run``), an existing page is never replaced (exit 3).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wikisync.cli.complete import complete_types
from wikisync.cli.edit import _assignments, _trusted_option, skeleton_dirs
from wikisync.cli.hints import cli_words, in_mirror
from wikisync.cli.main import State, cli, guarded_run, report_option, write_options, write_report
from wikisync.cli.outcomes import run_exit_code
from wikisync.cli.terminal import paint_status
from wikisync.i18n import gettext, say
from wikisync.ops.collect import record_type_named
from wikisync.ops.create import check_new_values, new_page
from wikisync.ops.publish import open_target
from wikisync.ports.outcome import Outcome


@cli.command(name="new")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_types)
@click.argument("title")
@click.argument("assignments", metavar="FIELD=VALUE...", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Print the page's text; write nothing.")
@click.option("--summary", metavar="TEXT", default=None, help="Edit summary [default: says what].")
@_trusted_option
@write_options
@report_option(
    "Write a JSON report to FILE (- for standard output: title, status, revision, message)."
)
@click.pass_obj
def new(
    state: State,
    type_name: str,
    title: str,
    assignments: tuple[str, ...],
    dry_run: bool,
    summary: str | None,
    trusted: bool,
    minor: bool,
    bot: bool,
    report_path: Path | None,
) -> None:
    """Create page TITLE of record TYPE from its skeleton, with FIELD=VALUEs.

    The skeleton (templates/new/TYPE.wiki.j2 beside the configuration, else
    the shipped one) gives the infobox with the schema's fields in order and
    the type's categories; the values are checked against their fields and
    written into the infobox as 'wikisync set' writes them. An existing page
    is never replaced: exit 3. --dry-run prints the text.

    \b
    Example:
      wikisync new event "Atelier vélo-cargo 2026" startDate=2026-05-12 place=Nantes
    """
    values = _assignments(assignments, "value")
    config = state.config()
    record_type = record_type_named(config.types, type_name)
    check_new_values(record_type, values, trusted=trusted)
    with guarded_run(state, "new", report_path=report_path, writes=not dry_run) as (source, stop):
        target = None if dry_run else open_target(source, bot=bot, minor=minor)
        result = new_page(
            source,
            target,
            record_type,
            title,
            values,
            summary=summary,
            dry_run=dry_run,
            trusted=trusted,
            template_dirs=skeleton_dirs(state),
        )
    code = run_exit_code(result.outcomes(), stop)
    data = {"command": "new", "dry_run": dry_run, **result.to_dict(), "exit_code": code}
    write_report(report_path, data, stop)
    what = gettext('page "%(title)s"') % {"title": result.title}
    if result.status == Outcome.PLANNED:
        click.echo(result.text, nl=not result.text.endswith("\n"))
        line = gettext("%(what)s would be created (dry run: nothing written)") % {"what": what}
    elif result.status == Outcome.CREATED and in_mirror(target):
        line = gettext("%(what)s created in the mirror: %(file)s") % {
            "what": what,
            "file": target.file_of(result.title),
        }
    elif result.status == Outcome.CREATED:
        line = gettext("%(what)s created (revision %(revid)s)") % {
            "what": what,
            "revid": result.revid,
        }
    else:
        status = paint_status(result.status, False)
        line = f"wikisync: {what} {status}: {cli_words(say(result.message))}"
    click.echo(line, err=True)
    if code:
        sys.exit(code)
