"""Records as a SQLite database: one file for Python, Datasette, DuckDB and pandas.

:func:`build_database` turns the records of one or more record types into the
bytes of a SQLite database (built in memory, then serialized), which
:func:`write_database` writes atomically: a temporary file in the same folder,
then a rename, refusing a symbolic link, a folder or a device at the target
(:func:`wikisync.files.write_output`). :func:`read_database` is the library
twin of ``wikisync records [TYPE…] -f sqlite -o FILE``.

The tables (``docs/sqlite.md`` shows them with queries):

* one table per record type, named as the type: ``title``, ``index`` (which
  infobox of the page), ``revid``, then one column per field, typed: ``int``
  fields ``INTEGER``; ``bool`` fields ``BOOLEAN`` (1 or 0); ``date`` fields
  the ISO 8601 text at the precision written (``2019-05``) plus a
  ``FIELD_precision`` column (``year``, ``month``, ``day``, ``datetime``);
  ``coord`` fields two ``REAL`` columns ``FIELD_lat`` and ``FIELD_lon``; every
  other type ``TEXT``; then ``extra``, the parameters no field reads, as a JSON
  object. Its key is (``title``, ``index``).
* one child table per ``list`` field, named ``TYPE_FIELD``: ``title``,
  ``index``, ``position`` (from 0), ``value``.
* ``pages``: ``title``, ``revid``, ``timestamp`` (of the revision read, ISO
  8601 UTC), ``url`` (on the wiki, when known): every page read that gave a
  record or a problem.
* ``problems``: ``type``, ``title``, ``field``, ``value``, ``expected``,
  ``message``, as ``wikisync check -f json`` gives them.
* ``columns``: which column of which table holds which field (``table``,
  ``column``, ``type``, ``field``, ``field_type``, ``part``).
* ``metadata`` (``key``, ``value``): ``format_version``, ``wiki``,
  ``extracted_at`` (UTC), ``schema_fingerprint`` (SHA-256 of the tables'
  definitions), ``wikisync_version``, ``types``.

The same records give the same rows, in the same order; only
``extracted_at`` tells two runs apart (:func:`same_rows` compares two
databases without it, so a file job leaves an unchanged file alone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wikisync import files
from wikisync.__about__ import __version__
from wikisync.core.dates import DateRange, DateValue
from wikisync.core.errors import ConfigError, RecordError
from wikisync.core.fields.coords import Coord
from wikisync.core.pages import PageText
from wikisync.core.records import Record, RecordSet
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.core.selection import Selection
from wikisync.ops.collect import collect_records
from wikisync.ops.ical import TimedSource
from wikisync.ops.quality.check import QualityProblem, problem_of, wiki_links
from wikisync.ports.source import FetchResult, Source

__all__ = [
    "FORMAT_VERSION",
    "Database",
    "build_database",
    "database_text",
    "read_database",
    "same_rows",
    "write_database",
]

#: The version of the tables' layout, in the ``metadata`` table.
FORMAT_VERSION = "1"
#: The tables every database has besides the record types' own.
FIXED_TABLES = ("pages", "problems", "columns", "metadata")
#: The metadata keys that differ between two runs over the same records.
_RUN_KEYS = frozenset({"extracted_at"})
#: SQLite's INTEGER range (8 bytes, signed).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a record type's table.

    Attributes:
        name: the column's name.
        sql_type: its declared type (``TEXT``, ``INTEGER``, ``BOOLEAN``, ``REAL``).
        field: the field it holds.
        part: which part of the field's value: ``value``, ``precision`` (a
            date's), ``lat`` or ``lon`` (a coordinate's).
    """

    name: str
    sql_type: str
    field: FieldSpec
    part: str = "value"


@dataclass(frozen=True, slots=True)
class Database:
    """A SQLite database of records, as bytes.

    Attributes:
        data: the database file's bytes.
        problems: values the database could not hold (an integer past
            SQLite's 64 bits), beside the records' own problems; each is a
            row of its ``problems`` table too.
    """

    data: bytes
    problems: tuple[QualityProblem, ...] = ()


