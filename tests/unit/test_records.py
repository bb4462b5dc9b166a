"""Unit tests for wikisync.core.records: infoboxes to typed records and problems."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from wikisync.core.errors import RecordError
from wikisync.core.fields.values import DateValue
from wikisync.core.pages import PageText
from wikisync.core.records import Record, RecordSet, extract_records, parse_page
from wikisync.core.schema import RecordType, load_record_types
from wikisync.presets import load_preset

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "records"
GOLDEN = sorted(FIXTURES.glob("*.wiki"))

TYPES = load_record_types(tomllib.loads(load_preset())["types"])
EVENT = TYPES["event"]


def _page(wikitext: str, title: str = "Meetup open Transport 35", revid: int = 7) -> PageText:
    return PageText(title, wikitext, revid)


def _custom_type(fields: dict[str, Any]) -> RecordType:
    return load_record_types({"event": {"templates": ["Event"], "fields": fields}})["event"]


def _messages(problems: tuple[RecordError, ...]) -> list[str]:
    return [str(problem) for problem in problems]


# -- golden files -------------------------------------------------------------------


@pytest.mark.parametrize("wiki", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_parse_page_matches_golden_records(wiki: Path) -> None:
    expected = json.loads(wiki.with_suffix(".json").read_text(encoding="utf-8"))
    first = expected[0]
    page = PageText(first["title"], wiki.read_text(encoding="utf-8"), first["revid"])
    found = parse_page(page, TYPES[first["type"]])
    assert [record.to_dict() for record in found.records] == expected


def test_golden_fixtures_cover_every_preset_type() -> None:
    covered = {json.loads(p.with_suffix(".json").read_text())[0]["type"] for p in GOLDEN}
    assert covered == set(TYPES)


@pytest.mark.parametrize("wiki", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_parse_page_leaves_clean_fixtures_without_problems(wiki: Path) -> None:
    expected = json.loads(wiki.with_suffix(".json").read_text(encoding="utf-8"))
    page = PageText(expected[0]["title"], wiki.read_text(encoding="utf-8"))
    found = parse_page(page, TYPES[expected[0]["type"]])
    if wiki.stem == "event-problems":
        assert len(found.problems) == 3
    else:
        assert found.problems == ()


def test_parse_page_reports_every_problem_of_the_problem_fixture() -> None:
    wikitext = (FIXTURES / "event-problems.wiki").read_text(encoding="utf-8")
    found = parse_page(_page(wikitext), EVENT)
    assert [(p.title, p.field, p.value) for p in found.problems] == [
        ("Meetup open Transport 35", "place", "Cantine numérique, Nantes"),
        ("Meetup open Transport 35", "endDate", "day"),
        ("Meetup open Transport 35", "url", "pas encore de site"),
    ]
    assert _messages(found.problems)[1] == (
        'Page "Meetup open Transport 35": field "endDate" should be a date, got "day"'
    )


# -- one infobox ------------------------------------------------------------------


def test_parse_page_types_every_field() -> None:
    record_type = _custom_type(
        {
            "text": "text",
            "raw": {"type": "wikitext", "params": "text"},
            "date": "date",
            "list": "list",
            "page": "page",
            "file": "file",
            "url": "url",
            "int": "int",
            "bool": "bool",
            "enum": {"type": "enum", "values": ["Atelier", "Conférence"]},
        }
    )
    wikitext = (
        "{{Event\n|text='''Vélo''' [[Rennes|à Rennes]]\n|date=1er mai 2019\n"
        "|list=a, b; c\n|page=[[nantes]]\n|file=logo.png\n|url=https://x.org/?a=1#b\n"
        "|int=1 200\n|bool=non\n|enum=atelier\n}}"
    )
    record = parse_page(_page(wikitext), record_type).records[0]
    assert dict(record.fields) == {
        "text": "Vélo à Rennes",
        "raw": "'''Vélo''' [[Rennes|à Rennes]]",
        "date": DateValue(2019, 5, 1),
        "list": ("a", "b", "c"),
        "page": "Nantes",
        "file": "Logo.png",
        "url": "https://x.org/?a=1#b",
        "int": 1200,
        "bool": False,
        "enum": "Atelier",
    }


@pytest.mark.parametrize(
    ("field_type", "value", "expected"),
    [
        ("date", "day", "a date"),
        ("int", "beaucoup", "a whole number"),
        ("bool", "peut-être", "yes or no (oui/non, true/false, 1/0)"),
        ("url", "voir le site", "a URL (https://…)"),
        ("file", "pas d'image", "a file name (name.ext)"),
        ("page", "[[A]] et [[B]]", "one page"),
    ],
)
def test_parse_page_reports_a_value_that_does_not_parse(
    field_type: str, value: str, expected: str
) -> None:
    record_type = _custom_type({"field": field_type})
    found = parse_page(_page(f"{{{{Event|field={value}}}}}"), record_type)
    assert found.records[0].fields["field"] is None
    (problem,) = found.problems
    assert (problem.title, problem.field, problem.value) == (
        "Meetup open Transport 35",
        "field",
        value,
    )
    assert str(problem) == (
        f'Page "Meetup open Transport 35": field "field" should be {expected}, got "{value}"'
    )


def test_parse_page_shortens_long_values_in_messages() -> None:
    value = "pas une date " * 20
    found = parse_page(_page(f"{{{{Event|startDate={value}}}}}"), EVENT)
    (problem,) = found.problems
    assert problem.value == value.strip()
    assert len(str(problem)) < 200
    assert str(problem).endswith('..."')


def test_parse_page_keeps_unknown_params_raw_in_extra() -> None:
    wikitext = "{{Event|startDate=2020-01-02|organisateur=[[Asso X]]|1=positionnel| vide =}}"
    record = parse_page(_page(wikitext), EVENT).records[0]
    assert dict(record.extra) == {"organisateur": "[[Asso X]]", "1": "positionnel", "vide": ""}


def test_parse_page_sets_absent_optional_fields_to_none() -> None:
    record = parse_page(_page("{{Event|startDate=2020-01-02}}"), EVENT).records[0]
    assert list(record.fields) == list(EVENT.field_names)
    assert {name for name, value in record.fields.items() if value is None} == set(
        EVENT.field_names
    ) - {"startDate"}


@pytest.mark.parametrize(
    "wikitext",
    [
        "{{Event|place=Rennes}}",
        "{{Event|startDate=|place=Rennes}}",
        "{{Event|startDate=<!-- à compléter -->|place=Rennes}}",
        "{{Event|startDate=  \n|place=Rennes}}",
    ],
)
def test_parse_page_reports_a_missing_required_field(wikitext: str) -> None:
    found = parse_page(_page(wikitext), EVENT)
    assert found.records[0].fields["startDate"] is None
    (problem,) = found.problems
    assert problem.field == "startDate"
    assert problem.value is None
    assert str(problem) == (
        'Page "Meetup open Transport 35": field "startDate" is required but has no value '
        '(template parameter "startDate")'
    )


def test_parse_page_keeps_the_last_duplicated_param_and_warns() -> None:
    wikitext = "{{Event|startDate=2019-01-01|Tags=a|startDate=2 février 2019}}"
    found = parse_page(_page(wikitext), EVENT)
    assert found.records[0].fields["startDate"] == DateValue(2019, 2, 2)
    (problem,) = found.problems
    assert (problem.field, problem.value) == ("startDate", "2 février 2019")
    assert 'parameter "startDate" is given twice' in str(problem)
    assert "the last value" in str(problem)


def test_parse_page_warns_about_duplicated_unknown_params() -> None:
    found = parse_page(_page("{{Event|startDate=2019|x=1|x=2}}"), EVENT)
    assert found.records[0].extra == {"x": "2"}
    assert [(p.field, p.value) for p in found.problems] == [(None, "2")]


@pytest.mark.parametrize(
    ("wikitext", "place"),
    [
        ("{{Event|startDate=2019|Lieu=Lyon}}", "Lyon"),
        ("{{Event|startDate=2019|place=Rennes|Lieu=Lyon}}", "Rennes"),
        ("{{Event|startDate=2019|Lieu=Lyon|place=Rennes}}", "Rennes"),
        ("{{Event|startDate=2019|place=|Lieu=Lyon}}", "Lyon"),
    ],
)
def test_parse_page_reads_param_aliases_in_schema_order(wikitext: str, place: str) -> None:
    record = parse_page(_page(wikitext), EVENT).records[0]
    assert record.fields["place"] == place
    assert record.extra == {}


def test_parse_page_uses_defaults_for_absent_values() -> None:
    record_type = _custom_type(
        {
            "status": {"type": "enum", "values": ["prévu", "annulé"], "default": "prévu"},
            "open": {"type": "bool", "default": True},
            "tags": {"type": "list", "default": ["a", "b"]},
            "needed": {"type": "text", "required": True, "default": "rien"},
        }
    )
    found = parse_page(_page("{{Event|open=}}"), record_type)
    assert dict(found.records[0].fields) == {
        "status": "prévu",
        "open": True,
        "tags": ("a", "b"),
        "needed": "rien",
    }
    assert found.problems == ()


@pytest.mark.parametrize(
    "name",
    ["Event", "event", "Modèle:Event", "Evénement", "evénement", "Événement", "Event\n", "E_vent"],
)
def test_parse_page_finds_the_infobox_under_any_alias(name: str) -> None:
    found = parse_page(_page(f"{{{{{name}|startDate=2021-09-20}}}}"), EVENT)
    if name == "E_vent":
        assert found.records == ()
    else:
        assert found.records[0].fields["startDate"] == DateValue(2021, 9, 20)


def test_parse_page_ignores_other_templates() -> None:
    wikitext = "{{Bandeau|texte=x}}\n{{Event|startDate=2021-09-20|Tags={{!}}a}}\n{{Clear}}"
    found = parse_page(_page(wikitext), EVENT)
    assert len(found.records) == 1
    assert found.problems == ()


@pytest.mark.parametrize(
    "wikitext",
    [
        '<div class="fiche">\n{{Event|startDate=2021-09-20}}\n</div>',
        "{{Boîte|contenu={{Event|startDate=2021-09-20}}}}",
    ],
)
def test_parse_page_finds_infoboxes_inside_tags_and_templates(wikitext: str) -> None:
    found = parse_page(_page(wikitext), EVENT)
    assert [r.fields["startDate"] for r in found.records] == [DateValue(2021, 9, 20)]


# -- page-level problems ------------------------------------------------------------


def test_parse_page_reports_a_page_without_infobox() -> None:
    found = parse_page(_page("Juste du texte.\n{{Bandeau}}\n[[Catégorie:Evénement]]"), EVENT)
    assert found.records == ()
    (problem,) = found.problems
    assert (problem.title, problem.field, problem.value) == (
        "Meetup open Transport 35",
        None,
        None,
    )
    assert str(problem) == (
        'Page "Meetup open Transport 35": no {{Event}} infobox '
        "(looked for Event, Evénement, Événement)"
    )


@pytest.mark.parametrize(
    "wikitext",
    [
        "{{Event|startDate=2018-07-03\n|place=[[Rennes]]\n",
        "intro\n{{Event\n|startDate=2018-07-03|Tags={{Étiquette}}\n\nfin",
        "<div>{{événement|startDate=2018-07-03}</div>",
    ],
)
def test_parse_page_reports_an_unclosed_infobox(wikitext: str) -> None:
    found = parse_page(_page(wikitext), EVENT)
    assert found.records == ()
    (problem,) = found.problems
    assert problem.field is None
    assert "is not closed" in str(problem)


def test_parse_page_reports_unclosed_infobox_after_a_closed_one() -> None:
    wikitext = "{{Event|startDate=2018-07-03}}\n{{Event|startDate=2019-07-03\n"
    found = parse_page(_page(wikitext), EVENT)
    assert len(found.records) == 1
    assert ["is not closed" in m for m in _messages(found.problems)] == [True]


def test_parse_page_ignores_unclosed_other_templates() -> None:
    found = parse_page(_page("{{Event|startDate=2018-07-03}}\n{{Bandeau|x\n"), EVENT)
    assert found.problems == ()


def test_parse_page_gives_one_record_per_infobox() -> None:
    wikitext = (
        "{{Event|startDate=2018-07-03|Tags=a}}\ntexte\n"
        "{{Evénement|startDate=day}}\n"
        "{{Event|startDate=Juillet 2023}}"
    )
    found = parse_page(_page(wikitext, revid=99), EVENT)
    assert [(r.index, r.revid, r.fields["startDate"]) for r in found.records] == [
        (0, 99, DateValue(2018, 7, 3)),
        (1, 99, None),
        (2, 99, DateValue(2023, 7, precision="month")),
    ]
    assert _messages(found.problems) == [
        'Page "Meetup open Transport 35" (infobox 2): field "startDate" should be a date, got "day"'
    ]


# -- records and batches ----------------------------------------------------------


def test_record_to_dict_has_the_json_shape() -> None:
    wikitext = "{{Acteur|name=Vélo & Co|Adherent=oui|Tags=a,b|autre=x}}"
    record = parse_page(_page(wikitext, title="Vélo & Co", revid=5), TYPES["actor"]).records[0]
    data = record.to_dict()
    assert list(data) == [
        "title",
        "type",
        "revid",
        "index",
        "name",
        "villes d'implantation",
        "Adherent",
        "actorType",
        "url",
        "Tags",
        "Main_Picture",
        "extra",
    ]
    assert data["type"] == "actor"
    assert data["Adherent"] is True
    assert data["Tags"] == ["a", "b"]
    assert data["url"] is None
    assert data["extra"] == {"autre": "x"}
    assert json.loads(json.dumps(data)) == data


def test_record_is_frozen() -> None:
    record = Record("A", "event", 1, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.title = "B"  # type: ignore[misc]


def test_extract_records_never_stops_on_bad_pages() -> None:
    pages = [
        _page("{{Event|startDate=2018-07-03}}", title="Bon"),
        _page("pas d'infobox", title="Vide"),
        _page("{{Event|startDate=jamais", title="Ouvert"),
        _page("{{Event|startDate=day|url=nope}}", title="Mauvais"),
        _page("{{Event|startDate=1er mai 2019}}{{Event|startDate=2 mai 2019}}", title="Double"),
    ]
    result = extract_records(pages, EVENT)
    assert isinstance(result, RecordSet)
    assert result.type == "event"
    assert result.page_count == 5
    assert [(r.title, r.index) for r in result.records] == [
        ("Bon", 0),
        ("Mauvais", 0),
        ("Double", 0),
        ("Double", 1),
    ]
    assert [(p.title, p.field) for p in result.problems] == [
        ("Vide", None),
        ("Ouvert", None),
        ("Mauvais", "startDate"),
        ("Mauvais", "url"),
    ]


def test_extract_records_accepts_a_generator_and_empty_input() -> None:
    assert extract_records(iter([]), EVENT) == RecordSet("event")
    result = extract_records((_page("{{Event|startDate=2018}}") for _ in range(3)), EVENT)
    assert len(result.records) == 3


def test_parse_page_leaves_the_page_untouched() -> None:
    wikitext = (FIXTURES / "event-full.wiki").read_text(encoding="utf-8")
    page = _page(wikitext)
    parse_page(page, EVENT)
    assert page.wikitext == wikitext


# -- ranges, templates and real forms (issue 12) -------------------------------------


@pytest.mark.parametrize(
    ("wikitext", "start", "end"),
    [
        ("{{Event|startDate=du 3 au 5 juillet 2018}}", "2018-07-03", "2018-07-05"),
        ("{{Event|startDate=19 et 20 mai 2025|endDate=}}", "2025-05-19", "2025-05-20"),
        ("{{Event|startDate=19 et 20 mai 2025|endDate=20 mai 2025}}", "2025-05-19", "2025-05-20"),
        ("{{Event|startDate={{date|3|juillet|2018}}}}", "2018-07-03", None),
    ],
)
def test_a_range_fills_the_start_and_end_fields(wikitext: str, start: str, end: str | None) -> None:
    found = parse_page(_page(wikitext), EVENT)
    data = found.records[0].to_dict()
    assert (data["startDate"], data["endDate"]) == (start, end)
    assert found.problems == ()


def test_a_range_that_disagrees_with_the_end_field_is_reported() -> None:
    found = parse_page(_page("{{Event|startDate=19 et 20 mai 2025|endDate=2025-05-21}}"), EVENT)
    data = found.records[0].to_dict()
    assert (data["startDate"], data["endDate"]) == ("2025-05-19", "2025-05-21")
    (problem,) = found.problems
    assert problem.field == "startDate" and problem.value == "19 et 20 mai 2025"
    assert 'field "endDate" says 2025-05-21' in str(problem)


def test_a_range_without_an_end_field_is_reported_and_not_kept() -> None:
    record_type = _custom_type({"date": "date"})
    found = parse_page(_page("{{Event|date=du 3 au 5 juillet 2018}}"), record_type)
    assert found.records[0].fields["date"] is None
    (problem,) = found.problems
    assert str(problem) == (
        'Page "Meetup open Transport 35": field "date" holds a range of dates '
        '(2018-07-03 to 2018-07-05), "du 3 au 5 juillet 2018", and no end field to '
        'put its end in (name one with end = "…" in the field\'s configuration)'
    )


def test_a_range_in_the_end_field_itself_is_reported() -> None:
    found = parse_page(
        _page("{{Event|startDate=2018-07-01|endDate=du 3 au 5 juillet 2018}}"), EVENT
    )
    assert found.records[0].fields["endDate"] is None
    assert [p.field for p in found.problems] == ["endDate"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("19/09/19", "a date with a four-digit year"),
        ("{{foo|2018}}", "cannot read the template {{foo}}"),
        ("0000", "a date"),
        ("[[12 juillet|12]] ou [[13 juillet]] 1800", "a date"),
    ],
)
def test_a_value_not_read_names_page_field_and_raw_text(value: str, expected: str) -> None:
    found = parse_page(_page(f"{{{{Event|startDate={value}}}}}"), EVENT)
    assert found.records[0].fields["startDate"] is None
    (problem,) = found.problems
    assert problem.title == "Meetup open Transport 35"
    assert problem.field == "startDate" and problem.value == value
    assert expected in str(problem) and value in str(problem)


def test_a_field_century_reads_two_digit_years() -> None:
    record_type = _custom_type({"startDate": {"type": "date", "century": 2000}})
    found = parse_page(_page("{{Event|startDate=19/09/19}}"), record_type)
    assert found.records[0].to_dict()["startDate"] == "2019-09-19"


def test_a_field_separators_split_its_list() -> None:
    record_type = _custom_type({"villes": {"type": "list", "separators": ["/"]}})
    found = parse_page(_page("{{Event|villes=Paris, France / Lyon, France}}"), record_type)
    assert found.records[0].to_dict()["villes"] == ["Paris, France", "Lyon, France"]


def test_lists_of_real_infoboxes_are_split() -> None:
    found = parse_page(
        _page("{{Event|startDate=2018|Tags=[[Vélo]]<br/>[[Covoiturage]]<br />Train • Bus}}"),
        EVENT,
    )
    assert found.records[0].to_dict()["Tags"] == ["Vélo", "Covoiturage", "Train", "Bus"]


def test_an_infobox_name_with_a_comment_is_found() -> None:
    found = parse_page(_page("{{Event <!-- see [[Modèle:Event]] -->|startDate=2018}}"), EVENT)
    assert found.records and found.records[0].to_dict()["startDate"] == "2018"


def test_configured_date_and_wrapper_templates_are_read() -> None:
    record_type = load_record_types(
        {
            "event": {
                "templates": ["Event"],
                "date_templates": {"Jour": {"text": "1"}},
                "wrapper_templates": {"Texte": "1"},
                "fields": {"startDate": "date", "place": "text"},
            }
        }
    )["event"]
    found = parse_page(
        _page("{{Event|startDate={{Jour|3 juillet 2018}}|place={{Texte|Nantes}}}}"), record_type
    )
    assert found.records[0].to_dict()["startDate"] == "2018-07-03"
    assert found.records[0].to_dict()["place"] == "Nantes"
    assert found.problems == ()


def test_a_text_value_of_only_unreadable_templates_is_reported() -> None:
    record_type = _custom_type({"pays": "text", "ville": "text"})
    found = parse_page(
        _page("{{Event|pays={{USA}}|ville={{flagicon|FRA}} Nantes{{Clear}}}}"), record_type
    )
    data = found.records[0].to_dict()
    assert data["pays"] is None and data["ville"] == "Nantes"
    (problem,) = found.problems
    assert problem.field == "pays" and problem.value == "{{USA}}"
    assert "the template {{USA}}" in str(problem)


def _meetup_record() -> Record:
    found = parse_page(
        _page("{{Event|startDate=2019-05-01|place=Rennes|type=Atelier}}\n{{Event|place=Nantes}}"),
        EVENT,
    )
    return found.records[0]


def test_record_getitem_gives_typed_field_values_and_own_keys() -> None:
    record = _meetup_record()
    assert record["startDate"] == DateValue(2019, 5, 1)
    assert record["place"] == "Rennes"
    assert record["eventType"] == "Atelier"
    assert record["endDate"] is None  # a field of the type, left empty
    assert (record["title"], record["type"], record["revid"], record["index"]) == (
        "Meetup open Transport 35",
        "event",
        7,
        0,
    )


@pytest.mark.parametrize("name", ["nosuchfield", "extra", "type ", "Title", ""])
def test_record_getitem_unknown_name_is_a_key_error(name: str) -> None:
    record = _meetup_record()
    with pytest.raises(KeyError):
        record[name]
    assert name not in record
    assert record.get(name) is None
    assert record.get(name, "absent") == "absent"


def test_record_contains_get_keys_agree_with_to_dict() -> None:
    record = _meetup_record()
    assert "startDate" in record and "endDate" in record and "title" in record
    assert 7 not in record and ["place"] not in record  # type: ignore[operator]
    assert record.get("endDate", "default") is None  # an empty field exists
    data = record.to_dict()
    assert list(record) == list(record.keys()) == [k for k in data if k != "extra"]
    assert {key: record[key] for key in record}["place"] == data["place"]
