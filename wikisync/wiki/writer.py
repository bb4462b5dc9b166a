"""Conflict-safe saves to a live wiki, shared by every command that writes.

What a save does when the wiki's reply shows another edit (merge, put back,
report) is :mod:`wikisync.wiki.mending`, the writer's base class.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from wikisync.core.errors import (
    EditConflictError,
    PublishError,
)
from wikisync.core.pages import PageText
from wikisync.ports.target import SaveResult, Target
from wikisync.wiki.history import (
    PageHistory,
    _Created,
    page_which,
)
from wikisync.wiki.mending import MAX_RECONCILE as MAX_RECONCILE
from wikisync.wiki.mending import _Mending
from wikisync.wiki.site import WikiClient
from wikisync.wiki.transport import error_code

log = logging.getLogger(__name__)

#: Called with the page's title just before each edit request is sent.
BeforeEdit = Callable[[str], None]


# The serialisation formats of the content models wikisync saves (MediaWiki
# takes the model's default when none is named; these are those defaults).
_CONTENT_FORMATS = {"json": "application/json", "geojson": "application/json"}


class WikiWriter(_Mending, Target):
    """Conflict-safe saves to a live wiki, for every command that writes.

    A save names the revision it was computed from (``base``) and is sent with
    ``baserevid``/``basetimestamp``/``starttimestamp`` (and ``nocreate``, or
    ``createonly`` for a new page): one request per saved page. MediaWiki
    1.39 does not make every edit made meanwhile a conflict: it overwrites the
    same account's own edit, and merges another account's edit to other
    lines on the server (a text wikisync never computed nor checked). So
    every save checks the reply: the revision it replaced (``oldrevid``) must
    be the base. When it is not, another revision came in between, and the
    writer mends it at once:

    - a three-way merge (:func:`~wikisync.core.merge.merge_texts`) of the base
      text, that revision's text and the text to save; when clean, the merged
      text is saved over the revision just made (checked the same way), and
      the result names the merged revision (``merged``, ``note``);
    - when not clean, that revision's text is put back (a save, checked the
      same way) and :class:`EditConflictError` names the base, the other
      revision and the revision that put it back.

    Either way the latest revision ends holding a text wikisync computed, or
    the other edit's own text with a conflict reported: never a text nobody
    checked, and never without saying so. An edit the wiki refused as an
    ``editconflict`` (another account, overlapping lines) saves nothing and
    raises :class:`EditConflictError` too.

    A reply lost on the wire (the client sends the request again) is resolved
    from the page's history since the base, never by assuming that the latest
    revision is wikisync's: a revision by this account, on the base, holding
    exactly this text (same SHA-1) is the save, reported made at that
    revision; revisions after it are someone's edits and stay (a retry that
    re-applied the change over them is undone at once). "nochange" without
    such a revision means the wiki merged the save into another edit: that
    edit is merged three-way (base, this text, the latest) and saved only
    when the merge adds something, or reported as a conflict naming it.

    A creation (``base`` None, sent ``createonly``) whose reply is lost is
    never sent again blindly: before the retry the wiki's log tells whether
    this account created the page meanwhile (one request, then one more for
    the page it made): still there with exactly this text, it is the
    creation (``created``; later edits by others stay); deleted since,
    :class:`~wikisync.errors.PageDeletedError` (nothing re-created); moved
    since, the creation under its new title (``moved_to``). Only when no
    such creation exists is it sent again.

    A page is saved by its id when the base knows it: a page moved meanwhile
    is saved under its new title (``moved_to``), the redirect left at the
    old title is never written, and a page deleted meanwhile raises
    :class:`~wikisync.core.errors.PageDeletedError` (nothing is ever re-created).

    Callers that save many pages call :meth:`check_latest` first: one query
    per 50 titles (500 with ``apihighlimits``) compares the pages' latest
    revisions with their bases, so a page known to have changed is refused
    before any request, and the rest go on with one request each.

    Args:
        client: the logged-in connection.
        bot: mark the edits as bot edits.
        minor: mark the edits as minor.
        before_edit: called with the title just before each edit request
            (a seam for tests: they make a real edit there, between the
            check and the save).

    Example:
        >>> writer = WikiWriter(client)
        >>> page = source.fetch_titles(["Evénements"]).pages[0]
        >>> writer.save(page.title, new_text, base=page, summary="liste à jour")
    """

    def __init__(
        self,
        client: WikiClient,
        *,
        bot: bool = True,
        minor: bool = False,
        before_edit: BeforeEdit | None = None,
    ) -> None:
        self.client = client
        self.bot = bot
        self.minor = minor
        self.before_edit = before_edit
        self.history = PageHistory(client)
        self._latest: dict[str, tuple[int | None, int | None]] = {}
        self._content_model = ""  # of the page being saved (every request of its save)

    @property
    def batch_size(self) -> int:
        """How many titles one query may name: 500 with ``apihighlimits``, else 50."""
        return 500 if getattr(self.client, "high_limits", False) else 50

    def latest(self, title: str) -> tuple[int, str] | None:
        """The page's latest revision id and timestamp, or None if it does not exist."""
        revision = self.history.latest(title)
        return (revision.revid, revision.timestamp) if revision is not None else None

    def precheck_size(self) -> int:
        """Titles per :meth:`check_latest` query: a batch of saves is checked first."""
        return self.batch_size

    def check_latest(self, titles: Iterable[str]) -> dict[str, int | None]:
        """Read the latest revision ids of many pages, one query per batch.

        The answers are kept until the next call: the next :meth:`save` of
        each title compares its base with it before sending anything (and
        forgets it): a page at another revision, or that is now another page
        (moved away, deleted), is refused without a request.

        Returns:
            Per title, its latest revision id, or None when the page is missing.
        """
        wanted = list(dict.fromkeys(titles))
        found: dict[str, tuple[int | None, int | None]] = {}
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start : start + self.batch_size]
            # POST: 500 titles make a URL longer than many servers accept.
            reply = self.client.call(
                "query",
                http_method="POST",
                titles="|".join(chunk),
                prop="info",
                formatversion="2",
            )
            if "error" in reply:
                continue  # no pre-check for these: the check after the save remains
            query = reply.get("query") or {}
            renamed = {str(n["to"]): str(n["from"]) for n in query.get("normalized") or []}
            for page in query.get("pages") or []:
                title = str(page.get("title", ""))
                title = renamed.get(title, title)
                if page.get("missing"):
                    found[title] = (None, None)
                else:
                    found[title] = (int(page.get("lastrevid") or 0), int(page.get("pageid") or 0))
        self._latest = found
        return {title: revid for title, (revid, _) in found.items()}

    def save(
        self,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
        content_model: str = "",
    ) -> SaveResult:
        """Save ``text`` to ``title`` if the page is still at ``base``'s revision.

        One request when nothing else happens; see the class for the check of
        the reply and what is done when another edit came in between.

        Args:
            title: the page.
            text: the new wikitext.
            base: the revision the text was computed from; None to create a
                page that must not exist yet. When it names its page id, the
                save goes to that page (wherever it was moved meanwhile), so
                a redirect left at the old title is never written.
            summary: the edit summary.
            content_model: the content model (``json``, ``GeoJSON``) of a page
                this save creates; an existing page keeps its own, as ``""`` does.

        Returns:
            What happened (``changed`` False for a no-op; ``merged`` and
            ``note`` when another edit was merged in; ``moved_to`` when the
            page was moved while it was saved).

        Raises:
            PageDeletedError: the page was deleted since ``base``; nothing saved.
            PageMovedError: the page was moved since ``base`` (found before
                saving); nothing saved.
            EditConflictError: the page changed (or appeared) since ``base``
                and the change could not be merged; the message names the
                revisions, and the page holds the other edit's text.
            PublishError: the wiki refused the edit (protected page, spam
                filter, blocked account, a content model it does not know or
                the account may not set…).
        """
        known = self._latest.pop(title, None)
        if known is not None:
            self._check_known(title, base, *known)
        self._content_model = content_model
        try:
            return self._save(title, text, base, summary, 0)
        finally:
            self._content_model = ""

    # -- one save and its check -------------------------------------------------------

    def _save(
        self, title: str, text: str, base: PageText | None, summary: str, depth: int
    ) -> SaveResult:
        params: dict[str, Any] = {"text": text, "summary": summary, "formatversion": "2"}
        if self._content_model and base is None:  # an existing page keeps its own model
            params["contentmodel"] = self._content_model
            params["contentformat"] = _CONTENT_FORMATS.get(self._content_model.casefold(), "")
            if not params["contentformat"]:
                del params["contentformat"]
        if self.bot:
            params["bot"] = "1"
        params["minor" if self.minor else "notminor"] = "1"
        if base is None:
            params["title"] = title
            params["createonly"] = "1"
        else:
            # By page id when known: a page moved meanwhile is saved under its
            # new title and the redirect left behind is never written; a page
            # deleted meanwhile is "nosuchpageid", never re-created.
            params.update(page_which(title, base))
            params["nocreate"] = "1"
            params["baserevid"] = str(base.revid)
            if base.timestamp:
                params["basetimestamp"] = base.timestamp
                params["starttimestamp"] = base.timestamp
        if base is None:
            sent = time.time()
            try:
                reply = self._edit(
                    title,
                    params,
                    before_retry=lambda: self.history.check_creation(title, text, sent),
                )
            except _Created as found:
                return found.result
        else:
            reply = self._edit(title, params)
        if "error" in reply:
            code = str(reply["error"].get("code"))
            info = str(reply["error"].get("info", ""))
            if code == "articleexists" and base is None:
                return self.history.created_already(title, text)
            if code == "editconflict" and base is not None:
                return self._refused_conflict(title, text, base)
            if code in _GONE and base is not None:
                raise self._gone(title, base)
            if base is not None:
                # A refusal (protected meanwhile, say) may answer the retry of a
                # save whose first try was made and its reply lost: then it was saved.
                mine = self.history.mine(history := self.history.since(title, base), text)
                if mine is not None and mine.parentid == base.revid:
                    return self._lost_reply(title, mine, history)
            conflict = _CONFLICTS.get(code)
            if conflict is not None:
                was = base.revid if base is not None else 0
                raise EditConflictError(
                    f'Page "{title}" {conflict.format(revid=was)}; nothing was overwritten',
                    title=title,
                )
            if code == "badvalue" and "contentmodel" in info and self._content_model:
                raise PublishError(
                    f'Page "{title}" was not saved: the wiki does not know the content model '
                    f'"{self._content_model}" (GeoJSON comes with the Maps extension; a wiki '
                    f"without it can hold the data in a JSON page): {code}: {info}",
                    title=title,
                )
            raise PublishError(f'Page "{title}" was not saved: {code}: {info}', title=title)
        edit = reply.get("edit") or {}
        if edit.get("result") != "Success":
            raise PublishError(f'Page "{title}" was not saved: {edit}', title=title)
        moved_to = self._moved_to(title, base, edit)
        if edit.get("nochange"):
            result = self._nochange(title, text, base, summary, depth)
        elif base is None:  # createonly: nothing can have come in between
            revid = int(edit["newrevid"])
            timestamp = str(edit.get("newtimestamp", ""))
            return SaveResult(title, True, revid, timestamp, created=bool(edit.get("new")))
        else:
            revid = int(edit["newrevid"])
            timestamp = str(edit.get("newtimestamp", ""))
            replaced = int(edit.get("oldrevid") or 0)
            if replaced == base.revid:
                result = SaveResult(title, True, revid, timestamp)
            else:
                result = self._after_other(title, text, base, summary, depth, revid, replaced)
        if moved_to:
            result = dataclasses.replace(result, moved_to=moved_to)
        return result

    def _check_known(
        self, title: str, base: PageText | None, latest: int | None, pageid: int | None
    ) -> None:
        """Refuse, before sending anything, a save that a batch check showed stale."""
        if base is None:
            if latest is not None:
                raise EditConflictError(
                    f'Page "{title}" exists already (revision {latest}); it was not overwritten',
                    title=title,
                )
            return
        if latest is None or (base.pageid and pageid != base.pageid):
            raise self._gone(title, base)
        if latest != base.revid:
            raise EditConflictError(
                f'Page "{title}" changed since it was read: it was at revision {base.revid} '
                f"and now is at revision {latest}; nothing was overwritten",
                title=title,
            )

    def _moved_to(self, title: str, base: PageText | None, edit: dict[str, Any]) -> str:
        """The page's new title when a save by page id found it moved, else ``""``."""
        saved = str(edit.get("title") or "")
        if base is None or not base.pageid or not saved:
            return ""
        if self.history.normal(saved) == self.history.normal(base.title or title):
            return ""
        log.warning('page "%s" was moved to "%s" meanwhile; saved there', title, saved)
        return saved

    # -- requests ---------------------------------------------------------------------

    def _edit(
        self,
        title: str,
        params: dict[str, Any],
        *,
        before_retry: Callable[[], object] | None = None,
    ) -> dict[str, Any]:
        if self.before_edit is not None:
            self.before_edit(title)
        for attempt in range(2):
            params["token"] = self.client.site.get_token("csrf", force=attempt > 0)
            reply = self.client.call(
                "edit", http_method="POST", before_retry=before_retry, **params
            )
            if error_code(reply) != "badtoken":
                return reply
        return reply


# What each conflict the wiki reports means, for people.
_CONFLICTS = {
    "editconflict": "changed since it was read (revision {revid} is no longer the latest)",
    "articleexists": "exists already",
    "missingtitle": "was deleted since it was read (at revision {revid})",
    "pagedeleted": "was deleted since it was read (at revision {revid})",
}

# The errors of a save to a page that is no longer there (deleted or moved away).
_GONE = frozenset({"missingtitle", "pagedeleted", "nosuchpageid"})
