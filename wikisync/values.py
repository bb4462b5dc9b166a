"""Per-type value parsers: template parameter values to typed Python values.

Each field type of a record schema (see :mod:`wikisync.schema`) has one pure
parser here. Parsers take a parameter value as mwparserfromhell ``Wikicode``
(or a plain string) and return a typed value: ``str`` for text, wikitext,
page, file and URL; ``int``; ``bool``; :class:`~wikisync.dates.DateValue` for dates; a tuple
of strings for lists. A value that does not fit its type raises
:class:`ValueFormatError`, which :mod:`wikisync.records` turns into a
:class:`~wikisync.errors.RecordError` naming the page and field. Wikitext is
read through parser nodes, never with regexes; only already plain text (a
date, a number) is split further.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import mwparserfromhell
from mwparserfromhell.nodes import (
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)

from wikisync.dates import DateValue, read_date
from wikisync.pages import CATEGORY_NS, FILE_NS, FRENCH, normalize_title

# DateValue lives in wikisync.dates; it is re-exported as the type of date fields.
__all__ = [
    "FIELD_TYPES",
    "LIST_SEPARATORS",
    "DateValue",
    "FieldValue",
    "ValueFormatError",
    "is_blank",
    "parse_bool",
    "parse_date",
    "parse_enum",
    "parse_file_name",
    "parse_int",
    "parse_list",
    "parse_page_title",
    "parse_url",
    "parse_value",
    "to_json_value",
    "to_plain_text",
]

#: The field types a schema may declare.
FIELD_TYPES: tuple[str, ...] = (
    "text",
    "wikitext",
    "date",
    "list",
    "page",
    "file",
    "url",
    "int",
    "bool",
    "enum",
)


class ValueFormatError(Exception):
    """A value does not fit its field type (internal: records.py reports it).

    Attributes:
        expected: what was expected, as a noun phrase ("a date").
        value: the offending value, as written on the page.
    """

    def __init__(self, expected: str, value: str) -> None:
        value = value.strip()
        super().__init__(f"should be {expected}, got {value!r}")
        self.expected = expected
        self.value = value


#: What a parsed field may hold (``None``: absent).
FieldValue: TypeAlias = str | int | bool | DateValue | tuple[str, ...] | None


# -- plain text -------------------------------------------------------------------

# Tags whose content is not shown in running text.
_HIDDEN_TAGS = frozenset({"ref", "references", "noinclude", "templatedata", "gallery"})
# Magic-word templates that stand for a character.
_CHAR_TEMPLATES = {"!": "|", "=": "=", "!!": "||"}


def to_plain_text(code: Any) -> str:
    """Reduce wikitext to the plain text a reader sees.

    Links become their label (or title), bold/italic and other inline tags keep
    their content, comments, references, templates, file and category links are
    dropped, HTML entities are decoded. Spaces are collapsed within lines and
    blank lines collapse to one, so multi-line prose keeps its paragraphs.

    Args:
        code: a ``Wikicode`` (a parameter value) or a string of wikitext.

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
        return _tidy(nodes[0].value)
    out: list[str] = []
    _append_plain(nodes, out)
    return _tidy("".join(out))


def _append_plain(nodes: Sequence[Any], out: list[str]) -> None:
    for i, node in enumerate(nodes):
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, Wikilink):
            _append_link(node, out)
        elif isinstance(node, ExternalLink):
            if node.title is not None and str(node.title).strip():
                _append_plain(node.title.nodes, out)
            else:
                out.append(str(node.url))
        elif isinstance(node, HTMLEntity):
            out.append(node.normalize())
        elif isinstance(node, Tag):
            if str(node.tag).strip().lower() == "br":
                # "<br />" at the end of a source line is one break, not two.
                following = nodes[i + 1] if i + 1 < len(nodes) else None
                if not (isinstance(following, Text) and following.value.startswith("\n")):
                    out.append("\n")
            else:
                _append_tag(node, out)
        elif isinstance(node, Heading):
            _append_plain(node.title.nodes, out)
        elif isinstance(node, Template):
            out.append(_CHAR_TEMPLATES.get(str(node.name).strip(), ""))
        elif isinstance(node, Comment):
            continue
        # Arguments ({{{x}}}) and anything else render as nothing here.


def _append_link(node: Any, out: list[str]) -> None:
    title = str(node.title).strip()
    if title.startswith(":"):
        title = title[1:]
    else:
        ns, _ = FRENCH.split(title)
        if ns in (FILE_NS, CATEGORY_NS):
            return  # an image or a category tag, not text
    if node.text is not None:
        _append_plain(node.text.nodes, out)
    else:
        out.append(title)


def _append_tag(node: Any, out: list[str]) -> None:
    name = str(node.tag).strip().lower()
    if name in _HIDDEN_TAGS:
        return
    elif name == "nowiki":
        if node.contents is not None:
            out.append(str(node.contents))
    elif node.contents is not None:
        _append_plain(node.contents.nodes, out)


