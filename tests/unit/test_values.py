"""Unit tests for wikisync.core.fields.values: the per-type value parsers."""

from __future__ import annotations

import contextlib
import datetime as dt
import random

import mwparserfromhell
import pytest

from wikisync.core.fields.links import parse_file_name, parse_page_title, parse_url
from wikisync.core.fields.values import (
    FIELD_TYPES,
    DateRange,
    DateTemplate,
    DateValue,
    ValueFormatError,
    ValueOptions,
    is_blank,
    parse_bool,
    parse_date,
    parse_enum,
    parse_int,
    parse_list,
    parse_value,
    template_name_key,
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
        "1682060160",
        "2018-07-3",
        "201807031",
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


@pytest.mark.parametrize(
    "text", ["12.5", "douze", "1,5", "", "-", "٣", "12 34", "1234 567", "1  234", "8000\n8000"]
)
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


# -- values as real infoboxes write them (issue 12) ---------------------------------


@pytest.mark.parametrize(
    ("wikitext", "items"),
    [
        ("A<br>B", ("A", "B")),
        ("[[X]]<br/>[[Y]]", ("X", "Y")),
        ("A<br />B<BR>C</br>D<br clear=all>E", ("A", "B", "C", "D", "E")),
        ("A <br />\nB", ("A", "B")),
        ("A\nB\n\nC", ("A", "B", "C")),
        ("* A\n* [[B]]\n*C", ("A", "B", "C")),
        ("# A\n# B", ("A", "B")),
        ("A • B · C", ("A", "B", "C")),
        ("A {{•}} B {{·}} C", ("A", "B", "C")),
        ("{{ubl|A|[[B|Bee]]|C, D}}", ("A", "Bee", "C, D")),
        ("{{br separated entries|A|[[Islamabad]], [[Pakistan]]}}", ("A", "Islamabad, Pakistan")),
        ("{{hlist|A|B}}", ("A", "B")),
        ("{{plainlist|\n* A\n* B\n}}", ("A", "B")),
        ("{{flatlist|\n* A\n* B}}", ("A", "B")),
        (
            "[[Texas A&M]] (B.A., M.A.)<br>[[Baylor]] (J.D.)",
            ("Texas A&M (B.A., M.A.)", "Baylor (J.D.)"),
        ),
        ("A, B<ref>note, with a comma</ref>", ("A", "B")),
        ("A<!-- , hidden -->, B", ("A", "B")),
        ("<nowiki>A, B</nowiki>, C", ("A, B", "C")),
        ("{{nowrap|A, B}}; C", ("A", "B", "C")),
        ("{{flagicon|FRA}} France, {{flagicon|BEL}} Belgique", ("France", "Belgique")),
        ("A<br>B<ref name=x/>", ("A", "B")),
    ],
)
def test_lists_split_as_real_infoboxes_write_them(wikitext: str, items: tuple[str, ...]) -> None:
    assert parse_value("list", wikitext) == items


def test_a_field_names_its_own_separators() -> None:
    options = ValueOptions(separators="/")
    assert parse_value("list", "Paris, France / Lyon, France", options=options) == (
        "Paris, France",
        "Lyon, France",
    )
    assert parse_value("list", "A<br>B / C", options=options) == ("A", "B", "C")


@pytest.mark.parametrize(
    "wikitext",
    ["{{vgrelease|JP|Arika}}", "A, {{unknown thing|x}}", "{{Scottish football updater|X}}"],
)
def test_a_list_with_a_template_it_cannot_read_is_a_problem(wikitext: str) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_value("list", wikitext)
    assert "cannot read the template" in info.value.expected
    assert info.value.value == wikitext


@pytest.mark.parametrize(
    ("wikitext", "iso"),
    [
        ("{{start date and age|df=yes|1997|05|16}}", "1997-05-16"),
        ("{{Start date and age|df=yes|1883}}", "1883"),
        ("{{start date|2008|06}}", "2008-06"),
        ("{{birth date|1929|8|22}}", "1929-08-22"),
        ("{{birth date and age|1968|7|21}}", "1968-07-21"),
        ("{{Birth date and age|1969|7|18|mf=y}}", "1969-07-18"),
        ("{{nowrap|{{death date and age|2012|2|16|1929|8|22}}}}", "2012-02-16"),
        ("{{dts|2008|Jun|22}}", "2008-06-22"),
        ("{{end date|2010|12|31}}", "2010-12-31"),
        ("{{Template:Start_date|2001|1|2}}", "2001-01-02"),
        ("{{birth year and age|1950}}", "1950"),
        ("{{birth-date|4 July 1976}}", "1976-07-04"),
        ("{{date|3|juillet|2018}}", "2018-07-03"),
        ("{{date-|3|juillet|2018}}", "2018-07-03"),
        ("{{Date|1er|mai|2019}}", "2019-05-01"),
        ("{{date||juillet|2018}}", "2018-07"),
        ("{{date|3 juillet 2018}}", "2018-07-03"),
        ("{{date-|juillet 2018}}", "2018-07"),
        ("{{date de naissance|16|8|1958|âge=oui}}", "1958-08-16"),
        ("{{Date de décès|29|octobre|2009}}", "2009-10-29"),
        ("{{Modèle:Date|14|juillet|1789}}", "1789-07-14"),
        ("{{#formatdate:2018-07-03}}", "2018-07-03"),
        ("{{#time: j F Y | 2018-07-03}}", "2018-07-03"),
        ('January 4, 1985<ref name="facebook"/>', "1985-01-04"),
        ("January 4, 1985", "1985-01-04"),
        ("Jan 4th, 1985", "1985-01-04"),
        ("4 January 1985", "1985-01-04"),
        ("2018/07/03", "2018-07-03"),
        ("2018/07/03 18:30", "2018-07-03T18:30:00"),
        ("03/07/2018 à 9h", "2018-07-03T09:00:00"),
        ("{{1er}} mai 2019", "2019-05-01"),
        ("[[3 juillet]] [[2018]]", "2018-07-03"),
        ("<nowiki>2018-07-03</nowiki>", "2018-07-03"),
        ("2018-07-03 <!-- à confirmer -->", "2018-07-03"),
        ("{{small|3 juillet 2018}}", "2018-07-03"),
        ("{{birth date|1929|8|22}}{{efn|Some sources say 1928.}}", "1929-08-22"),
    ],
)
def test_dates_as_real_infoboxes_write_them(wikitext: str, iso: str) -> None:
    value = parse_value("date", wikitext)
    assert isinstance(value, DateValue)
    assert value.iso() == iso


@pytest.mark.parametrize(
    ("wikitext", "start", "end"),
    [
        ("19 et 20 mai 2025", "2025-05-19", "2025-05-20"),
        ("du 3 au 5 juillet 2018", "2018-07-03", "2018-07-05"),
        ("Du 30 juin au 2 juillet 2018", "2018-06-30", "2018-07-02"),
        ("du 30 décembre 2018 au 2 janvier 2019", "2018-12-30", "2019-01-02"),
        ("3-5 juillet 2018", "2018-07-03", "2018-07-05"),
        ("12\u201315 February 2007", "2007-02-12", "2007-02-15"),
        ("July 3\u20135, 2018", "2018-07-03", "2018-07-05"),
        ("June 30 \u2013 July 2, 2018", "2018-06-30", "2018-07-02"),
        ("3 July 2018 to 5 July 2018", "2018-07-03", "2018-07-05"),
        ("2018-07-03 \u2013 2018-07-05", "2018-07-03", "2018-07-05"),
        ("{{dts|2008|6|22}} \u2013 {{dts|2008|6|25}}", "2008-06-22", "2008-06-25"),
        ("du {{date|3|juillet|2018}} au {{date|5|juillet|2018}}", "2018-07-03", "2018-07-05"),
    ],
)
def test_date_ranges_are_read_as_ranges(wikitext: str, start: str, end: str) -> None:
    value = parse_value("date", wikitext)
    assert isinstance(value, DateRange)
    assert (value.start.iso(), value.end.iso()) == (start, end)
    assert to_json_value(value) == f"{start}/{end}"


@pytest.mark.parametrize(
    "wikitext",
    [
        "{{start date and age|df=yes|1997|05|16}} (renamed 2001)",
        "1916<br> (current location since April 4, 1997)",
        "{{nowrap |{{birth-date|0965|{{circa}} 965}}  {{smaller|(c. 354 AH)}} }}",
        "[[12 juillet|12]] ou [[13 juillet]] [[-100|100 av. J.-C.]]",
        "22 June",
        "{{start date|YYYY|MM|DD}}",
        "{{birth date|1929|13|1}}",
        "{{foo|2018}}",
        "du 5 au 3 juillet 2018",
        "{{dts|2008|6|25}} \u2013 {{dts|2008|6|22}}",
        "{{dts|2008|6|22}} {{dts|2008|6|25}} {{dts|2008|6|27}}",
        "0000",
        "1999\u201303",
        "c. 1900",
    ],
)
def test_a_date_not_read_is_a_problem_naming_the_raw_value(wikitext: str) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_value("date", wikitext)
    assert info.value.expected.startswith("a date")
    assert info.value.value == wikitext.strip()


@pytest.mark.parametrize("wikitext", ["19/09/19", "1er mai 19", "Juillet 23", "3.7.18"])
def test_two_digit_years_are_a_problem_unless_the_field_sets_a_century(wikitext: str) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_value("date", wikitext)
    assert "four-digit year" in info.value.expected
    assert info.value.value == wikitext
    value = parse_value("date", wikitext, options=ValueOptions(century=2000))
    assert isinstance(value, DateValue) and 2000 <= value.year < 2100


@pytest.mark.parametrize(
    ("field_type", "wikitext", "expected"),
    [
        ("text", "{{nowrap|Rue de la Paix}}", "Rue de la Paix"),
        ("text", "{{small|(ancien nom)}}", "(ancien nom)"),
        ("text", "{{lang|fr|Fabrique des mobilités}}", "Fabrique des mobilités"),
        ("text", "{{langue|en|Mobility factory}}", "Mobility factory"),
        ("text", "{{abbr|FabMob|Fabrique des mobilités}}", "FabMob"),
        ("text", "Atelier<ref>source</ref>", "Atelier"),
        ("text", "{{birth date|1929|8|22}}", "1929-08-22"),
        ("url", "{{URL|www.alsea.com.mx}}", "http://www.alsea.com.mx"),
        ("url", "{{URL|https://example.org/}}", "https://example.org/"),
        ("url", "{{Official website|example.org}}", "http://example.org"),
        ("int", "{{nowrap|1 234}}", 1234),
        ("int", "42<ref>source</ref>", 42),
        ("page", "{{nowrap|[[Nantes]]}}", "Nantes"),
        ("bool", "{{small|oui}}", True),
    ],
)
def test_wrapper_templates_give_their_text(
    field_type: str, wikitext: str, expected: object
) -> None:
    assert parse_value(field_type, wikitext) == expected


def test_a_value_of_only_a_reference_is_blank() -> None:
    assert parse_value("date", "<ref>à venir</ref>") is None
    assert parse_value("int", "<ref name=x/>") is None


def test_configured_templates_extend_the_built_in_tables() -> None:
    options = ValueOptions(
        date_templates={"date début": DateTemplate(day="1", month="2", year="3")},
        wrappers={"texte": "2"},
    )
    value = parse_value("date", "{{Date début|3|7|2018}}", options=options)
    assert isinstance(value, DateValue) and value.iso() == "2018-07-03"
    assert parse_value("text", "{{Texte|x|Bonjour}}", options=options) == "Bonjour"
    with pytest.raises(ValueFormatError):
        parse_value("date", "{{Date début|3|7|2018}}")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Start_date and age", "start date and age"),
        ("Template:start date", "start date"),
        ("Modèle:Date de naissance", "date de naissance"),
        ("  nowrap ", "nowrap"),
        ("#time: j F Y ", "#time"),
    ],
)
def test_template_name_key_folds_spellings(name: str, key: str) -> None:
    assert template_name_key(name) == key


