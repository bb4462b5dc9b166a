"""Unified diffs shown by --dry-run (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.diffs import line_changes, unified_diff
from wikisync.core.edits import set_params

FIXTURES = Path(__file__).parent.parent / "fixtures" / "edits"


def test_unified_diff_equal_texts_is_empty() -> None:
    assert unified_diff("a\nb\n", "a\nb\n", "Page") == ""


def test_unified_diff_labels_and_hunks() -> None:
    diff = unified_diff("a\nb\nc\n", "a\nB\nc\n", "Atelier vélo")
    assert diff == "--- a/Atelier vélo\n+++ b/Atelier vélo\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"


def test_unified_diff_shows_one_line_for_a_set_params_edit() -> None:
    text = (FIXTURES / "one-per-line.wiki").read_text(encoding="utf-8")
    new = set_params(text, ["Evénement"], {"place": "Lyon"}).wikitext
    lines = unified_diff(text, new, "Atelier réparation").splitlines()
    assert [line for line in lines if line[:1] in "+-" and line[:3] not in ("---", "+++")] == [
        "-|place=Maison du vélo, Villeurbanne",
        "+|place=Lyon",
    ]


def test_unified_diff_new_page() -> None:
    assert unified_diff("", "Bonjour\n", "Nouvelle") == (
        "--- a/Nouvelle\n+++ b/Nouvelle\n@@ -0,0 +1 @@\n+Bonjour\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("a\nb", "a\nb\n", "-b\n\\ No newline at end of file\n+b\n"),
        ("a\nb\n", "a\nc", "-b\n+c\n\\ No newline at end of file\n"),
    ],
)
def test_unified_diff_marks_missing_final_newline(old: str, new: str, expected: str) -> None:
    assert unified_diff(old, new, "P").endswith(expected)


def test_unified_diff_splits_on_newlines_only() -> None:
    diff = unified_diff("a\u2028b\x0cc\n", "a\u2028b\x0cd\n", "P")
    assert diff.endswith("-a\u2028b\x0cc\n+a\u2028b\x0cd\n")


def test_unified_diff_context_lines() -> None:
    old = "".join(f"{n}\n" for n in range(10))
    new = old.replace("5\n", "cinq\n")
    assert unified_diff(old, new, "P", context=1).splitlines()[2:] == [
        "@@ -5,3 +5,3 @@",
        " 4",
        "-5",
        "+cinq",
        " 6",
    ]


def test_unified_diff_color() -> None:
    diff = unified_diff("a\nb", "a\nc\n", "P", color=True)
    assert diff.splitlines() == [
        "\x1b[1m--- a/P\x1b[0m",
        "\x1b[1m+++ b/P\x1b[0m",
        "\x1b[36m@@ -1,2 +1,2 @@\x1b[0m",
        " a",
        "\x1b[31m-b\x1b[0m",
        "\\ No newline at end of file",
        "\x1b[32m+c\x1b[0m",
    ]


def test_unified_diff_without_color_has_no_escapes() -> None:
    assert "\x1b" not in unified_diff("a\n", "b\n", "P")


_LINES = st.lists(
    st.sampled_from(["a", "b", "----", "---", "+++", "++ x", "-- y", "", " c", "@@ d"]),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(_LINES, _LINES, st.booleans(), st.booleans())
def test_line_changes_agree_with_the_unified_diff_shown(
    old: list[str], new: list[str], old_end: bool, new_end: bool
) -> None:
    # The reference reads the diff's body by position (after its two header lines), so
    # content lines that look like headers ("---", "+++") are counted for what they are.
    before = "\n".join(old) + ("\n" if old_end else "")
    after = "\n".join(new) + ("\n" if new_end else "")
    body = unified_diff(before, after, "P").splitlines()[2:]
    added = sum(line.startswith("+") for line in body)
    removed = sum(line.startswith("-") for line in body)
    assert line_changes(before, after) == (added, removed)
