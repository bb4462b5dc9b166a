"""Conflict-safe saves to a live wiki, shared by every command that writes."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wikisync.core.errors import (
    EditConflictError,
    PageDeletedError,
    PageMovedError,
    PublishError,
)
from wikisync.core.merge import merge_texts
from wikisync.core.pages import PageText
from wikisync.core.text import stored_text
from wikisync.ports.target import SaveResult, Target
from wikisync.wiki.site import WikiClient
from wikisync.wiki.transport import error_code

log = logging.getLogger(__name__)

#: How many times one save may find another edit and try again (merge or restore).
MAX_RECONCILE = 3

#: How far before a creation was sent its log entry is looked for, when its reply was
#: lost: the wiki's clock may differ from this machine's by that much.
_CLOCK_SLACK = 300.0


@dataclass(frozen=True, slots=True)
class _Revision:
    revid: int
    parentid: int
    timestamp: str
    user: str
    text: str | None = None
    sha1: str = ""


#: Called with the page's title just before each edit request is sent.
BeforeEdit = Callable[[str], None]


# The serialisation formats of the content models wikisync saves (MediaWiki
# takes the model's default when none is named; these are those defaults).
_CONTENT_FORMATS = {"json": "application/json", "geojson": "application/json"}


class WikiWriter(Target):
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
        self._latest: dict[str, tuple[int | None, int | None]] = {}
        self._content_model = ""  # of the page being saved (every request of its save)

    @property
    def batch_size(self) -> int:
        """How many titles one query may name: 500 with ``apihighlimits``, else 50."""
        return 500 if getattr(self.client, "high_limits", False) else 50

    def latest(self, title: str) -> tuple[int, str] | None:
        """The page's latest revision id and timestamp, or None if it does not exist."""
        revision = self._latest_revision(title)
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
            params.update(_which(title, base))
            params["nocreate"] = "1"
            params["baserevid"] = str(base.revid)
            if base.timestamp:
                params["basetimestamp"] = base.timestamp
                params["starttimestamp"] = base.timestamp
        if base is None:
            sent = time.time()
            try:
                reply = self._edit(
                    title, params, before_retry=lambda: self._check_creation(title, text, sent)
                )
            except _Created as found:
                return found.result
        else:
            reply = self._edit(title, params)
        if "error" in reply:
            code = str(reply["error"].get("code"))
            info = str(reply["error"].get("info", ""))
            if code == "articleexists" and base is None:
                return self._created_already(title, text)
            if code == "editconflict" and base is not None:
                return self._refused_conflict(title, text, base)
            if code in _GONE and base is not None:
                raise self._gone(title, base)
            if base is not None:
                # A refusal (protected meanwhile, say) may answer the retry of a
                # save whose first try was made and its reply lost: then it was saved.
                mine = self._mine(history := self._history(title, base), text)
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

    def _after_other(
        self,
        title: str,
        text: str,
        base: PageText,
        summary: str,
        depth: int,
        made: int,
        replaced: int,
    ) -> SaveResult:
        """A save made revision ``made`` over ``replaced``, which is not the base.

        When an earlier try of this very save is in the page's history (its
        reply was lost, the request sent again), that try is the save: this
        one re-applied the change over an edit made after it (someone's, who
        may have changed or undone it), so ``replaced``'s text is put back.
        Otherwise another edit came in between: see :meth:`_reconcile`.
        """
        history = self._history(title, base, before=made)
        mine = self._mine(history, text)
        if mine is None or mine.parentid != base.revid:
            return self._reconcile(title, text, base, summary, depth, made, replaced)
        revisions = self._revisions([made, replaced])
        ours, theirs = revisions.get(made), revisions.get(replaced)
        later = [revision for revision in history if revision.revid > mine.revid]
        if ours is None or theirs is None or ours.text is None or theirs.text is None:
            raise EditConflictError(
                f'Page "{title}" was saved in revision {mine.revid} (its reply was lost), then '
                f"{_by(later)} came after it and the retried save made revision {made}, which "
                "could not be read back to undo it: check the page's history",
                title=title,
            )
        stored = PageText(title, ours.text, ours.revid, ours.timestamp, base.ns, base.pageid)
        restore = self._save(
            title,
            theirs.text,
            stored,
            f"wikisync : rétablit la révision {replaced} (sauvegarde répétée)",
            depth + 1,
        )
        note = (
            f"saved in revision {mine.revid} (its reply was lost on the way); {_by(later)} "
            f"came after it and were kept: the retried save (revision {made}) was undone "
            f"(revision {restore.revid})"
        )
        log.warning('page "%s": %s', title, note)
        return SaveResult(title, True, mine.revid, mine.timestamp, note=note)

    def _reconcile(
        self,
        title: str,
        text: str,
        base: PageText,
        summary: str,
        depth: int,
        ours: int,
        other: int,
    ) -> SaveResult:
        """Mend a save that replaced ``other`` instead of the base.

        Revision ``ours`` is the latest, made by this save over ``other``
        (another edit made after the base): merge the three texts and save the
        result over ``ours``, or put ``other``'s text back and report the
        conflict.
        """
        revisions = self._revisions([ours, other])
        mine, theirs = revisions.get(ours), revisions.get(other)
        who = f"by {theirs.user}" if theirs is not None and theirs.user else "by someone"
        if mine is None or theirs is None or mine.text is None or theirs.text is None:
            raise EditConflictError(
                f'Page "{title}" changed while it was saved: revision {other} ({who}) came '
                f"after revision {base.revid}, and revision {ours} could not be read back to "
                "mend it: check the page's history",
                title=title,
            )
        stored = PageText(title, mine.text, mine.revid, mine.timestamp, base.ns, base.pageid)
        if depth >= MAX_RECONCILE:
            raise EditConflictError(
                f'Page "{title}" kept changing while it was saved (revision {other} {who} '
                f"after revision {base.revid}); its latest revision {ours} may hold a text "
                "wikisync did not check: look at the page's history",
                title=title,
            )
        merged = merge_texts(base.wikitext, text, theirs.text)
        if merged.clean:
            log.warning(
                'page "%s": revision %d %s was saved after revision %d; merged with it',
                title,
                other,
                who,
                base.revid,
            )
            result = self._save(title, merged.text, stored, summary, depth + 1)
            note = (
                f"revision {other} {who} was saved after revision {base.revid}, while "
                f"wikisync saved; both edits were merged (revision {result.revid})"
            )
            if result.note:
                note += f"; {result.note}"
            return SaveResult(title, True, result.revid, result.timestamp, merged=other, note=note)
        restore = self._save(
            title,
            theirs.text,
            stored,
            f"wikisync : rétablit la révision {other} (conflit d'édition)",
            depth + 1,
        )
        raise EditConflictError(
            f'Page "{title}" changed since it was read: revision {other} ({who}) came after '
            f"revision {base.revid} while wikisync saved revision {ours}, and the edits "
            f"overlap; revision {other}'s text was put back (revision {restore.revid}), "
            "nothing was overwritten",
            title=title,
        )

    def _refused_conflict(self, title: str, text: str, base: PageText) -> SaveResult:
        """The wiki refused the save as an edit conflict: an earlier try of ours, or
        another edit in the way (named in the :class:`EditConflictError` raised)."""
        history = self._history(title, base)
        mine = self._mine(history, text)
        if mine is not None and mine.parentid == base.revid:
            # A lost reply: the first try was saved; the retry met an edit made after it.
            return self._lost_reply(title, mine, history)
        latest = history[-1] if history else self._latest_revision(title, base)
        if latest is None:
            raise self._gone(title, base)
        raise EditConflictError(
            f'Page "{title}" changed since it was read: revision {latest.revid} (by '
            f"{latest.user}) came after revision {base.revid}, and the edits overlap; "
            "nothing was overwritten",
            title=title,
        )

    def _nochange(
        self, title: str, text: str, base: PageText | None, summary: str, depth: int
    ) -> SaveResult:
        """Tell a true no-op from a save whose reply was lost (then retried), and from
        an edit made meanwhile that the wiki merged the save into.

        "nochange" says only that the wiki's merge of the save into the latest
        revision gave that revision's text back: it does not say that the
        latest revision holds this text, nor who made it. So the history since
        the base is read: a revision of this account with this very text
        (same SHA-1) on top of the base is the save (its reply was lost);
        anything else is someone's edit, merged three-way with the base or
        reported as a conflict, never saved over.
        """
        if base is None:
            return SaveResult(title, False, 0, "")
        latest = self._latest_revision(title, base, content=True)
        if latest is None:
            raise self._gone(title, base)
        if latest.revid == base.revid:
            return SaveResult(title, False, base.revid, base.timestamp)
        history = self._history(title, base)
        mine = self._mine(history, text)
        if mine is not None:
            if mine.parentid == base.revid:
                return self._lost_reply(title, mine, history)
            if mine.revid == latest.revid:  # it overwrote an edit in between: mend it
                return self._reconcile(title, text, base, summary, depth, mine.revid, mine.parentid)
        who = latest.user or "someone"
        if latest.text is None:
            raise EditConflictError(
                f'Page "{title}" changed since it was read: revision {latest.revid} (by {who}) '
                f"came after revision {base.revid} and could not be read; nothing was saved",
                title=title,
            )
        if _stored_form(latest.text) == _stored_form(text):
            note = f"{who} saved this very text meanwhile (revision {latest.revid})"
            return SaveResult(title, False, latest.revid, latest.timestamp, note=note)
        merged = merge_texts(base.wikitext, text, latest.text)
        if merged.clean and _stored_form(merged.text) == _stored_form(latest.text):
            note = (
                f"{_by(history)} made this change meanwhile, with more; revision "
                f"{latest.revid} holds both, nothing was saved"
            )
            return SaveResult(title, False, latest.revid, latest.timestamp, note=note)
        if merged.clean and depth < MAX_RECONCILE:
            stored = PageText(
                title, latest.text, latest.revid, latest.timestamp, base.ns, base.pageid
            )
            result = self._save(title, merged.text, stored, summary, depth + 1)
            note = (
                f"revision {latest.revid} by {who} was saved after revision {base.revid}; "
                f"both edits were merged (revision {result.revid})"
            )
            return SaveResult(
                title,
                result.changed,
                result.revid,
                result.timestamp,
                merged=latest.revid,
                note=note,
            )
        raise EditConflictError(
            f'Page "{title}" changed since it was read: revision {latest.revid} (by {who}) '
            f"came after revision {base.revid}, and the edits overlap; nothing was overwritten",
            title=title,
        )

    def _lost_reply(self, title: str, mine: _Revision, history: list[_Revision]) -> SaveResult:
        """The save was made in ``mine`` (its reply lost); later edits are kept as they are."""
        later = [revision for revision in history if revision.revid > mine.revid]
        note = (
            f"saved in revision {mine.revid} (its reply was lost on the way, then the save "
            "was retried)"
        )
        if later:
            note += f"; {_by(later)} came after it and were kept"
        log.info('page "%s": %s', title, note)
        return SaveResult(title, True, mine.revid, mine.timestamp, note=note)

    def _created_already(self, title: str, text: str) -> SaveResult:
        """A create refused as ``articleexists``: ours (a lost reply) or someone's."""
        reply = self.client.call(
            "query",
            titles=title,
            prop="revisions|info",
            rvprop="ids|timestamp|user|sha1",
            rvdir="newer",
            rvlimit="1",
            formatversion="2",
        )
        pages = (reply.get("query") or {}).get("pages") or []
        page = pages[0] if pages else {}
        first = _revision(page["revisions"][0]) if page.get("revisions") else None
        latest = int(page.get("lastrevid") or 0)
        if (
            first is not None
            and first.parentid == 0
            and first.sha1 == _sha1(text)
            and _same_user(first.user, self._username())
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

    def _check_creation(self, title: str, text: str, sent: float) -> None:
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
        me = self._username()
        ours = [
            at
            for at, event in enumerate(events)
            if event.get("type") == "create" and _same_user(str(event.get("user", "")), me)
        ]
        if not ours:
            return  # not created by us: sending it again (createonly) is safe
        created = events[ours[-1]]
        later = events[ours[-1] + 1 :]
        pageid = int(created.get("logpage") or created.get("pageid") or 0)
        page: dict[str, Any] = {"missing": True}
        if pageid:
            found = self.client.call(
                "query",
                pageids=str(pageid),
                prop="revisions|info",
                rvprop="ids|timestamp|user|sha1",
                rvdir="newer",
                rvlimit="1",
                formatversion="2",
            )
            pages = (found.get("query") or {}).get("pages") or []
            page = pages[0] if pages else page
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
        first = _revision(page["revisions"][0])
        if first.parentid or first.sha1 != _sha1(text) or not _same_user(first.user, me):
            return  # another text (an earlier run's): createonly refuses it as it should
        now = str(page.get("title") or title)
        latest = int(page.get("lastrevid") or first.revid)
        note = (
            f"created in revision {first.revid} (its reply was lost on the way; found in the "
            "wiki's log before sending it again)"
        )
        moved_to = ""
        if self._normal(now) != self._normal(title):
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

    def _gone(self, title: str, base: PageText) -> EditConflictError:
        """The page is no longer at ``title``: moved (naming its new title), or deleted."""
        now = None
        if base.pageid:
            reply = self.client.call(
                "query", pageids=str(base.pageid), prop="info", formatversion="2"
            )
            pages = (reply.get("query") or {}).get("pages") or []
            if pages and not pages[0].get("missing") and pages[0].get("title"):
                now = str(pages[0]["title"])
        if now is not None and self._normal(now) != self._normal(base.title or title):
            return PageMovedError(
                f'Page "{title}" was moved to "{now}" since it was read (at revision '
                f"{base.revid}); nothing was saved, its old title was left as it is",
                title=title,
                new_title=now,
            )
        return PageDeletedError(
            f'Page "{title}" was deleted since it was read (at revision {base.revid}); '
            "nothing was saved, and it was not re-created",
            title=title,
        )

    def _moved_to(self, title: str, base: PageText | None, edit: dict[str, Any]) -> str:
        """The page's new title when a save by page id found it moved, else ``""``."""
        saved = str(edit.get("title") or "")
        if base is None or not base.pageid or not saved:
            return ""
        if self._normal(saved) == self._normal(base.title or title):
            return ""
        log.warning('page "%s" was moved to "%s" meanwhile; saved there', title, saved)
        return saved

    def _normal(self, title: str) -> str:
        namespaces = getattr(self.client, "namespaces", None)
        try:
            return str(namespaces.normalize(title)) if namespaces is not None else title
        except ValueError:
            return title

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

    def _latest_revision(
        self, title: str, base: PageText | None = None, *, content: bool = False
    ) -> _Revision | None:
        reply = self.client.call(
            "query",
            prop="revisions",
            rvprop="ids|timestamp|user|sha1" + ("|content" if content else ""),
            rvslots="main" if content else None,
            formatversion="2",
            **_which(title, base, query=True),
        )
        pages = (reply.get("query") or {}).get("pages") or []
        if not pages or pages[0].get("missing") or not pages[0].get("revisions"):
            return None
        return _revision(pages[0]["revisions"][0])

    def _history(self, title: str, base: PageText, *, before: int = 0) -> list[_Revision]:
        """The page's revisions after the base (before ``before`` when given), oldest first."""
        reply = self.client.call(
            "query",
            prop="revisions",
            rvprop="ids|timestamp|user|sha1",
            rvdir="newer",
            rvstartid=str(base.revid),
            rvlimit="max",
            formatversion="2",
            **_which(title, base, query=True),
        )
        pages = (reply.get("query") or {}).get("pages") or []
        if "error" in reply or not pages or pages[0].get("missing"):
            return []
        revisions = [_revision(raw) for raw in pages[0].get("revisions") or []]
        return [
            revision
            for revision in revisions
            if revision.revid > base.revid and (not before or revision.revid < before)
        ]

    def _mine(self, history: list[_Revision], text: str) -> _Revision | None:
        """The first revision in ``history`` made by this account with exactly ``text``."""
        digest, me = _sha1(text), self._username()
        return next(
            (rev for rev in history if rev.sha1 == digest and _same_user(rev.user, me)), None
        )

    def _revisions(self, revids: list[int]) -> dict[int, _Revision]:
        reply = self.client.call(
            "query",
            revids="|".join(str(r) for r in revids),
            prop="revisions",
            rvprop="ids|timestamp|user|content",
            rvslots="main",
            formatversion="2",
        )
        found: dict[int, _Revision] = {}
        for page in (reply.get("query") or {}).get("pages") or []:
            for raw in page.get("revisions") or []:
                revision = _revision(raw)
                found[revision.revid] = revision
        return found

    def _username(self) -> str:
        return str(getattr(self.client.site, "username", "") or "")


class _Created(Exception):
    """A creation whose reply was lost was found made (raised out of the client's retry)."""

    def __init__(self, result: SaveResult) -> None:
        super().__init__(result.title)
        self.result = result


def _which(title: str, base: PageText | None, *, query: bool = False) -> dict[str, Any]:
    """The page an edit (or a query) names: by page id when the base knows it, else by title."""
    plural = "s" if query else ""
    if base is not None and base.pageid:
        return {f"pageid{plural}": str(base.pageid)}
    return {f"title{plural}": title}


def _revision(raw: dict[str, Any]) -> _Revision:
    slot = (raw.get("slots") or {}).get("main") or {}
    content = slot.get("content", raw.get("content"))
    return _Revision(
        int(raw["revid"]),
        int(raw.get("parentid") or 0),
        str(raw.get("timestamp", "")),
        str(raw.get("user", "")),
        str(content) if content is not None else None,
        str(raw.get("sha1", "")),
    )


def _by(revisions: list[_Revision]) -> str:
    """``revision 12 by Admin`` / ``revisions 12, 13 by Admin, Bob`` for people."""
    if not revisions:
        return "no revision"
    ids = ", ".join(str(revision.revid) for revision in revisions)
    users = ", ".join(dict.fromkeys(revision.user or "someone" for revision in revisions))
    return f"revision{'s' if len(revisions) > 1 else ''} {ids} by {users}"


def _same_user(first: str, second: str) -> bool:
    def norm(name: str) -> str:
        name = name.replace("_", " ").strip()
        return name[:1].upper() + name[1:]

    return bool(first) and norm(first) == norm(second)


def _stored_form(text: str) -> str:
    """A text as MediaWiki stores it: NFC, LF line ends, no trailing whitespace."""
    return stored_text(text).rstrip()


def _sha1(text: str) -> str:
    """The SHA-1 (hex, as the API gives it) of a revision holding ``text``.

    MediaWiki trims trailing white space (PHP's ``rtrim``) before storing; a
    text it transforms further when saving (signatures, ``subst:``, the pipe
    trick) is not recognised, which errs on the safe side (taken for
    someone else's edit, never for wikisync's).
    """
    stored = stored_text(text).rstrip(" \t\n\r\0\x0b")
    return hashlib.sha1(stored.encode("utf-8")).hexdigest()


# What each conflict the wiki reports means, for people.
_CONFLICTS = {
    "editconflict": "changed since it was read (revision {revid} is no longer the latest)",
    "articleexists": "exists already",
    "missingtitle": "was deleted since it was read (at revision {revid})",
    "pagedeleted": "was deleted since it was read (at revision {revid})",
}

# The errors of a save to a page that is no longer there (deleted or moved away).
_GONE = frozenset({"missingtitle", "pagedeleted", "nosuchpageid"})
