"""``replace``: a regular-expression replace over the text of the pages a selection chooses.

The text work is :func:`~wikisync.core.replace.replace_text` (what it leaves
alone, its time and size bounds); the batch is :func:`~wikisync.ops.batch.run.run_pages`,
the engine of ``set``: dry-run diffs, the edit summary, the batch check of
the pages' latest revisions, the writer's check of each save, and after an
edit conflict the replace made again on the page as it now is (the matches
are the page's, whoever wrote them), never an overwrite.
"""

from __future__ import annotations

import time

from wikisync.core.errors import PublishError
from wikisync.core.pages import PageText
from wikisync.core.replace import CompiledReplace, ReplaceError, replace_text
from wikisync.core.selection import Selection
from wikisync.i18n import gettext
from wikisync.ops.batch.report import BatchReport, OnPage, finish_report
from wikisync.ops.batch.run import PageOutcome, deleted_meanwhile, run_pages
from wikisync.ops.publish import DEFAULT_RETRIES, Target, utc_now
from wikisync.ops.select import selected_titles
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source

__all__ = ["replace_in_pages"]


def replace_in_pages(
    source: Source,
    target: Target | None,
    replace: CompiledReplace,
    selection: Selection,
    *,
    dry_run: bool = False,
    summary: str | None = None,
    retries: int = DEFAULT_RETRIES,
    on_page: OnPage | None = None,
) -> BatchReport:
    """Replace a pattern in the text of every page a selection chooses.

    Each page's matches are replaced except those that touch a part left
    alone (comments, ``<nowiki>``, ``<pre>`` and code blocks, template and
    parameter names, link targets, unless ``replace.include`` names them). A
    page without a match is ``skipped``; one on which the pattern runs past
    its time bound, or whose text would grow past the wiki's size limit, is
    ``refused`` and the batch goes on.

    Args:
        source: where pages are read.
        target: where they are saved; None only with ``dry_run``.
        replace: the pattern and replacement (:func:`~wikisync.core.replace.compile_replace`).
        selection: the pages (at least one filter: a replace never runs over a whole wiki
            by accident).
        dry_run: compute the edits, save nothing (status ``planned``, with diffs).
        summary: the edit summary (default: names the pattern and the replacement).
        retries: readings again after an edit conflict, per page.
        on_page: called after each page (see :func:`~wikisync.ops.batch.run.set_fields`).

    Returns:
        The report: each page's outcome.

    Raises:
        SelectionError: the selection cannot be listed.
        ValueError: the selection is empty.

    Example:
        >>> change = compile_replace(r"\\bvelo\\b", "vélo")
        >>> report = replace_in_pages(source, None, change, Selection(search="velo"),
        ...                           dry_run=True)
    """
    if not selection:
        raise ValueError("replace_in_pages needs a selection with at least one filter")
    started, clock = utc_now(), time.perf_counter()
    titles = selected_titles(source, selection)
    pages = source.fetch_titles(titles).pages if titles else []
    text = summary or gettext("wikisync: %(changes)s") % {"changes": str(replace)}
    report = BatchReport("replace", source.location, started, dry_run)

    def compute(page: PageText | None) -> PageOutcome:
        if page is None:  # a page of the batch gone missing: never a page to create
            raise deleted_meanwhile()
        try:
            done = replace_text(page.wikitext, replace, title=page.title)
        except ReplaceError as exc:
            raise PublishError(str(exc), title=page.title) from None
        left = f"{done.left} matches left alone (protected parts)" if done.left else ""
        if not done.replaced:
            note = left or "no match"
            return PageOutcome(page.wikitext, status=Outcome.SKIPPED, note=note)
        warnings = (left,) if left else ()
        return PageOutcome(done.text, warnings=warnings, note=f"{done.replaced} replaced")

    items = [(page.title, page, compute) for page in pages]
    run_pages(
        report,
        source,
        target,
        items,
        summary=text,
        dry_run=dry_run,
        retries=retries,
        on_page=on_page,
    )
    return finish_report(report, source, clock)
