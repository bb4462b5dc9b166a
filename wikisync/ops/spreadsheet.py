"""The spreadsheet round trip: export a type's records to CSV, import the edited cells.

:func:`export_records` writes one row per infobox: ``title``, ``index`` (which
infobox of the page, 0 for the first), ``revid`` (the page's revision read),
``sha1`` (12 hex digits of the page text's SHA-1), then one column per field
holding the parameter's value **as written on the page** (raw wikitext,
trimmed), not the typed value of ``wikisync records``: what a person reads is
what the page says, and an untouched cell writes nothing back.

:func:`import_records` reads the edited file and writes back only the cells
that changed, into the parameter each infobox already uses for the field.
"Changed" means: different from the value the page held at the exported
revision. No sidecar file is needed, the file carries what import needs:

* the page is still at ``revid`` (and its text still has ``sha1``, which
  catches local edits in a mirror folder, where revisions do not move): its
  current values are the exported ones, and the differing cells are written;
* the page changed since: its text at ``revid`` is read from the wiki (in
  batches) to tell which cells the person changed. None → nothing to do. The
  changed cells already hold on the page (an import stopped half-way and run
  again, or someone made the same fix) → done, no edit. A changed cell whose
  field the wiki's edit left as exported is written (the edit changed other
  things). A changed cell whose field was changed on the wiki too makes the
  page a ``conflict`` naming the field, both values and both revisions, never
  overwritten: export again. (A mirror keeps no old revisions: there every
  cell is compared with the page, and any difference is a conflict.)

Cells compare by meaning for typed fields (:func:`~wikisync.core.fields.checks.same_value`),
so a spreadsheet program turning ``2021-01-18`` into ``18/01/2021`` or
``a,b`` into ``a, b`` changes nothing. A changed cell is checked against its
field's type; a bad one is reported with its row and column and its page is
skipped (status ``invalid``). Files from LibreOffice and Excel are read as
they come: UTF-8 with or without BOM, ``,``, ``;`` or tab delimiters
(recognised from the header), CRLF line ends, cells of any size. Exports are
written as UTF-8 with a BOM (so Excel reads the accents) and CRLF line ends;
``-`` as the file is standard output (export) or standard input (import).

A cell of a list field that reads ``+=ITEM`` or ``-=ITEM`` adds or removes
one item of the list on the page (as ``set Tags+=vélo`` does), whatever the
list holds by then (an edit on the wiki since the export is no conflict); in a
spreadsheet program, type it with a leading ``'`` (``'+=vélo``) so it is kept
as text, not read as a formula.

Cells are guarded against formula injection: any wiki editor writes the
values, and a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return would run as a formula when the file is opened. Export puts
a ``'`` in front of such a cell (and of a cell already beginning with ``'``),
import takes exactly one leading ``'`` off again, so the round trip is exact
(:func:`~wikisync.ops.formats.neutralize_cell`); ``raw=True`` turns both off. A
row with fewer or more cells than the header is refused, naming the row:
reading the missing cells as empty would blank those fields on the page.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wikisync.core.edit_checks import PageTooComplexToEdit
from wikisync.core.edits import ParamChange, read_params
from wikisync.core.errors import (
    EditConflictError,
    PageDeletedError,
    PageMovedError,
    PublishError,
    SpreadsheetError,
)
from wikisync.core.fields.checks import (
    FieldValueError,
    check_field_value,
    check_item_edit,
    field_param,
    field_spec,
    item_edit_done,
    same_value,
    styled_value,
)
from wikisync.core.fields.list_items import ItemEdit
from wikisync.core.names import did_you_mean
from wikisync.core.pages import CATEGORY_NS, PageText
from wikisync.core.said import said
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.core.selection import Selection
from wikisync.files import STDIO, describe, write_output
from wikisync.i18n import gettext
from wikisync.ops.batch.report import BatchReport, OnPage, PageReport, finish_report
from wikisync.ops.batch.run import PageOutcome, run_pages, set_infobox
from wikisync.ops.collect import iter_type_pages
from wikisync.ops.create import check_new_values, new_page_text
from wikisync.ops.publish import DEFAULT_RETRIES, Target, utc_now
from wikisync.ops.sheet import (
    DELIMITERS,
    Sheet,
    SheetRow,
    format_sheet,
    read_sheet,
    text_sha1,
)
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source

__all__ = [
    "ExportResult",
    "SpreadsheetError",
    "export_records",
    "export_rows",
    "import_records",
]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        path: the file.
        rows: rows written (one per infobox).
        pages: pages read.
        without_infobox: titles of pages that gave no row.
        too_complex: one message per page left out because it is too complex
            to read within the parser's budget (:mod:`wikisync.core.parse_budget`).
    """

    path: Path
    rows: int
    pages: int
    without_infobox: tuple[str, ...] = ()
    too_complex: tuple[str, ...] = ()


