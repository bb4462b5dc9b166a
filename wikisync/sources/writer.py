"""Conflict-safe saves to a live wiki, shared by every command that writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wikisync.errors import EditConflictError, PublishError
from wikisync.pages import PageText
from wikisync.sources.site import WikiClient, error_code


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did.

    Attributes:
        title: the page saved.
        changed: False when the wiki already held exactly this text (no revision).
        revid: the page's revision after the save (the new one, or the old one).
        timestamp: that revision's time, ISO 8601 UTC.
        created: True when the save created the page.
    """

    title: str
    changed: bool
    revid: int
    timestamp: str
    created: bool = False


class WikiWriter:
    """Conflict-safe saves to a live wiki, for every command that writes.

    A save names the revision it was computed from (``base``). Before saving,
    the page's latest revision is compared with it, because MediaWiki does not
    report a conflict with the same account's own edits; then the edit is sent
    with ``baserevid``/``basetimestamp``/``starttimestamp`` (and ``nocreate``,
    or ``createonly`` for a new page), so an edit by anyone else in between
    becomes ``editconflict`` instead of being overwritten. Either way
    :class:`EditConflictError` is raised and nothing is lost.

    Why two requests per save: ``baserevid`` alone (no ``basetimestamp``) makes
    MediaWiki 1.39 flag self-conflicts too, but it then merges conflicting
    edits that touch other lines on the server and saves a text wikisync never
    computed nor checked (its section guards, its byte-exact edits). The
    look at the latest revision keeps every save exactly what was computed.

    Example:
        >>> writer = WikiWriter(client)
        >>> page = source.fetch_titles(["Evénements"]).pages[0]
        >>> writer.save(page.title, new_text, base=page, summary="liste à jour")
    """

    def __init__(self, client: WikiClient, *, bot: bool = True, minor: bool = False) -> None:
        self.client = client
        self.bot = bot
        self.minor = minor

    def latest(self, title: str) -> tuple[int, str] | None:
        """The page's latest revision id and timestamp, or None if it does not exist."""
        reply = self.client.call(
            "query",
            titles=title,
            prop="revisions",
            rvprop="ids|timestamp",
            formatversion="2",
        )
        pages = (reply.get("query") or {}).get("pages") or []
        if not pages or pages[0].get("missing") or not pages[0].get("revisions"):
            return None
        revision = pages[0]["revisions"][0]
        return int(revision["revid"]), str(revision["timestamp"])

    def save(
        self,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
    ) -> SaveResult:
        """Save ``text`` to ``title`` if the page is still at ``base``'s revision.

        Args:
            title: the page.
            text: the new wikitext.
            base: the revision the text was computed from; None to create a
                page that must not exist yet.
            summary: the edit summary.

        Returns:
            What happened (``changed`` False for a no-op).

        Raises:
            EditConflictError: the page changed (or appeared) since ``base``.
            PublishError: the wiki refused the edit (protected page, spam
                filter, blocked account…).
        """
        self._check_latest(title, base)
        params: dict[str, Any] = {
            "title": title,
            "text": text,
            "summary": summary,
            "formatversion": "2",
        }
        if self.bot:
            params["bot"] = "1"
        params["minor" if self.minor else "notminor"] = "1"
        if base is None:
            params["createonly"] = "1"
        else:
            params["nocreate"] = "1"
            params["baserevid"] = str(base.revid)
            if base.timestamp:
                params["basetimestamp"] = base.timestamp
                params["starttimestamp"] = base.timestamp
        reply = self._edit(params)
        if "error" in reply:
            code = str(reply["error"].get("code"))
            info = str(reply["error"].get("info", ""))
            conflict = _CONFLICTS.get(code)
            if conflict is not None:
                was = base.revid if base is not None else 0
                raise EditConflictError(
                    f'Page "{title}" {conflict.format(revid=was)}; nothing was overwritten',
                    title=title,
                )
            raise PublishError(f'Page "{title}" was not saved: {code}: {info}', title=title)
        edit = reply.get("edit") or {}
        if edit.get("result") != "Success":
            raise PublishError(f'Page "{title}" was not saved: {edit}', title=title)
        if edit.get("nochange"):
            revid = base.revid if base else 0
            return SaveResult(title, False, revid, base.timestamp if base else "")
        return SaveResult(
            title,
            True,
            int(edit["newrevid"]),
            str(edit.get("newtimestamp", "")),
            created=bool(edit.get("new")),
        )

    def _check_latest(self, title: str, base: PageText | None) -> None:
        latest = self.latest(title)
        if base is None and latest is not None:
            raise EditConflictError(
                f'Page "{title}" exists already (revision {latest[0]}); it was not overwritten',
                title=title,
            )
        if base is not None and (latest is None or latest[0] != base.revid):
            now = "was deleted" if latest is None else f"is at revision {latest[0]}"
            raise EditConflictError(
                f'Page "{title}" changed since it was read: it was at revision {base.revid} '
                f"and now {now}; nothing was overwritten",
                title=title,
            )

    def _edit(self, params: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(2):
            params["token"] = self.client.site.get_token("csrf", force=attempt > 0)
            reply = self.client.call("edit", http_method="POST", **params)
            if error_code(reply) != "badtoken":
                return reply
        return reply


# What each conflict the wiki reports means, in the words of the pre-save check.
_CONFLICTS = {
    "editconflict": "changed since it was read (revision {revid} is no longer the latest)",
    "articleexists": "exists already",
    "missingtitle": "was deleted since it was read (at revision {revid})",
    "pagedeleted": "was deleted since it was read (at revision {revid})",
}
