"""Benchmark: ``import`` of a spreadsheet that changes one cell per event page.

Not a test. Builds a real test wiki holding N event pages (500 by default;
the bot has ``noratelimit``), exports the events with ``fields=place`` (not
measured), sets every row's ``place`` cell to one value, then prints the
wall time, requests, requests per saved page and pages saved of:

- wikisync ``import_records``: the pages read in batches, one
  latest-revision query per batch, one edit per page that changes (its reply
  checked: the revision it replaced must be the exported one);
- the mwclient ``page.text()``/``page.edit()`` loop making the same edits;
- the floor (:mod:`bench.floor`): a raw ``action=edit`` loop reusing one
  token, with the same texts computed beforehand.

Run from the repository root::

    .venv/bin/python -m bench.bench_import              # N=500
    .venv/bin/python -m bench.bench_import --events 200
"""

from __future__ import annotations

import csv
import time
import tomllib
from pathlib import Path

from bench.bench_set import CATEGORY, VALUE, Run, naive_set, planned_edits, print_runs
from bench.common import bench_main, build_wiki
from bench.floor import raw_edit_loop
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import Config
from wikisync.ops.collect import record_type_named
from wikisync.ops.publish import open_target
from wikisync.ops.spreadsheet import export_records, import_records
from wikisync.presets import load_preset
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiSource


def export_and_edit(config: Config, path: Path) -> int:
    """Export the events' place, set every row's cell to VALUE; rows written."""
    source = open_source(config)
    try:
        export_records(source, record_type_named(config.types, "event"), path, fields=["place"])
    finally:
        source.close()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("place")
    for row in rows[1:]:
        row[column] = VALUE
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return len(rows) - 1


def wikisync_import(config: Config, path: Path) -> Run:
    source = open_source(config)
    assert isinstance(source, WikiSource)
    start = time.perf_counter()
    try:
        event = record_type_named(config.types, "event")
        report = import_records(source, open_target(source), event, path)
    finally:
        source.close()
    seconds = time.perf_counter() - start
    assert run_exit_code(report.outcomes()) == 0, report.counts()
    return Run("wikisync import", seconds, source.client.requests, report.count("edited"))


def bench(events: int, workdir: Path) -> None:
    wiki, corpus = build_wiki(events, workdir)
    preset = tomllib.loads(load_preset("fabmob"))
    edits = planned_edits(corpus)
    sheet = workdir / "events.csv"
    with wiki.start():
        config = Config(
            site=wiki.url,
            user=wiki.bot_user,
            password=wiki.bot_password,
            use_cache=False,
            types=preset["types"],
        )
        rows = export_and_edit(config, sheet)
        imported = wikisync_import(config, sheet)
        wiki.restore("seeded")
        seconds, sent, saved = raw_edit_loop(wiki, edits)
        floor = Run("floor: raw action=edit loop", seconds, sent, saved)
        wiki.restore("seeded")
        start = time.perf_counter()
        sent, saved = naive_set(wiki)
        naive = Run("mwclient text()/edit() loop", time.perf_counter() - start, sent, saved)
    print_runs(
        f"import of {rows} spreadsheet rows (place changed) over "
        f"{len(corpus.titles_in(CATEGORY))} event pages, local MediaWiki 1.39, as a bot:",
        [imported, naive, floor],
        floor,
        naive,
    )
    print(
        "\nrequests include the login (4 for wikisync, 3 for the floor and mwclient); "
        "wikisync's: the pages read in batches, one latest-revision query per 500 pages, "
        "one edit per saved page"
    )


def main() -> None:
    bench_main(__doc__ or "", bench, events=500)


if __name__ == "__main__":
    main()
