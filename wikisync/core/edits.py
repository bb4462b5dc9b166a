"""Batch template edits that change exactly what they were asked to change.

:func:`set_params`, :func:`rename_param` and :func:`remove_param` edit the
infobox(es) of one page and return the new wikitext with a list of what
changed. Only the named parameters change: the order of parameters, their
spacing and line layout (one per line or inline, aligned ``=``), comments and
everything outside the template stay byte for byte, and a new parameter copies
the layout of its neighbours. Edits go through mwparserfromhell nodes, never
regexes over the page; the exact whitespace of each name and value is written
by this module, because ``Template.add`` guesses it (and sometimes wrongly).

Rules worth knowing (each one documented where it applies):

* A template matches when its name is one of ``template_names`` up to
  MediaWiki's spelling rules (first letter case, ``_`` for space, an optional
  ``Modèle:``/``Template:`` prefix); infoboxes nested in another infobox's value
  are not infoboxes, as in :mod:`wikisync.core.records`, so ``index`` means the same
  thing as ``Record.index``.
* A duplicated parameter: MediaWiki uses the last one, so ``set`` edits the last
  and leaves the others (with a warning); ``rename`` and ``remove`` act on every
  copy, so the page's meaning does not silently change to the earlier value.
* Comments at the edges of a value (``|place=Lyon <!-- à confirmer -->``) are
  kept when a new value is set, with a warning so a human checks they still
  apply: wikisync never deletes text it was not asked to delete.
* New values are plain text unless ``trusted=True``: a template, a stray ``|``,
  ``{{``, ``}}`` or an unterminated comment is refused (:class:`EditError`).
  Even trusted wikitext is refused when it would end the template or split it
  into more parameters.
* Values are written in Unicode NFC, as MediaWiki stores them
  (:func:`normalize_value`), and what NFC would turn into markup is written
  as a character reference: U+037E (Greek question mark) becomes ``;`` under
  NFC, which opens a definition list at a line start, so it is written
  ``&#x37E;``; a leading combining mark would fuse with the ``=`` before it
  (``=`` + U+0338 is ``≠``), so it is written as a reference too.
* Every edit re-parses its result, normalised as MediaWiki will save it: if
  the page would then parse to other templates, parameters or tags than the
  ones the edit built (a value that closes an unbalanced ``<ref>`` opened
  before the infobox, say), the edit is refused (:class:`EditError`, naming
  the page and the value).

The layout rules live in :mod:`wikisync.core.param_layout`, the refusals in
:mod:`wikisync.core.edit_checks`, the finding of a page's infoboxes in
:mod:`wikisync.core.infoboxes` and the edits of one infobox in
:mod:`wikisync.core.param_edits`.

Pure: strings in, values out.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wikisync.core.edit_checks import (
    EditError,
    check_name,
    check_reparse,
    parse_page,
)
from wikisync.core.fields.list_items import ItemEdit
from wikisync.core.infoboxes import (
    _check_whole,
    _find_infoboxes,
    _parse,
    _second_opinion,
    _select,
    _unclosed_error,
    template_matches,
)
from wikisync.core.param_change import ParamChange
from wikisync.core.param_edits import _remove_one, _rename_one, _SetEdit
from wikisync.core.param_layout import SPACE, param_name

__all__ = [
    "EditError",
    "EditResult",
    "ParamChange",
    "normalize_value",
    "read_params",
    "remove_param",
    "rename_param",
    "set_chosen",
    "set_params",
    "template_matches",
]


@dataclass(frozen=True, slots=True)
class EditResult:
    """A page's new wikitext and what changed in it.

    Attributes:
        wikitext: the whole page after the edit (the input when nothing changed).
        changes: one entry per parameter looked at, in page order.
        warnings: things a human should check (duplicates, kept comments…).
    """

    wikitext: str
    changes: tuple[ParamChange, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether any parameter was actually changed."""
        return any(change.action != "unchanged" for change in self.changes)

    def to_dict(self) -> dict[str, object]:
        """Return the result as a JSON-ready dict."""
        return {
            "wikitext": self.wikitext,
            "changed": self.changed,
            "changes": [change.to_dict() for change in self.changes],
            "warnings": list(self.warnings),
        }


