"""Unit tests for wikisync.core.schema and the shipped FabMob preset."""

from __future__ import annotations

import dataclasses
import tomllib
from typing import Any

import pytest

from wikisync.core.errors import ConfigError
from wikisync.core.schema import FieldSpec, RecordType, load_record_types, template_key
from wikisync.presets import PRESETS, load_preset


def _preset_types() -> dict[str, RecordType]:
    return load_record_types(tomllib.loads(load_preset("fabmob"))["types"])


def _one_type(fields: dict[str, Any], **table: Any) -> dict[str, Any]:
    return {"event": {"templates": ["Event"], "fields": fields, **table}}


# -- the FabMob preset ------------------------------------------------------------


def test_load_preset_returns_the_fabmob_toml() -> None:
    text = load_preset()
    assert text == load_preset("fabmob")
    assert "[types.event]" in text
    assert "[jobs" in text  # the placeholder comment for the lead's jobs tables
    assert PRESETS == ("fabmob",)


def test_load_preset_rejects_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown preset 'wikipedia'"):
        load_preset("wikipedia")


@pytest.mark.parametrize(
    ("name", "categories", "templates"),
    [
        ("event", ("Evénement",), ("Event", "Evénement", "Événement")),
        ("actor", ("Acteur",), ("Acteur",)),
        ("commun", ("Commun",), ("Ressource",)),
        ("project", ("Projet",), ("Project",)),
        ("community", ("Communauté",), ("Communauté",)),
    ],
)
def test_load_record_types_reads_the_preset_types(
    name: str, categories: tuple[str, ...], templates: tuple[str, ...]
) -> None:
    record_type = _preset_types()[name]
    assert record_type.name == name
    assert record_type.categories == categories
    assert record_type.templates == templates


def test_load_record_types_keeps_the_unaccented_event_category() -> None:
    # The wiki's category is "Evénement": a plain E, then é.
    assert _preset_types()["event"].categories[0].encode() == b"Ev\xc3\xa9nement"


@pytest.mark.parametrize(
    ("type_name", "field_name", "field_type", "params"),
    [
        ("event", "startDate", "date", ("startDate",)),
        ("event", "endDate", "date", ("endDate",)),
        ("event", "place", "text", ("place", "Lieu")),
        ("event", "eventType", "text", ("type",)),
        ("event", "Tags", "list", ("Tags",)),
        ("event", "Theme", "list", ("Theme",)),
        ("event", "Main_Picture", "file", ("Main_Picture",)),
        ("event", "url", "url", ("url",)),
        ("actor", "name", "text", ("name",)),
        ("actor", "villes d'implantation", "list", ("villes d'implantation",)),
        ("actor", "Adherent", "bool", ("Adherent",)),
        ("actor", "actorType", "text", ("type",)),
        ("commun", "Main_Picture", "file", ("Main_Picture",)),
        ("project", "communauté d'intérêt", "list", ("communauté d'intérêt",)),
        ("project", "chat", "url", ("chat",)),
        ("project", "pageCo", "url", ("pageCo",)),
        ("project", "challenge", "list", ("challenge",)),
        ("community", "Titre", "text", ("Titre",)),
        ("community", "Objectifs", "text", ("Objectifs",)),
    ],
)
def test_load_record_types_reads_the_preset_fields(
    type_name: str, field_name: str, field_type: str, params: tuple[str, ...]
) -> None:
    spec = next(s for s in _preset_types()[type_name].fields if s.name == field_name)
    assert spec.type == field_type
    assert spec.params == params


def test_load_record_types_marks_event_start_date_required() -> None:
    required = [s.name for s in _preset_types()["event"].fields if s.required]
    assert required == ["startDate"]


def test_load_record_types_keeps_field_order() -> None:
    assert _preset_types()["commun"].field_names == (
        "shortDescription",
        "description",
        "Tags",
        "Theme",
        "Main_Picture",
        "url",
    )


# -- the TOML shape ---------------------------------------------------------------


def test_load_record_types_accepts_shorthand_and_tables() -> None:
    types = load_record_types(
        _one_type(
            {
                "Tags": "list",
                "place": {"params": ["place", "Lieu"]},
                "single": {"params": "Seul"},
                "status": {"type": "enum", "values": ["prévu", "annulé"], "default": "prévu"},
                "count": {"type": "int", "default": 0, "description": "how many"},
                "open": {"type": "bool", "default": False},
                "labels": {"type": "list", "default": ["a", "b"]},
            },
            categories=["Catégorie:Evénement", "Category:Atelier"],
            description="Events",
        )
    )
    event = types["event"]
    assert event.categories == ("Evénement", "Atelier")
    assert event.description == "Events"
    specs = {spec.name: spec for spec in event.fields}
    assert specs["Tags"] == FieldSpec("Tags", "list", ("Tags",))
    assert specs["place"].type == "text"
    assert specs["place"].params == ("place", "Lieu")
    assert specs["single"].params == ("Seul",)
    assert specs["status"].choices == ("prévu", "annulé")
    assert specs["status"].default == "prévu"
    assert specs["count"].default == "0"
    assert specs["count"].description == "how many"
    assert specs["open"].default == "false"
    assert specs["labels"].default == "a, b"


