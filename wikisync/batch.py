"""Batch template edits across many pages: set fields, rename or remove a parameter.

:func:`set_fields` sets fields of every record of a type that matches a
``where`` filter; :func:`rename_template_param` and
:func:`remove_template_param` change one parameter on every page that uses a
template (found by :func:`find_template_pages`: ``list=embeddedin`` and the
template's redirects on a live wiki, a scan of the pages in a mirror folder).
The edits themselves are :mod:`wikisync.edits` (byte-exact: only the named
parameter changes); every page goes through
:func:`~wikisync.publish.publish_page`, so a page that already holds the
wanted text is a no-op, a dry run writes nothing, and a page edited by someone
else since it was read is read again (or reported), never overwritten: the
pages of each batch are checked in one query before they are saved, and each
save's reply is checked by :class:`~wikisync.sources.writer.WikiWriter`.
When ``set`` reads a page again, it re-applies its values only if the other
edit left the fields it sets alone; otherwise the page is a ``conflict``
naming the field, both values and both revisions.

Because every edit is computed from the page's current text and is
idempotent, a run stopped half-way and started again redoes nothing: the
pages saved by the first run already hold the values and come out
``unchanged``.

Field rules shared with :mod:`wikisync.spreadsheet`: a field is written to the
parameter the infobox already uses among the field's ``params`` aliases (the
one the record reads), else to the field's first parameter; a value is
checked against the field's type before anything is written.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wikisync.collect import iter_type_pages
from wikisync.edits import (
    EditError,
    ParamChange,
    read_params,
    set_params,
)
from wikisync.errors import EditConflictError, PublishError, WikisyncError
from wikisync.interrupt import NOT_DONE, stop_requested
from wikisync.pages import PageText
from wikisync.publish import (
    DEFAULT_RETRIES,
    Edit,
    Target,
    diff_stats,
    publish_page,
    utc_now,
)
from wikisync.schema import FieldSpec, RecordType
from wikisync.sources.base import Source
from wikisync.sources.writer import WikiWriter
from wikisync.values import DateValue, FieldValue, ValueFormatError, parse_value

__all__ = [
    "BatchReport",
    "FieldValueError",
    "PageOutcome",
    "PageReport",
    "check_field_value",
    "check_set_values",
    "field_param",
    "run_pages",
    "same_value",
    "set_fields",
]

#: Statuses that make the run's exit code 3 (a page skipped for a reason to look at).
SKIPPED_FOR_CAUSE = frozenset({"refused", "conflict", "invalid"})
#: Field types whose values compare by meaning, not spelling (see :func:`same_value`).
_TYPED_COMPARE = frozenset({"date", "list", "bool", "int", "enum", "url", "page", "file"})

#: Called after each page: the page's report, pages done, pages in all.
OnPage = Callable[["PageReport", int, int], None]


class FieldValueError(WikisyncError):
    """A value given for a field does not fit the field (a usage error: exit code 2).

    Attributes:
        field: the field's name.
        value: the value given.
        expected: what the field takes ("a date").
    """

    exit_code = 2

    def __init__(self, message: str, *, field: str, value: str, expected: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.expected = expected


# -- reports --------------------------------------------------------------------------


@dataclass(slots=True)
class PageReport:
    """What a batch did to one page.

    Attributes:
        title: the page.
        status: ``edited``; ``unchanged`` (already holds the values);
            ``planned`` (dry run); ``skipped`` (nothing to do: no matching
            record or infobox); ``refused`` (the edit would break the template,
            see the message); ``conflict`` (changed since read or exported,
            never overwritten); ``invalid`` (a spreadsheet cell does not fit
            its field; the page was not touched); ``failed``; ``not done`` (the
            run was stopped by a signal before this page).
        changes: the parameters changed (or that would change).
        warnings: things a human should check.
        message: why the page was skipped, refused, in conflict, invalid or failed.
        revid: the page's revision after the run, when known.
        attempts: how many times the page was read and computed.
        added: lines the edit adds.
        removed: lines the edit removes.
        rows: for an import, the spreadsheet rows (1-based, header = 1) of the page.
        edit: the edit computed (not in the JSON report).
    """

    title: str
    status: str = "failed"
    changes: tuple[ParamChange, ...] = ()
    warnings: tuple[str, ...] = ()
    message: str = ""
    revid: int | None = None
    attempts: int = 0
    added: int = 0
    removed: int = 0
    rows: tuple[int, ...] = ()
    edit: Edit | None = None

    @property
    def edited(self) -> bool:
        """True when the page was saved."""
        return self.status in ("edited", "created")

    def to_dict(self) -> dict[str, Any]:
        """The page's part of the JSON report."""
        data: dict[str, Any] = {
            "title": self.title,
            "status": self.status,
            "edited": self.edited,
            "changes": [
                change.to_dict() for change in self.changes if change.action != "unchanged"
            ],
            "warnings": list(self.warnings),
            "message": self.message,
            "revid": self.revid,
            "attempts": self.attempts,
            "diff": {"added": self.added, "removed": self.removed},
        }
        if self.rows:
            data["rows"] = list(self.rows)
        return data


