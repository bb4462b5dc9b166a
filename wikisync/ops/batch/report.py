"""What a batch did: one :class:`PageReport` per page and a :class:`BatchReport` per run.

Shared by every batch command (``set``, ``rename-param``, ``remove-param``,
``import``, ``apply``): the statuses a page can end with, the run's exit code,
and the JSON form of the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wikisync.core.edits import ParamChange
from wikisync.ops.publish import Edit
from wikisync.ports.outcome import Outcome, ReportEntry, count_outcomes, report_fields
from wikisync.ports.source import Source, requests_sent

__all__ = ["SKIPPED_FOR_CAUSE", "BatchReport", "OnPage", "PageReport", "finish_report"]

#: Statuses that make the run's exit code 3 (a page skipped for a reason to look at).
SKIPPED_FOR_CAUSE = frozenset(
    {Outcome.REFUSED, Outcome.CONFLICT, Outcome.INVALID, Outcome.DELETED, Outcome.MOVED}
)

#: The order of a batch's counts.
_ORDER = (
    Outcome.CREATED,
    Outcome.EDITED,
    Outcome.PLANNED,
    Outcome.UNCHANGED,
    Outcome.SKIPPED,
    Outcome.REFUSED,
    Outcome.CONFLICT,
    Outcome.DELETED,
    Outcome.MOVED,
    Outcome.INVALID,
    Outcome.FAILED,
    Outcome.NOT_DONE,
)

#: Called after each page: the page's report, pages done, pages in all.
OnPage = Callable[["PageReport", int, int], None]


@dataclass(slots=True)
class PageReport:
    """What a batch did to one page.

    Attributes:
        title: the page.
        status: ``edited``; ``unchanged`` (already holds the values);
            ``planned`` (dry run); ``skipped`` (nothing to do: no matching
            record or infobox); ``refused`` (the edit would break the template,
            see the message); ``conflict`` (changed since read or exported,
            never overwritten); ``deleted`` (deleted on the wiki after it was
            read: nothing saved, never re-created); ``moved`` (moved on the
            wiki after it was read: the message names the new title and says
            whether the edit went to the page there; the old title, a redirect
            now, is never written); ``invalid`` (a spreadsheet cell does not fit
            its field; the page was not touched); ``failed``; ``not done`` (the
            run was stopped by a signal before this page).
        changes: the parameters changed (or that would change).
        warnings: things a human should check.
        message: why the page was skipped, refused, in conflict, invalid or failed.
        revid: the page's revision after the run, when known.
        attempts: how many times the page was read and computed.
        added: lines the edit adds.
        removed: lines the edit removes.
        rows: for an import, the spreadsheet rows (1-based, header = 1) of the page.
        edit: the edit computed (not in the JSON report).
        needs: for a page a guard refused, what would let it through (an argument:
            ``"trusted"``…), else ``""`` (in the JSON report only when set).
    """

    title: str
    status: Outcome = Outcome.FAILED
    changes: tuple[ParamChange, ...] = ()
    warnings: tuple[str, ...] = ()
    message: str = ""
    revid: int | None = None
    attempts: int = 0
    added: int = 0
    removed: int = 0
    rows: tuple[int, ...] = ()
    edit: Edit | None = None
    needs: str = ""

    @property
    def edited(self) -> bool:
        """True when the page was saved."""
        return self.status in (Outcome.EDITED, Outcome.CREATED)

    def to_dict(self) -> dict[str, Any]:
        """The page's part of the JSON report."""
        data: dict[str, Any] = {
            "title": self.title,
            "status": self.status,
            "edited": self.edited,
            "changes": [
                change.to_dict() for change in self.changes if change.action != "unchanged"
            ],
            "warnings": list(self.warnings),
            "message": self.message,
            "revid": self.revid,
            "attempts": self.attempts,
            "diff": {"added": self.added, "removed": self.removed},
        }
        if self.rows:
            data["rows"] = list(self.rows)
        if self.needs:
            data["needs"] = self.needs
        return data


@dataclass(slots=True)
class BatchReport:
    """What a batch run did: each page's outcome (the command line turns them into an exit code).

    Attributes:
        operation: ``set``, ``rename-param``, ``remove-param`` or ``import``.
        site: the wiki URL or mirror folder.
        started: when the run began, ISO 8601 UTC.
        dry_run: True when nothing was to be saved.
        pages: one report per page looked at, in order.
        seconds: wall time.
        requests: HTTP requests sent by the wiki connection (None for a folder).
    """

    operation: str
    site: str
    started: str
    dry_run: bool = False
    pages: list[PageReport] = field(default_factory=list)
    seconds: float = 0.0
    requests: int | None = None

    def count(self, status: Outcome | str) -> int:
        """How many pages ended with ``status``."""
        return sum(1 for page in self.pages if page.status == status)

    def page_outcomes(self) -> tuple[ReportEntry, ...]:
        """Each page's outcome, in order."""
        return tuple(
            ReportEntry(page.title, page.status, page.message, page.revid, needs=page.needs)
            for page in self.pages
        )

    def outcomes(self) -> tuple[Outcome, ...]:
        """Each page's status, in order (the command line's exit code comes from them)."""
        return tuple(page.status for page in self.pages)

    def counts(self) -> dict[str, int]:
        """Pages per status, in a stable order (statuses with no page left out)."""
        return count_outcomes(self.outcomes(), _ORDER)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the report as written to a file (docs/commands.md, "Run reports")."""
        return {
            **report_fields(
                self,
                operation=self.operation,
                dry_run=self.dry_run,
                seconds=self.seconds,
                requests=self.requests,
                order=_ORDER,
            ),
            "site": self.site,
            "started": self.started,
            "pages": [page.to_dict() for page in self.pages],
        }


def finish_report(report: BatchReport, source: Source, clock: float) -> BatchReport:
    """Stamp the wall time and the request count on a report (internal)."""
    report.seconds = time.perf_counter() - clock
    report.requests = requests_sent(source)
    return report
