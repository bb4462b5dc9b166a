"""Titles' first letters upper-cased as MediaWiki (with Wikimedia's overrides) does."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from wikisync.core.first_letter import KEPT, MAPPED, upper_first
from wikisync.core.pages import normalize_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ბერლინი", "ბერლინი"),  # Georgian keeps its first letter (not Ბ, U+1C91)
        ("ჰაერი", "ჰაერი"),
        ("ßtraße", "ßtraße"),  # not "SStraße"
        ("ŉ", "ŉ"),
        ("ǰ", "ǰ"),
        ("ẖ", "ẖ"),
        ("ﬁlm", "ﬁlm"),
        ("ǆemal", "Ǆemal"),  # a lower-case digraph takes its upper case
        ("ǅemal", "ǅemal"),  # a title-case one stays
        ("ǳ", "Ǳ"),
        ("ᾳδης", "ᾼδης"),  # iota subscript: the title-case form, one character
        ("ᾀ", "ᾈ"),
        ("ᾗ", "ᾟ"),
        ("ᾧ", "ᾯ"),
        ("ῳ", "ῼ"),
        ("ᾶ", "ᾶ"),
        ("ὐ", "ὐ"),
        ("\u2170x", "\u2170x"),  # small Roman numeral one
        ("\u24d0b", "\u24d0b"),  # circled small a
        ("\ua7b9", "\ua7b9"),
        ("\U00016e60", "\U00016e60"),
        ("évènement", "Évènement"),
        ("ωμέγα", "Ωμέγα"),
        ("жук", "Жук"),
        ("ǉubljana", "Ǉubljana"),
        ("\u0131\u0301le", "\u00cdle"),  # dotless i + acute: "Í" after NFC
        ("1er mai", "1er mai"),
    ],
)
def test_normalize_title_upper_cases_the_first_letter_as_mediawiki(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected
    assert normalize_title(expected) == expected  # idempotent


def test_upper_first_never_lengthens_a_title_nor_uses_mtavruli() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cs", "Cn") or not unicodedata.is_normalized("NFC", char):
            continue  # titles are NFC before their first letter is upper-cased
        upper = upper_first(char)
        assert len(upper) == 1, hex(code)
        assert upper == char or not 0x1C90 <= ord(upper) <= 0x1CBF, hex(code)
        if char in KEPT:
            assert upper == char, hex(code)
        elif char in MAPPED:
            assert upper == MAPPED[char], hex(code)
        elif len(char.upper()) == 1 and not 0x1C90 <= ord(char.upper()) <= 0x1CBF:
            assert upper == unicodedata.normalize("NFC", char.upper()), hex(code)
        else:
            assert upper == char, hex(code)
