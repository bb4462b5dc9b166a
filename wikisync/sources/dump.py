"""XML dumps and Special:Export files read as a source of pages, streamed.

A dump (``.xml``, ``.xml.bz2``, ``.xml.gz``, ``.xml.xz``; the compression is
told by the file's first bytes, not its name) is read with
``xml.etree.ElementTree.XMLPullParser`` fed in chunks, each page element
dropped once read, so memory stays flat whatever the dump's size. Tags are
matched without their XML namespace, so export schemas 0.10 and 0.11 (and
older) read alike. The namespaces come from the dump's ``<siteinfo>``
(canonical English names added for the standard ones), or are French when it
has none. A page may hold several revisions: the one with the highest id is
kept (the latest timestamp breaks ties). Dumps carry no category table, so a
page's categories are its explicit ``[[Catégorie:X]]`` links only: categories
added by templates are not seen (pull a mirror from the wiki for those).
Every call reads the file again from the start; :meth:`DumpSource.iter_category`
reads it twice (members, then pages), and the category index of the first
pass is kept until the file changes. A truncated or malformed dump raises
:class:`~wikisync.errors.SourceError` naming the file, the line and column,
and the last page read whole.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from wikisync.errors import SourceError
from wikisync.pages import FRENCH, Namespace, Namespaces, PageText
from wikisync.sources.base import FetchResult
from wikisync.sources.categories import (
    find_category_links,
    find_redirect_target,
    normalize_category,
    walk_members,
)

__all__ = ["DumpSource", "open_dump"]

_CHUNK = 1 << 16
_MAGIC_BZ2 = b"BZh"
_MAGIC_GZIP = b"\x1f\x8b"
_MAGIC_XZ = b"\xfd7zXZ\x00"
_MAGIC_7Z = b"7z\xbc\xaf\x27\x1c"
_DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError)


@dataclass(frozen=True, slots=True)
class _SiteInfo:
    namespaces: Namespaces
    sitename: str
    base: str


@dataclass(frozen=True, slots=True)
class _DumpPage:
    page: PageText
    redirect: str | None


class DumpSource:
    """An XML dump or Special:Export file read as a source of pages.

    Attributes:
        path: the dump file.
        location: the path, for messages.
        namespaces: from the dump's ``<siteinfo>`` (French when it has none).
        sitename: the wiki's name, ``""`` when unknown.
        site: the URL of the wiki's main page (``<base>``), ``""`` when unknown.
        compression: ``"bz2"``, ``"gzip"``, ``"xz"`` or ``""``.

    Example:
        >>> source = open_dump("fabmob-pages.xml.bz2")
        >>> source.list_category("Evénement", recursive=True)[:1]
        ['Assemblée des communs 2019']
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self.compression = _compression(path)
        self.namespaces = FRENCH
        self.sitename = ""
        self.site = ""
        for item in self._read(siteinfo_only=True):
            if isinstance(item, _SiteInfo):
                self.namespaces = item.namespaces
                self.sitename = item.sitename
                self.site = item.base
        self._index: tuple[tuple[int, int], dict[str, frozenset[str]]] | None = None

    def iter_pages(self) -> Iterator[PageText]:
        """Yield every page of the dump (its latest revision), in dump order."""
        for item in self._read():
            if isinstance(item, _DumpPage):
                yield item.page

    def list_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> list[str]:
        """Titles of the category's pages, sorted (explicit category links only)."""
        return walk_members(
            normalize_category(category, self.namespaces),
            self._category_index(),
            self.namespaces,
            recursive=recursive,
            depth=depth,
        )

    def iter_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> Iterator[PageText]:
        """Yield the category's pages, in dump order (the file is read twice)."""
        members = set(self.list_category(category, recursive=recursive, depth=depth))
        if not members:
            return
        for page in self.iter_pages():
            if page.title in members:
                yield page

    def fetch_titles(self, titles: Iterable[str], *, follow_redirects: bool = False) -> FetchResult:
        """Fetch pages by title; a redirect is followed one step, as the wiki's API does."""
        wanted = list(dict.fromkeys(self.namespaces.normalize(t) for t in titles))
        found = self._find(set(wanted))
        result = FetchResult()
        if follow_redirects:
            targets = {
                title: item.redirect
                for title, item in found.items()
                if item.redirect is not None and item.redirect != title
            }
            extra = set(targets.values()) - set(found)
            if extra:
                found.update(self._find(extra))
            result.redirects.update(targets)
        for title in wanted:
            item = found.get(result.redirects.get(title, title))
            if item is None:
                result.missing.append(title)
            else:
                result.pages.append(item.page)
        return result

    def categories_of(self, title: str) -> list[str]:
        """The categories a page of the dump names by explicit links (one pass)."""
        item = self._find({self.namespaces.normalize(title)})
        return [
            category
            for found in item.values()
            for category in find_category_links(found.page.wikitext, self.namespaces)
        ]

    def close(self) -> None:
        """Nothing to release: the file is opened only while read."""

    # -- internals ----------------------------------------------------------

    def _find(self, titles: set[str]) -> dict[str, _DumpPage]:
        found: dict[str, _DumpPage] = {}
        for item in self._read():
            if isinstance(item, _DumpPage) and item.page.title in titles:
                found[item.page.title] = item
                if len(found) == len(titles):
                    break
        return found

    def _category_index(self) -> dict[str, frozenset[str]]:
        stat = self.path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        if self._index is None or self._index[0] != key:
            index: dict[str, frozenset[str]] = {}
            for page in self.iter_pages():
                categories = find_category_links(page.wikitext, self.namespaces)
                if categories:
                    index[page.title] = frozenset(categories)
            self._index = (key, index)
        return self._index[1]

    def _read(self, *, siteinfo_only: bool = False) -> Iterator[_SiteInfo | _DumpPage]:
        reader = _DumpReader(self.path, self.namespaces)
        yield from reader.read(siteinfo_only=siteinfo_only)


