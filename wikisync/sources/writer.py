"""Conflict-safe saves to a live wiki, shared by every command that writes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wikisync.errors import EditConflictError, PublishError
from wikisync.merge import merge_texts
from wikisync.pages import PageText
from wikisync.sources.site import WikiClient, error_code
from wikisync.text import stored_text

log = logging.getLogger(__name__)

#: How many times one save may find another edit and try again (merge or restore).
MAX_RECONCILE = 3


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did.

    Attributes:
        title: the page saved.
        changed: False when the wiki already held exactly this text (no
            revision made by this save).
        revid: the page's latest revision after the save (the new one, or the
            one that already held the text).
        timestamp: that revision's time, ISO 8601 UTC.
        created: True when the save created the page.
        merged: the revision of another edit made while saving that was
            merged into the saved text (0: none).
        note: what happened beyond a plain save, for people (``""`` when
            nothing did): another edit merged in, a lost reply resolved.
    """

    title: str
    changed: bool
    revid: int
    timestamp: str
    created: bool = False
    merged: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Revision:
    revid: int
    parentid: int
    timestamp: str
    user: str
    text: str | None = None


class _Unknown:
    pass


_UNKNOWN = _Unknown()

#: Called with the page's title just before each edit request is sent.
BeforeEdit = Callable[[str], None]


