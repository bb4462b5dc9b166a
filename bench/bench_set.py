"""Benchmark: ``set event place=…`` over N event pages on a live wiki, beside plain mwclient.

Not a test. Builds a real test wiki holding N event pages (500 by default;
the bot has ``noratelimit``), then prints the wall time, the HTTP requests
(login included) and the edits of:

- wikisync ``set_fields``: the category read in batches (a generator query,
  500 pages a request as a bot), one query for the latest revisions of each
  batch of 500 pages, then one edit per page that changes (its reply checked:
  the revision it replaced must be the one read);
- the same run again: every page already holds the value, nothing is saved;
- the baseline, a plain mwclient loop over the category:
  ``page.text()`` → the same edit (wikisync's :func:`~wikisync.core.edits.set_params`,
  so both make identical edits) → ``page.edit()``; no conflict check beyond
  mwclient's own ``basetimestamp``;
- the mwclient loop again (it reads every page, and MediaWiki makes no
  revision for an unchanged text);
- the floor (:mod:`bench.floor`): a raw ``action=edit`` loop reusing one
  token, with the same texts computed beforehand: no read, no check.

The floor and wikisync's set run in turns, twice each (the wiki restored
before each), and the best of each is printed: on a machine other jobs load,
both meet the same moments of load.

It prints requests per saved page (login included) and the wall time beside
the floor and beside the mwclient loop.

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
from bench.floor import raw_edit_loop
from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import Config
from wikisync.core.edits import EditError, read_params, set_params
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import record_type_named
from wikisync.ops.publish import open_target
from wikisync.presets import load_preset
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiSource

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
    assert run_exit_code(report.outcomes()) == 0, report.counts()
    return source.client.requests, report.count("edited")


def naive_set(wiki: TestWiki) -> tuple[int, int]:
    """A plain mwclient loop: read each page, edit the string, save it."""
    site, counter = counting_site(wiki)
    edits = 0
    for page in site.categories[CATEGORY]:
        if page.namespace != 0:
            continue
        text = page.text()
        new = _set_place(text)
        if new is not None and new != text:
            page.edit(new, summary="naive set", bot=True)
            edits += 1
    return counter.n, edits


def _timed(name: str, run: Callable[[], tuple[int, int]]) -> Run:
    start = time.perf_counter()
    sent, edits = run()
    return Run(name, time.perf_counter() - start, sent, edits)


def planned_edits(corpus: Corpus) -> list[tuple[str, str]]:
    """The texts the set makes, computed from the corpus (for the floor)."""
    edits = []
    for title in corpus.titles_in(CATEGORY):
        text = corpus.page(title).wikitext
        new = _set_place(text)
        if new is not None and new != text:
            edits.append((title, new))
    return edits


def _set_place(text: str) -> str | None:
    """The text with the first infobox's place set, as wikisync sets it; None: no infobox."""
    infoboxes = read_params(text, TEMPLATES)
    if not infoboxes:
        return None
    param = "Lieu" if infoboxes[0].get("Lieu") else "place"
    try:
        return set_params(text, TEMPLATES, {param: VALUE}).wikitext
    except EditError:
        return None


def print_runs(title: str, runs: list[Run], floor: Run, naive: Run) -> None:
    """The table every write benchmark prints."""
    print(f"\n{title}")
    print(
        f"{'run':<34} {'wall':>8} {'requests':>9} {'saved':>6} {'req/saved':>10} "
        f"{'vs floor':>9} {'vs mwclient':>12}"
    )
    for run in runs:
        per = f"{run.requests / run.edits:.3f}" if run.edits else "-"
        print(
            f"{run.name:<34} {run.seconds:>6.2f} s {run.requests:>9} {run.edits:>6} {per:>10} "
            f"{run.seconds / floor.seconds:>8.2f}x {run.seconds / naive.seconds:>11.2f}x"
        )


def bench(events: int, workdir: Path, repeat: int = 2) -> None:
    wiki, corpus = build_wiki(events, workdir)
    n = len(corpus.titles_in(CATEGORY))
    preset = tomllib.loads(load_preset("fabmob"))
    edits = planned_edits(corpus)
    runs: list[Run] = []
    with wiki.start():
        config = Config(
            site=wiki.url,
            user=wiki.bot_user,
            password=wiki.bot_password,
            use_cache=False,
            types=preset["types"],
        )
        # The floor and wikisync's set alternate, ``repeat`` times each, and each keeps
        # its best: on a shared machine the load moves, and both meet the same moments.
        sets: list[Run] = []
        floors: list[Run] = []
        for turn in range(repeat):
            wiki.restore("seeded")
            seconds, sent, saved = raw_edit_loop(wiki, edits)
            floors.append(Run("floor: raw action=edit loop", seconds, sent, saved))
            wiki.restore("seeded")
            sets.append(_timed("wikisync set", lambda: wikisync_set(config)))
            print(
                f"turn {turn + 1}: floor {floors[-1].seconds:.1f} s, set {sets[-1].seconds:.1f} s"
            )
        runs.append(min(sets, key=lambda run: run.seconds))
        floor = min(floors, key=lambda run: run.seconds)
        runs.append(_timed("wikisync set, again (all done)", lambda: wikisync_set(config)))
        wiki.restore("seeded")
        runs.append(_timed("mwclient text()/edit() loop", lambda: naive_set(wiki)))
        runs.append(_timed("mwclient loop, again", lambda: naive_set(wiki)))
    print_runs(
        f"'set event place=…' over {n} event pages, local MediaWiki 1.39, as a bot:",
        [*runs, floor],
        floor,
        runs[2],
    )
    print(
        "\nrequests include the login (4 for wikisync, 3 for the floor and mwclient); "
        "wikisync's: the category read in batches, one latest-revision query per 500 pages, "
        "one edit per saved page (the CSRF token is fetched once)"
    )


def main() -> None:
    bench_main(__doc__ or "", bench, events=500)


if __name__ == "__main__":
    main()
