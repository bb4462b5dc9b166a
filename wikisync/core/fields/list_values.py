"""List values: a ``list`` field's parameter value split into plain-text items.

:func:`parse_list` reads a value as parser pieces (``<br>``, bullets, list
templates, separators outside parentheses); ``_split_text`` is its case for
text that is already plain. Both let :mod:`wikisync.core.fields.prose_lists`
join items a conjunction writes as prose. Importable from
:mod:`wikisync.core.fields.values` too, which dispatches every field type.
"""

from __future__ import annotations

from typing import Any

import mwparserfromhell

from wikisync.core.dates import DateRange, DateValue
from wikisync.core.errors import ValueFormatError
from wikisync.core.fields.prose_lists import (
    BREAK_CUT,
    SEPARATOR_CUT,
    Segment,
    join_prose,
    may_conjoin,
)
from wikisync.core.fields.value_templates import DEFAULT_OPTIONS, ValueOptions
from wikisync.core.fields.wikitext_pieces import BREAK as _BREAK
from wikisync.core.fields.wikitext_pieces import first_unread as _first_unread
from wikisync.core.fields.wikitext_pieces import pieces as _pieces

__all__ = ["parse_list"]


def parse_list(code: Any, options: ValueOptions = DEFAULT_OPTIONS) -> tuple[str, ...]:
    """Split a list value into plain-text items.

    Items are separated by ``,`` ``;`` ``•`` ``·`` (or the field's own
    separators), by ``<br>`` in any spelling, by line breaks and ``*``/``#``
    bullet lines, and by the parameters of list templates (``{{ubl|A|B}}``).
    Only separators in the running text split: a comma inside a link label or
    inside parentheses stays in its item. Items are trimmed; empty items are dropped.

    Raises:
        ValueFormatError: the value holds a template wikisync cannot read.

    Example:
        >>> parse_list("Mobilité, [[Paris, France|Paris]];; covoiturage ,")
        ('Mobilité', 'Paris', 'covoiturage')
        >>> parse_list("[[Nantes]]<br/>[[Rennes]]<br />Brest")
        ('Nantes', 'Rennes', 'Brest')
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    pieces = _pieces(code, options)
    unread = _first_unread(pieces)
    if unread is not None:
        raise ValueFormatError(f"a list (wikisync cannot read {unread.why})", str(code))
    separators = options.separators
    items: list[list[Segment]] = []
    cuts: list[str] = []
    current: list[Segment] = []
    depth = 0  # separators inside parentheses do not split: "Texas A&M (B.A., M.A.)"
    for piece in pieces:
        if type(piece) is str:
            kinds: list[str] = []
            parts, depth = _split_outside_parens(piece, separators, depth, kinds)
            current.append((parts[0], True))
            for part, kind in zip(parts[1:], kinds, strict=True):
                items.append(current)
                cuts.append(kind)
                current = [(part, True)]
        elif isinstance(piece, str):  # an atom: never split
            current.append((piece, False))
        elif piece is _BREAK:
            items.append(current)
            cuts.append(BREAK_CUT)
            current = []
            depth = 0
        elif isinstance(piece, DateValue | DateRange):
            current.append((piece.iso(), False))
    items.append(current)
    texts = join_prose(items, cuts, options, str(code).strip())
    return tuple(item for item in (_list_item(raw) for raw in texts) if item)


def _split_outside_parens(
    text: str, separators: str, depth: int, kinds: list[str] | None = None
) -> tuple[list[str], int]:
    """Split at line ends and at separators outside parentheses.

    ``depth`` is how many parentheses are open before ``text`` (a list read
    piece by piece); returns the parts (one more than the splits) and the
    depth after ``text``. A line end closes every parenthesis. ``kinds``, when
    given, gets the kind of each split (a separator's or a line break's).
    """
    parts = []
    start = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "\n" or (char in separators and not depth):
            parts.append(text[start:i])
            start = i + 1
            depth = 0 if char == "\n" else depth
            if kinds is not None:
                kinds.append(BREAK_CUT if char == "\n" else SEPARATOR_CUT)
    parts.append(text[start:])
    return parts, depth


def _list_item(raw: str) -> str:
    item = " ".join(raw.split())
    return item.lstrip("*#").strip() if item[:1] in ("*", "#") else item


def _split_text(text: str, options: ValueOptions) -> tuple[str, ...]:
    # The plain-text case of parse_list, on one string.
    separators = options.separators
    text = text.strip()
    if may_conjoin(text, options):
        kinds: list[str] = []
        parts, _ = _split_outside_parens(text, separators, 0, kinds)
        texts = join_prose([[(part, True)] for part in parts], kinds, options, text)
        found = tuple(" ".join(item.split()) for item in texts if item and not item.isspace())
        if "*" in text or "#" in text:  # bullet lines
            return tuple(item for item in map(_list_item, found) if item)
        return found
    if "(" not in text and "\n" not in text:
        first = separators[0]
        for separator in separators[1:]:
            if separator in text:
                text = text.replace(separator, first)
        items = text.split(first)
    else:
        items, _ = _split_outside_parens(text, separators, 0)
    out = tuple(" ".join(item.split()) for item in items if item and not item.isspace())
    if "*" in text or "#" in text:  # bullet lines
        return tuple(item for item in map(_list_item, out) if item)
    return out
