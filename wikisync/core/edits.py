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

Pure: strings in, values out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mwparserfromhell
from mwparserfromhell.definitions import PARSER_BLACKLIST, is_parsable
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.nodes.extras import Parameter

from wikisync.core.errors import WikisyncError
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

#: What MediaWiki trims around named values (PHP ``trim``; not U+00A0).
_SPACE = " \t\n\r\x0b\x00"
#: Characters a parameter name may not hold.
_BAD_NAME_CHARS = frozenset("=|{}[]<>\n")
#: Tags whose content the preprocessor keeps whole (a ``|`` inside splits nothing).
_OPAQUE_TAGS = frozenset({"ref", "references", "poem", "gallery", "indicator", "section"})
#: Tags MediaWiki's preprocessor pairs before it reads any braces (extension
#: tags, nowiki, include tags): what lies between is opaque, braces and all.
_PAIRED_TAGS = "|".join(
    sorted(
        set(PARSER_BLACKLIST)
        | _OPAQUE_TAGS
        | {"includeonly", "noinclude", "onlyinclude", "syntaxhighlight", "templatestyles"}
    )
)
#: One of them left unpaired in a value: on the wiki it would swallow or cut
#: the infobox, whatever mwparserfromhell makes of it.
_LONE_TAG = re.compile(r"<\s*/?\s*(" + _PAIRED_TAGS + r")(?![\w-])", re.IGNORECASE)
_OPEN_TAG = re.compile(r"<!--|<(" + _PAIRED_TAGS + r")(?=[\s/>])([^>]*)>", re.IGNORECASE)


