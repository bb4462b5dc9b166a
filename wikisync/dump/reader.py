"""XML dumps and Special:Export files read as a source of pages, streamed.

A dump (``.xml``, ``.xml.bz2``, ``.xml.gz``, ``.xml.xz``, ``.xml.lzma``; the
compression is told by the file's first bytes, not its name) is read with
``xml.etree.ElementTree.XMLPullParser`` fed in chunks, each page element
dropped once read, so memory stays flat whatever the dump's size. Tags are
matched without their XML namespace, so export schemas 0.10 and 0.11 (and
older) read alike. The namespaces come from the dump's ``<siteinfo>``
(canonical English names added for the standard ones). Where it lists none, or
leaves out one wikisync reads titles in (main, file, template, category), the
dump's own names are learnt from its pages (a page whose ``<ns>`` is 14 and
whose title is ``Category:X`` names namespace 14 ``Category``), in one more
pass over the file when it is opened; a standard
namespace no page names is called by its canonical English name (French when
the dump lists no namespace at all), and a title whose prefix names no known
namespace is kept as written. A page may hold several revisions: the one with the highest id is
kept (the latest timestamp breaks ties). Dumps carry no category table, so a
page's categories are its explicit ``[[Catégorie:X]]`` links only: categories
added by templates are not seen (pull a mirror from the wiki for those).
Every call reads the file again from the start; :meth:`DumpSource.iter_category`
reads it twice (members, then pages), and the category index of the first
pass is kept until the file changes. A truncated or malformed dump, a number
that is not one (``<ns>²</ns>``, ``<id>--5</id>``) or an element longer than
the text limit (``max_text``, 8 MiB by default: four times MediaWiki's 2 MiB
article limit; the file is streamed and reading stops there, so memory stays
bounded whatever the compression ratio) raises
:class:`~wikisync.core.errors.DumpError` naming the file, the line and column, and
the last page read whole.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from wikisync.core.categories import (
    find_category_links,
    find_redirect_target,
    normalize_category,
    walk_members,
)
from wikisync.core.errors import DumpError
from wikisync.core.pages import FRENCH, Namespace, Namespaces, PageText
from wikisync.files import MAX_NUMBER_DIGITS
from wikisync.ports.source import FetchResult, Source

__all__ = ["DEFAULT_MAX_TEXT", "DumpSource", "open_dump"]

#: Longest text (bytes) one element of a dump may hold: 4 x MediaWiki's 2 MiB limit.
DEFAULT_MAX_TEXT = 8 * 1024 * 1024

_CHUNK = 1 << 16
_MAGIC_BZ2 = b"BZh"
_MAGIC_GZIP = b"\x1f\x8b"
_MAGIC_XZ = b"\xfd7zXZ\x00"
_MAGIC_7Z = b"7z\xbc\xaf\x27\x1c"
_MAGIC_ZSTD = b"\x28\xb5\x2f\xfd"
_MAGIC_ZIP = b"PK\x03\x04"
_INTEGER = re.compile(r"-?[0-9]+")
#: The namespaces wikisync reads titles in (main, file, template, category): a
#: siteinfo that leaves one out makes the dump's titles tell their names.
_NEEDED_NAMESPACES = frozenset({0, 6, 10, 14})
_DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError)


@dataclass(frozen=True, slots=True)
class _SiteInfo:
    listed: tuple[Namespace, ...]
    sitename: str
    base: str


@dataclass(frozen=True, slots=True)
class _Learnt:
    """A page's namespace number and the prefix its title is written with."""

    ns: int
    prefix: str


@dataclass(frozen=True, slots=True)
class _DumpPage:
    page: PageText
    redirect: str | None


