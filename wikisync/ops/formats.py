"""Record output formats: JSON, JSON Lines, CSV and a plain-text table.

Pure formatters from :class:`~wikisync.core.records.Record` to text, for
``wikisync records TYPE`` (each output format). JSON and JSON Lines use
``Record.to_dict()`` (non-ASCII kept as is). CSV has one column per field
after ``title``, ``type`` and ``revid``, lists joined with ``", "``, dates in
ISO 8601, points as ``lat, lon``, booleans as ``true``/``false``, absent
values empty, and ``\\n`` line ends.

CSV cells are guarded against formula injection (OWASP "CSV injection"): a
cell a spreadsheet program would run as a formula, one beginning with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return (also after Unicode spaces
such as U+00A0, or written fullwidth, U+FF1D and the like), gets a ``'`` in front
(:func:`neutralize_cell`), which makes it text. So that the guard can be
taken off again exactly (:func:`restore_cell`, as ``wikisync import`` does),
a cell that already begins with ``'`` gets one too: a cell read back loses
exactly one leading ``'`` if it has one. ``raw=True`` writes cells as they
are. The table is for reading in a terminal: ``title`` then the fields, each
cell on one line and cut to a width (with ``…``). Given a line width (the
terminal's), the table fits it: cells are narrowed, and the columns that still
do not fit go into further blocks below, each starting with the title again,
so nothing is dropped. Widths count what a terminal shows (a wide character
two columns, an accent none); control characters are shown as U+FFFD.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TextIO

from wikisync.core.dates import DateValue
from wikisync.core.fields.coords import Coord, format_coord
from wikisync.core.fields.values import FieldValue
from wikisync.core.records import Record
from wikisync.core.schema import RecordType

#: The formats :func:`format_records` knows.
FORMATS: tuple[str, ...] = ("json", "jsonl", "csv", "table")

#: The default maximum width of a table cell, in characters.
TABLE_WIDTH = 40
#: The narrowest a field's column gets when a table is fitted to a line width.
MIN_COLUMN = 10
#: Between two columns of a table.
_GAP = "  "

#: First characters that make a spreadsheet program read a cell as a formula
#: (OWASP), plus the guard itself, so that the guard can be taken off unambiguously.
FORMULA_STARTS = frozenset("=+-@\t\r'")
#: The guard put in front of such a cell.
CELL_GUARD = "'"


#: Look-alikes a spreadsheet program may read as a formula's first character:
#: fullwidth and small forms of ``= + - @`` and the minus sign.
FORMULA_LOOKALIKES = frozenset("\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u2212")


def _blank(char: str) -> bool:
    # Spaces of any kind (no-break U+00A0, narrow U+202F, ideographic U+3000),
    # controls and invisible format characters (U+200B, U+FEFF, U+2060), which
    # a spreadsheet program may skip before reading a formula.
    return char.isspace() or unicodedata.category(char) in ("Zs", "Cc", "Cf")


def needs_cell_guard(text: str) -> bool:
    """Whether a spreadsheet program could read ``text`` as a formula.

    True when it begins with ``= + - @``, a tab, a carriage return, the
    guard ``'`` or a look-alike (fullwidth U+FF1D, U+FF0B, U+FF0D, U+FF20), also after any run of
    Unicode spaces or invisible characters.
    """
    if not text:
        return False
    if text[0] in FORMULA_STARTS or text[0] in FORMULA_LOOKALIKES:
        return True
    index = 0
    while index < len(text) and _blank(text[index]):
        index += 1
    if index == 0 or index == len(text):
        return False
    first = text[index]
    return first in FORMULA_STARTS or first in FORMULA_LOOKALIKES


def neutralize_cell(text: str) -> str:
    """A cell as written to CSV: ``'`` in front when it could run as a formula.

    A cell is guarded when :func:`needs_cell_guard` says so, which includes
    formulas behind a no-break space or written with fullwidth signs.

    Example:
        >>> neutralize_cell("=1+2"), neutralize_cell("Lyon")
        ("'=1+2", 'Lyon')
        >>> neutralize_cell("'quoted"), neutralize_cell("")
        ("''quoted", '')
        >>> neutralize_cell("\u00a0=1+2") == "'\u00a0=1+2"
        True
    """
    return CELL_GUARD + text if needs_cell_guard(text) else text


def restore_cell(text: str) -> str:
    """A CSV cell as read back: the inverse of :func:`neutralize_cell`.

    Example:
        >>> restore_cell("'-5"), restore_cell("''quoted"), restore_cell("-5")
        ('-5', "'quoted", '-5')
    """
    return text[1:] if text.startswith(CELL_GUARD) else text


def format_records(
    records: Iterable[Record],
    fmt: str,
    record_type: RecordType | None = None,
    *,
    width: int = TABLE_WIDTH,
    raw: bool = False,
    line_width: int | None = None,
) -> str:
    """Format records as text.

    Args:
        records: the records.
        fmt: one of :data:`FORMATS`.
        record_type: gives the CSV/table columns even when there are no records;
            without it the columns are the first record's fields.
        width: the maximum width of a table cell.
        raw: CSV cells as they are, without the formula guard (see the module's notes).
        line_width: the table's longest line, e.g. a terminal's width
            (``shutil.get_terminal_size().columns``); None: as wide as the cells.

    Returns:
        The text, ending with a newline (an empty JSON array is ``"[]\\n"``).

    Raises:
        ValueError: ``fmt`` is not a known format.
    """
    stream = io.StringIO()
    write_records(records, fmt, stream, record_type, width=width, raw=raw, line_width=line_width)
    return stream.getvalue()


def write_records(
    records: Iterable[Record],
    fmt: str,
    stream: TextIO,
    record_type: RecordType | None = None,
    *,
    width: int = TABLE_WIDTH,
    raw: bool = False,
    line_width: int | None = None,
) -> None:
    """Write records to a text stream; see :func:`format_records`.

    Open files with ``newline=""`` and ``encoding="utf-8"`` so CSV line ends
    are written as is.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "jsonl":
        for record in records:
            stream.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        return
    rows = list(records)
    if fmt == "json":
        data = [record.to_dict() for record in rows]
        stream.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    names = _field_names(rows, record_type)
    if fmt == "csv":
        guard = (lambda text: text) if raw else neutralize_cell
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(["title", "index", "revid", "type", *names])
        for record in rows:
            cells = [format_cell(record.fields.get(name)) for name in names]
            first = (record.title, str(record.index), str(record.revid), record.type)
            writer.writerow([guard(c) for c in (*first, *cells)])
        return
    _write_table(rows, names, stream, width, line_width)


def format_cell(value: FieldValue) -> str:
    """A field value as one spreadsheet cell (lists joined with ``", "``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, DateValue):
        return value.iso()
    if isinstance(value, Coord):
        return format_coord(value)
    return str(value)


def _field_names(records: Sequence[Record], record_type: RecordType | None) -> list[str]:
    if record_type is not None:
        return list(record_type.field_names)
    return list(records[0].fields) if records else []


def _write_table(
    records: Sequence[Record],
    names: list[str],
    stream: TextIO,
    width: int,
    line_width: int | None,
) -> None:
    header = ["title", *names]
    table = [[_one_line(name) for name in header]]
    for record in records:
        cells = [format_cell(record.fields.get(name)) for name in names]
        table.append([_one_line(cell) for cell in (record.title, *cells)])
    natural = [min(width, max(display_width(row[i]) for row in table)) for i in range(len(header))]
    for number, (columns, widths) in enumerate(_bands(natural, line_width)):
        if number:
            stream.write("\n")
        lines = [
            [_pad(_clip(row[i], w), w) for i, w in zip(columns, widths, strict=True)]
            for row in table
        ]
        lines.insert(1, ["-" * w for w in widths])
        for cells in lines:
            stream.write(_GAP.join(cells).rstrip() + "\n")


def _bands(natural: list[int], line_width: int | None) -> list[tuple[list[int], list[int]]]:
    """The blocks of a table: which columns, how wide; the title column begins each."""
    gap = len(_GAP)
    if line_width is None or sum(natural) + gap * (len(natural) - 1) <= line_width:
        return [(list(range(len(natural))), natural)]
    title = min(natural[0], max(line_width // 3, MIN_COLUMN), max(line_width - gap - 1, 1))
    room = max(line_width - title - gap, 1)
    bands: list[list[int]] = [[]]
    used = 0
    for column in range(1, len(natural)):
        need = min(natural[column], MIN_COLUMN, room)
        if bands[-1] and used + gap + need > room:
            bands.append([])
            used = 0
        used += need + (gap if bands[-1] else 0)
        bands[-1].append(column)
    return [([0, *band], [title, *_spread([natural[c] for c in band], room)]) for band in bands]


def _spread(natural: list[int], room: int) -> list[int]:
    # Each column at least its share of MIN_COLUMN, then the room left handed
    # out in turns to the columns narrower than their cells.
    widths = [min(n, MIN_COLUMN, room) for n in natural]
    extra = room - sum(widths) - len(_GAP) * (len(widths) - 1)
    while extra > 0:
        wanting = [i for i, w in enumerate(widths) if w < natural[i]]
        if not wanting:
            break
        share = max(extra // len(wanting), 1)
        for i in wanting:
            add = min(share, natural[i] - widths[i], extra)
            widths[i] += add
            extra -= add
    return widths


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for a wide character, 0 for an accent."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _one_line(text: str) -> str:
    # One line, and nothing a terminal would obey (escape sequences, bells).
    line = " ".join(text.split())
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in line)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _clip(line: str, width: int) -> str:
    if display_width(line) <= width:
        return line
    if width <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for char in line:
        size = _char_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…"
