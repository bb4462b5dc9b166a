"""Finding a page's infoboxes for an edit: which ``{{…}}`` nodes are the infoboxes, and refusals.

A template matches when its name is one of ``template_names`` up to MediaWiki's
spelling rules (:func:`template_matches`); infoboxes nested in another
infobox's value are not infoboxes, as in :mod:`wikisync.core.records`, so an
index means the same thing as ``Record.index``. An infobox the parser could not
close is refused, and so is one after it (it may sit inside it). A page the
parser would not give back byte for byte is refused.

Used by :mod:`wikisync.core.edits`. Pure: strings in, values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mwparserfromhell.nodes import Comment, Tag, Template, Text

from wikisync.core.edit_checks import EditError, on_page, parse_page
from wikisync.core.parse_budget import opened_names, parse_pure
from wikisync.core.schema import template_key

__all__ = ["template_matches"]


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


def _parse(wikitext: str, title: str | None, template_names: Sequence[str]) -> Any:
    """Parse a page to edit it, refusing one the parser would not give back byte for byte;
    the pure-Python tokenizer's tree when it closes an infobox the C one left open."""
    code = parse_page(wikitext, title) if "\0" not in wikitext else None
    _check_whole(wikitext, code, title)
    return _second_opinion(code, wikitext, template_names)


def _check_whole(wikitext: str, code: Any, title: str | None) -> None:
    """Refuse to edit a text the parser does not give back byte for byte.

    mwparserfromhell stops at a NUL character (MediaWiki never stores one,
    but a mirror file may hold one): everything after it would be lost.
    """
    if "\0" in wikitext:
        raise EditError(
            f"{on_page(title)}the text holds a NUL character (at offset "
            f"{wikitext.index(chr(0))}), which MediaWiki never stores; remove it first",
            title=title,
        )
    if str(code) != wikitext:  # pragma: no cover - a parser bug, never seen without NUL
        raise EditError(f"{on_page(title)}the text does not read back byte for byte", title=title)


def _second_opinion(code: Any, wikitext: str, template_names: Sequence[str]) -> Any:
    """The pure-Python tokenizer's tree when it closes an infobox the C one left open."""
    opened: list[str] = []
    _find_infoboxes(code.nodes, template_names, [], opened, [])
    if not opened:
        return code
    other = parse_pure(wikitext)
    if other is None:
        return code
    again: list[str] = []
    _find_infoboxes(other.nodes, template_names, [], again, [])
    return other if len(again) < len(opened) else code


def _select(
    code: Any, template_names: Sequence[str], index: int | None, title: str | None
) -> list[tuple[int, Any]]:
    found: list[Any] = []
    opened: list[str] = []
    inside: list[Any] = []
    _find_infoboxes(code.nodes, template_names, found, opened, inside)
    label = template_names[0] if template_names else ""
    if inside:
        raise _unclosed_error(opened, title, label)
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


def _unclosed_error(opened: Sequence[str], title: str | None, label: str) -> EditError:
    # An infobox the parser could not close: one found after it may be a
    # sub-box inside it; editing either would edit what the user did not mean.
    return EditError(
        f"{on_page(title)}the {{{{{opened[0]}}}}} infobox is not closed (no matching "
        '"}}"), so the wiki does not see it, and an infobox after it may sit inside it; '
        'wikisync edits neither (add the closing "}}" first)',
        title=title,
        wiki_template=label,
    )


def _find_infoboxes(
    nodes: Sequence[Any],
    template_names: Sequence[str],
    found: list[Any],
    opened: list[str],
    inside: list[Any],
) -> None:
    # The same walk as records._find_infoboxes, so that index means the same;
    # ``opened``: the infoboxes left open in plain text (not closed for the parser),
    # ``inside``: the infoboxes after one of those (inside it, as far as the parser can tell).
    for node in nodes:
        if isinstance(node, Text):
            if "{{" in node.value:
                opened.extend(
                    name
                    for name in opened_names(node.value)
                    if template_matches(name, template_names)
                )
        elif isinstance(node, Template):
            name = "".join(str(n) for n in node.name.nodes if not isinstance(n, Comment))
            if template_matches(name, template_names):  # "{{Infobox writer <!-- doc -->"
                (inside if opened else found).append(node)
                continue
            for param in node.params:
                _find_infoboxes(param.value.nodes, template_names, found, opened, inside)
        elif isinstance(node, Tag) and node.contents is not None:
            _find_infoboxes(node.contents.nodes, template_names, found, opened, inside)