def open_dump(path: str | os.PathLike[str]) -> DumpSource:
    """Open an XML dump or Special:Export file.

    Args:
        path: the file: plain XML, or compressed with bzip2, gzip or xz
            (told by its first bytes).

    Returns:
        The :class:`DumpSource`; its ``<siteinfo>`` has been read.

    Raises:
        SourceError: the file is missing, not a MediaWiki XML export, compressed
            with an unsupported tool (7-Zip), or broken before its first page.
    """
    file = Path(path)
    if not file.is_file():
        raise SourceError(f'Dump "{file}" does not exist', path=str(file))
    return DumpSource(file)


class _DumpReader:
    """One streaming pass over a dump."""

    def __init__(self, path: Path, namespaces: Namespaces) -> None:
        self.path = path
        self.namespaces = namespaces
        self.last_title = ""
        self.line = 1
        self.column = 0

    def read(self, *, siteinfo_only: bool) -> Iterator[_SiteInfo | _DumpPage]:
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        root: ET.Element | None = None
        page: ET.Element | None = None
        best: tuple[int, str, str] | None = None
        with _open(self.path) as stream:
            while True:
                chunk = self._read_chunk(stream)
                if chunk:
                    self._feed(parser, chunk)
                else:
                    self._close(parser)
                for event, elem in self._events(parser):
                    name = _local(elem.tag)
                    if event == "start":
                        if root is None:
                            root = self._check_root(elem, name)
                        elif name == "page":
                            if siteinfo_only:
                                return
                            page, best = elem, None
                        continue
                    if name == "revision" and page is not None:
                        best = _better(best, _revision(elem, self))
                        page.remove(elem)
                    elif name == "page" and page is not None:
                        item = self._page(elem, best)
                        if root is not None:
                            _drop(root, elem)
                        page = None
                        if item is not None:
                            self.last_title = item.page.title
                            yield item
                    elif name == "siteinfo" and root is not None:
                        info = _siteinfo(elem)
                        self.namespaces = info.namespaces
                        _drop(root, elem)
                        yield info
                        if siteinfo_only:
                            return
                if not chunk:
                    return

    def fail(
        self, reason: str, *, line: int | None = None, column: int | None = None
    ) -> SourceError:
        where = f"line {line or self.line}, column {column if column is not None else self.column}"
        after = f'after page "{self.last_title}"' if self.last_title else "before any complete page"
        return SourceError(
            f'Dump "{self.path}" is truncated or malformed at {where} ({after}): {reason}',
            path=str(self.path),
        )

    def _read_chunk(self, stream: IO[bytes]) -> bytes:
        try:
            # read1 hands over what was decompressed so far, so a cut-short file
            # still yields its whole pages before the error.
            return stream.read1(_CHUNK)  # type: ignore[attr-defined, no-any-return]
        except _DECOMPRESSION_ERRORS as exc:
            raise self.fail(f"the compressed data is cut short or corrupt ({exc})") from exc

    def _feed(self, parser: ET.XMLPullParser[ET.Element], chunk: bytes) -> None:
        newlines = chunk.count(b"\n")
        if newlines:
            self.line += newlines
            self.column = len(chunk) - chunk.rfind(b"\n") - 1
        else:
            self.column += len(chunk)
        try:
            parser.feed(chunk)
        except ET.ParseError as exc:
            line, column = exc.position
            raise self.fail(_reason(exc), line=line, column=column) from exc

    def _events(self, parser: ET.XMLPullParser[ET.Element]) -> Iterator[tuple[str, ET.Element]]:
        # The pull parser queues syntax errors and raises them from read_events.
        try:
            for item in parser.read_events():
                if len(item) == 2 and isinstance(item[1], ET.Element):
                    yield str(item[0]), item[1]
        except ET.ParseError as exc:
            line, column = exc.position
            raise self.fail(_reason(exc), line=line, column=column) from exc

    def _close(self, parser: ET.XMLPullParser[ET.Element]) -> None:
        try:
            parser.close()
        except ET.ParseError as exc:
            line, column = exc.position
            raise self.fail(_reason(exc), line=line, column=column) from exc

    def _check_root(self, elem: ET.Element, name: str) -> ET.Element:
        if name != "mediawiki":
            raise SourceError(
                f'"{self.path}" is not a MediaWiki XML dump: its root element is <{name}>, '
                "not <mediawiki>",
                path=str(self.path),
            )
        return elem

    def _page(self, elem: ET.Element, best: tuple[int, str, str] | None) -> _DumpPage | None:
        fields = {_local(child.tag): child for child in elem}
        raw_title = (fields["title"].text or "") if "title" in fields else ""
        if not raw_title.strip() or best is None:
            return None
        title = self.namespaces.normalize(raw_title)
        ns_text = fields["ns"].text if "ns" in fields else None
        ns = int(ns_text) if ns_text and ns_text.strip().lstrip("-").isdigit() else None
        id_text = fields["id"].text if "id" in fields else None
        pageid = int(id_text) if id_text and id_text.strip().isdigit() else None
        revid, timestamp, text = best
        redirect: str | None = None
        if "redirect" in fields:
            target = fields["redirect"].get("title", "")
            redirect = self.namespaces.normalize(target) if target.strip() else None
        if redirect is None:
            redirect = find_redirect_target(text, self.namespaces)
        page = PageText(
            title,
            text,
            revid,
            timestamp,
            ns if ns is not None else self.namespaces.split(title)[0],
            pageid,
        )
        return _DumpPage(page, redirect)