class EditError(WikisyncError):
    """An edit was refused: it would break the template or lose information.

    Attributes:
        title: the page, when the caller passed it.
        wiki_template: the template's name as written (``"Event"``).
        param: the parameter at fault, if any.
        value: the offending value, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        wiki_template: str | None = None,
        param: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.title = title
        self.wiki_template = wiki_template
        self.param = param
        self.value = value


@dataclass(frozen=True, slots=True)
class ParamChange:
    """What one edit did to one parameter of one infobox, for reports and diffs.

    Attributes:
        wiki_template: the template's name as written on the page (``"Event"``).
        param: the parameter's name (for ``rename``, the old name).
        action: ``"set"``, ``"add"``, ``"rename"``, ``"remove"`` or ``"unchanged"``.
        old: the value before (trimmed), or None when the parameter was absent.
        new: the value after (trimmed), or None when it was removed.
        index: which matching infobox of the page (0 for the first).
        new_param: for ``rename``, the new name; otherwise None.
    """

    wiki_template: str
    param: str
    action: str
    old: str | None
    new: str | None
    index: int = 0
    new_param: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the change as a JSON-ready dict."""
        return {
            "wiki_template": self.wiki_template,
            "index": self.index,
            "param": self.param,
            "new_param": self.new_param,
            "action": self.action,
            "old": self.old,
            "new": self.new,
        }


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
    value = value.strip(_SPACE)
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
    values: Mapping[str, str],
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
        values: parameter name → new value, applied in this order.
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
            a result that would parse otherwise once saved.

    Example:
        >>> set_params("{{Event\\n|place=Lyon\\n}}", ["Event"], {"place": "Paris"}).wikitext
        '{{Event\\n|place=Paris\\n}}'
    """
    label = template_names[0] if template_names else ""
    clean = {
        unicodedata.normalize("NFC", _check_name(name, label, title)): normalize_value(value)
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
            positional parameters (they would be renumbered).
    """
    label = template_names[0] if template_names else ""
    _check_name(new, label, title)
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
            other positional parameters (they would be renumbered).
    """
    code = _parse(wikitext, title)
    changes: list[ParamChange] = []
    warnings: list[str] = []
    for position, node in _select(code, template_names, index, title):
        _remove_one(node, position, name.strip(), changes, warnings, title)
    return _result(wikitext, code, changes, warnings, title)


def read_params(wikitext: str, template_names: Sequence[str]) -> tuple[dict[str, str], ...]:
    """The parameters of each matching infobox of a page, as the edits see them.

    Infoboxes are found by the same walk as the edits (and as
    :mod:`wikisync.core.records`), so position ``i`` is ``index=i``. Names and values
    are trimmed as MediaWiki trims named values; a parameter given twice holds
    its last value, the one MediaWiki uses.

    Args:
        wikitext: the page's wikitext.
        template_names: the infobox's name and its aliases.

    Returns:
        One dict (parameter name → trimmed value) per infobox, in page order;
        empty when the page has none.

    Example:
        >>> read_params("{{Event|place = Lyon |place=Paris}}", ["Event"])
        ({'place': 'Paris'},)
    """
    found: list[Any] = []
    _find_infoboxes(mwparserfromhell.parse(wikitext).nodes, template_names, found)
    return tuple(
        {_param_name(param): str(param.value).strip(_SPACE) for param in node.params}
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
            f"{_where(title)}the text holds a NUL character (at offset "
            f"{wikitext.index(chr(0))}), which MediaWiki never stores; remove it first",
            title=title,
        )
    code = mwparserfromhell.parse(wikitext)
    if str(code) != wikitext:  # pragma: no cover - a parser bug, never seen without NUL
        raise EditError(f"{_where(title)}the text does not read back byte for byte", title=title)
    return code


def _select(
    code: Any, template_names: Sequence[str], index: int | None, title: str | None
) -> list[tuple[int, Any]]:
    found: list[Any] = []
    _find_infoboxes(code.nodes, template_names, found)
    label = template_names[0] if template_names else ""
    if not found:
        raise EditError(
            f"{_where(title)}no {{{{{label}}}}} infobox (looked for {', '.join(template_names)})",
            title=title,
            wiki_template=label,
        )
    if index is None:
        return list(enumerate(found))
    if not 0 <= index < len(found):
        raise EditError(
            f"{_where(title)}no {{{{{label}}}}} infobox number {index + 1} "
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

    def apply(self, node: Any, position: int, name: str, value: str) -> None:
        """Set ``name`` to ``value`` (already trimmed) in one infobox."""
        label = _label(node)
        where = f"{_where(self.title)}{{{{{label}}}}}"
        found = _positions(node, name)
        if not found:
            if not self.add_missing:
                self.warnings.append(f'{where} has no parameter "{name}"; not added')
                return
            self._check(label, name, value)
            _add_param(node, name, value)
            self.changes.append(ParamChange(label, name, "add", None, value, position))
            return
        if len(found) > 1:
            self.warnings.append(
                f'{where} parameter "{name}" is given {len(found)} times; the last one '
                "(the one MediaWiki uses) was edited, remove the others"
            )
        param = node.params[found[-1]]
        lead, core, trail = _split_value(param.value, _layout(node, len(node.params)))
        old = str(param.value).strip(_SPACE)
        # The current value is never refused: writing it again changes nothing.
        if value in (core, old):
            self.changes.append(ParamChange(label, name, "unchanged", old, old, position))
            return
        self._check(label, name, value)
        if mwparserfromhell.parse(value).filter_comments():
            # The caller wrote the comments they want: the old ones go.
            lead = lead[: len(lead) - len(lead.lstrip(_SPACE))]
            trail = _trailing_space(trail)
        elif _has_comment(lead) or _has_comment(trail.split("\n", 1)[0]):
            self.warnings.append(
                f'{where} parameter "{name}": the comment beside the old value '
                f"{_quote(core)} was kept; check it still applies"
            )
        if not param.showkey and "=" in value:
            param.showkey = True
            param.name = name
            self.warnings.append(
                f'{where} positional parameter {name} is now written "{name}=…" '
                'because its value holds "="'
            )
        param.value = lead + value + trail
        new = str(param.value).strip(_SPACE)
        self.changes.append(ParamChange(label, name, "set", old, new, position))

    def _check(self, label: str, name: str, value: str) -> None:
        if (name, value) not in self._checked:
            _check_value(name, value, self.trusted, label, self.title)
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
    current = str(node.params[found[-1]].value).strip(_SPACE)
    existing = _positions(node, new)
    if existing:
        other = str(node.params[existing[-1]].value).strip(_SPACE)
        if other != current:
            raise EditError(
                f'{_where(title)}{{{{{label}}}}} has both "{old}" ({_quote(current)}) and '
                f'"{new}" ({_quote(other)}); merge them by hand, then rename',
                title=title,
                wiki_template=label,
                param=old,
                value=current,
            )
        warnings.append(
            f'{_where(title)}{{{{{label}}}}} already has "{new}" with the same value; '
            f'"{old}" was removed instead of renamed'
        )
        _remove_one(node, position, old, changes, warnings, title)
        return
    if len(found) > 1:
        warnings.append(
            f'{_where(title)}{{{{{label}}}}} parameter "{old}" is given {len(found)} times; '
            "every copy was renamed"
        )
    column = _aligned_column(node)
    for i in found:
        param = node.params[i]
        if not param.showkey:
            _refuse_renumbering(node, i, label, old, title)
            param.showkey = True
            param.name = new
        else:
            param.name = _renamed(node, i, new, column)
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
            f'{_where(title)}{{{{{label}}}}} parameter "{name}" is given {len(found)} times; '
            "every copy was removed"
        )
    for i in reversed(found):
        param = node.params[i]
        if not param.showkey:
            _refuse_renumbering(node, i, label, name, title)
        old = str(param.value).strip(_SPACE)
        _delete_param(node, i)
        changes.append(ParamChange(label, name, "remove", old, None, position))
    changes[len(changes) - len(found) :] = reversed(changes[len(changes) - len(found) :])


# --- layout ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Layout:
    """How a template's named parameters are spaced (the most common pattern)."""

    name_lead: str  # before the name, after "|" ("\n " in "|\n name=…")
    name_trail: str  # between name and "=" (" ", or padding when aligned)
    value_lead: str  # between "=" and the value
    separator: str  # after a value, before the next "|" ("\n", " ", "")
    column: int | None  # the "=" column when names are aligned


