"""Maps of records: ``records TYPE -f geojson``, its library twin and map file jobs.

Every GeoJSON written is checked by an independent validator (the ``geojson``
package) as RFC 7946 says: a FeatureCollection of Point features, positions
``[longitude, latitude]``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import geojson
import pytest
from click.testing import CliRunner

import wikisync
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.errors import ConfigError
from wikisync.core.geo import dump_geojson, feature_collection
from wikisync.core.pages import PageText
from wikisync.core.records import extract_records
from wikisync.core.schema import load_record_types
from wikisync.ops.collect import record_type_named
from wikisync.ops.geojson import coord_field, format_geojson
from wikisync.ops.jobs.config import config_jobs
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.sources import open_source

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fabmob"

PLACE = load_record_types(
    {
        "place": {
            "templates": ["Lieu"],
            "fields": {"geo": "coord", "nom": "text", "tags": "list", "ouvert": "bool"},
        }
    }
)["place"]

PAGES = [
    PageText("Gare de Lyon", "{{Lieu|geo=48,8443 ; 2,3735|nom=Gare|tags=train, métro}}", 3),
    PageText("Tour Eiffel", "{{Lieu|geo=48°51\u203230\u2033N 2°17\u203240\u2033E|ouvert=oui}}", 4),
    PageText("Sans lieu", "{{Lieu|nom=Quelque part}}", 5),
    PageText("Mal écrit", "{{Lieu|geo=12,5,3}}", 6),
    PageText(
        "Deux", "{{Lieu|geo={{coord|-33.8568|151.2153}}}}\n{{Lieu|geo=0.00000001, -0.00000001}}", 7
    ),
]


def _valid(text: str) -> Any:
    checked = geojson.loads(text)  # the validator's objects (it rounds to 6 decimals)
    assert isinstance(checked, geojson.FeatureCollection)
    assert checked.is_valid, checked.errors()
    for feature in checked["features"]:
        assert isinstance(feature, geojson.Feature) and feature.is_valid
        assert isinstance(feature["geometry"], geojson.Point)
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    return json.loads(text)


def test_format_geojson_is_valid_rfc7946_with_lon_lat_order() -> None:
    found = extract_records(PAGES, PLACE)
    geo = format_geojson(found.records, PLACE)
    data = _valid(geo.text)
    by_id = {feature["id"]: feature for feature in data["features"]}
    assert set(by_id) == {"Deux", "Deux#2", "Gare de Lyon", "Tour Eiffel"}
    assert by_id["Gare de Lyon"]["geometry"]["coordinates"] == [2.3735, 48.8443]
    assert by_id["Deux"]["geometry"]["coordinates"] == [151.2153, -33.8568]
    assert by_id["Deux#2"]["geometry"]["coordinates"] == [0.0, 0.0]  # 7 decimals
    assert "-0.0" not in geo.text
    assert by_id["Tour Eiffel"]["geometry"]["coordinates"] == [2.2944444, 48.8583333]
    assert by_id["Gare de Lyon"]["properties"] == {
        "title": "Gare de Lyon",
        "nom": "Gare",
        "tags": ["train", "métro"],
        "ouvert": None,
    }
    assert geo.count == 4


def test_format_geojson_leaves_out_records_without_a_point_as_problems() -> None:
    found = extract_records(PAGES, PLACE)
    geo = format_geojson(found.records, PLACE)
    left = {(problem.title, problem.field) for problem in geo.problems}
    assert left == {("Sans lieu", "geo"), ("Mal écrit", "geo")}
    assert all("left out of the map" in str(problem) for problem in geo.problems)
    # the bad value itself is the records' own problem, naming the raw text
    assert any(problem.value == "12,5,3" for problem in found.problems)


def test_format_geojson_is_byte_stable_whatever_the_order() -> None:
    first = format_geojson(extract_records(PAGES, PLACE).records, PLACE).text
    again = format_geojson(extract_records(PAGES[::-1], PLACE).records, PLACE).text
    assert first == again
    assert "\r" not in first and first.endswith("}\n")


def test_feature_collection_rounds_to_seven_decimals() -> None:
    data, _ = feature_collection(
        [{"title": "A", "index": 0, "geo": {"lat": 1.123456789, "lon": -2.987654321}}], "geo"
    )
    assert data["features"][0]["geometry"]["coordinates"] == [-2.9876543, 1.1234568]
    assert json.loads(dump_geojson(data, indent=4)) == data


def test_coord_field_needs_a_coord_field() -> None:
    no_coord = load_record_types({"t": {"templates": ["T"], "fields": {"a": "text"}}})["t"]
    with pytest.raises(ConfigError, match="no coord field"):
        coord_field(no_coord)
    with pytest.raises(ConfigError, match='"nom" is no coord field'):
        coord_field(PLACE, "nom")
    assert coord_field(PLACE) == "geo"


# -- on the bundled example, with points added -------------------------------------------

_POINTS = {
    "Atelier": "45,7640 ; 4,8357",
    "Balade": "{{coord|47|13|05|N|1|33|15|W}}",
    "Café": "48.1173, -1.6778",
}


@pytest.fixture
def mapped(tmp_path: Path) -> Path:
    """The example with a coord field on events and points on some of them."""
    folder = tmp_path / "fabmob"
    shutil.copytree(EXAMPLE, folder)
    config = folder / "wikisync.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('shortDescription = "text"', 'shortDescription = "text"\ngeo = "coord"', 1)
    config.write_text(text, encoding="utf-8")
    for prefix, point in _POINTS.items():
        pages = sorted((folder / "mirror" / "_main").glob(f"{prefix}*.wiki"))
        page = next(
            p
            for p in pages
            if p.read_text("utf-8").startswith("{{Event\n") and "Evénement" in p.read_text("utf-8")
        )
        wikitext = page.read_text(encoding="utf-8")
        page.write_text(wikitext.replace("{{Event\n", f"{{{{Event\n|geo={point}\n", 1), "utf-8")
    return folder


def test_records_geojson_command_writes_a_valid_map(mapped: Path) -> None:
    out = mapped / "carte.geojson"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["-c", str(mapped / "wikisync.toml"), "records", "event", "-f", "geojson", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    data = _valid(out.read_text(encoding="utf-8"))
    assert len(data["features"]) == len(_POINTS)
    assert "left out of the map" in result.stderr
    # the closing count says every problem said above it, those left out of the map too
    said = [line for line in result.stderr.splitlines() if "left out of the map" in line]
    summary = result.stderr.splitlines()[-1]  # "wikisync: 15 problems in event pages; …"
    assert "wikisync check event" in summary
    assert int(re.findall(r"\d+", summary)[0]) >= len(said) > 0
    again = runner.invoke(
        cli, ["-c", str(mapped / "wikisync.toml"), "records", "event", "-f", "geojson"]
    )
    assert again.stdout == out.read_text(encoding="utf-8")  # byte-identical rerun


def test_records_geojson_on_a_type_without_coord_field_is_one_line(mapped: Path) -> None:
    result = CliRunner().invoke(
        cli, ["-c", str(mapped / "wikisync.toml"), "records", "actor", "-f", "geojson"]
    )
    assert result.exit_code == 2
    assert "no coord field" in result.stderr and "Traceback" not in result.output


def test_read_geojson_is_the_library_twin(mapped: Path) -> None:
    config = load_config(mapped / "wikisync.toml")
    event = record_type_named(config.types, "event")
    geo, found = wikisync.read_geojson(open_source(config), event)
    assert geo.count == len(_POINTS) and found.records
    assert geo.text == format_geojson(found.records, event).text


def _map_job(folder: Path, table: str) -> None:
    config = folder / "wikisync.toml"
    config.write_text(config.read_text(encoding="utf-8") + table, encoding="utf-8")


def test_map_file_job_writes_only_when_its_bytes_change(mapped: Path) -> None:
    _map_job(mapped, '\n[jobs.carte]\ntype = "event"\nfile = "public/carte.geojson"\n')
    (mapped / "public").mkdir()
    config = load_config(mapped / "wikisync.toml")
    source = open_source(config)
    first = rebuild_jobs(config, source, wikisync.open_target(source), names=["carte"])
    path = mapped / "public" / "carte.geojson"
    (job,) = first.jobs
    assert job.status == "written", job.message
    _valid(path.read_text(encoding="utf-8"))
    stamp = path.stat().st_mtime_ns
    os.utime(path, ns=(stamp - 10**9, stamp - 10**9))
    again = rebuild_jobs(config, open_source(config), None, names=["carte"])
    assert again.jobs[0].status == "unchanged"
    assert path.stat().st_mtime_ns == stamp - 10**9  # not rewritten


def test_map_job_on_a_type_without_coord_field_is_a_config_error(mapped: Path) -> None:
    _map_job(mapped, '\n[jobs.carte]\ntype = "actor"\nfile = "carte.geojson"\n')
    with pytest.raises(ConfigError, match="no coord field") as caught:
        config_jobs(load_config(mapped / "wikisync.toml"))
    assert caught.value.key == "jobs.carte.type"


# -- map sections: the shipped templates and their filters -------------------------------

_RECORDS = [
    {"title": "Gare; [[Spam]] <b>", "index": 0, "geo": {"lat": 48.8443, "lon": -2.3735}},
    {"title": "Sans point", "index": 0, "geo": None},
    {"title": "Tour", "index": 0, "geo": {"lat": 48.8583333333, "lon": 2.2944444444}},
    {"title": "Autre type", "index": 0},  # a record of a type without the field
]


def test_kartographer_template_holds_valid_geojson_that_cannot_close_the_tag() -> None:
    import datetime as dt

    import mwparserfromhell

    from wikisync.core.templating import render_index

    text = render_index(_RECORDS, "map-kartographer.wiki.j2", today=dt.date(2025, 1, 1))
    (tag,) = mwparserfromhell.parse(text).filter_tags(matches=lambda node: node.tag == "mapframe")
    assert str(tag.get("latitude").value) == "46.6" and str(tag.get("zoom").value) == "5"
    body = str(tag.contents).strip()
    assert "<" not in body and ">" not in body and "&" not in body.replace("\\u0026", "")
    data = _valid(body)
    assert [f["properties"]["title"] for f in data["features"]] == [
        "Gare; &#91;&#91;Spam&#93;&#93; &lt;b&gt;",
        "Tour",
    ]


def test_maps_template_lists_points_with_plain_numbers_and_escaped_labels() -> None:
    import datetime as dt

    import mwparserfromhell

    from wikisync.core.templating import render_index

    text = render_index(
        _RECORDS, "map-maps.wiki.j2", today=dt.date(2025, 1, 1), extra={"height": 300}
    )
    # Maps splits the list at ";" before reading entities: each label is <nowiki>
    assert text == (
        "{{#display_map:48.8443,-2.3735~<nowiki>Gare; [[Spam]] &lt;b&gt;</nowiki>;"
        "48.8583333,2.2944444~<nowiki>Tour</nowiki>;|height=300px\n}}"
    )
    code = mwparserfromhell.parse(text)
    assert not code.filter_wikilinks()
    assert [str(tag.tag) for tag in code.filter_tags()] == ["nowiki", "nowiki"]


def test_degrees_writes_plain_numbers() -> None:
    from wikisync.core.render import degrees, map_label

    assert (degrees(-1.55416666), degrees(2), degrees(-0.00000001)) == ("-1.5541667", "2", "0")
    with pytest.raises(ValueError):
        degrees("1")
    assert map_label("a;b</nowiki>") == "<nowiki>a;b&lt;/nowiki&gt;</nowiki>"


# -- whole-page map jobs: configuration -----------------------------------------------------


@pytest.mark.parametrize(
    ("table", "model"),
    [
        ({"page": "GeoJson:Partenaires"}, "GeoJSON"),
        ({"page": "Json:Carte"}, "json"),
        ({"page": "Carte", "content_model": "GeoJSON"}, "GeoJSON"),
    ],
)
def test_map_page_job_takes_its_content_model(table: dict[str, Any], model: str) -> None:
    from wikisync.ops.jobs.config import load_jobs

    jobs = load_jobs({"carte": {"type": "actor", "format": "geojson", **table}})
    assert jobs["carte"].content_model == model and jobs["carte"].format == "geojson"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"page": "Carte", "format": "csv"}, "jobs.carte.format"),
        (
            {"page": "Carte", "format": "geojson", "content_model": "wikitext"},
            "jobs.carte.content_model",
        ),
        (
            {"page": "Carte", "format": "geojson", "page_template": "events"},
            "jobs.carte.page_template",
        ),
        ({"page": "Carte", "format": "geojson", "max_shrink": 2}, "jobs.carte.max_shrink"),
        ({"page": "Carte", "format": "geojson", "marker": "x"}, "jobs.carte.marker"),
        (
            {"page": "Carte", "page_template": "events", "content_model": "json"},
            "jobs.carte.content_model",
        ),
        ({"page": "Carte", "format": "geojson", "type": ["event", "actor"]}, "jobs.carte.type"),
    ],
)
def test_map_page_job_refuses_bad_tables(table: dict[str, Any], key: str) -> None:
    from wikisync.ops.jobs.config import load_jobs

    with pytest.raises(ConfigError) as caught:
        load_jobs({"carte": {"type": "actor", **table}})
    assert caught.value.key == key


def test_map_page_job_on_a_mirror_writes_the_page_and_reruns_unchanged(mapped: Path) -> None:
    _map_job(
        mapped,
        '\n[jobs.carte]\ntype = "event"\npage = "Json:Carte"\nformat = "geojson"\ncreate = true\n',
    )
    config = load_config(mapped / "wikisync.toml")
    source = open_source(config)
    first = rebuild_jobs(config, source, wikisync.open_target(source), names=["carte"])
    assert first.jobs[0].status == "created", first.jobs[0].message
    again = rebuild_jobs(config, open_source(config), None, names=["carte"], dry_run=True)
    assert again.jobs[0].status == "unchanged"


def test_map_page_job_shares_its_page_with_no_other_job(mapped: Path) -> None:
    _map_job(
        mapped,
        '\n[jobs.carte]\ntype = "event"\npage = "Evénements"\nformat = "geojson"\n'
        '\n[jobs.liste]\ntype = "event"\npage = "Evénements"\npage_template = "events"\n',
    )
    config = load_config(mapped / "wikisync.toml")
    report = rebuild_jobs(config, open_source(config), None, names=["carte", "liste"], dry_run=True)
    assert {job.status for job in report.jobs} == {"failed"}
    assert "written whole by job carte" in report.jobs[0].message


def test_import_keeps_each_page_s_form_of_a_point(mapped: Path, tmp_path: Path) -> None:
    import csv

    from wikisync.ops.spreadsheet import export_records, import_records

    config = load_config(mapped / "wikisync.toml")
    event = record_type_named(config.types, "event")
    source = open_source(config)
    path = tmp_path / "events.csv"
    export_records(source, event, path)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    column = rows[0].index("geo")
    moved = {}
    for row in rows[1:]:
        if row[column].startswith("45,7640"):
            row[column] = "45.75, 4.85"  # a new point, written the way a spreadsheet would
            moved["decimal"] = row[0]
        elif row[column].startswith("{{coord"):
            row[column] = "47.2, -1.55"
            moved["coord"] = row[0]
        elif row[column]:
            row[column] = row[column].replace(", ", ",")  # the same point, respelt: no edit
    with (tmp_path / "edited.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter=";").writerows(rows)
    report = import_records(source, wikisync.open_target(source), event, tmp_path / "edited.csv")
    assert report.counts().get("edited") == 2, report.to_dict()
    texts = {page.title: page.wikitext for page in open_source(config).iter_pages()}
    assert "|geo=45,75 ; 4,85\n" in texts[moved["decimal"]]
    assert "|geo={{coord|47.2|-1.55}}\n" in texts[moved["coord"]]


def test_render_prints_a_map_page_job_s_geojson(mapped: Path) -> None:
    _map_job(mapped, '\n[jobs.carte]\ntype = "event"\npage = "Json:Carte"\nformat = "geojson"\n')
    result = CliRunner().invoke(cli, ["-c", str(mapped / "wikisync.toml"), "render", "carte"])
    assert result.exit_code == 0, result.output
    assert len(_valid(result.stdout)["features"]) == len(_POINTS)
    assert '\n    "features": [' in result.stdout  # MediaWiki's own indentation


def test_a_point_prints_as_lat_lon_in_a_page_template() -> None:
    from wikisync.core.render import escape_wikitext

    assert escape_wikitext({"lat": 48.8443, "lon": -2.3735}) == "48.8443, -2.3735"
    assert escape_wikitext({"lat": -1.0, "lon": 2}) == "&#45;1, 2"  # a leading "-" is a list
    assert escape_wikitext({"lat": 1, "lon": 2, "alt": 3}) != "1, 2"


# -- the guards of a map page ---------------------------------------------------------------


def _collection(count: int, job: str = "carte") -> dict[str, Any]:
    from wikisync.core.geo import stamp

    records = [
        {"title": f"P{i}", "index": 0, "geo": {"lat": float(i), "lon": 1.0}} for i in range(count)
    ]
    return stamp(feature_collection(records, "geo")[0], job)


def test_check_map_page_passes_its_own_map_however_mediawiki_spaced_it() -> None:
    from wikisync.core.geo import check_map_page

    old = json.dumps(_collection(10), indent=4)  # MediaWiki's re-indented copy
    check_map_page(old, _collection(6), title="Json:Carte", job="carte")
    _valid(old)  # the mark is a foreign member: still valid GeoJSON


@pytest.mark.parametrize(
    ("old", "message"),
    [
        ('{"type": "FeatureCollection", "features": []}', "holds no map wikisync wrote"),
        (
            json.dumps({**_collection(3), "features": _collection(4)["features"]}),
            "edited by hand",
        ),
    ],
)
def test_check_map_page_refuses_a_page_not_as_wikisync_wrote_it(old: str, message: str) -> None:
    from wikisync.core.errors import HandEditError
    from wikisync.core.geo import check_map_page

    with pytest.raises(HandEditError, match=message) as caught:
        check_map_page(old, _collection(3), title="Json:Carte", job="carte")
    assert caught.value.needs == "force" and caught.value.title == "Json:Carte"
    check_map_page(old, _collection(3), title="Json:Carte", job="carte", force=True)


@pytest.mark.parametrize("old", ["not json", "", "Du texte [[Lyon]]", "{{Acteur|x=1}}"])
def test_check_map_page_refuses_a_page_of_another_content_model_even_forced(old: str) -> None:
    from wikisync.core.errors import SectionError
    from wikisync.core.geo import check_map_page

    for force in (False, True):
        with pytest.raises(SectionError, match="does not hold JSON") as caught:
            check_map_page(old, _collection(3), title="Carte", job="carte", force=force)
        assert caught.value.needs is None and caught.value.title == "Carte"


def test_check_map_page_refuses_a_map_that_loses_too_many_points() -> None:
    from wikisync.core.errors import ShrinkError
    from wikisync.core.geo import check_map_page

    old = json.dumps(_collection(10))
    with pytest.raises(ShrinkError):
        check_map_page(old, _collection(4), title="Json:Carte", job="carte")
    check_map_page(old, _collection(4), title="Json:Carte", job="carte", allow_shrink=True)
    check_map_page(old, _collection(4), title="Json:Carte", job="carte", max_shrink=0.6)


def test_map_page_job_refuses_a_hand_edit_until_forced(mapped: Path) -> None:
    _map_job(
        mapped,
        '\n[jobs.carte]\ntype = "event"\npage = "Json:Carte"\nformat = "geojson"\ncreate = true\n',
    )
    config = load_config(mapped / "wikisync.toml")
    source = open_source(config)
    rebuild_jobs(config, source, wikisync.open_target(source), names=["carte"])
    (page,) = [p for p in (mapped / "mirror").rglob("Json*Carte.wiki")]
    data = json.loads(page.read_text(encoding="utf-8"))
    data["features"][0]["geometry"]["coordinates"] = [0.0, 0.0]  # moved by hand
    page.write_text(json.dumps(data, ensure_ascii=False, indent=4), encoding="utf-8")
    first = rebuild_jobs(config, open_source(config), None, names=["carte"], dry_run=True)
    assert first.jobs[0].status == "refused" and "edited by hand" in first.jobs[0].message
    forced = rebuild_jobs(
        config, open_source(config), None, names=["carte"], dry_run=True, force=True
    )
    assert forced.jobs[0].status == "planned"