def _tidy(text: str) -> str:
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


# -- lists ------------------------------------------------------------------------

LIST_SEPARATORS = ",;"


def parse_list(code: Any) -> tuple[str, ...]:
    """Split a comma- or semicolon-separated value into plain-text items.

    Only separators in the running text split: a comma inside a link label or a
    template stays in its item. Items are trimmed; empty items are dropped.

    Example:
        >>> parse_list("Mobilité, [[Paris, France|Paris]];; covoiturage ,")
        ('Mobilité', 'Paris', 'covoiturage')
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    items: list[str] = []
    current: list[str] = []
    for node in code.nodes:
        if isinstance(node, Text):
            value = node.value
            start = 0
            for i, char in enumerate(value):
                if char in LIST_SEPARATORS:
                    current.append(value[start:i])
                    items.append(_tidy("".join(current)))
                    current = []
                    start = i + 1
            current.append(value[start:])
        else:
            _append_plain((node,), current)
    items.append(_tidy("".join(current)))
    return tuple(" ".join(item.split()) for item in items if item)


def _split_text(text: str) -> tuple[str, ...]:
    items = text.replace(";", ",").split(",")
    return tuple(" ".join(item.split()) for item in items if item and not item.isspace())


# -- dates ------------------------------------------------------------------------


def parse_date(text: str) -> DateValue:
    """Parse a date as written on FabMob pages, keeping its precision.

    Accepts ISO 8601 (``2018-07-03``, ``2018-07``, ``2018``,
    ``2024-03-05T18:30[:00][Z|+02:00]``, a space instead of ``T``), the French
    long form (``3 juillet 2018``, ``1er mai 2019``, ``mercredi 3 juillet 2018``,
    ``3 juil. 2018``, with an optional time ``à 18h30`` or ``18:30``), month
    precision (``Juillet 2023``), English month names, and ``03/07/2018``
    (day first, as in French); see :func:`wikisync.dates.read_date`.

    Raises:
        ValueFormatError: the text is not one of those forms or no real date.
    """
    result = read_date(text)
    if result is None:
        raise ValueFormatError("a date", text)
    return result


# -- scalars ----------------------------------------------------------------------

_BOOLEANS = {
    "oui": True,
    "non": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "vrai": True,
    "faux": False,
    "1": True,
    "0": False,
}


def parse_bool(text: str) -> bool:
    """Parse oui/non, yes/no, true/false, vrai/faux, 1/0 (any case).

    Raises:
        ValueFormatError: any other word.
    """
    try:
        return _BOOLEANS[text.strip().casefold()]
    except KeyError:
        raise ValueFormatError("yes or no (oui/non, true/false, 1/0)", text) from None


def parse_int(text: str) -> int:
    """Parse an integer; spaces (French thousands separators) are ignored.

    Raises:
        ValueFormatError: not a whole number.
    """
    digits = "".join(text.split()).replace("\u202f", "")
    body = digits[1:] if digits[:1] in "+-" else digits
    if not body.isascii() or not body.isdigit():
        raise ValueFormatError("a whole number", text)
    return int(digits)


def parse_enum(text: str, choices: Sequence[str]) -> str:
    """Match a value against the allowed ``choices`` (case and spacing ignored).

    Returns:
        The choice as spelled in the schema.

    Raises:
        ValueFormatError: no choice matches.
    """
    key = _fold(text)
    for choice in choices:
        if _fold(choice) == key:
            return choice
    raise ValueFormatError("one of " + ", ".join(repr(c) for c in choices), text)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_URL_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "mailto"})


def parse_url(code: Any) -> str:
    """Read a URL: a bare URL, ``[URL label]``, or a ``www.`` address.

    A ``www.`` address without scheme gets ``https://``.

    Raises:
        ValueFormatError: no absolute http(s)/ftp/mailto URL, or several.
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    links = [node for node in code.nodes if isinstance(node, ExternalLink)]
    raw = str(code).strip()
    if not links:
        return _url_from_text(to_plain_text(code), raw)
    if len(links) > 1 or _plain_text_outside(code, links[0]):
        raise ValueFormatError("one URL", raw)
    return _url_from_text(str(links[0].url).strip(), raw)


def _url_from_text(url: str, raw: str) -> str:
    if url.startswith("www.") and " " not in url:
        url = "https://" + url
    parts = urlsplit(url)
    has_host = bool(parts.netloc) or parts.scheme == "mailto"
    if parts.scheme.lower() not in _URL_SCHEMES or not has_host or len(url.split()) != 1:
        raise ValueFormatError("a URL (https://…)", raw)
    return url


def _plain_text_outside(code: Any, node: Any) -> str:
    out: list[str] = []
    _append_plain([n for n in code.nodes if n is not node], out)
    return _tidy("".join(out))


_BAD_TITLE_CHARS = frozenset("[]{}|#<>")


