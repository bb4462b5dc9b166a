"""Benchmark: reading a category from a live wiki, and streaming a large dump.

Not a test. Builds a real test wiki holding N event pages (2,000 by default),
then prints, in one run, the requests and wall time of:

- the floor: one raw generator query (requests + continuation, as a bot);
- wikisync cold (empty revision cache), as a bot and anonymously;
- wikisync warm, nothing changed;
- wikisync warm, 1 % of the pages edited;
- naive mwclient: ``for page in category: page.text()``;

with ratios against the floor and against naive mwclient. A second part
writes a dump of D pages (100,000 by default) and streams it with wikisync's
dump reader in a child process, printing its peak memory.

Run from the repository root::

    .venv/bin/python -m bench.bench_read            # N=2000, D=100000
    .venv/bin/python -m bench.bench_read --events 500 --dump-pages 20000
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import mwclient
import requests

from tests.corpus import generate_corpus, write_export_xml
from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.sources import open_source
from wikisync.sources.wiki import WikiSource

CATEGORY = "Catégorie:Evénement"


def _timed(run: Callable[[], tuple[int, int]]) -> tuple[float, int, int]:
    start = time.perf_counter()
    requests_sent, pages = run()
    return time.perf_counter() - start, requests_sent, pages


def raw_generator(wiki: TestWiki) -> tuple[int, int]:
    """The floor: log in as the bot, then one generator query with continuation."""
    session = requests.Session()
    api = wiki.api_url
    sent = 0

    def call(method: str, **params: str) -> dict[str, object]:
        nonlocal sent
        sent += 1
        params["format"] = "json"
        response = session.request(
            method,
            api,
            params=params if method == "GET" else None,
            data=params if method == "POST" else None,
            timeout=60,
        )
        response.raise_for_status()
        data: dict[str, object] = response.json()
        return data

    token = call("GET", action="query", meta="tokens", type="login")
    login_token = token["query"]["tokens"]["logintoken"]  # type: ignore[index]
    call(
        "POST",
        action="login",
        lgname=wiki.bot_user,
        lgpassword=wiki.bot_password,
        lgtoken=login_token,
    )
    pages = 0
    cont: dict[str, str] = {"continue": ""}
    while True:
        data = call(
            "GET",
            action="query",
            generator="categorymembers",
            gcmtitle=CATEGORY,
            gcmlimit="500",
            prop="revisions",
            rvprop="ids|timestamp|content",
            rvslots="main",
            formatversion="2",
            **cont,
        )
        pages += sum(1 for p in data["query"]["pages"] if p.get("revisions"))  # type: ignore[index, attr-defined]
        if "continue" not in data:
            return sent, pages
        cont = data["continue"]  # type: ignore[assignment]


def wikisync_read(config: Config) -> tuple[int, int]:
    source = open_source(config)
    assert isinstance(source, WikiSource)
    try:
        pages = sum(1 for _ in source.iter_category(CATEGORY))
        return source.client.requests, pages
    finally:
        source.close()


def naive_mwclient(wiki: TestWiki) -> tuple[int, int]:
    counter = {"n": 0}
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    original = site.raw_call

    def counting(*args: object, **kwargs: object) -> object:
        counter["n"] += 1
        return original(*args, **kwargs)

    site.raw_call = counting
    counter["n"] += 1  # the site info request made by the constructor
    site.login(wiki.bot_user, wiki.bot_password)
    pages = 0
    for page in site.categories[CATEGORY.split(":", 1)[1]]:
        page.text()
        pages += 1
    return counter["n"], pages


def edit_share(wiki: TestWiki, titles: list[str], share: float) -> int:
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    site.login(wiki.admin_user, wiki.admin_password)
    chosen = titles[:: max(1, round(1 / share))]
    for title in chosen:
        page = site.pages[title]
        page.edit(page.text() + "\n<!-- bench edit -->", summary="bench")
    return len(chosen)


def _row(name: str, seconds: float, sent: int, pages: int, floor: float, naive: float) -> str:
    return (
        f"{name:<38} {pages:>6} {sent:>9} {seconds:>8.2f} s"
        f" {seconds / floor:>8.2f}x {naive / seconds if seconds else 0:>9.1f}x"
    )


def bench_live(events: int, workdir: Path) -> None:
    corpus = generate_corpus(events=events)
    dump = workdir / "corpus.xml"
    write_export_xml(corpus.pages, dump)
    started = time.perf_counter()
    wiki = TestWiki.create(workdir / "wiki")
    wiki.import_xml(dump)
    print(
        f"test wiki with {len(corpus.titles_in('Evénement'))} event pages built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    titles = corpus.titles_in("Evénement")
    n = len(titles)
    with wiki.start():
        base = Config(
            site=wiki.url,
            user=wiki.bot_user,
            password=wiki.bot_password,
            cache=str(workdir / "cache.sqlite"),
        )
        anon = Config(site=wiki.url, use_cache=False)
        results: list[tuple[str, float, int, int]] = []
        floor = _timed(lambda: raw_generator(wiki))
        results.append(("raw generator query (floor), bot", *floor))
        results.append(("wikisync cold, bot", *_timed(lambda: wikisync_read(base))))
        results.append(("wikisync cold, anonymous", *_timed(lambda: wikisync_read(anon))))
        results.append(("wikisync warm, nothing changed", *_timed(lambda: wikisync_read(base))))
        edited = edit_share(wiki, titles, 0.01)
        results.append(
            (f"wikisync warm, {edited} pages edited", *_timed(lambda: wikisync_read(base)))
        )
        naive = _timed(lambda: naive_mwclient(wiki))
        results.append(("naive mwclient (page.text() each)", *naive))
    print(f"\nReading {CATEGORY} ({n} pages) from a local MediaWiki 1.39:")
    print(f"{'run':<38} {'pages':>6} {'requests':>9} {'wall':>10} {'vs floor':>9} {'vs naive':>10}")
    for name, seconds, sent, pages in results:
        print(_row(name, seconds, sent, pages, floor[0], naive[0]))
    print(
        f"\ntargets: cold bot requests <= ceil(N/500) + overhead = {math.ceil(n / 500)} + "
        f"overhead; anonymous <= {math.ceil(n / 50)} + overhead; wall <= 1.3x floor; "
        f">= 30x faster than naive; warm unchanged: <= overhead + 1"
    )
    print("overhead = site info (1) + login token (1) + login (1) + user info (1)")


_DUMP_CHILD = """
import resource, sys, time
from pathlib import Path
from wikisync.sources.dump import open_dump
source = open_dump(Path(sys.argv[1]))
start = time.perf_counter()
pages = sum(1 for _ in source.iter_category("Evénement"))
elapsed = time.perf_counter() - start
source.close()
print(pages, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_dump(pages: int, workdir: Path) -> None:
    corpus = generate_corpus(events=pages)
    dump = workdir / "big.xml"
    write_export_xml(corpus.pages, dump)
    size_mb = dump.stat().st_size / 1e6
    baseline = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, wikisync.sources.dump; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = subprocess.run(
        [sys.executable, "-c", _DUMP_CHILD, str(dump)], capture_output=True, text=True, check=True
    ).stdout.split()
    count, elapsed, peak_kb = int(out[0]), float(out[1]), int(out[2])
    print(
        f"\nStreaming a {size_mb:.0f} MB dump of {len(corpus.pages)} pages "
        f"({count} in Catégorie:Evénement): {elapsed:.1f} s, peak RSS {peak_kb / 1024:.0f} MB "
        f"(interpreter + imports alone: {int(baseline.stdout) / 1024:.0f} MB; target < 200 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--dump-pages", type=int, default=100_000)
    parser.add_argument("--skip-dump", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wikisync-bench-") as tmp:
        bench_live(args.events, Path(tmp))
        if not args.skip_dump:
            bench_dump(args.dump_pages, Path(tmp))


if __name__ == "__main__":
    main()
