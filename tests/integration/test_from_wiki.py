"""``init --from-wiki`` on a real MediaWiki whose templates, forms and properties are
written in the shapes the FabMob wiki uses (Page Forms forms, Semantic MediaWiki
annotations and properties, categories added in ``<includeonly>``).

Neither extension runs here (not packaged in Debian): their namespaces are
declared (``Attribut:`` 102, ``Formulaire:`` 106, as the extensions declare them)
and the pages are plain text, which is all ``--from-wiki`` reads.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import mwclient
import pytest
from click.testing import CliRunner

from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.type_proposal import render_proposal
from wikisync.ops.from_wiki import propose_from_wiki
from wikisync.presets import load_preset
from wikisync.sources import open_source

NAMESPACES = """
$wgExtraNamespaces[102] = 'Attribut';
$wgExtraNamespaces[103] = 'Discussion_attribut';
$wgExtraNamespaces[106] = 'Formulaire';
$wgExtraNamespaces[107] = 'Discussion_formulaire';
$wgNamespaceAliases['Property'] = 102;
$wgNamespaceAliases['Form'] = 106;
"""


def _infobox(title: str, rows: str, category: str) -> str:
    return (
        f"<noinclude>Infobox « {title} », remplie par [[Formulaire:{title}]].\n"
        "[[Catégorie:Modèles d'infobox]]</noinclude><includeonly>"
        '{| class="wikitable infobox"\n'
        f"|+ {{{{PAGENAME}}}}\n{rows}|}}\n[[Catégorie:{category}]]</includeonly>\n"
    )


def _row(label: str, cell: str) -> str:
    return f"|-\n! {label}\n| {cell}\n"


def _tags(param: str, prop: str) -> str:
    return f"{{{{#arraymap:{{{{{{{param}|}}}}}}|,|x|[[{prop}::x]]}}}}"


def _shared(picture: bool = True) -> str:
    rows = _row("Description courte", "[[Description courte::{{{shortDescription|}}}]]")
    rows += _row("Description", "{{{description|}}}")
    rows += _row("Tags", _tags("Tags", "Tags"))
    rows += _row("Thème", _tags("Theme", "Theme"))
    if picture:
        rows += _row("Image", "[[Fichier:{{{Main_Picture|}}}|300px]]")
    rows += _row("Site", "[{{{url|}}} Site web]")
    return rows


TEMPLATES = {
    "Event": _infobox(
        "Event",
        _row("Début", "[[Date::{{{startDate|}}}]]")
        + _row("Fin", "[[Date de fin::{{{endDate|}}}]]")
        + _row("Lieu", "[[Place::{{{place|{{{Lieu|}}}}}}]]")
        + _row("Type d'événement", "[[Type d'événement::{{{type|}}}]]")
        + _shared(),
        "Evénement",
    ),
    "Acteur": _infobox(
        "Acteur",
        _row("Nom", "{{{name|}}}")
        + _row("Villes d'implantation", _tags("villes d'implantation", "Ville"))
        + _row("Adhérent", "{{#set:Adhérent={{{Adherent|}}}}}")
        + _row("Type", "{{{type|}}}")
        + _row("Site", "[{{{url|}}}]")
        + _row("Tags", _tags("Tags", "Tags"))
        + _row("Logo", "[[File:{{{Main_Picture|}}}|150px]]"),
        "Acteur",
    ),
    "Ressource": _infobox("Ressource", _shared(), "Commun"),
    "Project": _infobox(
        "Project",
        _shared(picture=False)
        + _row("Lieu", "[[Lieu::{{{location|}}}]]")
        + _row("Depuis", "{{{from|}}}")
        + _row("Défis", _tags("challenge", "Défi"))
        + _row("Communautés", _tags("communauté d'intérêt", "Communauté"))
        + _row("Discussion", "[{{{chat|}}} Canal de discussion]")
        + _row("Complément", "{{{complement|}}}")
        + _row("Page collaborative", "[{{{pageCo|}}} Pad]")
        + _row("Carte", "{{{Coordonnées géo|}}}"),
        "Projet",
    ),
    "Communauté": _infobox(
        "Communauté",
        _row("Titre", "{{{Titre|}}}")
        + _row("Description", "{{{description|}}}")
        + _row("Tags", _tags("Tags", "Tags"))
        + _row("Thème", _tags("Theme", "Theme"))
        + _row("Objectifs", "{{{Objectifs|}}}")
        + _row("Défis adressés", _tags("challenge", "Défi"))
        + _row("Image", "[[Fichier:{{{Main_Picture|}}}]]"),
        "Communauté",
    ),
    # A form promises a date, but the pages hold words: demoted to text.
    "Atelier": _infobox("Atelier", _row("Quand", "{{{quand|}}}"), "Atelier"),
    # Takes parameters, but nothing says it holds records.
    "Boîte déroulante": "<div class=\"mw-collapsible\">'''{{{titre|}}}'''\n{{{contenu|}}}</div>",
}


def _form(template: str, fields: list[str]) -> str:
    lines = "\n".join(f"! {f.split('|')[0]}:\n| {{{{{{field|{f}}}}}}}\n|-" for f in fields)
    return (
        f"<noinclude>Formulaire pour créer une page {template}.</noinclude><includeonly>\n"
        f"{{{{{{for template|{template}|label=Informations}}}}}}\n"
        f'{{| class="formtable"\n{lines}\n|}}\n{{{{{{end template}}}}}}\n'
        "{{{standard input|save}}}\n</includeonly>\n"
    )


_SHARED_FIELDS = [
    "shortDescription|input type=text|mandatory",
    "description|input type=textarea|editor=wikieditor",
    "Tags|input type=tokens|values from property=Tags",
    "Theme|input type=tokens",
    "url|input type=text",
]

FORMS = {
    "Event": _form(
        "Event",
        [
            "startDate|input type=datepicker|mandatory",
            "endDate|input type=datetimepicker",
            "place|input type=text",
            "type|input type=combobox|values from property=Type d'événement",
            "Main_Picture|uploadable|image preview",
            *_SHARED_FIELDS,
        ],
    ),
    "Acteur": _form(
        "Acteur",
        [
            "name|mandatory",
            "villes d'implantation|list|delimiter=,",
            "Adherent|input type=checkbox",
            "type|input type=text with autocomplete",
            "url",
            "Tags|input type=tokens",
            "Main_Picture|uploadable",
        ],
    ),
    "Ressource": _form("Ressource", [*_SHARED_FIELDS, "Main_Picture|uploadable"]),
    "Project": _form(
        "Project",
        [
            *_SHARED_FIELDS,
            "location",
            "from|input type=text",
            "challenge|input type=tokens",
            "communauté d'intérêt|input type=tokens",
            "chat",
            "complement|input type=textarea",
            "pageCo",
            "Coordonnées géo|input type=leaflet",
        ],
    ),
    "Communauté": _form(
        "Communauté",
        ["Titre", "description|input type=textarea", "Objectifs|input type=textarea"],
    ),
    "Atelier": _form("Atelier", ["quand|input type=datepicker|mandatory"]),
}

PROPERTIES = {
    "Date": "Date de début d'un événement. Cette propriété est de type [[A le type::Date]].",
    "Date de fin": "[[A le type::Date]]",
    "Place": "Lieu de l'événement : [[A le type::Texte]].",
    "Type d'événement": "[[A le type::Texte]]",
    "Description courte": "[[Has type::Text]]",
    "Tags": "Cette propriété est de type [[A le type::String]].",
    "Theme": "[[A le type::Page]]",
    "Ville": "[[A le type::Page]]",
    "Adhérent": "Membre de l'association : [[A le type::Booléen]].",
    "Lieu": "[[A le type::Texte]]",
    "Défi": "[[A le type::Page]]",
    "Communauté": "[[A le type::Page]]",
}

ATELIERS = {
    "Atelier vélo 1": "bientôt",
    "Atelier vélo 2": "à définir",
    "Atelier vélo 3": "2021-03-04",
    "Atelier vélo 4": "",
}


@pytest.fixture(scope="module")
def structured_wiki(
    tmp_path_factory: pytest.TempPathFactory, wiki_template: TestWiki
) -> Iterator[TestWiki]:
    """A copy of the seeded wiki with FabMob-shaped templates, forms and properties."""
    copy = wiki_template.clone(
        tmp_path_factory.mktemp("wiki-structure") / "wiki", snapshot="seeded"
    )
    settings = copy.directory / "LocalSettings.php"
    settings.write_text(settings.read_text(encoding="utf-8") + NAMESPACES, encoding="utf-8")
    copy.start()
    try:
        site = mwclient.Site(copy.host, path="/", scheme="http", max_retries=0)
        site.login(copy.admin_user, copy.admin_password)
        pages = {f"Modèle:{name}": text for name, text in TEMPLATES.items()}
        pages |= {f"Formulaire:{name}": text for name, text in FORMS.items()}
        pages |= {f"Attribut:{name}": text for name, text in PROPERTIES.items()}
        pages |= {title: f"{{{{Atelier|quand={when}}}}}\n" for title, when in ATELIERS.items()}
        for title, text in pages.items():
            site.pages[title].edit(text, summary="structure FabMob")
        yield copy
    finally:
        copy.stop()


def _preset_fields() -> list[tuple[str, str, str, str]]:
    """Per field of the FabMob preset: (template, field, first parameter, type)."""
    found = []
    for table in tomllib.loads(load_preset("fabmob"))["types"].values():
        for name, spec in table["fields"].items():
            spec = {"type": spec} if isinstance(spec, str) else spec
            param = spec.get("params", [name])[0]
            found.append((table["templates"][0], name, param, spec.get("type", "text")))
    return found


def _proposed(text: str) -> dict[str, dict[str, str]]:
    """Per template, each parameter the proposal reads → its type."""
    out: dict[str, dict[str, str]] = {}
    for table in tomllib.loads(text)["types"].values():
        params = out.setdefault(table["templates"][0], {})
        for name, spec in table["fields"].items():
            spec = {"type": spec} if isinstance(spec, str) else spec
            for param in spec.get("params", [name]):
                params[param] = spec.get("type", "text")
    return out


def test_propose_from_wiki_maps_every_template_field(structured_wiki: TestWiki) -> None:
    with open_source(structured_wiki.url) as source:
        before = source.requests_sent() or 0
        proposal = propose_from_wiki(source)
        requests = (source.requests_sent() or 0) - before
        text = render_proposal(proposal, site=source.location)
    # A batch of pages a request: one per namespace read, then per type two look-ups
    # (redirects, pages using it) and one batch of those pages' content.
    print(f"requests: {requests} for {len(proposal.types)} types")
    assert requests <= 3 + 3 * len(proposal.types)
    proposed = _proposed(text)
    assert set(proposed) == {"Event", "Acteur", "Ressource", "Project", "Communauté", "Atelier"}
    for name, template in TEMPLATES.items():
        if name == "Boîte déroulante":
            continue
        used = set(re.findall(r"\{\{\{([^|{}]+)\|", template))
        assert used <= set(proposed[name]), (name, used - set(proposed[name]))
    assert proposal.read == {"templates": 7, "forms": 6, "properties": 12}


def test_propose_from_wiki_finds_the_fabmob_preset_types(structured_wiki: TestWiki) -> None:
    with open_source(structured_wiki.url) as source:
        text = render_proposal(propose_from_wiki(source))
    proposed = _proposed(text)
    fields = _preset_fields()
    missed = [f for f in fields if proposed.get(f[0], {}).get(f[2]) != f[3]]
    share = 1 - len(missed) / len(fields)
    print(f"FabMob preset types found: {len(fields) - len(missed)}/{len(fields)} = {share:.0%}")
    print("missed:", [(t, f, proposed.get(t, {}).get(p), want) for t, f, p, want in missed])
    assert len(fields) == 42
    assert share >= 0.9, missed


def test_propose_from_wiki_reads_forms_properties_and_usage(structured_wiki: TestWiki) -> None:
    with open_source(structured_wiki.url) as source:
        text = render_proposal(propose_from_wiki(source))
    types = tomllib.loads(text)["types"]
    event = types["event"]
    assert event["categories"] == ["Evénement"]
    assert event["lang"] == "fr"  # the wiki's content language
    assert event["templates"] == ["Event", "Evénement", "Événement"]  # redirects are aliases
    assert event["fields"]["startDate"] == {"type": "date", "required": True}
    assert event["fields"]["place"] == {"params": ["place", "Lieu"]}
    assert event["fields"]["eventType"] == {"params": ["type"]}
    assert event["fields"]["Tags"] == "list"
    assert event["fields"]["Main_Picture"] == "file"
    assert types["acteur"]["fields"]["Adherent"] == "bool"
    assert types["project"]["fields"]["chat"] == "url"
    assert types["project"]["fields"]["Coordonnées géo"] == "coord"
    assert re.search(r'^"Coordonnées géo" = "coord" +# form input leaflet', text, re.MULTILINE)
    assert re.search(r"^startDate = .*# form input datepicker; property Date \(Date\)", text, re.M)


def test_propose_from_wiki_demotes_a_type_the_pages_fail(structured_wiki: TestWiki) -> None:
    with open_source(structured_wiki.url) as source:
        proposal = propose_from_wiki(source)
        text = render_proposal(proposal)
    assert tomllib.loads(text)["types"]["atelier"]["fields"]["quand"] == {"required": True}
    line = next(line for line in text.splitlines() if line.startswith("quand ="))
    assert "was date: 2 of 3 values do not read as date" in line
    assert "required (the form's mandatory): 1 of 4 pages leave it empty" in line
    assert any(item.startswith("atelier.quand: 2 of 3") for item in proposal.undecided)
    assert any("'Boîte déroulante'" in item for item in proposal.undecided)


def test_init_from_wiki_writes_a_working_configuration(
    structured_wiki: TestWiki, tmp_path: Path
) -> None:
    out = tmp_path / "wikisync.toml"
    result = CliRunner().invoke(
        cli,
        ["--site", structured_wiki.url, "init", "--from-wiki", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "6 types" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f'site = "{structured_wiki.url}"')
    config = load_config(str(out))
    assert set(config.types) == {"event", "acteur", "ressource", "project", "communaute", "atelier"}
    records = CliRunner().invoke(cli, ["--config", str(out), "records", "event", "-f", "json"])
    assert records.exit_code in (0, 3), records.output
    assert '"startDate"' in records.stdout


def test_propose_from_a_dump_of_the_wiki_matches_the_live_proposal(
    structured_wiki: TestWiki, tmp_path: Path
) -> None:
    dump = tmp_path / "export.xml"
    dump.write_text(structured_wiki.maint("dumpBackup", "--current", "--quiet"), encoding="utf-8")
    with open_source(structured_wiki.url) as source:
        live = tomllib.loads(render_proposal(propose_from_wiki(source)))["types"]
    with open_source(str(dump)) as source:
        proposal = propose_from_wiki(source)
        offline = tomllib.loads(render_proposal(proposal))["types"]
    assert proposal.read == {"templates": 7, "forms": 6, "properties": 12}
    assert offline == live  # the export says the wiki's language too (xml:lang)
