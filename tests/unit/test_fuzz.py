"""Fuzz tests: hostile and random input never escapes as anything but wikisync's own errors.

Bounded so the whole file runs in a few seconds (see the ``fuzz`` settings);
``bench/soak_fuzz.py`` runs the same properties with many more examples.
Each property is checked against an independent reference where there is one
(bytes outside the edited region, values read back, NFC as MediaWiki saves).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import os
import unicodedata
from pathlib import Path

import mwparserfromhell
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikisync.core.dates import TwoDigitYearError, read_date
from wikisync.core.edits import EditError, normalize_value, read_params, set_params
from wikisync.core.errors import RecordError, WikisyncError
from wikisync.core.fields.values import ValueFormatError
from wikisync.core.fields.values import parse_date as parse_value_date
from wikisync.core.french import parse_date
from wikisync.core.pages import PageText
from wikisync.core.records import parse_page
from wikisync.core.schema import load_record_types, template_key
from wikisync.core.sections import SectionError, find_section, make_section, replace_section
from wikisync.dump.reader import open_dump

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dumps"

# The soak (bench/soak_fuzz.py) loads the "soak" profile before importing this module.
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("WIKISYNC_FUZZ_EXAMPLES", "60")),
    deadline=None,
    # the suite is repeatable; bench/soak_fuzz.py explores at random
    derandomize=os.environ.get("WIKISYNC_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
FUZZ = settings.get_profile("fuzz")

# Characters that mean something to wikitext, MediaWiki's NFC, or both.
_MARKUP = [
    *"{}[]|=<>!-:;*#'&\n ~/\"",
    "{{",
    "}}",
    "[[",
    "]]",
    "<!--",
    "-->",
    "<ref>",
    "</ref>",
    "<ref name=a/>",
    "<nowiki>",
    "</nowiki>",
    "<pre>",
    "</pre>",
    "<includeonly>",
    "\u037e",  # Greek question mark: ";" under NFC
    "\u212a",  # Kelvin sign: "K" under NFC
    "\u0338",  # combining long solidus overlay: "=" + it is "≠"
    "\u0301",
    "e\u0301",
    "\u00a0",
    "\u200b",
    "\ufeff",
    "é",
    "Event",
    "place",
    "{{Event|",
    "\n|place=",
    "{{{1}}}",
    "__NOTOC__",
    "~~~~",
]
_HOSTILE = st.lists(st.sampled_from(_MARKUP) | st.text(max_size=3), max_size=12).map("".join)


def _types() -> dict[str, object]:
    return {
        "event": {
            "templates": ["Event", "Evénement"],
            "fields": {
                "startDate": {"type": "date", "required": True},
                "endDate": "date",
                "place": {"params": ["place", "Lieu"]},
                "Tags": "list",
                "count": "int",
                "open": "bool",
                "url": "url",
                "page": "page",
                "picture": "file",
                "kind": {"type": "enum", "values": ["atelier", "conférence"]},
                "notes": "wikitext",
            },
        }
    }


EVENT = load_record_types(_types())["event"]


# -- record extractor ------------------------------------------------------------


@FUZZ
@given(text=_HOSTILE, fields=st.lists(st.sampled_from(list(EVENT.fields)), max_size=4))
def test_fuzz_parse_page_only_reports_record_errors(text: str, fields: list[str]) -> None:
    params = "".join(f"\n|{name}={text}" for name in fields)
    for wikitext in (text, "{{Event" + params + "\n}}" + text, text + "{{Evénement|" + text):
        found = parse_page(PageText("Page", wikitext), EVENT)
        assert all(isinstance(problem, RecordError) for problem in found.problems)
        for record in found.records:
            record.to_dict()


# -- marker finder ---------------------------------------------------------------


@FUZZ
@given(
    before=_HOSTILE,
    between=_HOSTILE,
    after=_HOSTILE,
    body=_HOSTILE,
    marker=st.sampled_from(
        [
            "<!-- wikisync:begin events -->",
            "<!--wikisync : BEGIN events count=x-->",
            "<!-- wikisync:end events -->",
            "<!-- wikisync:begin events count=3 hash=sha256:0000000000000000 -->",
            "<!-- wikisync:begin autre -->",
            "<!-- wikisync:begin -->",
        ]
    ),
)
def test_fuzz_marker_finder_only_raises_section_errors(
    before: str, between: str, after: str, body: str, marker: str
) -> None:
    before, between, after, body = (t.replace("\0", "") for t in (before, between, after, body))
    page = before + marker + between + after
    with contextlib.suppress(SectionError):
        find_section(page, "events")
    # A well-formed section among hostile text: replacing it keeps the rest byte for byte.
    section = make_section("events", "* ancien\n", count=1)
    page = before + "\n" + section + "\n" + after
    try:
        found = find_section(page, "events")
    except SectionError:
        return  # the hostile text around it made it ambiguous (a stray marker, a <pre>…)
    try:
        new = replace_section(page, "events", body, allow_shrink=True, force=True)
    except SectionError:
        return
    assert new[: found.start] == page[: found.start]
    assert new[len(new) - (len(page) - found.end) :] == page[found.end :]


# -- French dates ----------------------------------------------------------------


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=30),
        st.lists(
            st.sampled_from(
                [
                    "1er",
                    "31",
                    "29",
                    "février",
                    "juil.",
                    "2024",
                    "0000",
                    "99999",
                    "-",
                    "T",
                    ":",
                    "à",
                    "18h30",
                    "+02:00",
                    "Z",
                    "/",
                    " ",
                    "²",
                    "\u0661",  # Arabic-Indic digit one
                    "mercredi",
                    "2024-02-30",
                ]
            ),
            max_size=6,
        ).map(" ".join),
    )
)
def test_fuzz_dates_raise_only_value_errors(text: str) -> None:
    try:
        value = read_date(text)  # None or a date; a two-digit year is its documented error
    except TwoDigitYearError:
        value = None
    try:
        parse_value_date(text)
    except ValueFormatError:
        assert value is None
    with contextlib.suppress(ValueError):
        parse_date(text)
    if value is not None:
        # Whether render accepts every date check accepts ("0000") is the values
        # engineer's property; here: nothing but ValueError either way.
        with contextlib.suppress(ValueError):
            parse_date(value)


# -- batch edits -----------------------------------------------------------------

_BOX = "{{Event\n|place=Lyon\n|type=atelier\n}}"


@FUZZ
@given(value=_HOSTILE, before=_HOSTILE, after=_HOSTILE, trusted=st.booleans())
def test_fuzz_set_params_refuses_or_keeps_the_page_shape(
    value: str, before: str, after: str, trusted: bool
) -> None:
    page = before + _BOX + after
    old_boxes = read_params(page, ["Event"])
    try:
        result = set_params(page, ["Event"], {"place": value}, trusted=trusted, title="P")
    except EditError as exc:
        assert "\n" not in str(exc)
        return
    saved = unicodedata.normalize("NFC", result.wikitext)  # what MediaWiki stores
    new_boxes = read_params(saved, ["Event"])
    # The same infoboxes, with the same parameters; the value reads back as written.
    assert len(new_boxes) == len(old_boxes)
    expected = normalize_value(value)
    for old, new in zip(old_boxes, new_boxes, strict=True):
        assert set(new) == set(old) | {"place"}
        assert new["place"] == expected
        for name in old.keys() - {"place"}:
            assert new[name] == unicodedata.normalize("NFC", old[name])
    if not trusted:
        # Plain values add no template anywhere on the page.
        keys = [template_key(str(t.name)) for t in mwparserfromhell.parse(saved).filter_templates()]
        old_keys = [
            template_key(str(t.name)) for t in mwparserfromhell.parse(page).filter_templates()
        ]
        assert sorted(keys) == sorted(old_keys)
    ours = old_boxes == ({"place": "Lyon", "type": "atelier"},)
    if ours and page.count("{{Event\n|place=") == 1:
        # Only the value changed: every byte before and after it is the same.
        head = before + "{{Event\n|place="
        tail = "\n|type=atelier\n}}" + after
        assert result.wikitext.startswith(head)
        assert result.wikitext.endswith(tail)
        assert result.wikitext[len(head) : len(result.wikitext) - len(tail)] in (expected, "Lyon")


# -- dump reader on mutated dumps ------------------------------------------------

_DUMP = (FIXTURES / "petit-export-0.10.xml").read_bytes()
_COMPRESS = {"plain": lambda data: data, "gzip": gzip.compress, "bz2": bz2.compress}


@FUZZ
@given(
    kind=st.sampled_from(sorted(_COMPRESS)),
    flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 10**9)),
    compress_first=st.booleans(),
)
def test_fuzz_mutated_dump_raises_only_wikisync_errors(
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    flips: list[tuple[int, int]],
    cut: int | None,
    compress_first: bool,
) -> None:
    data = bytearray(_COMPRESS[kind](_DUMP) if compress_first else _DUMP)
    for position, byte in flips:
        data[position % len(data)] = byte
    if cut is not None:
        del data[cut % (len(data) + 1) :]
    if not compress_first:
        data = bytearray(_COMPRESS[kind](bytes(data)))
    path = tmp_path_factory.mktemp("dump") / "mutant.xml"
    path.write_bytes(bytes(data))
    try:
        source = open_dump(path)
        pages = list(source.iter_pages())
        source.list_category("Acteur", recursive=True)
        source.fetch_titles([page.title for page in pages[:2]], follow_redirects=True)
    except WikisyncError as exc:
        assert "\n" not in str(exc)


# -- page templates (issue 18 item 7) ------------------------------------------------------

# Pieces of Jinja2 a hostile page template is made of: attribute walks, wikisync's
# own filters given attribute names, loops, macros and operators that build big values.
_JINJA = [
    "{{ ",
    " }}",
    "{% for i in range(100000) %}",
    "{% for r in records %}",
    "{% endfor %}",
    "{% macro m() %}",
    "{{ m() }}",
    "{% endmacro %}",
    "{% set ns = namespace(s='x') %}",
    "{% set ns.s = ns.s ~ ns.s %}",
    "records",
    "today",
    "lipsum",
    "cycler",
    "'x'",
    "[lipsum]",
    ".__class__",
    ".__globals__",
    ".__init__",
    ".mro()",
    "|upcoming(today, '__globals__')",
    "|undated('__init__')",
    "|sort_fr('__class__')",
    "|group_by_year('__globals__')",
    "|group_by_month",
    "|join",
    "|wikitext",
    "|center(10 ** 9)",
    "|indent(10 ** 6)",
    "|replace('', 'yy')",
    "|format(1)",
    "|batch(10 ** 9)",
    "|list",
    " * 10 ** 9",
    " ** 10 ** 9",
    " % 1",
    " ~ ",
    " + ",
    ".format_map({})",
    "'{:>999999999}'",
    "'%999999999s'",
    "(",
    ")",
    "[0]",
    "{{",
    "}}",
]
_TEMPLATES = st.lists(st.sampled_from(_JINJA), max_size=10).map("".join)


@FUZZ
@given(source=_TEMPLATES)
def test_fuzz_page_templates_render_or_raise_one_render_error(
    source: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import datetime as dt

    from wikisync.core.errors import RenderError
    from wikisync.core.render import render_index

    folder = tmp_path_factory.mktemp("templates")
    (folder / "fuzz.wiki.j2").write_text(source, encoding="utf-8")
    records = [{"title": "Un", "startDate": "2024-05-01", "endDate": None}]
    try:
        text = render_index(records, "fuzz", today=dt.date(2024, 1, 1), template_dirs=[folder])
    except RenderError as exc:
        message = str(exc)
        assert message.startswith('Page template "fuzz.wiki.j2"') and "\n" not in message
        assert "<module" not in message and "builtins" not in message
    else:
        assert len(text) <= 4_000_000
        assert "<module" not in text and "builtins" not in text
    assert records == [{"title": "Un", "startDate": "2024-05-01", "endDate": None}]


# -- extreme dates in the calendar and the quality report (issue 18 item 4) ---------------

_DATE_TEXTS = [
    "9999-12-31",
    "9999-12-30",
    "0001-01-01",
    "0001-01-02",
    "0001-01-01T00:30+05:00",
    "9999-12-31T23:30-05:00",
    "9999-12-30T23:59:59-14:00",
    "0001-01-01T00:00Z",
    "9999-12",
    "0001",
    "du 1er mai 2025 au 31 décembre 9999",
    "31 décembre 9999",
    "1er janvier 1",
    "2025-05-01",
    "2025-05-01T10:00+02:00",
]


@FUZZ
@given(
    start=st.sampled_from(_DATE_TEXTS) | st.text(max_size=12),
    end=st.sampled_from(_DATE_TEXTS) | st.text(max_size=12),
)
def test_fuzz_extreme_dates_never_break_the_calendar_or_the_report(start: str, end: str) -> None:
    from wikisync.core.records import extract_records
    from wikisync.ops.ical import format_calendar
    from wikisync.ops.quality.check import summarize

    text = "{{Event|startDate=" + start.replace("|", "") + "|endDate=" + end.replace("|", "") + "}}"
    found = extract_records([PageText("Bord", text)], EVENT)
    calendar = format_calendar(found.records, EVENT)
    assert calendar.events + len(calendar.problems) == len(found.records)
    assert all(problem.title == "Bord" for problem in calendar.problems)
    summary = summarize(found, fields=list(EVENT.fields))
    assert all(problem.title == "Bord" for problem in summary.problems)
