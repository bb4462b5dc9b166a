"""Batch template edits across many pages: set fields, rename or remove a parameter.

:func:`set_fields` sets fields of every record of a type that matches a
``where`` filter; :func:`rename_template_param` and
:func:`remove_template_param` change one parameter on every page that uses a
template (found by :func:`find_template_pages`: ``list=embeddedin`` and the
template's redirects on a live wiki, a scan of the pages in a mirror folder).
The edits themselves are :mod:`wikisync.core.edits` (byte-exact: only the named
parameter changes); every page goes through
:func:`~wikisync.ops.publish.publish_page`, so a page that already holds the
wanted text is a no-op, a dry run writes nothing, and a page edited by someone
else since it was read is read again (or reported), never overwritten: the
pages of each batch are checked in one query before they are saved, and each
save's reply is checked by :class:`~wikisync.wiki.writer.WikiWriter`.
When ``set`` reads a page again, it re-applies its values only if the other
edit left the fields it sets alone; otherwise the page is a ``conflict``
naming the field, both values and both revisions.

Because every edit is computed from the page's current text and is
idempotent, a run stopped half-way and started again redoes nothing: the
pages saved by the first run already hold the values and come out
``unchanged``.

The engine is :func:`run_pages`; the reports are :mod:`wikisync.ops.batch.report`,
the field rules (where a field is written, whether a value fits it)
:mod:`wikisync.core.fields.checks`. Their names stay importable from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from wikisync.core.edits import EditError, ParamChange, read_params, set_chosen, set_params
from wikisync.core.errors import EditConflictError, PageDeletedError, PublishError, WikisyncError
from wikisync.core.fields.checks import (
    Condition,
    FieldValueError,
    check_field_value,
    check_item_edit,
    check_set_values,
    field_param,
    field_spec,
    same_value,
    styled_value,
    where_conditions,
)
from wikisync.core.fields.list_items import ItemEdit
from wikisync.core.pages import PageText
from wikisync.core.said import message_of
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.core.selection import Selection
from wikisync.i18n import gettext
from wikisync.interrupt import stop_requested
from wikisync.ops.batch.report import (
    SKIPPED_FOR_CAUSE,
    BatchReport,
    OnPage,
    PageReport,
    finish_report,
)
from wikisync.ops.collect import iter_type_pages
from wikisync.ops.publish import DEFAULT_RETRIES, Target, publish_page, utc_now
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source

__all__ = [
    "SKIPPED_FOR_CAUSE",
    "BatchReport",
    "FieldValueError",
    "OnPage",
    "PageOutcome",
    "PageReport",
    "check_field_value",
    "check_set_values",
    "deleted_meanwhile",
    "field_param",
    "finish_report",
    "refusal",
    "run_pages",
    "same_value",
    "set_fields",
]


@dataclass(slots=True)
class PageOutcome:
    """What computing one page's new text found (for :func:`run_pages`).

    Attributes:
        text: the new text (the page's own when nothing changes).
        changes: the parameter changes.
        warnings: things a human should check.
        status: when the text is the page's own, the status to report
            instead of ``unchanged``: ``skipped`` (nothing to do) or
            ``invalid`` (bad input; the page was left alone).
        note: why, for the report.
    """

    text: str = ""
    changes: tuple[ParamChange, ...] = ()
    warnings: tuple[str, ...] = ()
    status: Outcome | None = None
    note: str = ""


Compute = Callable[[PageText | None], PageOutcome]


def run_pages(
    report: BatchReport,
    source: Source,
    target: Target | None,
    items: Sequence[tuple[str, PageText | None, Compute]],
    *,
    summary: str,
    dry_run: bool,
    retries: int,
    on_page: OnPage | None,
    rows: Mapping[str, tuple[int, ...]] | None = None,
) -> None:
    """Publish each page with its compute function; append one report per page.

    The engine of every batch: ``compute`` turns the page as read (again after
    a conflict) into a :class:`PageOutcome`, and may raise
    :class:`~wikisync.core.errors.PublishError` (or an
    :class:`~wikisync.core.edits.EditError`, such as a page too complex to
    read) to refuse the page or
    :class:`~wikisync.core.errors.EditConflictError` to report a conflict.
    """
    total = len(items)
    checked = 0
    for done, (title, page, compute) in enumerate(items, start=1):
        if stop_requested():  # SIGINT/SIGTERM: stop between pages, list what is left
            report.pages.extend(
                PageReport(rest, Outcome.NOT_DONE) for rest, _, _ in items[done - 1 :]
            )
            return
        precheck = target.precheck_size() if target is not None and not dry_run else 0
        if precheck and done > checked:
            # One query tells which pages of the next batch changed since they
            # were read (refused without a request, then read again); the rest
            # are saved with one request each, every reply checked by the writer.
            chunk = items[done - 1 : done - 1 + precheck]
            assert target is not None
            target.check_latest(t for t, p, _ in chunk if p is not None)
            checked = done - 1 + len(chunk)
        page_report = _publish_one(
            source, target, title, page, compute, summary=summary, dry_run=dry_run, retries=retries
        )
        if rows is not None:
            page_report.rows = rows.get(title, ())
        report.pages.append(page_report)
        if on_page is not None:
            on_page(page_report, done, total)


def _publish_one(
    source: Source,
    target: Target | None,
    title: str,
    page: PageText | None,
    compute: Compute,
    *,
    summary: str,
    dry_run: bool,
    retries: int,
) -> PageReport:
    last = PageOutcome()

    def make(current: PageText | None) -> str:
        nonlocal last
        try:
            last = compute(current)
        except EditError as exc:  # a page too complex to read, say: refused, the batch goes on
            raise refusal(exc) from None
        return last.text

    report = PageReport(title)
    try:
        result = publish_page(
            source,
            target,
            title,
            make,
            summary=summary,
            dry_run=dry_run,
            retries=retries,
            current=page,
        )
    except WikisyncError as exc:
        report.message = message_of(exc)
        report.needs = exc.needs or ""
        return report
    report.status = result.status
    report.revid = result.revid
    report.attempts = result.attempts
    report.message = result.message or last.note
    report.needs = result.needs
    report.edit = result.edit
    report.warnings = last.warnings
    if result.status == Outcome.UNCHANGED and last.status:
        report.status = last.status
    if result.status in (
        Outcome.EDITED,
        Outcome.PLANNED,
        Outcome.UNCHANGED,
        Outcome.REFUSED,
        Outcome.CONFLICT,
        Outcome.MOVED,
    ):
        report.changes = tuple(c for c in last.changes if c.action != "unchanged")
    if result.status == Outcome.CREATED:  # batch edits never create pages; keep the word honest
        report.status = Outcome.EDITED
    if result.edit is not None and result.status != Outcome.UNCHANGED:
        report.added, report.removed = result.edit.line_changes()
    return report


def set_infobox(
    text: str,
    templates: Sequence[str],
    wanted: Mapping[str, str | ItemEdit],
    index: int,
    trusted: bool,
    title: str,
    changes: list[ParamChange],
    warnings: list[str],
) -> str:
    """Set parameters of one infobox of a page's text; its changes and warnings
    are appended to ``changes`` and ``warnings`` (internal, for the batches).

    Raises:
        PublishError: the edit would break the template (the page is refused).
    """
    try:
        result = set_params(text, templates, wanted, index=index, trusted=trusted, title=title)
    except EditError as exc:
        raise refusal(exc) from None
    changes.extend(result.changes)
    warnings.extend(result.warnings)
    return result.wikitext


def deleted_meanwhile() -> PageDeletedError:
    """What a batch's page found missing when computed says (internal): it is
    reported ``deleted``, and never turned into a page to create."""
    return PageDeletedError(
        "the page was deleted since it was read; nothing was saved, and it was not re-created"
    )


def refusal(exc: EditError) -> PublishError:
    """A refused edit as the PublishError that marks a page refused (internal)."""
    refused = PublishError(message_of(exc), title=exc.title)
    refused.needs = exc.needs
    return refused


# -- set ------------------------------------------------------------------------------


def set_fields(
    source: Source,
    target: Target | None,
    record_type: RecordType,
    values: Mapping[str, str | ItemEdit],
    *,
    where: Mapping[str, str] | None = None,
    dry_run: bool = False,
    summary: str | None = None,
    retries: int = DEFAULT_RETRIES,
    trusted: bool = False,
    on_page: OnPage | None = None,
    selection: Selection | None = None,
) -> BatchReport:
    """Set fields on every record of a type that matches ``where``.

    Each page of the type's categories is read (in batches), its infoboxes
    that match every condition get the values, written into the parameter each
    infobox already uses for the field (see :func:`field_param`); nothing else
    on the page changes. A record already holding the values makes no edit, so
    running again after an interruption redoes nothing.

    ``where`` compares typed values: a date matches at the precision given
    (``2024-03`` matches every day of March 2024), a list matches when it holds
    the item(s) given, text and choices ignore case and spacing, a boolean
    takes oui/non/yes/no/true/false; an empty value matches a blank or absent
    field. Conditions on several fields must all hold.

    A page that changed on the wiki since it was read (an edit conflict) is
    read again; the values are set on it only when the other edit left the
    fields alone (or already gave them the values), otherwise the page is a
    ``conflict`` whose message names the field, both values and both revisions.

    Args:
        source: where pages are read.
        target: where they are saved (:func:`~wikisync.ops.publish.open_target`);
            None only with ``dry_run``.
        record_type: the type whose records are edited.
        values: field name → new value (wikitext; ``""`` blanks it), or an
            :class:`~wikisync.core.fields.list_items.ItemEdit` that adds or removes
            one item of a list field (``Tags+=vélo``), with the list's own
            separator and spacing, every other byte kept; after an edit conflict
            it is applied to the list as the other edit left it.
        where: field name → value the record must hold.
        dry_run: compute the edits, save nothing (status ``planned``).
        summary: the edit summary (default: names the template parameters and
            values, in the run's language, see :mod:`wikisync.i18n`).
        retries: readings again after an edit conflict, per page.
        trusted: the values are wikitext on purpose (templates allowed).
        on_page: called after each page with its report, pages done, pages in all;
            an exception raised there stops the run (what was saved stays saved).
        selection: only the type's pages it keeps (every filter must hold, as
            ``where`` must).

    Returns:
        The report: each page's outcome.

    Raises:
        SelectionError: the selection cannot be listed (an unknown namespace…).
        FieldValueError: an unknown field, or a value (or ``where`` value) that
            does not fit its field; raised before anything is read or written.

    Example:
        >>> config = load_config("wikisync.toml")
        >>> source = open_source(config)
        >>> event = record_type_named(config.types, "event")
        >>> report = set_fields(source, open_target(source), event, {"place": "Lyon"},
        ...                     where={"startDate": "2025-03", "Tags": "vélo"})
        >>> report.counts()
        {'edited': 3, 'skipped': 37}
    """
    record_type = record_type.in_language(source.wiki_language())  # as records reads lists
    check_set_values(record_type, values, where=where, trusted=trusted)
    specs = {name: field_spec(record_type, name) for name in values}
    values = {
        name: check_item_edit(
            specs[name], value, trusted=trusted, options=record_type.options(name)
        )
        if isinstance(value, ItemEdit)
        else value
        for name, value in values.items()
    }
    conditions = where_conditions(record_type, where or {})
    started, clock = utc_now(), time.perf_counter()
    pages = list(iter_type_pages(source, record_type, selection))
    # the template parameters edited (a field's first one), not the schema's field names
    changes = ", ".join(
        f"{specs[name].params[0]} {value}"
        if isinstance(value, ItemEdit)
        else f"{specs[name].params[0]} = {value}"
        for name, value in values.items()
    )
    text = summary or gettext("wikisync: %(changes)s") % {"changes": changes}
    report = BatchReport("set", source.location, started, dry_run)

    read = {page.title: page for page in pages}

    def compute(page: PageText | None) -> PageOutcome:
        if page is None:  # a page of the batch gone missing: never a page to create
            raise deleted_meanwhile()
        first = read.get(page.title)
        if first is not None and (first.revid, first.wikitext) != (page.revid, page.wikitext):
            _check_untouched(first, page, record_type, specs, values, conditions)
        return _set_page(page, record_type, specs, values, conditions, trusted)

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


def _check_untouched(
    first: PageText,
    page: PageText,
    record_type: RecordType,
    specs: Mapping[str, FieldSpec],
    values: Mapping[str, str | ItemEdit],
    conditions: Sequence[Condition],
) -> None:
    """Refuse to set a field that someone else changed since the page was first read.

    ``first`` is the revision the batch read, ``page`` the one it reads again
    after a conflict: the batch's values are re-applied only where the other
    edit left the fields the batch sets as they were (or already made them
    what the batch sets).

    Raises:
        EditConflictError: naming the field, both values and both revisions.
    """
    before = read_params(first.wikitext, record_type.templates, title=first.title)
    after = read_params(page.wikitext, record_type.templates, title=page.title)
    for index, params in enumerate(after):
        if not all(condition.holds(params) for condition in conditions):
            continue
        old = before[index] if index < len(before) else None
        for name, value in values.items():
            if isinstance(value, ItemEdit):
                continue  # one item added or removed, whatever the list holds by then
            spec = specs[name]
            now = params.get(field_param(spec, params), "")
            was = old.get(field_param(spec, old), "") if old is not None else None
            if same_value(spec, now, value) or (was is not None and same_value(spec, was, now)):
                continue
            was_text = f'"{was}"' if was is not None else "no such infobox"
            raise EditConflictError(
                f'Page "{page.title}": field "{name}" was changed on the wiki since revision '
                f'{first.revid} was read ({was_text} → "{now}" in revision {page.revid}); '
                f'the value "{value}" was not saved, nothing was overwritten',
                title=page.title,
            )


def _set_page(
    page: PageText,
    record_type: RecordType,
    specs: Mapping[str, FieldSpec],
    values: Mapping[str, str | ItemEdit],
    conditions: Sequence[Condition],
    trusted: bool,
) -> PageOutcome:
    def choose(
        params: dict[str, str],
    ) -> tuple[dict[str, str | ItemEdit], dict[str, str]] | None:
        if not all(condition.holds(params) for condition in conditions):
            return None
        wanted: dict[str, str | ItemEdit] = {}
        made: dict[str, str] = {}  # markup wikisync writes, in the page's own form
        for name, value in values.items():
            param = field_param(specs[name], params)
            if isinstance(value, ItemEdit):  # one list item: the list keeps its own form
                wanted[param] = value
                continue
            text_value, markup = styled_value(specs[name], params.get(param, ""), value)
            if markup:
                made[param] = text_value
            else:
                wanted[param] = text_value
        return wanted, made

    try:  # one parse: the infoboxes read, chosen and edited in the same tree
        result, infoboxes = set_chosen(
            page.wikitext, record_type.templates, choose, trusted=trusted, title=page.title
        )
    except EditError as exc:
        raise refusal(exc) from None
    if not any(all(c.holds(params) for c in conditions) for params in infoboxes):
        note = "no matching record" if infoboxes else "no infobox"
        return PageOutcome(page.wikitext, status=Outcome.SKIPPED, note=note)
    return PageOutcome(result.wikitext, result.changes, result.warnings)
