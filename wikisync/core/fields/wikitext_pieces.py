"""The pieces of a parameter value, as real infoboxes write it.

:func:`pieces` walks a value's parser nodes once and gives what the typed
readers of :mod:`wikisync.core.fields.values` need: running text (split further by the
list reader), :class:`Atom` text never split (a link's label, an entity,
``<nowiki>`` text, one item of a list template), :data:`BREAK` for ``<br>``
and a list template's item end, dates from date templates, and
:class:`Unread` for a template whose output cannot be known without the
wiki. References, comments and footnote templates give nothing; wrapper
templates give their text. :func:`to_plain_text` joins the pieces as a reader
sees them. Pure: no I/O here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import mwparserfromhell
from mwparserfromhell.nodes import (
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)

from wikisync.core.dates import (
    DateRange,
    DateValue,
    TwoDigitYearError,
    date_from_parts,
    read_date,
    read_date_or_range,
)
from wikisync.core.fields.value_templates import (
    CHAR_TEMPLATES,
    DEFAULT_OPTIONS,
    IGNORED_TEMPLATES,
    LIST_TEMPLATES,
    DateTemplate,
    ValueOptions,
    template_name_key,
)
from wikisync.core.pages import CATEGORY_NS, FILE_NS, FRENCH

__all__ = [
    "BREAK",
    "Atom",
    "Break",
    "Piece",
    "Unread",
    "first_unread",
    "join_text",
    "pieces",
    "pieces_of",
    "tidy",
    "to_plain_text",
    "unread_template",
]


# -- walking a value -----------------------------------------------------------------


class Atom(str):
    """Text that is one piece: a link's label, an entity, nowiki text (never split)."""

    __slots__ = ()


class Break:
    """A line break (``<br>``, the end of a list template's item)."""

    __slots__ = ()


BREAK = Break()


@dataclass(frozen=True, slots=True)
class Unread:
    """A template whose output cannot be known here, or a date template without a date."""

    raw: str
    why: str


Piece: TypeAlias = "str | Break | DateValue | DateRange | Unread"

# Tags whose content is not shown in running text.
_HIDDEN_TAGS = frozenset({"ref", "references", "noinclude", "templatedata", "gallery"})


def _walk(nodes: Sequence[Any], options: ValueOptions, out: list[Piece]) -> None:
    for i, node in enumerate(nodes):
        kind = type(node)
        if kind is Text:
            out.append(node.value)
        elif kind is Wikilink:
            label: list[str] = []
            _append_link(node, label)
            out.append(Atom("".join(label)))
        elif kind is ExternalLink:
            if node.title is not None and str(node.title).strip():
                _walk(node.title.nodes, options, out)
            else:
                out.append(Atom(str(node.url)))
        elif kind is HTMLEntity:
            out.append(Atom(node.normalize()))
        elif kind is Tag:
            name = str(node.tag).strip().lower()
            if name == "br":
                # "<br />" at the end of a source line is one break, not two.
                following = nodes[i + 1] if i + 1 < len(nodes) else None
                if not (isinstance(following, Text) and following.value.startswith("\n")):
                    out.append(BREAK)
            elif name in _HIDDEN_TAGS:
                continue
            elif name == "nowiki":
                if node.contents is not None:
                    out.append(Atom(str(node.contents)))
            elif node.contents is not None:
                _walk(node.contents.nodes, options, out)
        elif kind is Template:
            _walk_template(node, options, out)
        elif kind is Heading:
            _walk(node.title.nodes, options, out)
        # Comments, arguments ({{{x}}}) and anything else hold no value.


def _walk_template(node: Any, options: ValueOptions, out: list[Piece]) -> None:
    key = template_name_key(str(node.name))
    if key.startswith("formatnum:"):
        # The magic word shows its number with the wiki's digit grouping: the number itself.
        out.append(str(node.name).partition(":")[2].strip())
        return
    char = CHAR_TEMPLATES.get(key)
    if char is not None:
        out.append(char)
        return
    if key in IGNORED_TEMPLATES:
        return
    date_template = options.date_template(key)
    if date_template is not None:
        out.append(_template_date(node, date_template, options))
        return
    wrapped = options.wrapper(key)
    if wrapped is not None:
        if node.has(wrapped):
            inner: list[Piece] = []
            _walk(node.get(wrapped).value.nodes, options, inner)
            if key in ("url", "official website", "official url"):
                inner = [_with_scheme("".join(p for p in inner if isinstance(p, str)))]
            out.extend(inner)
        return
    if key in LIST_TEMPLATES:
        # Each parameter is one item, whatever commas it holds.
        for param in node.params:
            if not param.showkey:
                item: list[Piece] = []
                _walk(param.value.nodes, options, item)
                unread = first_unread(item)
                if unread is not None:
                    out.append(unread)
                out.append(Atom(join_text(item)))
                out.append(BREAK)
        return
    out.append(Unread(str(node), f"the template {{{{{str(node.name).strip()}}}}}"))