def parse_page_title(code: Any) -> str:
    """Read a page reference: ``[[Title|label]]`` or a bare title, normalised.

    A section (``#…``) in a link is dropped.

    Raises:
        ValueFormatError: several links, or characters a title cannot hold.
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    links = [node for node in code.nodes if isinstance(node, Wikilink)]
    raw = str(code).strip()
    if len(links) > 1:
        raise ValueFormatError("one page", raw)
    if links:
        return _page_from_text(str(links[0].title).split("#", 1)[0], raw)
    return _page_from_text(to_plain_text(code), raw)


def _page_from_text(title: str, raw: str) -> str:
    if not title.strip() or _BAD_TITLE_CHARS.intersection(title):
        raise ValueFormatError("a page title", raw)
    return normalize_title(title)


def parse_file_name(code: Any) -> str:
    """Read a file name: ``X.png``, ``Fichier:X.png`` or ``[[Fichier:X.png|thumb]]``.

    Returns:
        The normalised name without namespace prefix (``"Atelier 2019.jpg"``).

    Raises:
        ValueFormatError: no name with an extension, or characters a title cannot hold.
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    links = [node for node in code.nodes if isinstance(node, Wikilink)]
    raw = str(code).strip()
    if len(links) > 1:
        raise ValueFormatError("one file name", raw)
    return _file_from_text(str(links[0].title) if links else to_plain_text(code), raw)


def _file_from_text(name: str, raw: str) -> str:
    title = normalize_title(name) if name.strip() else ""
    ns, rest = FRENCH.split(title)
    if ns not in (0, FILE_NS) or not _has_extension(rest) or _BAD_TITLE_CHARS.intersection(rest):
        raise ValueFormatError("a file name (name.ext)", raw)
    return rest


def _has_extension(name: str) -> bool:
    stem, dot, ext = name.rpartition(".")
    return bool(dot and stem and 1 <= len(ext) <= 5 and ext.isalnum())


# -- dispatch ---------------------------------------------------------------------

# Parsers of a whole value (Wikicode), for values with markup.
_CODE_PARSERS: Mapping[str, Callable[[Any, Sequence[str]], FieldValue]] = {
    "text": lambda code, _: to_plain_text(code),
    "wikitext": lambda code, _: str(code).strip(),
    "date": lambda code, _: parse_date(to_plain_text(code)),
    "list": lambda code, _: parse_list(code),
    "page": lambda code, _: parse_page_title(code),
    "file": lambda code, _: parse_file_name(code),
    "url": lambda code, _: parse_url(code),
    "int": lambda code, _: parse_int(to_plain_text(code)),
    "bool": lambda code, _: parse_bool(to_plain_text(code)),
    "enum": lambda code, choices: parse_enum(to_plain_text(code), choices),
}

# The same for a value that is one Text node (most values): no markup to walk.
_TEXT_PARSERS: Mapping[str, Callable[[str, Sequence[str]], FieldValue]] = {
    "text": lambda text, _: _tidy(text),
    "wikitext": lambda text, _: text.strip(),
    "date": lambda text, _: parse_date(text),
    "list": lambda text, _: _split_text(text),
    "page": lambda text, _: _page_from_text(_tidy(text), text.strip()),
    "file": lambda text, _: _file_from_text(_tidy(text), text.strip()),
    "url": lambda text, _: _url_from_text(_tidy(text), text.strip()),
    "int": lambda text, _: parse_int(text),
    "bool": lambda text, _: parse_bool(text),
    "enum": parse_enum,
}


def parse_value(field_type: str, code: Any, choices: Sequence[str] = ()) -> FieldValue:
    """Parse one parameter value as ``field_type``.

    Args:
        field_type: one of :data:`FIELD_TYPES`.
        code: the parameter value (``Wikicode``) or a wikitext string.
        choices: the allowed values, for ``enum``.

    Returns:
        The typed value, or ``None`` for a value that is blank once comments and
        markup are removed (a list with no items is ``None`` too).

    Raises:
        ValueFormatError: the value does not fit the type.
        ValueError: ``field_type`` is not a field type (a programmer error).
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    if field_type not in _CODE_PARSERS:
        raise ValueError(f"unknown field type {field_type!r}")
    nodes = code.nodes
    first = nodes[0] if len(nodes) == 1 else None
    if type(first) is Text:
        text = first.value
        if not text or text.isspace():
            return None
        value = _TEXT_PARSERS[field_type](text, choices)
    elif is_blank(code):
        return None
    else:
        value = _CODE_PARSERS[field_type](code, choices)
    if not value and type(value) in (str, tuple):
        return None
    return value


def is_blank(code: Any) -> bool:
    """Whether a value holds nothing but whitespace and comments."""
    for node in code.nodes:
        if isinstance(node, Text):
            if not node.value.isspace() and node.value:
                return False
        elif not isinstance(node, Comment):
            return False
    return True


def to_json_value(value: FieldValue) -> object:
    """A field value as JSON data: dates as ISO strings, lists as lists."""
    if isinstance(value, DateValue):
        return value.iso()
    if isinstance(value, tuple):
        return list(value)
    return value