def _layout(node: Any, end: int) -> _Layout:
    params = node.params[:end]
    named = [param for param in params if param.showkey]
    names = [str(param.name) for param in named]
    name_leads = [text[: len(text) - len(text.lstrip(_SPACE))] for text in names]
    name_trails = [text[len(text.rstrip(_SPACE)) :] for text in names]
    filled = [str(p.value) for p in named if str(p.value).strip(_SPACE)]
    value_leads = [text[: len(text) - len(text.lstrip(_SPACE))] for text in filled]
    # The last parameter's trailing space is the closing layout ("\n}}"), not a separator.
    between = params[:-1] if len(params) > 1 else params
    separators = [_trailing_space(str(param.value)) for param in between]
    if not params:
        closing = _trailing_space(str(node.name))
        separators = ["\n" if "\n" in closing else closing]
    return _Layout(
        _most_common(name_leads, ""),
        _most_common(name_trails, ""),
        _most_common(value_leads, ""),
        _most_common(separators, ""),
        _aligned_column(node),
    )


def _most_common(items: Sequence[str], default: str) -> str:
    if not items:
        return default
    counts = Counter(items)
    best = max(counts.values())
    # Ties go to the pattern nearest the end, where the new parameter goes.
    return next(item for item in reversed(items) if counts[item] == best)


def _aligned_column(node: Any) -> int | None:
    columns: list[tuple[int, int]] = []
    for i, param in enumerate(node.params):
        if not param.showkey:
            continue
        name = str(param.name)
        padding = name[len(name.rstrip(_SPACE)) :]
        width = _line_width(_carrier_text(node, i), name)
        if width is not None and "\n" not in padding:
            columns.append((width, len(padding)))
    counts = Counter(width for width, _ in columns)
    for width, count in counts.most_common():
        if count < 2:
            break
        if any(pad > 1 for w, pad in columns if w == width):
            return width
    return None


def _line_width(before: str, name: str) -> int | None:
    # Width of "<indent>|<name>" on its line, or None if it does not start a line.
    if "\n" in name:
        return len(name.rsplit("\n", 1)[1])
    if "\n" in before:
        return len(before.rsplit("\n", 1)[1]) + 1 + len(name)
    return None


def _carrier_text(node: Any, i: int) -> str:
    # The text just before parameter i's "|": the previous value or the name.
    return str(node.params[i - 1].value) if i else str(node.name)


def _set_carrier_space(node: Any, i: int, space: str) -> None:
    # Replace the trailing whitespace of the text before parameter i's "|".
    text = _carrier_text(node, i)
    text = text[: len(text.rstrip(_SPACE))] + space
    if i:
        node.params[i - 1].value = text
    else:
        node.name = text


def _trailing_space(text: str) -> str:
    return text[len(text.rstrip(_SPACE)) :]


def _insert_point(node: Any) -> int:
    # Before trailing empty positional parameters: "{{Event|\n a=1|\n}}" ends in one.
    end = len(node.params)
    while end > 0 and not node.params[end - 1].showkey:
        if str(node.params[end - 1].value).strip(_SPACE):
            break
        end -= 1
    return end if any(param.showkey for param in node.params[:end]) else len(node.params)


