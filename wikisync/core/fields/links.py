"""Parsers of the field types that name something: ``url``, ``page`` and ``file``.

A value is a link (``[https://… label]``, ``[[Title|label]]``,
``[[Fichier:X.png|thumb]]``) or its bare text; ``*_from_text`` read the plain
text a template left, for :func:`~wikisync.core.fields.values.parse_value`,
which dispatches every field type. A value that is not one URL, page or file
name raises :class:`~wikisync.core.errors.ValueFormatError`.

Pure: strings in, values out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import mwparserfromhell
from mwparserfromhell.nodes import ExternalLink, Wikilink

from wikisync.core.errors import ValueFormatError
from wikisync.core.fields.wikitext_pieces import join_text, pieces_of, to_plain_text
from wikisync.core.pages import FILE_NS, FRENCH, normalize_title
from wikisync.core.said import said

__all__ = [
    "file_from_text",
    "page_from_text",
    "parse_file_name",
    "parse_page_title",
    "parse_url",
    "url_from_text",
]


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
        return url_from_text(to_plain_text(code), raw)
    if len(links) > 1 or _plain_text_outside(code, links[0]):
        raise ValueFormatError(said("one URL"), raw)
    return url_from_text(str(links[0].url).strip(), raw)


def url_from_text(url: str, raw: str) -> str:
    if url.startswith("www.") and " " not in url:
        url = "https://" + url
    if url.startswith(("https://", "http://")):  # the common case, without urlsplit
        host = url[url.index("//") + 2 : url.index("//") + 3]
        if host and host not in "/?#[" and len(url.split()) == 1:
            return url
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": a bracket never closed
        raise ValueFormatError(said("a URL (https://…)"), raw) from None
    has_host = bool(parts.netloc) or parts.scheme == "mailto"
    if parts.scheme.lower() not in _URL_SCHEMES or not has_host or len(url.split()) != 1:
        raise ValueFormatError(said("a URL (https://…)"), raw)
    return url


def _plain_text_outside(code: Any, node: Any) -> str:
    return join_text(pieces_of([n for n in code.nodes if n is not node]))


_BAD_TITLE_CHARS = frozenset("[]{}|#<>\n")  # a title is one line


def parse_page_title(code: Any) -> str:
    """Read a page reference: ``[[Title|label]]`` or a bare title, normalised.

    A section (``#…``) in a link is dropped.

    Raises:
        ValueFormatError: several links, or characters a title cannot hold.
    """
    code, link, raw = _sole_link(code, "one page")
    if link is not None:
        return page_from_text(str(link.title).split("#", 1)[0], raw)
    return page_from_text(to_plain_text(code), raw)


def _sole_link(code: Any, what: str) -> tuple[Any, Wikilink | None, str]:
    """The parsed value, its one link (None without any) and its text; several: raise."""
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    links = [node for node in code.nodes if isinstance(node, Wikilink)]
    raw = str(code).strip()
    if len(links) > 1:
        raise ValueFormatError(what, raw)
    return code, (links[0] if links else None), raw


def page_from_text(title: str, raw: str) -> str:
    if not title.strip() or _BAD_TITLE_CHARS.intersection(title):
        raise ValueFormatError(said("a page title"), raw)
    return normalize_title(title)


def parse_file_name(code: Any) -> str:
    """Read a file name: ``X.png``, ``Fichier:X.png`` or ``[[Fichier:X.png|thumb]]``.

    Returns:
        The normalised name without namespace prefix (``"Atelier 2019.jpg"``).

    Raises:
        ValueFormatError: no name with an extension, or characters a title cannot hold.
    """
    code, link, raw = _sole_link(code, "one file name")
    return file_from_text(str(link.title) if link is not None else to_plain_text(code), raw)


def file_from_text(name: str, raw: str) -> str:
    if "\n" in name.strip():  # two names on two lines are not one name
        raise ValueFormatError(said("a file name (name.ext)"), raw)
    title = normalize_title(name) if name.strip() else ""
    ns, rest = FRENCH.split(title)
    if ns not in (0, FILE_NS) or not _has_extension(rest) or _BAD_TITLE_CHARS.intersection(rest):
        raise ValueFormatError(said("a file name (name.ext)"), raw)
    return rest


def _has_extension(name: str) -> bool:
    stem, dot, ext = name.rpartition(".")
    return bool(dot and stem and 1 <= len(ext) <= 5 and ext.isalnum())
