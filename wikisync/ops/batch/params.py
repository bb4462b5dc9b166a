"""Rename or remove a template parameter on every page that uses the template.

:func:`find_template_pages` finds the pages: on a live wiki, the template
page's redirects (``prop=redirects``) are its aliases and ``list=embeddedin``
lists the pages that transclude it; on a mirror folder or a dump, redirect
pages in the template namespace give the aliases and every page is scanned.
:func:`rename_template_param` and :func:`remove_template_param` then edit each
page with :mod:`wikisync.core.edits` (only that parameter changes) through the
batch engine of :mod:`wikisync.ops.batch.run`: no-op skip, dry runs, conflict checks,
one report. A page already edited comes out ``skipped``, so a run started
again after an interruption redoes nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from wikisync.core.categories import find_redirect_target
from wikisync.core.edits import EditError, EditResult, read_params, remove_param, rename_param
from wikisync.core.errors import UnknownNameError
from wikisync.core.names import did_you_mean
from wikisync.core.pages import TEMPLATE_NS, PageText
from wikisync.core.said import said, said_n
from wikisync.core.schema import template_key
from wikisync.core.selection import Selection
from wikisync.i18n import gettext
from wikisync.ops.batch.report import BatchReport, OnPage, finish_report
from wikisync.ops.batch.run import PageOutcome, deleted_meanwhile, refusal, run_pages
from wikisync.ops.publish import DEFAULT_RETRIES, Target, utc_now
from wikisync.ops.select import selected_titles, warn_left_out
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source

__all__ = [
    "TemplatePages",
    "find_template_pages",
    "remove_template_param",
    "rename_template_param",
]


@dataclass(frozen=True, slots=True)
class TemplatePages:
    """The pages that use a template.

    Attributes:
        names: the template's name, then its aliases (redirects to it).
        pages: the pages that transclude it (under any name), by title.
    """

    names: tuple[str, ...]
    pages: tuple[PageText, ...]


def find_template_pages(
    source: Source,
    template: str,
    *,
    aliases: Sequence[str] = (),
    within: Collection[str] | None = None,
) -> TemplatePages:
    """Find the pages that use a template, under its name or an alias.

    On a live wiki: the template page's redirects (``prop=redirects``) are its
    aliases, and ``list=embeddedin`` lists the pages that transclude it (under
    any name, since MediaWiki records a transclusion through a redirect on the
    target too); their text is then read in batches. On a mirror folder or a
    dump, the template namespace's redirect pages give the aliases and every
    page is scanned for the template.

    Args:
        source: the wiki, mirror or dump.
        template: the template's name, with or without ``Modèle:``.
        aliases: more names to treat as the template (old names, say).
        within: only these titles (a selection's), read alone on a live wiki.

    Example:
        >>> found = find_template_pages(source, "Event")
        >>> found.names
        ('Event', 'Evénement', 'Événement')
    """
    ns = source.namespaces
    title = _template_title(source, template)
    name = ns.split(title)[1]
    use = source.template_use(title)
    if use is not None:
        redirects, titles = use
        names = _unique((name, *redirects, *aliases))
        if within is not None:
            titles = [title for title in titles if title in within]
        pages = tuple(source.fetch_titles(titles).pages)
        return TemplatePages(names, pages)
    all_pages = list(source.iter_pages())
    redirects = [
        ns.split(page.title)[1]
        for page in all_pages
        if ns.split(page.title)[0] == TEMPLATE_NS
        and find_redirect_target(page.wikitext, ns) == title
    ]
    names = _unique((name, *redirects, *aliases))
    users = tuple(
        page
        for page in all_pages
        if "{{" in page.wikitext
        and (within is None or page.title in within)
        and find_redirect_target(page.wikitext, ns) is None
        and _may_use(page, names)
    )
    return TemplatePages(names, users)


def _may_use(page: PageText, names: Sequence[str]) -> bool:
    """Whether a scanned page uses the template (or may: one too complex to read that
    names it is kept, so that the batch reports it instead of passing it over)."""
    try:
        return bool(read_params(page.wikitext, names, title=page.title))
    except EditError:
        folded = " ".join(page.wikitext.replace("_", " ").split()).casefold()
        return any(" ".join(name.replace("_", " ").split()).casefold() in folded for name in names)


def _template_title(source: Source, template: str) -> str:
    ns = source.namespaces
    number, rest = ns.split(ns.normalize(template))
    if number != TEMPLATE_NS:
        rest = ns.normalize(template)
    return ns.join(TEMPLATE_NS, rest)


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(template_key(name), name)
    return tuple(seen.values())


def rename_template_param(
    source: Source,
    target: Target | None,
    template: str,
    old: str,
    new: str,
    *,
    aliases: Sequence[str] = (),
    dry_run: bool = False,
    summary: str | None = None,
    retries: int = DEFAULT_RETRIES,
    on_page: OnPage | None = None,
    selection: Selection | None = None,
) -> BatchReport:
    """Rename a parameter of a template on every page that uses it.

    Only the parameter's name changes (values and layout stay; an aligned
    ``=`` stays in its column). A page whose infobox has no ``old`` is
    ``skipped``; one that has both ``old`` and ``new`` with different values is
    ``refused`` (merge by hand). Pages already renamed are ``skipped``, so a
    run started again after an interruption redoes nothing.

    Args:
        source: where pages are read.
        target: where they are saved; None only with ``dry_run``.
        template: the template's name (``Event`` or ``Modèle:Event``).
        old: the parameter's current name.
        new: its new name.
        aliases: more names of the template (its redirects are found anyway).
        dry_run: compute the edits, save nothing.
        summary: the edit summary (default: says what was renamed, in the run's
            language, see :mod:`wikisync.i18n`).
        retries: readings again after an edit conflict, per page.
        on_page: called after each page (see :func:`set_fields`).
        selection: only the template's pages it keeps (every filter must hold).

    Returns:
        The report: each page's outcome.

    Example:
        >>> report = rename_template_param(source, open_target(source), "Event", "Lieu", "place")
        >>> report.counts()
        {'edited': 8}
    """
    text = summary or gettext("wikisync: parameter %(old)s renamed to %(new)s (%(template)s)") % {
        "old": old,
        "new": new,
        "template": template,
    }

    def edit(wikitext: str, names: Sequence[str], title: str) -> EditResult:
        return rename_param(wikitext, names, old, new, title=title)

    return _template_batch(
        "rename-param",
        source,
        target,
        template,
        aliases,
        edit,
        text,
        dry_run,
        retries,
        on_page,
        params=(old, new),
        selection=selection,
    )


def remove_template_param(
    source: Source,
    target: Target | None,
    template: str,
    name: str,
    *,
    aliases: Sequence[str] = (),
    dry_run: bool = False,
    summary: str | None = None,
    retries: int = DEFAULT_RETRIES,
    on_page: OnPage | None = None,
    selection: Selection | None = None,
) -> BatchReport:
    """Remove a parameter (every copy) from a template on every page that uses it.

    A parameter on its own line goes with its line; nothing else changes. Pages
    without it are ``skipped`` (so a run started again redoes nothing).

    Args:
        source: where pages are read.
        target: where they are saved; None only with ``dry_run``.
        template: the template's name.
        name: the parameter to remove.
        aliases: more names of the template.
        dry_run: compute the edits, save nothing.
        summary: the edit summary (default: says what was removed, in the run's
            language).
        retries: readings again after an edit conflict, per page.
        on_page: called after each page (see :func:`set_fields`).
        selection: only the template's pages it keeps (every filter must hold).

    Returns:
        The report: each page's outcome.

    Example:
        >>> report = remove_template_param(source, None, "Event", "oldField", dry_run=True)
        >>> [page.title for page in report.pages if page.status == "planned"]
        ['Atelier vélo']
    """
    text = summary or gettext("wikisync: parameter %(name)s removed (%(template)s)") % {
        "name": name,
        "template": template,
    }

    def edit(wikitext: str, names: Sequence[str], title: str) -> EditResult:
        return remove_param(wikitext, names, name, title=title)

    return _template_batch(
        "remove-param",
        source,
        target,
        template,
        aliases,
        edit,
        text,
        dry_run,
        retries,
        on_page,
        params=(name, None),
        selection=selection,
    )


def _check_param(found: TemplatePages, template: str, param: str, new: str | None) -> None:
    """Refuse a parameter that no page of the template has: a misspelt name.

    A rename whose new name is there already says so (run again after it
    finished, there is nothing left to rename). When a page too complex to
    read may hold the parameter (``|name=`` is in its text), the batch goes
    on and reports that page.

    Raises:
        UnknownNameError: the message names the closest parameters the pages have.
    """
    if not found.pages:
        return
    names: set[str] = set()
    unreadable: list[str] = []
    for page in found.pages:
        try:
            infoboxes = read_params(page.wikitext, found.names, title=page.title)
        except EditError:
            unreadable.append(page.wikitext)  # too complex to read: the batch reports it
            continue
        names.update(key for params in infoboxes for key in params)
    if param in names or any(_may_hold(text, param) for text in unreadable):
        return
    renamed = ""
    if new is not None and new in names:
        renamed = said(' ("%(new)s" is: renamed already?)', new=new)
    message = said_n(
        'parameter "%(param)s" of template "%(template)s" is on none of its %(n)d page(s)'
        "%(renamed)s%(hint)s",
        'parameter "%(param)s" of template "%(template)s" is on none of its %(n)d page(s)'
        "%(renamed)s%(hint)s",
        len(found.pages),
        param=param,
        template=template,
        renamed=renamed,
        hint=did_you_mean(param, names),
    )
    raise UnknownNameError(message, name=param)


def _may_hold(wikitext: str, param: str) -> bool:
    """Whether a page too complex to read may hold the parameter: ``|param=`` is in
    its text (a positional one, which has no ``=``, always may)."""
    if param.isdigit():
        return True
    return re.search(r"\|\s*" + re.escape(param) + r"\s*=", wikitext) is not None


def _template_batch(
    operation: str,
    source: Source,
    target: Target | None,
    template: str,
    aliases: Sequence[str],
    edit: Callable[[str, Sequence[str], str], EditResult],
    summary: str,
    dry_run: bool,
    retries: int,
    on_page: OnPage | None,
    *,
    params: tuple[str, str | None],
    selection: Selection | None = None,
) -> BatchReport:
    started, clock = utc_now(), time.perf_counter()
    within = set(selected_titles(source, selection)) if selection else None
    found = find_template_pages(source, template, aliases=aliases, within=within)
    if selection and within is not None:
        using = [page.title for page in found.pages]
        warn_left_out(source, selection, using, f'not using template "{template}"', among=within)
    _check_param(found, template, *params)
    report = BatchReport(operation, source.location, started, dry_run)

    def compute(page: PageText | None) -> PageOutcome:
        if page is None:  # a page of the batch gone missing: never a page to create
            raise deleted_meanwhile()
        if not read_params(page.wikitext, found.names, title=page.title):
            return PageOutcome(
                page.wikitext, status=Outcome.SKIPPED, note="the template is not used directly"
            )
        try:
            result = edit(page.wikitext, found.names, page.title)
        except EditError as exc:
            raise refusal(exc) from None
        if not any(change.action != "unchanged" for change in result.changes):
            return PageOutcome(page.wikitext, status=Outcome.SKIPPED, note="nothing to change")
        return PageOutcome(result.wikitext, result.changes, result.warnings)

    items = [(page.title, page, compute) for page in found.pages]
    run_pages(
        report,
        source,
        target,
        items,
        summary=summary,
        dry_run=dry_run,
        retries=retries,
        on_page=on_page,
    )
    return finish_report(report, source, clock)
