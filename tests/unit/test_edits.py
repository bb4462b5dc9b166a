"""Batch template edits (pure): byte-exact preservation on differently formatted infoboxes."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import mwparserfromhell
import pytest

from wikisync.cli.outcomes import error_exit_code
from wikisync.core.edits import (
    EditError,
    EditResult,
    ParamChange,
    read_params,
    remove_param,
    rename_param,
    set_params,
    template_matches,
)
from wikisync.core.errors import WikisyncError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "edits"
#: The value the "add" tests give to a new parameter (an en dash, as French typography has).
HOURS = "9h30 \N{EN DASH} 17h"


@dataclass(frozen=True)
class Case:
    """One fixture and the edits the property tests make on it."""

    file: str
    wiki_template: str
    set_param: str  # an existing one-line parameter
    old_value: str
    new_value: str
    added_line: str | None  # the line "Horaires" should add (None: inline layout)
    rename: tuple[str, str]
    remove: str  # a one-line parameter
    infoboxes: int = 1

    @property
    def text(self) -> str:
        return (FIXTURES / self.file).read_text(encoding="utf-8")

    @property
    def one_per_line(self) -> bool:
        return self.added_line is not None


CASES = [
    Case(
        "one-per-line.wiki",
        "Evénement",
        "place",
        "Maison du vélo, Villeurbanne",
        "Salle des fêtes, Vaulx-en-Velin",
        f"|Horaires={HOURS}",
        ("startDate", "dateDebut"),
        "endDate",
    ),
    Case(
        "inline.wiki",
        "Acteur",
        "Adherent",
        "oui",
        "non",
        None,
        ("name", "nom"),
        "Main_Picture",
    ),
    Case(
        "spaced.wiki",
        "Project",
        "location",
        "Rennes",
        "Saint-Malo",
        f"| Horaires = {HOURS}",
        ("from", "depuis"),
        "url",
    ),
    Case(
        "aligned.wiki",
        "Ressource",
        "location",
        "Grenoble",
        "Lyon",
        f"|Horaires         = {HOURS}",
        ("challenge", "défi"),
        "Tags",
    ),
    Case(
        "trailing-pipe.wiki",
        "Event",
        "place",
        "Halle aux grains, Toulouse",
        "Toulouse",
        f" Horaires={HOURS}|",
        ("type", "format"),
        "endDate",
    ),
    Case(
        "comments.wiki",
        "Event",
        "place",
        "Lyon",
        "Villeurbanne",
        f"|Horaires={HOURS}",
        ("type", "format"),
        "endDate",
    ),
    Case(
        "nested.wiki",
        "Event",
        "Theme",
        "Covoiturage",
        "Vélo",
        f"|Horaires={HOURS}",
        ("contact", "Contact"),
        "Theme",
    ),
    Case(
        "prose.wiki",
        "Communauté",
        "Tags",
        "vélo, employeur",
        "vélo, employeur, stationnement",
        f"|Horaires={HOURS}",
        ("Titre", "Nom"),
        "Theme",
    ),
    Case(
        "two-infoboxes.wiki",
        "Event",
        "Theme",
        "Logistique",
        "Fret urbain",
        f"|Horaires={HOURS}",
        ("Theme", "Thème"),
        "place",
        infoboxes=2,
    ),
    Case(
        "accents-urls.wiki",
        "Acteur",
        "site",
        "https://ça-roule.exemple.org/accueil?page=2&tri=date#équipe",
        "https://exemple.org/?q=vélo&lang=fr#haut",
        f"|Horaires={HOURS}",
        ("Adherent", "Adhérent"),
        "description",
    ),
    Case(
        "spaced-inline.wiki",
        "Event",
        "place",
        "Brest",
        "Quimper",
        None,
        ("type", "format"),
        "place",
    ),
    Case(
        "closing-same-line.wiki",
        "Event",
        "place",
        "Strasbourg",
        "Colmar",
        f"|Horaires={HOURS}}}}}",
        ("startDate", "date"),
        "place",
    ),
    Case(
        "indented-pipe.wiki",
        "Project",
        "location",
        "Montpellier",
        "Sète",
        f" | Horaires = {HOURS}",
        ("Tags", "Mots-clés"),
        "location",
    ),
    Case(
        "blank-values.wiki",
        "Event",
        "endDate",
        "",
        "2026-02-11",
        f"|Horaires={HOURS}",
        ("Main_Picture", "Image"),
        "Tags",
    ),
]
LINE_CASES = [case for case in CASES if case.one_per_line]


def _ids(cases: list[Case]) -> list[str]:
    return [case.file.removesuffix(".wiki") for case in cases]


def _line_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """The lines removed and the lines added, as difflib sees them."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def _current_values(text: str, wiki_template: str) -> dict[str, str]:
    """The first infobox's values, as records would read them."""
    for node in mwparserfromhell.parse(text).filter_templates(recursive=False):
        if template_matches(str(node.name), [wiki_template]):
            return {str(param.name).strip(): str(param.value).strip() for param in node.params}
    return {}


