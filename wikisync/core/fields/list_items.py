"""Add or remove one item of a list value, byte for byte otherwise (``Tags+=vélo``).

A list value such as ``mobilité, vélo ;  marche`` is split at the separators
of its running text (the field's own ``separators``, else ``,`` ``;`` ``•``
``·``); a separator inside a link, a template, a tag or parentheses does not
split, as :func:`~wikisync.core.fields.list_values.parse_list` reads it.

* :meth:`ItemEdit.apply` with ``add`` appends the item after the last one,
  joined by a copy of a joint of the list with its spacing exactly
  (``a ; b`` + ``c`` → ``a ; b ; c``; the joint of the field's first
  separator the list uses, so ``conseiller·e·s, vélo`` gets ``, ``); a list
  of one item gets the field's first separator and one space (``a`` →
  ``a, c``); an empty value becomes the item. An item the list already
  holds (compared as ``where`` compares items: case and spacing folded, a
  link by its text) changes nothing.
* ``remove`` takes every copy of the item out with the separator that
  follows it (the one before it, for the last item), so adding an item and
  removing it again gives back the original bytes.

A list written with line breaks, ``<br>`` or bullets is refused
(:class:`ListItemError`): where a new item goes there is a layout choice
wikisync does not guess. So is a list written as prose (``Lyon, Paris et
Nantes``, read as three items in the field's language, see
:mod:`wikisync.core.fields.prose_lists`): appending after its conjunction
would leave ``Paris et Nantes`` one item, silently.

Pure: strings in, strings out.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, NoReturn

import mwparserfromhell
from mwparserfromhell.nodes import Tag, Text

from wikisync.core.errors import WikisyncError
from wikisync.core.fields.value_templates import ValueOptions
from wikisync.core.fields.values import ValueFormatError, parse_list
from wikisync.core.text import fold

__all__ = ["ItemEdit", "ListItemError", "list_spans"]

#: The separators of a list field without its own (as parse_list reads them).
DEFAULT_SEPARATORS = ValueOptions().separators

_SPACE = " \t"


class ListItemError(WikisyncError):
    """A list value whose items wikisync will not add to or remove from."""


@dataclass(frozen=True, slots=True)
class ItemEdit:
    """One item added to or removed from a list field (``+=`` / ``-=``).

    Attributes:
        action: ``"add"`` or ``"remove"``.
        item: the item, as wikitext (trimmed).
        separators: the field's separators (the first one joins a list of one).
    """

    action: Literal["add", "remove"]
    item: str
    separators: str = DEFAULT_SEPARATORS
    conjunctions: tuple[str, ...] | None = ()  # the field's language's (None: unknown)
    conjunction: str = ""  # the field's switch (see prose_lists)

    def __str__(self) -> str:
        return f"{'+=' if self.action == 'add' else '-='} {self.item}"

    def apply(self, value: str) -> str:
        """The list value with the item added or removed; the value itself when nothing changes.

        ``value`` is the parameter's value without its edge spaces and comments.

        Raises:
            ListItemError: the list is written with line breaks, ``<br>`` or bullets.

        Example:
            >>> ItemEdit("add", "vélo").apply("marche ;  bus")
            'marche ;  bus ;  vélo'
            >>> ItemEdit("remove", "Bus").apply("marche ;  bus ;  vélo")
            'marche ;  vélo'
        """
        spans = list_spans(value, self.separators)
        self._refuse_prose(value)
        wanted = self._key(self.item)
        if self.action == "add":
            if any(self._key(value[start:end]) == wanted for start, end in spans):
                return value
            if not spans:
                return value + self.item
            joint = _joint(value, spans, self.separators or DEFAULT_SEPARATORS)
            return value[: spans[-1][1]] + joint + self.item + value[spans[-1][1] :]
        while True:
            spans = list_spans(value, self.separators)
            found = [i for i, (s, e) in enumerate(spans) if self._key(value[s:e]) == wanted]
            if not found:
                return value
            i = found[0]
            if len(spans) == 1:
                start, end = spans[0]
                value = value[:start] + value[end:]
            elif i < len(spans) - 1:
                value = value[: spans[i][0]] + value[spans[i + 1][0] :]
            else:
                value = value[: spans[i - 1][1]] + value[spans[i][1] :]

    def _refuse_prose(self, value: str) -> None:
        # A list its field reads with a conjunction splitting (or cannot read because of
        # one) is no list of separated items to add to or remove from.
        if not self.conjunctions and self.conjunctions is not None:
            return  # no language rule for this field (the default of a bare ItemEdit)
        separators = self.separators or DEFAULT_SEPARATORS
        plain = ValueOptions(separators=separators, conjunction="keep")
        field = ValueOptions(
            separators=separators, conjunctions=self.conjunctions, conjunction=self.conjunction
        )
        try:
            as_read = parse_list(value, field)
        except ValueFormatError as exc:
            if "a list (" in exc.expected:
                raise ListItemError(
                    f'the list "{value}" cannot be read item by item ({exc.expected[8:-1]}); '
                    "set its whole value instead"
                ) from None
            return
        if as_read != parse_list(value, plain):
            raise ListItemError(
                f'the list "{value}" is written as prose (its last items joined by a word); '
                "set its whole value instead: wikisync does not guess where an item goes"
            )

    def _key(self, item: str) -> str:
        try:
            items = parse_list(item, ValueOptions(separators=self.separators or DEFAULT_SEPARATORS))
        except ValueFormatError:
            items = ()
        return fold(items[0]) if len(items) == 1 else fold(item)


def _joint(value: str, spans: list[tuple[int, int]], separators: str) -> str:
    """What joins a new item: a copy of a joint of the list, spacing and all.

    The joint of the field's first separator that the list uses (``,`` before
    ``·``, which also sits inside words such as ``conseiller·e·s``), its last
    one; a list of one item gets the first separator and a space.
    """
    joints = [value[left[1] : right[0]] for left, right in pairwise(spans)]
    if not joints:
        return f"{separators[0]} "

    def rank(joint: str) -> int:
        return min((separators.index(c) for c in joint if c in separators), default=len(separators))

    best = min(rank(joint) for joint in joints)
    return [joint for joint in joints if rank(joint) == best][-1]


def list_spans(value: str, separators: str = DEFAULT_SEPARATORS) -> list[tuple[int, int]]:
    """Where each item of a list value is: (start, end) offsets, edge spaces excluded.

    Raises:
        ListItemError: the list is written with line breaks, ``<br>`` or bullets.

    Example:
        >>> list_spans("a, [[b, c]] ;d")
        [(0, 1), (3, 11), (13, 14)]
    """
    separators = separators or DEFAULT_SEPARATORS
    cuts: list[int] = []  # offsets of the separators that split
    offset = 0
    depth = 0
    for node in mwparserfromhell.parse(value).nodes:
        text = str(node)
        if isinstance(node, Text):
            for i, char in enumerate(text):
                if char == "\n":
                    _refuse(value, "line breaks")
                if char == "(":
                    depth += 1
                elif char == ")":
                    depth = max(depth - 1, 0)
                elif char in separators and not depth:
                    cuts.append(offset + i)
        elif isinstance(node, Tag) and str(node.tag).strip().lower() == "br":
            _refuse(value, "<br>")
        offset += len(text)
    if value.lstrip(_SPACE)[:1] in ("*", "#"):
        _refuse(value, "bullets")
    spans: list[tuple[int, int]] = []
    bounds = [-1, *cuts, len(value)]
    for left, right in pairwise(bounds):
        start, end = left + 1, right
        while start < end and value[start] in _SPACE:
            start += 1
        while end > start and value[end - 1] in _SPACE:
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _refuse(value: str, how: str) -> NoReturn:
    raise ListItemError(
        f'the list "{value}" is written with {how}: wikisync adds and removes items only in '
        "lists separated by characters such as , or ; (edit this one by hand)"
    )
