"""What the benchmarks share: test wikis, event pages, best-of timing, a request-counting
mwclient baseline and the main()."""

from __future__ import annotations

import argparse
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import mwclient

from tests.corpus import Corpus, generate_corpus, write_export_xml
from tests.mediawiki import TestWiki
from wikisync.core.pages import PageText
from wikisync.core.schema import RecordType, load_record_types
from wikisync.presets import load_preset

T = TypeVar("T")

CATEGORY = "Catégorie:Evénement"


def event_pages(events: int) -> tuple[list[PageText], RecordType]:
    """The synthetic event pages the test wikis hold, and the FabMob preset's event type."""
    corpus = generate_corpus(events=events)
    wanted = set(corpus.titles_in("Evénement"))
    pages = [page for page in corpus.pages if page.title in wanted]
    types = load_record_types(tomllib.loads(load_preset("fabmob"))["types"])
    return pages, types["event"]


def best_of(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    """The shortest wall time of ``runs`` calls of ``work`` (after one warm-up), and its result."""
    best = float("inf")
    result = work()
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def build_wiki(events: int, workdir: Path) -> tuple[TestWiki, Corpus]:
    """A stopped test wiki holding ``events`` event pages, its data snapshot "seeded".

    Prints how long the build took (not part of any measured run).
    """
    corpus = generate_corpus(events=events)
    dump = workdir / "corpus.xml"
    write_export_xml(corpus.pages, dump)
    started = time.perf_counter()
    wiki = TestWiki.create(workdir / "wiki")
    wiki.import_xml(dump, link_updates=False)
    wiki.snapshot("seeded")
    members = len(corpus.titles_in(CATEGORY.split(":", 1)[1]))
    print(f"test wiki with {members} event pages built in {time.perf_counter() - started:.1f} s")
    return wiki, corpus


class Counter:
    """HTTP requests an mwclient Site has sent."""

    def __init__(self) -> None:
        self.n = 0


def counting_site(wiki: TestWiki, *, login: bool = True) -> tuple[mwclient.Site, Counter]:
    """A plain mwclient Site on ``wiki`` (logged in as the bot) that counts its requests.

    The count includes the site info request mwclient's constructor makes.
    """
    counter = Counter()
    counter.n = 1  # the constructor's site info request, sent before the wrapper exists
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    original = site.raw_call

    def counting(*args: Any, **kwargs: Any) -> Any:
        counter.n += 1
        return original(*args, **kwargs)

    site.raw_call = counting
    if login:
        site.login(wiki.bot_user, wiki.bot_password)
    return site, counter


def bench_main(doc: str, bench: Callable[[int, Path], None], *, events: int) -> None:
    """Parse ``--events`` and run ``bench(events, workdir)`` in a temporary folder."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=events)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wikisync-bench-") as tmp:
        bench(args.events, Path(tmp))
