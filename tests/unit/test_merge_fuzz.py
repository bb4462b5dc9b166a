"""The three-way merge on arbitrary text: invariants that hold whatever the input.

Any unicode, ``\\r``, ``\\n``, empty texts, texts without a final newline. The
merge never raises; an unchanged side yields the other; it is symmetric; a
clean result keeps every line either side added and holds no line that
neither side has; a conflict is marked. Comparison with git itself is
tests/unit/test_merge_property.py.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.diffs import split_lines
from wikisync.core.merge import merge_texts

# Few characters, so that lines repeat; \r and \n among them, and any unicode now and then.
TEXT = st.text(alphabet=st.sampled_from("ab\n\n\r é\u2028") | st.characters(), max_size=40)
LINE = st.sampled_from(["a\n", "b\n", "\n", "a", "a\r\n", "é\u2028\n"]) | st.text(max_size=3)
LINES_TEXT = st.lists(LINE, max_size=10).map("".join)
ANY = TEXT | LINES_TEXT


@st.composite
def three_texts(draw: st.DrawFn) -> tuple[str, str, str]:
    """A base and two sides, either unrelated or made by splicing lines of the base."""
    base = draw(ANY)
    sides = []
    for _ in range(2):
        if draw(st.booleans()):
            sides.append(draw(ANY))
        else:
            lines = split_lines(base)
            cut = sorted(draw(st.lists(st.integers(0, len(lines)), min_size=2, max_size=2)))
            new = draw(st.lists(LINE, max_size=3))
            sides.append("".join(lines[: cut[0]] + new + lines[cut[1] :]))
    return base, sides[0], sides[1]


FUZZ = settings(max_examples=1000, deadline=None)


@FUZZ
@given(three_texts())
def test_merge_invariants(case: tuple[str, str, str]) -> None:
    base, local, remote = case
    result = merge_texts(base, local, remote)
    assert result.conflicts >= 0
    assert result.clean == (result.conflicts == 0)
    if local == base:
        assert result.clean and result.text == remote
    if remote == base or local == remote:
        assert result.clean and result.text == local
    mirror = merge_texts(base, remote, local)
    assert mirror.conflicts == result.conflicts
    if not result.clean:
        assert "<<<<<<< local" in result.text and ">>>>>>> wiki" in result.text
        return
    assert mirror.text == result.text
    merged = Counter(split_lines(result.text))
    old = Counter(split_lines(base))
    ours, theirs = Counter(split_lines(local)), Counter(split_lines(remote))
    for line in merged:
        # every line comes from an edited side (unchanged ones are in both)
        assert line in ours or line in theirs
    for line in ours | theirs:
        if line not in old:
            # a line that either side added is kept, every copy of it ...
            assert merged[line] >= max(ours[line], theirs[line])
            # ... and never made up
            assert merged[line] <= ours[line] + theirs[line]
    for line in old:
        if line not in ours and line not in theirs:
            assert line not in merged  # removed on both sides: gone


@FUZZ
@given(ANY, ANY)
def test_merge_of_one_edit_is_that_edit(base: str, edited: str) -> None:
    assert merge_texts(base, edited, base).text == edited
    assert merge_texts(base, base, edited).text == edited
    assert merge_texts(base, edited, edited).text == edited