class DumpSource(Source):
    """An XML dump or Special:Export file read as a source of pages.

    Attributes:
        path: the dump file.
        location: the path, for messages.
        namespaces: from the dump's ``<siteinfo>`` and, where it lists none or
            only some, the names its pages' titles use.
        sitename: the wiki's name, ``""`` when unknown.
        site: the URL of the wiki's main page (``<base>``), ``""`` when unknown.
        compression: ``"bz2"``, ``"gzip"``, ``"xz"``, ``"lzma"`` or ``""``.
        max_text: the longest text (bytes) one page revision may hold.

    Example:
        >>> source = open_dump("fabmob-pages.xml.bz2")
        >>> source.list_category("Evénement", recursive=True)[:1]
        ['Assemblée des communs 2019']
    """

    def __init__(self, path: Path, *, max_text: int = DEFAULT_MAX_TEXT) -> None:
        self.path = path
        self.location = str(path)
        self.compression = _compression(path)
        self.max_text = max_text
        self.namespaces = FRENCH
        self.sitename = ""
        self.site = ""
        listed: tuple[Namespace, ...] = ()
        for item in self._read(siteinfo_only=True):
            if isinstance(item, _SiteInfo):
                listed = item.listed
                self.sitename = item.sitename
                self.site = item.base
        learnt: dict[int, list[str]] = {}
        if not {ns.id for ns in listed} >= _NEEDED_NAMESPACES:
            learnt = self._learn_names({ns.id for ns in listed})
        self.namespaces = _namespace_table(listed, learnt)
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

    def _read(self, *, siteinfo_only: bool = False) -> Iterator[_SiteInfo | _DumpPage | _Learnt]:
        reader = _DumpReader(self.path, self.namespaces, self.max_text)
        yield from reader.read(siteinfo_only=siteinfo_only)

    def _learn_names(self, listed: set[int]) -> dict[int, list[str]]:
        """The prefixes the dump's titles use for the namespaces its siteinfo omits."""
        learnt: dict[int, list[str]] = {}
        reader = _DumpReader(self.path, self.namespaces, self.max_text, learn=True)
        try:
            for item in reader.read(siteinfo_only=False):
                if isinstance(item, _Learnt) and item.ns not in listed:
                    prefixes = learnt.setdefault(item.ns, [])
                    if item.prefix not in prefixes:
                        prefixes.append(item.prefix)
        except DumpError:
            pass  # reported again, with the pages before it, when the dump is read
        return learnt


def open_dump(path: str | os.PathLike[str], *, max_text: int = DEFAULT_MAX_TEXT) -> DumpSource:
    """Open an XML dump or Special:Export file.

    Args:
        path: the file: plain XML, or compressed with bzip2, gzip, xz or lzma
            (told by its first bytes).
        max_text: the longest text (bytes) one revision, title or other element
            may hold; a longer one stops the reading with a DumpError.

    Returns:
        The :class:`DumpSource`; its ``<siteinfo>`` has been read.

    Raises:
        DumpError: the file is missing, not a MediaWiki XML export, compressed
            with an unsupported tool (7-Zip, zstd, zip), or broken before its
            first page.
    """
    file = Path(path)
    if not file.is_file():
        raise DumpError(f'Dump "{file}" does not exist', path=str(file))
    return DumpSource(file, max_text=max_text)


