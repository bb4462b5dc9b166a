"""Safe publishing, shared by every command that writes: no-op skip, diffs, conflicts.

An :class:`Edit` is a planned change to one page: the revision it was
computed from (its base) and the new text. It is pure data: :func:`plan_edit`
makes one, :meth:`Edit.diff` shows it. Saving goes through a :class:`Target`:
the live wiki (:class:`~wikisync.wiki.writer.WikiWriter`, which sends
``baserevid``/``basetimestamp`` and checks in the reply that the revision it
replaced was the base, merging or reporting an edit made meanwhile) or a local
mirror folder (:class:`~wikisync.mirror.target.MirrorTarget`, which writes the page's file
as a local edit, to be sent later by ``push``).
:func:`~wikisync.sources.open_target` picks the right one for a source.

:func:`publish_page` is the loop every writing command uses: read the page,
compute the new text, skip the save when nothing changed, print nothing and
write nothing on a dry run, and on an edit conflict read the page again and
compute again, a bounded number of times, so that a concurrent human edit is
never overwritten. A refused page (a guard of :mod:`wikisync.core.sections`, a
conflict that outlasts the retries) is a result, not an exception: a batch
goes on with the next page.

The reviewable changesets of ``wikisync plan`` and ``apply`` are in
:mod:`wikisync.ops.changeset`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from wikisync.core.diffs import line_changes, unified_diff
from wikisync.core.errors import (
    PAGE_REFUSALS,
    EditConflictError,
    PageDeletedError,
    PageMovedError,
    PublishError,
)
from wikisync.core.pages import PageText
from wikisync.core.said import message_of
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source
from wikisync.ports.target import Target
from wikisync.sources import open_target

__all__ = [
    "DEFAULT_RETRIES",
    "NOT_AS_ASKED",
    "Edit",
    "PublishResult",
    "Status",
    "Target",
    "open_target",
    "plan_edit",
    "publish_page",
    "read_page",
    "utc_now",
]

log = logging.getLogger(__name__)

#: How many times a page is read and computed again after an edit conflict.
DEFAULT_RETRIES = 2

#: What happened to one page (an :class:`~wikisync.ports.outcome.Outcome`; the name stays for
#: callers of the library). ``unchanged``: the new text is the current text, nothing sent;
#: ``edited``/``created``: saved; ``planned``: a dry run or a plan, nothing saved;
#: ``refused``: a guard said no (markers, hand edit, shrink, missing page);
#: ``conflict``: the page kept changing under us, or changed since the plan;
#: ``deleted``: the page was deleted after it was read; nothing saved, never re-created;
#: ``moved``: the page was moved after it was read (the message names its new
#: title and says whether the edit went to it there); its old title is never written;
#: ``not done``: a run stopped by a signal did not get to the page.
Status = Outcome

#: The statuses of a page the run did not do as asked, because of someone else's
#: change or a guard: exit code 3.
NOT_AS_ASKED = frozenset({Outcome.REFUSED, Outcome.CONFLICT, Outcome.DELETED, Outcome.MOVED})


@dataclass(frozen=True, slots=True)
class Edit:
    """A planned change to one page.

    Attributes:
        title: the page.
        old_text: the base revision's text, or None for a page to create.
        new_text: the text to save.
        base_revid: the base revision id (0 for a page to create, or a page
            that exists only in a mirror).
        base_timestamp: the base revision's time, ISO 8601 UTC, or ``""``.
        summary: the edit summary.
    """

    title: str
    old_text: str | None
    new_text: str
    base_revid: int = 0
    base_timestamp: str = ""
    summary: str = ""

    @property
    def changed(self) -> bool:
        """False when saving would change nothing."""
        return self.old_text != self.new_text

    @property
    def base(self) -> PageText | None:
        """The base revision as a PageText, or None for a page to create."""
        if self.old_text is None:
            return None
        return PageText(self.title, self.old_text, self.base_revid, self.base_timestamp)

    def diff(self, *, color: bool = False) -> str:
        """The unified diff from the base to the new text (``""`` when unchanged)."""
        return unified_diff(self.old_text or "", self.new_text, self.title, color=color)

    def line_changes(self) -> tuple[int, int]:
        """Lines added and removed by the edit (as its diff shows them)."""
        return line_changes(self.old_text or "", self.new_text)


def plan_edit(title: str, current: PageText | None, new_text: str, *, summary: str) -> Edit:
    """Make the :class:`Edit` that turns ``current`` into ``new_text``.

    Args:
        title: the page.
        current: the page as read, or None when it does not exist.
        new_text: the wanted text.
        summary: the edit summary.
    """
    if current is None:
        return Edit(title, None, new_text, summary=summary)
    return Edit(title, current.wikitext, new_text, current.revid, current.timestamp, summary)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What publishing one page did.

    Attributes:
        title: the page.
        status: see :data:`Status`.
        edit: the last edit computed (None when the page was refused before).
        revid: the page's revision after the save, when saved.
        attempts: how many times the page was read and computed.
        message: why a page was refused or in conflict; for a saved page, what
            the save had to do beyond saving (another edit merged in, a lost
            reply resolved), from :attr:`SaveResult.note`; ``""`` otherwise.
        needs: for a refused page, what would let it through (the refusal's
            :attr:`~wikisync.core.errors.WikisyncError.needs`), else ``""``.
    """

    title: str
    status: Status
    edit: Edit | None = None
    revid: int | None = None
    attempts: int = 1
    message: str = ""
    needs: str = ""

    @property
    def ok(self) -> bool:
        """True unless the page was refused, in conflict, deleted or moved meanwhile."""
        return self.status not in NOT_AS_ASKED

    def diff_stats(self) -> tuple[int, int]:
        """Lines added and removed (0, 0 without a change)."""
        return self.edit.line_changes() if self.edit is not None else (0, 0)


