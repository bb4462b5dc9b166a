"""Records as a SQLite database: typed columns, child tables, stable rows, safe writes.

Read back through Python's ``sqlite3`` (a consumer that knows nothing of
wikisync) and through Datasette's own Python API.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import load_config
from wikisync.core.dates import read_date
from wikisync.core.errors import ConfigError, UnsafePathError
from wikisync.core.fields.coords import Coord
from wikisync.core.pages import PageText
from wikisync.core.records import Record, RecordSet, extract_records
from wikisync.core.schema import FieldSpec, RecordType, load_record_types
from wikisync.ops.collect import record_type_named
from wikisync.ops.database import (
    build_database,
    database_text,
    read_database,
    same_rows,
    write_database,
)
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.sources import open_source

WHEN = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_SITE", "LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)


PLACE = RecordType(
    "place",
    ("Lieu",),
    ("Lieu",),
    (
        FieldSpec("name"),
        FieldSpec("opened", "date"),
        FieldSpec("seats", "int"),
        FieldSpec("open", "bool"),
        FieldSpec("tags", "list"),
        FieldSpec("where", "coord"),
        FieldSpec("site", "url"),
    ),
)


def _place(title: str, **fields: Any) -> Record:
    values = dict.fromkeys(PLACE.field_names)
    values.update(fields)
    return Record(title, "place", 100 + len(title), values)


RECORDS = (
    _place(
        "Gare de Lyon",
        name="Gare de Lyon",
        opened=read_date("juillet 1849"),
        seats=1200,
        open=True,
        tags=("gare", "Paris", "métro"),
        where=Coord(48.844722, 2.373889),
        site="https://example.org/gare",
    ),
    _place("Halle « O'Neil »", name='Quote "double"', open=False, opened=read_date("2019-05-01")),
)


def _database(records: tuple[Record, ...] = RECORDS, when: dt.datetime = WHEN) -> bytes:
    found = RecordSet("place", records, (), len(records))
    return build_database([found], [PLACE], wiki="https://wiki.example.org", extracted_at=when).data


def _open(data: bytes, tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "out.db"
    write_database(path, data)
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    return connection


def _declared(connection: sqlite3.Connection, table: str) -> dict[str, str]:
    rows = connection.execute("SELECT name, type FROM pragma_table_info(?)", (table,))
    return {row["name"]: row["type"] for row in rows}


def test_build_database_types_each_column(tmp_path: Path) -> None:
    connection = _open(_database(), tmp_path)
    assert _declared(connection, "place") == {
        "title": "TEXT",
        "index": "INTEGER",
        "revid": "INTEGER",
        "name": "TEXT",
        "opened": "TEXT",
        "opened_precision": "TEXT",
        "seats": "INTEGER",
        "open": "BOOLEAN",
        "where_lat": "REAL",
        "where_lon": "REAL",
        "site": "TEXT",
        "extra": "TEXT",
    }
    row = connection.execute("SELECT * FROM place WHERE title = 'Gare de Lyon'").fetchone()
    assert (row["opened"], row["opened_precision"]) == ("1849-07", "month")
    assert (row["seats"], row["open"], row["site"]) == (1200, 1, "https://example.org/gare")
    assert (row["where_lat"], row["where_lon"]) == (48.844722, 2.373889)
    typed = connection.execute(
        "SELECT typeof(seats), typeof(open), typeof(where_lat), typeof(opened) FROM place "
        "WHERE title = 'Gare de Lyon'"
    ).fetchone()
    assert tuple(typed) == ("integer", "integer", "real", "text")
    other = connection.execute("SELECT * FROM place WHERE title = ?", ("Halle « O'Neil »",))
    halle = other.fetchone()
    assert (halle["name"], halle["open"], halle["seats"], halle["where_lat"]) == (
        'Quote "double"',
        0,
        None,
        None,
    )
    assert (halle["opened"], halle["opened_precision"]) == ("2019-05-01", "day")
    assert json.loads(halle["extra"]) == {}


def test_build_database_puts_list_items_in_a_child_table(tmp_path: Path) -> None:
    connection = _open(_database(), tmp_path)
    assert _declared(connection, "place_tags") == {
        "title": "TEXT",
        "index": "INTEGER",
        "position": "INTEGER",
        "value": "TEXT",
    }
    rows = connection.execute('SELECT title, "index", position, value FROM place_tags').fetchall()
    assert [tuple(row) for row in rows] == [
        ("Gare de Lyon", 0, 0, "gare"),
        ("Gare de Lyon", 0, 1, "Paris"),
        ("Gare de Lyon", 0, 2, "métro"),
    ]
    joined = connection.execute(
        'SELECT p.title FROM place p JOIN place_tags t USING (title, "index") '
        "WHERE t.value = 'Paris'"
    ).fetchall()
    assert [row[0] for row in joined] == ["Gare de Lyon"]
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def test_build_database_fills_pages_columns_and_metadata(tmp_path: Path) -> None:
    connection = _open(_database(), tmp_path)
    pages = connection.execute("SELECT * FROM pages").fetchall()
    assert [(p["title"], p["revid"]) for p in pages] == [
        ("Gare de Lyon", 112),
        ("Halle « O'Neil »", 116),
    ]
    metadata = dict(connection.execute("SELECT key, value FROM metadata").fetchall())
    assert set(metadata) == {
        "extracted_at",
        "format_version",
        "schema_fingerprint",
        "types",
        "wiki",
        "wikisync_version",
    }
    assert metadata["extracted_at"] == "2026-12-06T15:00:00Z"
    assert metadata["wiki"] == "https://wiki.example.org" and metadata["types"] == "place"
    assert len(metadata["schema_fingerprint"]) == 64
    where = connection.execute(
        'SELECT "column", field, field_type, part FROM columns WHERE "table" = \'place\' '
        "AND field = 'where'"
    ).fetchall()
    assert [tuple(row) for row in where] == [
        ("where_lat", "where", "coord", "lat"),
        ("where_lon", "where", "coord", "lon"),
    ]


def test_the_schema_fingerprint_follows_the_tables_only() -> None:
    def fingerprint(data: bytes) -> str:
        connection = sqlite3.connect(":memory:")
        connection.deserialize(data)
        row = connection.execute("SELECT value FROM metadata WHERE key = 'schema_fingerprint'")
        return str(row.fetchone()[0])

    first = fingerprint(_database())
    assert fingerprint(_database(RECORDS[:1], LATER)) == first  # other rows, same tables
    wider = RecordType("place", (), ("Lieu",), (*PLACE.fields, FieldSpec("note")))
    found = RecordSet("place", (), (), 0)
    assert fingerprint(build_database([found], [wider]).data) != first


def test_same_records_give_the_same_rows_whenever_they_are_read() -> None:
    first, later = _database(when=WHEN), _database(when=LATER)
    assert first != later  # extracted_at differs…
    assert same_rows(first, later)  # …and nothing else
    changed = _place("Gare de Lyon", name="Gare de Lyon", seats=1201)
    assert not same_rows(first, _database((changed, RECORDS[1])))
    assert not same_rows(first, _database(RECORDS[:1]))
    assert not same_rows(b"not a database", first)
    assert not same_rows(b"", first)


def test_a_whole_number_past_64_bits_is_left_empty_and_reported(tmp_path: Path) -> None:
    huge = _place("Stade", seats=2**70)
    found = RecordSet("place", (huge,), (), 1)
    database = build_database([found], [PLACE], extracted_at=WHEN)
    (problem,) = database.problems
    assert (problem.type, problem.title, problem.field, problem.value) == (
        "place",
        "Stade",
        "seats",
        str(2**70),
    )
    connection = _open(database.data, tmp_path)
    assert connection.execute("SELECT seats FROM place").fetchone()[0] is None
    row = connection.execute("SELECT type, title, field, expected FROM problems").fetchone()
    assert tuple(row) == ("place", "Stade", "seats", "a whole number of at most 64 bits")


def test_a_coord_column_holding_something_else_is_left_empty_and_reported(tmp_path: Path) -> None:
    odd = _place("Quai", where="48.84, 2.37")  # text where a Coord belongs
    database = build_database([RecordSet("place", (odd,), (), 1)], [PLACE], extracted_at=WHEN)
    assert [(p.field, p.expected) for p in database.problems] == [("where", "a coordinate")]
    row = _open(database.data, tmp_path).execute("SELECT where_lat, where_lon FROM place")
    assert tuple(row.fetchone()) == (None, None)


def test_coordinates_read_from_pages_become_lat_and_lon_columns(tmp_path: Path) -> None:
    (lieu,) = load_record_types(
        {"lieu": {"templates": ["Lieu"], "fields": {"geo": "coord", "nom": "text"}}}
    ).values()
    pages = [
        PageText("Gare", "{{Lieu|geo=48°51\u203224\u2033N 2°21\u203208\u2033E|nom=Gare}}", revid=3),
        PageText("Port", "{{Lieu|geo=43,2965 ; 5,3698|nom=Port}}", revid=4),
        PageText("Nulle part", "{{Lieu|geo=quelque part|nom=?}}", revid=5),
    ]
    data = build_database([extract_records(pages, lieu)], [lieu], extracted_at=WHEN).data
    connection = _open(data, tmp_path)
    rows = connection.execute("SELECT title, geo_lat, geo_lon FROM lieu ORDER BY title")
    got = {row["title"]: (row["geo_lat"], row["geo_lon"]) for row in rows}
    assert got["Gare"] == pytest.approx((48.856667, 2.352222), abs=1e-6)
    assert got["Port"] == pytest.approx((43.2965, 5.3698))
    assert got["Nulle part"] == (None, None)
    problem = connection.execute("SELECT title, field FROM problems").fetchone()
    assert tuple(problem) == ("Nulle part", "geo")


def test_names_with_quotes_and_spaces_are_tables_and_columns(tmp_path: Path) -> None:
    odd = RecordType(
        'l\'"odd" type',
        (),
        ("X",),
        (FieldSpec('a "b"'), FieldSpec("villes d'implantation", "list"), FieldSpec("x]y", "int")),
    )
    record = Record("P", odd.name, 1, {'a "b"': "v", "villes d'implantation": ("Lyon",), "x]y": 3})
    data = build_database([RecordSet(odd.name, (record,), (), 1)], [odd]).data
    connection = _open(data, tmp_path)
    row = connection.execute('SELECT "a ""b""", "x]y" FROM "l\'""odd"" type"').fetchone()
    assert tuple(row) == ("v", 3)
    items = connection.execute('SELECT value FROM "l\'""odd"" type_villes d\'implantation"')
    assert [tuple(item) for item in items] == [("Lyon",)]
    copy = sqlite3.connect(":memory:")
    copy.executescript(database_text(data))  # the SQL text is a faithful dump
    assert copy.execute('SELECT "a ""b""" FROM "l\'""odd"" type"').fetchone()[0] == "v"