@dataclass(slots=True)
class BatchReport:
    """What a batch run did; ``exit_code`` is the command line's.

    Attributes:
        operation: ``set``, ``rename-param``, ``remove-param`` or ``import``.
        site: the wiki URL or mirror folder.
        started: when the run began, ISO 8601 UTC.
        dry_run: True when nothing was to be saved.
        pages: one report per page looked at, in order.
        seconds: wall time.
        requests: HTTP requests sent by the wiki connection (None for a folder).
    """

    operation: str
    site: str
    started: str
    dry_run: bool = False
    pages: list[PageReport] = field(default_factory=list)
    seconds: float = 0.0
    requests: int | None = None

    @property
    def exit_code(self) -> int:
        """0 ok (including nothing to do); 1 a page failed or was not done (a
        stopped run); 3 a page was refused, in conflict or invalid (and none failed)."""
        statuses = {page.status for page in self.pages}
        if statuses & {"failed", NOT_DONE}:
            return 1
        return 3 if statuses & SKIPPED_FOR_CAUSE else 0

    def count(self, status: str) -> int:
        """How many pages ended with ``status``."""
        return sum(1 for page in self.pages if page.status == status)

    def counts(self) -> dict[str, int]:
        """Pages per status, in a stable order (statuses with no page left out)."""
        order = (
            "created",
            "edited",
            "planned",
            "unchanged",
            "skipped",
            "refused",
            "conflict",
            "invalid",
        )
        counts = {status: self.count(status) for status in (*order, "failed", NOT_DONE)}
        return {status: n for status, n in counts.items() if n}

    def to_dict(self) -> dict[str, Any]:
        """The JSON report written by ``--report``."""
        return {
            "operation": self.operation,
            "site": self.site,
            "started": self.started,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "pages": [page.to_dict() for page in self.pages],
        }


# -- field values ---------------------------------------------------------------------


def field_param(spec: FieldSpec, params: Mapping[str, str]) -> str:
    """The parameter a field is written to in one infobox.

    The alias the infobox already uses (the first with a value, as records read
    it; else the first present), or the field's first parameter.

    Example:
        >>> spec = FieldSpec("place", params=("place", "Lieu"))
        >>> field_param(spec, {"Lieu": "Lyon"}), field_param(spec, {})
        ('Lieu', 'place')
    """
    present = [param for param in spec.params if param in params]
    for param in present:
        if params[param]:
            return param
    return present[0] if present else spec.params[0]


def check_field_value(spec: FieldSpec, value: str, *, trusted: bool = False) -> FieldValue:
    """Check a value given for a field before anything is written.

    Args:
        spec: the field.
        value: the wikitext to write (``""`` blanks the field).
        trusted: allow templates and other markup (see :func:`~wikisync.edits.set_params`).

    Returns:
        The typed value (None for a blank one).

    Raises:
        FieldValueError: the value does not fit the field's type, blanks a
            required field, or would break the template.

    Example:
        >>> check_field_value(FieldSpec("startDate", "date"), "1er mai 2019").iso()
        '2019-05-01'
    """
    try:
        typed = parse_value(spec.type, value, spec.choices)
    except ValueFormatError as exc:
        raise FieldValueError(
            f'field "{spec.name}" should be {exc.expected}, got "{exc.value}"',
            field=spec.name,
            value=value,
            expected=exc.expected,
        ) from None
    if typed is None and spec.required:
        raise FieldValueError(
            f'field "{spec.name}" is required: it cannot be blanked',
            field=spec.name,
            value=value,
            expected="a value",
        )
    try:
        set_params("{{X}}", ["X"], {spec.params[0]: value}, trusted=trusted)
    except EditError as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise FieldValueError(
            f'field "{spec.name}": {reason}', field=spec.name, value=value, expected="plain text"
        ) from None
    return typed


