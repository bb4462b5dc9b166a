"""Benchmark: typed record extraction against raw mwparserfromhell parsing.

Not a test. Generates the same synthetic event pages as the test wikis and
times, in one run, (a) parsing every page with ``mwparserfromhell.parse`` alone
(the floor: wikisync parses each page once) and (b) ``extract_records`` with
the FabMob preset's ``event`` type (parse + find the infobox + type every
field). Prints pages per second for both and their ratio (target: records at
>= 75 % of raw parse speed), and confirms the C tokenizer is in use.

Run from the repository root::

    .venv/bin/python -m bench.bench_records            # 3,000 event pages
    .venv/bin/python -m bench.bench_records --events 10000
"""

from __future__ import annotations

import argparse

import mwparserfromhell
from mwparserfromhell.parser import use_c

from bench.common import best_of, event_pages
from wikisync.core.records import extract_records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5, help="best of this many runs")
    args = parser.parse_args()

    pages, record_type = event_pages(args.events)

    def raw() -> None:
        for page in pages:
            mwparserfromhell.parse(page.wikitext)

    found = extract_records(pages, record_type)
    raw_s, _ = best_of(args.runs, raw)
    records_s, _ = best_of(args.runs, lambda: extract_records(pages, record_type))
    tokenizer = "C" if use_c else "pure Python"
    print(f"mwparserfromhell {mwparserfromhell.__version__}, {tokenizer} tokenizer in use")
    print(f"{len(pages)} event pages, {len(found.records)} records, {len(found.problems)} problems")
    print(f"{'run':<36} {'pages/s':>10} {'time':>9}")
    print(f"{'raw mwparserfromhell.parse (floor)':<36} {len(pages) / raw_s:>10.0f} {raw_s:>8.3f}s")
    print(f"{'wikisync extract_records':<36} {len(pages) / records_s:>10.0f} {records_s:>8.3f}s")
    print(f"records speed = {raw_s / records_s:.0%} of raw parse speed (target >= 75 %)")


if __name__ == "__main__":
    main()