@pytest.mark.parametrize(
    ("types", "words"),
    [
        ({"pages": {"templates": ["X"]}}, 'would be the table "pages"'),
        ({"Metadata": {"templates": ["X"]}}, 'would be the table "Metadata"'),
        ({"sqlite_stat": {"templates": ["X"]}}, 'may not be named "sqlite_stat"'),
        ({"event": {"templates": ["X"]}, "EVENT": {"templates": ["Y"]}}, "the table of type"),
        (
            {
                "event": {"templates": ["X"], "fields": {"tags": "list"}},
                "event_tags": {"templates": ["Y"]},
            },
            'would be the table "event_tags"',
        ),
        ({"event": {"templates": ["X"], "fields": {"Tags": "text", "tags": "int"}}}, '"tags"'),
        (
            {"event": {"templates": ["X"], "fields": {"d": "date", "d_precision": "text"}}},
            '"d_precision"',
        ),
        ({"event": {"templates": ["X"], "fields": {"Revid": "text"}}}, '"Revid"'),
    ],
)
def test_names_that_would_clash_in_sqlite_are_refused(types: dict[str, Any], words: str) -> None:
    record_types = list(load_record_types(types).values())
    sets = [RecordSet(record_type.name) for record_type in record_types]
    with pytest.raises(ConfigError) as caught:
        build_database(sets, record_types)
    assert words in str(caught.value)
    assert str(caught.value).startswith("type ")


