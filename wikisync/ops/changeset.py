"""Changesets: the reviewable file of ``wikisync plan``, saved exactly by ``wikisync apply``.

A :class:`Changeset` holds one :class:`~wikisync.ops.publish.Edit` per page: the
base revision it was computed from and the new text (jobs that write one
page are composed into one edit by :func:`wikisync.ops.jobs.run.plan_jobs`).
:func:`write_changeset` and :func:`read_changeset` are its JSON file;
:func:`apply_changeset` saves exactly what it holds through a
:class:`~wikisync.ops.publish.Target`, skips any page that changed since it was
planned, leaves alone a page that already holds its planned text (so a run
applied again after an interruption saves only the rest), and stops between
pages when a signal asks it to (:mod:`wikisync.interrupt`).
:class:`ApplyReport` says what ``apply`` did (its JSON form is the report file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikisync.core.errors import (
    EditConflictError,
    PageDeletedError,
    PageMovedError,
    PublishError,
    SourceError,
)
from wikisync.core.pages import PageText
from wikisync.core.said import message_of
from wikisync.files import read_input, write_output
from wikisync.interrupt import stop_requested
from wikisync.loaders import parse_json
from wikisync.ops.publish import (
    Edit,
    PublishResult,
    Target,
    log_outcome,
    plan_edit,
    read_page,
)
from wikisync.ports.outcome import Outcome, ReportEntry, count_outcomes, report_fields
from wikisync.ports.source import Source

__all__ = [
    "CHANGESET_FORMAT",
    "ApplyReport",
    "Changeset",
    "apply_changeset",
    "read_changeset",
    "write_changeset",
]

#: Version of the changeset file written by ``wikisync plan``.
CHANGESET_FORMAT = 1
_CHANGESET_KIND = "wikisync-changeset"


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class Changeset:
    """A reviewable set of edits, as ``wikisync plan`` writes it and ``apply`` reads it.

    Attributes:
        site: the wiki URL or mirror folder the edits were planned against.
        created: when, ISO 8601 UTC.
        edits: the edits, each with its base revision and the new text.
        labels: per title, what made the edit (the jobs, comma-separated), for people.
        diffs: per title, the diff a changeset file shows (what was reviewed);
            empty for a changeset made in memory.
    """

    site: str
    created: str
    edits: tuple[Edit, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    diffs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The changeset as JSON data (the file format, see :func:`write_changeset`)."""
        return {
            "kind": _CHANGESET_KIND,
            "format": CHANGESET_FORMAT,
            "site": self.site,
            "created": self.created,
            "pages": [
                {
                    "title": edit.title,
                    "job": self.labels.get(edit.title, ""),
                    "create": edit.old_text is None,
                    "base_revid": edit.base_revid,
                    "base_timestamp": edit.base_timestamp,
                    "base_sha1": _sha1(edit.old_text) if edit.old_text is not None else None,
                    "summary": edit.summary,
                    "new_text": edit.new_text,
                    "diff": edit.diff(),
                }
                for edit in self.edits
            ],
        }


def write_changeset(changeset: Changeset, path: Path) -> None:
    """Write a changeset as indented JSON (UTF-8), atomically (``-``: standard output).

    The file holds ``kind``, ``format``, ``site``, ``created`` and ``pages``:
    per page its ``title``, ``job``, ``create``, ``base_revid``,
    ``base_timestamp``, ``base_sha1`` (of the base text), ``summary``,
    ``new_text`` and ``diff`` (what a reviewer reads; ``apply`` refuses a
    page whose diff does not turn the page it finds into ``new_text``).
    """
    text = json.dumps(changeset.to_dict(), ensure_ascii=False, indent=2) + "\n"
    write_output(path, text.encode("utf-8"))