def _add_param(node: Any, name: str, value: str) -> None:
    end = _insert_point(node)
    layout = _layout(node, end)
    if end == len(node.params):
        # The new parameter becomes the last: it takes over the closing layout.
        closing = _trailing_space(_carrier_text(node, end))
        _set_carrier_space(node, end, layout.separator)
        trail = closing
    else:
        trail = layout.separator
    name_text = layout.name_lead + name + layout.name_trail
    if layout.column is not None:
        width = _line_width(_carrier_text(node, end), layout.name_lead + name)
        if width is not None:
            name_text = layout.name_lead + name + " " * max(1, layout.column - width)
    node.params.insert(end, Parameter(name_text, layout.value_lead + value + trail))


def _renamed(node: Any, i: int, new: str, column: int | None) -> str:
    text = str(node.params[i].name)
    lead = text[: len(text) - len(text.lstrip(_SPACE))]
    trail = _trailing_space(text)
    width = _line_width(_carrier_text(node, i), text.rstrip(_SPACE))
    if column is not None and width == column - len(trail) and "\n" not in trail:
        aligned = _line_width(_carrier_text(node, i), lead + new)
        if aligned is not None:
            trail = " " * max(1, column - aligned)
    return lead + new + trail


def _delete_param(node: Any, i: int) -> None:
    value = node.params[i].value
    last = i == len(node.params) - 1
    # Comment lines after the value's own line belong to what follows: keep them.
    _, newline, rest = _split_value(value, None)[2].partition("\n")
    keep = rest if newline and _has_comment(rest) else ""
    space = _trailing_space(str(value))
    del node.params[i]
    if keep:
        if not _carrier_text(node, i).endswith("\n"):
            keep = "\n" + keep
        _append_carrier(node, i, keep)
    elif last:
        _set_carrier_space(node, i, space)


def _append_carrier(node: Any, i: int, text: str) -> None:
    if i:
        node.params[i - 1].value = str(node.params[i - 1].value) + text
    else:
        node.name = str(node.name) + text


def _split_value(value: Any, layout: _Layout | None) -> tuple[str, str, str]:
    """Split a value into (lead, core, trail): core is what a new value replaces.

    lead and trail are the whitespace and comments at its edges.
    """
    pieces: list[tuple[bool, str]] = []  # (is content, text)
    for node in value.nodes:
        if isinstance(node, Text):
            text = node.value
            start = len(text) - len(text.lstrip(_SPACE))
            stop = len(text.rstrip(_SPACE))
            if start >= stop:
                pieces.append((False, text))
                continue
            pieces.extend([(False, text[:start]), (True, text[start:stop]), (False, text[stop:])])
        else:
            pieces.append((not isinstance(node, Comment), str(node)))
    flags = [content for content, _ in pieces]
    if True not in flags:
        return _split_blank(str(value), layout)
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    lead = "".join(text for _, text in pieces[:first])
    core = "".join(text for _, text in pieces[first : last + 1])
    trail = "".join(text for _, text in pieces[last + 1 :])
    return lead, core, trail


def _split_blank(text: str, layout: _Layout | None) -> tuple[str, str, str]:
    if layout and text == layout.value_lead + layout.separator and not text.strip(_SPACE):
        return layout.value_lead, "", layout.separator
    spaces = len(text) - len(text.lstrip(_SPACE))
    newline = text.find("\n")
    if newline == -1 and spaces == len(text):
        # Inline "| place = | type = …": the value goes after the space, then the separator.
        after = layout.separator if layout and "\n" not in layout.separator else ""
        return text, "", after
    cut = spaces if newline == -1 else min(spaces, newline)
    return text[:cut], "", text[cut:]


# --- checks ------------------------------------------------------------------


def _check_name(name: str, label: str, title: str | None) -> str:
    clean = name.strip()
    if not clean or _BAD_NAME_CHARS.intersection(clean) or "\n" in name:
        raise EditError(
            f'{_where(title)}{{{{{label}}}}}: "{name}" is not a usable parameter name '
            "(it must be non-empty, without = | { } [ ] < > or line breaks)",
            title=title,
            wiki_template=label,
            param=name,
        )
    return clean


def _check_value(name: str, clean: str, trusted: bool, label: str, title: str | None) -> None:
    problem = _unsafe(mwparserfromhell.parse(clean), trusted)
    # Parsed as it will sit on the page: it must stay one value of one template.
    probe = mwparserfromhell.parse("{{X|" + name + "=" + clean + "}}").nodes
    params = probe[0].params if len(probe) == 1 and isinstance(probe[0], Template) else []
    intact = len(params) == 1 and str(params[0].value) == clean
    if problem is None and not intact:
        problem = "would end the template or split it into more parameters"
    if problem is None:
        return
    fixable = not trusted and intact and _unsafe(params[0].value, True) is None
    hint = " (pass trusted=True if it is meant as wikitext)" if fixable else ""
    raise EditError(
        f'{_where(title)}{{{{{label}}}}} parameter "{name}": new value {_quote(clean)} '
        f"{problem}{hint}",
        title=title,
        wiki_template=label,
        param=name,
        value=clean,
    )