def normalize_value(value: str) -> str:
    """A value as set_params writes it: trimmed, NFC, with NFC's markup traps escaped.

    MediaWiki saves every page in Unicode NFC. A few characters become ASCII
    punctuation under NFC (U+037E Greek question mark → ``;``, U+1FEF → a
    backtick); they are written as character references, which NFC leaves
    alone and the wiki shows as the same glyph. A leading combining mark would
    compose with the ``=`` or ``<`` before it, so it is written as a reference
    as well. Everything else is plain NFC.

    Example:
        >>> normalize_value(" \u037eTitre ")
        '&#x37E;Titre'
        >>> normalize_value("e\u0301t\u00e9")
        'été'
    """
    value = value.strip(SPACE)
    escaped = "".join(f"&#x{ord(c):X};" if c in _NFC_TO_ASCII else c for c in value)
    text = unicodedata.normalize("NFC", escaped)
    if text and _fuses_with_previous(text[0]):
        end = 1
        while end < len(text) and _fuses_with_previous(text[end]):
            end += 1
        text = "".join(f"&#x{ord(c):X};" for c in text[:end]) + text[end:]
    return text


def _fuses_with_previous(char: str) -> bool:
    """Whether NFC could join ``char`` to the character before it (``=`` + U+0338 is ``≠``)."""
    if unicodedata.combining(char):
        return True
    return any(unicodedata.normalize("NFC", before + char) != before + char for before in "=<> \n")


#: The characters NFC turns into ASCII: U+037E → ";", U+1FEF → "`", U+212A (Kelvin) → "K"
#: (the unit tests check the list against the whole of Unicode). Written as references.
_NFC_TO_ASCII = frozenset("\u037e\u1fef\u212a")


def set_params(
    wikitext: str,
    template_names: Sequence[str],
    values: Mapping[str, str | ItemEdit],
    *,
    index: int | None = None,
    add_missing: bool = True,
    trusted: bool = False,
    title: str | None = None,
) -> EditResult:
    """Set parameters of a page's infobox(es), keeping everything else byte for byte.

    An existing value keeps its surrounding whitespace and edge comments
    (``|place = Lyon <!-- à confirmer -->\\n`` → ``|place = Paris <!-- à confirmer -->\\n``).
    A missing parameter is added after the last one, in the layout of its
    neighbours. New values are trimmed (MediaWiki trims named values anyway).
    A positional parameter (``"1"``) whose new value holds ``=`` becomes
    ``|1=…``, with a warning, so it stays the same parameter; a new numbered
    parameter is always written ``|N=…``. Values are written as
    :func:`normalize_value` says (NFC, NFC's markup traps escaped), and the
    result is re-parsed as MediaWiki will save it: an edit after which the
    page would parse to other templates or parameters is refused.

    Args:
        wikitext: the page's wikitext.
        template_names: the infobox's name and its aliases (``["Event"]``).
        values: parameter name → new value, applied in this order; an
            :class:`~wikisync.core.fields.list_items.ItemEdit` adds or removes
            one item of the list the parameter holds, leaving the rest of its
            bytes (and its edge comments) as they are; only the item is checked.
        index: only the ``index``-th matching infobox (0-based, as
            ``Record.index``); None edits every one on the page.
        add_missing: add parameters the infobox lacks; if False, they are
            skipped with a warning.
        trusted: the values are wikitext written on purpose (templates and
            parser functions allowed).
        title: the page, for messages only.

    Returns:
        The new wikitext, one :class:`ParamChange` per infobox and parameter,
        and warnings.

    Raises:
        EditError: no matching infobox (or no ``index``-th), a bad parameter
            name, a value that would break the template (see ``trusted``), or
            a result that would parse otherwise once saved, or a page too
            complex to read within the parser's budget.

    Example:
        >>> set_params("{{Event\\n|place=Lyon\\n}}", ["Event"], {"place": "Paris"}).wikitext
        '{{Event\\n|place=Paris\\n}}'
    """
    label = template_names[0] if template_names else ""
    clean = {
        unicodedata.normalize("NFC", check_name(name, label, title)): _normalized(value)
        for name, value in values.items()
    }
    code = _parse(wikitext, title, template_names)
    edit = _SetEdit(add_missing, trusted, title)
    for position, node in _select(code, template_names, index, title):
        for name, value in clean.items():
            edit.apply(node, position, name, value)
    return _result(wikitext, code, edit.changes, edit.warnings, title)


