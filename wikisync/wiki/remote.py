"""The wiki's side of a sync: cheap listings of revisions, batched content fetches.

A listing (``prop=info|categories``) tells each page's id, title, latest
revision and categories without its content: by page ids, by titles or for
a category's members, as many pages per request as the API allows (500 ids
or titles with ``apihighlimits``, 50 otherwise; 5,000 category members).
Content is then fetched only for the revisions that changed, by revision id,
a batch per request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from wikisync.core.pages import CATEGORY_NS, Namespaces, PageText
from wikisync.ports.source import Source
from wikisync.ports.sync import Listing, RemoteInfo, RevisionStore
from wikisync.ports.target import Target
from wikisync.wiki.address import candidate_addresses
from wikisync.wiki.reader import WikiSource, page_from_revision
from wikisync.wiki.site import WikiClient
from wikisync.wiki.writer import WikiWriter

__all__ = [
    "Listing",
    "RemoteInfo",
    "WikiRemote",
    "batch_size",
    "fetch_listed",
    "fetch_revisions",
    "list_category",
    "list_known_pages",
    "list_pages",
]


def batch_size(client: WikiClient) -> int:
    """Ids, titles or contents per request: 500 with apihighlimits, else 50."""
    return 500 if client.high_limits else 50


def list_pages(
    client: WikiClient, *, pageids: Iterable[int] = (), titles: Iterable[str] = ()
) -> Listing:
    """List pages by id and by title: latest revision, current title, categories."""
    listing = Listing()
    size = batch_size(client)
    ids = list(dict.fromkeys(pageids))
    for start in range(0, len(ids), size):
        listing.update(_info(client, pageids="|".join(map(str, ids[start : start + size]))))
    names = list(dict.fromkeys(titles))
    for start in range(0, len(names), size):
        listing.update(_info(client, titles="|".join(names[start : start + size])))
    return listing


def list_known_pages(
    client: WikiClient,
    categories_of: Mapping[int, Iterable[str]],
    *,
    titles: Iterable[str] = (),
) -> Listing:
    """List the pages a mirror knows (by page id) as cheaply as the API allows.

    A category holding many of them is listed whole, 5,000 members per request
    as a bot (500 otherwise), when that costs fewer requests than asking for
    its pages by id, 500 per request (50): one ``prop=categoryinfo`` request
    tells each candidate category's size first. The pages left (moved out of
    their category, or in no category) are listed by id, and ``titles`` by
    title.

    Args:
        categories_of: page id → the categories the mirror recorded for it.
        titles: pages known only by title.
    """
    remaining = set(categories_of)
    by_id = batch_size(client)
    by_member = 5000 if client.high_limits else 500
    members: dict[str, set[int]] = {}
    for pageid, categories in categories_of.items():
        for category in categories:
            members.setdefault(category, set()).add(pageid)
    candidates = [c for c, ids in members.items() if len(ids) > by_id]
    listing = Listing()
    if candidates:
        sizes = _category_sizes(client, candidates)
        for category in sorted(candidates, key=lambda c: (-len(members[c]), c)):
            covered = members[category] & remaining
            if _requests(sizes.get(category, 0), by_member) < _requests(len(covered), by_id):
                found = _info(
                    client,
                    generator="categorymembers",
                    gcmtitle=category,
                    gcmtype="page|subcat|file",
                    gcmlimit="max",
                )
                listing.update(found)
                remaining -= set(found.pages)
    listing.update(list_pages(client, pageids=sorted(remaining), titles=titles))
    return listing


def _requests(items: int, per_request: int) -> int:
    return -(-items // per_request)


def _category_sizes(client: WikiClient, categories: list[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    size = batch_size(client)
    for start in range(0, len(categories), size):
        chunk = categories[start : start + size]
        for part in client.query(prop="categoryinfo", titles="|".join(chunk)):
            for raw in part.get("pages", []):
                info = raw.get("categoryinfo") or {}
                sizes[str(raw["title"])] = int(info.get("size", 0))
    return sizes


def list_category(client: WikiClient, category: str, *, recursive: bool) -> Listing:
    """List a category's pages; with ``recursive``, its subcategories' pages and the
    subcategory pages themselves (a mirror needs them to walk the tree again)."""
    listing = Listing()
    seen = {category}
    frontier = [category]
    while frontier:
        next_frontier: list[str] = []
        for current in frontier:
            found = _info(
                client,
                generator="categorymembers",
                gcmtitle=current,
                gcmtype="page|subcat|file" if recursive else "page|file",
                gcmlimit="max",
            )
            listing.update(found)
            for info in found.pages.values():
                if info.ns == CATEGORY_NS and info.title not in seen:
                    seen.add(info.title)
                    next_frontier.append(info.title)
        frontier = next_frontier if recursive else []
    return listing


def fetch_revisions(client: WikiClient, revids: Iterable[int]) -> Iterator[PageText]:
    """Fetch the content of exact revisions, a batch per request.

    A revision that no longer exists (its page was deleted meanwhile) is left out.
    """
    wanted = list(dict.fromkeys(revids))
    size = batch_size(client)
    for start in range(0, len(wanted), size):
        chunk = wanted[start : start + size]
        for part in client.query(
            revids="|".join(map(str, chunk)),
            prop="revisions",
            rvprop="ids|timestamp|content",
            rvslots="main",
        ):
            for raw in part.get("pages", []):
                for revision in raw.get("revisions") or []:
                    page = page_from_revision(raw, revision)
                    if page is not None:
                        yield page


def fetch_listed(
    client: WikiClient, listed: Mapping[int, RemoteInfo], cache: RevisionStore | None = None
) -> Iterator[tuple[PageText, bool]]:
    """The content of listed revisions (by revision id), from the revision cache when it can.

    A revision the cache holds (the same page id at the same revision id: a
    revision's text never changes) is not fetched; the others are fetched a
    batch per request and then stored in the cache, so that reading them
    again (``records``, ``rebuild``, another pull) fetches nothing.

    Args:
        client: a connection to the wiki.
        listed: revision id → what the listing said about its page.
        cache: the revision cache, or None to fetch everything.

    Yields:
        Each page and whether it came from the cache.
    """
    site = client.address.api_url
    held: dict[int, PageText] = {}
    if cache is not None:
        cached = cache.get_many(site, (info.pageid for info in listed.values()))
        held = {page.revid: page for page in cached.values() if page.revid in listed}
    for revid in sorted(held):
        yield held[revid], True
    fresh: list[PageText] = []
    size = batch_size(client)
    for page in fetch_revisions(client, sorted(set(listed) - set(held))):
        fresh.append(page)
        yield page, False
        if cache is not None and len(fresh) >= size:
            cache.put_many(site, fresh)
            fresh = []
    if cache is not None:
        cache.put_many(site, fresh)


def _info(client: WikiClient, **params: Any) -> Listing:
    listing = Listing()
    # Categories may come in later parts of the continuation: gather per page.
    gathered: dict[int, dict[str, Any]] = {}
    categories: dict[int, set[str]] = {}
    for part in client.query(prop="info|categories", cllimit="max", **params):
        for raw in part.get("pages", []):
            if raw.get("invalid"):
                continue
            if raw.get("missing"):
                if "pageid" in raw and int(raw["pageid"]) > 0:
                    listing.missing_ids.add(int(raw["pageid"]))
                elif "title" in raw:
                    listing.missing_titles.add(str(raw["title"]))
                continue
            pageid = int(raw["pageid"])
            gathered.setdefault(pageid, {}).update(
                {k: v for k, v in raw.items() if k != "categories"}
            )
            categories.setdefault(pageid, set()).update(
                str(c["title"]) for c in raw.get("categories") or []
            )
    for pageid, raw in gathered.items():
        listing.pages[pageid] = RemoteInfo(
            pageid=pageid,
            title=str(raw["title"]),
            ns=int(raw.get("ns", 0)),
            revid=int(raw.get("lastrevid", 0)),
            categories=tuple(sorted(categories.get(pageid, ()))),
        )
    return listing


class WikiRemote:
    """A live wiki's connection as the wiki's side of a mirror sync
    (:class:`~wikisync.ports.sync.SyncWiki`); it does not close the connection."""

    def __init__(self, client: WikiClient) -> None:
        self.client = client
        self._reader: WikiSource | None = None

    @property
    def url(self) -> str:
        return self.client.url

    @property
    def api_url(self) -> str:
        return self.client.address.api_url

    @property
    def requests(self) -> int:
        return self.client.requests

    @property
    def namespaces(self) -> Namespaces:
        return self.client.namespaces

    def same_site(self, recorded: str) -> bool:
        """True when ``recorded`` (a URL) names the wiki this connection reaches."""
        if recorded in (self.client.url, self.api_url):
            return True
        try:
            return any(a.api_url == self.api_url for a in candidate_addresses(recorded))
        except ValueError:
            return False

    def reader(self) -> Source:
        if self._reader is None:
            self._reader = WikiSource(self.client)
        return self._reader

    def list_category(self, category: str, *, recursive: bool) -> Listing:
        return list_category(self.client, category, recursive=recursive)

    def list_pages(self, *, pageids: Iterable[int] = (), titles: Iterable[str] = ()) -> Listing:
        return list_pages(self.client, pageids=pageids, titles=titles)

    def list_known_pages(
        self, categories_of: Mapping[int, Iterable[str]], *, titles: Iterable[str] = ()
    ) -> Listing:
        return list_known_pages(self.client, categories_of, titles=titles)

    def fetch_revisions(self, revids: Iterable[int]) -> Iterator[PageText]:
        return fetch_revisions(self.client, revids)

    def fetch_listed(
        self, listed: Mapping[int, RemoteInfo], cache: RevisionStore | None
    ) -> Iterator[tuple[PageText, bool]]:
        return fetch_listed(self.client, listed, cache)

    def saver(self, *, bot: bool, minor: bool) -> Target:
        return WikiWriter(self.client, bot=bot, minor=minor)
