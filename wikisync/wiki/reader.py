"""The live wiki as a source: reads at the API's limit, incremental with the cache.

:class:`WikiSource` reads pages with generator queries and continuation, as
many pages per request as the account may ask for (500 with
``apihighlimits``, else 50); with a :class:`~wikisync.wiki.cache.RevisionCache`, a
repeat read lists members with their ``lastrevid`` and fetches only what
changed. mwclient's loose types stop here: callers get
:class:`~wikisync.core.pages.PageText`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from wikisync.core.categories import normalize_category, walk_categories
from wikisync.core.french import sort_titles
from wikisync.core.pages import TEMPLATE_NS, PageText
from wikisync.core.selection import Selection
from wikisync.ports.source import FetchResult, NameKind, Source
from wikisync.wiki.cache import RevisionCache
from wikisync.wiki.selection import select_titles
from wikisync.wiki.site import WikiClient

__all__ = ["WikiClient", "WikiSource", "page_from_revision"]

log = logging.getLogger(__name__)

#: At most this many API requests to list a wiki's names (500 names each).
MAX_LIST_REQUESTS = 20

_NO_PAGE = PageText(title="", wikitext="", revid=-1)


class WikiSource(Source):
    """A live wiki as a :class:`~wikisync.ports.source.Source`.

    Example:
        >>> source = WikiSource(WikiClient("https://wiki.example.org", config))
        >>> for page in source.iter_category("Evénement"):
        ...     print(page.title, page.revid)
    """

    def __init__(self, client: WikiClient, cache: RevisionCache | None = None) -> None:
        self.client = client
        self.cache = cache
        self.location = client.url
        self.namespaces = client.namespaces
        self._site_key = client.address.api_url

    @property
    def cache_site(self) -> str:
        """This wiki's key in the revision cache (its api.php URL)."""
        return self._site_key

    @property
    def batch_size(self) -> int:
        """Pages per content request: 500 with apihighlimits, else 50."""
        return 500 if self.client.high_limits else 50

    def _walk_categories(self, category: str, recursive: bool, depth: int | None) -> Iterator[str]:
        """Yield the category and, when recursive, its subcategories (each once)."""
        return walk_categories(
            normalize_category(category, self.namespaces),
            self._subcategories,
            recursive=recursive,
            depth=depth,
        )

    def _subcategories(self, category: str) -> Iterator[str]:
        return self._member_titles(category, "subcat")

    def _member_titles(self, category: str, kinds: str) -> Iterator[str]:
        """Titles of a category's members of ``kinds`` (``subcat``, ``page|file``)."""
        for part in self.client.query(
            list="categorymembers",
            cmtitle=category,
            cmtype=kinds,
            cmlimit="max",
            cmprop="title",
        ):
            for member in part.get("categorymembers", []):
                yield str(member["title"])

    def list_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> list[str]:
        """Titles of the category's pages, sorted (see the Source protocol)."""
        titles: set[str] = set()
        for cat in self._walk_categories(category, recursive, depth):
            titles.update(self._member_titles(cat, "page|file"))
        return sort_titles(titles)

    def iter_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> Iterator[PageText]:
        """Yield the category's pages with their content.

        Without a cache, or the first time a category is read through it, one
        generator query brings the content, a batch per request. With a cache
        that knows the category, one listing request per 5,000 members (as a
        bot) gives each page's ``lastrevid``, and only changed pages are fetched.
        """
        categories = list(self._walk_categories(category, recursive, depth))
        cache = self.cache
        if cache is not None and all(cache.category_known(self._site_key, c) for c in categories):
            yield from self._iter_incremental(categories, cache)
            return
        seen: set[int] = set()
        for cat in categories:
            batch: list[PageText] = []
            for page in self._generate(
                generator="categorymembers",
                gcmtitle=cat,
                gcmtype="page|file",
                gcmlimit=str(self.batch_size),
            ):
                if page.pageid not in seen:
                    seen.add(page.pageid or 0)
                    batch.append(page)
                    yield page
                if cache is not None and len(batch) >= self.batch_size:
                    cache.put_many(self._site_key, batch)
                    batch = []
            if cache is not None:
                cache.put_many(self._site_key, batch)
        if cache is not None:
            cache.mark_categories(self._site_key, categories)

    def _iter_incremental(self, categories: list[str], cache: RevisionCache) -> Iterator[PageText]:
        members: dict[int, tuple[str, int, int]] = {}
        for cat in categories:
            for part in self.client.query(
                generator="categorymembers",
                gcmtitle=cat,
                gcmtype="page|file",
                gcmlimit="max",
                prop="info",
            ):
                for raw in part.get("pages", []):
                    if "pageid" not in raw:
                        continue
                    members[int(raw["pageid"])] = (
                        str(raw["title"]),
                        int(raw.get("ns", 0)),
                        int(raw.get("lastrevid", 0)),
                    )
        cached = cache.get_many(self._site_key, members)
        stale = [
            pid for pid, (_, _, rev) in members.items() if cached.get(pid, _NO_PAGE).revid != rev
        ]
        log.info(
            "%d pages listed, %d unchanged in the cache, %d to fetch",
            len(members),
            len(members) - len(stale),
            len(stale),
        )
        for start in range(0, len(stale), self.batch_size):
            chunk = stale[start : start + self.batch_size]
            fresh = list(self._generate(pageids="|".join(map(str, chunk))))
            cache.put_many(self._site_key, fresh)
            cached.update((p.pageid or 0, p) for p in fresh)
        cache.mark_categories(self._site_key, categories)
        for pageid in sorted(members, key=lambda pid: members[pid][0]):
            page = cached.get(pageid)
            if page is not None:
                yield page

    def iter_namespace(self, ns: int, prefix: str = "") -> Iterator[PageText]:
        """Yield every page of namespace ``ns`` (whose title starts with ``prefix``).

        Redirect pages are left out; a batch of content per request.

        Example:
            >>> for page in source.iter_namespace(10, prefix="Ev"):  # Modèle:Ev…
            ...     print(page.title)
        """
        params: dict[str, Any] = {
            "generator": "allpages",
            "gapnamespace": str(ns),
            "gapfilterredir": "nonredirects",
            "gaplimit": str(self.batch_size),
        }
        if prefix:
            params["gapprefix"] = prefix
        yield from self._generate(**params)

    def fetch_titles(self, titles: Iterable[str], *, follow_redirects: bool = False) -> FetchResult:
        """Fetch pages by title, a batch per request; missing titles are reported."""
        wanted = list(dict.fromkeys(self.namespaces.normalize(t) for t in titles))
        result = FetchResult()
        found: dict[str, PageText] = {}
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start : start + self.batch_size]
            extra: dict[str, Any] = {"titles": "|".join(chunk)}
            if follow_redirects:
                extra["redirects"] = "1"
            for part in self.client.query(
                prop="revisions", rvprop="ids|timestamp|content", rvslots="main", **extra
            ):
                for item in part.get("redirects", []):
                    result.redirects[str(item["from"])] = str(item["to"])
                for raw in part.get("pages", []):
                    if raw.get("missing") or raw.get("invalid"):
                        continue
                    page = _page_text(raw)
                    if page is not None:
                        found[page.title] = page
        for title in wanted:
            target = result.redirects.get(title, title)
            if target in found:
                result.pages.append(found[target])
            else:
                result.missing.append(title)
        return result

    def _generate(self, **params: Any) -> Iterator[PageText]:
        """Run a generator query for content; yield pages once each batch is whole."""
        pending: dict[int, dict[str, Any]] = {}
        for part in self.client.query(
            prop="revisions", rvprop="ids|timestamp|content", rvslots="main", **params
        ):
            for raw in part.get("pages", []):
                if raw.get("missing") or raw.get("invalid") or "pageid" not in raw:
                    continue
                entry = pending.setdefault(int(raw["pageid"]), {})
                if raw.get("revisions"):
                    entry.update(raw)
                else:
                    for key, value in raw.items():
                        entry.setdefault(key, value)
            if part["batchcomplete"]:
                for raw in sorted(pending.values(), key=lambda r: str(r.get("title"))):
                    page = _page_text(raw)
                    if page is not None:
                        yield page
                pending.clear()
        for raw in pending.values():
            page = _page_text(raw)
            if page is not None:
                yield page

    def site_address(self) -> str:
        """The ``api.php`` URL the probe found."""
        return self.client.site_address()

    def site_identity(self) -> str | None:
        """The wiki's identity from its site information."""
        return self.client.site_identity()

    def wiki_index_url(self) -> str:
        """The ``index.php`` beside the ``api.php`` the probe found."""
        address = self.client.address
        return f"{address.scheme}://{address.host}{address.path}index.php"

    def wiki_language(self) -> str | None:
        """The wiki's content language, from its site information."""
        return self.client.lang or None

    def memo_store(self) -> tuple[RevisionCache, str] | None:
        """The revision cache (when reading through one) and this wiki's key in it."""
        return None if self.cache is None else (self.cache, self._site_key)

    def requests_sent(self) -> int | None:
        """HTTP requests the connection has sent so far."""
        return self.client.requests

    def list_names(self, kind: NameKind) -> list[str]:
        """Categories that have members (``list=allcategories``) or template pages
        (``list=allpages``), at most :data:`MAX_LIST_REQUESTS` requests, unsorted."""
        if kind == "category":
            return _api_names(self.client, "category", list="allcategories", aclimit="max")
        titles = _api_names(self.client, "title", list="allpages", apnamespace="10", aplimit="max")
        return [self.namespaces.split(title)[1] for title in titles]

    def select_titles(self, selection: Selection) -> list[str]:
        """The titles a selection keeps, from the wiki's listings
        (:mod:`wikisync.wiki.selection`)."""
        return select_titles(self.client, self.namespaces, selection)

    def template_use(self, title: str) -> tuple[list[str], list[str]]:
        """The template's redirects (``prop=redirects``, names without prefix) and the
        titles of the pages that transclude it (``list=embeddedin``, sorted)."""
        redirects: list[str] = []
        for part in self.client.query(
            prop="redirects", titles=title, rdlimit="max", rdprop="title", rdnamespace=TEMPLATE_NS
        ):
            for page in part.get("pages", []):
                redirects.extend(str(item["title"]) for item in page.get("redirects", []))
        titles: list[str] = []
        for part in self.client.query(list="embeddedin", eititle=title, eilimit="max"):
            titles.extend(str(item["title"]) for item in part.get("embeddedin", []))
        names = [self.namespaces.split(redirect)[1] for redirect in redirects]
        return names, sorted(dict.fromkeys(titles))

    def revision_texts(self, revids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """Per revision found: the title of the page that holds it now, and its text
        (None when hidden); ``prop=revisions`` by ``revids``, :attr:`batch_size` a request."""
        found: dict[int, tuple[str, str | None]] = {}
        for start in range(0, len(revids), self.batch_size):
            chunk = revids[start : start + self.batch_size]
            for part in self.client.query(
                prop="revisions",
                revids="|".join(map(str, chunk)),
                rvprop="ids|content",
                rvslots="main",
            ):
                for page in part.get("pages", []):
                    for revision in page.get("revisions", []):
                        slot = (revision.get("slots") or {}).get("main") or {}
                        content = slot.get("content", revision.get("content"))
                        found[int(revision["revid"])] = (
                            str(page.get("title", "")),
                            None if content is None else str(content),
                        )
        return found

    def close(self) -> None:
        """Close the connection and the cache."""
        self.client.close()
        if self.cache is not None:
            self.cache.close()


def _api_names(client: WikiClient, key: str, **params: str) -> list[str]:
    names: list[str] = []
    for part in itertools.islice(client.query(**params), MAX_LIST_REQUESTS):
        names.extend(str(item.get(key, "")) for item in part.get(params["list"], []))
    return [name for name in names if name]


def _page_text(raw: Mapping[str, Any]) -> PageText | None:
    revisions = raw.get("revisions")
    if not revisions:
        return None
    return page_from_revision(raw, revisions[0])


def page_from_revision(raw: Mapping[str, Any], revision: Mapping[str, Any]) -> PageText | None:
    """One revision of a page of an API reply (``prop=revisions``) as a PageText.

    Args:
        raw: the page's entry of ``query.pages`` (title, ns, pageid).
        revision: one of its ``revisions`` (ids, timestamp, the main slot's content).

    Returns:
        The page, or None when the reply holds no content for the revision.
    """
    slot = (revision.get("slots") or {}).get("main") or {}
    content = slot.get("content", revision.get("content"))
    if content is None:
        return None
    return PageText(
        title=str(raw["title"]),
        wikitext=str(content),
        revid=int(revision["revid"]),
        timestamp=str(revision.get("timestamp", "")),
        ns=int(raw.get("ns", 0)),
        pageid=int(raw["pageid"]),
    )