def read_changeset(path: Path) -> tuple[Changeset, dict[str, str | None]]:
    """Read a changeset file (``-``: standard input).

    Returns:
        The changeset (its edits have no ``old_text`` for existing pages but
        an empty string: the text is not stored) and, per title, the SHA-1 of
        the base text (None for a page to create).

    Raises:
        SourceError: the file is missing, not JSON, or not a changeset; it
            names no site (a changeset is planned against one wiki and
            applies to that wiki only); a page has no ``diff``; a text holds
            a lone surrogate (no page can hold one).
    """
    try:
        data = parse_json(read_input(path).decode("utf-8"))
    except FileNotFoundError:
        raise SourceError(f"changeset {path} does not exist", path=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"changeset {path} cannot be read: {exc}", path=str(path)) from exc

    def bad(reason: str) -> SourceError:
        return SourceError(
            f"changeset {path}: {reason} (make it with 'wikisync plan')", path=str(path)
        )

    if not isinstance(data, dict) or data.get("kind") != _CHANGESET_KIND:
        raise bad("not a wikisync changeset")
    if data.get("format") != CHANGESET_FORMAT:
        raise bad(f"format {data.get('format')!r} is not {CHANGESET_FORMAT}")
    site = data.get("site")
    if not isinstance(site, str) or not site.strip():
        raise bad('it names no "site": a changeset applies only to the wiki it was planned for')
    pages = data.get("pages")
    if not isinstance(pages, list):
        raise bad('"pages" should be a list')
    edits: list[Edit] = []
    labels: dict[str, str] = {}
    bases: dict[str, str | None] = {}
    diffs: dict[str, str] = {}
    _refuse_surrogates({"site": site, "created": data.get("created")}, bad, "")
    for number, raw in enumerate(pages, start=1):
        try:
            title, new_text = raw["title"], raw["new_text"]
            create = bool(raw.get("create", False))
            revid = int(raw.get("base_revid") or 0)
            sha1 = raw.get("base_sha1")
            diff = raw.get("diff")
            if not isinstance(title, str) or not isinstance(new_text, str):
                raise TypeError("title and new_text should be strings")
            if not create and not isinstance(sha1, str):
                raise TypeError("base_sha1 should be a string")
            if not isinstance(diff, str):
                raise TypeError("diff should be a string (the change that was reviewed)")
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise bad(f"page {number}: {exc}") from None
        _refuse_surrogates(raw, bad, f"page {number}: ")
        if title in bases:
            raise bad(f'page {number}: "{title}" is planned twice (one edit per page)')
        edits.append(
            Edit(
                title,
                None if create else "",
                new_text,
                revid,
                str(raw.get("base_timestamp") or ""),
                str(raw.get("summary") or ""),
            )
        )
        labels[title] = str(raw.get("job") or "")
        bases[title] = None if create else sha1
        diffs[title] = diff
    changeset = Changeset(site, str(data.get("created") or ""), tuple(edits), labels, diffs)
    return changeset, bases


def _refuse_surrogates(raw: object, bad: Callable[[str], SourceError], where: str) -> None:
    # JSON may spell a lone surrogate ("\ud800"); no page, title or summary can hold one.
    if not isinstance(raw, dict):
        return
    for key, value in raw.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(value[exc.start])
                raise bad(
                    f'{where}"{key}" holds a lone surrogate (U+{code:04X}), which no page can hold'
                ) from None


def apply_changeset(
    changeset: Changeset,
    bases: dict[str, str | None],
    source: Source,
    target: Target,
    *,
    dry_run: bool = False,
    summary: str | None = None,
    on_page: Callable[[PublishResult], None] | None = None,
) -> list[PublishResult]:
    """Save exactly the changeset's edits, skipping any page that changed since the plan.

    The pages are read first, a batch at a time (one request for as many
    pages as the target checks at once, 50 or 500 on a live wiki), just before
    that batch is saved: a page whose revision or text is no longer the
    planned base (or that appeared, for a page to create) is skipped as a
    ``conflict``; the others are saved against the revision read, so a
    change made while applying is caught by the target too (its check of each
    save's reply): one request per saved page. No page is
    computed again: what was reviewed is what is saved. When a signal asks
    the run to stop (:mod:`wikisync.interrupt`), the page in flight is
    finished and the pages left are ``not done``. A page that already holds
    its planned text (but for trailing whitespace, which the wiki strips) is
    ``unchanged``, whatever its revision, so applying the same file again
    after an interruption saves only the pages left. A page whose diff in
    the file (:attr:`Changeset.diffs`) is not the change from the page read
    to the new text is ``refused``: the file was edited after review.

    Args:
        changeset: from :func:`read_changeset`.
        bases: per title, the SHA-1 of the planned base text (None: create).
        source: to read the pages' current revisions.
        target: where to save.
        dry_run: check only; a page that would be saved is ``planned`` (its
            edit, against the page as read now, gives the diff).
        summary: the edit summary, instead of the planned ones.
        on_page: called with each page's result as soon as it is known.

    Returns:
        One result per edit, in the changeset's order.
    """
    results: list[PublishResult] = []
    batch = max(target.precheck_size(), 1)
    read: dict[str, PageText | None] = {}
    for number, edit in enumerate(changeset.edits):
        if number % batch == 0 and batch > 1:
            read = _read_batch(source, changeset.edits[number : number + batch])
        if stop_requested():
            result = PublishResult(edit.title, Outcome.NOT_DONE, message="the run was stopped")
        else:
            current = read[edit.title] if edit.title in read else read_page(source, edit.title)
            result = _apply_one(
                edit,
                bases.get(edit.title),
                changeset.diffs.get(edit.title),
                current,
                target,
                dry_run,
                summary,
            )
        results.append(result)
        log_outcome(result)
        if on_page is not None:
            on_page(result)
    return results


def _read_batch(source: Source, edits: tuple[Edit, ...]) -> dict[str, PageText | None]:
    """The pages of a batch of edits, read in one request (or a few): per title as
    planned, the page, or None when it does not exist; a title the source spells
    otherwise is left out (read alone later)."""
    found = source.fetch_titles(edit.title for edit in edits)
    pages: dict[str, PageText | None] = {page.title: page for page in found.pages}
    pages.update(dict.fromkeys(found.missing))
    return {edit.title: pages[edit.title] for edit in edits if edit.title in pages}