# -- export ---------------------------------------------------------------------------


def export_rows(
    pages: Iterable[PageText],
    record_type: RecordType,
    fields: Sequence[str] = (),
    *,
    too_complex: list[str] | None = None,
) -> tuple[list[SheetRow], list[str]]:
    """The rows of an export (pure): one per infobox, raw values.

    Args:
        pages: the pages of the type.
        record_type: how to find their infobox and fields.
        fields: the fields to export (default: all, in schema order).
        too_complex: when given, a page too complex to read is left out and
            its message appended here (else its PageTooComplexToEdit is raised).

    Returns:
        The rows, and the titles of pages without an infobox.
    """
    specs = _specs(record_type, fields)
    rows: list[SheetRow] = []
    without: list[str] = []
    for page in pages:
        try:
            infoboxes = read_params(page.wikitext, record_type.templates, title=page.title)
        except PageTooComplexToEdit as exc:
            if too_complex is None:
                raise
            too_complex.append(
                f'Page "{page.title}" is too complex to read ({exc.reason}); left out'
            )
            continue
        if not infoboxes:
            without.append(page.title)
        digest = text_sha1(page.wikitext)
        for index, params in enumerate(infoboxes):
            cells = {spec.name: params.get(field_param(spec, params), "") for spec in specs}
            rows.append(SheetRow(len(rows) + 2, page.title, index, page.revid, digest, cells))
    return rows, without


def export_records(
    source: Source,
    record_type: RecordType,
    path: str | os.PathLike[str],
    *,
    fields: Sequence[str] = (),
    delimiter: str = ",",
    bom: bool = True,
    raw: bool = False,
    selection: Selection | None = None,
) -> ExportResult:
    """Export a type's records to a CSV file for editing in a spreadsheet.

    One row per infobox: ``title``, ``index``, ``revid``, ``sha1``, then the
    fields' raw values (see the module's notes). The file is replaced at once.

    Args:
        source: where pages are read.
        record_type: the type exported.
        path: the CSV file to write (``-``: standard output).
        fields: the fields to export (default: all).
        delimiter: ``,`` (default) or ``;`` (what a French Excel expects).
        bom: start with a UTF-8 byte order mark, so Excel reads the accents.
        raw: write cells as they are, without the formula guard.
        selection: only the pages it keeps (every filter must hold).

    Returns:
        What was written.

    Raises:
        FieldValueError: ``fields`` names no field of the type.
        UnsafePathError: ``path`` is a folder, a link, or in a missing folder.

    Example:
        >>> config = load_config("examples/fabmob/wikisync.toml")
        >>> source = open_source(config)
        >>> export_records(source, record_type_named(config.types, "event"), "events.csv").rows
        14
    """
    if delimiter not in DELIMITERS:
        raise ValueError(f"delimiter should be one of {DELIMITERS!r}, got {delimiter!r}")
    names = tuple(spec.name for spec in _specs(record_type, fields))
    pages = list(iter_type_pages(source, record_type, selection))
    too_complex: list[str] = []
    rows, without = export_rows(pages, record_type, names, too_complex=too_complex)
    text = format_sheet(rows, names, delimiter=delimiter, raw=raw)
    target = Path(path)
    write_output(target, text.encode("utf-8-sig" if bom else "utf-8"))
    return ExportResult(target, len(rows), len(pages), tuple(without), tuple(too_complex))


