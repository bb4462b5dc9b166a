"""The three-way merge against ``git merge-file``, on thousands of generated cases.

Texts are drawn from a small alphabet of lines (tests/merge_reference.py) so
that lines repeat: the cases where aligning each side with the base can go
wrong. The promise: wikisync never calls a merge clean where git finds a
conflict, and when both are clean they give the same text. Today they agree
on every case in both directions (bench/bench_merge.py runs a longer soak),
so a conflict git does not see fails the test too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.merge_reference import LINES, GitMergeFile
from wikisync.core.merge import merge_texts

LINE = st.sampled_from(LINES)
EDIT = st.tuples(st.sampled_from(("delete", "insert", "replace")), st.integers(0, 15), LINE)


def _apply(lines: list[str], edits: list[tuple[str, int, str]]) -> list[str]:
    lines = list(lines)
    for kind, where, line in edits:
        if kind == "insert" or not lines:
            lines.insert(where % (len(lines) + 1), line)
        elif kind == "delete":
            del lines[where % len(lines)]
        else:
            lines[where % len(lines)] = line
    return lines


@st.composite
def three_texts(draw: st.DrawFn) -> tuple[str, str, str]:
    """A base and two edits of it: a few line edits each, now and then another text."""
    base = draw(st.lists(LINE, max_size=12))
    sides = []
    for _ in range(2):
        if draw(st.integers(0, 19)) == 0:
            sides.append(draw(st.lists(LINE, max_size=12)))
        else:
            sides.append(_apply(base, draw(st.lists(EDIT, min_size=1, max_size=3))))
    return "".join(base), "".join(sides[0]), "".join(sides[1])


@pytest.fixture(scope="module")
def git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitMergeFile]:
    yield GitMergeFile(tmp_path_factory.mktemp("merge"))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(three_texts())
def test_merge_agrees_with_git_merge_file(git: GitMergeFile, case: tuple[str, str, str]) -> None:
    base, local, remote = case
    ours = merge_texts(base, local, remote)
    if base in (local, remote) or local == remote:
        # git's answer is known without asking it (it takes the edited side)
        assert ours.clean
        assert ours.text == (remote if local == base else local)
        return
    theirs = git.merge(base, local, remote)
    assert not (ours.clean and not theirs.clean), "clean here, a conflict for git"
    assert ours.clean == theirs.clean, "a conflict here, clean for git"
    if ours.clean:
        assert ours.text == theirs.text
