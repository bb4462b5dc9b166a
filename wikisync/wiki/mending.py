"""Mending a save to a live wiki that met another edit: merge, put back, or report.

:class:`_Mending` is the part of :class:`~wikisync.wiki.writer.WikiWriter` that
reads the page's history after a save whose reply shows another revision in
the way (a retried save whose first reply was lost, someone's edit merged
three-way, a conflict whose other text is put back), after a refused save and
after "nochange"; the writer's class docstring tells the whole story.
"""

from __future__ import annotations

import logging

from wikisync.core.errors import EditConflictError, PageDeletedError, PageMovedError
from wikisync.core.merge import merge_texts
from wikisync.core.pages import PageText
from wikisync.ports.target import SaveResult
from wikisync.wiki.history import PageHistory, Revision, by_people, stored_form
from wikisync.wiki.site import WikiClient

__all__ = ["MAX_RECONCILE"]

log = logging.getLogger("wikisync.wiki.writer")

#: How many times one save may find another edit and try again (merge or restore).
MAX_RECONCILE = 3


class _Mending:
    """What a save does when the wiki's reply shows another edit: the writer's other half."""

    client: WikiClient
    history: PageHistory

    def _save(
        self, title: str, text: str, base: PageText | None, summary: str, depth: int
    ) -> SaveResult:  # pragma: no cover - WikiWriter's
        raise NotImplementedError

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


def _stored(title: str, revision: Revision, base: PageText) -> PageText:
    """A revision read back, as the base of the save that mends it."""
    return PageText(
        title, revision.text or "", revision.revid, revision.timestamp, base.ns, base.pageid
    )
