"""What a live wiki's history says about a save: the revisions a save is judged by.

:class:`PageHistory` reads, for :class:`~wikisync.wiki.writer.WikiWriter`, a
page's latest revision, its revisions since a base, the texts of a pair of
revisions, and whether a creation whose reply was lost was made (the wiki's
log, then the page it made). It decides which revision is this account's
save (:meth:`PageHistory.mine`: same account, same SHA-1 of the text) and
never assumes it; everything it reads is a query, nothing here writes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wikisync.core.errors import EditConflictError, PageDeletedError, PublishError
from wikisync.core.pages import PageText
from wikisync.core.text import stored_text
from wikisync.ports.target import SaveResult
from wikisync.wiki.site import WikiClient

log = logging.getLogger(__name__)

#: How far before a creation was sent its log entry is looked for, when its reply was
#: lost: the wiki's clock may differ from this machine's by that much.
_CLOCK_SLACK = 300.0


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision as the history query gives it (``text`` only when asked for)."""

    revid: int
    parentid: int
    timestamp: str
    user: str
    text: str | None = None
    sha1: str = ""


class PageHistory:
    """The history reads of one connection (see the module's doc).

    Args:
        client: the logged-in connection.
    """

    def __init__(self, client: WikiClient) -> None:
        self.client = client

    def latest(
        self, title: str, base: PageText | None = None, *, content: bool = False
    ) -> Revision | None:
        reply = self.client.call(
            "query",
            prop="revisions",
            rvprop="ids|timestamp|user|sha1" + ("|content" if content else ""),
            rvslots="main" if content else None,
            formatversion="2",
            **page_which(title, base, query=True),
        )
        pages = (reply.get("query") or {}).get("pages") or []
        if not pages or pages[0].get("missing") or not pages[0].get("revisions"):
            return None
        return revision_of(pages[0]["revisions"][0])

    def since(self, title: str, base: PageText, *, before: int = 0) -> list[Revision]:
        """The page's revisions after the base (before ``before`` when given), oldest first."""
        reply = self.client.call(
            "query",
            prop="revisions",
            rvprop="ids|timestamp|user|sha1",
            rvdir="newer",
            rvstartid=str(base.revid),
            rvlimit="max",
            formatversion="2",
            **page_which(title, base, query=True),
        )
        pages = (reply.get("query") or {}).get("pages") or []
        if "error" in reply or not pages or pages[0].get("missing"):
            return []
        revisions = [revision_of(raw) for raw in pages[0].get("revisions") or []]
        return [
            revision
            for revision in revisions
            if revision.revid > base.revid and (not before or revision.revid < before)
        ]

    def mine(self, history: list[Revision], text: str) -> Revision | None:
        """The first revision in ``history`` made by this account with exactly ``text``."""
        digest, me = text_sha1(text), self.username()
        return next(
            (rev for rev in history if rev.sha1 == digest and same_user(rev.user, me)), None
        )

    def texts(self, revids: list[int]) -> dict[int, Revision]:
        reply = self.client.call(
            "query",
            revids="|".join(str(r) for r in revids),
            prop="revisions",
            rvprop="ids|timestamp|user|content",
            rvslots="main",
            formatversion="2",
        )
        found: dict[int, Revision] = {}
        for page in (reply.get("query") or {}).get("pages") or []:
            for raw in page.get("revisions") or []:
                revision = revision_of(raw)
                found[revision.revid] = revision
        return found

    def pair(self, first: int, second: int) -> tuple[Revision, Revision] | None:
        """The texts of two revisions (a save and the one it replaced); None when either
        cannot be read."""
        found = self.texts([first, second])
        one, two = found.get(first), found.get(second)
        if one is None or two is None or one.text is None or two.text is None:
            return None
        return one, two

    def created_already(self, title: str, text: str) -> SaveResult:
        """A create refused as ``articleexists``: ours (a lost reply) or someone's."""
        page = self._first_revision(titles=title) or {}
        first = revision_of(page["revisions"][0]) if page.get("revisions") else None
        latest = int(page.get("lastrevid") or 0)
        if (
            first is not None
            and first.parentid == 0
            and first.sha1 == text_sha1(text)
            and same_user(first.user, self.username())
        ):
            note = (
                f"created in revision {first.revid} (its reply was lost on the way, then the "
                "save was retried)"
            )
            if latest and latest != first.revid:
                note += f"; later revisions (now {latest}) were kept"
            return SaveResult(title, True, first.revid, first.timestamp, True, note=note)
        where = f" (revision {latest})" if latest else ""
        raise EditConflictError(
            f'Page "{title}" exists already{where}; it was not overwritten', title=title
        )

    def check_creation(self, title: str, text: str, sent: float) -> None:
        """Before a creation sent at ``sent`` (its reply lost) is sent again: did it happen?

        Raises:
            _Created: this account created the page with this text (found
                there, or under the title it was moved to).
            PageDeletedError: this account created the page, then it was deleted.
            PublishError: the wiki's log could not be read; nothing sent again.
        """
        since = datetime.fromtimestamp(sent - _CLOCK_SLACK, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        reply = self.client.call(
            "query",
            list="logevents",
            letitle=title,
            lestart=since,
            ledir="newer",
            leprop="ids|title|type|user|timestamp|details",
            lelimit="max",
            formatversion="2",
        )
        if "error" in reply:
            error = reply["error"]
            raise PublishError(
                f'Page "{title}" was sent for creation and its reply was lost; the wiki\'s log, '
                f"which tells whether it was created, could not be read ({error.get('code')}: "
                f"{error.get('info', '')}), so it was not sent again",
                title=title,
            )
        events = list((reply.get("query") or {}).get("logevents") or [])
        me = self.username()
        ours = [
            at
            for at, event in enumerate(events)
            if event.get("type") == "create" and same_user(str(event.get("user", "")), me)
        ]
        if not ours:
            return  # not created by us: sending it again (createonly) is safe
        created = events[ours[-1]]
        later = events[ours[-1] + 1 :]
        pageid = int(created.get("logpage") or created.get("pageid") or 0)
        page: dict[str, Any] = {"missing": True}
        if pageid:
            page = self._first_revision(pageids=str(pageid)) or page
        if page.get("missing") or not page.get("revisions"):
            who = ", ".join(
                dict.fromkeys(
                    str(event.get("user") or "someone")
                    for event in later
                    if event.get("type") == "delete"
                )
            )
            raise PageDeletedError(
                f'Page "{title}" was created (its reply was lost on the way), then deleted'
                f"{f' by {who}' if who else ''} before the creation was sent again; it was "
                "not re-created",
                title=title,
            )
        first = revision_of(page["revisions"][0])
        if first.parentid or first.sha1 != text_sha1(text) or not same_user(first.user, me):
            return  # another text (an earlier run's): createonly refuses it as it should
        now = str(page.get("title") or title)
        latest = int(page.get("lastrevid") or first.revid)
        note = (
            f"created in revision {first.revid} (its reply was lost on the way; found in the "
            "wiki's log before sending it again)"
        )
        moved_to = ""
        if self.normal(now) != self.normal(title):
            moved_to = now
            movers = ", ".join(
                dict.fromkeys(
                    str(event.get("user") or "someone")
                    for event in later
                    if event.get("type") == "move"
                )
            )
            note += f'; then moved to "{now}"{f" by {movers}" if movers else ""}'
        if latest != first.revid:
            note += f"; later revisions (now {latest}) were kept"
        log.info('page "%s": %s', title, note)
        result = SaveResult(title, True, first.revid, first.timestamp, True, note=note)
        raise _Created(dataclasses.replace(result, moved_to=moved_to))

    def _first_revision(self, **which: Any) -> dict[str, Any] | None:
        """The page (its info and its first revision), as the query gives it."""
        reply = self.client.call(
            "query",
            prop="revisions|info",
            rvprop="ids|timestamp|user|sha1",
            rvdir="newer",
            rvlimit="1",
            formatversion="2",
            **which,
        )
        pages = (reply.get("query") or {}).get("pages") or []
        return dict(pages[0]) if pages else None

    def normal(self, title: str) -> str:
        """The title as the wiki spells it (namespace, first letter), for comparisons."""
        namespaces = getattr(self.client, "namespaces", None)
        try:
            return str(namespaces.normalize(title)) if namespaces is not None else title
        except ValueError:
            return title

    def username(self) -> str:
        return str(getattr(self.client.site, "username", "") or "")


class _Created(Exception):
    """A creation whose reply was lost was found made (raised out of the client's retry)."""

    def __init__(self, result: SaveResult) -> None:
        super().__init__(result.title)
        self.result = result


def page_which(title: str, base: PageText | None, *, query: bool = False) -> dict[str, Any]:
    """The page an edit (or a query) names: by page id when the base knows it, else by title."""
    plural = "s" if query else ""
    if base is not None and base.pageid:
        return {f"pageid{plural}": str(base.pageid)}
    return {f"title{plural}": title}


def revision_of(raw: dict[str, Any]) -> Revision:
    slot = (raw.get("slots") or {}).get("main") or {}
    content = slot.get("content", raw.get("content"))
    return Revision(
        int(raw["revid"]),
        int(raw.get("parentid") or 0),
        str(raw.get("timestamp", "")),
        str(raw.get("user", "")),
        str(content) if content is not None else None,
        str(raw.get("sha1", "")),
    )


def by_people(revisions: list[Revision]) -> str:
    """``revision 12 by Admin`` / ``revisions 12, 13 by Admin, Bob`` for people."""
    if not revisions:
        return "no revision"
    ids = ", ".join(str(revision.revid) for revision in revisions)
    users = ", ".join(dict.fromkeys(revision.user or "someone" for revision in revisions))
    return f"revision{'s' if len(revisions) > 1 else ''} {ids} by {users}"


def same_user(first: str, second: str) -> bool:
    def norm(name: str) -> str:
        name = name.replace("_", " ").strip()
        return name[:1].upper() + name[1:]

    return bool(first) and norm(first) == norm(second)


def stored_form(text: str) -> str:
    """A text as MediaWiki stores it: NFC, LF line ends, no trailing whitespace."""
    return stored_text(text).rstrip()


def text_sha1(text: str) -> str:
    """The SHA-1 (hex, as the API gives it) of a revision holding ``text``.

    MediaWiki trims trailing white space (PHP's ``rtrim``) before storing; a
    text it transforms further when saving (signatures, ``subst:``, the pipe
    trick) is not recognised, which errs on the safe side (taken for
    someone else's edit, never for wikisync's).
    """
    stored = stored_text(text).rstrip(" \t\n\r\0\x0b")
    return hashlib.sha1(stored.encode("utf-8")).hexdigest()