def test_write_database_replaces_atomically_and_never_through_a_link(tmp_path: Path) -> None:
    path = tmp_path / "fabmob.db"
    write_database(path, _database())
    write_database(path, _database(RECORDS[:1]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fabmob.db"]  # no temporary left
    assert sqlite3.connect(path).execute("SELECT count(*) FROM place").fetchone()[0] == 1
    elsewhere = tmp_path / "elsewhere.db"
    elsewhere.write_bytes(b"keep")
    link = tmp_path / "link.db"
    link.symlink_to(elsewhere)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        write_database(link, _database())
    assert elsewhere.read_bytes() == b"keep" and link.is_symlink()


# --- the command and the library on the bundled example ---------------------------------


def _cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args])


def test_records_sqlite_writes_every_type_of_the_configuration(example: Path) -> None:
    config = example / "wikisync.toml"
    output = example / "fabmob.db"
    result = _cli(config, "records", "-f", "sqlite", "-o", str(output))
    assert result.exit_code == 0, result.output
    assert f"wrote {output}" in result.stderr
    connection = sqlite3.connect(output)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"event", "actor", "commun", "project", "community"} <= tables
    assert {"pages", "problems", "columns", "metadata", "event_Tags"} <= tables
    counts = {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        for name in ("event", "problems")
    }
    assert counts == {"event": 14, "problems": 5}  # as 'records event' and 'check' find
    loaded = load_config(config)
    record_types = [record_type_named(loaded.types, name) for name in loaded.types]
    _database, sets = read_database(open_source(loaded), record_types)
    json_rows = json.loads(_cli(config, "records", "event").stdout)
    rows = connection.execute('SELECT title, startDate, "index" FROM event').fetchall()
    assert sorted(rows) == sorted((r["title"], r["startDate"], r["index"]) for r in json_rows)
    assert len(sets[0].records) == 14