def check_set_values(
    record_type: RecordType,
    values: Mapping[str, str],
    *,
    where: Mapping[str, str] | None = None,
    trusted: bool = False,
) -> None:
    """Check the arguments of :func:`set_fields` without reading a page.

    Raises:
        FieldValueError: an unknown field, or a value (or ``where`` value)
            that does not fit its field.
        ValueError: ``values`` is empty.
    """
    if not values:
        raise ValueError("values should name at least one field")
    for name, value in values.items():
        check_field_value(_field(record_type, name), value, trusted=trusted)
    _conditions(record_type, where or {})


def same_value(spec: FieldSpec, first: str, second: str) -> bool:
    """Whether two spellings of a field's value mean the same.

    Equal text (ignoring line ends and edge spaces) is the same; for dates,
    lists, booleans, numbers, choices, URLs, pages and files, equal typed values
    are too (``18/01/2021`` and ``2021-01-18``; ``a,b`` and ``a, b``), so a
    spreadsheet program's reformatting never counts as a change. Text and
    wikitext compare as written.

    Example:
        >>> same_value(FieldSpec("d", "date"), "2021-01-18", "18/01/2021")
        True
    """
    a, b = _clean_cell(first), _clean_cell(second)
    if a == b:
        return True
    if spec.type not in _TYPED_COMPARE:
        return False
    try:
        typed_a = parse_value(spec.type, a, spec.choices)
        typed_b = parse_value(spec.type, b, spec.choices)
    except ValueFormatError:
        return False
    return typed_a is not None and typed_a == typed_b