def _unsafe(code: Any, trusted: bool) -> str | None:
    """Why a parsed value would break its template or inject markup, or None."""
    for node in code.nodes:
        problem: str | None = None
        if isinstance(node, Text):
            text = node.value
            lone = _LONE_TAG.search(text)
            if lone:
                problem = (
                    f'holds an unpaired "{lone.group(0)}" tag, which would swallow or cut '
                    "the infobox once saved"
                )
            elif "|" in text:
                problem = 'holds a "|", which would start another parameter'
            elif "{{" in text or "}}" in text:
                problem = "holds unbalanced {{ or }}"
            elif "<!--" in text:
                problem = "holds an unterminated comment, which would hide the rest of the page"
        elif isinstance(node, Template | Argument):
            problem = None if trusted else "holds a template or parameter ({{…}})"
        elif isinstance(node, Wikilink):
            if not trusted and (node.title.filter_templates() or node.title.filter_arguments()):
                problem = "holds a template in a link"
            if not trusted and node.text is not None:
                inner = node.text.filter_templates() or node.text.filter_arguments()
                problem = problem or ("holds a template in a link" if inner else None)
        elif isinstance(node, ExternalLink):
            problem = _unsafe(node.url, trusted)
            if problem is None and node.title is not None:
                problem = _unsafe(node.title, trusted)
        elif isinstance(node, Heading):
            problem = _unsafe(node.title, trusted)
        elif isinstance(node, Tag) and node.contents is not None:
            tag = str(node.tag).strip().lower()
            opaque = tag in _OPAQUE_TAGS or not is_parsable(tag)
            if not opaque or (not trusted and is_parsable(tag)):
                problem = _unsafe(node.contents, trusted)
        if problem is not None:
            return problem
    return None


def _refuse_renumbering(node: Any, i: int, label: str, name: str, title: str | None) -> None:
    if any(not param.showkey for param in node.params[i + 1 :]):
        raise EditError(
            f"{_where(title)}{{{{{label}}}}} positional parameter {name} is followed by other "
            "positional parameters, which would be renumbered; write them as N=… first",
            title=title,
            wiki_template=label,
            param=name,
        )


# --- small helpers -----------------------------------------------------------


def _positions(node: Any, name: str) -> list[int]:
    wanted = unicodedata.normalize("NFC", name.strip())
    return [i for i, param in enumerate(node.params) if _param_name(param) == wanted]


def _param_name(param: Any) -> str:
    return unicodedata.normalize("NFC", str(param.name).strip(_SPACE))


def _label(node: Any) -> str:
    return str(node.name).strip(_SPACE)


def _has_comment(text: str) -> bool:
    return "<!--" in text


def _where(title: str | None) -> str:
    return f'Page "{title}": ' if title else ""


def _quote(value: str) -> str:
    text = " ".join(value.split())
    if len(text) > 80:
        text = text[:77] + "..."
    return '"' + text + '"'


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
    _check_reparse(wikitext, code, text, changes, title)
    return EditResult(text, tuple(changes), tuple(warnings))


# --- the result must parse as it was built ------------------------------------


def _check_reparse(
    wikitext: str, code: Any, text: str, changes: Sequence[ParamChange], title: str | None
) -> None:
    """Refuse a result that, saved (NFC) and parsed again, is not the tree the edit built.

    The edit built its tree node by node, each new value parsed on its own;
    on the page a value meets what surrounds it (an unbalanced ``<ref>``
    before the infobox, a ``<nowiki>`` after it), and MediaWiki normalises
    the text to NFC. Both must leave every template, parameter, tag, link and
    comment where the edit put it.
    """
    saved = mwparserfromhell.parse(unicodedata.normalize("NFC", text))
    if _shape(saved.nodes) == _shape(code.nodes) and _pairs_kept(wikitext, text):
        return
    edited = [c for c in changes if c.action != "unchanged"]
    what = ", ".join(
        f'"{c.param}"'
        + (f" = {_quote(c.new)}" if c.new is not None and c.action != "rename" else "")
        for c in edited[:3]
    )
    first = edited[0]
    raise EditError(
        f"{_where(title)}{{{{{first.wiki_template}}}}}: setting {what} would change which "
        "templates and parameters the page parses to once saved (the value meets "
        "unbalanced markup around the infobox, or Unicode normalisation turns it into "
        "markup); refused, edit this page by hand",
        title=title,
        wiki_template=first.wiki_template,
        param=first.param,
        value=first.new,
    )


