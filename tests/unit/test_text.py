"""The one home of stored-text normalisation and of the section marker format."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.sections import find_section, make_section, section_body, section_markers
from wikisync.core.text import fold, stored_text

TEXT = st.text(alphabet=st.sampled_from("ab \r\n\te\u0301é\u212bÅ*"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_stored_text_is_nfc_with_lf_only_and_idempotent(text: str) -> None:
    stored = stored_text(text)
    assert "\r" not in stored
    assert unicodedata.is_normalized("NFC", stored)
    assert stored_text(stored) == stored
    assert stored.count("\n") == text.count("\n") + text.count("\r") - text.count("\r\n")


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT)
def test_fold_ignores_case_spacing_and_composition(a: str, b: str) -> None:
    assert fold(f"  {a.upper()}  ") == fold(unicodedata.normalize("NFD", a))
    assert " " * 2 not in fold(a + "  " + b)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab *\r\né"), max_size=30), st.integers(0, 9))
def test_make_section_is_its_markers_around_its_body(body: str, count: int) -> None:
    wanted = section_body(body)
    begin, end = section_markers("events", wanted, count)
    text = make_section("events", body, count=count)
    assert text == begin + wanted + end
    found = find_section("Intro\n" + text + "\nfin", "events")
    assert found.body == wanted