def test_fixtures_all_have_a_case() -> None:
    assert sorted(path.name for path in FIXTURES.glob("*.wiki")) == sorted(c.file for c in CASES)


# --- the property tests, over every fixture ----------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_set_params_nothing_to_change_is_byte_identical(case: Case) -> None:
    text = case.text
    values = _current_values(text, case.wiki_template)
    assert values
    result = set_params(text, [case.wiki_template], values, index=0)
    assert result.wikitext == text
    assert not result.changed
    assert {change.action for change in result.changes} == {"unchanged"}


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_set_params_empty_mapping_is_byte_identical(case: Case) -> None:
    result = set_params(case.text, [case.wiki_template], {})
    assert result == EditResult(case.text)


@pytest.mark.parametrize("case", LINE_CASES, ids=_ids(LINE_CASES))
def test_set_params_changes_one_line(case: Case) -> None:
    text = case.text
    result = set_params(text, [case.wiki_template], {case.set_param: case.new_value})
    removed, added = _line_changes(text, result.wikitext)
    assert len(removed) == len(added) == case.infoboxes
    for old_line, new_line in zip(removed, added, strict=True):
        prefix = old_line[: old_line.index("=") + 1]
        assert new_line.startswith(prefix)
        assert new_line == prefix + old_line[len(prefix) :].replace(
            case.old_value, case.new_value, 1
        ) or (not case.old_value and new_line == old_line + case.new_value)
    assert [change.action for change in result.changes] == ["set"] * case.infoboxes


@pytest.mark.parametrize("case", LINE_CASES, ids=_ids(LINE_CASES))
def test_set_params_adds_one_line_in_neighbours_style(case: Case) -> None:
    text = case.text
    result = set_params(text, [case.wiki_template], {"Horaires": HOURS})
    removed, added = _line_changes(text, result.wikitext)
    if case.file == "closing-same-line.wiki":
        # "}}" shares the last line: that line loses it, the new line takes it.
        assert removed == ["|type=Rencontre}}"]
        assert added == ["|type=Rencontre", case.added_line]
        return
    assert removed == []
    assert added == [case.added_line] * case.infoboxes
    assert [change.action for change in result.changes] == ["add"] * case.infoboxes


@pytest.mark.parametrize("case", LINE_CASES, ids=_ids(LINE_CASES))
def test_rename_param_changes_only_the_name(case: Case) -> None:
    text = case.text
    old, new = case.rename
    result = rename_param(text, [case.wiki_template], old, new)
    removed, added = _line_changes(text, result.wikitext)
    assert len(removed) == len(added) == case.infoboxes
    for old_line, new_line in zip(removed, added, strict=True):
        before_name, _, after_name = old_line.partition(old)
        assert new_line.startswith(before_name + new)
        # Everything from "=" on is untouched.
        assert new_line[new_line.index("=") :] == after_name[after_name.index("=") :]
    assert [change.action for change in result.changes] == ["rename"] * case.infoboxes


