"""Shared fixtures: the synthetic corpus and real throwaway MediaWikis.

Tests that use a wiki fixture (``wiki``, ``new_wiki``, ``wiki_template``,
``big_wiki``) are marked ``wiki`` automatically. They run by default; where
the wiki cannot be created or started they ERROR with the reason. Only
``pytest --no-wiki`` skips them.

Fixtures:
    corpus: the default :class:`~tests.corpus.Corpus` the wikis are seeded with.
    wiki_template: the seeded wiki, built once per session, stopped; snapshot
        ``"seeded"`` holds its data. Clone it, never start or change it.
    wiki: a started wiki holding exactly ``corpus``, fresh for each test.
    new_wiki: a factory ``new_wiki(ratelimit=False) -> TestWiki`` for extra
        started copies of the seeded wiki within one test.
    big_corpus / big_wiki: 2,000 events (plus the default other pages), built
        once per session when first asked for; read-only use.

In parallel runs (pytest-xdist, ``-n N``) each worker is a session of its
own, with its own servers and ports; the seeded template is built once for the
whole run by the first worker that needs it (a file lock guards it) and cloned
by all. The tests that use ``big_wiki`` share one xdist group, so only one
worker builds it (``--dist loadgroup``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from tests.corpus import Corpus, generate_corpus, write_export_xml
from tests.mediawiki import TestWiki
from wikisync.i18n import set_language


@pytest.fixture(autouse=True)
def _english_until_a_run_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test speaks English: a run's language (wikisync.i18n) is per process, and the
    wikis and mirrors of the suite are French (a run would speak French). The tests of the
    languages themselves (test_i18n.py, ``speaks_the_wiki_language``) lift WIKISYNC_LANG."""
    monkeypatch.setenv("WIKISYNC_LANG", "en")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def speaks_the_wiki_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs speak the configuration's ``lang``, else the wiki's language (French here)."""
    monkeypatch.delenv("WIKISYNC_LANG", raising=False)


WIKI_FIXTURES = frozenset({"wiki", "new_wiki", "wiki_template", "big_wiki"})
BIG_EVENTS = 2000
SEEDED = "seeded"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-wiki",
        action="store_true",
        default=False,
        help="skip the tests that need a real MediaWiki (marked 'wiki')",
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="--no-wiki: real MediaWiki tests not run")
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if WIKI_FIXTURES & fixtures:
            item.add_marker(pytest.mark.wiki)
        # Parallel workers (--dist loadgroup): one worker builds the 2,000-event
        # wiki and runs every test using it; the tests of a module sharing a
        # module-scoped fixture (a wiki run under faults, a browser) run in one
        # worker, so that fixture is built once, as in a serial run.
        if "big_wiki" in fixtures:
            item.add_marker(pytest.mark.xdist_group("big_wiki"))
        elif _uses_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
        if config.getoption("--no-wiki") and item.get_closest_marker("wiki"):
            item.add_marker(skip)


def _uses_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    return any(defs and defs[-1].scope in ("module", "class") for defs in definitions)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Fixture finalizers stop the servers; this catches anything left over
    # (an interrupted run), since servers live in their own process groups.
    TestWiki.stop_all()


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The default synthetic corpus (the content of ``wiki``)."""
    return generate_corpus()


@pytest.fixture(scope="session")
def big_corpus() -> Corpus:
    """The corpus of ``big_wiki``: 2,000 events and default-size other types."""
    return generate_corpus(events=BIG_EVENTS)


@pytest.fixture(scope="session")
def wiki_template(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> TestWiki:
    """The seeded wiki, stopped, with snapshot ``"seeded"``: clone it, do not start it.

    Under pytest-xdist the workers share one template in the run's temporary
    folder: the first worker to get the lock builds it, the others wait and
    open it (if a build failed, the next worker tries again).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _build_template(tmp_path_factory.mktemp("wiki-template"), corpus)
    base = tmp_path_factory.getbasetemp().parent / "wiki-template"
    with FileLock(f"{base}.lock"):
        if (base / "built").is_file():
            return TestWiki(base / "wiki")
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir()
        template = _build_template(base, corpus)
        (base / "built").touch()
        return template


def _build_template(base: Path, corpus: Corpus) -> TestWiki:
    dump = base / "corpus.xml"
    write_export_xml(corpus.pages, dump)
    template = TestWiki.create(base / "wiki")
    template.import_xml(dump)
    template.snapshot(SEEDED)
    return template


@pytest.fixture(scope="session")
def _shared_wiki(
    tmp_path_factory: pytest.TempPathFactory, wiki_template: TestWiki
) -> Iterator[TestWiki]:
    base = tmp_path_factory.mktemp("wiki-shared")
    shared = wiki_template.clone(base / "wiki", snapshot=SEEDED)
    shared.snapshot(SEEDED)
    try:
        yield shared.start()
    finally:
        shared.stop()


@pytest.fixture
def wiki(_shared_wiki: TestWiki) -> TestWiki:
    """A started wiki holding exactly the default corpus, fresh for this test.

    One server is shared by the session; before each test its data is
    restored from the seeded snapshot (a few milliseconds), the toggles are
    cleared and the bot has ``noratelimit``. Edits never leak between tests.
    """
    _shared_wiki.restore(SEEDED)
    _shared_wiki.reset_toggles()
    _shared_wiki.set_ratelimit(False)
    return _shared_wiki.start()


@pytest.fixture
def new_wiki(
    tmp_path_factory: pytest.TempPathFactory, wiki_template: TestWiki
) -> Iterator[Callable[..., TestWiki]]:
    """A factory of extra started copies of the seeded wiki, each on its own port.

    Call ``new_wiki(ratelimit=True)`` for a copy where the bot keeps core
    rate limits. The copies are stopped after the test.
    """
    made: list[TestWiki] = []

    def make(*, ratelimit: bool = False) -> TestWiki:
        directory = tmp_path_factory.mktemp("wiki-copy") / "wiki"
        copy = wiki_template.clone(directory, snapshot=SEEDED)
        copy.set_ratelimit(ratelimit)
        made.append(copy)
        return copy.start()

    try:
        yield make
    finally:
        for copy in made:
            copy.stop()


@pytest.fixture(scope="session")
def big_wiki(tmp_path_factory: pytest.TempPathFactory, big_corpus: Corpus) -> Iterator[TestWiki]:
    """A started wiki seeded with ``big_corpus`` (2,000 events); do not write to it."""
    base = tmp_path_factory.mktemp("wiki-big")
    dump = base / "corpus.xml"
    write_export_xml(big_corpus.pages, dump)
    big = TestWiki.create(base / "wiki")
    big.import_xml(dump, link_updates=False)
    try:
        yield big.start()
    finally:
        big.stop()
