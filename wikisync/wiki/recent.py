"""A live wiki's recent changes, for the watcher: one request when nothing changed.

:func:`read_recent` asks ``list=recentchanges`` from a time on, oldest first
(``rcdir=newer``), every kind of row (``edit``, ``new``, ``log``,
``categorize``), and in the same request the current text of the watched pages
(``titles=…&prop=revisions``: the emergency stop page costs no request of its
own). ``rcstart`` is inclusive and counts whole seconds, so a caller re-reads
the rows of its cursor's second and drops those it has seen by ``rcid``
(:mod:`wikisync.ops.watch.cursor`). :func:`read_categories` tells the current
categories of a few pages (``prop=categories``), to know which index a changed
page belongs to now.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from wikisync.ports.recent import Change, RecentBatch
from wikisync.wiki.site import WikiClient

__all__ = ["read_categories", "read_recent"]

#: The row kinds read: everything but ``external`` (Wikidata).
_KINDS = "edit|new|log|categorize"


def read_recent(
    client: WikiClient, since: str, *, watched: Sequence[str] = (), limit: int = 50
) -> RecentBatch:
    """The rows from ``since`` on (inclusive), oldest first, and the watched pages' text.

    Args:
        client: the wiki's connection (its session is kept between calls).
        since: an ISO 8601 time (``2026-12-06T15:04:05Z``).
        watched: titles whose current text comes along (None when missing).
        limit: at most this many requests (500 rows each, 5,000 for a bot);
            the rest waits for the next call, which starts after the last row read.

    Raises:
        SiteError: the wiki kept failing (after the transport's retries).
    """
    before = client.requests
    params: dict[str, Any] = {
        "list": "recentchanges",
        "rcstart": since,
        "rcdir": "newer",
        "rctype": _KINDS,
        "rcprop": "title|ids|timestamp|loginfo|user",
        "rclimit": "max",
    }
    if watched:
        params.update(
            titles="|".join(watched), prop="revisions", rvprop="ids|content", rvslots="main"
        )
    changes: list[Change] = []
    texts: dict[str, str | None] = {}
    for part in itertools.islice(client.query(**params), limit):
        changes.extend(_change(row) for row in part.get("recentchanges", []))
        for page in part.get("pages", []):
            title = str(page.get("title", ""))
            if page.get("missing") or page.get("invalid"):
                texts[title] = None
            elif page.get("revisions"):
                texts[title] = _content(page["revisions"][0])
    for title in watched:  # a title the wiki normalised is found under its own spelling
        texts.setdefault(title, texts.get(client.namespaces.normalize(title)))
    changes.sort(key=lambda change: (change.timestamp, change.rcid))
    return RecentBatch(tuple(changes), texts, (client.requests or 0) - (before or 0))


def read_categories(client: WikiClient, titles: Sequence[str]) -> dict[str, frozenset[str]]:
    """Per existing page of ``titles``: its categories now, without namespace prefix.

    A batch of 50 titles per request (``prop=categories``, continued).
    """
    found: dict[str, set[str]] = {}
    wanted = list(dict.fromkeys(titles))
    for start in range(0, len(wanted), 50):
        chunk = wanted[start : start + 50]
        for part in client.query(prop="categories", titles="|".join(chunk), cllimit="max"):
            for page in part.get("pages", []):
                if page.get("missing") or page.get("invalid"):
                    continue
                names = found.setdefault(str(page["title"]), set())
                for item in page.get("categories", []):
                    names.add(client.namespaces.split(str(item["title"]))[1])
    return {title: frozenset(names) for title, names in found.items()}


def _content(revision: Mapping[str, Any]) -> str | None:
    slot = (revision.get("slots") or {}).get("main") or {}
    content = slot.get("content", revision.get("content"))
    return None if content is None else str(content)


def _change(row: Mapping[str, Any]) -> Change:
    params = row.get("logparams") or {}
    new_title = ""
    if isinstance(params, Mapping) and row.get("logtype") == "move":
        new_title = str(params.get("target_title", ""))
    return Change(
        rcid=int(row.get("rcid", 0)),
        timestamp=str(row.get("timestamp", "")),
        kind=str(row.get("type", "")),
        title=str(row.get("title", "")),
        ns=int(row.get("ns", 0)),
        revid=int(row.get("revid", 0) or 0),
        user=str(row.get("user", "")),
        log_type=str(row.get("logtype", "")),
        log_action=str(row.get("logaction", "")),
        new_title=new_title,
    )