_ALPHABET = "0123456789/-.,;: aeijlmnorstuéû|{}[]<>=*#'\n" + "\u2013\u00a0\u0301"


def test_any_text_is_read_or_reported_never_crashing() -> None:
    # Seeded random texts over the characters dates, lists and markup are made of.
    rng = random.Random(12)
    for _ in range(3000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 30)))
        for field_type in ("date", "list", "int", "url", "page", "file", "bool", "text"):
            with contextlib.suppress(ValueFormatError):
                parse_value(field_type, text)


_FRENCH = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août")
_FRENCH += ("septembre", "octobre", "novembre", "décembre")
_ENGLISH = ("January", "February", "March", "April", "May", "June", "July", "August")
_ENGLISH += ("September", "October", "November", "December")


def test_written_dates_read_back_to_the_same_day() -> None:
    rng = random.Random(7)
    for _ in range(500):
        year, month = rng.randint(1, 9999), rng.randint(1, 12)
        day = rng.randint(1, 28)
        fr, en = _FRENCH[month - 1], _ENGLISH[month - 1]
        forms = [
            f"{day} {fr} {year:04d}",
            f"{{{{date|{day}|{fr}|{year:04d}}}}}",
            f"{en} {day}, {year:04d}",
            f"{{{{start date|{year:04d}|{month}|{day}}}}}",
            f"{day:02d}/{month:02d}/{year:04d}",
            f"{year:04d}/{month:02d}/{day:02d}",
        ]
        for form in forms:
            value = parse_value("date", form)
            assert isinstance(value, DateValue), form
            assert (value.year, value.month, value.day) == (year, month, day), form


def test_two_numbers_on_two_lines_are_no_number() -> None:
    # Real: an infobox's postal codes "8000<br />8000<br />8200" were read as 800080008200.
    with pytest.raises(ValueFormatError):
        parse_value("int", "8000<br />8000<br />8200")


@pytest.mark.parametrize(
    ("field_type", "wikitext"),
    [
        ("page", "Foo<br>Bar"),
        ("page", "Foo\nBar"),
        ("file", "a.png<br>b.png"),
        ("file", "a.png\nb.png"),
    ],
)
def test_two_titles_on_two_lines_are_no_title(field_type: str, wikitext: str) -> None:
    with pytest.raises(ValueFormatError):
        parse_value(field_type, wikitext)
