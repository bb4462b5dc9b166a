"""Unit tests for wikisync.values: the per-type value parsers."""

from __future__ import annotations

import datetime as dt

import mwparserfromhell
import pytest

from wikisync.values import (
    FIELD_TYPES,
    DateValue,
    ValueFormatError,
    is_blank,
    parse_bool,
    parse_date,
    parse_enum,
    parse_file_name,
    parse_int,
    parse_list,
    parse_page_title,
    parse_url,
    parse_value,
    to_json_value,
    to_plain_text,
)

# -- dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("2018-07-03", "2018-07-03", "day"),
        ("20180703", "2018-07-03", "day"),
        ("2023-07", "2023-07", "month"),
        ("2023", "2023", "year"),
        ("2024-03-05T18:30:00", "2024-03-05T18:30:00", "datetime"),
        ("2024-03-05T18:30", "2024-03-05T18:30:00", "datetime"),
        ("2024-03-05 18:30:15", "2024-03-05T18:30:15", "datetime"),
        ("2024-03-05T18:30:00Z", "2024-03-05T18:30:00Z", "datetime"),
        ("2024-03-05T18:30:00+02:00", "2024-03-05T18:30:00+02:00", "datetime"),
        ("3 juillet 2018", "2018-07-03", "day"),
        ("03 juillet 2018", "2018-07-03", "day"),
        ("1er mai 2019", "2019-05-01", "day"),
        ("1ᵉʳ mai 2019", "2019-05-01", "day"),
        ("1 mai 2019", "2019-05-01", "day"),
        ("14 février 2020", "2020-02-14", "day"),
        ("14 fevrier 2020", "2020-02-14", "day"),
        ("15 août 2021", "2021-08-15", "day"),
        ("15 aout 2021", "2021-08-15", "day"),
        ("2 décembre 2022", "2022-12-02", "day"),
        ("2 DÉCEMBRE 2022", "2022-12-02", "day"),
        ("3 juil. 2018", "2018-07-03", "day"),
        ("12 sept. 2019", "2019-09-12", "day"),
        ("mercredi 3 juillet 2018", "2018-07-03", "day"),
        ("Jeudi 1er mars 2018 à 18h30", "2018-03-01T18:30:00", "datetime"),
        ("3 juillet 2018 18:30", "2018-07-03T18:30:00", "datetime"),
        ("3 juillet 2018 à 9h", "2018-07-03T09:00:00", "datetime"),
        ("3 juillet 2018 18:30:15", "2018-07-03T18:30:15", "datetime"),
        ("3 juillet 2018 à 18h30:00", "2018-07-03T18:30:00", "datetime"),
        ("Juillet 2023", "2023-07", "month"),
        ("juillet 2023", "2023-07", "month"),
        ("Février 2024", "2024-02", "month"),
        ("3 July 2018", "2018-07-03", "day"),
        ("03/07/2018", "2018-07-03", "day"),
        ("3.7.2018", "2018-07-03", "day"),
        ("  3 juillet 2018\n", "2018-07-03", "day"),
    ],
)
def test_parse_date_accepts_iso_and_french_forms(text: str, iso: str, precision: str) -> None:
    value = parse_date(text)
    assert value.iso() == iso
    assert value.precision == precision


def test_parse_date_accepts_decomposed_unicode() -> None:
    decomposed = "14 fe\u0301vrier 2020"  # "é" as "e" + combining accent
    assert parse_date(decomposed).iso() == "2020-02-14"


@pytest.mark.parametrize(
    "text",
    [
        "day",
        "",
        "juillet",
        "3 juillet",
        "31 février 2020",
        "32 mai 2019",
        "2018-13",
        "2018-02-30",
        "3 juillot 2018",
        "3 juillet 2018 à 25h00",
        "3 juillet 2018 à 18:3x",
        "3 juillet 2018 à 18:61",
        "3 juillet 2018 à 18:30:00:00",
        "Juillet 2023 à 18h",
        "à définir",
        "2018/07/03/01",
        "2018-07-03-01",
    ],
)
def test_parse_date_rejects_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_date(text)
    assert info.value.expected == "a date"
    assert info.value.value == text.strip()


def test_date_value_orders_chronologically() -> None:
    dates = [parse_date(t) for t in ("2019-05-01", "Juillet 2018", "3 juillet 2018", "2017")]
    assert [d.iso() for d in sorted(dates)] == ["2017", "2018-07", "2018-07-03", "2019-05-01"]