def columns_of(record_type: RecordType) -> tuple[Column, ...]:
    """The field columns of a record type's table (``list`` fields have child tables)."""
    columns: list[Column] = []
    for spec in record_type.fields:
        if spec.type == "list":
            continue
        if spec.type == "date":
            columns.append(Column(spec.name, "TEXT", spec))
            columns.append(Column(f"{spec.name}_precision", "TEXT", spec, "precision"))
        elif spec.type == "coord":
            columns.append(Column(f"{spec.name}_lat", "REAL", spec, "lat"))
            columns.append(Column(f"{spec.name}_lon", "REAL", spec, "lon"))
        elif spec.type == "int":
            columns.append(Column(spec.name, "INTEGER", spec))
        elif spec.type == "bool":
            columns.append(Column(spec.name, "BOOLEAN", spec))
        else:
            columns.append(Column(spec.name, "TEXT", spec))
    return tuple(columns)


def child_table(record_type: RecordType, spec: FieldSpec) -> str:
    """The name of a ``list`` field's table: ``TYPE_FIELD``."""
    return f"{record_type.name}_{spec.name}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_names(record_types: Sequence[RecordType]) -> None:
    # SQLite names are case-insensitive: "Tags" and "tags" are one column.
    tables: dict[str, str] = {name: f"the {name} table" for name in FIELD_TABLE_KEYS}
    for record_type in record_types:
        key = f"types.{record_type.name}"
        wanted = [(record_type.name, f"the table of type {record_type.name}")]
        wanted += [
            (child_table(record_type, spec), f"the list field {spec.name} of {record_type.name}")
            for spec in record_type.fields
            if spec.type == "list"
        ]
        for table, what in wanted:
            folded = table.casefold()
            if folded.startswith("sqlite_"):
                raise ConfigError(
                    f'type {record_type.name}: a SQLite table may not be named "{table}" '
                    f"({what}); rename the type or the field",
                    key=key,
                )
            if folded in tables:
                raise ConfigError(
                    f'type {record_type.name}: {what} would be the table "{table}", which is '
                    f"{tables[folded]} already; rename the type or the field",
                    key=key,
                )
            tables[folded] = what
        names: dict[str, str] = {name: "a column of every record" for name in _RECORD_COLUMNS}
        for column in columns_of(record_type):
            folded = column.name.casefold()
            if folded in names:
                raise ConfigError(
                    f"type {record_type.name}: field {column.field.name} would be the column "
                    f'"{column.name}", which is {names[folded]} already; rename the field',
                    key=f"{key}.fields.{column.field.name}",
                )
            names[folded] = f"the column of field {column.field.name}"


#: The fixed tables, case-folded (a type may not take their names).
FIELD_TABLE_KEYS = tuple(name.casefold() for name in FIXED_TABLES)
#: The columns every record table begins (and ends) with.
_RECORD_COLUMNS = ("title", "index", "revid", "extra")


def _definitions(record_types: Sequence[RecordType]) -> list[str]:
    statements = [
        "CREATE TABLE pages (title TEXT PRIMARY KEY NOT NULL, revid INTEGER, "
        "timestamp TEXT, url TEXT)",
        'CREATE TABLE problems (type TEXT NOT NULL, title TEXT NOT NULL, field TEXT, "value" '
        "TEXT, expected TEXT NOT NULL, message TEXT NOT NULL)",
        'CREATE TABLE columns ("table" TEXT NOT NULL, "column" TEXT NOT NULL, type TEXT NOT '
        'NULL, field TEXT, field_type TEXT, part TEXT, PRIMARY KEY ("table", "column"))',
        "CREATE TABLE metadata (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
    ]
    for record_type in record_types:
        table = _quote(record_type.name)
        cells = ", ".join(f"{_quote(c.name)} {c.sql_type}" for c in columns_of(record_type))
        statements.append(
            f'CREATE TABLE {table} (title TEXT NOT NULL REFERENCES pages (title), "index" '
            f"INTEGER NOT NULL, revid INTEGER NOT NULL, {cells + ', ' if cells else ''}"
            'extra TEXT NOT NULL, PRIMARY KEY (title, "index"))'
        )
        for spec in record_type.fields:
            if spec.type == "list":
                statements.append(
                    f"CREATE TABLE {_quote(child_table(record_type, spec))} (title TEXT NOT NULL, "
                    '"index" INTEGER NOT NULL, position INTEGER NOT NULL, "value" TEXT NOT NULL, '
                    'PRIMARY KEY (title, "index", position), FOREIGN KEY (title, "index") '
                    f'REFERENCES {table} (title, "index"))'
                )
    return statements