def _pairs_kept(old: str, new: str) -> bool:
    """Whether the preprocessor pairs tags outside the edited span as it did before.

    MediaWiki pairs ``<ref>``…``</ref>``, ``<nowiki>``…``</nowiki>`` and
    comments before it reads templates. A tag left open before the infobox
    pairs with the first closing tag after it, even one inside a new value
    that is balanced on its own (``<ref>a</ref>``), and the infobox is cut.
    Outside the span the edit changed, every pair must stay as it was.
    """
    prefix = len(_common_prefix(old, new))
    limit = min(len(old), len(new)) - prefix
    suffix = len(_common_prefix(old[::-1], new[::-1])[:limit])
    return _outside(old, prefix, suffix) == _outside(new, prefix, suffix)


def _outside(text: str, prefix: int, suffix: int) -> list[tuple[str, object, object]]:
    end = len(text) - suffix

    def where(index: int) -> object:
        # A character is in the common prefix, the common suffix or the edited span.
        if index < prefix:
            return index
        if index >= end:
            return index - len(text)
        return "edited"

    return [
        (name, where(start), where(stop - 1))
        for name, start, stop in _paired_regions(text)
        if not (prefix <= start and stop <= end)
    ]


def _paired_regions(text: str) -> list[tuple[str, int, int]]:
    """The comments and paired tags as MediaWiki's preprocessor finds them, in order."""
    regions: list[tuple[str, int, int]] = []
    position = 0
    while True:
        found = _OPEN_TAG.search(text, position)
        if found is None:
            return regions
        if found.group(0) == "<!--":
            close = text.find("-->", found.end())
            stop = len(text) if close < 0 else close + 3
            regions.append(("!--", found.start(), stop))
            position = stop
            continue
        name = found.group(1).lower()
        if found.group(2).rstrip().endswith("/"):
            position = found.end()
            continue
        closing = re.compile(r"</" + re.escape(name) + r"\s*>", re.IGNORECASE).search(
            text, found.end()
        )
        if closing is None:
            position = found.end()  # unpaired: MediaWiki reads it as text
            continue
        regions.append((name, found.start(), closing.end()))
        position = closing.end()


def _common_prefix(a: str, b: str) -> str:
    size = min(len(a), len(b))
    low, high = 0, size
    while low < high:  # binary search on slices: fast for long pages
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return a[:low]


def _shape(nodes: Sequence[Any]) -> list[Any]:
    """The structure of parsed wikitext: every node but plain text, nested, in order.

    Template parameters are compared by name and exact (NFC) value, so a value
    that moved, split or emptied shows; text is left out because the parser
    may cut it into pieces differently without meaning anything else.
    """
    shape: list[Any] = []
    for node in nodes:
        if isinstance(node, Text | HTMLEntity):
            continue
        if isinstance(node, Template):
            shape.append(
                (
                    "template",
                    template_key(str(node.name)),
                    _shape(node.name.nodes),
                    [
                        (
                            _param_name(param),
                            param.showkey,
                            unicodedata.normalize("NFC", str(param.value)),
                            _shape(param.value.nodes),
                        )
                        for param in node.params
                    ],
                )
            )
        elif isinstance(node, Tag):
            contents = _shape(node.contents.nodes) if node.contents is not None else None
            shape.append(("tag", str(node.tag).strip().lower(), node.wiki_markup, contents))
        elif isinstance(node, Wikilink):
            text = _shape(node.text.nodes) if node.text is not None else None
            shape.append(("link", _shape(node.title.nodes), text))
        elif isinstance(node, ExternalLink):
            label = _shape(node.title.nodes) if node.title is not None else None
            shape.append(("external", _shape(node.url.nodes), label))
        elif isinstance(node, Heading):
            shape.append(("heading", node.level, _shape(node.title.nodes)))
        elif isinstance(node, Argument):
            default = _shape(node.default.nodes) if node.default is not None else None
            shape.append(("argument", _shape(node.name.nodes), default))
        else:
            shape.append((type(node).__name__,))
    return shape
