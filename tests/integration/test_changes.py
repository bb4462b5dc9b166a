"""``wikisync changes`` and ``read_changes`` on a real MediaWiki: edits, creations,
deletions, moves, pages leaving a type, a date and a cursor, text and JSONL."""

from __future__ import annotations

import json
import time
from pathlib import Path

import mwclient
import pytest
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.errors import SourceError
from wikisync.core.record_changes import RecordChange, parse_since
from wikisync.ops.changes import read_changes
from wikisync.ops.collect import collect_records, record_type_named
from wikisync.sources import open_source

CATEGORY = "[[Catégorie:Evénement]]"


def _event(place: str, tags: str = "vélo, atelier", end: str = "") -> str:
    end_param = f"|endDate={end}" if end else ""
    return f"{{{{Event|startDate=2026-07-03{end_param}|place={place}|Tags={tags}}}}}\n{CATEGORY}"


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _next_second() -> str:
    """Wait until a new second begins and return it: rows before it are in earlier seconds."""
    start = _now()
    while _now() == start:
        time.sleep(0.05)
    return _now()


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _by_title(changes: list[RecordChange]) -> dict[str, RecordChange]:
    return {change.title: change for change in changes}


def _fields(change: RecordChange) -> dict[str, tuple[object, object]]:
    return {item.field: (item.to_dict()["old"], item.to_dict()["new"]) for item in change.fields}


