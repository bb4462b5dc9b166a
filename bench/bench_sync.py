"""Benchmark: pulling and pushing a mirror folder, against plain mwclient page by page.

Not a test. Builds a real test wiki holding N event pages (2,000 by default),
then prints the requests and wall time of:

- wikisync pull of the category into an empty mirror (cold);
- wikisync pull again, nothing changed (only a listing);
- wikisync status, nothing changed;
- wikisync push of an edit of every page (conflict-safe saves, then a batched read-back);
- plain mwclient "pull": ``for page in category: page.text()``, each written to a file;
- plain mwclient "push": ``site.pages[title].edit(text)`` for every page;
- the floor of a push (:mod:`bench.floor`): a raw ``action=edit`` loop
  reusing one token, the texts known beforehand;

with ratios against mwclient, and for the pushes requests per saved page and
the time beside the floor. Saves cannot be batched in the MediaWiki API:
wikisync's push spends one request per page (the edit, whose reply is checked:
the revision it replaced must be the base) plus a listing and a read-back per
500 pages; mwclient two (page info, then the edit).

Run from the repository root::

    .venv/bin/python -m bench.bench_sync              # N=2000
    .venv/bin/python -m bench.bench_sync --events 500
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bench.common import bench_main, build_wiki, counting_site
from bench.floor import raw_edit_loop
from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.core.pages import FRENCH
from wikisync.mirror.filenames import title_to_path
from wikisync.mirror.reader import open_mirror
from wikisync.ops.sync import mirror_status, pull, push
from wikisync.wiki.site import WikiClient

CATEGORY = "Evénement"


def _timed(run: Callable[[], tuple[int, int]]) -> tuple[float, int, int]:
    start = time.perf_counter()
    sent, pages = run()
    return time.perf_counter() - start, sent, pages


def _client(wiki: TestWiki) -> WikiClient:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return WikiClient(wiki.url, config)


def wikisync_pull(wiki: TestWiki, mirror: Path) -> tuple[int, int]:
    client = _client(wiki)
    report = pull(client, mirror, categories=[CATEGORY])
    return client.requests, report.fetched


def wikisync_status(wiki: TestWiki, mirror: Path) -> tuple[int, int]:
    client = _client(wiki)
    report = mirror_status(client, mirror)
    return client.requests, len(report.pages)


def edit_mirror(mirror: Path, marker: str) -> int:
    source = open_mirror(mirror)
    count = 0
    for entry in source.entries().values():
        path = mirror / entry.file
        path.write_text(
            path.read_text(encoding="utf-8").removesuffix("\n") + f"\n{marker}\n", encoding="utf-8"
        )
        count += 1
    return count


def wikisync_push(wiki: TestWiki, mirror: Path) -> tuple[int, int]:
    client = _client(wiki)
    report = push(client, mirror, summary="bench")
    assert not report.conflicts, report.conflicts[:3]
    return client.requests, sum(1 for i in report.items if i.action == "saved")


def mwclient_pull(wiki: TestWiki, folder: Path) -> tuple[int, int]:
    site, counter = counting_site(wiki)
    pages = 0
    for page in site.categories[CATEGORY]:
        path = folder / title_to_path(page.name, FRENCH)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page.text() + "\n", encoding="utf-8")
        pages += 1
    return counter.n, pages


def mwclient_push(wiki: TestWiki, titles: list[str], marker: str) -> tuple[int, int]:
    site, counter = counting_site(wiki)
    # Same starting point as wikisync: the texts are known locally (read them uncounted).
    texts = {t: open_text(wiki, t) for t in titles}
    start = counter.n
    for title in titles:
        site.pages[title].edit(texts[title] + f"\n{marker}", summary="bench")
    return counter.n - start + 3, len(titles)


def open_text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _row(name: str, seconds: float, sent: int, pages: int, peer: float | None) -> str:
    ratio = f"{peer / seconds:>8.1f}x" if peer and seconds else " " * 9
    return f"{name:<44} {pages:>6} {sent:>9} {seconds:>8.2f} s {ratio}"


def _push_row(name: str, run: tuple[float, int, int], floor: float, naive: float) -> str:
    seconds, sent, pages = run
    per = f"{sent / pages:.3f}" if pages else "-"
    return (
        f"{name:<44} {pages:>6} {sent:>9} {per:>10} {seconds:>8.2f} s "
        f"{seconds / floor:>8.2f}x {seconds / naive:>11.2f}x"
    )


def bench(events: int, workdir: Path) -> None:
    wiki, corpus = build_wiki(events, workdir)
    titles = corpus.titles_in(CATEGORY)
    mirror = workdir / "mirror"
    with wiki.start():
        naive_pull = _timed(lambda: mwclient_pull(wiki, workdir / "naive"))
        cold = _timed(lambda: wikisync_pull(wiki, mirror))
        warm = _timed(lambda: wikisync_pull(wiki, mirror))
        status = _timed(lambda: wikisync_status(wiki, mirror))
        edit_mirror(mirror, "<!-- bench: wikisync -->")
        pushed = _timed(lambda: wikisync_push(wiki, mirror))
        clean = _timed(lambda: wikisync_status(wiki, mirror))
        naive_push = _timed(lambda: mwclient_push(wiki, titles, "<!-- bench: mwclient -->"))
        texts = [(t, open_text(wiki, t) + "\n<!-- bench: floor -->") for t in titles]
        floor = raw_edit_loop(wiki, texts)
    print(f"\nPull, status and push of Catégorie:{CATEGORY} ({len(titles)} pages), bot account:")
    print(f"{'run':<44} {'pages':>6} {'requests':>9} {'wall':>10} {'vs mwclient':>9}")
    print(_row("wikisync pull, empty mirror", *cold, naive_pull[0]))
    print(_row("wikisync pull again, nothing changed", *warm, naive_pull[0]))
    print(_row("wikisync status, nothing changed", *status, None))
    print(_row("mwclient pull (page.text() each, to files)", *naive_pull, None))
    print(_row("wikisync status after the push", *clean, None))
    print(
        f"\n{'push':<44} {'saved':>6} {'requests':>9} {'req/saved':>10} {'wall':>10} "
        f"{'vs floor':>9} {'vs mwclient':>12}"
    )
    print(_push_row("wikisync push, every page edited", pushed, floor[0], naive_push[0]))
    print(_push_row("mwclient push (page.edit() each)", naive_push, floor[0], naive_push[0]))
    print(_push_row("floor: raw action=edit loop", floor, floor[0], naive_push[0]))
    print(
        "\nrequests include the login (4 for wikisync, 3 for mwclient and the floor); "
        "wikisync's push also lists the pages and reads the saved revisions back (one "
        "request per 500 each) so the next status is clean"
    )


def main() -> None:
    bench_main(__doc__ or "", bench, events=2000)


if __name__ == "__main__":
    main()
