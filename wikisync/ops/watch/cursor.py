"""Where the watcher is in the wiki's recent changes, kept across restarts and crashes.

A cursor is the newest row handled (timestamp, rcid), the ids of the rows
handled within :data:`OVERLAP` seconds before it, and the jobs owed a run.
MediaWiki's ``rcstart`` is inclusive and counts whole seconds, and rows may be
written late with an earlier time (a job queue's rows), so each poll reads
again from :data:`OVERLAP` seconds before the cursor and drops the rows whose
``rcid`` it has seen: a row is handled once, whether it shares the cursor's
second, arrives late, or the watcher restarts. The jobs a row calls for are
recorded (``pending``) and the cursor saved atomically before they run, and
each job leaves ``pending`` only once it ran: a crash in the middle re-runs
it, and the job's own no-op check keeps that from editing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikisync.core.errors import ConfigError
from wikisync.files import read_regular, write_atomic
from wikisync.ports.recent import Change

__all__ = ["OVERLAP", "Cursor", "load_cursor", "save_cursor", "wiki_time"]

#: Seconds of recent changes read again on each poll (late rows, the cursor's second).
OVERLAP = 120.0
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_VERSION = 1


def wiki_time(epoch: float) -> str:
    """A time as the wiki writes it (``2026-12-06T15:04:05Z``, UTC, whole seconds)."""
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime(_FORMAT)


def epoch_of(timestamp: str) -> float:
    """Seconds since the epoch of a wiki time."""
    return dt.datetime.strptime(timestamp, _FORMAT).replace(tzinfo=dt.UTC).timestamp()


@dataclass(slots=True)
class Cursor:
    """The watcher's place in the recent changes, and what it still owes.

    Attributes:
        timestamp: the newest row handled (a wiki time).
        rcid: that row's id.
        seen: rows handled within :data:`OVERLAP` of ``timestamp``: rcid → time.
        pending: job name → when it is due (seconds since the epoch).
        again: job name → when to run it once more (after a template edit,
            for the wiki's job queue to settle).
        saved: page or file → when the watcher last saved it (for ``min_interval``).
        reconciled: when the last full pass ran (seconds since the epoch).
        members: page → the record types it belongs to, as last known (a page
            deleted, moved or taken out of a category is found here); None
            until first listed.
    """

    timestamp: str
    rcid: int = 0
    seen: dict[int, str] = field(default_factory=dict)
    pending: dict[str, float] = field(default_factory=dict)
    again: dict[str, float] = field(default_factory=dict)
    saved: dict[str, float] = field(default_factory=dict)
    reconciled: float = 0.0
    members: dict[str, list[str]] | None = None

    def since(self) -> str:
        """Where the next poll starts: :data:`OVERLAP` seconds before the cursor."""
        return wiki_time(epoch_of(self.timestamp) - OVERLAP)

    def fresh(self, changes: Iterable[Change]) -> list[Change]:
        """The rows not handled yet (by rcid), oldest first."""
        return [change for change in changes if change.rcid not in self.seen]

    def advance(self, changes: Iterable[Change]) -> None:
        """Mark rows handled; move the cursor to the newest; forget ids past the overlap."""
        for change in changes:
            self.seen[change.rcid] = change.timestamp
            if (change.timestamp, change.rcid) > (self.timestamp, self.rcid):
                self.timestamp, self.rcid = change.timestamp, change.rcid
        horizon = self.since()
        self.seen = {rcid: when for rcid, when in self.seen.items() if when >= horizon}

    def owe(self, jobs: Iterable[str], due: float) -> None:
        """Record that ``jobs`` must run, at ``due`` at the latest."""
        for job in jobs:
            self.pending[job] = min(due, self.pending.get(job, due))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form saved by :func:`save_cursor`."""
        return {
            "version": _VERSION,
            "timestamp": self.timestamp,
            "rcid": self.rcid,
            "seen": {str(rcid): when for rcid, when in sorted(self.seen.items())},
            "pending": self.pending,
            "again": self.again,
            "saved": self.saved,
            "reconciled": self.reconciled,
            "members": self.members,
        }


def load_cursor(path: Path) -> Cursor | None:
    """The cursor saved at ``path``; None when there is none yet.

    Raises:
        ConfigError: the file is not a cursor (damaged or another file); the
            message names it (remove it to start afresh).
        UnsafePathError: it is a link, a folder or a device.
    """
    data = read_regular(path, "watch cursor")
    if data is None:
        return None
    try:
        raw = json.loads(data.decode("utf-8"))
        return Cursor(
            timestamp=_time(raw["timestamp"]),
            rcid=int(raw.get("rcid", 0)),
            seen={int(k): _time(v) for k, v in _table(raw, "seen").items()},
            pending={str(k): float(v) for k, v in _table(raw, "pending").items()},
            again={str(k): float(v) for k, v in _table(raw, "again").items()},
            saved={str(k): float(v) for k, v in _table(raw, "saved").items()},
            reconciled=float(raw.get("reconciled", 0.0)),
            members=_members(raw.get("members")),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"watch cursor {path}: not a cursor wikisync wrote ({type(exc).__name__}: {exc}); "
            "remove it to start from now (a full pass runs then)",
            key=str(path),
        ) from None


def save_cursor(path: Path, cursor: Cursor) -> None:
    """Write the cursor atomically (a crash leaves the old one or the new one, whole).

    Raises:
        UnsafePathError: the path cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cursor.to_dict(), ensure_ascii=False, sort_keys=True)
    write_atomic(path, text.encode("utf-8") + b"\n")


def _members(value: Any) -> dict[str, list[str]] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError("members should be an object")
    return {str(title): [str(name) for name in types] for title, types in value.items()}


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise TypeError(f"{key} should be an object")
    return value


def _time(value: Any) -> str:
    text = str(value)
    epoch_of(text)  # ValueError when it is no wiki time
    return text
