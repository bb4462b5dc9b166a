"""Index page rendering: escaping, filters, French dates and collation, golden pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import mwparserfromhell
import pytest
from markupsafe import Markup
from mwparserfromhell.nodes import Comment, Heading, Tag, Wikilink

from wikisync.core.errors import RenderError, WikisyncError
from wikisync.core.french import (
    MONTHS_FR,
    format_date_fr,
    format_date_span_fr,
    format_month_fr,
    parse_date,
    sort_key_fr,
)
from wikisync.core.render import (
    Wikitext,
    escape_wikitext,
    make_environment,
    make_wikilink,
    render_index,
    sort_fr,
)
from wikisync.core.sections import find_section, make_section

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "render"
GOLDEN = sorted(path.stem for path in FIXTURES.glob("*.json"))
INJECTION = [name for name in GOLDEN if name.startswith("injection-")]
TODAY = dt.date(2024, 3, 6)
_EMPTY_RECORDS: list[dict[str, Any]] = [{}, {}]

NASTY = [
    "}}[[Catégorie:Spam]]",
    "{{Supprimer}}",
    "|}\n{|\n|-",
    "__NOINDEX__",
    "<!-- wikisync:end events -->",
    "<nowiki>",
    "</nowiki> après",
    "[[Fichier:x.jpg]]",
    "~~~~",
    "* pas une liste",
    "# numéro",
    "= titre =",
    "----",
    "; terme : définition",
    ": retrait",
    "! en-tête",
    "ligne\n== Titre ==\n* élément",
    "''italique''' et '''gras",
    "http://spam.example/lien",
    "{{{1}}} {{#if:x|y}}",
    "a || b !! c",
    "&#91;&#91;Catégorie:X&#93;&#93;",
]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _render_fixture(name: str) -> str:
    data = _load(name)
    today = dt.date.fromisoformat(data["today"])
    return render_index(data["records"], data["page_template"], today=today)


def _event(title: str, start: str | None, end: str | None = None, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "title": title,
        "type": "event",
        "startDate": start,
        "endDate": end,
        "place": None,
        "shortDescription": None,
    }
    record.update(fields)
    return record


# -- golden pages -----------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN)
def test_render_index_matches_golden_page(name: str) -> None:
    expected = (FIXTURES / f"{name}.expected.wiki").read_text(encoding="utf-8")
    assert _render_fixture(name) == expected


@pytest.mark.parametrize("name", GOLDEN)
def test_render_index_output_ends_with_one_newline(name: str) -> None:
    text = _render_fixture(name)
    assert text.endswith("\n")
    assert not text.endswith("\n\n")


# -- injection: check the parse tree, not strings --------------------------------------------


@pytest.mark.parametrize("name", INJECTION)
def test_render_index_injection_adds_no_wikitext_syntax(name: str) -> None:
    data = _load(name)
    text = _render_fixture(name)
    code = mwparserfromhell.parse(text)
    titles = {record["title"] for record in data["records"]}

    assert code.filter_templates(recursive=True) == []
    assert code.filter_arguments(recursive=True) == []
    assert code.filter_comments(recursive=True) == []
    assert code.filter_external_links(recursive=True) == []
    links = code.filter(recursive=True, forcetype=Wikilink)
    assert {str(link.title) for link in links} == titles  # one link per record, no others
    assert not any(
        str(link.title).casefold().startswith(("catégorie", "fichier")) for link in links
    )
    tags = [node for node in code.filter(recursive=True, forcetype=Tag)]
    assert not [tag for tag in tags if str(tag.tag) not in {"li", "table", "tr", "td", "th"}]
    assert "__" not in text and "~~~" not in text  # magic words, signatures
    assert "<" not in text  # tags, comments, markers


@pytest.mark.parametrize("name", ["injection-events", "injection-actors"])
def test_render_index_injection_keeps_one_list_item_per_record(name: str) -> None:
    data = _load(name)
    code = mwparserfromhell.parse(_render_fixture(name))
    items = [tag for tag in code.filter_tags(recursive=True) if str(tag.tag) == "li"]
    assert len(items) == len(data["records"])
    assert not [
        tag for tag in code.filter_tags(recursive=True) if str(tag.tag) in {"dt", "dd", "hr"}
    ]


def test_render_index_injection_keeps_headings() -> None:
    code = mwparserfromhell.parse(_render_fixture("injection-events"))
    headings = [str(node.title).strip() for node in code.filter(forcetype=Heading)]
    assert "Titre" not in headings
    assert [h for h in headings if h.startswith("Événements")] == [
        "Événements à venir",
        "Événements passés",
    ]
    month = "|".join(m.capitalize() for m in MONTHS_FR)
    assert all(re.fullmatch(rf"Événements .*|20\d\d|({month}) 20\d\d", h) for h in headings)


def test_render_index_injection_keeps_one_table_with_one_row_per_record() -> None:
    data = _load("injection-communs")
    code = mwparserfromhell.parse(_render_fixture("injection-communs"))
    tables = [tag for tag in code.filter_tags(recursive=True) if str(tag.tag) == "table"]
    rows = [tag for tag in code.filter_tags(recursive=True) if str(tag.tag) == "tr"]
    cells = [tag for tag in code.filter_tags(recursive=True) if str(tag.tag) == "td"]
    assert len(tables) == 1
    assert len(rows) == len(data["records"])
    assert len(cells) == 3 * len(data["records"])


@pytest.mark.parametrize("name", INJECTION)
def test_render_index_injection_cannot_break_markers(name: str) -> None:
    body = _render_fixture(name)
    section = make_section("events", body)
    assert find_section(section, "events").body == body
    comments = mwparserfromhell.parse(section).filter(recursive=True, forcetype=Comment)
    assert len(comments) == 2


# -- escaping ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", NASTY)
def test_escape_wikitext_parses_as_plain_text(value: str) -> None:
    escaped = escape_wikitext(value)
    code = mwparserfromhell.parse(f"* {escaped}\n{escaped}\n")
    kinds = {type(node).__name__ for node in code.filter(recursive=True)}
    assert kinds <= {"Tag", "Text", "HTMLEntity"}
    assert [str(tag.tag) for tag in code.filter_tags(recursive=True)] == ["li"]
    assert "\n" not in escaped
    assert "__" not in escaped and "''" not in escaped and "~~~" not in escaped


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Atelier vélo à Lyon", "Atelier vélo à Lyon"),
        ("l'atelier", "l'atelier"),
        ("Horaires : 18h", "Horaires : 18h"),
        ("a|b", "a&#124;b"),
        ("{{x}}", "&#123;&#123;x&#125;&#125;"),
        ("[[x]]", "&#91;&#91;x&#93;&#93;"),
        ("<b>", "&lt;b&gt;"),
        ("A & B", "A &amp; B"),
        ("x=y", "x&#61;y"),
        ("__TOC__", "&#95;_TOC&#95;&#95;"),
        ("snake_case", "snake_case"),
        ("''a''", "&#39;'a&#39;&#39;"),
        ("http://x.org", "http&#58;//x.org"),
        ("* a", "&#42; a"),
        ("# a", "&#35; a"),
        ("; a", "&#59; a"),
        (": a", "&#58; a"),
        ("! a", "&#33; a"),
        ("----", "&#45;---"),
        ("a !! b", "a &#33;! b"),
        ("  a\n\tb  ", "a b"),
        ("a\u00a0:", "a\u00a0:"),
        ("a\x7fb\x00", "ab"),
        ("~~~~", "&#126;&#126;&#126;&#126;"),
    ],
)
def test_escape_wikitext_escapes_only_syntax(value: str, expected: str) -> None:
    assert escape_wikitext(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "oui"),
        (False, "non"),
        (12, "12"),
        (dt.date(2019, 5, 1), "1er mai 2019"),
        (["a", "[[b]]", None, ""], "a, &#91;&#91;b&#93;&#93;"),
        ((), ""),
        (Wikitext("[[Trusted]]"), "[[Trusted]]"),
        (Markup("[[Not trusted]]"), "&#91;&#91;Not trusted&#93;&#93;"),
    ],
)
def test_escape_wikitext_handles_value_types(value: object, expected: str) -> None:
    assert escape_wikitext(value) == expected


class _DateValue:
    def iso(self) -> str:
        return "2023-07"


def test_escape_wikitext_formats_objects_with_iso() -> None:
    assert escape_wikitext(_DateValue()) == "juillet 2023"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ value }}", "&#91;&#91;Catégorie&#58;Spam&#93;&#93;"),
        ("{{ value|wikitext }}", "[[Catégorie:Spam]]"),
        ("{{ value|safe }}", "&#91;&#91;Catégorie&#58;Spam&#93;&#93;"),
        ("{{ value|e }}", "&#91;&#91;Catégorie&#58;Spam&#93;&#93;"),
        ("{{ value|tojson }}", '"&#91;&#91;Cat\\u00e9gorie&#58;Spam&#93;&#93;"'),
        ("{{ 'x' ~ value }}", "x&#91;&#91;Catégorie&#58;Spam&#93;&#93;"),
        ("{{ [value, 'b']|join(' | ') }}", "&#91;&#91;Catégorie&#58;Spam&#93;&#93; &#124; b"),
        ("{{ ['A', 'B']|map('wikilink')|join(', ') }}", "[[A]], [[B]]"),
        ("{% macro m(v) %}[[{{ v }}]]{% endmacro %}{{ m('x')|wikitext }}", "[[x]]"),
        (
            "{% set s %}{{ value }}{% endset %}{{ s }}",
            "&amp;#91;&amp;#91;Catégorie&amp;#58;Spam&amp;#93;&amp;#93;",
        ),
    ],
)
def test_make_environment_escapes_every_printed_value(source: str, expected: str) -> None:
    template = make_environment().from_string(source)
    assert template.render(value="[[Catégorie:Spam]]") == expected


def test_make_environment_keeps_trailing_newline_and_trims_blocks() -> None:
    template = make_environment().from_string(
        "{% for x in xs %}\n  {% if x %}\n* {{ x }}\n  {% endif %}\n{% endfor %}\n"
    )
    assert template.render(xs=["a", "", "b"]) == "* a\n* b\n"


# -- wikilink ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "label", "expected"),
    [
        ("Atelier vélo à Lyon", None, "[[Atelier vélo à Lyon]]"),
        ("Atelier", "Atelier", "[[Atelier]]"),
        ("Atelier", "", "[[Atelier]]"),
        ("Roue Libre SA", "Roue Libre", "[[Roue Libre SA|Roue Libre]]"),
        ("Catégorie:Evénement", None, "[[:Catégorie:Evénement]]"),
        ("Fichier:x.jpg", "x", "[[:Fichier:x.jpg|x]]"),
        ("en:Foo", None, "[[:en:Foo]]"),
        ("A & B", None, "[[A &amp; B]]"),
        (
            "A",
            "]] [[Catégorie:Spam]] [[",
            "[[A|&#93;&#93; &#91;&#91;Catégorie&#58;Spam&#93;&#93; &#91;&#91;]]",
        ),
        ("A", "x|y", "[[A|x&#124;y]]"),
        ("A]][[Catégorie:Spam", None, "[[:A&#93;&#93;&#91;&#91;Catégorie:Spam]]"),
        ("A|B", None, "[[A&#124;B]]"),
        (None, "x", ""),
        ("  ", None, ""),
    ],
)
def test_make_wikilink_links_title_and_escapes_label(
    title: str | None, label: str | None, expected: str
) -> None:
    assert make_wikilink(title, label) == expected


@pytest.mark.parametrize("title", ["A]][[Catégorie:Spam", "A}}{{Supprimer", "A|[[Fichier:x.jpg]]"])
def test_make_wikilink_bad_title_adds_no_syntax(title: str) -> None:
    code = mwparserfromhell.parse(make_wikilink(title, "[[Catégorie:Spam]]"))
    assert code.filter_templates(recursive=True) == []
    links = code.filter_wikilinks(recursive=True)
    assert len(links) == 1
    assert not str(links[0].title).startswith(("Catégorie", "Fichier"))


# -- French dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-07-03", "3 juillet 2018"),
        ("2019-05-01", "1er mai 2019"),
        ("2023-07", "juillet 2023"),
        ("2023", "2023"),
        ("2024-03-05T18:30:00", "5 mars 2024"),
        ("2024-03-05T18:30:00Z", "5 mars 2024"),
        ("2024-08-15T00:00:00+02:00", "15 août 2024"),
        (dt.date(2020, 12, 1), "1er décembre 2020"),
        (dt.datetime(2021, 2, 28, 9, 0), "28 février 2021"),
        (_DateValue(), "juillet 2023"),
        (None, ""),
        ("", ""),
        (" 2018-07-03 ", "3 juillet 2018"),
    ],
)
def test_format_date_fr_every_form(value: object, expected: str) -> None:
    assert format_date_fr(value) == expected


@pytest.mark.parametrize(
    "value", ["day", "2024-02-30", "03/07/2018", "3 juillet 2018", 2018, "2024-13"]
)
def test_parse_date_rejects_non_iso(value: object) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-07", "Juillet 2023"),
        ("2023-08-15", "Août 2023"),
        (dt.date(2024, 12, 1), "Décembre 2024"),
        (None, ""),
    ],
)
def test_format_month_fr_capitalises_month(value: object, expected: str) -> None:
    assert format_month_fr(value) == expected


def test_format_month_fr_rejects_year_precision() -> None:
    with pytest.raises(ValueError, match="month"):
        format_month_fr("2023")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2018-07-03", None, "3 juillet 2018"),
        ("2018-07-03", "2018-07-03", "3 juillet 2018"),
        ("2018-07-03T10:00:00", "2018-07-03T18:00:00", "3 juillet 2018"),
        ("2018-07-01", "2018-07-05", "du 1er au 5 juillet 2018"),
        ("2018-06-30", "2018-07-01", "du 30 juin au 1er juillet 2018"),
        ("2018-12-30", "2019-01-02", "du 30 décembre 2018 au 2 janvier 2019"),
        ("2023-07", "2023-08", "juillet 2023 \u2013 août 2023"),
        (None, "2018-07-03", "3 juillet 2018"),
        (None, None, ""),
    ],
)
def test_format_date_span_fr_every_form(start: str | None, end: str | None, expected: str) -> None:
    assert format_date_span_fr(start, end) == expected


# -- French collation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["Zèbre", "étude", "Eau", "abri"], ["abri", "Eau", "étude", "Zèbre"]),
        (["Écolo", "Ecole", "Electron"], ["Ecole", "Écolo", "Electron"]),
        (["b", "A", "a", "B"], ["A", "a", "B", "b"]),
        (["é", "É", "e", "E"], ["E", "e", "É", "é"]),
        (["Oeuvre", "Œuf", "Ode"], ["Ode", "Œuf", "Oeuvre"]),
        (["ça", "cb", "Ca"], ["Ca", "ça", "cb"]),
    ],
)
def test_sort_fr_groups_accents_and_case(items: list[str], expected: list[str]) -> None:
    assert sort_fr(items) == expected


def test_sort_key_fr_ignores_accents_case_then_breaks_ties() -> None:
    assert sort_key_fr("Évènement")[0] == sort_key_fr("evenement")[0]
    assert sort_key_fr("Évènement") != sort_key_fr("evenement")


def test_sort_fr_uses_first_nonempty_field_and_puts_empty_last() -> None:
    records = [
        {"title": "Zeta", "name": None},
        {"title": "Beta", "name": "alpha"},
        {"title": "", "name": ""},
        {"title": "Écho", "name": None},
    ]
    assert [r["title"] for r in sort_fr(records, "name", "title")] == ["Beta", "Écho", "Zeta", ""]
    reverse = sort_fr(records, "name", "title", reverse=True)
    assert [r["title"] for r in reverse] == ["Zeta", "Écho", "Beta", ""]


# -- event helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "upcoming"),
    [
        ("2024-03-06", None, True),
        ("2024-03-05", None, False),
        ("2024-03-01", "2024-03-06", True),
        ("2024-03-01", "2024-03-05", False),
        ("2024-03-05T23:59:00", None, False),
        ("2024-03", None, True),
        ("2024-02", None, False),
        ("2024-02-01", "2024-03", True),
        ("2023", None, False),
    ],
)
def test_render_index_splits_events_on_today(start: str, end: str | None, upcoming: bool) -> None:
    text = render_index([_event("Un", start, end)], "events", today=TODAY)
    before, _, after = text.partition("== Événements passés ==")
    assert ("[[Un]]" in before) is upcoming
    assert ("[[Un]]" in after) is not upcoming


def test_render_index_sorts_upcoming_ascending_and_past_descending() -> None:
    records = [
        _event("C", "2024-05-01"),
        _event("A", "2024-04-01"),
        _event("B", "2024-04-01"),
        _event("Y", "2023-01-01"),
        _event("Z", "2023-06-01"),
    ]
    text = render_index(records, "events", today=TODAY)
    order = [text.index(f"[[{title}]]") for title in ["A", "B", "C", "Z", "Y"]]
    assert order == sorted(order)


def test_render_index_groups_by_year_and_month_headings() -> None:
    records = [_event("A", "2024-04-01"), _event("B", "2025-01-15"), _event("C", "2024-04-20")]
    code = mwparserfromhell.parse(render_index(records, "events", today=TODAY))
    headings = [(node.level, str(node.title).strip()) for node in code.filter(forcetype=Heading)]
    assert headings == [
        (2, "Événements à venir"),
        (3, "2024"),
        (4, "Avril 2024"),
        (3, "2025"),
        (4, "Janvier 2025"),
        (2, "Événements passés"),
    ]


def test_render_index_lists_actors_adherents_first() -> None:
    records: list[dict[str, Any]] = [
        {"title": "B", "name": None, "Adherent": False, "villes d'implantation": ["Paris"]},
        {"title": "A", "name": None, "Adherent": True, "villes d'implantation": None},
    ]
    text = render_index(records, "actors", today=TODAY)
    assert text == "== Adhérents ==\n* [[A]]\n\n== Autres acteurs ==\n* [[B]] — Paris\n"


# -- render_index API and errors ----------------------------------------------------------


def test_render_index_passes_extra_and_accepts_user_templates(tmp_path: Path) -> None:
    (tmp_path / "mine.wiki.j2").write_text(
        "{{ heading }}: {{ records|length }} ({{ today|date_fr }})\n"
    )
    text = render_index(
        _EMPTY_RECORDS, "mine", today=TODAY, extra={"heading": "[[x]]"}, template_dirs=[tmp_path]
    )
    assert text == "&#91;&#91;x&#93;&#93;: 2 (6 mars 2024)\n"


def test_render_index_accepts_datetime_today() -> None:
    text = render_index([_event("A", "2024-03-06")], "events", today=dt.datetime(2024, 3, 6, 23, 0))
    assert text.index("[[A]]") < text.index("passés")


@pytest.mark.parametrize("key", ["records", "today"])
def test_render_index_rejects_extra_that_redefines(key: str) -> None:
    with pytest.raises(ValueError, match=key):
        render_index([], "events", today=TODAY, extra={key: 1})


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("line one\n{{ records[0].nope }}\n", r'"broken\.wiki\.j2", line 2: .*nope'),
        ("a\nb\n{% for x in %}\n", r'"broken\.wiki\.j2", line 3'),
        ("{{ missing }}\n", r'"broken\.wiki\.j2", line 1: .*missing'),
    ],
)
def test_render_index_wraps_template_errors(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "broken.wiki.j2").write_text(source)
    with pytest.raises(RenderError, match=message) as info:
        render_index(
            [{"title": "Bad", "startDate": "day"}], "broken", today=TODAY, template_dirs=[tmp_path]
        )
    assert isinstance(info.value, WikisyncError)


@pytest.mark.parametrize("bad", ["0000", "day", "2024-13", "2024-02-30", 2018])
def test_events_place_an_unusable_date_under_date_a_preciser(bad: object) -> None:
    records = [_event("Good", "2024-05-01"), _event("Bad", bad), _event("Later", "2024-06-01")]
    problems: list[str] = []
    text = render_index(records, "events", today=TODAY, problems=problems)
    undated = text[text.index("== Date à préciser ==") :]
    assert "[[Bad]]" in undated
    assert text.count("[[Bad]]") == 1
    assert "[[Good]]" in text and "[[Good]]" not in undated
    assert problems == [
        f'record "Bad", field "startDate": {_iso_error(bad)}; placed as a record without a date'
    ]


def _iso_error(value: object) -> str:
    with pytest.raises(ValueError) as info:
        parse_date(value)
    return str(info.value)


def test_events_keep_the_start_of_an_event_whose_end_is_unusable() -> None:
    problems: list[str] = []
    text = render_index(
        [_event("Span", "2024-05-01", "0000")], "events", today=TODAY, problems=problems
    )
    assert "* 1er mai 2024 : [[Span]]" in text
    assert "Date à préciser" not in text
    assert problems and "0000" in problems[0]


def test_date_filters_report_what_is_no_date_instead_of_failing(tmp_path: Path) -> None:
    (tmp_path / "dates.wiki.j2").write_text(
        "[{{ 'day'|date_fr }}] {{ '2024-01-02'|date_span_fr('0000') }}\n"
    )
    problems: list[str] = []
    text = render_index([], "dates", today=TODAY, template_dirs=[tmp_path], problems=problems)
    assert text == "[] 2 janvier 2024\n"
    assert len(problems) == 2


def test_render_index_unknown_template_is_render_error() -> None:
    with pytest.raises(RenderError, match=r'"nothing\.wiki\.j2" not found'):
        render_index([], "nothing", today=TODAY)


def test_render_index_missing_field_names_template_and_line() -> None:
    with pytest.raises(RenderError, match=r'"communs\.wiki\.j2", line \d+: .*shortDescription'):
        render_index([{"title": "A"}], "communs.wiki.j2", today=TODAY)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ none|join }}", ""),
        ("{{ 'a|b'|join }}", "a&#124;b"),
        ("{{ ['a', none, 'b']|join(' ; ') }}", "a ; b"),
    ],
)
def test_make_environment_join_accepts_none_and_strings(source: str, expected: str) -> None:
    assert make_environment().from_string(source).render(none=None) == expected


def test_join_reports_a_value_that_is_no_list_and_prints_it(tmp_path: Path) -> None:
    (tmp_path / "cities.wiki.j2").write_text(
        "{% for r in records %}{{ r.villes|join(', ') }};{% endfor %}\n"
    )
    problems: list[str] = []
    records = [{"villes": 3}, {"villes": ["Nantes", "Brest"]}, {"villes": {"a": 1}}]
    text = render_index(records, "cities", today=TODAY, template_dirs=[tmp_path], problems=problems)
    assert text.startswith("3;Nantes, Brest;")
    assert len(problems) == 2 and problems[0] == "join: expected a list, got 3; printed as one item"


def test_render_index_group_by_month_refuses_undated_records(tmp_path: Path) -> None:
    (tmp_path / "groups.wiki.j2").write_text("{{ records|group_by_month }}\n")
    with pytest.raises(RenderError, match=r'line 1: record "A" has no startDate'):
        render_index([_event("A", None)], "groups", today=TODAY, template_dirs=[tmp_path])


class _Actor:
    def __init__(self, name: str) -> None:
        self.name = name


def test_sort_fr_reads_attributes_of_objects() -> None:
    actors = [_Actor("Zoé"), _Actor("élan"), _Actor("Alice")]
    assert [a.name for a in sort_fr(actors, "name")] == ["Alice", "élan", "Zoé"]


def test_make_environment_lists_shipped_templates() -> None:
    names = make_environment().list_templates()
    assert {"events.wiki.j2", "actors.wiki.j2", "communs.wiki.j2"} <= set(names)


@pytest.mark.parametrize("name", ["../pyproject.toml.j2", "/events.wiki.j2", "./events"])
def test_render_index_refuses_paths_outside_templates(name: str) -> None:
    with pytest.raises(RenderError, match="not found"):
        render_index([], name, today=TODAY)
