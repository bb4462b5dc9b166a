"""The watcher's status file: what monitoring reads (JSON, replaced atomically).

Keys: ``last_poll`` and ``last_change_seen`` (wiki times), ``lag_seconds``
(from the newest change seen to the poll that saw it), ``paused`` (the
emergency stop page holds text), ``pending`` (jobs owed a run), ``counts``
(polls, changes, requests, saves, unchanged, failures, faults) and
``last_error`` (the last fault's message, "" when none since the start).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wikisync.files import write_atomic

__all__ = ["WatchCounts", "WatchStatus", "write_status"]


@dataclass(slots=True)
class WatchCounts:
    """What the watcher did since it started."""

    polls: int = 0
    changes: int = 0
    requests: int = 0
    saves: int = 0
    unchanged: int = 0
    failures: int = 0
    faults: int = 0


@dataclass(slots=True)
class WatchStatus:
    """The watcher's state for monitoring (see the module's keys)."""

    site: str = ""
    started: str = ""
    last_poll: str = ""
    last_change_seen: str = ""
    lag_seconds: float | None = None
    paused: bool = False
    pending: list[str] = field(default_factory=list)
    counts: WatchCounts = field(default_factory=WatchCounts)
    last_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


def write_status(path: Path, status: WatchStatus) -> None:
    """Replace the status file at once (readers never see half of it).

    Raises:
        UnsafePathError: the path cannot be written.
    """
    text = json.dumps(status.to_dict(), ensure_ascii=False, indent=2) + "\n"
    write_atomic(path, text.encode("utf-8"), durable=False)
