"""What a run of index jobs did: one :class:`JobReport` per job in a :class:`RunReport`.

Returned by :func:`~wikisync.ops.jobs.run.rebuild_jobs`; ``to_dict`` gives the
JSON form of the run report (what the command line writes as its report file),
and the command line turns each job's status into the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wikisync.ops.publish import Edit
from wikisync.ports.outcome import Outcome, ReportEntry, count_outcomes, report_fields
from wikisync.webhook import Delivery

__all__ = ["JobReport", "RunReport"]


@dataclass(slots=True)
class JobReport:
    """What one job did.

    Attributes:
        job: the job's name.
        page: the target page.
        status: ``unchanged``, ``edited``, ``created``, ``written`` (a file
            job's file), ``planned`` (dry run or plan), ``refused``,
            ``conflict``, ``deleted`` or ``moved`` (the page, after it was
            read: never re-created, its old title never written), ``failed``
            or ``not done`` (the run was stopped by a signal before this job's
            page).
        pages_read: pages of the record type read.
        records: records rendered.
        problems: the record problems found (messages).
        added: lines the edit adds (0 without one).
        removed: lines the edit removes.
        seconds: wall time of the job.
        revid: the page's revision after the job, when known.
        attempts: how many times the page was read and computed.
        message: why the job was refused, in conflict or failed.
        edit: the edit computed, if any (not in the JSON report).
        file: the file a file job writes (``page`` is then ``""``).
        changes: for a job that publishes its records' changes (a feed, a
            webhook): how many records changed since its last run (None for
            another job, or when its records were not read again: nothing
            changed). See :mod:`wikisync.ops.jobs.changes`.
        notified: the webhooks posted to (a failure never changes ``status``).
        publish_message: why the changes were not published, when so.
        needs: for a page a guard refused, what would let it through (an argument:
            ``"allow_shrink"``, ``"force"``, ``"create"``), else ``""`` (in the JSON
            report only when set).
    """

    job: str
    page: str
    status: Outcome = Outcome.FAILED
    pages_read: int = 0
    records: int = 0
    problems: tuple[str, ...] = ()
    added: int = 0
    removed: int = 0
    seconds: float = 0.0
    revid: int | None = None
    attempts: int = 0
    message: str = ""
    edit: Edit | None = None
    file: str = ""
    changes: int | None = None
    notified: tuple[Delivery, ...] = ()
    publish_message: str = ""

    @property
    def notify_failed(self) -> tuple[Delivery, ...]:
        """The webhooks that kept failing."""
        return tuple(delivery for delivery in self.notified if not delivery.sent)

    needs: str = ""

    @property
    def edited(self) -> bool:
        """True when the page was saved (edited or created), or the file written."""
        return self.status in (Outcome.EDITED, Outcome.CREATED, Outcome.WRITTEN)

    def to_dict(self) -> dict[str, Any]:
        """The job's part of the JSON run report."""
        return {
            "job": self.job,
            "page": self.page,
            "status": self.status,
            "edited": self.edited,
            "pages_read": self.pages_read,
            "records": self.records,
            "problems": list(self.problems),
            "diff": {"added": self.added, "removed": self.removed},
            "revid": self.revid,
            "attempts": self.attempts,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            **({"file": self.file} if self.file else {}),
            **(
                {
                    "changes": self.changes,
                    "notify": [delivery.to_dict() for delivery in self.notified],
                    "publish_message": self.publish_message,
                }
                if self.changes is not None or self.publish_message
                else {}
            ),
            **({"needs": self.needs} if self.needs else {}),
        }


@dataclass(slots=True)
class RunReport:
    """What a run of jobs did: each job's outcome (the command line turns them into an exit code).

    Attributes:
        site: the wiki URL or mirror folder.
        started: when the run began, ISO 8601 UTC.
        today: the date that split upcoming from past events.
        dry_run: True when nothing was to be saved.
        jobs: one report per job, in the order run.
        seconds: wall time of the run.
        requests: HTTP requests the wiki connection has sent, login included
            (None for a local source).
    """

    site: str
    started: str
    today: str
    dry_run: bool = False
    jobs: list[JobReport] = field(default_factory=list)
    seconds: float = 0.0
    requests: int | None = None

    def page_outcomes(self) -> tuple[ReportEntry, ...]:
        """Each job's outcome, in the order run (``title``: its page, or a file job's file)."""
        return tuple(
            ReportEntry(
                job.page or job.file, job.status, job.message, job.revid, job.job, job.needs
            )
            for job in self.jobs
        )

    def outcomes(self) -> tuple[Outcome, ...]:
        """Each job's status, in order (the command line's exit code comes from them)."""
        return tuple(job.status for job in self.jobs)

    def counts(self) -> dict[str, int]:
        """Jobs per status, statuses with no job left out."""
        return count_outcomes(self.outcomes())

    @property
    def changed(self) -> bool:
        """True when any page was (or, on a dry run, would be) saved."""
        return any(job.edited or job.status == Outcome.PLANNED for job in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON run report written by the command line (docs/commands.md, "Run reports")."""
        return {
            **report_fields(
                self,
                operation="rebuild",
                dry_run=self.dry_run,
                seconds=self.seconds,
                requests=self.requests,
            ),
            "site": self.site,
            "started": self.started,
            "today": self.today,
            "jobs": [job.to_dict() for job in self.jobs],
        }
