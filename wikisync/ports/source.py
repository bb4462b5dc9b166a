"""The interface every source of pages implements (live wiki, mirror, dump).

A source lists a category's pages and yields :class:`~wikisync.core.pages.PageText`
for a category or for a list of titles. Category pages (namespace 14) are
subcategories: they are never listed as members; ``recursive=True`` descends
into them (each category once, so cycles are harmless).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from wikisync.core.pages import Namespaces, PageText


def requests_sent(source: object) -> int | None:
    """HTTP requests a source's wiki connection has sent so far (None without one).

    The one place that knows where the count lives (``source.client.requests``,
    kept by :class:`~wikisync.wiki.site.WikiClient`).
    """
    count = getattr(getattr(source, "client", None), "requests", None)
    return count if isinstance(count, int) else None


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
