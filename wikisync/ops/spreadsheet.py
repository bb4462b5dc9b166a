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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikisync.core.edit_checks import PageTooComplexToEdit
from wikisync.core.edits import read_params
from wikisync.core.errors import (
    SpreadsheetError,
)
from wikisync.core.fields.checks import (
    FieldValueError,
    field_param,
)
from wikisync.core.names import did_you_mean
from wikisync.core.pages import PageText
from wikisync.core.said import said
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.core.selection import Selection
from wikisync.files import STDIO, describe, write_output
from wikisync.i18n import gettext
from wikisync.ops.batch.report import BatchReport, OnPage, finish_report
from wikisync.ops.batch.run import run_pages
from wikisync.ops.collect import iter_type_pages
from wikisync.ops.publish import DEFAULT_RETRIES, Target, utc_now
from wikisync.ops.sheet import (
    DELIMITERS,
    Sheet,
    SheetRow,
    format_sheet,
    read_sheet,
    text_sha1,
)
from wikisync.ops.sheet_rows import _OldTexts, _PageCreate, _PageImport, _word_creations
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
