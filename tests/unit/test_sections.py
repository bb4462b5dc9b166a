"""Marker sections: finding, replacing byte for byte, and every refusal."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from wikisync.cli.outcomes import error_exit_code
from wikisync.core.errors import PublishError
from wikisync.core.sections import (
    HandEditError,
    MarkerError,
    Section,
    SectionError,
    ShrinkError,
    check_hand_edit,
    check_shrink,
    count_items,
    find_section,
    hash_body,
    make_section,
    replace_section,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sections"


def _read(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def _page(body: str = "", *, count: int | None = None) -> str:
    return f"Avant\n{make_section('events', body, count=count)}\nAprès\n"


# -- finding ------------------------------------------------------------------------------


def test_find_section_reads_offsets_body_and_attributes() -> None:
    page = (
        "Intro\n<!-- wikisync:begin events count=3 hash=sha256:0011 -->\n"
        "* a\n<!-- wikisync:end events -->\nFin"
    )
    section = find_section(page, "events")
    assert section == Section(
        name="events",
        start=6,
        end=page.index("Fin") - 1,
        body_start=page.index("* a"),
        body_end=page.index("<!-- wikisync:end"),
        body="* a\n",
        count=3,
        hash="sha256:0011",
    )
    assert page[section.start : section.end].startswith("<!-- wikisync:begin")
    assert page[section.start : section.end].endswith("end events -->")


@pytest.mark.parametrize(
    "begin",
    [
        "<!--wikisync:begin events-->",
        "<!--   wikisync : begin   events   -->",
        "<!-- WikiSync:BEGIN events -->",
        "<!--\nwikisync:begin events\n-->",
    ],
)
def test_find_section_matches_markers_with_free_spacing_and_case(begin: str) -> None:
    page = f"{begin}\n* a\n<!--wikisync:end events-->"
    assert find_section(page, "events").body == "* a\n"


@pytest.mark.parametrize(
    "decoy",
    [
        "<nowiki><!-- wikisync:end events --></nowiki>",
        "<pre><!-- wikisync:begin events --></pre>",
        "<!-- note: <!-- wikisync:begin events -->",
        "<!-- wikisync:begin -->",
        "<!-- wikisync:beginevents -->",
        "<!-- wikisync:begin eventsx -->",
        "&lt;!-- wikisync:end events --&gt;",
    ],
)
def test_find_section_ignores_marker_lookalikes(decoy: str) -> None:
    page = f"{decoy}\n<!-- wikisync:begin events -->\n* a\n<!-- wikisync:end events -->\n{decoy}"
    assert find_section(page, "events").body == "* a\n"


def test_find_section_accepts_markers_inside_one_html_tag() -> None:
    assert find_section(_read("in-tag.wiki"), "events").body == ""


def test_find_section_body_without_line_breaks_is_empty_or_inline() -> None:
    page = "<!-- wikisync:begin events --><!-- wikisync:end events -->"
    assert find_section(page, "events").body == ""
    assert find_section(page.replace("--><!", "-->x<!"), "events").body == "x"


@pytest.mark.parametrize("name", ["", "two words", "a|b", "é vénement"])
def test_find_section_rejects_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="section name"):
        find_section("", name)


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "error", "message"),
    [
        ("missing.wiki", MarkerError, r'no wikisync section "events": put the lines'),
        ("missing-end.wiki", MarkerError, r"but no <!-- wikisync:end events -->"),
        ("missing-begin.wiki", MarkerError, r"but no <!-- wikisync:begin events -->"),
        ("duplicate-begin.wiki", MarkerError, r"2 begin and 1 end markers"),
        ("duplicate-end.wiki", MarkerError, r"1 begin and 2 end markers"),
        ("reversed.wiki", MarkerError, r"ends before it begins"),
        ("nested.wiki", MarkerError, r'contains a marker of section "actors"'),
        ("overlapping.wiki", MarkerError, r'contains a marker of section "actors"'),
        ("inside-other.wiki", MarkerError, r'is inside section "actors"'),
        ("in-template.wiki", MarkerError, r"inside a template"),
        ("in-heading.wiki", MarkerError, r"inside a heading"),
        ("split-tag.wiki", MarkerError, r"not inside the same HTML tag"),
        ("bad-count.wiki", MarkerError, r"bad count 'beaucoup'"),
        ("bad-hash.wiki", MarkerError, r"unknown hash 'md5:abc'"),
        ("bad-attribute.wiki", MarkerError, r"cannot read 'oops'"),
        ("hand-edited.wiki", HandEditError, r"edited by hand .* force=True"),
        ("unclaimed.wiki", HandEditError, r"did not write; empty it .* force=True"),
    ],
)
def test_replace_section_refuses(fixture: str, error: type[SectionError], message: str) -> None:
    page = _read(fixture)
    with pytest.raises(error, match=message) as info:
        replace_section(page, "events", "* a\n", title="Evénements")
    assert isinstance(info.value, SectionError) and not isinstance(info.value, PublishError)
    assert error_exit_code(info.value) == 3  # a refused page, as a refused save
    assert info.value.title == "Evénements"
    assert info.value.name == "events"
    assert str(info.value).startswith('Page "Evénements": ')


@pytest.mark.parametrize("fixture", ["hand-edited.wiki", "unclaimed.wiki"])
def test_replace_section_force_overrides_hand_edit(fixture: str) -> None:
    page = _read(fixture)
    new = replace_section(page, "events", "* a\n* b\n", force=True)
    assert find_section(new, "events").body == "* a\n* b\n"


def test_replace_section_without_title_says_the_page() -> None:
    with pytest.raises(MarkerError, match=r"^The page: no wikisync section"):
        replace_section("", "events", "")


def test_replace_section_refuses_a_body_that_breaks_markers() -> None:
    with pytest.raises(MarkerError, match="would break its markers") as info:
        replace_section(_page(), "events", "<!-- oubli de fermeture\n", title="P")
    assert info.value.title == "P"


@pytest.mark.parametrize(
    "body",
    [
        "<!-- wikisync:end events -->\n",
        "<!-- wikisync:begin actors -->\n<!-- wikisync:end actors -->\n",
        "* a <!-- pas fermé\n",
    ],
)
def test_make_section_refuses_bodies_with_markers_or_open_comments(body: str) -> None:
    with pytest.raises(MarkerError, match="would break its markers"):
        make_section("events", body)


# -- byte-for-byte replacement ------------------------------------------------------------------


def test_replace_section_first_run_matches_golden() -> None:
    page = _read("first-run.wiki")
    new = replace_section(page, "events", _read("first-run.body.wiki"), count=2)
    assert new == _read("first-run.expected.wiki")


@pytest.mark.parametrize("fixture", ["first-run.wiki", "generated.wiki"])
def test_replace_section_keeps_outside_byte_for_byte(fixture: str) -> None:
    page = _read(fixture)
    old = find_section(page, "events")
    new = replace_section(page, "events", "* [[Un]]\n* [[Deux]]\n", count=2)
    section = find_section(new, "events")
    assert new[: section.start] == page[: old.start]
    assert new[section.end :] == page[old.end :]
    assert unicodedata.normalize("NFD", "Événements") in new  # not normalised outside
    assert find_section(new, "actors") == find_section(page, "actors")


def test_replace_section_same_body_is_a_noop() -> None:
    page = _read("generated.wiki")
    assert replace_section(page, "events", "* [[Ancien]]\n* [[Autre]]\n", count=2) == page


def test_replace_section_result_can_be_replaced_again() -> None:
    page = _read("first-run.wiki")
    once = replace_section(page, "events", "* a\n* b\n")
    twice = replace_section(once, "events", "* a\n* b\n* c\n")
    assert find_section(twice, "events").body == "* a\n* b\n* c\n"
    assert find_section(twice, "events").count == 3


@pytest.mark.parametrize(
    ("body", "written"),
    [
        ("* a", "* a\n"),
        ("* a\n", "* a\n"),
        ("* a\r\n* b", "* a\n* b\n"),
        ("", ""),
        (unicodedata.normalize("NFD", "* é"), "* é\n"),
    ],
)
def test_replace_section_body_ends_with_newline_and_is_nfc(body: str, written: str) -> None:
    new = replace_section(_page(), "events", body, allow_shrink=True)
    section = find_section(new, "events")
    assert section.body == written
    assert section.hash == hash_body(written)
    assert new[section.body_end :].startswith("<!-- wikisync:end events -->")
    assert new[section.body_start - 1] == "\n"


def test_make_section_puts_markers_on_their_own_lines() -> None:
    text = make_section("events", "* a\n* b", count=7)
    lines = text.split("\n")
    digest = hash_body("* a\n* b\n")
    assert lines[0] == f"<!-- wikisync:begin events count=7 hash={digest} -->"
    assert lines[1:] == ["* a", "* b", "<!-- wikisync:end events -->"]


def test_make_section_counts_items_when_no_count() -> None:
    assert find_section(make_section("x", "* a\n** b\n# c\ntext\n"), "x").count == 3


def test_make_section_rejects_negative_count() -> None:
    with pytest.raises(ValueError, match="count"):
        make_section("events", "", count=-1)


# -- hash and hand edits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("* a\n", "* a\n", True),
        ("* a\r\n", "* a\n", True),
        (unicodedata.normalize("NFD", "é"), "é", True),
        ("* a\n", "* a \n", False),
        ("* a\n", "* b\n", False),
    ],
)
def test_hash_body_ignores_only_what_mediawiki_normalises(a: str, b: str, same: bool) -> None:
    assert (hash_body(a) == hash_body(b)) is same


def test_hash_body_has_prefix_and_16_hex_digits() -> None:
    digest = hash_body("* a\n")
    assert digest.startswith("sha256:")
    assert len(digest) == len("sha256:") + 16
    int(digest.removeprefix("sha256:"), 16)


@pytest.mark.parametrize(
    ("body", "stored", "refused"),
    [
        ("", None, False),
        ("  \n\n", None, False),
        ("* a\n", None, True),
        ("* a\n", hash_body("* a\n"), False),
        ("* a\n* b\n", hash_body("* a\n"), True),
        ("", hash_body("* a\n"), True),
    ],
)
def test_check_hand_edit_compares_body_with_stored_hash(
    body: str, stored: str | None, refused: bool
) -> None:
    section = Section("events", 0, 0, 0, 0, body, None, stored)
    if refused:
        with pytest.raises(HandEditError):
            check_hand_edit(section)
    else:
        check_hand_edit(section)


# -- shrink guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "max_shrink", "refused"),
    [
        (10, 5, 0.5, False),
        (10, 4, 0.5, True),
        (10, 10, 0.5, False),
        (10, 20, 0.5, False),
        (0, 0, 0.5, False),
        (0, 5, 0.5, False),
        (1, 0, 0.5, True),
        (1, 0, 1.0, True),
        (100, 1, 1.0, False),
        (10, 7, 0.3, False),
        (10, 6, 0.3, True),
        (10, 9, 0.0, True),
        (3, 2, 0.5, False),
        (3, 1, 0.5, True),
    ],
)
def test_check_shrink_boundaries(old: int, new: int, max_shrink: float, refused: bool) -> None:
    if refused:
        with pytest.raises(ShrinkError) as info:
            check_shrink(old, new, max_shrink, title="P", name="events")
        assert (info.value.old_count, info.value.new_count) == (old, new)
        assert info.value.max_shrink == max_shrink
        assert "allow_shrink=True" in str(info.value)
        assert info.value.needs == "allow_shrink"
    else:
        check_shrink(old, new, max_shrink)


@pytest.mark.parametrize(
    ("old", "new", "max_shrink"), [(-1, 0, 0.5), (1, -1, 0.5), (1, 1, 1.5), (1, 1, -0.1)]
)
def test_check_shrink_rejects_bad_arguments(old: int, new: int, max_shrink: float) -> None:
    with pytest.raises(ValueError):
        check_shrink(old, new, max_shrink)


def test_replace_section_refuses_shrink_from_stored_count() -> None:
    page = _page("* a\n", count=10)
    with pytest.raises(ShrinkError, match=r"from 10 to 4 items"):
        replace_section(page, "events", "* a\n", count=4, title="P")
    assert replace_section(page, "events", "* a\n", count=5)


@pytest.mark.parametrize("max_shrink", [0.5, 1.0])
def test_replace_section_refuses_empty_list(max_shrink: float) -> None:
    with pytest.raises(ShrinkError, match=r"from 2 to 0 items"):
        replace_section(_page("* a\n* b\n"), "events", "", max_shrink=max_shrink)


def test_replace_section_allow_shrink_overrides() -> None:
    new = replace_section(_page("* a\n* b\n"), "events", "", allow_shrink=True)
    assert find_section(new, "events").count == 0


def test_replace_section_counts_old_body_when_marker_has_no_count() -> None:
    page = "<!-- wikisync:begin events -->\n* a\n* b\n* c\n<!-- wikisync:end events -->"
    with pytest.raises(ShrinkError, match="from 3 to 1"):
        replace_section(page, "events", "* a\n", force=True)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", 0),
        ("* a\n* b\n", 2),
        ("* a\n** b\n# c\n#: d\n", 4),
        ("== Titre ==\ntexte\n", 0),
        ('{| class="wikitable"\n! A\n|-\n| a\n|-\n| b\n|}\n', 2),
    ],
)
def test_count_items_counts_list_lines_and_table_rows(body: str, expected: int) -> None:
    assert count_items(body) == expected


def test_find_section_rejects_nul_characters() -> None:
    # Bad wiki data (a mirror file, a dump), not a programmer error: a refused page.
    with pytest.raises(MarkerError, match=r'Page "Accueil": its text holds a NUL character'):
        find_section("\x00<!-- wikisync:begin events -->", "events", title="Accueil")
    with pytest.raises(MarkerError, match=r'the generated text of section "events" holds a NUL'):
        make_section("events", "* a\x00b")
