"""Three-way merge of wikitext (pure)."""

from __future__ import annotations

import pytest

from wikisync.core.merge import merge_texts

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
    # the unchanged last line keeps its missing newline, as git keeps it
    assert result.text == "a\n<<<<<<< local\nB\n||||||| base\nb\n=======\nβ\n>>>>>>> wiki\nc"


def test_merge_texts_keeps_a_final_newline_added_on_one_side() -> None:
    assert merge_texts("a\nb\nc", "a\nb\nc\n", "A\nb\nc").text == "A\nb\nc\n"
    assert merge_texts("a\nb\nc\n", "a\nb\nc", "A\nb\nc\n").text == "A\nb\nc"
    assert merge_texts("a\nb\n", "a\nb\n", "A\nb").text == "A\nb"


def test_merge_texts_final_newline_belongs_to_the_last_line() -> None:
    # Adding the newline changes the last line, next to the other side's edit:
    # a conflict, as in git (the old merge called it clean).
    result = merge_texts("a\nb", "a\nb\n", "A\nb")
    assert not result.clean
    assert result.text.endswith(">>>>>>> wiki\n")


def test_merge_texts_keeps_a_deletion_among_repeated_lines() -> None:
    # Issue 10: one copy of a repeated line deleted locally, the other given a
    # sort key on the wiki. The old merge said clean and lost the deletion.
    base = "Texte.\n[[Catégorie:Acteur]]\n[[Catégorie:Acteur]]\n"
    local = "Texte.\n[[Catégorie:Acteur]]\n"
    remote = "Texte.\n[[Catégorie:Acteur|Tri]]\n[[Catégorie:Acteur]]\n"
    result = merge_texts(base, local, remote)
    assert not result.clean
    assert result.conflicts == 1
    assert result.text == (
        "Texte.\n<<<<<<< local\n[[Catégorie:Acteur]]\n"
        "||||||| base\n[[Catégorie:Acteur]]\n[[Catégorie:Acteur]]\n"
        "=======\n[[Catégorie:Acteur|Tri]]\n[[Catégorie:Acteur]]\n>>>>>>> wiki\n"
    )


def test_merge_texts_merges_edits_around_repeated_lines() -> None:
    base = "\n".join(["x", "", "[[A]]", "", "y", "", "[[A]]", "", "z"])
    local = base.replace("x", "X")
    remote = base.replace("z", "Z")
    result = merge_texts(base, local, remote)
    assert result.clean
    assert result.text == base.replace("x", "X").replace("z", "Z")


def test_merge_texts_slides_an_insertion_among_equal_lines_as_git_does() -> None:
    # "b" inserted between equal lines could sit at either place: both sides
    # must read it the same way, or one edit would be taken twice.
    result = merge_texts("a\nb\nc\n", "a\nb\nb\nc\n", "a\nb\nb\nc\n")
    assert result.clean
    assert result.text == "a\nb\nb\nc\n"
    result = merge_texts("a\nb\nc\nd\n", "a\nb\nb\nc\nd\n", "a\nb\nc\nD\n")
    assert result.clean
    assert result.text == "a\nb\nb\nc\nD\n"


def test_merge_texts_with_crlf_line_ends() -> None:
    base = "a\r\nb\r\nc\r\nd\r\n"
    result = merge_texts(base, base.replace("a", "A"), base.replace("d", "D"))
    assert result.clean
    assert result.text == "A\r\nb\r\nc\r\nD\r\n"
    result = merge_texts(base, base.replace("b", "B"), base.replace("b", "X"))
    # conflict markers end their lines as the texts do
    assert result.text == (
        "a\r\n<<<<<<< local\r\nB\r\n||||||| base\r\nb\r\n=======\r\nX\r\n>>>>>>> wiki\r\nc\r\nd\r\n"
    )


def test_merge_texts_conflict_on_last_lines_without_newline() -> None:
    result = merge_texts("a\nb", "a\nB", "a\nX", labels=("mine", "old", "theirs"))
    assert result.text == "a\n<<<<<<< mine\nB\n||||||| old\nb\n=======\nX\n>>>>>>> theirs\n"


def test_merge_texts_with_empty_texts() -> None:
    assert merge_texts("", "", "").text == ""
    assert merge_texts("a\n", "", "a\n").text == ""
    assert merge_texts("a\n", "", "").clean
    result = merge_texts("a\nb\n", "", "a\nB\n")
    assert not result.clean
    assert result.text == "<<<<<<< local\n||||||| base\na\nb\n=======\na\nB\n>>>>>>> wiki\n"


def test_merge_texts_from_empty_base() -> None:
    assert merge_texts("", "x", "").text == "x"
    assert not merge_texts("", "x", "y").clean


def test_merge_texts_keeps_unicode_line_separators_inside_lines() -> None:
    base = "un\u2028deux\n\ntrois"
    result = merge_texts(base, base.replace("un", "one"), base.replace("trois", "three"))
    # U+2028 is not a line break here, so the first line changed as a whole.
    assert result.clean
    assert result.text == "one\u2028deux\n\nthree"