def _specs(record_type: RecordType, fields: Sequence[str]) -> list[FieldSpec]:
    by_name = {spec.name: spec for spec in record_type.fields}
    unknown = [name for name in fields if name not in by_name]
    if unknown:
        raise FieldValueError(
            said(
                'record type "%(type)s" has no field "%(field)s"%(hint)s (known: %(known)s)',
                type=record_type.name,
                field=unknown[0],
                hint=did_you_mean(unknown[0], by_name),
                known=", ".join(by_name),
            ),
            field=unknown[0],
            value="",
            expected="a field name",
        )
    return [by_name[name] for name in fields] if fields else list(record_type.fields)


# -- import ---------------------------------------------------------------------------


class _OldTexts:
    """Page texts at exported revisions (a live wiki keeps them; a folder does not)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.texts: dict[int, str | None] = {}
        self.titles: dict[int, str] = {}

    def fetch(self, revids: Iterable[int]) -> None:
        wanted = sorted({revid for revid in revids if revid not in self.texts})
        self.texts.update(dict.fromkeys(wanted))
        if not wanted:
            return
        for revid, (title, text) in self.source.revision_texts(wanted).items():
            self.titles[revid] = title
            if text is not None:
                self.texts[revid] = text

    def get(self, revid: int) -> str | None:
        if revid not in self.texts:
            self.fetch([revid])
        return self.texts.get(revid)

    def title_of(self, revid: int) -> str:
        """The title of the page that holds this revision now (``""``: none, or unknown)."""
        if revid not in self.texts:
            self.fetch([revid])
        return self.titles.get(revid, "")


def import_records(
    source: Source,
    target: Target | None,
    record_type: RecordType,
    sheet: Sheet | str | os.PathLike[str],
    *,
    dry_run: bool = False,
    summary: str | None = None,
    retries: int = DEFAULT_RETRIES,
    trusted: bool = False,
    on_page: OnPage | None = None,
    raw: bool = False,
    template_dirs: Sequence[str | Path] = (),
) -> BatchReport:
    """Write back the cells of an edited export that changed; nothing else.

    Per page: the changed cells of its rows are set (in the parameter each
    infobox uses for the field), in one edit. A page that changed on the wiki
    since the export is skipped as a ``conflict`` unless it already holds the
    changed cells (see the module's notes); a page with a bad changed cell is
    skipped as ``invalid``, the message naming row, column and expectation.
    Running the same import again after an interruption redoes nothing.

    A row with a title and no revision (a blank ``revid`` cell, index 0)
    creates its page from the type's skeleton
    (:func:`~wikisync.ops.create.new_page_text`), status ``created`` (``planned``
    on a dry run); if the page exists it is refused as a ``conflict``, never
    overwritten, unless it already holds the row's values (a page made by an
    earlier run of the same import): then it is ``unchanged``. Nothing is
    written twice.

    Args:
        source: where pages are read.
        target: where they are saved; None only with ``dry_run``.
        record_type: the type the file was exported from.
        sheet: the file (or a :class:`Sheet` already read).
        dry_run: compute the edits, save nothing.
        summary: the edit summary (default: names the file).
        retries: readings again after an edit conflict, per page.
        trusted: cells may hold templates (wikitext on purpose).
        on_page: called after each page (see :func:`~wikisync.ops.batch.run.set_fields`).
        raw: the file was exported with ``raw`` (a leading ``'`` is kept).
        template_dirs: folders searched for page skeletons before the shipped ones.

    Returns:
        The report: each page's outcome (``conflict`` or ``invalid`` for a
        page skipped for a conflict or a bad cell).

    Raises:
        SpreadsheetError: the file is not an export of this type.

    Example:
        >>> export_records(source, event, "events.csv")   # then edit a cell…
        >>> report = import_records(source, open_target(source), event, "events.csv")
        >>> report.counts()
        {'edited': 1, 'unchanged': 13}
    """
    label = "spreadsheet"
    if not isinstance(sheet, Sheet):
        label = Path(sheet).name if os.fspath(sheet) != STDIO else describe(sheet, reading=True)
        sheet = read_sheet(sheet, record_type, raw=raw)
    started, clock = utc_now(), time.perf_counter()
    namespaces = source.namespaces
    by_title: dict[str, list[SheetRow]] = {}
    for row in sheet.rows:
        by_title.setdefault(namespaces.normalize(row.title), []).append(row)
    current = {page.title: page for page in source.fetch_titles(list(by_title)).pages}
    old = _OldTexts(source)
    old.fetch(
        row.revid
        for title, rows in by_title.items()
        if title in current
        for row in rows
        if row.revid != current[title].revid
    )
    specs = {spec.name: spec for spec in record_type.fields if spec.name in sheet.fields}
    report = BatchReport("import", source.location, started, dry_run)
    items = []
    creations: dict[str, _PageCreate] = {}
    for title, rows in by_title.items():
        if any(row.revid == 0 for row in rows):
            creations[title] = _PageCreate(
                title, rows, record_type, trusted, sheet.letters, source, template_dirs
            )
            items.append((title, current.get(title), creations[title].compute))
            continue
        page_import = _PageImport(title, rows, record_type, specs, old, trusted, sheet.letters)
        items.append((title, current.get(title), page_import.compute))
    run_pages(
        report,
        source,
        target,
        items,
        summary=summary or gettext("wikisync: spreadsheet import (%(file)s)") % {"file": label},
        dry_run=dry_run,
        retries=retries,
        on_page=_word_creations(creations, on_page),
        rows={title: tuple(row.row for row in rows) for title, rows in by_title.items()},
    )
    return finish_report(report, source, clock)


@dataclass(slots=True)
class _PageImport:
    """The rows of one page and how to turn them into its new text."""

    title: str
    rows: list[SheetRow]
    record_type: RecordType
    specs: Mapping[str, FieldSpec]
    old: _OldTexts
    trusted: bool
    letters: Mapping[str, str] = field(default_factory=dict)

    def compute(self, page: PageText | None) -> PageOutcome:
        if page is None:  # never a page to create: deleted, or moved (its revision says where)
            now = self.old.title_of(self.rows[0].revid)
            if now and now != self.title:
                raise PageMovedError(
                    said(
                        'Page "%(title)s" was moved to "%(now)s" since the export; rows '
                        "%(rows)s were not written",
                        title=self.title,
                        now=now,
                        rows=", ".join(str(row.row) for row in self.rows),
                    ),
                    title=self.title,
                    new_title=now,
                )
            raise PageDeletedError(
                said(
                    'Page "%(title)s" was deleted since the export; nothing was saved, and it '
                    "was not re-created",
                    title=self.title,
                ),
                title=self.title,
            )
        infoboxes = read_params(page.wikitext, self.record_type.templates, title=page.title)
        digest = text_sha1(page.wikitext)
        same_base = all(row.revid == page.revid and row.sha1 in ("", digest) for row in self.rows)
        if not same_base:
            return self._changed_since(page, infoboxes)
        problems: list[str] = []
        edits: list[tuple[SheetRow, dict[str, str | ItemEdit]]] = []
        for row in self.rows:
            if row.index >= len(infoboxes):
                problems.append(
                    f"row {row.row}, column index: the page has no infobox {row.index} "
                    f"(it has {len(infoboxes)})"
                )
                continue
            changed = self._changed(row, infoboxes[row.index])
            for name, value in changed.items():
                try:
                    changed[name] = self._checked(name, value)
                except FieldValueError as exc:
                    problems.append(f"row {row.row}, column {self._column(name)}: {exc}")
            edits.append((row, changed))
        if problems:
            note = "; ".join(problems) + "; the page was left as it is"
            return PageOutcome(page.wikitext, status=Outcome.INVALID, note=note)
        return self._apply(page, infoboxes, edits)

    def _changed(
        self, row: SheetRow, original: Mapping[str, str] | None
    ) -> dict[str, str | ItemEdit]:
        changed: dict[str, str | ItemEdit] = {}
        for name, cell in row.cells.items():
            spec = self.specs[name]
            before = original.get(field_param(spec, original), "") if original is not None else None
            edit = _item_edit(spec, cell)
            if edit is not None:
                changed[name] = edit
            elif before is None or not same_value(spec, cell, before):
                changed[name] = cell.strip()
        return changed

    def _checked(self, name: str, value: str | ItemEdit) -> str | ItemEdit:
        if isinstance(value, ItemEdit):
            return check_item_edit(
                self.specs[name],
                value,
                trusted=self.trusted,
                options=self.record_type.options(name),
            )
        check_field_value(self.specs[name], value, trusted=self.trusted)
        return value

    def _changed_since(self, page: PageText, infoboxes: tuple[dict[str, str], ...]) -> PageOutcome:
        """Write the changed cells whose fields the wiki's edit left alone; else a conflict."""
        edits: list[tuple[SheetRow, dict[str, str | ItemEdit]]] = []
        problems: list[str] = []
        for row in self.rows:
            old_text = self.old.get(row.revid) if row.revid != page.revid else None
            originals = (
                read_params(old_text, self.record_type.templates, title=self.title)
                if old_text
                else ()
            )
            original = originals[row.index] if row.index < len(originals) else None
            changed = self._changed(row, original)
            now = infoboxes[row.index] if row.index < len(infoboxes) else None
            if original is not None and len(originals) != len(infoboxes):
                original = None  # infoboxes added or removed: the index may not match
            pending: dict[str, str | ItemEdit] = {}
            for name, value in changed.items():
                spec = self.specs[name]
                have = now.get(field_param(spec, now), "") if now is not None else None
                if have is not None and _holds(spec, value, have):
                    continue  # the page already holds the cell
                if have is not None and isinstance(value, ItemEdit):
                    pending[name] = self._checked(name, value)  # one item, whatever the list holds
                    continue
                if have is None or original is None:
                    raise EditConflictError(
                        said(
                            'Page "%(title)s" changed on the wiki since the export (revision '
                            "%(was)s, now %(now)s); row %(row)s was not written, nothing was "
                            "overwritten: export again and redo the change",
                            title=self.title,
                            was=row.revid,
                            now=page.revid,
                            row=row.row,
                        ),
                        title=self.title,
                    )
                was = original.get(field_param(spec, original), "")
                if not same_value(spec, was, have):
                    raise EditConflictError(
                        said(
                            'Page "%(title)s" changed on the wiki since the export: field '
                            '"%(field)s" was "%(was)s" in revision %(base)s and is "%(have)s" in '
                            'revision %(now)s; row %(row)s\'s "%(value)s" was not written, '
                            "nothing was overwritten: export again and redo the change",
                            title=self.title,
                            field=name,
                            was=was,
                            base=row.revid,
                            have=have,
                            now=page.revid,
                            row=row.row,
                            value=value,
                        ),
                        title=self.title,
                    )
                try:
                    value = self._checked(name, value)
                except FieldValueError as exc:
                    problems.append(f"row {row.row}, column {self._column(name)}: {exc}")
                pending[name] = value
            if pending:
                edits.append((row, pending))
        if problems:
            note = "; ".join(problems) + "; the page was left as it is"
            return PageOutcome(page.wikitext, status=Outcome.INVALID, note=note)
        if not edits:
            return PageOutcome(page.wikitext, note="already holds the spreadsheet's values")
        return self._apply(page, infoboxes, edits)

    def _apply(
        self,
        page: PageText,
        infoboxes: tuple[dict[str, str], ...],
        edits: Sequence[tuple[SheetRow, Mapping[str, str | ItemEdit]]],
    ) -> PageOutcome:
        text = page.wikitext
        changes: list[ParamChange] = []
        warnings: list[str] = []
        for row, changed in edits:
            if not changed:
                continue
            params = infoboxes[row.index]
            wanted: dict[str, str | ItemEdit] = {}
            made: dict[str, str | ItemEdit] = {}  # a point in the page's own {{coord}}
            for name, value in changed.items():
                param = field_param(self.specs[name], params)
                if isinstance(value, ItemEdit):  # one list item: the list keeps its own form
                    wanted[param] = value
                    continue
                styled, markup = styled_value(self.specs[name], params.get(param, ""), value)
                (made if markup else wanted)[param] = styled
            for group, trusted in ((wanted, self.trusted), (made, True)):
                if group:
                    text = set_infobox(
                        text,
                        self.record_type.templates,
                        group,
                        row.index,
                        trusted,
                        self.title,
                        changes,
                        warnings,
                    )
        return PageOutcome(text, tuple(changes), tuple(warnings))

    def _column(self, name: str) -> str:
        letter = self.letters.get(name)
        return f"{letter} ({name})" if letter else name


