"""The SQLite database of records against a real MediaWiki: pages, revisions, a file job."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import mwclient
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.ops.database import same_rows

BASE = """
[jobs.base]
type = ["event", "actor"]
file = "fabmob.sqlite"
"""


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _plant(wiki: TestWiki, title: str, text: str) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    site.pages[title].edit(text, summary="test")


def _latest(wiki: TestWiki, title: str) -> dict[str, Any]:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvprop="ids|timestamp")
    revision: dict[str, Any] = reply["query"]["pages"][0]["revisions"][0]
    return revision


def test_records_sqlite_of_the_live_wiki_names_revisions_and_pages(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    title = "Atelier base de données"
    _plant(
        wiki,
        title,
        "{{Event\n|startDate=Juillet 2026\n|Tags=SQL, Datasette\n|place=Lyon}}\n"
        "[[Catégorie:Evénement]]",
    )
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    for output in (first, second):
        result = _invoke(wiki, config_file, "records", "event", "-f", "sqlite", "-o", str(output))
        assert result.exit_code == 0, result.output
    assert same_rows(first.read_bytes(), second.read_bytes())  # nothing changed: same rows
    connection = sqlite3.connect(first)
    row = connection.execute(
        "SELECT startDate, startDate_precision, place, revid FROM event "
        'WHERE title = ? AND "index" = 0',
        (title,),
    ).fetchone()
    revision = _latest(wiki, title)
    assert row == ("2026-07", "month", "Lyon", revision["revid"])
    tags = connection.execute(
        "SELECT value FROM event_Tags WHERE title = ? ORDER BY position", (title,)
    ).fetchall()
    assert tags == [("SQL",), ("Datasette",)]
    page = connection.execute(
        "SELECT revid, timestamp, url FROM pages WHERE title = ?", (title,)
    ).fetchone()
    assert page[:2] == (revision["revid"], revision["timestamp"])
    assert page[2].startswith(f"{wiki.url}/index.php?title=Atelier_base_de_donn")
    counted = connection.execute("SELECT count(*) FROM event").fetchone()[0]
    listed = wiki.api(
        action="query", list="categorymembers", cmtitle="Catégorie:Evénement", cmlimit="max"
    )["query"]["categorymembers"]
    problems = connection.execute("SELECT count(DISTINCT title) FROM problems").fetchone()[0]
    assert counted >= len(listed) - problems > 0
    wiki_address = connection.execute("SELECT value FROM metadata WHERE key = 'wiki'").fetchone()
    assert wiki_address[0].startswith(wiki.url)


def test_a_sqlite_file_job_on_the_live_wiki_rewrites_only_on_change(
    wiki: TestWiki, config_file: Path
) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8") + BASE, "utf-8")
    database = config_file.parent / "fabmob.sqlite"
    written = _invoke(wiki, config_file, "rebuild", "base")
    assert written.exit_code == 0, written.output
    assert "written" in written.output
    data, mtime = database.read_bytes(), database.stat().st_mtime_ns
    quiet = _invoke(wiki, config_file, "rebuild", "base")
    assert quiet.exit_code == 0 and quiet.output == ""
    assert database.stat().st_mtime_ns == mtime and database.read_bytes() == data
    _plant(wiki, "Partenaire ajouté", "{{Acteur\n|Adherent=oui\n}}\n[[Catégorie:Acteur]]")
    again = _invoke(wiki, config_file, "rebuild", "base")
    assert again.exit_code == 0, again.output
    row = sqlite3.connect(database).execute(
        "SELECT Adherent FROM actor WHERE title = 'Partenaire ajouté'"
    )
    assert row.fetchone() == (1,)
