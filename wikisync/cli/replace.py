"""The ``replace`` command: a regular-expression replace over the selected pages' text.

A thin shell over :func:`~wikisync.ops.batch.replace.replace_in_pages`, run as
``set`` runs (lock, dry-run diffs, progress, report, exit code).
"""

from __future__ import annotations

import click

from wikisync.cli.edit import BatchOptions, _batch_options, _run_batch, _summary
from wikisync.cli.main import State, cli
from wikisync.cli.selection import selection_options
from wikisync.core.replace import DEFAULT_TIMEOUT, PROTECTED, compile_replace
from wikisync.core.selection import Selection
from wikisync.ops.batch.replace import replace_in_pages
from wikisync.ops.batch.report import BatchReport, OnPage
from wikisync.ops.publish import Target
from wikisync.sources import Source


@cli.command(name="replace")
@click.argument("pattern")
@click.argument("replacement")
@click.option(
    "--include",
    "include",
    type=click.Choice(PROTECTED),
    multiple=True,
    help="Replace in this part too, which is left alone by default (repeat for more).",
)
@click.option("-i", "--ignore-case", is_flag=True, help="Match without regard to case.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.01),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long the pattern may run on one page before the page is refused.",
)
@_batch_options
@selection_options
@click.pass_obj
def replace(
    state: State,
    pattern: str,
    replacement: str,
    include: tuple[str, ...],
    ignore_case: bool,
    timeout: float,
    batch: BatchOptions,
    selection: Selection | None,
) -> None:
    """Replace PATTERN by REPLACEMENT in the text of the pages chosen.

    PATTERN is a regular expression (Python syntax: (?s), (?m) inline);
    REPLACEMENT may use \\1 or \\g<name> for its groups. At least one
    selection option is needed. The matches that touch a part editors expect
    a replace to leave alone are left whole: comments, <nowiki>, <pre> and
    code blocks (<syntaxhighlight>, <source>, <math>), template names (a
    parser function's name up to its ':'), named parameters' names, and
    link targets (a link's label is text); --include names a part to replace
    in too. A page without a match is skipped; a page on which the pattern
    runs longer than --timeout, or whose text would grow past 2 MiB, is
    refused (exit 3) and the others go on. Saves are checked as set's are:
    after an edit conflict the replace is made again on the page as it now
    is, never over the other edit.

    \b
    Example:
      wikisync replace '\\bvelo\\b' 'vélo' --search velo --dry-run
      wikisync replace 'Fabrique des mobilités' 'Fabrique des Mobilités' --transcludes Acteur
    """
    if selection is None:
        raise click.UsageError(
            "replace needs a selection: --titles, --namespace, --prefix, --search, "
            "--transcludes, --links-from or --recent"
        )
    change = compile_replace(
        pattern, replacement, include=include, ignore_case=ignore_case, timeout=timeout
    )

    def run(source: Source, target: Target | None, on_page: OnPage | None) -> BatchReport:
        return replace_in_pages(
            source,
            target,
            change,
            selection,
            dry_run=batch.dry_run,
            summary=_summary(state, batch.summary),
            retries=batch.retries,
            on_page=on_page,
        )

    _run_batch(state, "replace", run, batch)