@pytest.fixture
def history(wiki: TestWiki, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Pages made before ``since``, the record cache warmed, then one change of each kind."""
    monkeypatch.setenv("WIKISYNC_PASSWORD", wiki.bot_password)
    site = _admin(wiki)
    site.pages["Atelier A"].edit(_event("Paris"), summary="avant")
    site.pages["Atelier B"].edit(_event("Nantes"), summary="avant")
    site.pages["Atelier C"].edit(_event("Rennes"), summary="avant")
    site.pages["Atelier D"].edit(_event("Brest"), summary="avant")
    config = load_config(config_file)
    with open_source(config) as source:  # a run that reads the type keeps its records
        collect_records(source, record_type_named(config.types, "event"))
    since = _next_second()
    site.pages["Atelier A"].edit(_event("Lyon", "vélo", "2026-07-05"), summary="lieu")
    site.pages["Atelier E"].edit(_event("Lille"), summary="nouveau")
    site.pages["Atelier B"].delete(reason="doublon")
    site.pages["Atelier C"].move("Atelier C2", reason="titre", no_redirect=True)
    site.pages["Atelier C2"].edit(_event("Vannes"), summary="lieu")
    site.pages["Atelier D"].edit("{{Event|startDate=2026-07-03|place=Brest}}", summary="hors")
    site.pages["Accueil"].edit("Bienvenue, rien à voir.", summary="accueil")
    return {"since": since}


def test_read_changes_edits_creations_deletions_moves(
    wiki: TestWiki, config_file: Path, history: dict[str, str]
) -> None:
    config = load_config(config_file)
    with open_source(config) as source:
        report = read_changes(config, source, ["event"], since=history["since"])
    found = _by_title(report.changes)
    assert set(found) == {"Atelier A", "Atelier E", "Atelier B", "Atelier C2", "Atelier D"}
    assert found["Atelier A"].kind == "changed"
    assert _fields(found["Atelier A"]) == {
        "endDate": (None, "2026-07-05"),
        "place": ("Paris", "Lyon"),
        "Tags": (["vélo", "atelier"], ["vélo"]),
    }
    assert [line.text() for line in found["Atelier A"].fields] == [
        "endDate: ∅ → 2026-07-05",
        "place: Paris → Lyon",
        "Tags: vélo, atelier → vélo",
    ]
    assert found["Atelier E"].kind == "created"
    assert _fields(found["Atelier E"])["place"] == (None, "Lille")
    # deleted: the wiki no longer serves its text; the record cache kept it
    assert found["Atelier B"].kind == "deleted"
    assert found["Atelier B"].old_known
    assert _fields(found["Atelier B"])["place"] == ("Nantes", None)
    # moved then edited: one change, under its new title
    assert found["Atelier C2"].old_title == "Atelier C"
    assert _fields(found["Atelier C2"]) == {"place": ("Rennes", "Vannes")}
    # left the category (infobox kept): no longer a record of the type
    assert found["Atelier D"].kind == "deleted"
    assert report.from_cache >= 2  # A's and C's old revisions were in the record cache
    assert report.cursor.count("|") == 1
    assert not report.beyond_rows


def test_read_changes_without_cache_reads_old_revisions(
    wiki: TestWiki, config_file: Path, history: dict[str, str], tmp_path: Path
) -> None:
    config = load_config(config_file, overrides={"cache": str(tmp_path / "other.sqlite")})
    with open_source(config) as source:
        report = read_changes(config, source, ["event"], since=history["since"])
    found = _by_title(report.changes)
    assert report.from_cache == 0
    assert _fields(found["Atelier A"])["place"] == ("Paris", "Lyon")
    assert _fields(found["Atelier C2"]) == {"place": ("Rennes", "Vannes")}
    # a deleted page the cache never knew: its type cannot be told, it is left out
    assert "Atelier B" not in found


def test_changes_since_cursor_reads_on_without_gap_or_repeat(
    wiki: TestWiki, config_file: Path, history: dict[str, str]
) -> None:
    config = load_config(config_file)
    with open_source(config) as source:
        first = read_changes(config, source, ["event"], since=history["since"])
    site = _admin(wiki)
    site.pages["Atelier E"].edit(_event("Roubaix"), summary="lieu")
    with open_source(config) as source:
        second = read_changes(config, source, ["event"], since=first.cursor)
        third = read_changes(config, source, ["event"], since=second.cursor)
    assert [(c.title, _fields(c)) for c in second.changes] == [
        ("Atelier E", {"place": ("Lille", "Roubaix")})
    ]
    assert third.changes == []
    assert parse_since(third.cursor) == parse_since(second.cursor)


def test_changes_command_reads_a_cursor_file(
    wiki: TestWiki, config_file: Path, history: dict[str, str], tmp_path: Path
) -> None:
    first = _invoke(wiki, config_file, "changes", "event", "--since", history["since"])
    stamp, rcid = first.stderr.split("cursor: ")[1].strip().split("|")
    site = _admin(wiki)
    site.pages["Atelier E"].edit(_event("Roubaix"), summary="lieu")
    # a watcher's cursor file: the place in the recent changes, and more of its own
    cursor = tmp_path / "cursor.json"
    cursor.write_text(
        json.dumps({"version": 1, "timestamp": stamp, "rcid": int(rcid), "seen": {"1": stamp}}),
        encoding="utf-8",
    )
    result = _invoke(wiki, config_file, "changes", "event", "--since", str(cursor), "-f", "jsonl")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["Atelier E"]
    cursor.write_text('{"seen": {}}', encoding="utf-8")
    bad = _invoke(wiki, config_file, "changes", "--since", str(cursor))
    assert bad.exit_code == 2
    assert bad.stderr.strip().splitlines() == [
        f"wikisync: error: since: {cursor} holds no cursor (a JSON object with timestamp "
        "and rcid, or TIMESTAMP|RCID)"
    ]


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_changes_command_text_and_jsonl(
    wiki: TestWiki, config_file: Path, history: dict[str, str]
) -> None:
    text = _invoke(wiki, config_file, "changes", "event", "--since", history["since"])
    assert text.exit_code == 0, text.output
    # a French wiki: the run speaks French
    assert "[event] Atelier A (modifiée)" in text.stdout
    assert "  place: Paris → Lyon" in text.stdout
    assert "[event] Atelier C2 (modifiée, anciennement Atelier C)" in text.stdout
    assert "[event] Atelier E (créée)" in text.stdout
    assert "cursor: " in text.stderr
    cursor = text.stderr.split("cursor: ")[1].strip()
    jsonl = _invoke(
        wiki, config_file, "changes", "event", "--since", history["since"], "-f", "jsonl"
    )
    assert jsonl.exit_code == 0, jsonl.output
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    by_title = {row["title"]: row for row in rows}
    assert by_title["Atelier E"]["change"] == "created"
    assert {"field": "place", "change": "changed", "old": "Paris", "new": "Lyon"} in by_title[
        "Atelier A"
    ]["fields"]
    again = _invoke(wiki, config_file, "changes", "event", "--since", cursor, "-f", "jsonl")
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    # the library twin gives what the command printed
    config = load_config(config_file)
    with open_source(config) as source:
        report = read_changes(config, source, ["event"], since=history["since"])
    assert [change.to_dict() for change in report.changes] == rows


def test_changes_cursor_splits_a_second_by_row_id(
    wiki: TestWiki, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIKISYNC_PASSWORD", wiki.bot_password)
    site = _admin(wiki)
    since = _next_second()
    site.pages["Atelier X"].edit(_event("Metz"), summary="un")
    site.pages["Atelier Y"].edit(_event("Nancy"), summary="deux")
    reply = wiki.api(
        action="query",
        list="recentchanges",
        rcstart=since,
        rcdir="newer",
        rcprop="ids|timestamp|title",
    )
    rows = reply["query"]["recentchanges"]
    first = next(row for row in rows if row["title"] == "Atelier X")
    config = load_config(config_file)
    with open_source(config) as source:
        after_x = read_changes(
            config, source, ["event"], since=f"{first['timestamp']}|{first['rcid']}"
        )
        from_x = read_changes(
            config, source, ["event"], since=f"{first['timestamp']}|{first['rcid'] - 1}"
        )
    # whether or not both edits share a second, the cursor's row id splits them
    assert [change.title for change in after_x.changes] == ["Atelier Y"]
    assert [change.title for change in from_x.changes] == ["Atelier X", "Atelier Y"]


def test_changes_command_defaults_to_the_last_day(
    wiki: TestWiki, config_file: Path, history: dict[str, str]
) -> None:
    result = _invoke(wiki, config_file, "changes", "event", "-f", "jsonl")
    assert result.exit_code == 0, result.output
    rows = {json.loads(line)["title"]: json.loads(line) for line in result.stdout.splitlines()}
    # the pages made before `since` were made within the day: created, as they are now
    assert rows["Atelier A"]["change"] == "created"
    assert {"field": "place", "change": "added", "old": None, "new": "Lyon"} in rows["Atelier A"][
        "fields"
    ]
    assert "Atelier B" in rows  # created and deleted within the day, known to the cache
    assert rows["Atelier E"]["change"] == "created"


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "2026-12-01|abc", '{"rcid": 1}'])
def test_changes_command_bad_since_is_one_line_exit_2(
    wiki: TestWiki, config_file: Path, since: str
) -> None:
    result = _invoke(wiki, config_file, "changes", "--since", since)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert repr(since) in result.stderr


def test_read_changes_on_a_mirror_says_it_keeps_no_history(tmp_path: Path) -> None:
    config = load_config(Path("examples/fabmob/wikisync.toml"))
    with open_source("examples/fabmob/mirror") as source, pytest.raises(SourceError) as caught:
        read_changes(config, source, since="2026-12-01")
    assert "keeps no history" in str(caught.value)
    result = CliRunner().invoke(cli, ["-c", "examples/fabmob/wikisync.toml", "changes"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "keeps no history" in result.stderr
    assert "Traceback" not in result.output
