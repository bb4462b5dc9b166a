"""What a mirror sync asks of the live wiki: listings without content, revision fetches, saves.

``pull``, ``status`` and ``push`` (:mod:`wikisync.ops.sync`) speak to the
wiki through a :class:`SyncWiki` and to the mirror folder through a
:class:`~wikisync.ports.mirror.MirrorFolder`; the composition root
(:func:`wikisync.sources.sync_wiki`) builds the wiki's side from a
configuration, an open live-wiki source or a connection, and the adapter
(:mod:`wikisync.wiki.remote`) fulfils it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeAlias

from wikisync.config import Config
from wikisync.core.pages import Namespaces, PageText
from wikisync.ports.source import Site, Source

if TYPE_CHECKING:
    from wikisync.ports.target import Target

__all__ = [
    "Connection",
    "Listing",
    "RemoteInfo",
    "RevisionStore",
    "SyncWiki",
    "Wiki",
]


@dataclass(frozen=True, slots=True)
class RemoteInfo:
    """What a listing says about a page on the wiki (no content).

    Attributes:
        pageid: the page id.
        title: its current title.
        ns: its namespace.
        revid: its latest revision id.
        categories: the categories the wiki lists for it (full titles).
    """

    pageid: int
    title: str
    ns: int
    revid: int
    categories: tuple[str, ...]


@dataclass(slots=True)
class Listing:
    """Pages found by a listing, and the ids and titles that are missing."""

    pages: dict[int, RemoteInfo] = field(default_factory=dict)
    missing_ids: set[int] = field(default_factory=set)
    missing_titles: set[str] = field(default_factory=set)

    def update(self, other: Listing) -> None:
        """Add another listing's findings."""
        self.pages.update(other.pages)
        self.missing_ids |= other.missing_ids
        self.missing_titles |= other.missing_titles

    def by_title(self) -> dict[str, RemoteInfo]:
        """The pages found, by current title."""
        return {info.title: info for info in self.pages.values()}


class Connection(Site, Protocol):
    """An open, logged-in connection to a live wiki (the wiki adapter's client)."""

    @property
    def url(self) -> str:
        """The wiki's URL as given (credentials redacted)."""
        ...

    def close(self) -> None:
        """End the session."""
        ...


#: What the sync calls accept as the wiki: a configuration (a connection is
#: opened and closed), an open live-wiki source, or a connection.
Wiki: TypeAlias = Config | Source | Connection


class RevisionStore(Protocol):
    """The revision cache as a pull uses it (the live wiki's cache fulfils it)."""

    def get_many(self, site: str, pageids: Iterable[int]) -> dict[int, PageText]:
        """The cached pages among ``pageids``, by page id."""
        ...

    def put_many(self, site: str, pages: Iterable[PageText]) -> None:
        """Store pages (replacing older revisions of the same page ids)."""
        ...

    def mark_categories(self, site: str, categories: Iterable[str]) -> None:
        """Record that these categories were read completely just now."""
        ...


class SyncWiki(Protocol):
    """The live wiki's side of a sync."""

    @property
    def url(self) -> str:
        """The wiki's URL as given (for messages)."""
        ...

    @property
    def api_url(self) -> str:
        """The wiki's ``api.php``: what a mirror records as its site."""
        ...

    @property
    def requests(self) -> int:
        """Requests sent so far on this connection (reports count a run's share)."""
        ...

    @property
    def namespaces(self) -> Namespaces:
        """The wiki's namespaces."""
        ...

    def same_site(self, recorded: str) -> bool:
        """True when ``recorded`` (a URL a mirror holds) names this wiki."""
        ...

    def reader(self) -> Source:
        """This wiki as a page source (names, category look-ups); not to be closed."""
        ...

    def list_category(self, category: str, *, recursive: bool) -> Listing:
        """A category's pages (with ``recursive``, its subcategories' and theirs)."""
        ...

    def list_pages(self, *, pageids: Iterable[int] = (), titles: Iterable[str] = ()) -> Listing:
        """Pages by id and by title: latest revision, current title, categories."""
        ...

    def list_known_pages(
        self, categories_of: Mapping[int, Iterable[str]], *, titles: Iterable[str] = ()
    ) -> Listing:
        """The pages a mirror knows (page id → its recorded categories), as cheaply as can be."""
        ...

    def fetch_revisions(self, revids: Iterable[int]) -> Iterator[PageText]:
        """The content of exact revisions (those deleted meanwhile left out)."""
        ...

    def fetch_listed(
        self, listed: Mapping[int, RemoteInfo], cache: RevisionStore | None
    ) -> Iterator[tuple[PageText, bool]]:
        """The content of listed revisions (by revision id), from ``cache`` when it holds
        them; each page with whether it came from the cache."""
        ...

    def saver(self, *, bot: bool, minor: bool) -> Target:
        """The conflict-safe writer that saves pages on this wiki."""
        ...
