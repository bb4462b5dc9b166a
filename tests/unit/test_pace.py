"""Edits at the wiki's pace (wiki/pace.py): the limits read, the waits made, on a fake clock."""

from __future__ import annotations

import itertools
import os
import signal
import time

import pytest

from wikisync.interrupt import Interrupted, stop_now_if_requested, stop_on_signals
from wikisync.wiki.pace import EditPace, RateLimit, edit_limits, edit_pace


class FakeClock:
    """A clock that moves only when slept on (or told to)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _edits(pace: EditPace, clock: FakeClock, count: int, *, takes: float = 0.0) -> list[float]:
    """Send ``count`` edits, each taking ``takes`` s; return when each one left."""
    sent = []
    for _ in range(count):
        pace.wait()
        sent.append(clock.now)
        clock.now += takes
        pace.done()
    return sent


@pytest.mark.parametrize(
    ("userinfo", "expected"),
    [
        ({"ratelimits": {"edit": {"user": {"hits": 90, "seconds": 60}}}}, [RateLimit(90, 60)]),
        (
            {
                "ratelimits": {
                    "edit": {
                        "user": {"hits": 8, "seconds": 60},
                        "newbie": {"hits": 2, "seconds": 5},
                    }
                }
            },
            [RateLimit(8, 60), RateLimit(2, 5)],
        ),
        ({"ratelimits": {}}, []),  # noratelimit: the wiki says nothing
        ({}, []),
        ({"ratelimits": {"edit": {"user": {"hits": "x", "seconds": 60}}}}, []),
        ({"ratelimits": {"edit": {"user": {"hits": 0, "seconds": 60}}}}, []),
        ({"ratelimits": {"edit": {"user": {"hits": 5, "seconds": -1}}}}, []),
        ({"ratelimits": {"edit": ["not", "a", "map"]}}, []),
        ({"ratelimits": {"edit": {"user": {"hits": float("inf"), "seconds": 60}}}}, []),
        ({"ratelimits": {"edit": {"user": {"hits": 10**30, "seconds": 60}}}}, []),
        ({"ratelimits": {"edit": {"user": {"hits": 5, "seconds": float("nan")}}}}, []),
        ({"ratelimits": {"edit": {"user": "5/60"}}}, []),
        ({"ratelimits": [1, 2]}, []),
        ({"ratelimits": {"move": {"user": {"hits": 1, "seconds": 60}}}}, []),
    ],
)
def test_edit_limits_reads_every_category_and_nothing_malformed(
    userinfo: dict[str, object], expected: list[RateLimit]
) -> None:
    assert edit_limits(userinfo) == expected


def test_edit_pace_keeps_every_window_under_its_hits() -> None:
    clock = FakeClock()
    limit = RateLimit(3, 10)
    pace = EditPace([limit], clock=clock, sleep=clock.sleep)
    sent = _edits(pace, clock, 10, takes=0.2)
    # any window of the limit's length (plus the wiki's bucket) holds at most 3 edits
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t < start + limit.window - 0.2) <= 3
    # and the run takes no longer than the limit implies: 3 full windows for 10 edits
    assert sent[-1] - sent[0] == pytest.approx(3 * (limit.window + 0.2), abs=1e-6)
    assert pace.waited == pytest.approx(sum(clock.sleeps))


def test_edit_pace_with_no_limit_never_waits() -> None:
    clock = FakeClock()
    pace = EditPace([], clock=clock, sleep=clock.sleep)
    _edits(pace, clock, 50)
    assert clock.sleeps == []
    assert pace.describe() == ""


def test_edit_pace_edit_rate_spaces_edits_evenly() -> None:
    clock = FakeClock()
    pace = EditPace([RateLimit(90, 60)], 30, clock=clock, sleep=clock.sleep)
    sent = _edits(pace, clock, 5, takes=0.5)
    assert [b - a for a, b in itertools.pairwise(sent)] == pytest.approx([2.0] * 4)
    assert "30 edits a minute (edit_rate)" in pace.describe()
    assert "90 edits per 60 s" in pace.describe()


def test_edit_pace_counts_the_window_from_the_reply() -> None:
    """A slow edit is counted by the wiki when it is handled, up to its reply."""
    clock = FakeClock()
    limit = RateLimit(1, 4)
    pace = EditPace([limit], clock=clock, sleep=clock.sleep)
    sent = _edits(pace, clock, 2, takes=3.0)
    assert sent[1] == pytest.approx(sent[0] + 3.0 + limit.window)


def test_edit_pace_from_a_user_info_reply() -> None:
    reply = {"query": {"userinfo": {"ratelimits": {"edit": {"user": {"hits": 2, "seconds": 1}}}}}}
    clock = FakeClock()
    pace = edit_pace(reply, 0.0, clock=clock, sleep=clock.sleep)
    assert pace.limits == [RateLimit(2, 1)]
    assert pace.interval == 0.0


@pytest.mark.parametrize("reply", [{"error": {"code": "x"}}, {"query": []}, {}, []])
def test_edit_pace_without_an_answer_keeps_edit_rate_only(reply: object) -> None:
    clock = FakeClock()
    pace = edit_pace(reply, 60, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    assert pace.limits == []
    assert pace.interval == 1.0


def test_edit_pace_wait_is_cut_short_by_a_stop() -> None:
    """A wait for the pace hears a stop within a slice: the edit is not sent."""
    clock = FakeClock()
    asked = []

    def check() -> None:
        asked.append(clock.now)
        if len(asked) > 2:
            raise RuntimeError("stop")

    pace = EditPace([RateLimit(1, 60)], clock=clock, sleep=clock.sleep, check=check)
    _edits(pace, clock, 1)
    with pytest.raises(RuntimeError, match="stop"):
        pace.wait()
    assert max(clock.sleeps) <= 0.25 and sum(clock.sleeps) < 1.0


def test_a_signal_during_the_pace_wait_stops_the_run_at_once() -> None:
    """SIGINT while waiting ~60 s for the wiki's pace: Interrupted within a slice, one line."""
    pace = EditPace([RateLimit(1, 60)], check=lambda: stop_now_if_requested("the next edit"))
    pace.wait()
    pace.done()
    start = time.monotonic()
    with stop_on_signals(announce=False), pytest.raises(Interrupted) as info:
        os.kill(os.getpid(), signal.SIGINT)
        pace.wait()
    assert time.monotonic() - start < 2.0
    assert info.value.signum == signal.SIGINT
    assert str(info.value) == "stopped by SIGINT: the next edit; run the command again to finish"