def test_records_sqlite_of_named_types_and_the_same_rows_on_a_rerun(example: Path) -> None:
    config = example / "wikisync.toml"
    first, second = example / "a.db", example / "b.db"
    assert (
        _cli(config, "records", "event", "actor", "-f", "sqlite", "-o", str(first)).exit_code == 0
    )
    assert (
        _cli(config, "records", "event", "actor", "-f", "sqlite", "-o", str(second)).exit_code == 0
    )
    assert same_rows(first.read_bytes(), second.read_bytes())
    types = sqlite3.connect(first).execute("SELECT value FROM metadata WHERE key = 'types'")
    assert types.fetchone()[0] == "event, actor"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["records", "-f", "sqlite"], "give it with -o FILE"),
        (["records", "event", "actor", "-f", "json"], "writes the records of one TYPE, got 2"),
        (["records", "-f", "csv"], "writes the records of one TYPE, got 0"),
        (["records", "evnt", "-f", "sqlite", "-o", "x.db"], "unknown record type 'evnt'"),
        (["records", "-f", "sqlite", "-o", "no/such/folder/x.db"], "does not exist"),
    ],
)
def test_records_sqlite_bad_input_is_one_line_and_exit_2(
    example: Path, args: list[str], words: str
) -> None:
    os.chdir(example)
    result = _cli(example / "wikisync.toml", *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output
    assert not (example / "x.db").exists()


SQLITE_JOB = """
[jobs.base]
description = "Every record, for Datasette"
type = ["event", "actor"]
file = "public/fabmob.db"
"""


def _rebuild(config: Path) -> str:
    loaded = load_config(config)
    report = rebuild_jobs(loaded, open_source(loaded), None, names=("base",))
    assert run_exit_code(report.outcomes()) == 0, [job.message for job in report.jobs]
    (job,) = report.jobs
    return job.status


def test_a_sqlite_file_job_writes_once_and_again_only_when_rows_change(example: Path) -> None:
    config = example / "wikisync.toml"
    config.write_text(config.read_text(encoding="utf-8") + SQLITE_JOB, encoding="utf-8")
    (example / "public").mkdir()
    database = example / "public" / "fabmob.db"
    assert _rebuild(config) == "written"
    first = database.read_bytes()
    stat = database.stat()
    os.utime(database, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))
    before = database.stat()
    assert _rebuild(config) == "unchanged"  # a later extraction time alone is no change
    after = database.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert database.read_bytes() == first
    page = example / "mirror" / "_main" / "Atelier de l'été 2027 — rétrofit électrique.wiki"
    page.write_text(
        page.read_text(encoding="utf-8").replace("2018-01-04", "2018-01-03"), encoding="utf-8"
    )
    assert _rebuild(config) == "written"
    row = sqlite3.connect(database).execute(
        "SELECT startDate FROM event WHERE title = ?",
        ("Atelier de l'été 2027 — rétrofit électrique",),
    )
    assert row.fetchone()[0] == "2018-01-03"


