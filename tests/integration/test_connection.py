"""The live-wiki connection against a real MediaWiki: login, faults, retries, pages."""

from __future__ import annotations

import functools
import http.server
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.cli.outcomes import error_exit_code
from wikisync.config import Config
from wikisync.core.errors import LoginError, SiteError
from wikisync.core.pages import CATEGORY_NS
from wikisync.wiki.reader import WikiClient, WikiSource
from wikisync.wiki.writer import WikiWriter


def _config(wiki: TestWiki, **values: object) -> Config:
    base = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return base.with_overrides(**values)


def _recursive_members(corpus: Corpus, category: str) -> list[str]:
    titles: set[str] = set()
    seen: set[str] = set()
    todo = [category]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        titles.update(corpus.titles_in(current))
        todo.extend(
            page.title.split(":", 1)[1]
            for page in corpus.pages
            if page.ns == CATEGORY_NS and f"[[Catégorie:{current}" in page.wikitext
        )
    return sorted(titles)


def test_wiki_client_bot_login_has_high_limits(wiki: TestWiki) -> None:
    client = WikiClient(wiki.url, _config(wiki))
    assert client.high_limits
    assert client.namespaces.name(CATEGORY_NS) == "Catégorie"
    # site info, login token, login, user info
    assert client.requests == 4
    reply = client.call("query", meta="userinfo")
    assert reply["query"]["userinfo"]["name"] == "WikiBot"
    assert client.requests == 5


@pytest.mark.parametrize("suffix", ["", "/", "/api.php", "/index.php"])
def test_wiki_client_accepts_url_forms(wiki: TestWiki, suffix: str) -> None:
    client = WikiClient(wiki.url + suffix, _config(wiki, user=None))
    assert client.address.api_url == wiki.api_url
    assert not client.high_limits