def build_database(
    sets: Sequence[RecordSet],
    record_types: Sequence[RecordType],
    *,
    times: Mapping[str, str] | None = None,
    revids: Mapping[str, int] | None = None,
    page_url: Callable[[str], str] | None = None,
    wiki: str = "",
    extracted_at: dt.datetime | None = None,
) -> Database:
    """The SQLite database of some records (see the module's notes for its tables).

    Pure but for SQLite's own memory: no file is opened.

    Args:
        sets: the records of each type, in ``record_types`` order.
        record_types: their types.
        times: page title to revision time (ISO 8601), for ``pages.timestamp``.
        revids: page title to revision id, for ``pages.revid`` of pages
            without a record (a record's own revid wins).
        page_url: a page title to its address on the wiki, for ``pages.url``.
        wiki: the wiki, for the metadata.
        extracted_at: when the pages were read (default: now), for the metadata.

    Returns:
        The database's bytes and the values it could not hold.

    Raises:
        ConfigError: two types, fields or tables would share a name (SQLite
            names ignore case), or a type's table would take a reserved name.
    """
    if len(sets) != len(record_types):
        raise ValueError("one record set per record type")
    _check_names(record_types)
    when = extracted_at or dt.datetime.now(dt.UTC)
    times = times or {}
    revids = revids or {}
    definitions = _definitions(record_types)
    connection = sqlite3.connect(":memory:")
    try:
        for statement in definitions:
            connection.execute(statement)
        extra: list[QualityProblem] = []
        problems: list[tuple[str, RecordError]] = []
        pages: dict[str, tuple[int | None, str | None]] = {}
        for record_type, found in zip(record_types, sets, strict=True):
            problems += [(record_type.name, problem) for problem in found.problems]
            for problem in found.problems:
                pages.setdefault(
                    problem.title, (revids.get(problem.title), times.get(problem.title) or None)
                )
            for record in found.records:
                pages[record.title] = (record.revid, times.get(record.title) or None)
            held = _insert_records(connection, record_type, found.records)
            extra += [problem_of(record_type.name, error) for error in held]
            problems += [(record_type.name, error) for error in held]
        connection.executemany(
            "INSERT INTO pages VALUES (?, ?, ?, ?)",
            (
                (title, revid, timestamp, page_url(title) if page_url else None)
                for title, (revid, timestamp) in sorted(pages.items())
            ),
        )
        rows = [problem_of(name, error) for name, error in problems]
        connection.executemany(
            "INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?)",
            ((p.type, p.title, p.field, p.value, p.expected, p.message) for p in rows),
        )
        connection.executemany(
            "INSERT INTO columns VALUES (?, ?, ?, ?, ?, ?)", _column_rows(record_types)
        )
        fingerprint = hashlib.sha256(
            "\n".join([FORMAT_VERSION, *definitions]).encode("utf-8")
        ).hexdigest()
        metadata = {
            "format_version": FORMAT_VERSION,
            "wiki": wiki,
            "extracted_at": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "schema_fingerprint": fingerprint,
            "wikisync_version": __version__,
            "types": ", ".join(record_type.name for record_type in record_types),
        }
        connection.executemany("INSERT INTO metadata VALUES (?, ?)", sorted(metadata.items()))
        connection.commit()
        return Database(connection.serialize(), tuple(extra))
    finally:
        connection.close()