@pytest.mark.parametrize(
    ("text", "first_day"),
    [
        ("2023", dt.date(2023, 1, 1)),
        ("Juillet 2023", dt.date(2023, 7, 1)),
        ("1er mai 2019", dt.date(2019, 5, 1)),
    ],
)
def test_date_value_to_date_gives_first_day(text: str, first_day: dt.date) -> None:
    assert parse_date(text).to_date() == first_day


def test_date_value_str_is_iso() -> None:
    assert str(DateValue(2024, 3, 5, 18, 30, 0, "datetime")) == "2024-03-05T18:30:00"


# -- plain text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wikitext", "plain"),
    [
        ("Atelier", "Atelier"),
        ("[[Nantes Métropole]]", "Nantes Métropole"),
        ("[[Nantes (ville)|Nantes]] et [[Rennes]]", "Nantes et Rennes"),
        ("'''gras''' et ''italique'' et '''''les deux'''''", "gras et italique et les deux"),
        ("avant<!-- caché -->après", "avantaprès"),
        ("A &amp; B &lt;C&gt; &eacute;t&eacute;", "A & B <C> été"),
        ("prix&nbsp;: 3 €", "prix\u00a0: 3 €"),
        ("voir [https://exemple.org/a?b=1#c le site]", "voir le site"),
        ("voir https://exemple.org/a?b=1#c", "voir https://exemple.org/a?b=1#c"),
        ("[https://exemple.org/x]", "https://exemple.org/x"),
        ("[[Fichier:Logo.png|vignette|Un logo]] texte", "texte"),
        ("texte [[Catégorie:Evénement]]", "texte"),
        ("[[:Catégorie:Evénement|les événements]]", "les événements"),
        ("[[:Catégorie:Evénement]]", "Catégorie:Evénement"),
        ("affirmation<ref>une source</ref>.", "affirmation."),
        ("ligne un<br />ligne deux", "ligne un\nligne deux"),
        ("ligne un<br/>\nligne deux", "ligne un\nligne deux"),
        ("a {{!}} b", "a | b"),
        ("a {{Clear}} b", "a b"),
        ("<nowiki>[[pas un lien]]</nowiki>", "[[pas un lien]]"),
        ("<span style='color:red'>rouge</span>", "rouge"),
        ("  espaces   multiples  ", "espaces multiples"),
        ("co·construire avec les habitant·es", "co·construire avec les habitant·es"),
        ("l\u2019équipe d'Alice", "l\u2019équipe d'Alice"),
        ("§1\n\n\n\n§2", "§1\n\n§2"),
        ("* un\n* deux", "un\ndeux"),
        ("== Titre ==\ntexte", "Titre\ntexte"),
    ],
)
def test_to_plain_text_reduces_markup(wikitext: str, plain: str) -> None:
    assert to_plain_text(wikitext) == plain


def test_to_plain_text_keeps_paragraphs_of_long_prose() -> None:
    wikitext = (
        "Premier paragraphe, avec une virgule ; et un point-virgule.\n"
        "Suite du même paragraphe.\n"
        "\n"
        "Second paragraphe : [[Vélo cargo|vélos cargos]] partagés.   \n"
    )
    assert to_plain_text(mwparserfromhell.parse(wikitext)) == (
        "Premier paragraphe, avec une virgule ; et un point-virgule.\n"
        "Suite du même paragraphe.\n"
        "\n"
        "Second paragraphe : vélos cargos partagés."
    )


# -- lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wikitext", "items"),
    [
        ("a, b, c", ("a", "b", "c")),
        ("a,b,c", ("a", "b", "c")),
        ("a; b ;c", ("a", "b", "c")),
        ("a, b; c", ("a", "b", "c")),
        (" a ,, b , ", ("a", "b")),
        (",;,", ()),
        ("seul", ("seul",)),
        ("mobilité  partagée, vélo", ("mobilité partagée", "vélo")),
        ("[[Paris, France|Paris]], Lyon", ("Paris", "Lyon")),
        ("[[Covoit'Villages]], ''vélo''", ("Covoit'Villages", "vélo")),
        ("a,<!-- b, -->c", ("a", "c")),
        ("a &amp; b, c", ("a & b", "c")),
    ],
)
def test_parse_list_splits_on_commas_and_semicolons(wikitext: str, items: tuple[str, ...]) -> None:
    assert parse_list(wikitext) == items


