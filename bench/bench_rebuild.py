"""Benchmark: ``rebuild events`` over N event pages on a live wiki, cold and with nothing changed.

Not a test. Builds a real test wiki holding N event pages (2,000 by default)
and the ``Evénements`` index page, then prints the wall time, the requests
(login excluded, and in all) and the edits of:

- wikisync cold: empty revision cache; reads every event page (a few
  batched generator queries), parses, renders, saves the index page once;
- wikisync with nothing changed: the cache lists the category's revisions
  in one request, the records come from the record cache (no page is
  parsed again), the index page is read once and, its text being the one
  last found to hold the section for the same inputs, nothing is rendered
  and nothing is saved (run three times; the median is compared; the run
  just after the cold one renders once more, to find that the saved page
  holds the section, and is shown apart);
- the same without the record cache and the job memo: every page parsed,
  the section rendered and the index page parsed (as before);
- a warm read of the same pages alone (connect, list the category's
  revisions, read the pages from the cache; no parsing, no rendering): what a
  run with nothing changed cannot beat;
- the baseline, naive mwclient: ``for page in category: page.text()``, parse
  and render with wikisync's own functions, ``page.edit(...)``; the second
  naive run does the same again (MediaWiki then makes no revision, but every
  page is still read).

Targets for the run with nothing changed: at most 2 requests beyond login,
0 edits, within 1.2x of the warm read alone.

Run from the repository root::

    .venv/bin/python -m bench.bench_rebuild             # N=2000
    .venv/bin/python -m bench.bench_rebuild --events 500
    .venv/bin/python -m bench.bench_rebuild --no-naive  # skip the slow baseline
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import build_wiki, counting_site
from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.core.pages import PageText
from wikisync.core.records import extract_records
from wikisync.core.render import render_index
from wikisync.core.sections import replace_section
from wikisync.ops.collect import iter_type_pages, record_type_named
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.publish import open_target
from wikisync.presets import load_preset
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiSource

PAGE = "Evénements"
CATEGORY = "Evénement"
TODAY = dt.date(2025, 1, 6)


@dataclass
class Run:
    name: str
    seconds: float
    requests: int
    login: int
    edits: int


class _ParsingSource:
    """A WikiSource without its record cache and job memo: parse and render as before."""

    def __init__(self, source: WikiSource) -> None:
        self._source = source

    def __getattr__(self, name: str) -> Any:
        if name == "cache_site":
            raise AttributeError(name)
        return getattr(self._source, name)


def wikisync_rebuild(config: Config, *, parse: bool = False) -> tuple[int, int, int]:
    """One ``rebuild events``: (requests in all, requests of the login, edits)."""
    source = open_source(config)
    assert isinstance(source, WikiSource)
    login = source.client.requests
    reader: Any = _ParsingSource(source) if parse else source
    try:
        report = rebuild_jobs(config, reader, open_target(source), names=["events"], today=TODAY)
    finally:
        source.close()
    job = report.jobs[0]
    assert job.status in ("edited", "unchanged"), job.message
    return source.client.requests, login, int(job.edited)


def warm_read(config: Config) -> tuple[int, int, int]:
    """Read the event pages alone through the warm revision cache (no parse, no render)."""
    source = open_source(config)
    assert isinstance(source, WikiSource)
    login = source.client.requests
    record_type = record_type_named(config.types, "event")
    try:
        pages = list(iter_type_pages(source, record_type))
    finally:
        source.close()
    assert pages
    return source.client.requests, login, 0


def naive_rebuild(wiki: TestWiki, types: dict[str, Any]) -> tuple[int, int, int]:
    """Read every event page one by one with mwclient, render, save."""
    site, counter = counting_site(wiki)
    login = counter.n
    pages = [
        PageText(page.name, page.text(), page.revision or 0)
        for page in site.categories[CATEGORY]
        if page.namespace == 0
    ]
    records = extract_records(pages, record_type_named(types, "event"))
    body = render_index([r.to_dict() for r in records.records], "events", today=TODAY)
    index = site.pages[PAGE]
    text = replace_section(index.text(), "events", body, count=len(records.records), force=True)
    before = index.revision
    index.edit(text, summary="naive rebuild", bot=True)
    edited = int(site.pages[PAGE].revision != before)
    return counter.n, login, edited


def _timed(name: str, run: Callable[[], tuple[int, int, int]]) -> Run:
    start = time.perf_counter()
    sent, login, edits = run()
    return Run(name, time.perf_counter() - start, sent, login, edits)


def bench(events: int, workdir: Path, *, naive: bool = True, repeats: int = 7) -> None:
    wiki, corpus = build_wiki(events, workdir)
    n = len(corpus.titles_in(CATEGORY))
    preset = tomllib.loads(load_preset("fabmob"))
    runs: list[Run] = []
    with wiki.start():
        config = Config(
            site=wiki.url,
            user=wiki.bot_user,
            password=wiki.bot_password,
            cache=str(workdir / "cache.sqlite"),
            types=preset["types"],
            jobs=preset["jobs"],
        )
        runs.append(_timed("wikisync cold (empty cache)", lambda: wikisync_rebuild(config)))
        # the first run after a save renders once to see the page holds it, and remembers
        runs.append(_timed("wikisync, first run after the save", lambda: wikisync_rebuild(config)))
        quiet: list[Run] = []
        reads: list[Run] = []
        for i in range(1, repeats + 1):  # taking turns, so load on the machine hits both alike
            quiet.append(
                _timed(f"wikisync, nothing changed ({i})", lambda: wikisync_rebuild(config))
            )
            reads.append(_timed(f"warm read of the pages alone ({i})", lambda: warm_read(config)))
        parsing = [
            _timed(
                f"  same, parsing and rendering ({i})",
                lambda: wikisync_rebuild(config, parse=True),
            )
            for i in (1, 2, 3)
        ]
        runs += quiet + parsing + reads
        if naive:
            wiki.restore("seeded")
            types = preset["types"]
            runs.append(_timed("naive mwclient cold", lambda: naive_rebuild(wiki, types)))
            runs.append(
                _timed("naive mwclient, nothing changed", lambda: naive_rebuild(wiki, types))
            )
    baseline = runs[-1].seconds if naive else None
    print(f"\n'rebuild events' over {n} event pages, local MediaWiki 1.39, as a bot:")
    print(
        f"{'run':<36} {'wall':>8} {'requests':>9} {'beyond login':>13} {'edits':>6} {'vs naive':>9}"
    )
    for run in runs:
        versus = f"{baseline / run.seconds:>8.1f}x" if baseline else f"{'-':>9}"
        print(
            f"{run.name:<36} {run.seconds:>6.2f} s {run.requests:>9} "
            f"{run.requests - run.login:>13} {run.edits:>6} {versus}"
        )
    read = statistics.median(r.seconds for r in reads)
    rebuilt = statistics.median(r.seconds for r in quiet)
    reparsed = statistics.median(r.seconds for r in parsing)
    beyond = max(r.requests - r.login for r in quiet)
    edits = sum(r.edits for r in quiet)
    print(
        f"\nmedians: nothing changed {rebuilt:.2f} s, parsing and rendering {reparsed:.2f} s, "
        f"warm read alone {read:.2f} s"
    )
    print(
        f"nothing changed / warm read: {rebuilt / read:.2f}x "
        f"(parsing and rendering as before: {reparsed / read:.2f}x)"
    )
    verdict = "met" if beyond <= 2 and edits == 0 and rebuilt <= 1.2 * read else "NOT met"
    print(
        "target for the run with nothing changed: <= 2 requests beyond login "
        f"({beyond}), 0 edits ({edits}), within 1.2x of the warm read: {verdict}"
    )
    print("login = site info (1) + login token (1) + login (1) + user info (1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument(
        "--repeats", type=int, default=7, help="runs of the no-change rebuild and the warm read"
    )
    parser.add_argument(
        "--no-naive", action="store_true", help="skip the (slow) naive mwclient baseline"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wikisync-bench-") as tmp:
        bench(args.events, Path(tmp), naive=not args.no_naive, repeats=args.repeats)


if __name__ == "__main__":
    main()
