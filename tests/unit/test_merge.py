"""Three-way merge of wikitext (pure)."""

from __future__ import annotations

import pytest

from wikisync.merge import merge_texts

BASE = "{{Event\n|startDate=2024-05-01\n|place=Lyon\n}}\n\nPremier paragraphe.\n\nSecond."
CATEGORY = "\n[[Catégorie:Evénement]]"


def _edit(*pairs: tuple[str, str], append: str = "") -> str:
    text = BASE
    for old, new in pairs:
        text = text.replace(old, new)
    return text + append


LYON = ("Lyon", "Nantes")
DATE = ("2024-05-01", "2024-06-01")
FIRST = ("Premier", "First")
SECOND = ("Second.", "Second, revu.")
TOP = ("{{Event", "{{Event ")
CUT = ("\n\nSecond.", "")


@pytest.mark.parametrize(
    ("local", "remote", "expected"),
    [
        (_edit(LYON), BASE, _edit(LYON)),  # one side only
        (BASE, _edit(LYON), _edit(LYON)),
        (_edit(LYON), _edit(LYON), _edit(LYON)),  # the same edit on both sides
        (_edit(FIRST), _edit(SECOND), _edit(FIRST, SECOND)),  # different paragraphs
        (_edit(DATE), _edit(SECOND), _edit(DATE, SECOND)),  # infobox field and prose
        (_edit(append=CATEGORY), _edit(TOP), _edit(TOP, append=CATEGORY)),  # appended line
        (_edit(CUT), _edit(LYON), _edit(CUT, LYON)),  # a deletion and an edit
    ],
)
def test_merge_texts_combines_edits_that_do_not_overlap(
    local: str, remote: str, expected: str
) -> None:
    result = merge_texts(BASE, local, remote)
    assert result.clean
    assert result.text == expected


@pytest.mark.parametrize(
    ("local", "remote"),
    [
        (_edit(FIRST), _edit(("Premier paragraphe", "Paragraphe un"))),
        (_edit(LYON), _edit(("Lyon", "Rennes"))),
        # neighbouring lines conflict, as in git
        (_edit(DATE), _edit(("Lyon", "Rennes"))),
        # both append different lines
        (BASE + "\nA", BASE + "\nB"),
    ],
)
def test_merge_texts_reports_overlapping_edits(local: str, remote: str) -> None:
    result = merge_texts(BASE, local, remote)
    assert not result.clean
    assert result.conflicts == 1
    assert "<<<<<<< local\n" in result.text
    assert ">>>>>>> wiki\n" in result.text


def test_merge_texts_marks_both_sides_and_base() -> None:
    result = merge_texts("a\nb\nc", "a\nB\nc", "a\nβ\nc")
    assert result.text == "a\n<<<<<<< local\nB\n||||||| base\nb\n=======\nβ\n>>>>>>> wiki\nc\n"


def test_merge_texts_keeps_final_newline_choice() -> None:
    assert merge_texts("a\nb", "a\nb\n", "A\nb").text == "A\nb\n"
    assert merge_texts("a\nb\n", "a\nb\n", "A\nb").text == "A\nb"


def test_merge_texts_from_empty_base() -> None:
    assert merge_texts("", "x", "").text == "x"
    assert not merge_texts("", "x", "y").clean


def test_merge_texts_keeps_unicode_line_separators_inside_lines() -> None:
    base = "un\u2028deux\n\ntrois"
    result = merge_texts(base, base.replace("un", "one"), base.replace("trois", "three"))
    # U+2028 is not a line break here, so the first line changed as a whole.
    assert result.clean
    assert result.text == "one\u2028deux\n\nthree"