# -- scalars ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", True),
        ("Oui", True),
        ("non", False),
        ("NON", False),
        ("yes", True),
        ("no", False),
        ("true", True),
        ("False", False),
        ("vrai", True),
        ("faux", False),
        ("1", True),
        ("0", False),
        (" oui ", True),
    ],
)
def test_parse_bool_reads_yes_no_words(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["peut-être", "2", "o", "adhérent"])
def test_parse_bool_rejects_other_words(text: str) -> None:
    with pytest.raises(ValueFormatError, match="yes or no"):
        parse_bool(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-3", -3),
        ("+7", 7),
        ("1 200", 1200),
        ("1\u202f200", 1200),
        ("1\u00a0200", 1200),
    ],
)
def test_parse_int_reads_whole_numbers(text: str, expected: int) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize("text", ["12.5", "douze", "1,5", "", "-", "٣"])
def test_parse_int_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueFormatError, match="a whole number"):
        parse_int(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("atelier", "Atelier"), ("ATELIER", "Atelier"), (" Journée  d'étude ", "Journée d'étude")],
)
def test_parse_enum_returns_the_schema_spelling(text: str, expected: str) -> None:
    assert parse_enum(text, ("Atelier", "Journée d'étude")) == expected


def test_parse_enum_rejects_unknown_choice() -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_enum("Webinaire", ("Atelier", "Conférence"))
    assert info.value.expected == "one of 'Atelier', 'Conférence'"


@pytest.mark.parametrize(
    ("wikitext", "url"),
    [
        ("https://exemple.org", "https://exemple.org"),
        (
            "https://exemple.org/agenda?lang=fr&x=1#programme",
            "https://exemple.org/agenda?lang=fr&x=1#programme",
        ),
        ("[https://exemple.org/a?b=c#d le site]", "https://exemple.org/a?b=c#d"),
        ("http://exemple.org/", "http://exemple.org/"),
        ("www.exemple.org/page", "https://www.exemple.org/page"),
        ("mailto:contact@exemple.org", "mailto:contact@exemple.org"),
        ("  https://exemple.org/x  \n", "https://exemple.org/x"),
    ],
)
def test_parse_url_reads_bare_and_bracketed_urls(wikitext: str, url: str) -> None:
    assert parse_url(wikitext) == url


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("pas encore de site", "a URL (https://…)"),
        ("exemple.org", "a URL (https://…)"),
        ("javascript:alert(1)", "a URL (https://…)"),
        ("https://a.org https://b.org", "one URL"),
        ("voir https://a.org", "one URL"),
    ],
)
def test_parse_url_rejects_what_is_not_one_url(wikitext: str, expected: str) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_url(wikitext)
    assert info.value.expected == expected


@pytest.mark.parametrize(
    ("wikitext", "title"),
    [
        ("[[Nantes Métropole]]", "Nantes Métropole"),
        ("[[nantes_Métropole|la métropole]]", "Nantes Métropole"),
        ("[[Vélo#Histoire|vélo]]", "Vélo"),
        ("collectif  rue aux enfants", "Collectif rue aux enfants"),
        ("[[Category:Commun]]", "Catégorie:Commun"),
    ],
)
def test_parse_page_title_normalises_links_and_bare_titles(wikitext: str, title: str) -> None:
    assert parse_page_title(wikitext) == title


@pytest.mark.parametrize("wikitext", ["[[A]] et [[B]]", "a {b}", "x | y"])
def test_parse_page_title_rejects_several_pages_or_bad_characters(wikitext: str) -> None:
    with pytest.raises(ValueFormatError):
        parse_page_title(wikitext)


@pytest.mark.parametrize(
    ("wikitext", "name"),
    [
        ("Atelier_covoiturage.jpg", "Atelier covoiturage.jpg"),
        ("atelier.JPG", "Atelier.JPG"),
        ("Fichier:Logo MSB.png", "Logo MSB.png"),
        ("File:logo.svg", "Logo.svg"),
        ("Image:logo.svg", "Logo.svg"),
        ("[[Fichier:Logo_MSB.png|150px]]", "Logo MSB.png"),
    ],
)
def test_parse_file_name_returns_the_name_without_prefix(wikitext: str, name: str) -> None:
    assert parse_file_name(wikitext) == name