def _insert_records(
    connection: sqlite3.Connection, record_type: RecordType, records: Sequence[Record]
) -> list[RecordError]:
    columns = columns_of(record_type)
    lists = [spec for spec in record_type.fields if spec.type == "list"]
    marks = ", ".join("?" for _ in range(len(columns) + 4))
    insert = f"INSERT INTO {_quote(record_type.name)} VALUES ({marks})"
    inserts = {
        spec.name: f"INSERT INTO {_quote(child_table(record_type, spec))} VALUES (?, ?, ?, ?)"
        for spec in lists
    }
    problems: list[RecordError] = []
    seen: set[tuple[str, int]] = set()
    for record in records:
        if (record.title, record.index) in seen:
            continue  # the same page listed twice: one row
        seen.add((record.title, record.index))
        cells: list[Any] = [record.title, record.index, record.revid]
        for column in columns:
            cell, problem = _cell(record, column)
            cells.append(cell)
            if problem is not None:
                problems.append(problem)
        cells.append(json.dumps(dict(sorted(record.extra.items())), ensure_ascii=False))
        connection.execute(insert, cells)
        for spec in lists:
            value = record.fields.get(spec.name)
            items = value if isinstance(value, tuple) else (() if value is None else (value,))
            connection.executemany(
                inserts[spec.name],
                (
                    (record.title, record.index, position, str(item))
                    for position, item in enumerate(items)
                ),
            )
    return problems


def _cell(record: Record, column: Column) -> tuple[object, RecordError | None]:
    value: object = record.fields.get(column.field.name)
    if value is None:
        return None, None
    if column.part in ("lat", "lon"):
        if isinstance(value, Coord):
            return (value.lat if column.part == "lat" else value.lon), None
        if column.part == "lon":
            return None, None  # one problem per field: the latitude's
        return None, _cannot_hold(record, column, value, "a coordinate")
    if isinstance(value, DateValue | DateRange):
        start = value.start if isinstance(value, DateRange) else value
        return (start.precision if column.part == "precision" else value.iso()), None
    if column.part == "precision":
        return None, None
    if isinstance(value, bool):
        return int(value), None
    if isinstance(value, int):
        if _INT_MIN <= value <= _INT_MAX:
            return value, None
        return None, _cannot_hold(record, column, value, "a whole number of at most 64 bits")
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value), None
    return str(value), None


def _cannot_hold(record: Record, column: Column, value: object, expected: str) -> RecordError:
    return RecordError(
        f'Page "{record.title}": field "{column.field.name}" should be {expected}, '
        f"got {str(value)!r} (the database leaves it empty)",
        title=record.title,
        field=column.field.name,
        value=str(value),
    )


def _column_rows(record_types: Sequence[RecordType]) -> Iterator[tuple[str, ...] | tuple[Any, ...]]:
    for record_type in record_types:
        name = record_type.name
        for fixed in ("title", "index", "revid"):
            yield name, fixed, name, None, None, None
        for column in columns_of(record_type):
            yield name, column.name, name, column.field.name, column.field.type, column.part
        yield name, "extra", name, None, None, None
        for spec in record_type.fields:
            if spec.type == "list":
                table = child_table(record_type, spec)
                for fixed in ("title", "index", "position"):
                    yield table, fixed, name, None, None, None
                yield table, "value", name, spec.name, spec.type, "item"


class RevisionSource(TimedSource):
    """A source that notes each page's revision id and time as its pages pass.

    Attributes:
        times: page title to revision time (ISO 8601 UTC, ``""`` when unknown).
        revids: page title to revision id.
    """

    def __init__(self, source: Source) -> None:
        super().__init__(source)
        self.revids: dict[str, int] = {}

    def _note(self, page: PageText) -> None:
        self.revids[page.title] = page.revid

    def iter_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> Iterator[PageText]:
        """As the wrapped source, noting each page's revision."""
        for page in super().iter_category(category, recursive=recursive, depth=depth):
            self._note(page)
            yield page

    def fetch_titles(self, titles: Iterable[str], *, follow_redirects: bool = False) -> FetchResult:
        """As the wrapped source, noting each page's revision."""
        found = super().fetch_titles(titles, follow_redirects=follow_redirects)
        for page in found.pages:
            self._note(page)
        return found


