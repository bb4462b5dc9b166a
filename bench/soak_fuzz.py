"""Soak: the fuzz suite with many more examples than the test run gives it.

Not a test. The fuzz properties (tests/unit/test_fuzz.py: record extractor,
marker finder, French dates, batch edits, mutated dumps, hostile page
templates against the sandbox and its limits, extreme dates through the
calendar and the quality report; the configuration loader of
tests/unit/test_config.py; the state-file loader and mutated mirror metadata
of tests/unit/test_hostile_paths.py) run with 60 examples each
in the suite; this runs them with ``--examples`` each (5,000 by default) and
prints how long each took. Run from the repository root::

    .venv/bin/python -m bench.soak_fuzz                  # 5,000 examples a property
    .venv/bin/python -m bench.soak_fuzz --examples 50000
    .venv/bin/python -m bench.soak_fuzz -k set_params    # one property

A failure prints hypothesis's smallest failing example; exit code 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = [
    "tests/unit/test_fuzz.py",
    "tests/unit/test_config.py::test_fuzz_mutated_configuration_raises_only_config_errors",
    # state files: the bounded JSON loader and mutated mirror metadata
    "tests/unit/test_hostile_paths.py::test_fuzz_parse_json_raises_only_decode_errors",
    "tests/unit/test_hostile_paths.py::test_fuzz_mutated_mirror_metadata_raises_only_source_errors",
]


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz properties with many examples; return pytest's exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    parser.add_argument("-k", default="", help="only the properties matching (pytest -k)")
    args = parser.parse_args(argv)
    os.environ["WIKISYNC_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ["WIKISYNC_FUZZ_RANDOM"] = "1"  # the suite is derandomized; the soak explores
    started = time.perf_counter()
    options = ["-q", "-p", "no:cacheprovider", "--durations=0", "--hypothesis-show-statistics"]
    if args.k:
        options += ["-k", args.k]
    code = pytest.main([*options, *(str(ROOT / target) for target in TARGETS)])
    print(
        f"soak: {args.examples} examples a property, {time.perf_counter() - started:.1f} s in all"
    )
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
