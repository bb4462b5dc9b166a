"""The short version of bench/bench_watch.py: a soak of ``wikisync watch`` in the suite.

Another account makes a few dozen changes of every kind (edits in same-second
bursts, creations, deletions, restores, moves, pages leaving the category, a
template adding pages to it) while the watcher runs with a one-second
interval, is restarted (SIGTERM) and killed with SIGKILL after a poll that
called for the job; then, once it settles, nothing is missed, no index edit is
doubled, no two saves fall within ``min_interval``, and an idle minute costs
60/interval requests at the wiki's access log. The same through the fault
proxy (5 % of the requests): nothing missed, no traceback, still running.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.bench_watch import soak
from tests.mediawiki import TestWiki


def _options(**values: float) -> argparse.Namespace:
    base = {
        "changes": 16,
        "interval": 1.0,
        "min_interval": 1.0,
        "faults": 0.0,
        "pace": 0.25,
        "idle": 6.0,
        "seed": 3,
        "settle": 3.0,
    }
    return argparse.Namespace(**{**base, **values})


def test_watch_soak_misses_and_doubles_nothing(wiki: TestWiki, tmp_path: Path) -> None:
    figures = soak(wiki, tmp_path, _options())
    assert figures.missed_count == 0, figures.missed
    assert figures.doubled == 0
    assert figures.most_saves <= 1
    assert figures.idle_per_minute == pytest.approx(60.0, abs=10.1)  # 6 s: ±1 request
    assert figures.exits[:2] == [143, -9]
    assert figures.caught
    assert figures.alive
    assert figures.tracebacks == 0
    assert max(figures.latencies) < 15  # interval 1 s, min_interval 1 s, a loaded machine


def test_watch_soak_through_faults_misses_nothing(wiki: TestWiki, tmp_path: Path) -> None:
    figures = soak(wiki, tmp_path, _options(faults=0.05, settle=8.0))
    assert figures.faults > 0
    assert figures.missed_count == 0, figures.missed
    assert figures.doubled == 0
    assert figures.alive
    assert figures.tracebacks == 0