def test_load_record_types_allows_no_categories_and_no_fields() -> None:
    types = load_record_types({"bare": {"templates": "Infobox"}})
    assert types["bare"].categories == ()
    assert types["bare"].templates == ("Infobox",)
    assert types["bare"].fields == ()


@pytest.mark.parametrize(
    ("types", "key"),
    [
        ({"event": []}, "types.event"),
        ({"event": {"templates": ["Event"], "colour": "red"}}, "types.event.colour"),
        ({"event": {"fields": {}}}, "types.event"),
        ({"event": {"templates": []}}, "types.event.templates"),
        ({"event": {"templates": [1]}}, "types.event.templates"),
        ({"event": {"templates": "Event", "categories": 3}}, "types.event.categories"),
        ({"event": {"templates": "Event", "fields": ["a"]}}, "types.event.fields"),
        ({"event": {"templates": "Event", "description": 1}}, "types.event.description"),
        (_one_type({"startDate": {"type": "dat"}}), "types.event.fields.startDate.type"),
        (_one_type({"startDate": "dat"}), "types.event.fields.startDate.type"),
        (_one_type({"startDate": {"type": 1}}), "types.event.fields.startDate.type"),
        (_one_type({"startDate": {"typ": "date"}}), "types.event.fields.startDate.typ"),
        (_one_type({"startDate": 3}), "types.event.fields.startDate"),
        (_one_type({"startDate": {"required": "yes"}}), "types.event.fields.startDate.required"),
        (_one_type({"startDate": {"params": []}}), "types.event.fields.startDate.params"),
        (_one_type({"startDate": {"params": [""]}}), "types.event.fields.startDate.params"),
        (_one_type({"startDate": {"params": [1]}}), "types.event.fields.startDate.params"),
        (_one_type({"kind": {"type": "enum"}}), "types.event.fields.kind.values"),
        (_one_type({"kind": {"type": "enum", "values": []}}), "types.event.fields.kind.values"),
        (_one_type({"kind": {"values": ["a"]}}), "types.event.fields.kind.values"),
        (
            _one_type({"startDate": {"type": "date", "default": "bientôt"}}),
            "types.event.fields.startDate.default",
        ),
        (_one_type({"n": {"type": "int", "default": 1.5}}), "types.event.fields.n.default"),
        (
            _one_type({"kind": {"type": "enum", "values": ["a"], "default": "b"}}),
            "types.event.fields.kind.default",
        ),
        (_one_type({"type": "text"}), "types.event.fields.type"),
        (_one_type({"title": "text"}), "types.event.fields.title"),
        (_one_type({"extra": "text"}), "types.event.fields.extra"),
        (
            _one_type({"villes d'implantation": "lst"}),
            'types.event.fields."villes d\'implantation".type',
        ),
        ({"mon type": {"templates": "X", "bad": 1}}, 'types."mon type".bad'),
        (
            _one_type({"t": {"type": "text", "separators": [";"]}}),
            "types.event.fields.t.separators",
        ),
        (_one_type({"t": {"type": "list", "separators": []}}), "types.event.fields.t.separators"),
        (
            _one_type({"t": {"type": "list", "separators": [" "]}}),
            "types.event.fields.t.separators",
        ),
        (_one_type({"d": {"type": "date", "century": 1950}}), "types.event.fields.d.century"),
        (_one_type({"d": {"type": "date", "century": True}}), "types.event.fields.d.century"),
        (_one_type({"d": {"type": "text", "century": 2000}}), "types.event.fields.d.century"),
        (_one_type({"d": {"type": "text", "end": "e"}}), "types.event.fields.d.end"),
        (_one_type({"d": {"type": "date", "end": "nowhere"}}), "types.event.fields.d.end"),
        (
            _one_type({"d": {"type": "date", "end": "e"}, "e": "text"}),
            "types.event.fields.d.end",
        ),
        (
            {"event": {"templates": "Event", "date_templates": {"X": {"jour": "1"}}}},
            "types.event.date_templates.X.jour",
        ),
        (
            {"event": {"templates": "Event", "date_templates": {"X": {"month": "2"}}}},
            "types.event.date_templates.X",
        ),
        (
            {"event": {"templates": "Event", "date_templates": {"X": "1"}}},
            "types.event.date_templates.X",
        ),
        (
            {"event": {"templates": "Event", "date_templates": []}},
            "types.event.date_templates",
        ),
        (
            {"event": {"templates": "Event", "wrapper_templates": {"X": 2}}},
            "types.event.wrapper_templates.X",
        ),
    ],
)
def test_load_record_types_rejects_bad_tables_naming_the_key(
    types: dict[str, Any], key: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_record_types(types)
    assert info.value.key == key
    assert str(info.value).startswith(key)


def test_load_record_types_rejects_a_non_table() -> None:
    with pytest.raises(ConfigError) as info:
        load_record_types(["event"])  # type: ignore[arg-type]
    assert info.value.key == "types"


def test_load_record_types_lists_the_field_types_on_unknown_type() -> None:
    with pytest.raises(ConfigError, match="expected one of text, wikitext, date, list"):
        load_record_types(_one_type({"startDate": "datetime"}))


def test_load_record_types_explains_reserved_names() -> None:
    with pytest.raises(ConfigError, match=r'params = \["type"\]'):
        load_record_types(_one_type({"type": "text"}))


# -- dataclasses and template names -----------------------------------------------


def test_field_spec_defaults_params_to_its_name() -> None:
    assert FieldSpec("Tags", "list").params == ("Tags",)


def test_field_spec_rejects_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown field type"):
        FieldSpec("x", "color")


def test_record_type_is_frozen() -> None:
    record_type = _preset_types()["event"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record_type.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("Event", True),
        ("event", True),
        (" Event\n", True),
        ("Modèle:Event", True),
        ("modèle:event", True),
        ("Template:Event", True),
        ("Evénement", True),
        ("evénement", True),
        ("Événement", True),
        ("E\u0301ve\u0301nement", True),  # decomposed accents (NFD)
        ("Modèle:Événement", True),
        ("EVENT", False),
        ("Events", False),
        (":Event", False),
        ("Catégorie:Event", False),
        ("Evenement", False),
    ],
)
def test_record_type_matches_template_like_mediawiki(name: str, matches: bool) -> None:
    assert _preset_types()["event"].matches_template(name) is matches


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Main_Picture_Box", "Main Picture Box"),
        ("modèle:fiche  acteur", "Fiche acteur"),
        ("Template:fiche_acteur", "Fiche acteur"),
        ("fiche acteur", "Fiche acteur"),
    ],
)
def test_template_key_folds_spelling_variants(name: str, key: str) -> None:
    assert template_key(name) == key


