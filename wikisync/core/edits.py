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
:mod:`wikisync.core.edit_checks`.

Pure: strings in, values out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mwparserfromhell
from mwparserfromhell.nodes import Comment, Tag, Template

from wikisync.core.edit_checks import (
    EditError,
    check_name,
    check_reparse,
    check_value,
    on_page,
    parse_page,
    quote_value,
    refuse_renumbering,
)
from wikisync.core.fields.list_items import ItemEdit, ListItemError
from wikisync.core.param_change import ParamChange
from wikisync.core.param_layout import (
    SPACE,
    add_param,
    aligned_column,
    delete_param,
    has_comment,
    param_name,
    read_layout,
    renamed,
    split_value,
    trailing_space,
)
from wikisync.core.schema import template_key

__all__ = [
    "EditError",
    "EditResult",
    "ParamChange",
    "normalize_value",
    "read_params",
    "remove_param",
    "rename_param",
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


def template_matches(name: str, template_names: Sequence[str]) -> bool:
    """Whether a ``{{…}}`` node's name is one of ``template_names`` or an alias spelling.

    The first letter's case, ``_`` versus space and a ``Modèle:``/``Template:``
    prefix do not matter; another namespace does.

    Example:
        >>> template_matches("modèle:evénement_lyon", ["Evénement lyon"])
        True
        >>> template_matches("Evènement", ["Evénement"])
        False
    """
    key = template_key(name)
    return any(template_key(wanted) == key for wanted in template_names)


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
        unicodedata.normalize("NFC", check_name(name, label, title)): (
            normalize_value(value)
            if isinstance(value, str)
            else ItemEdit(value.action, normalize_value(value.item), value.separators)
        )
        for name, value in values.items()
    }
    code = _parse(wikitext, title)
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
    code = _parse(wikitext, title)
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
    code = _parse(wikitext, title)
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
    _find_infoboxes(parse_page(wikitext, title).nodes, template_names, found)
    return tuple(
        {param_name(param): str(param.value).strip(SPACE) for param in node.params}
        for node in found
    )


# --- finding infoboxes -------------------------------------------------------


def _parse(wikitext: str, title: str | None) -> Any:
    """Parse a page to edit it, refusing one the parser would not give back byte for byte.

    mwparserfromhell stops at a NUL character (MediaWiki never stores one,
    but a mirror file may hold one): everything after it would be lost.
    """
    if "\0" in wikitext:
        raise EditError(
            f"{on_page(title)}the text holds a NUL character (at offset "
            f"{wikitext.index(chr(0))}), which MediaWiki never stores; remove it first",
            title=title,
        )
    code = parse_page(wikitext, title)
    if str(code) != wikitext:  # pragma: no cover - a parser bug, never seen without NUL
        raise EditError(f"{on_page(title)}the text does not read back byte for byte", title=title)
    return code


def _select(
    code: Any, template_names: Sequence[str], index: int | None, title: str | None
) -> list[tuple[int, Any]]:
    found: list[Any] = []
    _find_infoboxes(code.nodes, template_names, found)
    label = template_names[0] if template_names else ""
    if not found:
        raise EditError(
            f"{on_page(title)}no {{{{{label}}}}} infobox (looked for {', '.join(template_names)})",
            title=title,
            wiki_template=label,
        )
    if index is None:
        return list(enumerate(found))
    if not 0 <= index < len(found):
        raise EditError(
            f"{on_page(title)}no {{{{{label}}}}} infobox number {index + 1} "
            f"(the page has {len(found)})",
            title=title,
            wiki_template=label,
        )
    return [(index, found[index])]


def _find_infoboxes(nodes: Sequence[Any], template_names: Sequence[str], found: list[Any]) -> None:
    # The same walk as records._find_infoboxes, so that index means the same.
    for node in nodes:
        if isinstance(node, Template):
            name = "".join(str(n) for n in node.name.nodes if not isinstance(n, Comment))
            if template_matches(name, template_names):  # "{{Infobox writer <!-- doc -->"
                found.append(node)
                continue
            for param in node.params:
                _find_infoboxes(param.value.nodes, template_names, found)
        elif isinstance(node, Tag) and node.contents is not None:
            _find_infoboxes(node.contents.nodes, template_names, found)


# --- the three edits ---------------------------------------------------------


