"""Maps from a real MediaWiki: GeoJSON files, JSON pages, map sections, coord batch edits.

The test wiki declares a namespace ``Json`` whose content model is JSON
(tests/mediawiki.py), as the Maps extension's ``GeoJson:`` namespace is
GeoJSON; the Maps extension itself is not installed, so a save with the
``GeoJSON`` content model is refused by the wiki, for real.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geojson
import mwclient
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from wikisync.cli import cli

POINTS = {
    "Carte vélo Lyon": "45,7640 ; 4,8357",
    "Carte marche Nantes": "{{coord|47|13|05|N|1|33|15|W|type:city}}",
    "Carte atelier Rennes": "48°06\u203242\u2033N 1°40\u203240\u2033W",
}

JOBS = """
[jobs.carte_fichier]
type = "event"
file = "carte.geojson"

[jobs.carte_page]
type = "event"
page = "Json:Carte des événements"
format = "geojson"
create = true

[jobs.carte_section]
type = "event"
page = "Carte des événements"
page_template = "map-kartographer"
marker = "carte"
create = true

[jobs.carte_maps]
type = "event"
page = "Carte Maps"
page_template = "map-maps"
create = true
"""


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _plant(wiki: TestWiki, points: dict[str, str]) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    for title, point in points.items():
        site.pages[title].edit(
            f"{{{{Event\n|startDate=2025-06-01\n|geo={point}\n}}}}\n[[Catégorie:Evénement]]",
            summary="test",
        )


def _with_maps(config_file: Path, jobs: str = JOBS) -> None:
    text = config_file.read_text(encoding="utf-8")
    text = text.replace('shortDescription = "text"', 'shortDescription = "text"\ngeo = "coord"', 1)
    config_file.write_text(text + jobs, encoding="utf-8")


def _page_info(wiki: TestWiki, title: str) -> dict[str, Any]:
    reply = wiki.api(
        action="query", prop="info|revisions", titles=title, rvprop="content|ids", rvslots="main"
    )
    page: dict[str, Any] = reply["query"]["pages"][0]
    return page


def _edit_count(wiki: TestWiki) -> int:
    reply = wiki.api(action="query", list="recentchanges", rclimit=500, rctype="edit|new")
    return len(reply["query"]["recentchanges"])


def test_map_jobs_publish_and_a_rerun_changes_nothing(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    _plant(wiki, POINTS)
    _with_maps(config_file)
    first = _invoke(wiki, config_file, "rebuild")
    assert first.exit_code == 0, first.output

    path = tmp_path / "carte.geojson"
    text = path.read_text(encoding="utf-8")
    checked = geojson.loads(text)
    assert checked.is_valid, checked.errors()
    features = {f["id"]: f for f in json.loads(text)["features"]}
    assert set(POINTS) <= set(features)
    assert features["Carte vélo Lyon"]["geometry"]["coordinates"] == [4.8357, 45.764]
    lon, lat = features["Carte marche Nantes"]["geometry"]["coordinates"]
    assert round(lat, 4) == 47.2181 and round(lon, 4) == -1.5542

    page = _page_info(wiki, "Json:Carte des événements")
    assert page["contentmodel"] == "json"
    stored = page["revisions"][0]["slots"]["main"]
    assert stored["contentmodel"] == "json"
    held = json.loads(stored["content"])
    assert held.pop("wikisync")["job"] == "carte_page"  # the page's mark (a foreign member)
    assert held == json.loads(text)

    section = _page_info(wiki, "Carte des événements")
    content = section["revisions"][0]["slots"]["main"]["content"]
    assert "<mapframe " in content and "Carte vélo Lyon" in content
    maps = _page_info(wiki, "Carte Maps")["revisions"][0]["slots"]["main"]["content"]
    assert "{{#display_map:48.1116667,-1.6777778~<nowiki>Carte atelier Rennes</nowiki>;" in maps
    assert ";45.764,4.8357~<nowiki>Carte vélo Lyon</nowiki>;" in maps

    edits, stamp = _edit_count(wiki), path.stat().st_mtime_ns
    revids = {
        title: _page_info(wiki, title)["lastrevid"]
        for title in ("Json:Carte des événements", "Carte des événements", "Carte Maps")
    }
    again = _invoke(wiki, config_file, "rebuild", "--report", "-")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert {job["status"] for job in report["jobs"]} == {"unchanged"}, report
    assert _edit_count(wiki) == edits  # 0 edits
    assert path.stat().st_mtime_ns == stamp  # 0 file rewrites
    for title, revid in revids.items():
        assert _page_info(wiki, title)["lastrevid"] == revid


def test_a_geojson_page_the_wiki_cannot_hold_is_refused_in_one_line(
    wiki: TestWiki, config_file: Path
) -> None:
    _plant(wiki, dict(list(POINTS.items())[:1]))
    _with_maps(
        config_file,
        '\n[jobs.carte]\ntype = "event"\npage = "GeoJson:Partenaires"\nformat = "geojson"\n'
        "create = true\n",
    )
    result = _invoke(wiki, config_file, "rebuild")
    assert result.exit_code == 3, result.output
    assert 'does not know the content model "GeoJSON"' in result.output
    assert "Maps extension" in result.output
    assert "Traceback" not in result.output
    assert "missing" in _page_info(wiki, "GeoJson:Partenaires")  # nothing saved


def test_set_writes_a_point_in_the_form_the_page_uses(wiki: TestWiki, config_file: Path) -> None:
    _plant(
        wiki,
        {
            "Carte vélo Lyon": "45,7640 ; 4,8357",
            "Carte coord": "{{coord|47.2|-1.55|display=title}}",
        },
    )
    _with_maps(config_file, "")
    revid = _page_info(wiki, "Carte vélo Lyon")["lastrevid"]
    same = _invoke(
        wiki, config_file, "set", "event", "geo=45.764, 4.8357", "--where", "geo=45.764, 4.8357"
    )
    assert same.exit_code == 0, same.output
    lyon = _page_info(wiki, "Carte vélo Lyon")
    assert lyon["lastrevid"] == revid  # the same point: no edit
    assert "|geo=45,7640 ; 4,8357\n" in lyon["revisions"][0]["slots"]["main"]["content"]

    moved = _invoke(
        wiki, config_file, "set", "event", "geo=45.75, 4.85", "--where", "startDate=2025-06-01"
    )
    assert moved.exit_code == 0, moved.output
    lyon = _page_info(wiki, "Carte vélo Lyon")["revisions"][0]["slots"]["main"]["content"]
    assert "|geo=45,75 ; 4,85\n" in lyon
    coord = _page_info(wiki, "Carte coord")["revisions"][0]["slots"]["main"]["content"]
    assert "|geo={{coord|45.75|4.85|display=title}}\n" in coord