def _clean_cell(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _field(record_type: RecordType, name: str) -> FieldSpec:
    for spec in record_type.fields:
        if spec.name == name:
            return spec
    known = ", ".join(record_type.field_names)
    raise FieldValueError(
        f'record type "{record_type.name}" has no field "{name}" (known: {known})',
        field=name,
        value="",
        expected="a field name",
    )


@dataclass(frozen=True, slots=True)
class _Condition:
    spec: FieldSpec
    text: str
    value: FieldValue

    def holds(self, params: Mapping[str, str]) -> bool:
        raw = params.get(field_param(self.spec, params), "")
        if not self.text:
            return parse_value("wikitext", raw) is None
        try:
            typed = parse_value(self.spec.type, raw, self.spec.choices)
        except ValueFormatError:
            return False
        if typed is None and self.spec.default is not None:
            typed = parse_value(self.spec.type, self.spec.default, self.spec.choices)
        return _typed_match(self.spec.type, typed, self.value)


def _typed_match(field_type: str, have: FieldValue, want: FieldValue) -> bool:
    if have is None or want is None:
        return False
    if isinstance(have, tuple) and isinstance(want, tuple):
        items = {_fold(item) for item in have}
        return all(_fold(item) in items for item in want)
    if isinstance(have, DateValue) and isinstance(want, DateValue):
        return have.iso().startswith(want.iso())  # "2024-03" holds every day of March
    if isinstance(have, str) and isinstance(want, str) and field_type != "url":
        return _fold(have) == _fold(want)
    return have == want


def _conditions(record_type: RecordType, where: Mapping[str, str]) -> list[_Condition]:
    conditions = []
    for name, text in where.items():
        spec = _field(record_type, name)
        value: FieldValue = None
        if text.strip():
            try:
                value = parse_value(spec.type, text, spec.choices)
            except ValueFormatError as exc:
                raise FieldValueError(
                    f'where: field "{name}" should be {exc.expected}, got "{exc.value}"',
                    field=name,
                    value=text,
                    expected=exc.expected,
                ) from None
        conditions.append(_Condition(spec, text.strip(), value))
    return conditions


# -- running --------------------------------------------------------------------------


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
    status: str = ""
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
    :class:`~wikisync.errors.PublishError` to refuse the page or
    :class:`~wikisync.errors.EditConflictError` to report a conflict.
    """
    total = len(items)
    checked = 0
    for done, (title, page, compute) in enumerate(items, start=1):
        if stop_requested():  # SIGINT/SIGTERM: stop between pages, list what is left
            report.pages.extend(PageReport(rest, NOT_DONE) for rest, _, _ in items[done - 1 :])
            return
        if isinstance(target, WikiWriter) and not dry_run and done > checked:
            # One query tells which pages of the next batch changed since they
            # were read (refused without a request, then read again); the rest
            # are saved with one request each, every reply checked by the writer.
            chunk = items[done - 1 : done - 1 + target.batch_size]
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
        last = compute(current)
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
        report.message = str(exc)
        return report
    report.status = result.status
    report.revid = result.revid
    report.attempts = result.attempts
    report.message = result.message or last.note
    report.edit = result.edit
    report.warnings = last.warnings
    if result.status == "unchanged" and last.status:
        report.status = last.status
    if result.status in ("edited", "planned", "unchanged", "refused", "conflict"):
        report.changes = tuple(c for c in last.changes if c.action != "unchanged")
    if result.status == "created":  # batch edits never create pages; keep the word honest
        report.status = "edited"
    if result.edit is not None and result.status != "unchanged":
        report.added, report.removed = diff_stats(result.edit.diff())
    return report


def refusal(exc: EditError) -> PublishError:
    """A refused edit as the PublishError that marks a page refused (internal)."""
    return PublishError(str(exc), title=exc.title)


def _requests(source: Source) -> int | None:
    count = getattr(getattr(source, "client", None), "requests", None)
    return count if isinstance(count, int) else None


def finish_report(report: BatchReport, source: Source, clock: float) -> BatchReport:
    """Stamp the wall time and the request count on a report (internal)."""
    report.seconds = time.perf_counter() - clock
    report.requests = _requests(source)
    return report


# -- set ------------------------------------------------------------------------------


def set_fields(
    source: Source,
    target: Target | None,
    record_type: RecordType,
    values: Mapping[str, str],
    *,
    where: Mapping[str, str] | None = None,
    dry_run: bool = False,
    summary: str | None = None,
    retries: int = DEFAULT_RETRIES,
    trusted: bool = False,
    on_page: OnPage | None = None,
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
        target: where they are saved (:func:`~wikisync.publish.open_target`);
            None only with ``dry_run``.
        record_type: the type whose records are edited.
        values: field name → new value (wikitext; ``""`` blanks it).
        where: field name → value the record must hold.
        dry_run: compute the edits, save nothing (status ``planned``).
        summary: the edit summary (default: names the fields and values).
        retries: readings again after an edit conflict, per page.
        trusted: the values are wikitext on purpose (templates allowed).
        on_page: called after each page with its report, pages done, pages in all;
            an exception raised there stops the run (what was saved stays saved).

    Returns:
        The report; its ``exit_code`` is 0, 1 or 3.

    Raises:
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
    check_set_values(record_type, values, where=where, trusted=trusted)
    specs = {name: _field(record_type, name) for name in values}
    conditions = _conditions(record_type, where or {})
    started, clock = utc_now(), time.perf_counter()
    pages = list(iter_type_pages(source, record_type))
    text = summary or "wikisync : " + ", ".join(f"{k} = {v}" for k, v in values.items())
    report = BatchReport("set", source.location, started, dry_run)

    read = {page.title: page for page in pages}

    def compute(page: PageText | None) -> PageOutcome:
        if page is None:
            return PageOutcome("", status="skipped", note="the page was deleted")
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
    values: Mapping[str, str],
    conditions: Sequence[_Condition],
) -> None:
    """Refuse to set a field that someone else changed since the page was first read.

    ``first`` is the revision the batch read, ``page`` the one it reads again
    after a conflict: the batch's values are re-applied only where the other
    edit left the fields the batch sets as they were (or already made them
    what the batch sets).

    Raises:
        EditConflictError: naming the field, both values and both revisions.
    """
    before = read_params(first.wikitext, record_type.templates)
    after = read_params(page.wikitext, record_type.templates)
    for index, params in enumerate(after):
        if not all(condition.holds(params) for condition in conditions):
            continue
        old = before[index] if index < len(before) else None
        for name, value in values.items():
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
    values: Mapping[str, str],
    conditions: Sequence[_Condition],
    trusted: bool,
) -> PageOutcome:
    infoboxes = read_params(page.wikitext, record_type.templates)
    matching = [
        index
        for index, params in enumerate(infoboxes)
        if all(condition.holds(params) for condition in conditions)
    ]
    if not matching:
        note = "no matching record" if infoboxes else "no infobox"
        return PageOutcome(page.wikitext, status="skipped", note=note)
    text = page.wikitext
    changes: list[ParamChange] = []
    warnings: list[str] = []
    for index in matching:
        wanted = {
            field_param(specs[name], infoboxes[index]): value for name, value in values.items()
        }
        try:
            result = set_params(
                text, record_type.templates, wanted, index=index, trusted=trusted, title=page.title
            )
        except EditError as exc:
            raise refusal(exc) from None
        text = result.wikitext
        changes.extend(result.changes)
        warnings.extend(result.warnings)
    return PageOutcome(text, tuple(changes), tuple(warnings))