@pytest.mark.parametrize("case", LINE_CASES, ids=_ids(LINE_CASES))
def test_remove_param_removes_one_line(case: Case) -> None:
    text = case.text
    result = remove_param(text, [case.wiki_template], case.remove)
    removed, added = _line_changes(text, result.wikitext)
    if case.file == "closing-same-line.wiki":
        assert removed == ["|place=Strasbourg"]
        assert added == []
    assert len(removed) == case.infoboxes
    assert added == []
    assert all(line.lstrip(" |").startswith(case.remove) for line in removed)
    assert [change.action for change in result.changes] == ["remove"] * case.infoboxes


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_set_params_keeps_text_outside_the_template(case: Case) -> None:
    text = case.text
    result = set_params(text, [case.wiki_template], {case.set_param: case.new_value, "X": "y"})
    code = mwparserfromhell.parse(text)
    new_code = mwparserfromhell.parse(result.wikitext)
    outside = [str(node) for node in code.nodes if not str(node).startswith("{{")]
    new_outside = [str(node) for node in new_code.nodes if not str(node).startswith("{{")]
    assert outside == new_outside


# --- inline layouts, byte for byte -------------------------------------------

INLINE = FIXTURES / "inline.wiki"
SPACED_INLINE = FIXTURES / "spaced-inline.wiki"


@pytest.mark.parametrize(
    ("path", "values", "expected_template"),
    [
        (
            INLINE,
            {"Adherent": "non"},
            "{{Acteur|name=Cargo Partage|villes d'implantation=Nantes, Rezé"
            "|Main_Picture=Logo-cargo-partage.png|Adherent=non}}",
        ),
        (
            INLINE,
            {"Horaires": "9h30"},
            "{{Acteur|name=Cargo Partage|villes d'implantation=Nantes, Rezé"
            "|Main_Picture=Logo-cargo-partage.png|Adherent=oui|Horaires=9h30}}",
        ),
        (
            SPACED_INLINE,
            {"place": "Quimper"},
            "{{Event | startDate = 2022-04-01 | place = Quimper | type = Atelier }}",
        ),
        (
            SPACED_INLINE,
            {"Horaires": "9h30"},
            "{{Event | startDate = 2022-04-01 | place = Brest | type = Atelier "
            "| Horaires = 9h30 }}",
        ),
    ],
)
def test_set_params_inline_layout(
    path: Path, values: dict[str, str], expected_template: str
) -> None:
    text = path.read_text(encoding="utf-8")
    old_template = text[text.index("{{") : text.index("}}") + 2]
    result = set_params(text, ["Event", "Acteur"], values)
    assert result.wikitext == text.replace(old_template, expected_template)


def test_rename_param_inline_layout() -> None:
    text = SPACED_INLINE.read_text(encoding="utf-8")
    result = rename_param(text, ["Event"], "type", "format")
    assert result.wikitext == text.replace("| type = Atelier", "| format = Atelier")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("place", "{{Event | startDate = 2022-04-01 | type = Atelier }}"),
        ("type", "{{Event | startDate = 2022-04-01 | place = Brest }}"),
        ("startDate", "{{Event | place = Brest | type = Atelier }}"),
    ],
)
def test_remove_param_inline_layout(name: str, expected: str) -> None:
    text = SPACED_INLINE.read_text(encoding="utf-8")
    result = remove_param(text, ["Event"], name)
    assert result.wikitext == expected + text[text.index("}}") + 2 :]


# --- values: whitespace, comments, nesting -----------------------------------


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("{{Event\n|place=\n}}", "{{Event\n|place=Paris\n}}"),
        ("{{Event\n|place = \n|type = atelier\n}}", "{{Event\n|place = Paris\n|type = atelier\n}}"),
        ("{{Event | place = | type = atelier }}", "{{Event | place = Paris | type = atelier }}"),
        ("{{Event|place=|type=atelier}}", "{{Event|place=Paris|type=atelier}}"),
        ("{{Event\n|place=  Lyon  \n}}", "{{Event\n|place=  Paris  \n}}"),
        ("{{Event\n|place=\nLyon\n}}", "{{Event\n|place=\nParis\n}}"),
    ],
)
def test_set_params_keeps_value_spacing(wikitext: str, expected: str) -> None:
    assert set_params(wikitext, ["Event"], {"place": "Paris"}).wikitext == expected


def test_set_params_trims_new_value() -> None:
    result = set_params("{{Event\n|place=Lyon\n}}", ["Event"], {"place": "  Paris \n"})
    assert result.wikitext == "{{Event\n|place=Paris\n}}"