def read_page(source: Source, title: str) -> PageText | None:
    """Read one page afresh, or None when it does not exist."""
    found = source.fetch_titles([title])
    return found.pages[0] if found.pages else None


def publish_page(
    source: Source,
    target: Target | None,
    title: str,
    make_text: Callable[[PageText | None], str],
    *,
    summary: str,
    dry_run: bool = False,
    retries: int = DEFAULT_RETRIES,
    current: PageText | None = None,
    content_model: str = "",
) -> PublishResult:
    """Read a page, compute its new text and save it safely.

    The text is saved only when it differs from the page's, and only if the
    page is still at the revision read: on an edit conflict the page is read
    and ``make_text`` called again (so a human edit outside the generated part
    is kept, and one inside it is refused by the guards), up to ``retries``
    more times; then the conflict is reported. A page read as existing and
    found missing later (deleted meanwhile) is reported ``deleted`` and never
    handed to ``make_text`` as a page to create; one moved meanwhile is
    ``moved``, its old title (a redirect now) never written.

    Args:
        source: where the page is read from (also after a conflict).
        target: where it is saved; may be None when ``dry_run``.
        title: the page.
        make_text: from the current page (None when missing) to the new text;
            may raise one of :data:`~wikisync.core.errors.PAGE_REFUSALS` to refuse
            (a :class:`~wikisync.core.errors.PublishError`, a section guard's
            :class:`~wikisync.core.errors.SectionError`, a
            :class:`~wikisync.core.errors.MissingPageError`).
        summary: the edit summary.
        dry_run: compute only; the result's status is ``planned`` when the
            text would change.
        retries: how many more times to try after an edit conflict.
        current: the page, when the caller has just read it (saves a request).
        content_model: save the page with this content model (``json``,
            ``GeoJSON``); ``""``: the page's own.

    Returns:
        What happened; refusals and conflicts are results, not exceptions.

    Raises:
        WikisyncError: anything else (the wiki unreachable, a bad template).
    """
    if retries < 0:
        raise ValueError(f"retries should be 0 or more, got {retries}")
    if target is None and not dry_run:
        raise ValueError("a target is needed unless dry_run")
    result = _publish(
        source, target, title, make_text, summary, dry_run, retries, current, content_model
    )
    log_outcome(result)
    return result