def test_a_sqlite_file_job_dry_run_shows_rows_and_render_prints_sql(example: Path) -> None:
    config = example / "wikisync.toml"
    config.write_text(config.read_text(encoding="utf-8") + SQLITE_JOB, encoding="utf-8")
    (example / "public").mkdir()
    planned = _cli(config, "rebuild", "base", "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert '+INSERT INTO "event" VALUES(' in planned.stdout
    assert not (example / "public" / "fabmob.db").exists()
    rendered = _cli(config, "render", "base")
    assert rendered.exit_code == 0, rendered.output
    copy = sqlite3.connect(":memory:")
    copy.executescript(rendered.stdout)
    assert copy.execute("SELECT count(*) FROM actor").fetchone()[0] == 8


def test_a_file_job_refuses_a_database_that_is_a_link(example: Path, tmp_path: Path) -> None:
    config = example / "wikisync.toml"
    config.write_text(config.read_text(encoding="utf-8") + SQLITE_JOB, encoding="utf-8")
    (example / "public").mkdir()
    target = tmp_path / "other.db"
    target.write_bytes(b"keep")
    (example / "public" / "fabmob.db").symlink_to(target)
    result = _cli(config, "rebuild", "base")
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.stderr
    assert target.read_bytes() == b"keep"


# --- Datasette, a real consumer --------------------------------------------------------


def test_datasette_opens_the_database_with_the_documented_tables(example: Path) -> None:
    from datasette.app import Datasette

    config = example / "wikisync.toml"
    output = example / "fabmob.db"
    assert _cli(config, "records", "-f", "sqlite", "-o", str(output)).exit_code == 0

    async def explore() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
        datasette = Datasette([str(output)])
        listing = (await datasette.client.get("/fabmob.json")).json()
        events = await datasette.client.get("/fabmob/event.json?_shape=array&_sort=title&_size=max")
        details = await datasette.get_database("fabmob").table_column_details("event")
        return listing, events.json(), {column.name: column.type for column in details}

    listing, events, columns = asyncio.run(explore())
    tables = {table["name"]: table for table in listing["tables"]}
    assert {"pages", "problems", "columns", "metadata", "event", "event_Tags"} <= set(tables)
    assert tables["event"]["count"] == 14 and tables["pages"]["count"] == 32
    assert tables["event"]["primary_keys"] == ["title", "index"]
    assert len(events) == 14 and {"startDate", "startDate_precision"} <= set(events[0])
    assert columns["startDate"] == "TEXT" and columns["revid"] == "INTEGER"
    assert columns["startDate_precision"] == "TEXT"


def test_the_library_twin_gives_the_rows_the_command_writes(example: Path) -> None:
    import wikisync

    config = wikisync.load_config(example / "wikisync.toml")
    types = [wikisync.record_type_named(config.types, name) for name in ("event", "actor")]
    database, sets = wikisync.read_database(wikisync.open_source(config), types)
    assert [found.type for found in sets] == ["event", "actor"]
    library = example / "library.db"
    wikisync.write_database(library, database)
    printed = example / "printed.db"
    result = _cli(
        example / "wikisync.toml", "records", "event", "actor", "-f", "sqlite", "-o", str(printed)
    )
    assert result.exit_code == 0, result.output
    assert same_rows(library.read_bytes(), printed.read_bytes())


def test_records_sqlite_to_standard_output_writes_the_database_bytes(example: Path) -> None:
    result = _cli(example / "wikisync.toml", "records", "event", "-f", "sqlite", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"SQLite format 3\x00")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(result.stdout_bytes)
    assert connection.execute("SELECT count(*) FROM event").fetchone()[0] == 14