def _apply_one(
    edit: Edit,
    expected: str | None,
    reviewed: str | None,
    current: PageText | None,
    target: Target,
    dry_run: bool,
    summary: str | None,
) -> PublishResult:
    if current is not None and current.wikitext.rstrip() == edit.new_text.rstrip():
        # Saved already (a rerun after an interruption, or by hand): nothing to do.
        return PublishResult(edit.title, Outcome.UNCHANGED, None, current.revid)
    message = ""
    if expected is None:
        if current is not None:
            message = f'Page "{edit.title}" was created since the plan; skipped'
    elif current is None:
        message = f'Page "{edit.title}" was deleted since the plan; skipped, not re-created'
    elif current.revid != edit.base_revid or _sha1(current.wikitext) != expected:
        message = (
            f'Page "{edit.title}" changed since the plan (planned on revision '
            f"{edit.base_revid}, now {current.revid}); skipped: plan again"
        )
    if message:
        return PublishResult(edit.title, Outcome.CONFLICT, message=message)
    text = summary or edit.summary
    planned = plan_edit(edit.title, current, edit.new_text, summary=text)
    if reviewed is not None and planned.diff() != reviewed:
        # The file was changed after the plan: what would be saved is not what was read.
        message = (
            f'Page "{edit.title}": the changeset\'s diff does not describe its new text; '
            "skipped: plan again"
        )
        return PublishResult(edit.title, Outcome.REFUSED, message=message)
    if dry_run:
        return PublishResult(edit.title, Outcome.PLANNED, planned)
    try:
        # The page as read (with its id: a page moved meanwhile is never written at its old title).
        saved = target.save(edit.title, edit.new_text, base=current, summary=text)
    except PageDeletedError as exc:
        return PublishResult(edit.title, Outcome.DELETED, planned, message=message_of(exc))
    except PageMovedError as exc:
        return PublishResult(edit.title, Outcome.MOVED, planned, message=message_of(exc))
    except EditConflictError as exc:
        return PublishResult(edit.title, Outcome.CONFLICT, planned, message=message_of(exc))
    except PublishError as exc:
        return PublishResult(edit.title, Outcome.REFUSED, planned, message=message_of(exc))
    status = Outcome.CREATED if planned.old_text is None else Outcome.EDITED
    if not saved.changed:
        status = Outcome.UNCHANGED
    message = saved.note
    if saved.moved_to:
        status = Outcome.MOVED
        message = (
            f'Page "{edit.title}" was moved to "{saved.moved_to}" while it was saved; the edit '
            f"went to the page there (revision {saved.revid})" + (f"; {message}" if message else "")
        )
    return PublishResult(edit.title, status, planned, saved.revid, message=message)


#: The order of an apply's counts.
_ORDER = (
    Outcome.EDITED,
    Outcome.CREATED,
    Outcome.PLANNED,
    Outcome.UNCHANGED,
    Outcome.CONFLICT,
    Outcome.DELETED,
    Outcome.MOVED,
    Outcome.REFUSED,
    Outcome.NOT_DONE,
)


@dataclass(slots=True)
class ApplyReport:
    """What ``wikisync apply`` did: per-page outcomes, and its JSON form.

    Attributes:
        changeset: the changeset file applied.
        site: the wiki URL or mirror folder.
        started: when the run began, ISO 8601 UTC.
        dry_run: True when nothing was to be saved.
        results: one per page of the changeset, in order.
        labels: per title, the jobs that planned the edit.
        seconds: wall time.
        requests: HTTP requests the wiki connection has sent (None for a folder).
    """

    changeset: str
    site: str
    started: str
    dry_run: bool = False
    results: list[PublishResult] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    requests: int | None = None

    def page_outcomes(self) -> tuple[ReportEntry, ...]:
        """Each page's outcome, in the changeset's order."""
        return tuple(
            ReportEntry(
                r.title, r.status, r.message, r.revid, self.labels.get(r.title, ""), r.needs
            )
            for r in self.results
        )

    def outcomes(self) -> tuple[Outcome, ...]:
        """Each page's status, in order (the command line's exit code comes from them)."""
        return tuple(result.status for result in self.results)

    def counts(self) -> dict[str, int]:
        """Pages per status, statuses with no page left out."""
        return count_outcomes(self.outcomes(), _ORDER)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the report, as ``apply`` writes it (docs/commands.md, "Run reports")."""
        pages = []
        for result in self.results:
            added, removed = result.diff_stats()
            pages.append(
                {
                    "title": result.title,
                    "job": self.labels.get(result.title, ""),
                    "status": result.status,
                    "edited": result.status in (Outcome.EDITED, Outcome.CREATED),
                    "revid": result.revid,
                    "diff": {"added": added, "removed": removed},
                    "message": result.message,
                }
            )
        return {
            **report_fields(
                self,
                operation="apply",
                dry_run=self.dry_run,
                seconds=self.seconds,
                requests=self.requests,
                order=_ORDER,
            ),
            "command": "apply",
            "changeset": self.changeset,
            "site": self.site,
            "started": self.started,
            "pages": pages,
        }