def _revision(elem: ET.Element, reader: _DumpReader) -> tuple[int, str, str]:
    revid = 0
    timestamp = ""
    text = ""
    for child in elem:
        name = _local(child.tag)
        if name == "id" and child.text and child.text.strip().isdigit():
            revid = int(child.text)
        elif name == "timestamp":
            timestamp = (child.text or "").strip()
        elif name == "text":
            text = child.text or ""
            if not text and child.get("deleted") is None and child.get("bytes", "0") != "0":
                raise reader.fail(
                    "a revision has no text (a stub dump, made without page text?); "
                    "export with the full text"
                )
    return revid, timestamp, text


def _better(
    best: tuple[int, str, str] | None, candidate: tuple[int, str, str]
) -> tuple[int, str, str]:
    if best is None or candidate[:2] >= best[:2]:
        return candidate
    return best


def _siteinfo(elem: ET.Element) -> _SiteInfo:
    sitename = base = ""
    found: list[Namespace] = []
    for child in elem:
        name = _local(child.tag)
        if name == "sitename":
            sitename = (child.text or "").strip()
        elif name == "base":
            base = (child.text or "").strip()
        elif name == "namespaces":
            for item in child:
                key = item.get("key", "")
                if not key.lstrip("-").isdigit():
                    continue
                ns_id = int(key)
                local = (item.text or "").strip()
                known = FRENCH.by_id.get(ns_id)
                found.append(
                    Namespace(
                        id=ns_id,
                        name=local,
                        canonical=known.canonical if known else "",
                        aliases=known.aliases if known and known.name == local else (),
                        first_letter_case=item.get("case", "first-letter") != "case-sensitive",
                    )
                )
    namespaces = Namespaces.from_list(found) if found else FRENCH
    return _SiteInfo(namespaces, sitename, base)


def _compression(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            magic = stream.read(6)
    except OSError as exc:
        raise SourceError(f'Dump "{path}" cannot be read: {exc}', path=str(path)) from exc
    if magic.startswith(_MAGIC_7Z):
        raise SourceError(
            f'Dump "{path}" is a 7-Zip archive, which wikisync cannot read: extract it '
            "(7z x) or use the .bz2 dump",
            path=str(path),
        )
    if magic.startswith(_MAGIC_BZ2):
        return "bz2"
    if magic.startswith(_MAGIC_GZIP):
        return "gzip"
    if magic.startswith(_MAGIC_XZ):
        return "xz"
    return ""


def _open(path: Path) -> IO[bytes]:
    compression = _compression(path)
    try:
        if compression == "bz2":
            return bz2.open(path, "rb")
        if compression == "gzip":
            return cast(IO[bytes], gzip.open(path, "rb"))
        if compression == "xz":
            return lzma.open(path, "rb")
        return open(path, "rb")
    except OSError as exc:
        raise SourceError(f'Dump "{path}" cannot be read: {exc}', path=str(path)) from exc


def _drop(parent: ET.Element, elem: ET.Element) -> None:
    """Forget an element read whole, so the tree never grows."""
    elem.clear()
    with contextlib.suppress(ValueError):
        parent.remove(elem)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _reason(exc: ET.ParseError) -> str:
    return str(exc).split(":", 1)[0]
