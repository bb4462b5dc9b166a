"""Benchmark: ``rebuild events`` over N event pages on a live wiki, cold and with nothing changed.

Not a test. Builds a real test wiki holding N event pages (2,000 by default)
and the ``Evénements`` index page, then prints the wall time, the requests
(login excluded, and in all) and the edits of:

- wikisync cold: empty revision cache; reads every event page (a few
  batched generator queries), renders, saves the index page once;
- wikisync with nothing changed: the cache lists the category's revisions
  in one request, the page is read once, and nothing is saved;
- the baseline, naive mwclient: ``for page in category: page.text()``, parse
  and render with wikisync's own functions, ``page.edit(...)``; the second
  naive run does the same again (MediaWiki then makes no revision, but every
  page is still read).

Targets for the run with nothing changed: at most 2 requests beyond login,
0 edits, under 1 s.

Run from the repository root::

    .venv/bin/python -m bench.bench_rebuild             # N=2000
    .venv/bin/python -m bench.bench_rebuild --events 500
"""

from __future__ import annotations

import datetime as dt
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import bench_main, build_wiki, counting_site
from tests.mediawiki import TestWiki
from wikisync.collect import record_type_named
from wikisync.config import Config
from wikisync.jobs import rebuild_jobs
from wikisync.pages import PageText
from wikisync.presets import load_preset
from wikisync.publish import open_target
from wikisync.records import extract_records
from wikisync.render import render_index
from wikisync.sections import replace_section
from wikisync.sources import open_source
from wikisync.sources.wiki import WikiSource

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


def wikisync_rebuild(config: Config) -> tuple[int, int, int]:
    """One ``rebuild events``: (requests in all, requests of the login, edits)."""
    source = open_source(config)
    assert isinstance(source, WikiSource)
    login = source.client.requests
    try:
        report = rebuild_jobs(config, source, open_target(source), names=["events"], today=TODAY)
    finally:
        source.close()
    job = report.jobs[0]
    assert job.status in ("edited", "unchanged"), job.message
    return source.client.requests, login, int(job.edited)


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


def bench(events: int, workdir: Path) -> None:
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
        runs.append(_timed("wikisync, nothing changed", lambda: wikisync_rebuild(config)))
        runs.append(_timed("wikisync, nothing changed (again)", lambda: wikisync_rebuild(config)))
        wiki.restore("seeded")
        types = preset["types"]
        runs.append(_timed("naive mwclient cold", lambda: naive_rebuild(wiki, types)))
        runs.append(_timed("naive mwclient, nothing changed", lambda: naive_rebuild(wiki, types)))
    naive = runs[-1].seconds
    print(f"\n'rebuild events' over {n} event pages, local MediaWiki 1.39, as a bot:")
    print(
        f"{'run':<36} {'wall':>8} {'requests':>9} {'beyond login':>13} {'edits':>6} {'vs naive':>9}"
    )
    for run in runs:
        print(
            f"{run.name:<36} {run.seconds:>6.2f} s {run.requests:>9} "
            f"{run.requests - run.login:>13} {run.edits:>6} {naive / run.seconds:>8.1f}x"
        )
    quiet = runs[1]
    verdict = (
        "met"
        if quiet.requests - quiet.login <= 2 and quiet.edits == 0 and quiet.seconds < 1
        else "NOT met"
    )
    print(
        "\ntarget for the run with nothing changed: <= 2 requests beyond login, 0 edits, "
        f"< 1 s: {verdict}"
    )
    print("login = site info (1) + login token (1) + login (1) + user info (1)")


def main() -> None:
    bench_main(__doc__ or "", bench, events=2000)


if __name__ == "__main__":
    main()