def log_outcome(result: PublishResult) -> None:
    """One line of the run's log (``log_file``) for what became of a page."""
    revision = f" (revision {result.revid})" if result.revid else ""
    said = f": {result.message}" if result.message else ""
    log.info('page "%s": %s%s%s', result.title, result.status.value, revision, said)


def _publish(
    source: Source,
    target: Target | None,
    title: str,
    make_text: Callable[[PageText | None], str],
    summary: str,
    dry_run: bool,
    retries: int,
    current: PageText | None,
    content_model: str,
) -> PublishResult:
    page = current if current is not None else read_page(source, title)
    # A page read as existing that is missing later was deleted meanwhile: it
    # is reported, never handed to make_text as a page to create.
    existed = page is not None
    attempt = 1
    edit: Edit | None = None
    while True:
        if page is None and existed:
            return PublishResult(
                title,
                Outcome.DELETED,
                edit,
                attempts=attempt,
                message=f'Page "{title}" was deleted since it was read; nothing was saved, '
                "and it was not re-created",
            )
        try:
            edit = plan_edit(title, page, make_text(page), summary=summary)
        except PageDeletedError as exc:
            return PublishResult(
                title, Outcome.DELETED, None, attempts=attempt, message=message_of(exc)
            )
        except PageMovedError as exc:
            return PublishResult(
                title, Outcome.MOVED, None, attempts=attempt, message=message_of(exc)
            )
        except EditConflictError as exc:
            return PublishResult(
                title, Outcome.CONFLICT, None, attempts=attempt, message=message_of(exc)
            )
        except PAGE_REFUSALS as exc:
            return PublishResult(
                title,
                Outcome.REFUSED,
                None,
                attempts=attempt,
                message=message_of(exc),
                needs=exc.needs or "",
            )
        if not edit.changed:
            return PublishResult(
                title, Outcome.UNCHANGED, edit, page.revid if page else None, attempt
            )
        if dry_run or target is None:
            return PublishResult(title, Outcome.PLANNED, edit, attempts=attempt)
        try:
            # The page as read (its page id too, so a move is followed, never a redirect written).
            saved = target.save(
                title, edit.new_text, base=page, summary=summary, content_model=content_model
            )
        except PageDeletedError as exc:
            return PublishResult(
                title, Outcome.DELETED, edit, attempts=attempt, message=message_of(exc)
            )
        except PageMovedError as exc:
            return PublishResult(
                title, Outcome.MOVED, edit, attempts=attempt, message=message_of(exc)
            )
        except EditConflictError as exc:
            if attempt > retries:
                return PublishResult(
                    title,
                    Outcome.CONFLICT,
                    edit,
                    attempts=attempt,
                    message=f"{exc} (gave up after {attempt} attempts)",
                )
            log.info("%s; reading it again (attempt %d)", exc, attempt + 1)
            attempt += 1
            page = read_page(source, title)
            continue
        except PublishError as exc:
            return PublishResult(
                title,
                Outcome.REFUSED,
                edit,
                attempts=attempt,
                message=message_of(exc),
                needs=exc.needs or "",
            )
        if saved.moved_to:
            message = (
                f'Page "{title}" was moved to "{saved.moved_to}" while it was saved; the edit '
                f"went to the page there (revision {saved.revid}), its old title was left as it is"
            )
            if saved.note:
                message += f"; {saved.note}"
            return PublishResult(title, Outcome.MOVED, edit, saved.revid, attempt, message)
        if not saved.changed:
            return PublishResult(title, Outcome.UNCHANGED, edit, saved.revid, attempt, saved.note)
        status = Outcome.CREATED if edit.old_text is None else Outcome.EDITED
        return PublishResult(title, status, edit, saved.revid, attempt, saved.note)


# -- helpers ------------------------------------------------------------------------


def utc_now() -> str:
    """The current time, ISO 8601 UTC to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
