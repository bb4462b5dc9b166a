"""A live wiki's history since a time: which revision held each page then.

:func:`read_changed_pages` reads ``list=recentchanges`` from a time on, oldest first,
with the row and revision ids (``rcprop=ids``), and folds the rows per page id:

- an ``edit`` row's ``old_revid`` is the revision the page had before it, so
  the first edit row since the time names the revision that held the page
  then (revisions follow a moved page: its id stays);
- a ``new`` row first: the page did not exist then;
- a ``move`` first: the move's null revision holds the text the page had then;
- a ``delete``: the page is gone now, and MediaWiki removed its edit rows,
  so what it held then is known only if an earlier row said (or from the
  record cache: :mod:`wikisync.ops.changes`); a ``restore`` brings it back,
  its state then unknown unless a row says.

Rows are kept 90 days by default; importDump writes none. ``rcstart`` counts
whole seconds and is inclusive, so a cursor's row id drops the rows of its
second already seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wikisync.ports.changed_pages import ChangedPage, ChangedPages
from wikisync.wiki.site import WikiClient

__all__ = ["read_changed_pages"]

_KINDS = "edit|new|log"


@dataclass(slots=True)
class _Page:
    title: str
    old_title: str
    old_revid: int = 0
    created: bool = False
    deleted: bool = False
    old_known: bool | None = None  # None: no row has told yet
    timestamp: str = ""
    rcid: int = 0


def read_changed_pages(
    client: WikiClient, since: str, *, after_rcid: int | None = None
) -> ChangedPages:
    """The pages changed from ``since`` on (see the module's notes).

    Args:
        client: the wiki's connection.
        since: ISO 8601 UTC (``2026-12-06T15:04:05Z``), inclusive.
        after_rcid: rows of ``since``'s second with an id up to this one are left out.

    Raises:
        SiteError: the wiki kept failing.
    """
    rows = [
        row
        for part in client.query(
            list="recentchanges",
            rcstart=since,
            rcdir="newer",
            rctype=_KINDS,
            rcprop="title|ids|timestamp|loginfo",
            rclimit="max",
        )
        for row in part.get("recentchanges", [])
    ]
    rows.sort(key=lambda row: (str(row.get("timestamp", "")), int(row.get("rcid", 0))))
    if after_rcid is not None:
        rows = [
            row
            for row in rows
            if not (str(row.get("timestamp")) == since and int(row.get("rcid", 0)) <= after_rcid)
        ]
    pages = _fold(rows)
    cursor = since if after_rcid is None else f"{since}|{after_rcid}"
    if rows:
        cursor = f"{rows[-1].get('timestamp')}|{rows[-1].get('rcid')}"
    return ChangedPages(
        tuple(
            ChangedPage(
                page.title,
                page.old_title,
                page.old_revid,
                page.created,
                page.deleted,
                bool(page.old_known),
                page.timestamp,
                page.rcid,
            )
            for page in pages
        ),
        cursor,
    )


def _fold(rows: Iterable[Mapping[str, Any]]) -> list[_Page]:
    pages: dict[int | str, _Page] = {}
    for row in rows:
        title = str(row.get("title", ""))
        if not title:
            continue  # a row whose title is hidden (revision deletion) tells nothing usable
        pageid = int(row.get("pageid", 0) or 0)
        key: int | str = pageid or title
        page = pages.get(key)
        if page is None:
            page = pages[key] = _Page(title, title)
        kind = str(row.get("type", ""))
        page.timestamp = str(row.get("timestamp", ""))
        page.rcid = int(row.get("rcid", 0))
        if kind == "edit":
            page.title = title
            if page.old_known is None:
                page.old_revid, page.old_known = int(row.get("old_revid", 0) or 0), True
        elif kind == "new":
            page.title = title
            if page.old_known is None:
                page.created = page.old_known = True
        elif kind == "log":
            _log_row(page, row)
    return list(pages.values())


def _log_row(page: _Page, row: Mapping[str, Any]) -> None:
    log_type, action = str(row.get("logtype", "")), str(row.get("logaction", ""))
    params = row.get("logparams") or {}
    if log_type == "move" and isinstance(params, Mapping) and params.get("target_title"):
        if page.old_known is None and int(row.get("revid", 0) or 0):
            # the move's null revision holds the text the page had before it
            page.old_revid, page.old_known = int(row["revid"]), True
        page.title = str(params["target_title"])
    elif log_type == "delete" and action in ("delete", "delete_redir"):
        page.deleted = True
        if page.old_known is None:
            page.old_known = False  # its edit rows went with its revisions
    elif log_type == "delete" and action == "restore":
        page.deleted = False
        if page.old_known is None:
            page.old_known = False
    elif log_type == "import" and page.old_known is None:
        page.old_known = False
