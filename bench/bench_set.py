"""Benchmark: ``set event place=…`` over N event pages on a live wiki, beside plain mwclient.

Not a test. Builds a real test wiki holding N event pages (500 by default;
the bot has ``noratelimit``), then prints the wall time, the HTTP requests
(login included) and the edits of:

- wikisync ``set_fields``: the category read in batches (a generator query,
  500 pages a request as a bot), one edit per page that changes, each
  checked against the page's latest revision first;
- the same run again: every page already holds the value, nothing is saved;
- the baseline, a plain mwclient loop over the category:
  ``page.text()`` → the same edit (wikisync's :func:`~wikisync.edits.set_params`,
  so both make identical edits) → ``page.edit()``; no conflict check beyond
  mwclient's own ``basetimestamp``;
- the mwclient loop again (it reads every page, and MediaWiki makes no
  revision for an unchanged text).

Run from the repository root::

    .venv/bin/python -m bench.bench_set              # N=500
    .venv/bin/python -m bench.bench_set --events 200
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import bench_main, build_wiki, counting_site
from tests.mediawiki import TestWiki
from wikisync.batch import set_fields
from wikisync.collect import record_type_named
from wikisync.config import Config
from wikisync.edits import EditError, read_params, set_params
from wikisync.presets import load_preset
from wikisync.publish import open_target
from wikisync.sources import open_source
from wikisync.sources.wiki import WikiSource

CATEGORY = "Evénement"
TEMPLATES = ("Event", "Evénement", "Événement")
VALUE = "Halle de la mobilité, Lyon"


@dataclass
class Run:
    name: str
    seconds: float
    requests: int
    edits: int


def wikisync_set(config: Config) -> tuple[int, int]:
    """One ``set event place=VALUE``: (requests in all, pages edited)."""
    source = open_source(config)
    assert isinstance(source, WikiSource)
    event = record_type_named(config.types, "event")
    try:
        report = set_fields(source, open_target(source), event, {"place": VALUE})
    finally:
        source.close()
    assert report.exit_code == 0, report.counts()
    return source.client.requests, report.count("edited")


def naive_set(wiki: TestWiki) -> tuple[int, int]:
    """A plain mwclient loop: read each page, edit the string, save it."""
    site, counter = counting_site(wiki)
    edits = 0
    for page in site.categories[CATEGORY]:
        if page.namespace != 0:
            continue
        text = page.text()
        infoboxes = read_params(text, TEMPLATES)
        if not infoboxes:
            continue
        param = "Lieu" if infoboxes[0].get("Lieu") else "place"
        try:
            new = set_params(text, TEMPLATES, {param: VALUE}).wikitext
        except EditError:
            continue
        if new != text:
            page.edit(new, summary="naive set", bot=True)
            edits += 1
    return counter.n, edits


def _timed(name: str, run: Callable[[], tuple[int, int]]) -> Run:
    start = time.perf_counter()
    sent, edits = run()
    return Run(name, time.perf_counter() - start, sent, edits)


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
            use_cache=False,
            types=preset["types"],
        )
        runs.append(_timed("wikisync set", lambda: wikisync_set(config)))
        runs.append(_timed("wikisync set, again (all done)", lambda: wikisync_set(config)))
        wiki.restore("seeded")
        runs.append(_timed("mwclient text()/edit() loop", lambda: naive_set(wiki)))
        runs.append(_timed("mwclient loop, again", lambda: naive_set(wiki)))
    naive = runs[2]
    print(f"\n'set event place=…' over {n} event pages, local MediaWiki 1.39, as a bot:")
    print(f"{'run':<32} {'wall':>8} {'requests':>9} {'edits':>6} {'time vs mwclient':>17}")
    for run in runs:
        print(
            f"{run.name:<32} {run.seconds:>6.2f} s {run.requests:>9} {run.edits:>6} "
            f"{run.seconds / naive.seconds:>16.2f}x"
        )
    print(
        "\nwikisync's requests: login (4) + the category read in batches + per edited page "
        "one revision check and one edit (the CSRF token is fetched once)"
    )


def main() -> None:
    bench_main(__doc__ or "", bench, events=500)


if __name__ == "__main__":
    main()
