"""Reading templates, forms and properties, and proposing record types from them (pure)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import wikisync
from tests.corpus import write_export_xml
from wikisync.cli import cli
from wikisync.core.pages import Namespaces, PageText
from wikisync.core.schema import load_record_types
from wikisync.core.type_proposal import Proposal, propose_types, render_proposal, type_key
from wikisync.core.wiki_schema import FormField, read_form, read_property, read_template
from wikisync.ops.from_wiki import propose_from_wiki
from wikisync.sources import open_source

EXAMPLE_MIRROR = Path(__file__).resolve().parents[2] / "examples" / "fabmob" / "mirror"

FR = Namespaces.french()


def test_read_template_params_aliases_properties_and_lists() -> None:
    facts = read_template(
        "<noinclude>{{{doc|}}} [[Catégorie:Modèles]]</noinclude><includeonly>"
        "[[Date::{{{startDate|}}}]] {{{place|{{{Lieu|}}}}}} "
        "{{#arraymap:{{{Tags|}}}|;|x|[[Mot-clé::x]]}} [[Fichier:{{{Main_Picture|}}}|200px]] "
        "[{{{url|}}} site] {{#set:Adhérent={{{Adherent|}}}}} [[:Catégorie:Lien]] "
        "[[Catégorie:Evénement]]</includeonly>",
        FR,
    )
    assert list(facts.params) == [
        "startDate",
        "place",
        "Lieu",
        "Tags",
        "Main_Picture",
        "url",
        "Adherent",
    ]
    assert facts.params["startDate"].properties == ["Date"]
    assert facts.params["place"].aliases == ["Lieu"]
    assert facts.params["Tags"].separator == ";"
    assert facts.params["Tags"].properties == ["Mot-clé"]
    assert facts.params["Main_Picture"].shown_as == "file"
    assert facts.params["url"].shown_as == "url"
    assert facts.params["Adherent"].properties == ["Adhérent"]
    assert facts.categories == ["Evénement"]  # not the <noinclude> one, not a :link


def test_read_form_fields_by_template() -> None:
    fields = read_form(
        "{{{for template|Event|label=Infos}}}"
        "{{{field|startDate|input type=datepicker|mandatory}}}"
        "{{{field|Tags|list}}}{{{field|Theme|input type=tokens}}}"
        "{{{field|kind|input type=dropdown|values=Atelier, Meetup}}}"
        "{{{field|pic|uploadable}}}{{{end template}}}{{{field|orphan}}}"
    )
    assert fields == [
        FormField("Event", "startDate", "datepicker", mandatory=True),
        FormField("Event", "Tags", delimiter=","),
        FormField("Event", "Theme", "tokens", delimiter=","),
        FormField("Event", "kind", "dropdown", values=("Atelier", "Meetup")),
        FormField("Event", "pic", uploadable=True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cette propriété est de type [[A le type::Date]].", ("Date", ())),
        ("[[Has type::Boolean]]", ("Boolean", ())),
        ("[[Has_type::URL]]", ("URL", ())),
        ("[[A le type::Page]]\n* [[Allows value::A]]\n* [[Allows value::B]]", ("Page", ("A", "B"))),
        ("Pas de type déclaré.", ("", ())),
    ],
)
def test_read_property_type_and_values(text: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert read_property(text) == expected


def _propose(
    template: str,
    form: str = "",
    properties: dict[str, str] | None = None,
) -> Proposal:
    return propose_types(
        {"Fiche": read_template(template, FR)},
        {"Fiche": read_form(form)} if form else {},
        {name: read_property(text) for name, text in (properties or {}).items()},
    )


@pytest.mark.parametrize(
    ("template", "form", "properties", "line"),
    [
        ("[[Quand::{{{d|}}}]]", "", {"Quand": "[[A le type::Date]]"}, 'd = "date"'),
        ("[[N::{{{n|}}}]]", "", {"N": "[[Has type::Number]]"}, 'n = "int"'),
        ("{{{b|}}}", "{{{field|b|input type=checkbox}}}", {}, 'b = "bool"'),
        ("[[P::{{{p|}}}]]", "", {"P": "[[A le type::Coordonnées géographiques]]"}, 'p = "coord"'),
        ("{{{p|}}}", "{{{field|p|input type=leaflet}}}", {}, 'p = "coord"'),
        ("[[L::{{{l|}}}]]", "", {"L": "[[A le type::Page]]"}, 'l = "page"'),
        ("{{{t|}}}", "{{{field|t|list|delimiter=/}}}", {}, 't = { type = "list", separators'),
        (
            "{{{k|}}}",
            "{{{field|k|input type=radiobutton|values=a,b}}}",
            {},
            'k = { type = "enum", values = ["a", "b"] }',
        ),
        ("{{{type|}}}", "", {}, 'ficheType = { params = ["type"] }'),
    ],
)
def test_propose_types_reads_the_evidence(
    template: str, form: str, properties: dict[str, str], line: str
) -> None:
    form = f"{{{{{{for template|Fiche}}}}}}{form}{{{{{{end template}}}}}}" if form else ""
    text = render_proposal(_propose(template + "[[Catégorie:Fiches]]", form, properties))
    assert any(row.startswith(line) for row in text.splitlines()), text


def test_propose_types_says_when_the_evidence_disagrees() -> None:
    form = "{{{for template|Fiche}}}{{{field|d|input type=datepicker}}}{{{end template}}}"
    proposal = _propose("[[D::{{{d|}}}]][[Catégorie:X]]", form, {"D": "[[Has type::Number]]"})
    assert proposal.types[0].fields[0].type == "date"
    assert proposal.undecided == [
        "fiche.d: the evidence disagrees (form input datepicker: date; property D (Number): "
        "int); chose date"
    ]


def test_propose_types_leaves_out_templates_nothing_says_hold_records() -> None:
    proposal = _propose("<div>{{{titre|}}}</div>")
    assert proposal.types == []
    assert "template 'Fiche' takes parameters (titre)" in proposal.undecided[0]


def test_render_proposal_loads_as_record_types() -> None:
    form = (
        "{{{for template|Fiche}}}{{{field|d|input type=datepicker|mandatory}}}"
        "{{{field|villes d'implantation|list}}}{{{end template}}}"
    )
    proposal = _propose('[[D::{{{d|}}}]] {{{villes d\'implantation|}}} {{{"q"|}}}', form)
    text = render_proposal(proposal)
    types = load_record_types(tomllib.loads(text)["types"])
    fiche = types["fiche"]
    assert {spec.name: spec.type for spec in fiche.fields} == {
        "d": "date",
        "villes d'implantation": "list",
        '"q"': "text",
    }
    assert any("the template adds no category" in item for item in proposal.undecided)


def test_type_key_is_ascii() -> None:
    assert type_key("Événement à venir") == "evenement_a_venir"


def test_propose_from_a_folder_lists_its_templates_without_a_wiki() -> None:
    with open_source(str(EXAMPLE_MIRROR)) as source:
        proposal = propose_from_wiki(source)
    assert proposal.read == {"templates": 5, "forms": 0, "properties": 0}
    assert len(proposal.undecided) == 5


def test_init_from_wiki_on_a_folder_writes_what_it_could_not_decide(tmp_path: Path) -> None:
    out = tmp_path / "proposal.toml"
    result = CliRunner().invoke(
        cli,
        ["--site", str(EXAMPLE_MIRROR), "init", "--from-wiki", "-o", str(out)],
        env={"WIKISYNC_LANG": "en"},
    )
    assert result.exit_code == 0, result.output
    assert "0 types, 0 fields" in result.stderr
    assert "5 things could not be decided" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert tomllib.loads(text) == {"site": str(EXAMPLE_MIRROR)}
    assert "#   - template 'Event' takes parameters (startDate" in text
    with wikisync.open_source(str(EXAMPLE_MIRROR)) as source:  # the library twin
        twin = wikisync.render_proposal(wikisync.propose_from_wiki(source), site=source.location)
    assert text.endswith(twin)


def test_init_from_wiki_keeps_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "wikisync.toml"
    out.write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", "--from-wiki", "-o", str(out)])
    assert result.exit_code == 2
    assert "exists already" in result.stderr and "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "# mine\n"


PIECES = [
    "{{{",
    "}}}",
    "{{",
    "}}",
    "[[",
    "]]",
    "|",
    "=",
    "::",
    "#arraymap:",
    "#set:",
    "for template",
    "end template",
    "field",
    "Fichier:",
    "Catégorie:",
    "A le type::",
    "Date",
    "<noinclude>",
    "</noinclude>",
    "<includeonly>",
    "x",
    " ",
    "\n",
    "[",
    "]",
    '"',
    "\\",
    "type",
    "extra",
    "\u0007",
    "input type=datepicker",
    "input type=dropdown",
    "values=a,,b",
    "list",
    "delimiter=;",
    "delimiter= ",
    "{{{for template|T}}}",
    "[[Catégorie:",
    "mandatory",
    "{{{a\nb|}}}",
    "{{{\u0085|}}}",
    "[[\u0007::{{{p|}}}]]",
]


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_structure_readers_take_any_text(text: str) -> None:
    facts = read_template(text, FR)
    fields = read_form(text)
    read_property(text)
    proposal = propose_types({text: facts}, {"F": fields}, {"P": read_property(text)})
    rendered = render_proposal(proposal)
    types = tomllib.loads(rendered).get("types", {})  # whatever the pages hold: TOML
    load_record_types(types)  # and record types wikisync loads


def test_propose_from_a_dump_types_undeclared_fields_from_their_values(tmp_path: Path) -> None:
    template = (
        "<includeonly>{{{nom|}}} {{{début|}}} {{{site|}}} {{{places|}}} {{{adhérent|}}}"
        " {{{notes|}}}[[Catégorie:Fiches]]</includeonly>"
    )
    rows = [
        ("Un", "3 juillet 2018", "https://un.example.org", "1500", "oui", "2018"),
        ("Deux", "2019-05-01", "www.deux.example.org", "12", "non", "bientôt"),
        ("Trois", "1er mai 2020", "https://trois.example.org/x", "300", "oui", "2020"),
        ("Quatre", "", "", "", "", ""),
    ]
    pages = [PageText("Modèle:Fiche", template, revid=1, ns=10, pageid=1)]
    for n, (name, start, site, seats, member, notes) in enumerate(rows, start=2):
        text = (
            f"{{{{Fiche|nom={name}|début={start}|site={site}|places={seats}"
            f"|adhérent={member}|notes={notes}}}}}\n"
        )
        pages.append(PageText(f"Fiche {name}", text, revid=n, pageid=n))
    dump = tmp_path / "export.xml"
    write_export_xml(pages, dump)
    with open_source(str(dump)) as source:
        text = render_proposal(propose_from_wiki(source))
    fields = tomllib.loads(text)["types"]["fiche"]["fields"]
    assert fields == {
        "nom": "text",
        "début": "date",
        "site": "url",
        "places": "int",  # numbers alone are counts, not years
        "adhérent": "bool",
        "notes": "text",  # 2 of 3 dates: not enough
    }
    assert "declared nowhere: 3 of 3 values read as date" in text
