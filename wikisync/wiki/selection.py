"""A :class:`~wikisync.core.selection.Selection` listed by a live wiki's API.

Each filter is one listing, continued to its end, as many titles per request
as the account may ask for (``max``: 500, or 5,000 with ``apihighlimits``;
titles checked 50 or 500 a request):

========================  ==========================================================
titles                    ``prop=info`` on the titles (sent by POST): the ones
                          that exist, normalised by the wiki (redirects are pages
                          of their own; a title holding ``|`` or ``[]{}<>`` is none)
namespace, prefix         ``list=allpages`` (only when no other listing is given;
                          else a filter on the titles the others list)
search                    ``list=search`` (``srwhat=text``, in the namespace given,
                          else the main one)
transcludes               ``list=embeddedin`` on the template
links_from                ``generator=links`` on the page (only pages that exist)
recent                    ``list=recentchanges`` (``rctoponly``: one line a page,
                          newest first), until N pages
========================  ==========================================================

The titles every filter keeps are the selection, sorted as people read lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wikisync.core.french import sort_titles
from wikisync.core.pages import Namespaces
from wikisync.core.selection import Selection, SelectionError
from wikisync.wiki.site import WikiClient

__all__ = ["select_titles"]


def select_titles(client: WikiClient, namespaces: Namespaces, selection: Selection) -> list[str]:
    """The titles of the pages a selection keeps on a live wiki (see the module's doc).

    Raises:
        SelectionError: an unknown namespace, or a page to read links from
            that does not exist.
        SiteError: the wiki failed after the retries.
    """
    ns = selection.namespace_id(namespaces)
    listings: list[set[str]] = []
    if selection.titles is not None:
        listings.append(set(_existing(client, selection.titles)))
    if selection.search is not None:
        listings.append(set(_search(client, selection.search, ns)))
    if selection.transcludes is not None:
        template = selection.template_title(namespaces)
        listings.append(set(_embedded_in(client, template or "", ns)))
    if selection.links_from is not None:
        listings.append(set(_links_from(client, namespaces, selection.links_from, ns)))
    if selection.recent is not None:
        listings.append(set(_recent(client, selection.recent, ns)))
    if not listings:
        prefix = selection.prefix_in(namespaces)
        if prefix is None:
            listings.append(set(_all_pages(client, ns or 0, "")))
        else:
            listings.append(set(_all_pages(client, prefix[0], prefix[1])))
    kept = set.intersection(*listings)
    return sort_titles(title for title in kept if selection.keeps(title, namespaces))


def _titles_per_request(client: WikiClient) -> int:
    return 500 if client.high_limits else 50


#: Characters no MediaWiki title holds; "|" would also split the request's list of titles.
_NOT_IN_TITLES = frozenset("|[]{}<>\x00\n\r\t")


def _existing(client: WikiClient, titles: tuple[str, ...]) -> Iterator[str]:
    wanted = list(
        dict.fromkeys(
            title.strip()
            for title in titles
            if title.strip() and not _NOT_IN_TITLES.intersection(title)
        )
    )
    size = _titles_per_request(client)
    for start in range(0, len(wanted), size):
        chunk = wanted[start : start + size]
        # POST: 500 long titles would pass the URL length web servers take (8 KiB on Apache)
        for part in client.query(prop="info", titles="|".join(chunk), http_method="POST"):
            for page in part.get("pages", []):
                if not (page.get("missing") or page.get("invalid")) and "title" in page:
                    yield str(page["title"])


def _all_pages(client: WikiClient, ns: int, prefix: str) -> Iterator[str]:
    params: dict[str, Any] = {"list": "allpages", "apnamespace": str(ns), "aplimit": "max"}
    if prefix:
        params["apprefix"] = prefix
    for part in client.query(**params):
        for item in part.get("allpages", []):
            yield str(item["title"])


def _search(client: WikiClient, query: str, ns: int | None) -> Iterator[str]:
    for part in client.query(
        list="search",
        srsearch=query,
        srwhat="text",
        srnamespace=str(ns or 0),
        srlimit="max",
        srprop="",
    ):
        for item in part.get("search", []):
            yield str(item["title"])


def _embedded_in(client: WikiClient, template: str, ns: int | None) -> Iterator[str]:
    params: dict[str, Any] = {"list": "embeddedin", "eititle": template, "eilimit": "max"}
    if ns is not None:
        params["einamespace"] = str(ns)
    for part in client.query(**params):
        for item in part.get("embeddedin", []):
            yield str(item["title"])


def _links_from(
    client: WikiClient, namespaces: Namespaces, title: str, ns: int | None
) -> Iterator[str]:
    page = namespaces.normalize(title)
    params: dict[str, Any] = {
        "generator": "links",
        "titles": page,
        "gpllimit": "max",
        "prop": "info",
    }
    if ns is not None:
        params["gplnamespace"] = str(ns)
    for part in client.query(**params):
        for item in part.get("pages", []):
            if not (item.get("missing") or item.get("invalid")) and "title" in item:
                yield str(item["title"])
    if not _exists(client, page):
        raise SelectionError(
            f'the wiki has no page "{page}" to read links from', kind="links_from", value=title
        )


def _exists(client: WikiClient, title: str) -> bool:
    for part in client.query(prop="info", titles=title):
        for page in part.get("pages", []):
            return not (page.get("missing") or page.get("invalid"))
    return False


def _recent(client: WikiClient, count: int, ns: int | None) -> Iterator[str]:
    params: dict[str, Any] = {
        "list": "recentchanges",
        "rctype": "edit|new",
        "rctoponly": "1",
        "rcprop": "title",
        "rclimit": str(count) if count <= 500 else "max",
    }
    if ns is not None:
        params["rcnamespace"] = str(ns)
    seen: set[str] = set()
    for part in client.query(**params):
        for item in part.get("recentchanges", []):
            title = str(item["title"])
            if title not in seen:
                seen.add(title)
                yield title
                if len(seen) >= count:
                    return
