"""Conflict-safe saves to a live wiki, shared by every command that writes."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from wikisync.core.errors import (
    EditConflictError,
    PageDeletedError,
    PageMovedError,
    PublishError,
)
from wikisync.core.merge import merge_texts
from wikisync.core.pages import PageText
from wikisync.ports.target import SaveResult, Target
from wikisync.wiki.history import (
    PageHistory,
    Revision,
    _Created,
    by_people,
    page_which,
    stored_form,
)
from wikisync.wiki.site import WikiClient
from wikisync.wiki.transport import error_code

log = logging.getLogger(__name__)

#: How many times one save may find another edit and try again (merge or restore).
MAX_RECONCILE = 3

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
            content_model: the page's content model (``json``, ``GeoJSON``),
                sent with each save of this page; ``""``: the page's own.

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
        if self._content_model:
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
        history = self.history.since(title, base, before=made)
        mine = self.history.mine(history, text)
        if mine is None or mine.parentid != base.revid:
            return self._reconcile(title, text, base, summary, depth, made, replaced)
        pair = self.history.pair(made, replaced)
        later = [revision for revision in history if revision.revid > mine.revid]
        if pair is None:
            raise EditConflictError(
                f'Page "{title}" was saved in revision {mine.revid} (its reply was lost), then '
                f"{by_people(later)} came after it and the retried save made revision {made}, "
                "which could not be read back to undo it: check the page's history",
                title=title,
            )
        ours, theirs = pair
        stored = _stored(title, ours, base)
        restore = self._put_back(title, theirs, stored, "sauvegarde répétée", depth)
        note = (
            f"saved in revision {mine.revid} (its reply was lost on the way); {by_people(later)} "
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
        pair = self.history.pair(ours, other)
        who = f"by {pair[1].user}" if pair is not None and pair[1].user else "by someone"
        if pair is None:
            raise EditConflictError(
                f'Page "{title}" changed while it was saved: revision {other} ({who}) came '
                f"after revision {base.revid}, and revision {ours} could not be read back to "
                "mend it: check the page's history",
                title=title,
            )
        mine, theirs = pair
        stored = _stored(title, mine, base)
        if depth >= MAX_RECONCILE:
            raise EditConflictError(
                f'Page "{title}" kept changing while it was saved (revision {other} {who} '
                f"after revision {base.revid}); its latest revision {ours} may hold a text "
                "wikisync did not check: look at the page's history",
                title=title,
            )
        merged = merge_texts(base.wikitext, text, theirs.text or "")
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
        restore = self._put_back(title, theirs, stored, "conflit d'édition", depth)
        raise EditConflictError(
            f'Page "{title}" changed since it was read: revision {other} ({who}) came after '
            f"revision {base.revid} while wikisync saved revision {ours}, and the edits "
            f"overlap; revision {other}'s text was put back (revision {restore.revid}), "
            "nothing was overwritten",
            title=title,
        )

    def _put_back(
        self, title: str, theirs: Revision, stored: PageText, why: str, depth: int
    ) -> SaveResult:
        """Save ``theirs``'s text again over ``stored`` (undoing what this save did)."""
        summary = f"wikisync : rétablit la révision {theirs.revid} ({why})"
        return self._save(title, theirs.text or "", stored, summary, depth + 1)

    def _refused_conflict(self, title: str, text: str, base: PageText) -> SaveResult:
        """The wiki refused the save as an edit conflict: an earlier try of ours, or
        another edit in the way (named in the :class:`EditConflictError` raised)."""
        history = self.history.since(title, base)
        mine = self.history.mine(history, text)
        if mine is not None and mine.parentid == base.revid:
            # A lost reply: the first try was saved; the retry met an edit made after it.
            return self._lost_reply(title, mine, history)
        latest = history[-1] if history else self.history.latest(title, base)
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
        latest = self.history.latest(title, base, content=True)
        if latest is None:
            raise self._gone(title, base)
        if latest.revid == base.revid:
            return SaveResult(title, False, base.revid, base.timestamp)
        history = self.history.since(title, base)
        mine = self.history.mine(history, text)
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
        if stored_form(latest.text) == stored_form(text):
            note = f"{who} saved this very text meanwhile (revision {latest.revid})"
            return SaveResult(title, False, latest.revid, latest.timestamp, note=note)
        merged = merge_texts(base.wikitext, text, latest.text)
        if merged.clean and stored_form(merged.text) == stored_form(latest.text):
            note = (
                f"{by_people(history)} made this change meanwhile, with more; revision "
                f"{latest.revid} holds both, nothing was saved"
            )
            return SaveResult(title, False, latest.revid, latest.timestamp, note=note)
        if merged.clean and depth < MAX_RECONCILE:
            stored = _stored(title, latest, base)
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

    def _lost_reply(self, title: str, mine: Revision, history: list[Revision]) -> SaveResult:
        """The save was made in ``mine`` (its reply lost); later edits are kept as they are."""
        later = [revision for revision in history if revision.revid > mine.revid]
        note = (
            f"saved in revision {mine.revid} (its reply was lost on the way, then the save "
            "was retried)"
        )
        if later:
            note += f"; {by_people(later)} came after it and were kept"
        log.info('page "%s": %s', title, note)
        return SaveResult(title, True, mine.revid, mine.timestamp, note=note)

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
        if now is not None and self.history.normal(now) != self.history.normal(base.title or title):
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


def _stored(title: str, revision: Revision, base: PageText) -> PageText:
    """A revision read back, as the base of the save that mends it."""
    return PageText(
        title, revision.text or "", revision.revid, revision.timestamp, base.ns, base.pageid
    )