@pytest.mark.parametrize(
    "wikitext", ["aucune", "Catégorie:Logo.png", "[[A.png]] [[B.png]]", "logo.png#x"]
)
def test_parse_file_name_rejects_what_is_not_a_file(wikitext: str) -> None:
    with pytest.raises(ValueFormatError):
        parse_file_name(wikitext)


# -- dispatch -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "wikitext", "expected"),
    [
        ("text", "'''Atelier''' [[Vélo|vélo]]", "Atelier vélo"),
        ("wikitext", " '''Atelier''' [[Vélo|vélo]]\n", "'''Atelier''' [[Vélo|vélo]]"),
        ("date", "1er mai 2019", DateValue(2019, 5, 1)),
        ("date", "[[3 juillet 2018]]", DateValue(2018, 7, 3)),
        ("list", "a, b;c", ("a", "b", "c")),
        ("page", "[[Rennes]]", "Rennes"),
        ("file", "logo.png", "Logo.png"),
        ("url", "https://exemple.org/?q=1", "https://exemple.org/?q=1"),
        ("int", "1 200", 1200),
        ("int", "'''12'''", 12),
        ("bool", "oui", True),
        ("bool", "non", False),
        ("enum", "atelier", "Atelier"),
    ],
)
def test_parse_value_parses_every_field_type(
    field_type: str, wikitext: str, expected: object
) -> None:
    assert parse_value(field_type, wikitext, ("Atelier", "Conférence")) == expected
    # the same value as a parsed Wikicode node gives the same result
    code = mwparserfromhell.parse(wikitext)
    assert parse_value(field_type, code, ("Atelier", "Conférence")) == expected


@pytest.mark.parametrize("field_type", FIELD_TYPES)
@pytest.mark.parametrize(
    "wikitext", ["", "   \n", "<!-- à remplir -->", " <!-- a -->\n<!-- b --> "]
)
def test_parse_value_treats_blank_values_as_absent(field_type: str, wikitext: str) -> None:
    assert parse_value(field_type, wikitext, ("x",)) is None


@pytest.mark.parametrize(
    ("field_type", "wikitext"),
    [("list", ",, ;"), ("text", "[[Catégorie:Commun]]"), ("text", "{{Clear}}")],
)
def test_parse_value_treats_values_without_content_as_absent(
    field_type: str, wikitext: str
) -> None:
    assert parse_value(field_type, wikitext) is None


def test_parse_value_rejects_unknown_field_type() -> None:
    with pytest.raises(ValueError, match="unknown field type"):
        parse_value("color", "rouge")


@pytest.mark.parametrize(
    ("field_type", "wikitext", "expected"),
    [
        ("date", "day", "a date"),
        ("date", "'''bientôt'''", "a date"),
        ("int", "beaucoup", "a whole number"),
        ("bool", "peut-être", "yes or no (oui/non, true/false, 1/0)"),
        ("url", "pas de site", "a URL (https://…)"),
        ("file", "aucune", "a file name (name.ext)"),
        ("page", "[[A]] [[B]]", "one page"),
        ("enum", "Webinaire", "one of 'Atelier', 'Conférence'"),
    ],
)
def test_parse_value_raises_value_format_error_naming_the_expectation(
    field_type: str, wikitext: str, expected: str
) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_value(field_type, wikitext, ("Atelier", "Conférence"))
    assert info.value.expected == expected


@pytest.mark.parametrize(
    ("wikitext", "blank"),
    [("", True), (" \n", True), ("<!-- x -->", True), ("x", False), ("[[A]]", False)],
)
def test_is_blank_sees_whitespace_and_comments_only(wikitext: str, blank: bool) -> None:
    assert is_blank(mwparserfromhell.parse(wikitext)) is blank


@pytest.mark.parametrize(
    ("value", "json_value"),
    [
        (DateValue(2023, 7, precision="month"), "2023-07"),
        (("a", "b"), ["a", "b"]),
        (True, True),
        (3, 3),
        ("x", "x"),
        (None, None),
    ],
)
def test_to_json_value_gives_json_data(value: object, json_value: object) -> None:
    assert to_json_value(value) == json_value  # type: ignore[arg-type]
