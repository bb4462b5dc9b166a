"""Edits at the wiki's pace: the account's own rate limits, and ``edit_rate``.

MediaWiki holds an account without ``noratelimit`` to ``$wgRateLimits`` (core:
90 edits a minute for a logged-in user) and answers an edit past it with the
API error ``ratelimited``. Waiting for that error and retrying costs seconds a
page and, on a busy wiki, annoys its operators. So the client reads the
account's limits once per session, with the user information it reads at the
login anyway (``uiprop=ratelimits``: no request of its own,
:func:`edit_pace`), and :class:`EditPace` spaces the edit requests so that no
limit is ever met: at most ``hits`` edits in any window of ``seconds``, the
window counted from the moment each earlier edit's reply came back (the wiki
counted it before answering), plus the width of one of MediaWiki's counting
buckets (``WRStatsRateLimiter`` counts a window in 30 buckets). An
``edit_rate`` (edits a minute, from the configuration) spaces edits evenly for
wikis whose operators ask for less than the software enforces. ``maxlag`` is
unaffected: it is sent with every request and honoured by the transport.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: MediaWiki's rate limiter counts a window in this many buckets: a hit stays
#: counted until its bucket has left the window, up to one bucket longer.
_BUCKETS = 30
#: Seconds added to every window, for the clocks' granularity.
_SLACK = 0.05
#: The longest sleep of a wait: what is asked meanwhile (a stop) is heard this soon.
_SLICE = 0.25


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``hits`` edits in any ``seconds``."""

    hits: int
    seconds: float

    @property
    def window(self) -> float:
        """How long an edit stays counted against this limit, with the wiki's bucket."""
        return self.seconds * (1 + 1 / _BUCKETS) + _SLACK


def edit_limits(userinfo: Mapping[str, Any]) -> list[RateLimit]:
    """The edit limits in a ``meta=userinfo&uiprop=ratelimits`` reply's ``userinfo``.

    Every category that applies to the account (``user``, ``newbie``, ``ip``,
    a group) is a limit of its own: the wiki enforces each. None (an empty
    list) for an account with ``noratelimit``.

    Example:
        >>> edit_limits({"ratelimits": {"edit": {"user": {"hits": 90, "seconds": 60}}}})
        [RateLimit(hits=90, seconds=60.0)]
    """
    raw = (userinfo.get("ratelimits") or {}) if isinstance(userinfo, Mapping) else {}
    edit = raw.get("edit") if isinstance(raw, Mapping) else None
    limits = []
    for entry in (edit or {}).values() if isinstance(edit, Mapping) else ():
        try:
            hits, seconds = int(entry["hits"]), float(entry["seconds"])
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        if 0 < hits <= 1_000_000 and 0 < seconds <= 86_400:
            limits.append(RateLimit(hits, seconds))
    return limits


class EditPace:
    """Waits before each edit request as the limits say (see the module's doc).

    Args:
        limits: the account's edit limits (:func:`edit_limits`).
        edit_rate: edits a minute at the most, evenly spaced; 0 for no such cap.
        clock: a monotonic clock.
        sleep: the function that waits.
        check: called before each slice of a wait (at most :data:`_SLICE`
            seconds apart); it may raise to end the wait (a stop asked for).

    Attributes:
        waited: seconds spent waiting so far (read it to measure).
    """

    def __init__(
        self,
        limits: list[RateLimit],
        edit_rate: float = 0.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
        check: Callable[[], object] = lambda: None,
    ) -> None:
        self.limits = limits
        self._check = check
        self.interval = 60.0 / edit_rate if edit_rate > 0 else 0.0
        self.waited = 0.0
        self._clock = clock
        self._sleep = sleep
        self._done: dict[RateLimit, deque[float]] = {
            limit: deque(maxlen=limit.hits) for limit in limits
        }
        self._last_sent: float | None = None

    def wait(self) -> float:
        """Wait until the next edit request may leave; return the seconds waited."""
        ready = self._clock()
        if self._last_sent is not None and self.interval:
            ready = max(ready, self._last_sent + self.interval)
        for limit, done in self._done.items():
            if len(done) == limit.hits:
                ready = max(ready, done[0] + limit.window)
        delay = ready - self._clock()
        if delay > 0:
            log.debug("waiting %.2f s before the next edit (the wiki's pace)", delay)
        while (left := ready - self._clock()) > 0:  # in slices: a stop is not kept waiting
            self._check()
            self._sleep(min(left, _SLICE))
        self.waited += max(delay, 0.0)
        self._last_sent = self._clock()
        return max(delay, 0.0)

    def done(self) -> None:
        """Note that an edit request's reply came back (the wiki counted it by then)."""
        now = self._clock()
        for done in self._done.values():
            done.append(now)

    def describe(self) -> str:
        """The limits kept, for people: ``90 edits per 60 s (the account's rate limit)``."""
        parts = [f"{limit.hits} edits per {limit.seconds:g} s" for limit in self.limits]
        said = ", ".join(parts) + " (the account's rate limits)" if parts else ""
        if self.interval:
            rate = f"{60.0 / self.interval:g} edits a minute (edit_rate)"
            said = f"{said}; {rate}" if said else rate
        return said


def edit_pace(
    reply: Mapping[str, Any],
    edit_rate: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Any] = time.sleep,
    check: Callable[[], object] = lambda: None,
) -> EditPace:
    """The pace of an account's edits, from a ``meta=userinfo&uiprop=ratelimits`` reply.

    A reply that does not answer (an old MediaWiki, an error) gives ``edit_rate``
    alone; ``ratelimited`` replies are then still waited for and retried by
    the transport.
    """
    query = reply.get("query") if isinstance(reply, Mapping) else None
    userinfo = query.get("userinfo") if isinstance(query, Mapping) else None
    limits = edit_limits(userinfo) if isinstance(userinfo, Mapping) else []
    pace = EditPace(limits, edit_rate, clock=clock, sleep=sleep, check=check)
    said = pace.describe()
    if said:
        log.info("edits paced to %s", said)
    return pace
