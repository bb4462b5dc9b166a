"""The one exit-code rule of every command: outcomes in, exit code out.

The library reports what happened (each page's or job's status word, or an
error of some kind); only the command line turns that into an exit code,
here, by the table docs/exit-codes.md shows (a test checks that
the two agree):

- an error that ended the command: :data:`ERROR_EXIT_CODES`, by its class
  (the nearest class listed, along the error's class hierarchy);
- a run that went to the end: the highest code of its pages' (or jobs')
  outcomes in :data:`OUTCOME_EXIT_CODES` (1 before 3), which gives every
  :class:`~wikisync.ports.outcome.Outcome` its code, 0 included;
- a run stopped by a signal: ``128 + signal`` (130, 143), whatever its pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from wikisync.core.errors import (
    ConfigError,
    DumpError,
    FieldValueError,
    LockError,
    LoginError,
    MissingPageError,
    PublishError,
    SectionError,
    SiteError,
    SourceError,
    SpreadsheetError,
    UnknownNameError,
    UnsafePathError,
    ValueFormatError,
    WikisyncError,
)
from wikisync.core.replace import ReplaceError
from wikisync.core.selection import SelectionError
from wikisync.interrupt import Interrupted, StopFlag
from wikisync.ports.outcome import Outcome

#: The exit code of each page (or job) outcome: every :class:`Outcome` has one, decided here
#: (a test checks that none is missing), so a new word cannot slip through as success.
OUTCOME_EXIT_CODES: dict[Outcome, int] = {
    # saved
    Outcome.EDITED: 0,
    Outcome.CREATED: 0,
    Outcome.SAVED: 0,
    Outcome.MERGED: 0,
    Outcome.WRITTEN: 0,
    Outcome.RECORDED: 0,
    Outcome.ADDED: 0,
    Outcome.UPDATED: 0,
    # nothing to do
    Outcome.PLANNED: 0,
    Outcome.UNCHANGED: 0,
    Outcome.SKIPPED: 0,
    Outcome.MISSING: 0,
    # where a mirror page stands (``status`` is a read; listed so that every word is decided)
    Outcome.MODIFIED: 0,
    Outcome.CHANGED: 0,
    Outcome.MERGEABLE: 0,
    Outcome.NEW: 0,
    Outcome.DELETED_LOCALLY: 0,
    # not done
    Outcome.FAILED: 1,
    Outcome.NOT_DONE: 1,
    # not as asked: nothing overwritten
    Outcome.REFUSED: 3,
    Outcome.CONFLICT: 3,
    Outcome.INVALID: 3,
    Outcome.DELETED: 3,  # deleted on the wiki while being saved: never re-created
    Outcome.MOVED: 3,  # moved on the wiki while being saved: named, the redirect never written
}

#: The exit code of an error that ended a command, by its class.
ERROR_EXIT_CODES: dict[type[WikisyncError], int] = {
    WikisyncError: 1,
    SiteError: 1,
    LoginError: 2,
    ConfigError: 2,
    UnknownNameError: 2,
    SourceError: 2,
    DumpError: 2,
    UnsafePathError: 2,
    ValueFormatError: 2,
    FieldValueError: 2,
    SpreadsheetError: 2,
    SelectionError: 2,
    ReplaceError: 2,
    MissingPageError: 3,
    PublishError: 3,
    SectionError: 3,
    LockError: 4,
}

#: The codes a signal gives: ``128 +`` SIGINT (2) or SIGTERM (15).
SIGNAL_EXIT_CODES = (130, 143)


def run_exit_code(outcomes: Iterable[str], stop: StopFlag | None = None) -> int:
    """The exit code of a run that went to its end (or was stopped by ``stop``).

    Raises:
        ValueError: a word that is no :class:`~wikisync.ports.outcome.Outcome` (a bug).

    Example:
        >>> run_exit_code(["edited", "refused", "unchanged"])
        3
    """
    if stop is not None and stop.signum is not None:
        return 128 + stop.signum
    codes = {OUTCOME_EXIT_CODES[Outcome(outcome)] for outcome in outcomes}
    return 1 if 1 in codes else 3 if 3 in codes else 0


def error_exit_code(exc: BaseException) -> int:
    """The exit code of an error (or a second signal) that ended a command."""
    if isinstance(exc, Interrupted):
        return 128 + exc.signum
    for cls in type(exc).__mro__:
        if cls in ERROR_EXIT_CODES:
            return ERROR_EXIT_CODES[cls]
    return 1