def test_set_params_keeps_comment_beside_value_and_warns() -> None:
    text = (FIXTURES / "comments.wiki").read_text(encoding="utf-8")
    result = set_params(text, ["Event"], {"place": "Villeurbanne"}, title="Forum fret")
    assert "|place=Villeurbanne <!-- à confirmer -->\n" in result.wikitext
    assert result.changes == (
        ParamChange(
            "Event",
            "place",
            "set",
            "Lyon <!-- à confirmer -->",
            "Villeurbanne <!-- à confirmer -->",
        ),
    )
    assert len(result.warnings) == 1
    assert 'Page "Forum fret"' in result.warnings[0]
    assert '"place"' in result.warnings[0]


def test_set_params_comment_in_new_value_replaces_old_comments() -> None:
    text = "{{Event\n|place=Lyon <!-- à confirmer -->\n}}"
    result = set_params(text, ["Event"], {"place": "Lyon <!-- confirmé -->"})
    assert result.wikitext == "{{Event\n|place=Lyon <!-- confirmé -->\n}}"
    assert result.warnings == ()


def test_set_params_same_value_as_with_comment_is_unchanged() -> None:
    text = "{{Event\n|place=Lyon <!-- à confirmer -->\n}}"
    for value in ("Lyon", "Lyon <!-- à confirmer -->"):
        result = set_params(text, ["Event"], {"place": value})
        assert result.wikitext == text
        assert not result.changed


def test_set_params_comment_only_value() -> None:
    text = "{{Event\n|startDate=<!-- AAAA-MM-JJ -->\n}}"
    result = set_params(text, ["Event"], {"startDate": "2024-01-31"})
    assert result.wikitext == "{{Event\n|startDate=2024-01-31<!-- AAAA-MM-JJ -->\n}}"


def test_set_params_replaces_nested_template_value_when_trusted() -> None:
    text = (FIXTURES / "nested.wiki").read_text(encoding="utf-8")
    result = set_params(text, ["Event"], {"startDate": "{{Date|2024|12|01}}"}, trusted=True)
    assert "|startDate={{Date|2024|12|01}}\n" in result.wikitext
    assert result.changes[0].old == "{{Date|2024|11|05}}"


def test_set_params_ignores_infobox_nested_in_a_value() -> None:
    text = "{{Event\n|place=Lyon\n|related={{Event|place=Paris}}\n}}"
    result = set_params(text, ["Event"], {"place": "Nancy"})
    assert result.wikitext == "{{Event\n|place=Nancy\n|related={{Event|place=Paris}}\n}}"


def test_set_params_finds_infobox_inside_a_tag() -> None:
    text = '<div class="fiche">{{Event|place=Lyon}}</div>'
    result = set_params(text, ["Event"], {"place": "Nancy"})
    assert result.wikitext == '<div class="fiche">{{Event|place=Nancy}}</div>'


@pytest.mark.parametrize(
    "value",
    [
        "[[Lyon|la ville de Lyon]]",
        "a=b",
        "https://exemple.org/?a=1&b=2#haut",
        "[https://exemple.org/?a=1 le site]",
        "L\N{RIGHT SINGLE QUOTATION MARK}atelier « vélo » · salarié·es",
        "x < y > z & w",
        "<nowiki>{{pas un modèle}}</nowiki>",
        "ligne 1\nligne 2",
    ],
)
def test_set_params_accepts_plain_values(value: str) -> None:
    result = set_params("{{Event\n|place=Lyon\n}}", ["Event"], {"place": value})
    assert result.wikitext == "{{Event\n|place=" + value + "\n}}"
    parsed = mwparserfromhell.parse(result.wikitext).filter_templates()[0]
    assert str(parsed.get("place").value).strip() == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a|b", '"|"'),
        ("a}}b", "{{ or }}"),
        ("a{{b", "{{ or }}"),
        ("{{Date|2024}}", "template"),
        ("{{{1}}}", "template"),
        ("[[Lyon|{{PAGENAME}}]]", "template in a link"),
        ("<span>a|b</span>", '"|"'),
        ("Lyon <!-- oups", "comment"),
        ("[https://exemple.org/a|b lien]", '"|"'),
    ],
)
def test_set_params_refuses_values_that_break_the_template(value: str, reason: str) -> None:
    with pytest.raises(EditError) as info:
        set_params("{{Event\n|place=Lyon\n}}", ["Event"], {"place": value}, title="Atelier")
    error = info.value
    assert isinstance(error, WikisyncError)
    assert (error.title, error.wiki_template, error.param, error.value) == (
        "Atelier",
        "Event",
        "place",
        value,
    )
    message = str(error)
    assert message.startswith('Page "Atelier": {{Event}} parameter "place"')
    assert reason in message