def rename_param(
    wikitext: str,
    template_names: Sequence[str],
    old: str,
    new: str,
    *,
    index: int | None = None,
    title: str | None = None,
) -> EditResult:
    """Rename a parameter, changing only its name (values and layout stay).

    Padding after an aligned name is adjusted so the ``=`` stays in its column.
    If the infobox also has ``new``, the rename is refused unless both values
    are equal, in which case ``old`` is removed (action ``"remove"``, with a
    warning). A duplicated ``old`` is renamed everywhere. An infobox without
    ``old`` is left alone (no change entry).

    Args:
        wikitext: the page's wikitext.
        template_names: the infobox's name and its aliases.
        old: the current parameter name.
        new: the new parameter name.
        index: only the ``index``-th matching infobox; None for all.
        title: the page, for messages only.

    Returns:
        The new wikitext, the changes and warnings.

    Raises:
        EditError: no matching infobox, a bad new name, ``new`` already present
            with another value, or a positional ``old`` followed by other
            positional parameters (they would be renumbered), or a page too
            complex to read within the parser's budget.
    """
    label = template_names[0] if template_names else ""
    check_name(new, label, title)
    code = _parse(wikitext, title, template_names)
    changes: list[ParamChange] = []
    warnings: list[str] = []
    for position, node in _select(code, template_names, index, title):
        _rename_one(node, position, old.strip(), new.strip(), changes, warnings, title)
    return _result(wikitext, code, changes, warnings, title)


def remove_param(
    wikitext: str,
    template_names: Sequence[str],
    name: str,
    *,
    index: int | None = None,
    title: str | None = None,
) -> EditResult:
    """Remove a parameter (every copy of it) from a page's infobox(es).

    A parameter on its own line goes with its whole line; comment lines that
    followed it stay. Removing the last parameter hands its closing layout
    (``\\n}}`` or ``}}``) to the one before. An infobox without the parameter
    is left alone.

    Args:
        wikitext: the page's wikitext.
        template_names: the infobox's name and its aliases.
        name: the parameter to remove.
        index: only the ``index``-th matching infobox; None for all.
        title: the page, for messages only.

    Returns:
        The new wikitext, the changes and warnings.

    Raises:
        EditError: no matching infobox, or a positional parameter followed by
            other positional parameters (they would be renumbered), or a page
            too complex to read within the parser's budget.
    """
    code = _parse(wikitext, title, template_names)
    changes: list[ParamChange] = []
    warnings: list[str] = []
    for position, node in _select(code, template_names, index, title):
        _remove_one(node, position, name.strip(), changes, warnings, title)
    return _result(wikitext, code, changes, warnings, title)


