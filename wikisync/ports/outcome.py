"""One outcome model: the words a page (or job) can end with, and one report shape.

Every operation that goes page by page (``set``, ``rename-param``,
``remove-param``, ``import``, ``rebuild``, ``apply``, ``new``, ``push``,
``pull``, ``status``) ends each page with an :class:`Outcome` and hands back
a :class:`Report`: the outcomes in order, how many pages got each, and one
JSON form (docs/commands.md, "Run reports"), whose common keys are
:data:`REPORT_KEYS`. The command line alone turns outcomes into an exit code
(``wikisync/cli/outcomes.py``).

``Outcome`` is a :class:`~enum.StrEnum`: a member *is* its word
(``Outcome.REFUSED == "refused"``), so JSON reports and string comparisons
read as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "REPORT_KEYS",
    "Outcome",
    "Report",
    "ReportEntry",
    "count_outcomes",
    "fields_dict",
    "report_fields",
]


class Outcome(StrEnum):
    """What happened to one page (or job, or file) in a run; the members' order is the summary's.

    Saved: ``edited``, ``created``, ``saved`` (push), ``merged`` (merged with
    another edit, then saved or kept), ``written`` (a file job's file),
    ``recorded`` (push: the wiki already held the text, only the mirror's
    base moved), ``added`` and ``updated`` (pull: a mirror file made or
    replaced).

    Nothing to do: ``planned`` (a dry run or a plan: nothing saved),
    ``unchanged``, ``skipped`` (nothing to do here: no matching record or
    infobox; push: a local change it does not send), ``missing`` (pull: asked
    for, not on the wiki).

    Not as asked (someone else's change, or a guard): ``refused``,
    ``conflict``, ``invalid`` (a spreadsheet cell that does not fit its
    field), ``deleted`` and ``moved`` (on the wiki, after the page was read:
    never re-created, its old title never written).

    Not done: ``failed``; ``not done`` (a run stopped by a signal did not get
    to the page).

    Where a mirror page stands (``status``, a read: no exit code from them):
    ``modified`` (locally), ``changed`` (on the wiki), ``mergeable`` (both,
    merging cleanly), ``new`` (locally), ``deleted-locally``; and
    ``unchanged``, ``conflict``, ``deleted``, ``moved`` as above.
    """

    EDITED = "edited"
    CREATED = "created"
    SAVED = "saved"
    MERGED = "merged"
    WRITTEN = "written"
    RECORDED = "recorded"
    ADDED = "added"
    UPDATED = "updated"
    PLANNED = "planned"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    MISSING = "missing"
    REFUSED = "refused"
    CONFLICT = "conflict"
    INVALID = "invalid"
    DELETED = "deleted"
    MOVED = "moved"
    FAILED = "failed"
    NOT_DONE = "not done"
    MODIFIED = "modified"
    CHANGED = "changed"
    MERGEABLE = "mergeable"
    NEW = "new"
    DELETED_LOCALLY = "deleted-locally"


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One entry of a report's ``outcomes`` list: what happened to one page (or job's page).

    Attributes:
        title: the page (a file job: its file).
        outcome: what happened.
        message: why, or what a person should know (``""`` when nothing).
        revid: the page's revision after the run, when known.
        job: the job that made the edit (``rebuild``, ``apply``), else ``""``.
        needs: for a page a guard refused, what would let it through, as a caller
            says it (an argument: ``"allow_shrink"``, ``"force"``, ``"create"``,
            ``"trusted"``); ``""`` when nothing would.
    """

    title: str
    outcome: Outcome
    message: str = ""
    revid: int | None = None
    job: str = ""
    needs: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON data (``job`` and ``needs`` only when there is one)."""
        data: dict[str, Any] = {
            "title": self.title,
            "outcome": str(self.outcome),
            "message": self.message,
            "revid": self.revid,
        }
        if self.job:
            data["job"] = self.job
        if self.needs:
            data["needs"] = self.needs
        return data


@runtime_checkable
class Report(Protocol):
    """What every page-by-page operation hands back (batch, jobs, apply, new, push, pull…)."""

    def page_outcomes(self) -> tuple[ReportEntry, ...]:
        """Each page's (or job's) outcome, in order."""
        ...

    def outcomes(self) -> tuple[Outcome, ...]:
        """Each page's outcome word, in order (the command line's exit code comes from them)."""
        ...

    def counts(self) -> dict[str, int]:
        """Pages per outcome, outcomes with no page left out."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: :data:`REPORT_KEYS` and the operation's own keys."""
        ...


#: The keys every run report's JSON holds, and their JSON types (docs/commands.md, "Run reports").
#: ``exit_code`` is added by the command line, and ``interrupted`` (the signal's name)
#: when a signal stopped the run.
REPORT_KEYS: dict[str, tuple[type, ...]] = {
    "operation": (str,),
    "dry_run": (bool,),
    "seconds": (int, float),
    "requests": (int, type(None)),
    "counts": (dict,),
    "outcomes": (list,),
}


def count_outcomes(
    outcomes: Iterable[str], order: Sequence[str] = tuple(Outcome)
) -> dict[str, int]:
    """How many pages got each outcome, in ``order``, outcomes with none left out.

    Example:
        >>> count_outcomes(["edited", "unchanged", "edited"])
        {'edited': 2, 'unchanged': 1}
    """
    counter: Counter[str] = Counter(str(outcome) for outcome in outcomes)
    return {str(word): counter[word] for word in order if counter[word]}


def report_fields(
    report: Report,
    *,
    operation: str,
    dry_run: bool,
    seconds: float,
    requests: int | None,
    order: Sequence[str] = tuple(Outcome),
) -> dict[str, Any]:
    """The :data:`REPORT_KEYS` part of a report's JSON."""
    entries = report.page_outcomes()
    return {
        "operation": operation,
        "dry_run": dry_run,
        "seconds": round(seconds, 3),
        "requests": requests,
        "counts": count_outcomes((entry.outcome for entry in entries), order),
        "outcomes": [entry.to_dict() for entry in entries],
    }


def fields_dict(item: Any, *, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    """A dataclass's fields as JSON data (:func:`dataclasses.asdict`), some left out.

    For the per-page parts of a report whose JSON is their fields as they are;
    ``leave_out`` names those that are not for the report (an edit object, the
    fields :func:`report_fields` already gives).
    """
    skipped = set(leave_out)
    return {
        field.name: asdict(value) if hasattr(value, "__dataclass_fields__") else value
        for field in fields(item)
        if field.name not in skipped
        for value in (getattr(item, field.name),)
    }
