"""Benchmark: the data-quality report beside the record extraction it summarises.

Not a test. Generates the same synthetic event pages as the test wikis (with
their planted problems, and a bad date on a share of them: ``--bad``) and
times, in one run, (a) ``extract_records`` with the FabMob preset's ``event``
type (the floor: the report needs the records),
(b) ``summarize`` (counts per field, problems split) and (c)
``render_quality_html`` of the whole report; prints each time, the page's
size and problem count, and the report's share of the extraction time.

Run from the repository root::

    .venv/bin/python -m bench.bench_quality            # 3,000 event pages
    .venv/bin/python -m bench.bench_quality --events 10000
"""

from __future__ import annotations

import argparse

from bench.common import best_of, event_pages
from wikisync.core.pages import PageText
from wikisync.core.records import extract_records
from wikisync.ops.quality.check import QualityReport, WikiLinks, summarize
from wikisync.ops.quality.html import render_quality_html


def _spoil(page: PageText, number: int) -> PageText:
    # A bad date with hostile characters, so that escaping is measured too.
    text = page.wikitext.replace("|startDate=", f'|startDate=<b>"pas" & {number}</b> ', 1)
    return PageText(page.title, text, page.revid, page.timestamp, page.ns, page.pageid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5, help="best of this many runs")
    parser.add_argument("--bad", type=float, default=0.2, help="share of pages given a bad date")
    args = parser.parse_args()

    pages, event = event_pages(args.events)
    step = max(1, round(1 / args.bad)) if args.bad > 0 else 0
    pages = [_spoil(p, n) if step and n % step == 0 else p for n, p in enumerate(pages)]
    fields = [spec.name for spec in event.fields]

    extract, found = best_of(args.runs, lambda: extract_records(pages, event))
    assert found is not None
    records = found  # a RecordSet
    count, item = best_of(args.runs, lambda: summarize(records, fields=fields))  # type: ignore[arg-type]
    report = QualityReport(
        "https://wiki.example.org/",
        "fr",
        (item,),
        WikiLinks("https://wiki.example.org/w/index.php"),  # type: ignore[arg-type]
    )
    render, page = best_of(args.runs, lambda: render_quality_html(report))
    size = len(str(page).encode("utf-8"))
    print(f"{len(pages)} event pages, {report.problem_count} problems (best of {args.runs})")
    print(f"  extract_records      {extract * 1000:8.1f} ms")
    print(f"  summarize            {count * 1000:8.1f} ms")
    print(f"  render_quality_html  {render * 1000:8.1f} ms  ({size / 1024:.0f} KiB)")
    print(f"  report / extraction  {(count + render) / extract:8.1%}")


if __name__ == "__main__":
    main()
