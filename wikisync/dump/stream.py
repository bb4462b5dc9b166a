"""One streaming pass over an XML dump: the file opened (its compression told
by its first bytes), fed to an ``XMLPullParser`` in chunks, each page element
read into a :class:`DumpPage` and dropped, every fault one
:class:`~wikisync.core.errors.DumpError` naming the file, the line and column.

Used by :class:`~wikisync.dump.reader.DumpSource`, whose module notes describe
what is read and the limits.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from wikisync.core.categories import find_redirect_target
from wikisync.core.errors import DumpError
from wikisync.core.pages import FRENCH, Namespace, Namespaces, PageText
from wikisync.loaders import MAX_NUMBER_DIGITS

__all__ = ["DumpPage", "DumpPass", "Learnt", "SiteInfo", "compression_of", "namespace_table"]

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CHUNK = 1 << 16
_MAGIC_BZ2 = b"BZh"
_MAGIC_GZIP = b"\x1f\x8b"
_MAGIC_XZ = b"\xfd7zXZ\x00"
_MAGIC_7Z = b"7z\xbc\xaf\x27\x1c"
_MAGIC_ZSTD = b"\x28\xb5\x2f\xfd"
_MAGIC_ZIP = b"PK\x03\x04"
_INTEGER = re.compile(r"-?[0-9]+")
_DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    listed: tuple[Namespace, ...]
    sitename: str
    base: str


@dataclass(frozen=True, slots=True)
class Learnt:
    """A page's namespace number and the prefix its title is written with."""

    ns: int
    prefix: str


@dataclass(frozen=True, slots=True)
class DumpPage:
    page: PageText
    redirect: str | None


class DumpPass:
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
        #: The root's ``xml:lang``: the wiki's content language, as Special:Export writes it.
        self.lang = ""

    def read(self, *, siteinfo_only: bool) -> Iterator[SiteInfo | DumpPage | Learnt]:
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
                            self.lang = root.get(_XML_LANG, "").strip()
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
                        if isinstance(item, DumpPage):
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

    def _learnt(self, elem: ET.Element) -> Learnt | None:
        fields = {_local(child.tag): child for child in elem}
        raw_title = (fields["title"].text or "") if "title" in fields else ""
        ns = self.number(fields["ns"].text if "ns" in fields else None, "ns", raw_title)
        prefix, colon, _ = raw_title.partition(":")
        prefix = " ".join(prefix.replace("_", " ").split())
        if ns is None or ns == 0 or not colon or not prefix:
            return None
        return Learnt(ns, prefix)

    def _page(self, elem: ET.Element, best: tuple[int, str, str] | None) -> DumpPage | None:
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
        return DumpPage(page, redirect)


def _revision(elem: ET.Element, reader: DumpPass) -> tuple[int, str, str]:
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


def _siteinfo(elem: ET.Element, reader: DumpPass) -> SiteInfo:
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
    return SiteInfo(tuple(found), sitename, base)


def namespace_table(listed: tuple[Namespace, ...], learnt: dict[int, list[str]]) -> Namespaces:
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


def compression_of(path: Path) -> str:
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
    compression = compression_of(path)
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
