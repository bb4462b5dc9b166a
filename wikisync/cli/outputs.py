"""One CSV dialect for ``export`` and ``records -f csv``.

Both write UTF-8, RFC 4180 (comma or ``--delimiter``, CRLF line ends,
quotes where needed), and begin each row with the same columns: ``title``,
``index`` (which infobox of the page), ``revid``; then ``export`` adds
``sha1`` and ``records`` adds ``type``, then one column per field. A file
starts with a UTF-8 byte order mark (BOM), so that Excel reads the accents;
standard output does not, so that a pipe into a script reads plain UTF-8.
``--bom``/``--no-bom`` choose either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wikisync.files import STDIO, describe


def bom_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add --bom/--no-bom (parameter ``bom``: None when not given)."""
    return click.option(
        "--bom/--no-bom",
        default=None,
        help="Start the CSV with a UTF-8 byte order mark, so that Excel reads the accents "
        "(LibreOffice and 'wikisync import' read either) [default: in a file yes, on "
        "standard output no].",
    )(function)


def wants_bom(output: Path | None, bom: bool | None) -> bool:
    """Whether a CSV written to ``output`` (None or ``-``: standard output) starts with a BOM."""
    if bom is not None:
        return bom
    return output is not None and str(output) != "-"


def say_wrote(path: Path, what: str = "", *, verbosity: int = 0) -> None:
    """Say on stderr that a command wrote ``path`` (nothing for standard output).

    Every file a command writes is named so: ``wrote report.html``, at the
    run's ``verbosity`` or above (-q: never); a run report (``wrote run.json
    (run report)``) at -v, so that a cron run stays quiet when nothing changed.
    """
    if str(path) == STDIO:
        return
    ctx = click.get_current_context(silent=True)
    level = getattr(ctx.obj, "verbosity", 0) if ctx is not None else 0
    if level >= verbosity:
        from wikisync.i18n import N_, gettext

        N_("run report")  # the one ``what`` said today (main.write_report)
        line = gettext("wrote %(file)s") % {"file": describe(path)}
        click.echo(line + (f" ({gettext(what)})" if what else ""), err=True)
