"""Text as MediaWiki stores it, and text compared loosely: the one home of both rules.

MediaWiki saves text in Unicode NFC with LF line ends; a hash, a comparison
with what the wiki gives back or a spreadsheet cell must use the same form.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold", "stored_text"]


def stored_text(text: str) -> str:
    """A text in the form MediaWiki stores it: NFC, ``\\r\\n`` and ``\\r`` made ``\\n``.

    Example:
        >>> stored_text("Cafe\\u0301\\r\\nb\\rc")
        'Café\\nb\\nc'
    """
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def fold(text: str) -> str:
    """A text for loose comparison: NFC, case folded, runs of white space made one space.

    Example:
        >>> fold("  Vélo   ET  Marche ")
        'vélo et marche'
    """
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