def read_database(
    source: Source,
    record_types: Sequence[RecordType],
    *,
    extracted_at: dt.datetime | None = None,
    selection: Selection | None = None,
) -> tuple[Database, list[RecordSet]]:
    """Read record types from a source into a SQLite database; write nothing.

    ``selection`` keeps only the pages it chooses.

    The library twin of ``wikisync records [TYPE…] -f sqlite -o FILE``
    (with :func:`write_database`).

    Returns:
        The database and the records read, one set per type.

    Example:
        >>> config = load_config("examples/fabmob/wikisync.toml")
        >>> types = [record_type_named(config.types, "event")]
        >>> database, sets = read_database(open_source(config), types)
        >>> write_database("events.db", database)
    """
    noting = RevisionSource(source)
    sets = [collect_records(noting, record_type, selection) for record_type in record_types]
    links = wiki_links(source)
    database = build_database(
        sets,
        record_types,
        times=noting.times,
        revids=noting.revids,
        page_url=links.page_url if links is not None else None,
        wiki=links.script if links is not None else "",
        extracted_at=extracted_at,
    )
    return database, sets


def write_database(path: str | os.PathLike[str], database: Database | bytes) -> None:
    """Write a database file atomically (temporary file in its folder, then a rename).

    Raises:
        UnsafePathError: the path is a symbolic link, a folder or a device, its
            folder does not exist, or it cannot be written.
    """
    data = database.data if isinstance(database, Database) else database
    files.write_output(path, data)


#: The first bytes of every SQLite database file.
_HEADER = b"SQLite format 3\x00"


def _open(data: bytes) -> sqlite3.Connection:
    if not data.startswith(_HEADER):  # deserialize() of b"" raises MemoryError
        raise sqlite3.DatabaseError("not a SQLite database")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(data)
    return connection


def _rows(connection: sqlite3.Connection) -> Iterator[str]:
    tables = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()
    for name, sql in tables:
        yield f"table {name}: {sql}"
        for row in connection.execute(f"SELECT * FROM {_quote(name)} ORDER BY rowid"):
            if name == "metadata" and row[0] in _RUN_KEYS:
                continue
            yield json.dumps(row, ensure_ascii=False)


def _rows_or_none(data: bytes) -> list[str] | None:
    try:
        connection = _open(data)
    except sqlite3.Error:
        return None
    try:
        return list(_rows(connection))
    except sqlite3.Error:
        return None  # not a SQLite database, or a damaged one
    finally:
        connection.close()


def same_rows(old: bytes, new: bytes) -> bool:
    """Whether two databases hold the same tables and rows (``extracted_at`` aside).

    Anything that is not a SQLite database differs from everything.
    """
    rows = _rows_or_none(old)
    return rows is not None and rows == _rows_or_none(new)


def database_text(data: bytes) -> str:
    """A database as SQL text (as ``sqlite3``'s ``.dump``), to read or diff.

    Bytes that are not a SQLite database give their text as it is.
    """
    try:
        connection = _open(data)
        try:
            return "".join(line + "\n" for line in _dump(connection))
        finally:
            connection.close()
    except sqlite3.Error:
        return data.decode("utf-8", errors="replace")


def _dump(connection: sqlite3.Connection) -> Iterator[str]:
    # Not Connection.iterdump: Python 3.11's fails on a table name with a quote in it.
    tables = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    for name, sql in tables:
        yield f"{sql};"
        for row in connection.execute(f"SELECT * FROM {_quote(name)} ORDER BY rowid"):
            yield f"INSERT INTO {_quote(name)} VALUES({','.join(map(_literal, row))});"


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return "'" + str(value).replace("'", "''") + "'"