def read_params(
    wikitext: str, template_names: Sequence[str], *, title: str | None = None
) -> tuple[dict[str, str], ...]:
    """The parameters of each matching infobox of a page, as the edits see them.

    Infoboxes are found by the same walk as the edits (and as
    :mod:`wikisync.core.records`), so position ``i`` is ``index=i``. Names and values
    are trimmed as MediaWiki trims named values; a parameter given twice holds
    its last value, the one MediaWiki uses.

    Args:
        wikitext: the page's wikitext.
        template_names: the infobox's name and its aliases.
        title: the page, for messages only.

    Returns:
        One dict (parameter name → trimmed value) per infobox, in page order;
        empty when the page has none.

    Raises:
        EditError: the page is too complex to read within the parser's budget
            (:mod:`wikisync.core.parse_budget`).

    Example:
        >>> read_params("{{Event|place = Lyon |place=Paris}}", ["Event"])
        ({'place': 'Paris'},)
    """
    found: list[Any] = []
    # Infoboxes after one left open are not read (as records does not read them).
    code = _second_opinion(parse_page(wikitext, title), wikitext, template_names)
    _find_infoboxes(code.nodes, template_names, found, [], [])
    return tuple(
        {param_name(param): str(param.value).strip(SPACE) for param in node.params}
        for node in found
    )


def set_chosen(
    wikitext: str,
    template_names: Sequence[str],
    choose: Callable[
        [dict[str, str]], tuple[Mapping[str, str | ItemEdit], Mapping[str, str]] | None
    ],
    *,
    trusted: bool = False,
    title: str | None = None,
) -> tuple[EditResult, tuple[dict[str, str], ...]]:
    """Set parameters in the infoboxes ``choose`` picks, the page parsed once.

    :func:`read_params` then :func:`set_params` for each infobox, in one parse
    (the batches' hot path): ``choose`` gets each infobox's parameters as
    :func:`read_params` gives them, before any edit, and returns the values
    to set in it (parameter name → value or list item edit, as for
    :func:`set_params`, checked as ``trusted`` says) and the values wikisync
    made itself (markup in the page's own form, such as a ``{{coord}}``,
    written as trusted wikitext after them), or None to leave it alone. The
    edits and checks are :func:`set_params`'s; infoboxes after one the parser
    could not close are neither read nor edited, and a page where one was
    chosen is refused, as :func:`set_params` refuses it.

    Returns:
        The result (the text unchanged when nothing was chosen) and the
        parameters read, one dict per infobox, in page order.

    Raises:
        EditError: as :func:`set_params`, for a chosen infobox.

    Example:
        >>> result, read = set_chosen(
        ...     "{{Event|place=Lyon}}", ["Event"], lambda params: ({"place": "Paris"}, {})
        ... )
        >>> result.wikitext, read
        ('{{Event|place=Paris}}', ({'place': 'Lyon'},))
    """
    code = _second_opinion(parse_page(wikitext, title), wikitext, template_names)
    found: list[Any] = []
    opened: list[str] = []
    inside: list[Any] = []
    _find_infoboxes(code.nodes, template_names, found, opened, inside)
    read = tuple(
        {param_name(param): str(param.value).strip(SPACE) for param in node.params}
        for node in found
    )
    label = template_names[0] if template_names else ""
    edit = _SetEdit(True, trusted, title)
    for position, node in enumerate(found):
        chosen = choose(read[position])
        if chosen is None or not any(chosen):
            continue
        if inside:
            raise _unclosed_error(opened, title, label)
        _check_whole(wikitext, code, title)
        for group, trust in zip(chosen, (trusted, True), strict=True):
            edit.trusted = trust
            for name, value in group.items():
                clean = unicodedata.normalize("NFC", check_name(name, label, title))
                edit.apply(node, position, clean, _normalized(value))
        edit.trusted = trusted
    return _result(wikitext, code, edit.changes, edit.warnings, title), read


def _normalized(value: str | ItemEdit) -> str | ItemEdit:
    if isinstance(value, str):
        return normalize_value(value)
    return dataclasses.replace(value, item=normalize_value(value.item))


def _result(
    wikitext: str,
    code: Any,
    changes: list[ParamChange],
    warnings: list[str],
    title: str | None,
) -> EditResult:
    if not any(c.action != "unchanged" for c in changes):
        return EditResult(wikitext, tuple(changes), tuple(warnings))
    text = str(code)
    check_reparse(wikitext, code, text, changes, title)
    return EditResult(text, tuple(changes), tuple(warnings))