@pytest.mark.parametrize(
    "value",
    ["{{Date|2024|12|01}}", "[[Lyon|{{PAGENAME}}]]", "<ref>source|page 3</ref>", "{{{1|}}}"],
)
def test_set_params_trusted_allows_wikitext(value: str) -> None:
    result = set_params("{{Event|place=Lyon}}", ["Event"], {"place": value}, trusted=True)
    assert result.wikitext == "{{Event|place=" + value + "}}"


@pytest.mark.parametrize("value", ["a|b", "a}}b", "<span>a|b</span>", "a <!-- b"])
def test_set_params_trusted_still_refuses_breakage(value: str) -> None:
    with pytest.raises(EditError):
        set_params("{{Event|place=Lyon}}", ["Event"], {"place": value}, trusted=True)


def test_set_params_current_value_is_never_refused() -> None:
    text = "{{Event\n|startDate={{Date|2024|11|05}}\n}}"
    result = set_params(text, ["Event"], {"startDate": "{{Date|2024|11|05}}"})
    assert not result.changed


@pytest.mark.parametrize("name", ["", " ", "a=b", "a|b", "{{x}}", "a\nb", "[[a]]"])
def test_set_params_refuses_bad_names(name: str) -> None:
    with pytest.raises(EditError, match="not a usable parameter name"):
        set_params("{{Event|place=Lyon}}", ["Event"], {name: "x"})


# --- duplicates, positional parameters, several infoboxes --------------------


def test_set_params_edits_the_last_duplicate_and_warns() -> None:
    text = "{{Event\n|place=Lyon\n|type=atelier\n|place=Paris\n}}"
    result = set_params(text, ["Event"], {"place": "Nancy"}, title="Double")
    assert result.wikitext == "{{Event\n|place=Lyon\n|type=atelier\n|place=Nancy\n}}"
    assert result.changes[0].old == "Paris"
    assert len(result.warnings) == 1
    assert '"place" is given 2 times' in result.warnings[0]


def test_rename_param_renames_every_duplicate() -> None:
    text = "{{Event\n|lieu=Lyon\n|lieu=Paris\n}}"
    result = rename_param(text, ["Event"], "lieu", "place")
    assert result.wikitext == "{{Event\n|place=Lyon\n|place=Paris\n}}"
    assert len(result.warnings) == 1


def test_remove_param_removes_every_duplicate() -> None:
    text = "{{Event\n|lieu=Lyon\n|type=atelier\n|lieu=Paris\n}}"
    result = remove_param(text, ["Event"], "lieu")
    assert result.wikitext == "{{Event\n|type=atelier\n}}"
    assert [change.old for change in result.changes] == ["Lyon", "Paris"]
    assert len(result.warnings) == 1


def test_set_params_positional_param() -> None:
    result = set_params("{{Event|Lyon|type=atelier}}", ["Event"], {"1": "Paris"})
    assert result.wikitext == "{{Event|Paris|type=atelier}}"


def test_set_params_positional_value_with_equals_becomes_named() -> None:
    result = set_params("{{Event|Lyon|type=atelier}}", ["Event"], {"1": "a=b"})
    assert result.wikitext == "{{Event|1=a=b|type=atelier}}"
    assert "positional parameter 1" in result.warnings[0]


def test_set_params_new_numbered_param_is_explicit() -> None:
    result = set_params("{{Event|Lyon}}", ["Event"], {"2": "Paris"})
    assert result.wikitext == "{{Event|Lyon|2=Paris}}"


def test_set_params_index_selects_one_infobox() -> None:
    text = (FIXTURES / "two-infoboxes.wiki").read_text(encoding="utf-8")
    result = set_params(text, ["Event"], {"place": "Talence"}, index=1)
    assert result.wikitext == text.replace("|place=Pessac", "|place=Talence")
    assert result.changes == (ParamChange("event", "place", "set", "Pessac", "Talence", 1),)


