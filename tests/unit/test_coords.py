"""The ``coord`` field type: every form real pages use, read right or reported.

The real-value corpus (``tests/data/real/coords/corpus.json``, sources in
``tests/data/real/SOURCES.md``) holds values copied from public files with the
value each file's own authors expect; every one must be read to that value
or, where a problem is expected, reported.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import mwparserfromhell
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.errors import ConfigError, ValueFormatError
from wikisync.core.fields.checks import check_field_value, same_value, styled_value
from wikisync.core.fields.coords import (
    Coord,
    Region,
    coord_style,
    format_coord,
    read_coord,
    write_coord,
)
from wikisync.core.fields.values import parse_value, to_json_value
from wikisync.core.pages import PageText
from wikisync.core.records import parse_page
from wikisync.core.schema import FieldSpec, load_record_types
from wikisync.ops.formats import format_records
from wikisync.ops.record_cache import decode_page_records, encode_page_records

REAL = Path(__file__).resolve().parent.parent / "data" / "real"
CORPUS: list[dict[str, Any]] = json.loads((REAL / "coords" / "corpus.json").read_text("utf-8"))


def _close(point: Coord, lat: float, lon: float, tolerance: float = 1e-6) -> bool:
    return math.isclose(point.lat, lat, abs_tol=tolerance) and math.isclose(
        point.lon, lon, abs_tol=tolerance
    )


# -- the corpus ---------------------------------------------------------------------


def test_corpus_holds_at_least_200_values() -> None:
    assert len(CORPUS) >= 200
    assert len({row["raw"] for row in CORPUS}) == len(CORPUS)


def _literal_forms(raw: str) -> set[str]:
    # How a value is spelled in its source file: as is, or as a PHP, JavaScript
    # or Scala string literal (quotes and line ends escaped).
    forms = {raw, raw.replace("'", "\\'"), raw.replace('"', '\\"')}
    return forms | {form.replace("\n", "\\n") for form in forms}


@pytest.mark.parametrize("row", CORPUS, ids=lambda row: row["raw"][:40])
def test_corpus_value_is_copied_from_its_source(row: dict[str, Any]) -> None:
    source = (REAL / "coords" / row["source"]).resolve()
    if not source.exists():
        source = REAL / row["source"]
    text = source.read_text(encoding="utf-8")
    assert any(form in text for form in _literal_forms(row["raw"])), row


@pytest.mark.parametrize("row", CORPUS, ids=lambda row: row["raw"][:40])
def test_corpus_value_is_read_right_or_reported(row: dict[str, Any]) -> None:
    if row.get("expected") == "problem":
        with pytest.raises(ValueFormatError):
            parse_value("coord", row["raw"])
        return
    point = parse_value("coord", row["raw"])
    assert isinstance(point, Coord)
    assert _close(point, row["lat"], row["lon"], row.get("tolerance", 1e-6)), (row, point)


# -- forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wikitext", "lat", "lon"),
    [
        ("48.8566, 2.3522", 48.8566, 2.3522),
        ("48.8566;2.3522", 48.8566, 2.3522),
        ("48,8566 ; 2,3522", 48.8566, 2.3522),
        ("48,8566, 2,3522", 48.8566, 2.3522),
        ("48.856614, 2.3522219", 48.856614, 2.3522219),  # a Page Forms map input's value
        ("48°51′24″N 2°21′08″E", 48.856667, 2.352222),
        ("48°51'24\"N, 2°21'08\"E", 48.856667, 2.352222),
        ("48°51'24''N 2°21'08''E", 48.856667, 2.352222),  # two quotes: wikitext italics
        ("48° 51′ 24,5″ N ; 2° 21′ 8,3″ E", 48.856806, 2.352306),
        ("2°21′08″E 48°51′24″N", 48.856667, 2.352222),
        ("33°51′S 151°12′E", -33.85, 151.2),
        ("48.8566 N, 2.3522 W", 48.8566, -2.3522),
        ("−33.8568, 151.2153", -33.8568, 151.2153),  # a minus sign, U+2212
        ("{{Coord|48|51|24|N|2|21|08|E|type:city}}", 48.856667, 2.352222),
        ("{{coord|48.8566|2.3522|display=inline,title}}", 48.8566, 2.3522),
        ("{{coord|48.8566|N|2.3522|E|format=dms}}", 48.8566, 2.3522),
        ("{{coord|33|51|S|151|12|E}}", -33.85, 151.2),
        ("{{Coord|48.8566|2.3522}}<ref>IGN</ref> <!-- vérifié -->", 48.8566, 2.3522),
    ],
)
def test_parse_value_reads_coordinates(wikitext: str, lat: float, lon: float) -> None:
    point = parse_value("coord", wikitext)
    assert isinstance(point, Coord)
    assert _close(point, lat, lon)
    assert parse_value("coord", mwparserfromhell.parse(wikitext)) == point


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("12,5,3", "written one way only"),  # 12, 5.3 or 12.5, 3
        ("48,85662,3522", "written one way only"),
        ("120, 3", "latitude from -90 to 90"),
        ("45, 200", "longitude from -180 to 180"),
        ("48.85 N, 2.35", "a coordinate"),  # a letter on one angle only
        ("48°N 2°N", "a coordinate"),  # two latitudes
        ("48°61′N 2°E", "a coordinate"),  # 61 minutes
        ("48°51′N 2°21′O", "O is west in French"),
        ("{{coord|48|51|N|2|21|O}}", "O is west in French"),
        ("{{coord|48,85|2,35}}", "decimal points"),
        ("{{coord|48.85|2.35}} {{coord|45.76|4.83}}", "one coordinate"),
        ("{{coord|48.85|2.35}} près de la gare", "one coordinate"),
        ("{{coord missing|France}}", "a coordinate"),
        ("{{coord|1|2|3}}", "a coordinate"),
        ("Paris", "a coordinate"),
        ("48.8566", "a coordinate"),
    ],
)
def test_parse_value_reports_what_it_cannot_read_for_sure(wikitext: str, expected: str) -> None:
    with pytest.raises(ValueFormatError, match=expected) as caught:
        parse_value("coord", wikitext)
    assert caught.value.value == wikitext.strip()


def test_read_coord_names_both_readings_of_an_ambiguous_value() -> None:
    with pytest.raises(ValueFormatError) as caught:
        read_coord("12,5,3")
    assert "12, 5.3" in caught.value.expected and "12.5, 3" in caught.value.expected


# -- region --------------------------------------------------------------------------

FRANCE = {"south": 41.3, "west": -5.2, "north": 51.1, "east": 9.6}


def _place_type(region: dict[str, float] | None = None) -> Any:
    table: dict[str, Any] = {"templates": ["Lieu"], "fields": {"geo": "coord", "name": "text"}}
    if region is not None:
        table["region"] = region
    return load_record_types({"place": table})["place"]


def test_region_reports_a_pair_that_only_fits_swapped() -> None:
    page = PageText("Gare de Lyon", "{{Lieu|geo=2.3735, 48.8443|name=Gare}}")
    found = parse_page(page, _place_type(FRANCE))
    assert found.records[0]["geo"] is None
    (problem,) = found.problems
    assert problem.title == "Gare de Lyon" and problem.field == "geo"
    assert problem.value == "2.3735, 48.8443"
    assert "swapped" in str(problem) and "Gare de Lyon" in str(problem)


def test_region_reports_a_point_outside_it() -> None:
    found = parse_page(PageText("Montréal", "{{Lieu|geo=45.50, -73.57}}"), _place_type(FRANCE))
    (problem,) = found.problems
    assert "in the region" in str(problem) and "swapped" not in str(problem)


def test_without_region_a_swappable_pair_is_read_as_written() -> None:
    found = parse_page(PageText("Gare", "{{Lieu|geo=2.3735, 48.8443}}"), _place_type())
    assert found.records[0]["geo"] == Coord(2.3735, 48.8443)
    assert not found.problems


@pytest.mark.parametrize(
    ("region", "key"),
    [
        ([41, -5, 51, 9], "types.place.region"),
        ({"south": 41, "west": -5, "north": 51}, "types.place.region"),
        ({**FRANCE, "south": "41"}, "types.place.region.south"),
        ({**FRANCE, "south": True}, "types.place.region.south"),
        ({**FRANCE, "south": 52}, "types.place.region"),
        ({**FRANCE, "west": 10}, "types.place.region"),
        ({**FRANCE, "north": 95}, "types.place.region"),
    ],
)
def test_region_rejects_bad_tables(region: Any, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _place_type(region)
    assert caught.value.key == key


def test_region_contains_its_edges() -> None:
    region = Region(41.3, -5.2, 51.1, 9.6)
    assert region.contains(Coord(41.3, -5.2)) and region.contains(Coord(51.1, 9.6))
    assert not region.contains(Coord(41.29, 0))


# -- records, JSON, CSV, cache, checks --------------------------------------------------


def test_record_holds_a_coord_and_its_json_form() -> None:
    found = parse_page(PageText("Tour", "{{Lieu|geo=48°51′30″N 2°17′40″E}}"), _place_type())
    record = found.records[0]
    assert isinstance(record["geo"], Coord)
    geo = record.to_dict()["geo"]
    assert isinstance(geo, dict) and set(geo) == {"lat", "lon"}
    assert json.loads(json.dumps(record.to_dict()))["geo"] == geo
    assert to_json_value(Coord(1.5, -2.0)) == {"lat": 1.5, "lon": -2.0}


def test_csv_writes_a_coord_as_lat_lon() -> None:
    found = parse_page(PageText("Gare", "{{Lieu|geo=48,8443 ; 2,3735}}"), _place_type())
    text = format_records(found.records, "csv", _place_type())
    assert '"48.8443, 2.3735"' in text


def test_record_cache_round_trips_a_coord() -> None:
    found = parse_page(PageText("Gare", "{{Lieu|geo=48,8443 ; 2,3735}}"), _place_type())
    again = decode_page_records(encode_page_records(found))
    assert again == found
    assert type(again.records[0]["geo"]) is Coord


def test_check_field_value_and_same_value_compare_points() -> None:
    spec = FieldSpec("geo", "coord")
    assert check_field_value(spec, "48,8566 ; 2,3522") == Coord(48.8566, 2.3522)
    assert same_value(spec, "48,8566 ; 2,3522", "48.8566, 2.3522")
    assert not same_value(spec, "48.8566, 2.3522", "48.8567, 2.3522")


def test_default_must_be_a_point() -> None:
    with pytest.raises(ConfigError, match="default"):
        load_record_types(
            {"p": {"templates": ["Lieu"], "fields": {"geo": {"type": "coord", "default": "x"}}}}
        )


# -- styles: writing a point as the page already writes one --------------------------------


@pytest.mark.parametrize(
    ("old", "point", "new"),
    [
        ("48.8566, 2.3522", Coord(45.764, 4.8357), "45.764, 4.8357"),
        ("48.8566;2.3522", Coord(45.764, 4.8357), "45.764;4.8357"),
        ("48,8566 ; 2,3522", Coord(45.764, 4.8357), "45,764 ; 4,8357"),
        ("48,8566,2,3522", Coord(45.0, 4.8357), "45, 4,8357"),
        ("48°51′24″N 2°21′08″E", Coord(45.764, -4.8357), "45°45′50.4″N 4°50′8.5″W"),
        ("48°51′24,5″N ; 2°21′08″E", Coord(45.764, 4.8357), "45°45′50,4″N ; 4°50′8,5″E"),
        ("{{Coord|48.8566|2.3522}}", Coord(45.764, 4.8357), "{{Coord|45.764|4.8357}}"),
        ("48°51'24\"N, 2°21'08\"E", Coord(45.764, -4.8357), "45°45'50.4\"N, 4°50'8.5\"W"),
        ("48°51'24''N 2°21'08''E", Coord(-45.764, 4.8357), "45°45'50.4''S 4°50'8.5''E"),
        ("48° 51′ 24″ N, 2° 21′ 8″ E", Coord(45.764, 4.8357), "45°45′50.4″ N, 4°50′8.5″ E"),
        ("48.856614° N, 2.3522219° W", Coord(45.764, -4.8357), "45.764° N, 4.8357° W"),
        ("48,85N;2,35E", Coord(45.764, 4.8357), "45,764N;4,8357E"),
    ],
)
def test_write_coord_keeps_the_form_of_the_value_it_replaces(
    old: str, point: Coord, new: str
) -> None:
    style = coord_style(old)
    assert style is not None
    written = write_coord(point, style)
    assert written == new
    again = read_coord(written) if not written.startswith("{{") else parse_value("coord", written)
    assert isinstance(again, Coord) and _close(again, point.lat, point.lon, 0.5 / 3600)


@pytest.mark.parametrize(
    "text",
    ["", "Paris", "12,5,3", "{{coord missing|x}}", "{{a}}{{b}}", "{{coord|1|2}}<ref>x</ref>"],
)
def test_coord_style_is_none_for_what_is_no_point(text: str) -> None:
    assert coord_style(text) is None


def test_format_coord_uses_at_most_seven_decimals() -> None:
    assert format_coord(Coord(48.85661400001, 2.3522219)) == "48.856614, 2.3522219"
    assert format_coord(Coord(-0.0, 0.0)) == "0, 0"


@pytest.mark.parametrize(
    ("old", "value", "expected"),
    [
        ("48,8566 ; 2,3522", "48.8566, 2.3522", ("48,8566 ; 2,3522", False)),  # same point
        ("{{Coord|48.8566|2.3522}}", "48.8566, 2.3522", ("{{Coord|48.8566|2.3522}}", False)),
        ("48,8566 ; 2,3522", "45.764, 4.8357", ("45,764 ; 4,8357", False)),
        (
            "{{coord|48|51|24|N|2|21|8|E|type:city|display=title}}",
            "45.764, 4.8357",
            ("{{coord|45.764|4.8357|type:city|display=title}}", True),
        ),
        ("", "45.764, 4.8357", ("45.764, 4.8357", False)),  # nothing to follow
        ("à préciser", "45.764, 4.8357", ("45.764, 4.8357", False)),
        ("48,8566 ; 2,3522", "", ("", False)),  # blanking stays blanking
    ],
)
def test_styled_value_writes_a_point_in_the_form_the_page_uses(
    old: str, value: str, expected: tuple[str, bool]
) -> None:
    assert styled_value(FieldSpec("geo", "coord"), old, value) == expected


def test_styled_value_leaves_other_types_alone() -> None:
    assert styled_value(FieldSpec("d", "date"), "3 juillet 2018", "2018-07-04") == (
        "2018-07-04",
        False,
    )


def test_type_fingerprint_sees_the_region() -> None:
    from wikisync.ops.record_cache import type_fingerprint

    assert type_fingerprint(_place_type()) != type_fingerprint(_place_type(FRANCE))
    assert type_fingerprint(_place_type(FRANCE)) == type_fingerprint(_place_type(FRANCE))


# -- properties and hostile values ----------------------------------------------------------


_LAT = st.floats(min_value=-90, max_value=90, allow_nan=False).map(lambda x: round(x, 6))
_LON = st.floats(min_value=-180, max_value=180, allow_nan=False).map(lambda x: round(x, 6))
_STYLES = [
    "48.8566, 2.3522",
    "48.8566;2.3522",
    "48,8566 ; 2,3522",
    "48,8566,2,3522",
    "48°51′24″N 2°21′08″E",
    "48°51′24,5″N ; 2°21′08″E",
    "{{coord|48.8566|2.3522|display=title}}",
]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(lat=_LAT, lon=_LON, old=st.sampled_from(_STYLES))
def test_write_coord_reads_back_the_same_point_in_every_style(
    lat: float, lon: float, old: str
) -> None:
    style = coord_style(old)
    assert style is not None
    written = write_coord(Coord(lat, lon), style)
    again = parse_value("coord", written)
    assert isinstance(again, Coord)
    tolerance = 0.06 / 3600 if style.kind == "dms" else 1e-7  # DMS keeps a tenth of a second
    assert _close(again, lat, lon, tolerance), (written, again)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(text=st.text(st.sampled_from("0123456789.,;:/ -+°′″'\"NSEWOnsew{}|coard\n"), max_size=40))
def test_parse_value_reads_or_reports_any_text(text: str) -> None:
    try:
        point = parse_value("coord", text)
    except ValueFormatError as exc:
        assert exc.expected.startswith(("a coordinate", "one coordinate", "a {{coord}}"))
        return
    assert point is None or (-90 <= point.lat <= 90 and -180 <= point.lon <= 180)


def test_a_huge_value_is_reported_at_once() -> None:
    import time

    started = time.perf_counter()
    for text in ("1 " * 50_000, "1," * 50_000, "°" * 100_000):
        with pytest.raises(ValueFormatError):
            parse_value("coord", text)
    assert time.perf_counter() - started < 1.0
