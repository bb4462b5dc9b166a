"""``wikisync changes``: what changed in the records, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import click

from wikisync import files
from wikisync.cli.complete import complete_types
from wikisync.cli.main import State, cli, opened_source
from wikisync.core.errors import ConfigError
from wikisync.core.record_changes import RecordChange, Since, parse_since
from wikisync.i18n import gettext, ngettext
from wikisync.ops.changes import ROWS_KEPT_DAYS, read_changes

#: The default of --since: the last day.
DEFAULT_SINCE_HOURS = 24


def _since(value: str) -> Since:
    """--since: a date, a date-time, a cursor, or a file holding one (a watch's cursor file)."""
    if len(value) < 4096 and "\n" not in value and Path(value).is_file():
        data = files.read_regular(Path(value), "cursor file", limit=1 << 20) or b""
        try:
            return parse_since(data.decode("utf-8", errors="replace"))
        except ConfigError:
            raise ConfigError(
                f"since: {value} holds no cursor (a JSON object with timestamp and rcid, "
                "or TIMESTAMP|RCID)",
                key="since",
            ) from None
    return parse_since(value)


def _heading(change: RecordChange) -> str:
    kinds = {
        "created": gettext("created"),
        "deleted": gettext("deleted"),
        "changed": gettext("changed"),
    }
    where = change.title if not change.index else f"{change.title} #{change.index + 1}"
    what = kinds[change.kind]
    if change.old_title:
        what = gettext("%(change)s, was %(title)s") % {"change": what, "title": change.old_title}
    if not change.old_known:
        what = gettext("%(change)s, old values unknown") % {"change": what}
    return f"[{change.type}] {where} ({what})"


def _text(change: RecordChange) -> str:
    lines = [_heading(change)]
    lines.extend(f"  {field.text()}" for field in change.fields)
    return "\n".join(lines)


@cli.command()
@click.argument("type_names", metavar="[TYPE]...", nargs=-1, shell_complete=complete_types)
@click.option(
    "--since",
    metavar="DATE|CURSOR",
    help="From when: a date (2026-12-01, midnight UTC), a date-time "
    "(2026-12-01T08:00:00Z), a cursor TIMESTAMP|RCID as this command gives it, or "
    "a file holding a cursor ('wikisync watch''s cursor file). "
    f"Default: the last {DEFAULT_SINCE_HOURS} hours.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("text", "jsonl")),
    default="text",
    show_default=True,
    help="text: a heading per record and a line per field (place: Paris → Lyon); "
    "jsonl: one JSON object per record changed.",
)
@click.pass_obj
def changes(state: State, type_names: tuple[str, ...], since: str | None, fmt: str) -> None:
    """Show which records of each TYPE (all types when none is given) changed
    since a date or a cursor, field by field: creations, deletions and moves
    included, old values read from the revision the page had then.

    Changes come from the live wiki's recent changes (kept 90 days by
    default). The cursor to read on from next time goes to standard error
    (``cursor: TIMESTAMP|RCID``).

    \b
    Examples:
      wikisync changes event --since 2026-12-01
      wikisync changes --since '2026-12-06T15:04:05Z|1234' -f jsonl
    """
    import datetime as dt

    if since is None:
        moment = dt.datetime.now(dt.UTC) - dt.timedelta(hours=DEFAULT_SINCE_HOURS)
        since = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    start = _since(since)  # a bad value is said before the wiki is reached
    config = state.config()

    def show(change: RecordChange) -> None:
        if fmt == "jsonl":
            click.echo(json.dumps(change.to_dict(), ensure_ascii=False))
        else:
            click.echo(_text(change))

    with opened_source(state) as source:
        report = read_changes(config, source, type_names, since=start, on_change=show)
    if report.beyond_rows:
        click.echo(
            gettext(
                "warning: the wiki keeps recent changes %(days)d days by default; "
                "older changes may be missing"
            )
            % {"days": ROWS_KEPT_DAYS},
            err=True,
        )
    if state.verbosity >= 0:
        count = len(report.changes)
        click.echo(
            ngettext("%(n)d record changed", "%(n)d records changed", count) % {"n": count},
            err=True,
        )
        click.echo(f"cursor: {report.cursor}", err=True)