def test_set_params_without_index_edits_every_infobox() -> None:
    text = (FIXTURES / "two-infoboxes.wiki").read_text(encoding="utf-8")
    result = set_params(text, ["Event"], {"place": "Talence"})
    assert [(change.index, change.old) for change in result.changes] == [
        (0, "Bordeaux"),
        (1, "Pessac"),
    ]


def test_set_params_index_out_of_range_raises() -> None:
    text = (FIXTURES / "two-infoboxes.wiki").read_text(encoding="utf-8")
    with pytest.raises(EditError, match="infobox number 3 \\(the page has 2\\)"):
        set_params(text, ["Event"], {"place": "Talence"}, index=2)


def test_set_params_without_infobox_raises() -> None:
    with pytest.raises(EditError, match=re.escape('Page "Vide": no {{Event}} infobox')) as info:
        set_params(
            "Pas d'infobox ici. {{Autre|a=b}}", ["Event", "Evénement"], {"a": "b"}, title="Vide"
        )
    assert info.value.title == "Vide"


def test_set_params_add_missing_false_skips_and_warns() -> None:
    text = "{{Event\n|place=Lyon\n}}"
    result = set_params(text, ["Event"], {"type": "atelier"}, add_missing=False)
    assert result.wikitext == text
    assert result.changes == ()
    assert 'no parameter "type"' in result.warnings[0]


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("{{Event}}", "{{Event|place=Lyon}}"),
        ("{{Event\n}}", "{{Event\n|place=Lyon\n}}"),
        ("{{Event|}}", "{{Event||place=Lyon}}"),
        ("{{Event|Lyon}}", "{{Event|Lyon|place=Lyon}}"),
    ],
)
def test_set_params_adds_to_template_without_named_params(wikitext: str, expected: str) -> None:
    assert set_params(wikitext, ["Event"], {"place": "Lyon"}).wikitext == expected


# --- rename and remove details -----------------------------------------------


def test_rename_param_keeps_alignment() -> None:
    text = (FIXTURES / "aligned.wiki").read_text(encoding="utf-8")
    result = rename_param(text, ["Ressource"], "shortDescription", "résumé")
    assert "\n|résumé           = Plans ouverts" in result.wikitext
    longer = rename_param(text, ["Ressource"], "Tags", "motsClésDuCommun")
    assert "\n|motsClésDuCommun = recharge" in longer.wikitext
    longest = rename_param(text, ["Ressource"], "Tags", "mots-clés du commun")
    assert "\n|mots-clés du commun = recharge" in longest.wikitext


def test_rename_param_refuses_when_new_exists_with_another_value() -> None:
    text = "{{Event\n|lieu=Lyon\n|place=Paris\n}}"
    with pytest.raises(
        EditError, match='both "lieu" \\("Lyon"\\) and "place" \\("Paris"\\)'
    ) as info:
        rename_param(text, ["Event"], "lieu", "place", title="Conflit")
    assert (info.value.title, info.value.param, info.value.value) == ("Conflit", "lieu", "Lyon")


def test_rename_param_drops_old_when_values_are_equal() -> None:
    text = "{{Event\n|lieu=Lyon\n|place=Lyon\n}}"
    result = rename_param(text, ["Event"], "lieu", "place")
    assert result.wikitext == "{{Event\n|place=Lyon\n}}"
    assert [change.action for change in result.changes] == ["remove"]
    assert result.warnings


def test_rename_param_missing_param_changes_nothing() -> None:
    text = "{{Event\n|place=Lyon\n}}"
    result = rename_param(text, ["Event"], "lieu", "place")
    assert result == EditResult(text)


def test_rename_param_reports_new_name() -> None:
    result = rename_param("{{Event|lieu=Lyon}}", ["Event"], "lieu", "place")
    assert result.changes == (ParamChange("Event", "lieu", "rename", "Lyon", "Lyon", 0, "place"),)


def test_rename_param_positional_becomes_named() -> None:
    result = rename_param("{{Event|Lyon|type=atelier}}", ["Event"], "1", "place")
    assert result.wikitext == "{{Event|place=Lyon|type=atelier}}"


def test_rename_param_refuses_renumbering() -> None:
    with pytest.raises(EditError, match="renumbered"):
        rename_param("{{Event|Lyon|atelier}}", ["Event"], "1", "place")


