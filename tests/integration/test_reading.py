"""Batched and incremental reads against a real MediaWiki, and dumps made by it."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import mwclient
import pytest

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.core.errors import SourceError
from wikisync.core.pages import PageText
from wikisync.dump.reader import open_dump
from wikisync.sources import open_source
from wikisync.wiki.cache import RevisionCache
from wikisync.wiki.reader import WikiSource
from wikisync.wiki.site import WikiClient

OVERHEAD = 4  # site info, login token, login, user info


def _source(wiki: TestWiki, cache: Path | None, *, user: bool = True) -> WikiSource:
    config = Config(
        site=wiki.url,
        user=wiki.bot_user if user else None,
        password=wiki.bot_password if user else None,
    )
    return WikiSource(WikiClient(wiki.url, config), RevisionCache(cache) if cache else None)


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _read(wiki: TestWiki, cache: Path | None, category: str = "Evénement") -> list[PageText]:
    source = _source(wiki, cache)
    try:
        return sorted(source.iter_category(category), key=lambda p: p.title)
    finally:
        source.close()


def test_iter_category_cold_reads_everything_in_one_batch(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    source = _source(wiki, tmp_path / "cache.sqlite")
    pages = list(source.iter_category("Evénement"))
    assert sorted(p.title for p in pages) == corpus.titles_in("Evénement")
    assert source.client.requests == OVERHEAD + 1
    for page in pages:
        assert page.wikitext == corpus.page(page.title).wikitext
        assert page.revid > 0
        assert page.timestamp.endswith("Z")


def test_iter_category_anonymous_uses_batches_of_fifty(wiki: TestWiki, corpus: Corpus) -> None:
    source = _source(wiki, None, user=False)
    assert source.batch_size == 50
    pages = list(source.iter_category("Evénement"))
    assert len(pages) == len(corpus.titles_in("Evénement"))


def test_iter_category_warm_unchanged_costs_one_request(wiki: TestWiki, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    first = _read(wiki, cache)
    source = _source(wiki, cache)
    second = sorted(source.iter_category("Evénement"), key=lambda p: p.title)
    assert second == first
    assert source.client.requests == OVERHEAD + 1


def test_iter_category_warm_picks_up_edit_new_deleted_and_moved(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite"
    _read(wiki, cache)
    titles = corpus.titles_in("Evénement")
    edited, deleted, moved = titles[0], titles[1], titles[2]
    admin = _admin(wiki)
    admin.pages[edited].edit(admin.pages[edited].text() + "\nAjout.", summary="test")
    admin.pages["Nouvel atelier d'été"].edit(
        "{{Event\n|startDate=2027-06-01\n}}\n[[Catégorie:Evénement]]", summary="test"
    )
    admin.pages[deleted].delete(reason="test")
    admin.pages[moved].move("Atelier renommé à Besançon", reason="test", no_redirect=True)

    source = _source(wiki, cache)
    warm = sorted(source.iter_category("Evénement"), key=lambda p: p.title)
    # one listing, then one content request for the three changed pages
    assert source.client.requests == OVERHEAD + 2
    fresh = _read(wiki, None)
    assert warm == fresh
    got = {p.title for p in warm}
    assert deleted not in got
    assert moved not in got
    assert {"Atelier renommé à Besançon", "Nouvel atelier d'été", edited} <= got
    assert next(p for p in warm if p.title == edited).wikitext.endswith("Ajout.")


def test_iter_category_recursive_survives_category_cycle(wiki: TestWiki, corpus: Corpus) -> None:
    source = _source(wiki, None)
    titles = {p.title for p in source.iter_category("Mobilité active", recursive=True)}
    assert titles == set(corpus.titles_in("Mobilité active")) | set(corpus.titles_in("Vélo"))


def test_iter_category_depth_zero_is_not_recursive(wiki: TestWiki, corpus: Corpus) -> None:
    source = _source(wiki, None)
    titles = sorted(p.title for p in source.iter_category("Evénement", recursive=True, depth=0))
    assert titles == corpus.titles_in("Evénement")


def test_fetch_titles_normalises_and_follows_redirects(wiki: TestWiki) -> None:
    source = _source(wiki, None)
    result = source.fetch_titles(["modèle:Evénement", "Template:Event"], follow_redirects=True)
    assert result.redirects == {"Modèle:Evénement": "Modèle:Event"}
    assert [p.title for p in result.pages] == ["Modèle:Event", "Modèle:Event"]
    assert result.missing == []


def test_iter_namespace_lists_templates_without_redirects(wiki: TestWiki, corpus: Corpus) -> None:
    source = _source(wiki, None)
    titles = {p.title for p in source.iter_namespace(10)}
    expected = {p.title for p in corpus.pages if p.ns == 10 and "#REDIRECT" not in p.wikitext}
    assert titles == expected
    assert {p.title for p in source.iter_namespace(10, prefix="Ev")} == {"Modèle:Event"}


def _dump_wiki(wiki: TestWiki, path: Path) -> None:
    path.write_text(wiki.maint("dumpBackup", "--current", "--quiet"), encoding="utf-8")


def test_dump_and_live_wiki_give_the_same_pages(wiki: TestWiki, tmp_path: Path) -> None:
    dump_path = tmp_path / "dump.xml"
    _dump_wiki(wiki, dump_path)
    live = _read(wiki, None)
    dump = sorted(open_dump(dump_path).iter_category("Evénement"), key=lambda p: p.title)
    assert dump == live


def test_truncated_dump_names_where_it_broke(wiki: TestWiki, tmp_path: Path) -> None:
    full = tmp_path / "dump.xml"
    _dump_wiki(wiki, full)
    text = full.read_text(encoding="utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(SourceError) as info:
        list(open_dump(cut).iter_pages())
    message = str(info.value)
    assert str(cut) in message
    assert "line" in message
    assert info.value.path == str(cut)


def _read_in_process(args: tuple[str, str, str, str]) -> int:
    url, user, password, cache = args
    source = open_source(Config(site=url, user=user, password=password, cache=cache))
    try:
        return sum(1 for _ in source.iter_category("Evénement"))
    finally:
        source.close()


def test_revision_cache_shared_by_concurrent_processes(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    cache = str(tmp_path / "shared.sqlite")
    job = (wiki.url, wiki.bot_user, wiki.bot_password, cache)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        counts = pool.map(_read_in_process, [job] * 6)
    assert counts == [len(corpus.titles_in("Evénement"))] * 6
    store = RevisionCache(Path(cache))
    assert store.stats(f"{wiki.url}/api.php")["pages"] == len(corpus.titles_in("Evénement"))


def test_open_source_with_block_closes_the_session_and_cache(
    wiki: TestWiki, tmp_path: Path
) -> None:
    config = Config(
        site=wiki.url,
        user=wiki.bot_user,
        password=wiki.bot_password,
        cache=str(tmp_path / "cache.sqlite"),
    )
    with open_source(config) as source:
        assert isinstance(source, WikiSource)
        assert source.list_category("Evénement")
        adapter = source.client._session.get_adapter(wiki.url)
        assert adapter.poolmanager.pools  # a connection is open while in the block
    assert not adapter.poolmanager.pools
    assert source.cache is not None
    with pytest.raises(sqlite3.ProgrammingError):
        source.cache.stats(wiki.url)


def test_wiki_client_with_block_closes_the_session(wiki: TestWiki) -> None:
    with WikiClient(wiki.url, Config(site=wiki.url)) as client:
        adapter = client._session.get_adapter(wiki.url)
        assert adapter.poolmanager.pools
    assert not adapter.poolmanager.pools
