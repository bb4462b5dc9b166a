"""The first letter of a title, upper-cased as MediaWiki does (``Language::ucfirst``).

In a namespace whose first letter is case-insensitive (``$wgCapitalLinks``,
the default), MediaWiki upper-cases a title's first character with PHP's
``mb_strtoupper``, except the characters of ``$wgOverrideUcfirstCharacters``.
Wikimedia's wikis set that list (``wmf-config/UcfirstOverrides.php``) so
that titles keep the simple, one-character mapping of PHP 7.2, whatever the
PHP and Unicode versions; :func:`upper_first` follows it, which Python's
``str.upper`` alone does not:

* a letter whose upper case is several characters stays as it is (``ß``,
  ``ŉ``, ``ǰ``, ``ẖ``, the ligatures ``ﬀ``…``ﬗ``, Greek letters with
  diacritics such as ``ΐ``, ``ὐ``, ``ᾶ``), except the Greek letters with
  iota subscript, which take their title-case form (``ᾳ`` → ``ᾼ``,
  ``ᾀ`` → ``ᾈ``);
* Georgian letters (Mkhedruli, ``ბერლინი``) stay as they are: their upper
  case (Mtavruli, U+1C90…) is not used in titles;
* title-case digraphs stay (``ǅ``, ``ǈ``, ``ǋ``, ``ǲ``) and lower-case ones
  take their upper case (``ǆ`` → ``Ǆ``);
* small Roman numerals (U+2170…), circled letters (U+24D0…), the combining
  ypogegrammeni (U+0345), ``ꞹ`` and the Medefaidrin letters (U+16E60…)
  stay as they are.

A wiki without that list, on PHP 7.3 or later, upper-cases some of these
(``ß`` to ``SS``); Wikimedia's rules are the common case. The Turkish,
Azerbaijani and Karakalpak dotted ``i`` (``İ``) needs the wiki's language,
which titles here are normalised without.
"""

from __future__ import annotations

import unicodedata

__all__ = ["upper_first"]


def _span(first: int, last: int) -> frozenset[str]:
    return frozenset(chr(code) for code in range(first, last + 1))


#: First characters a title keeps as they are (Wikimedia's overrides that map a
#: character to itself).
KEPT = frozenset("ßŉǅǈǋǰǲ\u0345ΐΰևꞹὐὒὔὖᾲᾴᾶᾷῂῄῆῇῒΐῖῗῢΰῤῦῧῲῴῶῷᾼῌῼ") | (
    _span(0x10D0, 0x10FA)  # Georgian Mkhedruli letters
    | _span(0x10FD, 0x10FF)
    | _span(0x1E96, 0x1E9A)  # ẖ ẗ ẘ ẙ ẚ
    | _span(0x1F88, 0x1F8F)  # Greek title-case letters with iota subscript
    | _span(0x1F98, 0x1F9F)
    | _span(0x1FA8, 0x1FAF)
    | _span(0x2170, 0x217F)  # small Roman numerals
    | _span(0x24D0, 0x24E9)  # circled small letters
    | _span(0xFB00, 0xFB06)  # Latin ligatures
    | _span(0xFB13, 0xFB17)  # Armenian ligatures
    | _span(0x16E60, 0x16E7F)  # Medefaidrin small letters
)


def _range8(start: int) -> range:
    return range(start, start + 8)


#: First characters that take a form other than ``str.upper``'s (several characters there).
MAPPED = {
    **{chr(code): chr(code + 8) for start in (0x1F80, 0x1F90, 0x1FA0) for code in _range8(start)},
    "ᾳ": "ᾼ",
    "ῃ": "ῌ",
    "ῳ": "ῼ",
}

#: Georgian Mtavruli, the upper case of Mkhedruli letters, which titles never take.
_MTAVRULI = range(0x1C90, 0x1CC0)


def upper_first(text: str) -> str:
    """``text`` with its first character upper-cased as MediaWiki titles are.

    Example:
        >>> upper_first("évènement"), upper_first("ßtraße"), upper_first("ბერლინი")
        ('Évènement', 'ßtraße', 'ბერლინი')
        >>> upper_first("ᾳδης")
        'ᾼδης'
    """
    if not text:
        return text
    first = text[0]
    if first in KEPT:
        return text
    upper = MAPPED.get(first) or first.upper()
    if len(upper) != 1 or ord(upper) in _MTAVRULI:
        return text  # several characters (MediaWiki keeps the letter), or Mtavruli
    # Upper-casing can make a letter that composes with the mark after it
    # (dotless i + acute -> "I" + acute -> "Í"): NFC again, so normalising is idempotent.
    return unicodedata.normalize("NFC", upper + text[1:])