class WikiWriter:
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

    - a three-way merge (:func:`~wikisync.merge.merge_texts`) of the base
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

    A reply lost on the wire is resolved by reading the page back: when a
    retried save comes back ``nochange`` but the latest revision is not the
    base, that revision holds exactly this text; when it was made by this
    account on top of the base, the save is reported as made (``changed``,
    its revision); otherwise it goes through the same check as above.

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
        self._latest: dict[str, int | None] = {}

    @property
    def batch_size(self) -> int:
        """How many titles one query may name: 500 with ``apihighlimits``, else 50."""
        return 500 if getattr(self.client, "high_limits", False) else 50

    def latest(self, title: str) -> tuple[int, str] | None:
        """The page's latest revision id and timestamp, or None if it does not exist."""
        revision = self._latest_revision(title)
        return (revision.revid, revision.timestamp) if revision is not None else None

    def check_latest(self, titles: Iterable[str]) -> dict[str, int | None]:
        """Read the latest revision ids of many pages, one query per batch.

        The answers are kept until the next call: the next :meth:`save` of
        each title compares its base with it before sending anything (and
        forgets it).

        Returns:
            Per title, its latest revision id, or None when the page is missing.
        """
        wanted = list(dict.fromkeys(titles))
        found: dict[str, int | None] = {}
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
                found[title] = None if page.get("missing") else int(page.get("lastrevid") or 0)
        self._latest = dict(found)
        return found

    def save(
        self,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
    ) -> SaveResult:
        """Save ``text`` to ``title`` if the page is still at ``base``'s revision.

        One request when nothing else happens; see the class for the check of
        the reply and what is done when another edit came in between.

        Args:
            title: the page.
            text: the new wikitext.
            base: the revision the text was computed from; None to create a
                page that must not exist yet.
            summary: the edit summary.

        Returns:
            What happened (``changed`` False for a no-op; ``merged`` and
            ``note`` when another edit was merged in).

        Raises:
            EditConflictError: the page changed (or appeared, or was deleted)
                since ``base`` and the change could not be merged; the message
                names the revisions, and the page holds the other edit's text.
            PublishError: the wiki refused the edit (protected page, spam
                filter, blocked account…).
        """
        known = self._latest.pop(title, _UNKNOWN)
        if not isinstance(known, _Unknown):
            _check_known(title, base, known)
        return self._save(title, text, base, summary, 0)

    # -- one save and its check -------------------------------------------------------

    def _save(
        self, title: str, text: str, base: PageText | None, summary: str, depth: int
    ) -> SaveResult:
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
        reply = self._edit(title, params)
        if "error" in reply:
            code = str(reply["error"].get("code"))
            info = str(reply["error"].get("info", ""))
            if code == "articleexists" and base is None:
                return self._created_already(title, text)
            if code == "editconflict" and base is not None:
                raise self._refused_conflict(title, base)
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
            return self._nochange(title, text, base, summary, depth)
        revid = int(edit["newrevid"])
        timestamp = str(edit.get("newtimestamp", ""))
        if base is None:  # createonly: nothing can have come in between
            return SaveResult(title, True, revid, timestamp, created=bool(edit.get("new")))
        replaced = int(edit.get("oldrevid") or 0)
        if replaced == base.revid:
            return SaveResult(title, True, revid, timestamp)
        return self._reconcile(title, text, base, summary, depth, revid, replaced)

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

        Revision ``ours`` is the latest, made over ``other`` (another edit made
        after the base): merge the three texts and save the result over
        ``ours``, or put ``other``'s text back and report the conflict.
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

    def _refused_conflict(self, title: str, base: PageText) -> EditConflictError:
        """The wiki refused the save as an edit conflict: name the revision in the way."""
        latest = self._latest_revision(title)
        other = (
            f"revision {latest.revid} (by {latest.user}) came after revision {base.revid}"
            if latest is not None
            else f"it was at revision {base.revid} and was deleted"
        )
        return EditConflictError(
            f'Page "{title}" changed since it was read: {other}, and the edits overlap; '
            "nothing was overwritten",
            title=title,
        )

    def _nochange(
        self, title: str, text: str, base: PageText | None, summary: str, depth: int
    ) -> SaveResult:
        """Tell a true no-op from a save whose reply was lost (then retried)."""
        if base is None:
            return SaveResult(title, False, 0, "")
        latest = self._latest_revision(title)
        if latest is None:
            raise EditConflictError(
                f'Page "{title}" was deleted since it was read (at revision {base.revid}); '
                "nothing was overwritten",
                title=title,
            )
        if latest.revid == base.revid:
            return SaveResult(title, False, base.revid, base.timestamp)
        # The wiki found this text in its latest revision, which is not the base.
        if latest.parentid == base.revid:
            if _same_user(latest.user, self._username()):
                note = (
                    f"the wiki already held this text in revision {latest.revid}, saved by "
                    "this account over the base (a reply lost on the way, then retried)"
                )
                log.info('page "%s": %s', title, note)
                return SaveResult(title, True, latest.revid, latest.timestamp, note=note)
            note = f"{latest.user} saved this very text meanwhile (revision {latest.revid})"
            return SaveResult(title, False, latest.revid, latest.timestamp, note=note)
        return self._reconcile(title, text, base, summary, depth, latest.revid, latest.parentid)

    def _created_already(self, title: str, text: str) -> SaveResult:
        """A create refused as ``articleexists``: ours (a lost reply) or someone's."""
        latest = self._latest_revision(title, content=True)
        if (
            latest is not None
            and latest.parentid == 0
            and latest.text is not None
            and _stored_form(latest.text) == _stored_form(text)
            and _same_user(latest.user, self._username())
        ):
            note = (
                f"created by this account in revision {latest.revid} (a reply lost on the "
                "way, then retried)"
            )
            return SaveResult(title, True, latest.revid, latest.timestamp, True, note=note)
        where = f" (revision {latest.revid})" if latest is not None else ""
        raise EditConflictError(
            f'Page "{title}" exists already{where}; it was not overwritten', title=title
        )

    # -- requests ---------------------------------------------------------------------

    def _edit(self, title: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.before_edit is not None:
            self.before_edit(title)
        for attempt in range(2):
            params["token"] = self.client.site.get_token("csrf", force=attempt > 0)
            reply = self.client.call("edit", http_method="POST", **params)
            if error_code(reply) != "badtoken":
                return reply
        return reply

    def _latest_revision(self, title: str, *, content: bool = False) -> _Revision | None:
        reply = self.client.call(
            "query",
            titles=title,
            prop="revisions",
            rvprop="ids|timestamp|user" + ("|content" if content else ""),
            rvslots="main" if content else None,
            formatversion="2",
        )
        pages = (reply.get("query") or {}).get("pages") or []
        if not pages or pages[0].get("missing") or not pages[0].get("revisions"):
            return None
        return _revision(pages[0]["revisions"][0])

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


def _revision(raw: dict[str, Any]) -> _Revision:
    slot = (raw.get("slots") or {}).get("main") or {}
    content = slot.get("content", raw.get("content"))
    return _Revision(
        int(raw["revid"]),
        int(raw.get("parentid") or 0),
        str(raw.get("timestamp", "")),
        str(raw.get("user", "")),
        str(content) if content is not None else None,
    )


def _check_known(title: str, base: PageText | None, latest: int | None) -> None:
    """Refuse, before sending anything, a save that a batch check showed stale."""
    if base is None and latest is not None:
        raise EditConflictError(
            f'Page "{title}" exists already (revision {latest}); it was not overwritten',
            title=title,
        )
    if base is not None and latest != base.revid:
        now = "was deleted" if latest is None else f"is at revision {latest}"
        raise EditConflictError(
            f'Page "{title}" changed since it was read: it was at revision {base.revid} '
            f"and now {now}; nothing was overwritten",
            title=title,
        )


def _same_user(first: str, second: str) -> bool:
    def norm(name: str) -> str:
        name = name.replace("_", " ").strip()
        return name[:1].upper() + name[1:]

    return bool(first) and norm(first) == norm(second)


def _stored_form(text: str) -> str:
    """A text as MediaWiki stores it: NFC, LF line ends, no trailing whitespace."""
    return stored_text(text).rstrip()


# What each conflict the wiki reports means, for people.
_CONFLICTS = {
    "editconflict": "changed since it was read (revision {revid} is no longer the latest)",
    "articleexists": "exists already",
    "missingtitle": "was deleted since it was read (at revision {revid})",
    "pagedeleted": "was deleted since it was read (at revision {revid})",
}
