"""Lists written as prose: "Lyon, Paris et Nantes" is three items, never silently two."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import write_export_xml
from wikisync.core.errors import ConfigError, ValueFormatError
from wikisync.core.fields.checks import check_item_edit
from wikisync.core.fields.list_items import ItemEdit, ListItemError
from wikisync.core.fields.value_templates import ValueOptions, conjunctions_of
from wikisync.core.fields.values import parse_value
from wikisync.core.pages import PageText
from wikisync.core.records import parse_page
from wikisync.core.schema import load_record_types
from wikisync.ops.collect import collect_records
from wikisync.sources import open_source


def _options(lang: str | None, conjunction: str = "") -> ValueOptions:
    return ValueOptions(
        conjunctions=conjunctions_of(lang) if lang else None, conjunction=conjunction
    )


@pytest.mark.parametrize(
    ("lang", "value", "items"),
    [
        ("fr", "Lyon, Paris et Nantes", ("Lyon", "Paris", "Nantes")),
        ("fr", "[[Lyon]], [[Paris]] et [[Nantes]]", ("Lyon", "Paris", "Nantes")),
        ("fr", "[[Lyon]], [[Paris (France)|Paris]] et [[Nantes]]", ("Lyon", "Paris", "Nantes")),
        ("fr", "vélo, marche et covoiturage", ("vélo", "marche", "covoiturage")),
        ("fr", "Arts et Métiers, Lyon et Nantes", ("Arts et Métiers", "Lyon", "Nantes")),
        ("fr", "Lyon, [[Arts et Métiers]]", ("Lyon", "Arts et Métiers")),
        ("fr", "Lyon ; Paris et Nantes", ("Lyon", "Paris", "Nantes")),
        ("fr", "Lyon, Paris, et Nantes", ("Lyon", "Paris", "Nantes")),
        ("en", "Lyon, Paris, and Nantes", ("Lyon", "Paris", "Nantes")),
        ("en", "10.0m, 11.0m and 12.0m", ("10.0m", "11.0m", "12.0m")),
        ("en", "Lyon, Paris et Nantes", ("Lyon", "Paris et Nantes")),  # "et" is not English
        ("nl", "Amsterdam, Utrecht en Den Haag", ("Amsterdam", "Utrecht", "Den Haag")),
        ("de", "Berlin, Hamburg und München", ("Berlin", "Hamburg", "München")),
        ("es", "Madrid, Sevilla y Bilbao", ("Madrid", "Sevilla", "Bilbao")),
        ("it", "Roma, Milano e Napoli", ("Roma", "Milano", "Napoli")),
        ("fr", "Lyon<br />Paris et Nantes", ("Lyon", "Paris et Nantes")),  # lines, not prose
        ("fr", "* Lyon\n* Paris et Nantes", ("Lyon", "Paris et Nantes")),
        ("fr", "{{ubl|Lyon|Paris et Nantes}}", ("Lyon", "Paris et Nantes")),
        ("fr", "Lyon, Paris", ("Lyon", "Paris")),
        ("fr", "Lyon (Rhône et Loire), Paris", ("Lyon (Rhône et Loire)", "Paris")),
    ],
)
def test_parse_value_reads_a_list_written_as_prose(
    lang: str, value: str, items: tuple[str, ...]
) -> None:
    assert parse_value("list", value, (), _options(lang)) == items


@pytest.mark.parametrize(
    ("lang", "value", "says"),
    [
        ("fr", "Lyon et Paris", '"et" may join two items or belong to one name'),
        ("fr", "[[Lyon]] et [[Paris]]", '"et" may join two items or belong to one name'),
        ("fr", "Lyon, Paris et Nantes et Brest", 'holds "et" 2 times'),
        ("fr", "Défi : A, Défi : des données ouvertes et fiables", '"fiables" does not begin'),
        (None, "Lyon, Paris et Nantes", "set the type's lang"),
        (None, "Lyon, Milano e Napoli", "set the type's lang"),
    ],
)
def test_parse_value_reports_a_conjunction_it_cannot_decide(
    lang: str | None, value: str, says: str
) -> None:
    with pytest.raises(ValueFormatError, match="a list") as caught:
        parse_value("list", value, (), _options(lang))
    assert says in str(caught.value)
    assert caught.value.value == value


@pytest.mark.parametrize(
    ("conjunction", "value", "items"),
    [
        ("split", "Lyon et Paris", ("Lyon", "Paris")),
        ("split", "Lyon, Paris et Nantes", ("Lyon", "Paris", "Nantes")),
        ("split", "Lyon<br>Paris et Nantes", ("Lyon", "Paris", "Nantes")),
        ("keep", "Vélo et mobilités actives", ("Vélo et mobilités actives",)),
        ("keep", "Lyon, Paris et Nantes", ("Lyon", "Paris et Nantes")),
        ("keep", "Défi : A, Défi : des données ouvertes et fiables", None),
    ],
)
def test_parse_value_follows_the_field_switch(
    conjunction: str, value: str, items: tuple[str, ...] | None
) -> None:
    expected = items or ("Défi : A", "Défi : des données ouvertes et fiables")
    assert parse_value("list", value, (), _options("fr", conjunction)) == expected


def test_split_needs_a_language() -> None:
    with pytest.raises(ValueFormatError, match="needs the wiki's language"):
        parse_value("list", "Lyon et Paris", (), _options(None, "split"))


def _types(lang: str = "", **field: object) -> dict[str, object]:
    table: dict[str, object] = {
        "templates": ["Acteur"],
        "fields": {"villes": {"type": "list", **field}},
    }
    if lang:
        table["lang"] = lang
    return {"actor": table}


def test_record_type_lang_reads_prose_lists_and_the_wiki_language_fills_in() -> None:
    page = PageText("Coop", "{{Acteur|villes=Lyon, Paris et Nantes}}", revid=1)
    french = load_record_types(_types("fr"))["actor"]
    assert parse_page(page, french).records[0].fields["villes"] == ("Lyon", "Paris", "Nantes")
    unknown = load_record_types(_types())["actor"]
    found = parse_page(page, unknown)
    assert found.records[0].fields["villes"] is None
    assert "set the type's lang" in str(found.problems[0])
    assert unknown.in_language("fr-ca").lang == "fr-ca"
    read = parse_page(page, unknown.in_language("fr-ca")).records[0].fields["villes"]
    assert read == ("Lyon", "Paris", "Nantes")
    assert french.in_language("en") is french  # the type's own lang wins


@pytest.mark.parametrize(
    ("types", "says"),
    [
        (_types("xx"), '"xx" is not a language wikisync reads lists in'),
        (_types("fr", conjunction="maybe"), "only a list field takes a conjunction"),
        (
            {"a": {"templates": ["A"], "fields": {"t": {"type": "text", "conjunction": "keep"}}}},
            "only a list field takes a conjunction",
        ),
    ],
)
def test_load_record_types_checks_lang_and_conjunction(types: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_record_types(types)


def test_a_dump_says_its_wiki_language_for_prose_lists(tmp_path: Path) -> None:
    pages = [
        PageText(
            "Coop",
            "{{Acteur|villes=Lyon, Paris et Nantes}}\n[[Catégorie:Acteur]]\n",
            revid=1,
            pageid=1,
        )
    ]
    dump = tmp_path / "export.xml"
    write_export_xml(pages, dump)  # <mediawiki … xml:lang="fr">, as Special:Export writes
    types = _types()
    types["actor"]["categories"] = ["Acteur"]  # type: ignore[index]
    with open_source(str(dump)) as source:
        assert source.wiki_language() == "fr"
        found = collect_records(source, load_record_types(types)["actor"])
    assert found.records[0].fields["villes"] == ("Lyon", "Paris", "Nantes")


@pytest.mark.parametrize(
    ("value", "action", "refused"),
    [
        ("Lyon, Paris et Nantes", "add", "is written as prose"),
        ("Lyon, Paris et Nantes", "remove", "is written as prose"),
        ("Lyon et Paris", "add", "cannot be read item by item"),
        ("Arts et Métiers, Lyon", "add", ""),
        ("Lyon, Paris", "add", ""),
    ],
)
def test_an_item_edit_refuses_a_list_written_as_prose(
    value: str, action: str, refused: str
) -> None:
    actor = load_record_types(_types("fr"))["actor"]
    spec = actor.fields[0]
    edit = check_item_edit(spec, ItemEdit(action, "Nantes"), options=actor.options("villes"))  # type: ignore[arg-type]
    if not refused:
        assert "Nantes" in edit.apply(value) or action == "remove"
        return
    with pytest.raises(ListItemError, match=refused):
        edit.apply(value)
    keep = load_record_types(_types("fr", conjunction="keep"))["actor"]
    kept = check_item_edit(spec, ItemEdit("add", "Brest"), options=keep.options("villes"))
    assert kept.apply(value) == value + ", Brest"  # "keep": the word joins nothing
