"""Benchmark: start-up of ``import wikisync``, ``wikisync --version`` and one Tab completion.

Not a test. Runs each command N times in fresh processes, the rounds interleaved with
``python -c pass`` (the interpreter's own start-up) so that a busy machine slows all alike,
and prints the shortest and the median wall time of each, what it costs over ``python -c
pass``, and the target of issue 19 (import <= 0.15 s; --version and a completion <= 0.25 s).

Run from the repository root::

    .venv/bin/python -m bench.bench_startup            # N=15
    .venv/bin/python -m bench.bench_startup --runs 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

WIKISYNC = str(Path(sys.executable).parent / "wikisync")
COMPLETION = {"_WIKISYNC_COMPLETE": "bash_complete", "COMP_WORDS": "wikisync re", "COMP_CWORD": "1"}

#: name, command, extra environment, target in seconds (None: the baseline)
CASES: list[tuple[str, list[str], dict[str, str], float | None]] = [
    ("python -c pass", [sys.executable, "-c", "pass"], {}, None),
    ("import wikisync", [sys.executable, "-c", "import wikisync"], {}, 0.15),
    ("wikisync --version", [WIKISYNC, "--version"], {}, 0.25),
    ("Tab: wikisync re<TAB>", [WIKISYNC], COMPLETION, 0.25),
]


def wall(command: list[str], env: dict[str, str]) -> float:
    """The wall time of one run of ``command``; it must succeed."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WIKISYNC_")}
    environ.update(env)
    start = time.perf_counter()
    subprocess.run(command, env=environ, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command [15]")
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name, *_ in CASES}
    for _, command, env, _target in CASES:  # warm the file cache once, unmeasured
        wall(command, env)
    for _ in range(runs):
        for name, command, env, _target in CASES:
            times[name].append(wall(command, env))
    base = min(times[CASES[0][0]])
    print(f"start-up, {runs} runs each (interleaved), wall time in seconds:")
    print(f"  {'':24} {'min':>7} {'median':>7} {'min over pass':>14}  target")
    for name, _command, _env, target in CASES:
        best, median = min(times[name]), statistics.median(times[name])
        verdict = (
            "" if target is None else f"<= {target:.2f} " + ("ok" if best <= target else "OVER")
        )
        print(f"  {name:24} {best:7.3f} {median:7.3f} {best - base:14.3f}  {verdict}")


if __name__ == "__main__":
    main()