def test_rename_param_refuses_bad_name() -> None:
    with pytest.raises(EditError, match="not a usable parameter name"):
        rename_param("{{Event|lieu=Lyon}}", ["Event"], "lieu", "a=b")


def test_remove_param_keeps_comment_lines_that_follow() -> None:
    text = (FIXTURES / "comments.wiki").read_text(encoding="utf-8")
    result = remove_param(text, ["Event"], "endDate")
    assert result.wikitext == text.replace("|endDate=\n", "")
    assert "<!-- Lieu et type -->\n|place=" in result.wikitext


def test_remove_param_first_param_keeps_following_comment() -> None:
    text = "{{Event\n|a=1\n<!-- section -->\n|b=2\n}}"
    result = remove_param(text, ["Event"], "a")
    assert result.wikitext == "{{Event\n<!-- section -->\n|b=2\n}}"


def test_remove_param_hands_closing_to_previous() -> None:
    text = (FIXTURES / "closing-same-line.wiki").read_text(encoding="utf-8")
    result = remove_param(text, ["Event"], "type")
    assert result.wikitext == text.replace(
        "|place=Strasbourg\n|type=Rencontre}}", "|place=Strasbourg}}"
    )


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("{{Event\n|place=Lyon\n}}", "{{Event\n}}"),
        ("{{Event|place=Lyon}}", "{{Event}}"),
        ("{{Event|Lyon|type=atelier}}", "{{Event|Lyon}}"),
    ],
)
def test_remove_param_last_param(wikitext: str, expected: str) -> None:
    name = "place" if "place" in wikitext else "type"
    assert remove_param(wikitext, ["Event"], name).wikitext == expected


def test_remove_param_last_positional() -> None:
    result = remove_param("{{Event|Lyon|Paris}}", ["Event"], "2")
    assert result.wikitext == "{{Event|Lyon}}"


def test_remove_param_refuses_renumbering() -> None:
    with pytest.raises(EditError, match="renumbered"):
        remove_param("{{Event|Lyon|Paris}}", ["Event"], "1")


def test_remove_param_missing_param_changes_nothing() -> None:
    text = "{{Event\n|place=Lyon\n}}"
    assert remove_param(text, ["Event"], "type") == EditResult(text)


# --- matching and results ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Event", True),
        ("event", True),
        (" Event\n", True),
        ("Modèle:Event", True),
        ("modèle:event", True),
        ("Template:Event", True),
        ("Fiche_événement", True),
        ("fiche événement", True),
        ("EVENT", False),
        ("Events", False),
        (":Event", False),
        ("Catégorie:Event", False),
    ],
)
def test_template_matches_spellings(name: str, expected: bool) -> None:
    assert template_matches(name, ["Event", "Fiche événement"]) is expected


def test_edit_result_to_dict() -> None:
    result = rename_param("{{Event|lieu=Lyon}}", ["Event"], "lieu", "place")
    assert result.to_dict() == {
        "wikitext": "{{Event|place=Lyon}}",
        "changed": True,
        "changes": [
            {
                "wiki_template": "Event",
                "index": 0,
                "param": "lieu",
                "new_param": "place",
                "action": "rename",
                "old": "Lyon",
                "new": "Lyon",
            }
        ],
        "warnings": [],
    }


@pytest.mark.parametrize(("value", "hinted"), [("{{Date|2024}}", True), ("a|b", False)])
def test_set_params_error_hints_trusted_only_when_it_would_help(value: str, hinted: bool) -> None:
    with pytest.raises(EditError) as info:
        set_params("{{Event|place=Lyon}}", ["Event"], {"place": value})
    assert ("trusted=True" in str(info.value)) is hinted


@pytest.mark.parametrize("value", ["== {{Titre}} ==", "[https://exemple.org {{Titre}}]"])
def test_set_params_refuses_templates_anywhere_in_plain_values(value: str) -> None:
    with pytest.raises(EditError, match="template"):
        set_params("{{Event|place=Lyon}}", ["Event"], {"place": value})


def test_set_params_error_quotes_long_values_briefly() -> None:
    value = "a|" + "b" * 200
    with pytest.raises(EditError, match=r'new value "a\|b{75}\.\.\." holds') as info:
        set_params("{{Event|place=Lyon}}", ["Event"], {"place": value})
    assert info.value.value == value