def _with_scheme(url: str) -> Atom:
    # {{URL|example.org}} links to http://example.org, as the template does.
    url = url.strip()
    if url and "://" not in url and not url.startswith("mailto:"):
        url = "http://" + url
    return Atom(url)


def _template_date(node: Any, spec: DateTemplate, options: ValueOptions) -> Piece:
    def param(name: str) -> str:
        if not name or not node.has(name):
            return ""
        return join_text(pieces(node.get(name).value, options))

    if spec.text:
        text = str(node.name).partition(":")[2].strip() if spec.text == ":" else param(spec.text)
        try:
            found = read_date_or_range(text, century=options.century) if text else None
        except TwoDigitYearError:
            found = None
    else:
        found = date_from_parts(param(spec.year), param(spec.month), param(spec.day))
        if found is None and not param(spec.year) and not param("2"):
            # One parameter holding the whole date: {{date|3 juillet 2018}}.
            whole = param("1")
            with contextlib.suppress(TwoDigitYearError):
                found = read_date(whole, century=options.century) if whole else None
            if found is None and len(whole) == 3 and whole.isascii() and whole.isdigit():
                found = date_from_parts(whole)  # {{date|976}}: a year of the first millennium
    if found is None:
        return Unread(str(node), f"the date template {{{{{str(node.name).strip()}}}}}")
    return found


def pieces(code: Any, options: ValueOptions) -> list[Piece]:
    out: list[Piece] = []
    _walk(code.nodes, options, out)
    return out


def join_text(pieces: Iterable[Piece]) -> str:
    # Plain text of pieces: a break is a line break, a date its ISO form,
    # what cannot be read nothing (the text type's reading).
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif piece is BREAK:
            out.append("\n")
        elif isinstance(piece, DateValue | DateRange):
            out.append(piece.iso())
    return tidy("".join(out))


def first_unread(pieces: Iterable[Piece]) -> Unread | None:
    for piece in pieces:
        if isinstance(piece, Unread):
            return piece
    return None


# -- plain text -------------------------------------------------------------------


def to_plain_text(code: Any, options: ValueOptions = DEFAULT_OPTIONS) -> str:
    """Reduce wikitext to the plain text a reader sees.

    Links become their label (or title), bold/italic and other inline tags keep
    their content, wrapper templates their text, date templates their date (in
    ISO form), list templates one item a line; comments, references, other
    templates, file and category links are dropped, HTML entities are decoded.
    Spaces are collapsed within lines and blank lines collapse to one, so
    multi-line prose keeps its paragraphs.

    Args:
        code: a ``Wikicode`` (a parameter value) or a string of wikitext.
        options: more date and wrapper templates.

    Returns:
        The plain text, stripped.

    Example:
        >>> to_plain_text("'''Atelier''' à [[Nantes (ville)|Nantes]] &amp; ailleurs")
        'Atelier à Nantes & ailleurs'
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    nodes = code.nodes
    if len(nodes) == 1 and isinstance(nodes[0], Text):
        return tidy(nodes[0].value)
    return join_text(pieces(code, options))


def unread_template(code: Any, options: ValueOptions = DEFAULT_OPTIONS) -> str | None:
    """The first template of a value that wikisync cannot read, described.

    The ``text`` type drops such templates; :mod:`wikisync.core.records` uses this
    to report a text value that is nothing but them (``{{USA}}``) instead of
    leaving it silently blank.

    Returns:
        ``"the template {{USA}}"``, or ``None`` when every template is read.
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    unread = first_unread(pieces(code, options))
    return None if unread is None else unread.why


def pieces_of(nodes: Sequence[Any]) -> list[Piece]:
    out: list[Piece] = []
    _walk(nodes, DEFAULT_OPTIONS, out)
    return out


def _append_link(node: Any, out: list[str]) -> None:
    title = str(node.title).strip()
    if title.startswith(":"):
        title = title[1:]
    else:
        ns, _ = FRENCH.split(title)
        if ns in (FILE_NS, CATEGORY_NS):
            return  # an image or a category tag, not text
    if node.text is not None:
        out.append(join_text(pieces_of(node.text.nodes)))
    else:
        out.append(title)


def tidy(text: str) -> str:
    text = text.strip()
    if "  " not in text and "\t" not in text:
        # The common case, checked with a few C-speed scans.
        if "\n" not in text:
            return text
        if " \n" not in text and "\n " not in text and "\n\n\n" not in text:
            return text
    elif "\n" not in text:
        return _squeeze(text)
    lines: list[str] = []
    for raw in text.split("\n"):
        line = _squeeze(raw)
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def _squeeze(line: str) -> str:
    # Only ASCII spaces and tabs: a decoded &nbsp; is kept on purpose.
    return " ".join(part for part in line.replace("\t", " ").split(" ") if part)