def _item_edit(spec: FieldSpec, cell: str) -> ItemEdit | None:
    """A list field's ``+=ITEM`` / ``-=ITEM`` cell as the item edit it asks for, else None."""
    text = cell.strip()
    if spec.type != "list" or text[:2] not in ("+=", "-="):
        return None
    return ItemEdit("add" if text[0] == "+" else "remove", text[2:].strip())


def _holds(spec: FieldSpec, value: str | ItemEdit, have: str) -> bool:
    if isinstance(value, ItemEdit):
        return item_edit_done(value, have)
    return same_value(spec, value, have)


def _word_creations(creations: Mapping[str, _PageCreate], on_page: OnPage | None) -> OnPage:
    # Each page's report, its status worded for a page to create, before on_page sees it.
    def word(page: PageReport, done: int, total: int) -> None:
        creation = creations.get(page.title)
        if creation is not None:
            page.status = creation.status_of(page.status)
        if on_page is not None:
            on_page(page, done, total)

    return word


@dataclass(slots=True)
class _PageCreate:
    """Rows with a title and no revision: a page to create (never to overwrite)."""

    title: str
    rows: list[SheetRow]
    record_type: RecordType
    trusted: bool
    letters: Mapping[str, str]
    source: Source
    template_dirs: Sequence[str | Path]
    invalid: bool = False

    def compute(self, page: PageText | None) -> PageOutcome:
        numbers = ", ".join(str(row.row) for row in self.rows)
        if page is not None and self._holds(page):
            # Made by an earlier import (or by hand) with these very values:
            # nothing to do, which is what the row asks for.
            return PageOutcome(
                page.wikitext,
                status=Outcome.UNCHANGED,
                note="exists already with this row's values",
            )
        if page is not None:
            raise EditConflictError(
                said(
                    'Page "%(title)s" exists already; row %(rows)s (no revision: a page to '
                    "create) was not imported, nothing was overwritten: export the page to edit it",
                    title=self.title,
                    rows=numbers,
                ),
                title=self.title,
            )
        row = self.rows[0]
        problem = ""
        if len(self.rows) > 1 or row.index != 0 or row.revid != 0:
            problem = f"rows {numbers}: a page to create takes one row, index 0 and no revision"
        else:
            problem = self._check(row)
        if problem:
            self.invalid = True
            raise PublishError(f"{problem}; the page was not created", title=self.title)
        category = self.source.namespaces.by_id.get(CATEGORY_NS)
        text = new_page_text(
            self.record_type,
            self.title,
            {name: cell.strip() for name, cell in row.cells.items() if cell.strip()},
            trusted=self.trusted,
            category_ns=category.name if category is not None else "Catégorie",
            template_dirs=self.template_dirs,
        )
        return PageOutcome(text, note="created from the type's page skeleton")

    def _holds(self, page: PageText) -> bool:
        """Whether the page's one infobox holds every value of the (single) row."""
        if len(self.rows) != 1 or self.rows[0].index != 0:
            return False
        infoboxes = read_params(page.wikitext, self.record_type.templates, title=page.title)
        if len(infoboxes) != 1:
            return False
        params = infoboxes[0]
        for name, cell in self.rows[0].cells.items():
            spec = field_spec(self.record_type, name)
            have = params.get(field_param(spec, params), "")
            if not same_value(spec, cell.strip(), have):
                return False
        return True

    def _check(self, row: SheetRow) -> str:
        values = {name: cell.strip() for name, cell in row.cells.items() if cell.strip()}
        try:
            check_new_values(self.record_type, values, trusted=self.trusted)
        except FieldValueError as exc:
            letter = self.letters.get(exc.field)
            column = f"column {letter} ({exc.field})" if letter else f"field {exc.field}"
            return f"row {row.row}, {column}: {exc}"
        return ""

    def status_of(self, status: Outcome) -> Outcome:
        # run_pages words every save "edited"; a page made here was created.
        if self.invalid:
            return Outcome.INVALID
        return Outcome.CREATED if status == Outcome.EDITED else status