def test_cli_pages_lists_exactly_the_category(wiki: TestWiki, corpus: Corpus) -> None:
    result = CliRunner().invoke(
        cli,
        ["--site", wiki.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == corpus.titles_in("Evénement")


def test_cli_pages_recursive_descends_once_per_category(wiki: TestWiki, corpus: Corpus) -> None:
    result = CliRunner().invoke(cli, ["--site", wiki.url, "pages", "Evénement", "--recursive"])
    assert result.exit_code == 0, result.output
    expected = _recursive_members(corpus, "Evénement")
    assert result.output.splitlines() == expected
    assert len(expected) > len(corpus.titles_in("Evénement"))


def test_cli_pages_big_category_prints_every_title(big_wiki: TestWiki) -> None:
    result = CliRunner().invoke(cli, ["--site", big_wiki.url, "pages", "Evénement"])
    assert result.exit_code == 0, result.output
    titles = result.output.splitlines()
    assert len(titles) >= 2000
    assert len(set(titles)) == len(titles)


def test_cli_wrong_password_exits_2_naming_user_not_password(wiki: TestWiki) -> None:
    wrong = "0" * 32
    result = CliRunner().invoke(
        cli,
        ["--site", wiki.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wrong},
    )
    assert result.exit_code == 2
    assert wiki.bot_user in result.output
    assert wrong not in result.output
    assert "refused the login" in result.output


@contextmanager
def _static_server(root: Path) -> Iterator[int]:
    """Serve the files of ``root`` on a free port of 127.0.0.1 (404 for the rest)."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_cli_silent_site_is_retried_within_max_wait_then_exits_1(silent_port: int) -> None:
    start = time.monotonic()
    result = CliRunner().invoke(
        cli,
        ["--site", f"http://127.0.0.1:{silent_port}/", "pages", "Evénement"],
        env={"WIKISYNC_TIMEOUT": "1.5", "WIKISYNC_MAX_WAIT": "4"},
    )
    elapsed = time.monotonic() - start
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "no answer within 1.5 s" in result.output
    assert "max_wait=4 s" in result.output
    assert elapsed < 6


def test_cli_refused_connection_exits_2_after_two_quick_retries(silent_port: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["--site", f"http://127.0.0.1:{closed_port}", "pages", "X"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"wikisync: error: cannot reach the wiki at http://127.0.0.1:{closed_port}: "
        "connection failed (Connection refused); gave up after 2 retries in "
        + result.output.split(" retries in ")[1].split(" s ")[0]
        + f" s (retries=5, max_wait=120 s) (tried http://127.0.0.1:{closed_port}/api.php)"
    ]
    assert time.monotonic() - start < 6


def test_cli_credentials_in_site_url_are_never_shown(silent_port: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    url = f"http://bob:s3cr3t-pw@127.0.0.1:{closed_port}/w/"
    result = CliRunner().invoke(cli, ["-vv", "--site", url, "pages", "X"])
    assert result.exit_code == 2
    assert "s3cr3t-pw" not in result.output
    assert f"bob:***@127.0.0.1:{closed_port}" in result.output


@pytest.mark.parametrize(
    "suffix", ["/index.php/Accueil", "/index.php?title=Accueil", "/wiki/Accueil", "/Accueil"]
)
def test_wiki_client_accepts_page_urls(wiki: TestWiki, suffix: str) -> None:
    client = WikiClient(wiki.url + suffix, _config(wiki, user=None))
    assert client.address.api_url == wiki.api_url


def test_cli_page_url_without_wiki_is_one_line_exit_2(silent_port: int, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text("<html><head><title>x</title></head></html>")
    with _static_server(site) as port:
        result = CliRunner().invoke(
            cli, ["--site", f"http://127.0.0.1:{port}/page.html", "pages", "X"]
        )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wikisync: error: no MediaWiki API found from http://127.0.0.1:")
    assert "no EditURI link" in lines[0]


def test_wiki_client_follows_edituri_of_a_page_elsewhere(wiki: TestWiki, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "wiki").mkdir(parents=True)
    (site / "wiki" / "Accueil").write_text(
        '<html><head><link rel="EditURI" type="application/rsd+xml" '
        f'href="//127.0.0.1:{wiki.port}/api.php?action=rsd"/></head></html>'
    )
    with _static_server(site) as port:
        client = WikiClient(f"http://127.0.0.1:{port}/wiki/Accueil", _config(wiki, user=None))
    assert client.address.api_url == wiki.api_url


def test_wiki_client_maxlag_is_retried_then_reported(
    wiki: TestWiki, caplog: pytest.LogCaptureFixture
) -> None:
    client = WikiClient(wiki.url, _config(wiki, retries=3, max_wait=12))
    wiki.set_fake_lag(12)
    start = time.monotonic()
    with caplog.at_level(logging.INFO, logger="wikisync"), pytest.raises(SiteError) as info:
        client.call("query", meta="siteinfo")
    elapsed = time.monotonic() - start
    assert "maxlag" in str(info.value)
    assert "gave up" in str(info.value)
    # MediaWiki asks for Retry-After: 5; two waits fit in max_wait=12, a third does not
    assert 9.5 <= elapsed < 12
    assert any("waiting" in r.getMessage() and "maxlag" in r.getMessage() for r in caplog.records)


def test_wiki_client_retry_after_beyond_max_wait_gives_up_at_once(wiki: TestWiki) -> None:
    client = WikiClient(wiki.url, _config(wiki, retries=3, max_wait=4))
    wiki.set_fake_lag(12)
    start = time.monotonic()
    with pytest.raises(SiteError, match="the wiki asked to wait 5 s"):
        client.call("query", meta="siteinfo")
    assert time.monotonic() - start < 2


def test_wiki_client_maxlag_recovers_when_lag_ends(wiki: TestWiki) -> None:
    client = WikiClient(wiki.url, _config(wiki, retries=5, max_wait=30))
    wiki.set_fake_lag(12)
    timer = threading.Timer(1.0, wiki.set_fake_lag, args=(None,))
    timer.start()
    try:
        reply = client.call("query", meta="siteinfo")
    finally:
        timer.cancel()
    assert reply["query"]["general"]["lang"] == "fr"


def test_wiki_client_read_only_is_retried_then_reported(wiki: TestWiki) -> None:
    client = WikiClient(wiki.url, _config(wiki, retries=2, max_wait=3))
    wiki.set_read_only("maintenance en cours")
    token = client.site.get_token("csrf")
    start = time.monotonic()
    with pytest.raises(SiteError, match=r"read-only \(maintenance en cours\)"):
        client.call("edit", http_method="POST", title="Bac à sable", text="x", token=token)
    assert time.monotonic() - start < 6


def test_wiki_client_dropped_connection_is_retried_until_server_returns(wiki: TestWiki) -> None:
    client = WikiClient(wiki.url, _config(wiki, retries=6, max_wait=30))
    wiki.stop()
    restart = threading.Timer(1.5, wiki.start)
    restart.start()
    try:
        reply = client.call("query", meta="userinfo")
    finally:
        restart.join()
    assert reply["query"]["userinfo"]["name"] == "WikiBot"


def test_wiki_client_dropped_connection_reported_within_budget(wiki: TestWiki) -> None:
    client = WikiClient(wiki.url, _config(wiki, retries=2, max_wait=2))
    wiki.stop()
    start = time.monotonic()
    with pytest.raises(SiteError, match="connection failed"):
        client.call("query", meta="userinfo")
    assert time.monotonic() - start < 5


def test_wiki_client_logs_in_again_when_session_is_lost(wiki: TestWiki) -> None:
    client = WikiClient(wiki.url, _config(wiki))
    wiki.maint("invalidateUserSessions", "--user", "WikiBot")
    client.site.connection.cookies.clear()
    before = client.requests
    reply = client.call("query", meta="userinfo")
    assert reply["query"]["userinfo"]["name"] == "WikiBot"
    # the refused call, login token, login, user info, the call again
    assert client.requests - before >= 4


def test_wiki_client_refused_login_raises_login_error(wiki: TestWiki) -> None:
    with pytest.raises(LoginError, match="WikiBot@sync") as info:
        WikiClient(wiki.url, _config(wiki, password="f" * 32))
    assert "f" * 32 not in str(info.value)
    assert error_exit_code(info.value) == 2


def test_wiki_source_fetch_titles_reports_missing(wiki: TestWiki, corpus: Corpus) -> None:
    source = WikiSource(WikiClient(wiki.url, _config(wiki)))
    wanted = corpus.titles_in("Acteur")[:3]
    result = source.fetch_titles([t.replace(" ", "_") for t in wanted] + ["Page qui n'existe pas"])
    assert [p.title for p in result.pages] == wanted
    assert result.missing == ["Page qui n'existe pas"]
    assert result.pages[0].wikitext == corpus.page(wanted[0]).wikitext


def test_wiki_writer_ratelimited_saves_wait_and_go_on(
    wiki: TestWiki, corpus: Corpus, caplog: pytest.LogCaptureFixture
) -> None:
    client = WikiClient(wiki.url, _config(wiki, retries=6, max_wait=30))
    source = WikiSource(client)
    writer = WikiWriter(client)
    titles = corpus.titles_in("Acteur")[:5]
    first, *rest = source.fetch_titles(titles).pages
    assert writer.save(first.title, first.wikitext + "\nVu.", base=first, summary="test").changed
    # Limits set after the session read them (an operator tightening them mid-run):
    # the pace does not know them, the wiki answers "ratelimited", the client waits.
    wiki.set_ratelimit(True, edits=2, seconds=3)
    with caplog.at_level(logging.INFO, logger="wikisync"):
        for page in rest:
            result = writer.save(page.title, page.wikitext + "\nVu.", base=page, summary="test")
            assert result.changed
    assert any("ratelimited" in r.getMessage() for r in caplog.records)
    saved = source.fetch_titles(titles).pages
    assert [p.wikitext.endswith("Vu.") for p in saved] == [True] * len(titles)
