"""Benchmark: the events calendar beside the JSON output of the same records.

Not a test. Generates the synthetic event pages of the test wikis, reads
their records once, then times, in one run, (a) ``format_records(…, "json")``
(the baseline: every other ``records -f`` format) and (b) ``format_calendar``
(one VEVENT per record, VTIMEZONE included, through the icalendar library),
and the extraction itself for scale. Prints records per second, the ratio of
the calendar to JSON and to extraction, and the calendar's size.

Run from the repository root::

    .venv/bin/python -m bench.bench_calendar            # 2,000 event pages
    .venv/bin/python -m bench.bench_calendar --events 5000
"""

from __future__ import annotations

import argparse

from bench.common import best_of, event_pages
from wikisync.core.records import extract_records
from wikisync.ops.formats import format_records
from wikisync.ops.ical import format_calendar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    pages, record_type = event_pages(args.events)
    found = extract_records(pages, record_type)
    times = {page.title: page.timestamp for page in pages}
    records = found.records

    def calendar() -> str:
        return format_calendar(records, record_type, times=times).text

    extract_s, _ = best_of(args.runs, lambda: extract_records(pages, record_type))
    json_s, _ = best_of(args.runs, lambda: format_records(records, "json", record_type))
    ics_s, _ = best_of(args.runs, calendar)
    made = format_calendar(records, record_type, times=times)
    n = len(records)
    print(f"{len(pages)} pages, {n} records, {made.events} events, {len(made.problems)} left out")
    print(f"extract records : {extract_s:7.3f} s  {n / extract_s:9.0f} records/s")
    print(f"json (baseline) : {json_s:7.3f} s  {n / json_s:9.0f} records/s")
    print(f"ics calendar    : {ics_s:7.3f} s  {n / ics_s:9.0f} records/s")
    print(f"calendar / json : {ics_s / json_s:5.1f}x")
    print(f"calendar / extraction: {ics_s / extract_s:4.2f}x")
    print(f"calendar size   : {len(made.text.encode('utf-8')) / 1024:.0f} KiB")
    assert made.text == calendar(), "a rerun gave other bytes"


if __name__ == "__main__":
    main()
