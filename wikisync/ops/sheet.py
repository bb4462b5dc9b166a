"""The CSV file of the spreadsheet round trip: its columns, rows and dialects.

:func:`format_sheet` writes what :func:`~wikisync.ops.spreadsheet.export_records`
exports; :func:`read_sheet` and :func:`parse_sheet` read an edited file back
for :func:`~wikisync.ops.spreadsheet.import_records`, refusing (one
:class:`SpreadsheetError` naming the row and column) what the import could
misread. The module notes of :mod:`wikisync.ops.spreadsheet` describe the
columns, the dialects read and the formula guard.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wikisync.core.errors import SpreadsheetError
from wikisync.core.names import did_you_mean
from wikisync.core.schema import RecordType
from wikisync.files import describe, read_input
from wikisync.ops.formats import neutralize_cell, restore_cell

__all__ = [
    "DELIMITERS",
    "KEY_COLUMNS",
    "SHEET_LIMIT",
    "Sheet",
    "SheetRow",
    "format_sheet",
    "parse_sheet",
    "read_sheet",
    "text_sha1",
]


#: The columns before the fields, in order; ``sha1`` may be missing on import.
KEY_COLUMNS: tuple[str, ...] = ("title", "index", "revid", "sha1")
DELIMITERS = (",", ";", "\t")
#: The most a spreadsheet may hold (100,000 rows of 2 KiB are 200 MiB).
SHEET_LIMIT = 256 * 2**20


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row of an export: one infobox of one page.

    Attributes:
        row: its row number in the spreadsheet (the header is row 1).
        title: the page.
        index: which infobox of the page (0 for the first).
        revid: the page's revision when exported; 0 (a blank cell) for a page to create.
        sha1: the first 12 hex digits of the page text's SHA-1 then, or ``""``.
        cells: field name → cell text (raw wikitext).
    """

    row: int
    title: str
    index: int
    revid: int
    sha1: str
    cells: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Sheet:
    """A spreadsheet read back.

    Attributes:
        fields: the field columns present, in schema order.
        rows: the rows (blank ones left out).
        delimiter: the delimiter found.
        letters: field name → its column letter (``"F"``), for messages.
    """

    fields: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    delimiter: str = ","
    letters: Mapping[str, str] = field(default_factory=dict)


