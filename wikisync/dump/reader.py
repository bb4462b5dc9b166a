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

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from wikisync.core.categories import (
    find_category_links,
    normalize_category,
    walk_members,
)
from wikisync.core.errors import DumpError
from wikisync.core.pages import FRENCH, Namespace, PageText
from wikisync.dump.stream import (
    DumpPage,
    DumpPass,
    Learnt,
    SiteInfo,
    compression_of,
    namespace_table,
)
from wikisync.ports.source import FetchResult, Source

__all__ = ["DEFAULT_MAX_TEXT", "DumpSource", "open_dump"]

#: Longest text (bytes) one element of a dump may hold: 4 x MediaWiki's 2 MiB limit.
DEFAULT_MAX_TEXT = 8 * 1024 * 1024

#: The namespaces wikisync reads titles in (main, file, template, category): a
#: siteinfo that leaves one out makes the dump's titles tell their names.
_NEEDED_NAMESPACES = frozenset({0, 6, 10, 14})


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
        lang: the wiki's content language (the root's ``xml:lang``), ``""`` when unknown.
        max_text: the longest text (bytes) one page revision may hold.

    Example:
        >>> source = open_dump("fabmob-pages.xml.bz2")
        >>> source.list_category("Evénement", recursive=True)[:1]
        ['Assemblée des communs 2019']
    """

    def __init__(self, path: Path, *, max_text: int = DEFAULT_MAX_TEXT) -> None:
        self.path = path
        self.location = str(path)
        self.compression = compression_of(path)
        self.max_text = max_text
        self.namespaces = FRENCH
        self.sitename = ""
        self.site = ""
        listed: tuple[Namespace, ...] = ()
        first = DumpPass(self.path, self.namespaces, self.max_text)
        for item in first.read(siteinfo_only=True):
            if isinstance(item, SiteInfo):
                listed = item.listed
                self.sitename = item.sitename
                self.site = item.base
        self.lang = first.lang
        learnt: dict[int, list[str]] = {}
        if not {ns.id for ns in listed} >= _NEEDED_NAMESPACES:
            learnt = self._learn_names({ns.id for ns in listed})
        self.namespaces = namespace_table(listed, learnt)
        self._index: tuple[tuple[int, int], dict[str, frozenset[str]]] | None = None

    def site_address(self) -> str:
        """The dump file's path."""
        return str(self.path)

    def wiki_language(self) -> str | None:
        """The wiki's content language, as the export's root says it (``xml:lang``)."""
        return self.lang or None

    def iter_pages(self) -> Iterator[PageText]:
        """Yield every page of the dump (its latest revision), in dump order."""
        for item in self._read():
            if isinstance(item, DumpPage):
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

    def _find(self, titles: set[str]) -> dict[str, DumpPage]:
        found: dict[str, DumpPage] = {}
        for item in self._read():
            if isinstance(item, DumpPage) and item.page.title in titles:
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

    def _read(self, *, siteinfo_only: bool = False) -> Iterator[SiteInfo | DumpPage | Learnt]:
        reader = DumpPass(self.path, self.namespaces, self.max_text)
        yield from reader.read(siteinfo_only=siteinfo_only)

    def _learn_names(self, listed: set[int]) -> dict[int, list[str]]:
        """The prefixes the dump's titles use for the namespaces its siteinfo omits."""
        learnt: dict[int, list[str]] = {}
        reader = DumpPass(self.path, self.namespaces, self.max_text, learn=True)
        try:
            for item in reader.read(siteinfo_only=False):
                if isinstance(item, Learnt) and item.ns not in listed:
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