class _DumpReader:
    """One streaming pass over a dump."""

    def __init__(
        self, path: Path, namespaces: Namespaces, max_text: int, *, learn: bool = False
    ) -> None:
        self.path = path
        self.namespaces = namespaces
        self.max_text = max_text
        self.learn = learn
        self.last_title = ""
        self.line = 1
        self.column = 0
        self.fed = 0

    def read(self, *, siteinfo_only: bool) -> Iterator[_SiteInfo | _DumpPage | _Learnt]:
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        root: ET.Element | None = None
        page: ET.Element | None = None
        best: tuple[int, str, str] | None = None
        # The bytes fed when the last element ended: no element may run past the limit.
        ended_at = 0
        opened = ""
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
                        opened = name
                        if root is None:
                            root = self._check_root(elem, name)
                        elif name == "page":
                            if siteinfo_only:
                                return
                            page, best = elem, None
                        continue
                    ended_at = self.fed
                    if name == "revision" and page is not None:
                        if not self.learn:
                            best = _better(best, _revision(elem, self))
                        page.remove(elem)
                    elif name == "page" and page is not None:
                        item = self._learnt(elem) if self.learn else self._page(elem, best)
                        if root is not None:
                            _drop(root, elem)
                        page = None
                        if isinstance(item, _DumpPage):
                            self.last_title = item.page.title
                        if item is not None:
                            yield item
                    elif name == "siteinfo" and root is not None:
                        info = _siteinfo(elem, self)
                        _drop(root, elem)
                        yield info
                        if siteinfo_only:
                            return
                if not chunk:
                    return
                if self.fed - ended_at > self.max_text + _CHUNK:
                    raise self._too_long(page, opened)

    def _too_long(self, page: ET.Element | None, opened: str) -> DumpError:
        title = ""
        if page is not None:
            for child in page:
                if _local(child.tag) == "title":
                    title = (child.text or "").strip()
        where = f' in page "{title}"' if title else ""
        return self.fail(
            f"the <{opened}> element{where} is over the {_size(self.max_text)} limit "
            "(MediaWiki's own is 2 MiB a page); wikisync stops reading there "
            "(raise max_text_mib in wikisync.toml for a dump that needs more)"
        )

    def fail(self, reason: str, *, line: int | None = None, column: int | None = None) -> DumpError:
        where = f"line {line or self.line}, column {column if column is not None else self.column}"
        after = f'after page "{self.last_title}"' if self.last_title else "before any complete page"
        return DumpError(
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
        self.fed += len(chunk)
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
        except (ValueError, LookupError) as exc:
            # expat refuses multi-byte encodings other than UTF-8/16 (UTF-7, Shift-JIS…);
            # Python knows no codec for a made-up name.
            raise self.fail(
                f"its declared encoding cannot be read ({exc}); MediaWiki writes dumps in UTF-8"
            ) from exc

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
            raise DumpError(
                f'"{self.path}" is not a MediaWiki XML dump: its root element is <{name}>, '
                "not <mediawiki>",
                path=str(self.path),
            )
        return elem

    def number(self, text: str | None, element: str, title: str = "") -> int | None:
        """The whole number an element holds (ASCII digits, one optional minus), or None."""
        if text is None or not text.strip():
            return None
        where = f' of page "{title}"' if title else ""
        if not _INTEGER.fullmatch(text.strip()):
            shown = text.strip()
            shown = shown if len(shown) <= 40 else f"{shown[:40]}…"
            raise self.fail(f"<{element}>{where} should be a whole number, not {shown!r}")
        digits = len(text.strip().lstrip("-"))
        if digits > MAX_NUMBER_DIGITS:
            raise self.fail(
                f"<{element}>{where} is a number of {digits} digits; no id or namespace "
                f"has more than {MAX_NUMBER_DIGITS}"
            )
        return int(text.strip())

    def _learnt(self, elem: ET.Element) -> _Learnt | None:
        fields = {_local(child.tag): child for child in elem}
        raw_title = (fields["title"].text or "") if "title" in fields else ""
        ns = self.number(fields["ns"].text if "ns" in fields else None, "ns", raw_title)
        prefix, colon, _ = raw_title.partition(":")
        prefix = " ".join(prefix.replace("_", " ").split())
        if ns is None or ns == 0 or not colon or not prefix:
            return None
        return _Learnt(ns, prefix)

    def _page(self, elem: ET.Element, best: tuple[int, str, str] | None) -> _DumpPage | None:
        fields = {_local(child.tag): child for child in elem}
        raw_title = (fields["title"].text or "") if "title" in fields else ""
        ns = self.number(fields["ns"].text if "ns" in fields else None, "ns", raw_title)
        pageid = self.number(fields["id"].text if "id" in fields else None, "id", raw_title)
        if not raw_title.strip() or best is None:
            return None
        title = self.namespaces.normalize(raw_title)
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
        if name == "id":
            revid = reader.number(child.text, "revision/id") or 0
        elif name == "timestamp":
            timestamp = (child.text or "").strip()
        elif name == "text":
            text = child.text or ""
            if len(text) > reader.max_text // 4 and len(text.encode("utf-8")) > reader.max_text:
                raise reader.fail(
                    f"a revision's text is over the {_size(reader.max_text)} limit "
                    "(MediaWiki's own is 2 MiB a page; raise max_text_mib in wikisync.toml "
                    "for a dump that needs more)"
                )
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


def _siteinfo(elem: ET.Element, reader: _DumpReader) -> _SiteInfo:
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
                ns_id = reader.number(item.get("key"), "namespace key")
                local = " ".join((item.text or "").replace("_", " ").split())
                if ns_id is None or (ns_id != 0 and not local):
                    continue
                known = FRENCH.by_id.get(ns_id)
                found.append(
                    Namespace(
                        id=ns_id,
                        name=local if ns_id else "",
                        canonical=known.canonical if known else "",
                        aliases=known.aliases if known and known.name == local else (),
                        first_letter_case=item.get("case", "first-letter") != "case-sensitive",
                    )
                )
    return _SiteInfo(tuple(found), sitename, base)


def _namespace_table(listed: tuple[Namespace, ...], learnt: dict[int, list[str]]) -> Namespaces:
    """The dump's namespaces: those its siteinfo lists, then those its titles use.

    A standard namespace neither names is called by its canonical English name,
    or by its French one when the siteinfo lists no namespace at all (the
    default wikisync has always had). The main namespace is always there.
    """
    by_id = {ns.id: ns for ns in listed}
    by_id.setdefault(0, Namespace(0, ""))
    taken = {ns.name.casefold(): ns.id for ns in by_id.values() if ns.name}
    for ns_id, found in sorted(learnt.items()):
        # A title that spells another namespace's name (an inconsistent dump) names nothing.
        prefixes = [p for p in found if taken.setdefault(p.casefold(), ns_id) == ns_id]
        if ns_id in by_id or not prefixes:
            continue
        known = FRENCH.by_id.get(ns_id)
        aliases = tuple(prefixes[1:])
        if known is not None and not listed:
            # Nothing tells the wiki's language: French names are understood too.
            aliases += tuple(n for n in (known.name, *known.aliases) if n != prefixes[0])
        by_id[ns_id] = Namespace(ns_id, prefixes[0], known.canonical if known else "", aliases)
    for ns_id, known in FRENCH.by_id.items():
        if ns_id not in by_id:
            if listed:
                by_id[ns_id] = Namespace(ns_id, known.canonical, known.canonical)
            else:
                by_id[ns_id] = known
    return Namespaces.from_list(by_id.values())


def _compression(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            magic = stream.read(13)
    except OSError as exc:
        raise DumpError(f'Dump "{path}" cannot be read: {exc.strerror}', path=str(path)) from exc
    for prefix, tool, fix in (
        (_MAGIC_7Z, "a 7-Zip archive", "extract it (7z x) or use the .bz2 dump"),
        (_MAGIC_ZSTD, "compressed with zstd", "decompress it (zstd -d) or use the .bz2 dump"),
        (_MAGIC_ZIP, "a zip archive", "extract it (unzip) or use the .bz2 dump"),
    ):
        if magic.startswith(prefix):
            raise DumpError(
                f'Dump "{path}" is {tool}, which wikisync cannot read: {fix}', path=str(path)
            )
    if magic.startswith(_MAGIC_BZ2):
        return "bz2"
    if magic.startswith(_MAGIC_GZIP):
        return "gzip"
    if magic.startswith(_MAGIC_XZ):
        return "xz"
    if _is_lzma_alone(magic) or (path.suffix.lower() == ".lzma" and magic[:1] != b"<"):
        return "lzma"
    return ""


def _is_lzma_alone(magic: bytes) -> bool:
    """Whether the first bytes are the header of a legacy ``.lzma`` (LZMA_Alone) file.

    Its first byte packs the lc/lp/pb properties (below 225; never ``<``, so
    never XML) and the next four the dictionary size, 2**n or 2**n + 2**(n-1).
    """
    if len(magic) < 13 or magic[0] >= 9 * 5 * 5:
        return False
    size = int.from_bytes(magic[1:5], "little")
    if size < 4096:
        return False
    top = 1 << (size.bit_length() - 1)
    return size in (top, top + (top >> 1))


def _open(path: Path) -> IO[bytes]:
    compression = _compression(path)
    try:
        if compression == "bz2":
            return bz2.open(path, "rb")
        if compression == "gzip":
            return cast(IO[bytes], gzip.open(path, "rb"))
        if compression == "xz":
            return lzma.open(path, "rb")
        if compression == "lzma":
            return lzma.open(path, "rb", format=lzma.FORMAT_ALONE)
        return open(path, "rb")
    except OSError as exc:
        raise DumpError(f'Dump "{path}" cannot be read: {exc.strerror}', path=str(path)) from exc


def _drop(parent: ET.Element, elem: ET.Element) -> None:
    """Forget an element read whole, so the tree never grows."""
    elem.clear()
    with contextlib.suppress(ValueError):
        parent.remove(elem)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _reason(exc: ET.ParseError) -> str:
    return str(exc).split(":", 1)[0]


def _size(count: int) -> str:
    mib = count / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{count} bytes"
