"""The events calendar against a real MediaWiki: page links, revision times, file jobs."""

from __future__ import annotations

import datetime as dt
import urllib.request
from pathlib import Path
from typing import Any

import icalendar
import mwclient
import vobject
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from wikisync.cli import cli

AGENDA = """
[jobs.agenda]
type = "event"
file = "agenda.ics"
"""


def _vobject(text: str) -> Any:
    """Parse with vobject as a client reading this one file would.

    vobject keeps the first VTIMEZONE it sees for a TZID for the whole
    process; forget it, so that each file is read with its own.
    """
    getattr(vobject.icalendar, "__tzidMap").pop("Europe/Paris", None)
    return vobject.readOne(text)


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _get(url: str) -> str:
    assert url.startswith("http://127.0.0.1:"), url
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode("utf-8"))


def _events(text: str) -> dict[str, Any]:
    return {str(e["SUMMARY"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}


def _latest(wiki: TestWiki, title: str) -> dict[str, Any]:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvprop="ids|timestamp")
    revision: dict[str, Any] = reply["query"]["pages"][0]["revisions"][0]
    return revision


def _plant(wiki: TestWiki, title: str, infobox: str) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    site.pages[title].edit(f"{infobox}\n[[Catégorie:Evénement]]", summary="test")


def test_records_ics_of_the_live_wiki_links_pages_and_stamps_revisions(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    title = "Nuit du changement d'heure"
    _plant(
        wiki,
        title,
        "{{Event\n|startDate=2025-10-25T22:00\n|endDate=2025-10-26T06:00\n"
        "|place=Lyon, gare; quai 2\n|shortDescription=Une nuit\\longue\n}}",
    )
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    result = _invoke(wiki, config_file, "records", "event", "-f", "ics", "-o", str(first))
    assert result.exit_code == 0, result.output
    rerun = _invoke(wiki, config_file, "records", "event", "-f", "ics", "-o", str(second))
    assert rerun.exit_code == 0, rerun.output
    assert first.read_bytes() == second.read_bytes()  # nothing changed: the same bytes
    text = first.read_text(encoding="utf-8")
    events = _events(text)
    assert len(_vobject(text).vevent_list) == len(events) > 1
    night = events[title]
    assert night["DTSTART"].dt.astimezone(dt.UTC) == dt.datetime(2025, 10, 25, 20, tzinfo=dt.UTC)
    assert night["DTEND"].dt.astimezone(dt.UTC) == dt.datetime(2025, 10, 26, 5, tzinfo=dt.UTC)
    assert str(night["LOCATION"]) == "Lyon, gare; quai 2"
    assert str(night["DESCRIPTION"]) == "Une nuit\\longue"
    revision = _latest(wiki, title)
    stamp = dt.datetime.fromisoformat(revision["timestamp"].replace("Z", "+00:00"))
    assert night["DTSTAMP"].dt == stamp
    url = str(night["URL"])
    assert url.startswith(f"{wiki.url}/index.php?title=")
    assert "Nuit du changement" in _get(url)  # the link opens the page on the wiki
    assert all(str(event["URL"]).startswith(wiki.url) for event in events.values())


def test_a_file_job_on_the_live_wiki_writes_once_then_on_change(
    wiki: TestWiki, config_file: Path
) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8") + AGENDA, "utf-8")
    agenda = config_file.parent / "agenda.ics"
    written = _invoke(wiki, config_file, "rebuild", "agenda")
    assert written.exit_code == 0, written.output
    assert "written" in written.output
    data, mtime = agenda.read_bytes(), agenda.stat().st_mtime_ns
    quiet = _invoke(wiki, config_file, "rebuild", "agenda")
    assert quiet.exit_code == 0 and quiet.output == ""
    assert agenda.stat().st_mtime_ns == mtime and agenda.read_bytes() == data
    _plant(wiki, "Atelier ajouté", "{{Event\n|startDate=2025-03-29\n|endDate=2025-03-31\n}}")
    again = _invoke(wiki, config_file, "rebuild", "agenda")
    assert again.exit_code == 0, again.output
    added = _events(agenda.read_text(encoding="utf-8"))["Atelier ajouté"]
    assert (added["DTSTART"].dt, added["DTEND"].dt) == (dt.date(2025, 3, 29), dt.date(2025, 4, 1))