def text_sha1(text: str) -> str:
    """The first 12 hex digits of the SHA-1 of a page's text (the ``sha1`` column)."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def format_sheet(
    rows: Sequence[SheetRow], fields: Sequence[str], *, delimiter: str = ",", raw: bool = False
) -> str:
    """The CSV text of an export: header, then one line per row, CRLF line ends.

    Cells that could run as formulas get a ``'`` in front unless ``raw``
    (see the module's notes).

    Example:
        >>> row = SheetRow(2, "Atelier", 0, 12, "abc", {"place": "=Lyon"})
        >>> format_sheet([row], ["place"])
        "title,index,revid,sha1,place\\r\\nAtelier,0,12,abc,'=Lyon\\r\\n"
    """
    guard = (lambda text: text) if raw else neutralize_cell
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([*KEY_COLUMNS, *fields])
    for row in rows:
        cells = [row.cells.get(name, "") for name in fields]
        line = [row.title, str(row.index), str(row.revid), row.sha1, *cells]
        writer.writerow([guard(cell) for cell in line])
    return stream.getvalue()


def read_sheet(
    path: str | os.PathLike[str], record_type: RecordType, *, raw: bool = False
) -> Sheet:
    """Read an exported (and edited) CSV file (``-``: standard input).

    Args:
        path: the file.
        record_type: the type it was exported from.
        raw: keep a leading ``'`` (the file was exported with ``raw``).

    Raises:
        SpreadsheetError: unreadable, larger than :data:`SHEET_LIMIT` bytes, not
            UTF-8, no ``title``/``index``/``revid``
            header, an unknown column, a bad number, a row given twice, a row
            shorter or longer than the header.
    """
    where = describe(path, reading=True)
    try:
        data = read_input(path, limit=SHEET_LIMIT)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SpreadsheetError(f"{where}: cannot be read: {reason}", path=where) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            f"{where} is not UTF-8: save it as 'CSV UTF-8' (Excel) or with the Unicode "
            "(UTF-8) character set (LibreOffice)",
            path=where,
        ) from None
    return parse_sheet(text, record_type, name=where, raw=raw)


def parse_sheet(
    text: str, record_type: RecordType, *, name: str = "spreadsheet", raw: bool = False
) -> Sheet:
    """Parse the text of an export (pure but for raising the csv module's cell size limit).

    See :func:`read_sheet`; one leading ``'`` of each cell is taken off unless ``raw``.

    Example:
        >>> event = RecordType("event", (), ("Event",), (FieldSpec("place"),))
        >>> parse_sheet("title;index;revid;place\\r\\nAtelier;0;12;Lyon\\r\\n", event).rows[0].cells
        {'place': 'Lyon'}
    """

    def fail(message: str, row: int | None = None) -> SpreadsheetError:
        return SpreadsheetError(f"{name}: {message}", path=name, row=row)

    text = text.removeprefix("\ufeff")
    # A cell may be as long as the file (the csv module stops at 131,072 characters).
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, 2**31 - 1)))
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _delimiter(first_line)
    if delimiter is None:
        raise fail(
            "the first row should be the header of 'wikisync export' "
            f"({', '.join(KEY_COLUMNS)}, then fields), separated by ',' or ';'"
        )
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise fail(f"not a readable CSV file: {exc}") from None
    header = [cell.strip() for cell in table[0]]
    known = set(record_type.field_names)
    columns: dict[str, int] = {}
    for position, column in enumerate(header):
        if not column:
            continue
        if column not in known and column not in KEY_COLUMNS:
            raise fail(
                f'column {_letter(position)} "{column}" is no field of record type '
                f'"{record_type.name}"{did_you_mean(column, record_type.field_names)} '
                f"(known: {', '.join(record_type.field_names)})",
                1,
            )
        if column in columns:
            raise fail(f'column "{column}" is given twice', 1)
        columns[column] = position
    missing = [key for key in ("title", "index", "revid") if key not in columns]
    if missing:
        raise fail(f"no \"{missing[0]}\" column: import a file made by 'wikisync export'", 1)
    fields = tuple(name for name in record_type.field_names if name in columns)
    rows: list[SheetRow] = []
    seen: dict[tuple[str, int], int] = {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines spreadsheet programs leave at the end
        if len(cells) != len(header):
            raise fail(
                f"row {number} has {len(cells)} cells but the header has {len(header)}; "
                "nothing was imported (a missing cell would blank its field): fix the row "
                "or export again",
                number,
            )

        def cell(column: str, cells: list[str] = cells) -> str:
            position = columns.get(column)
            if position is None:
                return ""
            value = cells[position] if raw else restore_cell(cells[position])
            return value.replace("\r\n", "\n").replace("\r", "\n")

        title = cell("title").strip()
        if not title:
            raise fail(f"row {number}: the title is empty", number)
        # no revision: a page to create (see import_records), index 0 when blank
        revid = _number(cell("revid"), f"row {number}, column revid", fail, number, blank=0)
        index = _number(
            cell("index"),
            f"row {number}, column index",
            fail,
            number,
            blank=0 if not revid else None,
        )
        key = (title, index)
        if key in seen:
            raise fail(
                f'rows {seen[key]} and {number} are both infobox {index} of "{title}"', number
            )
        seen[key] = number
        values = {name: cell(name) for name in fields}
        rows.append(SheetRow(number, title, index, revid, cell("sha1").strip(), values))
    letters = {name: _letter(columns[name]) for name in fields}
    return Sheet(fields, tuple(rows), delimiter, letters)


def _delimiter(header: str) -> str | None:
    for delimiter in DELIMITERS:
        try:
            names = {cell.strip() for cell in next(csv.reader([header], delimiter=delimiter))}
        except (csv.Error, StopIteration):
            return None  # a stray carriage return: no header of an export
        if {"title", "revid"} <= names:
            return delimiter
    return None


def _number(text: str, where: str, fail: Any, row: int, *, blank: int | None = None) -> int:
    if blank is not None and not text.strip():
        return blank
    try:
        value = int(text.strip())
    except ValueError:
        raise fail(f'{where} should be a whole number, got "{text}"', row) from None
    if value < 0:
        raise fail(f"{where} should not be negative", row)
    return value


def _letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