def test_record_type_field_for_param_finds_aliases() -> None:
    event = _preset_types()["event"]
    place = event.field_for_param("Lieu")
    assert place is not None
    assert place.name == "place"
    assert event.field_for_param("place") is place
    assert event.field_for_param("organisateur") is None


def test_load_record_types_normalises_param_names_to_nfc() -> None:
    types = load_record_types(_one_type({"lieu": {"params": ["lieu d'e\u0301ve\u0301nement"]}}))
    assert types["event"].fields[0].params == ("lieu d'événement",)


def test_value_settings_reach_the_field_options() -> None:
    types = load_record_types(
        {
            "event": {
                "templates": "Event",
                "date_templates": {"Date début": {"day": "1", "month": "2", "year": "3"}},
                "wrapper_templates": {"Texte": "2"},
                "fields": {
                    "debut": {"type": "date", "century": 2000, "end": "fin"},
                    "fin": "date",
                    "startDate": "date",
                    "endDate": "date",
                    "date de début": "date",
                    "date de fin": "date",
                    "villes": {"type": "list", "separators": ["/", "+"]},
                },
            }
        }
    )
    event = types["event"]
    assert event.options("villes").separators == "/+"
    assert event.options("debut").century == 2000
    assert event.options("debut").date_template("date début") is not None
    assert event.options("villes").wrapper("texte") == "2"
    assert event.end_field("debut") == "fin"
    assert event.end_field("startDate") == "endDate"
    assert event.end_field("date de début") == "date de fin"
    assert event.end_field("fin") is None and event.end_field("endDate") is None
    assert [spec.name for spec in event.date_specs] == [
        "debut",
        "fin",
        "startDate",
        "endDate",
        "date de début",
        "date de fin",
    ]


def test_a_default_is_checked_with_the_field_century() -> None:
    types = load_record_types(
        _one_type({"d": {"type": "date", "century": 1900, "default": "01/01/70"}})
    )
    assert types["event"].fields[0].default == "01/01/70"
    with pytest.raises(ConfigError, match="four-digit year"):
        load_record_types(_one_type({"d": {"type": "date", "default": "01/01/70"}}))


def test_record_types_are_built_once_per_table_and_again_when_it_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wikisync.core import schema

    built: list[str] = []
    real = schema._load_type

    def counting(name: str, table: Any, key: str) -> schema.RecordType:
        built.append(name)
        return real(name, table, key)

    monkeypatch.setattr(schema, "_load_type", counting)
    monkeypatch.setattr(schema, "_BUILT", {})
    types = {"atelier": {"templates": ["Atelier"], "fields": {"date": "date"}}}
    first = load_record_types(types)
    again = load_record_types(types)
    assert again == first and built == ["atelier"]  # looked up again: not rebuilt
    again.pop("atelier")  # a caller's copy: the next look-up is whole
    assert load_record_types(types) == first
    types["atelier"]["fields"]["date"] = "text"  # the table changed: built anew
    changed = load_record_types(types)
    assert built == ["atelier", "atelier"]
    assert changed["atelier"].fields[0].type == "text" != first["atelier"].fields[0].type
    with pytest.raises(ConfigError):
        load_record_types({"atelier": {"templates": ["Atelier"], "fields": {"d": "nope"}}})
    with pytest.raises(ConfigError):  # an error is never remembered as a build
        load_record_types({"atelier": {"templates": ["Atelier"], "fields": {"d": "nope"}}})