class _SetEdit:
    """One set_params call: its options, what it changed and what it noticed."""

    def __init__(self, add_missing: bool, trusted: bool, title: str | None) -> None:
        self.add_missing = add_missing
        self.trusted = trusted
        self.title = title
        self.changes: list[ParamChange] = []
        self.warnings: list[str] = []
        self._checked: set[tuple[str, str]] = set()

    def apply(self, node: Any, position: int, name: str, value: str | ItemEdit) -> None:
        """Set ``name`` to ``value`` (already trimmed) in one infobox."""
        label = _label(node)
        where = f"{on_page(self.title)}{{{{{label}}}}}"
        found = _positions(node, name)
        if isinstance(value, ItemEdit):
            self._edit_item(node, position, name, value, found)
            return
        if not found:
            if not self.add_missing:
                self.warnings.append(f'{where} has no parameter "{name}"; not added')
                return
            self._check(label, name, value)
            add_param(node, name, value)
            self.changes.append(ParamChange(label, name, "add", None, value, position))
            return
        if len(found) > 1:
            self.warnings.append(
                f'{where} parameter "{name}" is given {len(found)} times; the last one '
                "(the one MediaWiki uses) was edited, remove the others"
            )
        param = node.params[found[-1]]
        lead, core, trail = split_value(param.value, read_layout(node, len(node.params)))
        old = str(param.value).strip(SPACE)
        # The current value is never refused: writing it again changes nothing.
        if value in (core, old):
            self.changes.append(ParamChange(label, name, "unchanged", old, old, position))
            return
        self._check(label, name, value)
        if mwparserfromhell.parse(value).filter_comments():
            # The caller wrote the comments they want: the old ones go.
            lead = lead[: len(lead) - len(lead.lstrip(SPACE))]
            trail = trailing_space(trail)
        elif has_comment(lead) or has_comment(trail.split("\n", 1)[0]):
            self.warnings.append(
                f'{where} parameter "{name}": the comment beside the old value '
                f"{quote_value(core)} was kept; check it still applies"
            )
        if not param.showkey and "=" in value:
            param.showkey = True
            param.name = name
            self.warnings.append(
                f'{where} positional parameter {name} is now written "{name}=…" '
                'because its value holds "="'
            )
        param.value = lead + value + trail
        new = str(param.value).strip(SPACE)
        self.changes.append(ParamChange(label, name, "set", old, new, position))

    def _edit_item(
        self, node: Any, position: int, name: str, edit: ItemEdit, found: list[int]
    ) -> None:
        """Add or remove one list item in ``name``; the rest of the value stays byte for byte."""
        label = _label(node)
        if not found:
            if edit.action == "add":
                self.apply(node, position, name, edit.item)
            return
        if len(found) > 1:
            self.warnings.append(
                f'{on_page(self.title)}{{{{{label}}}}} parameter "{name}" is given '
                f"{len(found)} times; the last one (the one MediaWiki uses) was edited, "
                "remove the others"
            )
        param = node.params[found[-1]]
        lead, core, trail = split_value(param.value, read_layout(node, len(node.params)))
        old = str(param.value).strip(SPACE)
        try:
            new_core = edit.apply(core)
        except ListItemError as exc:
            raise EditError(
                f'{on_page(self.title)}{{{{{label}}}}} parameter "{name}": {exc}',
                title=self.title,
                wiki_template=label,
                param=name,
                value=core,
            ) from None
        if new_core == core:
            self.changes.append(ParamChange(label, name, "unchanged", old, old, position))
            return
        self._check(label, name, edit.item)
        param.value = lead + new_core + trail
        new = str(param.value).strip(SPACE)
        self.changes.append(ParamChange(label, name, "set", old, new, position))

    def _check(self, label: str, name: str, value: str) -> None:
        if (name, value) not in self._checked:
            check_value(name, value, self.trusted, label, self.title)
            self._checked.add((name, value))


def _rename_one(
    node: Any,
    position: int,
    old: str,
    new: str,
    changes: list[ParamChange],
    warnings: list[str],
    title: str | None,
) -> None:
    label = _label(node)
    found = _positions(node, old)
    if not found or old == new:
        return
    current = str(node.params[found[-1]].value).strip(SPACE)
    existing = _positions(node, new)
    if existing:
        other = str(node.params[existing[-1]].value).strip(SPACE)
        if other != current:
            raise EditError(
                f'{on_page(title)}{{{{{label}}}}} has both "{old}" ({quote_value(current)}) and '
                f'"{new}" ({quote_value(other)}); merge them by hand, then rename',
                title=title,
                wiki_template=label,
                param=old,
                value=current,
            )
        warnings.append(
            f'{on_page(title)}{{{{{label}}}}} already has "{new}" with the same value; '
            f'"{old}" was removed instead of renamed'
        )
        _remove_one(node, position, old, changes, warnings, title)
        return
    if len(found) > 1:
        warnings.append(
            f'{on_page(title)}{{{{{label}}}}} parameter "{old}" is given {len(found)} times; '
            "every copy was renamed"
        )
    column = aligned_column(node)
    for i in found:
        param = node.params[i]
        if not param.showkey:
            refuse_renumbering(node, i, label, old, title)
            param.showkey = True
            param.name = new
        else:
            param.name = renamed(node, i, new, column)
        changes.append(ParamChange(label, old, "rename", current, current, position, new))


def _remove_one(
    node: Any,
    position: int,
    name: str,
    changes: list[ParamChange],
    warnings: list[str],
    title: str | None,
) -> None:
    label = _label(node)
    found = _positions(node, name)
    if len(found) > 1:
        warnings.append(
            f'{on_page(title)}{{{{{label}}}}} parameter "{name}" is given {len(found)} times; '
            "every copy was removed"
        )
    for i in reversed(found):
        param = node.params[i]
        if not param.showkey:
            refuse_renumbering(node, i, label, name, title)
        old = str(param.value).strip(SPACE)
        delete_param(node, i)
        changes.append(ParamChange(label, name, "remove", old, None, position))
    changes[len(changes) - len(found) :] = reversed(changes[len(changes) - len(found) :])


# --- small helpers -----------------------------------------------------------


def _positions(node: Any, name: str) -> list[int]:
    wanted = unicodedata.normalize("NFC", name.strip())
    return [i for i, param in enumerate(node.params) if param_name(param) == wanted]


def _label(node: Any) -> str:
    return str(node.name).strip(SPACE)


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