# -- hostile values: NFC, unpaired tags, a result that parses otherwise ----------

_PLAIN = "{{Event\n|place=Lyon\n|type=atelier\n}}\n"


def test_nfc_traps_are_exactly_the_characters_nfc_turns_into_ascii() -> None:
    from wikisync.core.edits import _NFC_TO_ASCII

    found = {
        chr(code)
        for code in range(0x80, 0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and unicodedata.normalize("NFC", chr(code)) != chr(code)
        and any(ord(c) < 0x80 for c in unicodedata.normalize("NFC", chr(code)))
    }
    assert found == _NFC_TO_ASCII


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("\u037eTitre", "&#x37E;Titre"),  # would be ";" once saved: a definition list
        ("a\n\u037eb", "a\n&#x37E;b"),
        ("\u212a-way", "&#x212A;-way"),
        ("\u0338x", "&#x338;x"),  # "=" + U+0338 is "≠": the parameter would lose its "="
        ("\u0301\u0301x", "&#x301;&#x301;x"),
        ("e\u0301te\u0301", "été"),  # plain NFC
        ("  Lyon \n", "Lyon"),
    ],
)
def test_set_params_writes_nfc_and_escapes_what_nfc_makes_markup(value: str, written: str) -> None:
    result = set_params(_PLAIN, ["Event"], {"place": value}, title="Atelier")
    assert result.wikitext == _PLAIN.replace("Lyon", written)
    saved = unicodedata.normalize("NFC", result.wikitext)
    assert read_params(saved, ["Event"]) == ({"place": written, "type": "atelier"},)
    code = mwparserfromhell.parse(saved)
    assert not [tag for tag in code.filter_tags() if tag.wiki_markup]  # no ; : * # list


@pytest.mark.parametrize(
    ("page", "value", "expected"),
    [
        # A value that closes a tag opened before the infobox.
        ("<ref>note " + _PLAIN, "x</ref>", 'unpaired "</ref" tag'),
        (_PLAIN + "</nowiki>", "<nowiki>x", 'unpaired "<nowiki" tag'),
        ("<nowiki>" + _PLAIN, "</NoWiki >", 'unpaired "</NoWiki" tag'),
        (_PLAIN, "a<includeonly>b", 'unpaired "<includeonly" tag'),
        # Balanced on its own, but its </ref> pairs with the <ref> left open before.
        ("<ref>note " + _PLAIN, "x<ref>y</ref>", "would change which templates"),
        ("<ref>note " + _PLAIN, "<ref>y</ref>", "would change which templates"),
        # Braces and pipes, as before.
        (_PLAIN, "a}}b", "unbalanced {{ or }}"),
        (_PLAIN, "a|b", 'holds a "|"'),
        (_PLAIN, "{{b", "unbalanced {{ or }}"),
        ("x\0" + _PLAIN, "Paris", "NUL character"),
    ],
)
def test_set_params_refuses_a_value_that_changes_what_parses(
    page: str, value: str, expected: str
) -> None:
    with pytest.raises(EditError) as info:
        set_params(page, ["Event"], {"place": value}, title="Atelier")
    message = str(info.value)
    assert expected in message
    assert message.startswith('Page "Atelier": ')
    assert "\n" not in message
    assert info.value.title == "Atelier"


def test_set_params_accepts_tags_when_nothing_is_left_open() -> None:
    page = "<ref>note</ref> " + _PLAIN + "<!-- {{Event|place=ailleurs}} -->\n"
    result = set_params(page, ["Event"], {"place": "x<ref>y</ref>"}, trusted=True, title="A")
    assert read_params(result.wikitext, ["Event"])[0]["place"] == "x<ref>y</ref>"


def test_refusal_through_the_set_batch_names_page_and_value() -> None:
    from wikisync.ops.batch.run import refusal

    with pytest.raises(EditError) as info:
        set_params("<ref>" + _PLAIN, ["Event"], {"place": "<ref>y</ref>"}, title="Atelier")
    refused = refusal(info.value)
    assert error_exit_code(refused) == 3
    assert refused.title == "Atelier"
    assert '"place" = "<ref>y</ref>"' in str(refused)
