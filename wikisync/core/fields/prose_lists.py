"""Lists written as prose: ``Lyon, Paris et Nantes`` is three items, never silently two.

:func:`join_prose` gets a list value cut into items (each item a run of
segments; a segment is running text or an atom such as a link's text, which
never splits) and the kind of each cut (a separator ``,`` ``;``…, or a line
break, a bullet, a list template's parameter). The rule, in the wiki's
language (:data:`~wikisync.core.fields.value_templates.CONJUNCTIONS`: ``et``,
``and``, ``en``, ``und``, ``y``/``e``…):

* when the list already uses its separator, the **last** item (the gap after
  the last separator) is split at a conjunction in its running text:
  ``Lyon, Paris et Nantes`` → ``Lyon``, ``Paris``, ``Nantes``;
  ``[[A]], [[B]] et [[C]]`` → ``A``, ``B``, ``C``; an Oxford comma's
  ``and`` is dropped (``A, B, and C``). Earlier items are never split, so
  ``Arts et Métiers, Lyon et Nantes`` → ``Arts et Métiers``, ``Lyon``,
  ``Nantes``; a link keeps its text whole (``[[Arts et Métiers]]``);
* the part after the conjunction must begin as the first item does (a capital
  or not): ``Défi : des données ouvertes et fiables`` after ``Défi : …`` is a
  problem, not ``fiables`` read as an item;
* a last item holding two conjunctions is a problem (which one joins?);
* a lone ``A et B`` (one item) is a problem unless the field says what the
  word does: ``conjunction = "split"`` (always separates) or ``"keep"``
  (never does, as before);
* items cut by line breaks, bullets or list templates are lines, not prose:
  a conjunction inside one stays;
* when the wiki's language is not known, a list the rule would split is a
  problem naming the word (set the type's ``lang``), never a guess.

Only already plain text is searched (a word between white space).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from wikisync.core.errors import ValueFormatError
from wikisync.core.fields.value_templates import ANY_CONJUNCTION, ValueOptions

__all__ = ["BREAK_CUT", "SEPARATOR_CUT", "Segment", "join_prose", "may_conjoin"]

#: A cut made by one of the field's separators.
SEPARATOR_CUT = "sep"
#: A cut made by a line break, a bullet or a list template's parameter.
BREAK_CUT = "break"

#: Running text (True) or an atom that never splits (False).
Segment = tuple[str, bool]


@lru_cache(maxsize=64)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)", re.IGNORECASE)


def _words(options: ValueOptions) -> tuple[str, ...]:
    return options.conjunctions if options.conjunctions is not None else ANY_CONJUNCTION


def may_conjoin(text: str, options: ValueOptions) -> bool:
    """Whether a plain list text may hold a conjunction the rule acts on (a quick test)."""
    if options.conjunction == "keep":
        return False
    return _pattern(_words(options)).search(text) is not None


def _hits(item: Sequence[Segment], words: tuple[str, ...]) -> list[tuple[int, re.Match[str]]]:
    pattern = _pattern(words)
    return [
        (i, match)
        for i, (text, running) in enumerate(item)
        if running
        for match in pattern.finditer(text)
    ]


def _text(item: Sequence[Segment]) -> str:
    return "".join(text for text, _ in item)


def _split_at(item: Sequence[Segment], hits: list[tuple[int, re.Match[str]]]) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    cuts = {(i, m.start(), m.end()) for i, m in hits}
    for i, (text, running) in enumerate(item):
        if not running:
            current.append(text)
            continue
        start = 0
        for index, begin, end in sorted(cuts):
            if index == i:
                current.append(text[start:begin])
                parts.append("".join(current))
                current = []
                start = end
        current.append(text[start:])
    parts.append("".join(current))
    return parts


def join_prose(
    items: Sequence[Sequence[Segment]], cuts: Sequence[str], options: ValueOptions, raw: str
) -> list[str]:
    """The items' texts, the last one split at its conjunction as the module says.

    Args:
        items: the items, each as segments.
        cuts: the kind of each cut between two items (``len(items) - 1`` of them).
        options: the field's options (its language's conjunctions, its switch).
        raw: the value as written, for problems.

    Raises:
        ValueFormatError: a conjunction the rule cannot decide on.
    """
    texts = [_text(item) for item in items]
    switch = options.conjunction
    if switch == "keep":
        return texts
    known = options.conjunctions is not None
    words = _words(options)
    if switch == "split":
        if not known:
            raise ValueFormatError(
                "a list (conjunction = \"split\" needs the wiki's language: set the type's lang)",
                raw,
            )
        return [part for item in items for part in _split_at(item, _hits(item, words))]
    filled = [i for i, text in enumerate(texts) if text.strip(" \t\n*#")]
    if not filled:
        return texts
    last = filled[-1]
    hits = _hits(items[last], words)
    if not hits:
        return texts
    word = hits[0][1].group(0)
    if len(filled) == 1:
        raise ValueFormatError(
            f'a list ("{word}" may join two items or belong to one name: set the field\'s '
            'conjunction to "split" or "keep")',
            raw,
        )
    if cuts[last - 1] != SEPARATOR_CUT:
        return texts
    if not known:
        raise ValueFormatError(
            f'a list ("{word}" may join the last two items, in a language wikisync does not '
            "know here: set the type's lang)",
            raw,
        )
    if len(hits) > 1:
        raise ValueFormatError(
            f'a list (its last item holds "{word}" {len(hits)} times: which one joins two items?)',
            raw,
        )
    parts = _split_at(items[last], hits)
    if parts[-1].strip() and _initial(parts[-1]) != _initial(texts[filled[0]]):
        raise ValueFormatError(
            f'a list ("{word}" may join the last two items or belong to the last one: '
            f'"{parts[-1].strip()}" does not begin as the first item does; set the field\'s '
            'conjunction to "split" or "keep")',
            raw,
        )
    return texts[:last] + parts + texts[last + 1 :]


def _initial(text: str) -> str:
    # How an item begins: "upper", "lower" or "other" (a digit, a sign).
    for char in text.strip(" \t\n*#'\"«“("):
        if char.isupper():
            return "upper"
        if char.islower():
            return "lower"
        return "other"
    return "other"
