"""The interface every source of pages implements (live wiki, mirror, dump).

A source lists a category's pages and yields :class:`~wikisync.core.pages.PageText`
for a category or for a list of titles. Category pages (namespace 14) are
subcategories: they are never listed as members; ``recursive=True`` descends
into them (each category once, so cycles are harmless).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

from wikisync.core.pages import Namespaces, PageText
from wikisync.core.selection import Selection, select_from_pages
from wikisync.ports.memo import MemoStore

#: The kinds of names :meth:`Source.list_names` lists ("did you mean …?").
NameKind = Literal["category", "template"]


def requests_sent(source: Source) -> int | None:
    """HTTP requests a source's wiki connection has sent so far (None without one).

    See :meth:`Source.requests_sent`.
    """
    return source.requests_sent()


@runtime_checkable
class Site(Protocol):
    """What a run lock keys on: an open source, or a live wiki's connection.

    Both :class:`Source` and :class:`~wikisync.wiki.site.WikiClient` are one.
    """

    def site_address(self) -> str:
        """Where the pages are: a live wiki's ``api.php`` URL (as probed), else a path."""
        ...

    def site_identity(self) -> str | None:
        """A live wiki's own identity (server, script path, wiki id); None for a folder."""
        ...


@dataclass(slots=True)
class FetchResult:
    """Pages fetched by title, and the titles that do not exist.

    Attributes:
        pages: the pages found, in the order asked for.
        missing: the normalised titles that do not exist in the source.
        redirects: for followed redirects, the asked title → the target title.
    """

    pages: list[PageText] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Source(Protocol):
    """What ``open_source`` returns: a readable collection of wiki pages.

    A source is a context manager: ``with open_source(site) as source:``
    closes it (its HTTP session and cache, or nothing for a folder) however
    the block ends. The adapters inherit :meth:`__enter__` and
    :meth:`__exit__` from this class and implement :meth:`close`.

    Example:
        >>> with open_source("examples/fabmob/mirror") as source:
        ...     titles = source.list_category("Evénement")
    """

    #: Where the pages come from, for messages (a URL or a path).
    location: str
    #: The namespaces used to normalise titles.
    namespaces: Namespaces

    def list_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> list[str]:
        """Titles of the category's pages, sorted; subcategories are not listed.

        Sorted as people read lists (:func:`~wikisync.core.french.sort_titles`:
        ``n°2`` before ``n°10``, ``é`` with ``e``), the same for every source.

        Args:
            category: the category, with or without its namespace prefix.
            recursive: also list the pages of its subcategories.
            depth: how many levels of subcategories to descend (None: all).
        """
        ...

    def iter_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> Iterator[PageText]:
        """Yield the category's pages (same members as :meth:`list_category`)."""
        ...

    def fetch_titles(self, titles: Iterable[str], *, follow_redirects: bool = False) -> FetchResult:
        """Fetch pages by title; missing titles are reported in the result."""
        ...

    def close(self) -> None:
        """Release files or connections; calling it again does nothing."""
        ...

    # -- what the operations ask beyond pages; each adapter that can says more --

    def site_address(self) -> str:
        """Where the pages are: a live wiki's ``api.php`` URL (as probed), a folder's or
        dump's path; by default :attr:`location`."""
        return self.location

    def site_identity(self) -> str | None:
        """A live wiki's identity as its site information gives it (server, script path,
        wiki id), the same however it was reached; None (the default) for a folder or dump."""
        return None

    def wiki_index_url(self) -> str | None:
        """A live wiki's ``index.php`` URL, beside the ``api.php`` it answers on (for links
        to its pages); None (the default) for a folder or dump."""
        return None

    def recorded_wiki(self) -> str | None:
        """The wiki a folder was pulled from, as its metadata records it; None (the
        default) when none is recorded (a live wiki, a dump, a mirror made by hand)."""
        return None

    def wiki_language(self) -> str | None:
        """A live wiki's content language code (``fr``, ``en-gb``); None (the default)
        when not known."""
        return None

    def memo_store(self) -> tuple[MemoStore, str] | None:
        """Where records and job verdicts computed from this source's pages are kept
        between runs, and the source's key in it (a live wiki's revision cache and its
        ``api.php`` URL); None (the default) when nothing is kept."""
        return None

    def requests_sent(self) -> int | None:
        """HTTP requests sent so far to a live wiki; None (the default) without one."""
        return None

    def list_names(self, kind: NameKind) -> list[str] | None:
        """The names a source lists from an index, without namespace prefix, for
        "did you mean …?": a live wiki's categories that have members, or its template
        pages (capped). None (the default): the source has no index; read
        :meth:`iter_pages` instead."""
        return None

    def revision_texts(self, revids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """Old revisions by id: per revision found, the title of the page that holds it
        now and its text (None when hidden). Empty (the default) for a source that
        keeps no history (a folder, a dump)."""
        return {}

    def template_use(self, title: str) -> tuple[list[str], list[str]] | None:
        """A template's redirect names (without prefix) and the titles of the pages that
        use it, from a live wiki's index. None (the default): no index; scan
        :meth:`iter_pages`."""
        return None

    def select_titles(self, selection: Selection) -> list[str]:
        """The titles of the pages a :class:`~wikisync.core.selection.Selection` keeps,
        sorted. By default (a folder, a dump) read from :meth:`iter_pages` by
        :func:`~wikisync.core.selection.select_from_pages`, which answers every
        filter but a full-text search; a live wiki asks its API.

        Raises:
            SelectionError: an unknown namespace, a page to read links from that
                does not exist, or a filter this source cannot answer.
        """
        return select_from_pages(
            self.iter_pages(), selection, self.namespaces, where=f'"{self.location}"'
        )

    def iter_pages(self) -> Iterator[PageText]:
        """Every page the source holds (a folder, a dump); none by default (a live wiki
        is not read whole)."""
        return iter(())

    def __enter__(self) -> Self:
        """Return the source itself, for ``with``."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the source (see :meth:`close`); an exception goes on."""
        self.close()
