"""Faults on the wire, through a seeded fault-injecting proxy (tests/faultproxy.py).

The probe and every call are retried through each kind of fault; ``max_wait``
bounds the whole time of one request; a fault that outlasts it ends in one
line and exit code 1 with the summary and report of what was done. Then whole
commands (``set``, ``import``, ``pull``/``push``, ``rebuild``) run through
5-10 % faults on every request and must finish in one run with no edit lost,
doubled or partial, checked against the wiki itself (not through the proxy).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from tests.corpus import Corpus
from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import Config
from wikisync.errors import LoginError, SiteError
from wikisync.sources.site import WikiClient


def _config(wiki: TestWiki, **values: object) -> Config:
    base = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return base.with_overrides(**values)


@pytest.fixture
def proxy(wiki: TestWiki) -> Iterator[FaultProxy]:
    """A proxy in front of ``wiki`` that injects only the faults a test plans."""
    with FaultProxy(wiki.port, seed=1, rate=0.0, slow_seconds=3.0, retry_after=1) as started:
        yield started


class _Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


# -- the probe and single calls --------------------------------------------------------


@pytest.mark.parametrize(
    "faults",
    [
        ("http503",),
        ("maxlag",),
        ("http429",),
        ("reset_before",),
        ("reset_after",),
        ("truncated", "truncated", "truncated"),
        ("slow",),
        ("refused",),
        ("http503", "maxlag", "reset_before"),
    ],
)
def test_probe_is_retried_through_each_fault(
    wiki: TestWiki, proxy: FaultProxy, faults: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    proxy.plan(*faults)
    sleeps = _Sleeps()
    with caplog.at_level(logging.INFO, logger="wikisync"):
        client = WikiClient(proxy.url, _config(wiki, timeout=2, max_wait=30), sleep=sleeps)
    assert client.address.api_url == f"{proxy.url}/api.php"
    assert [event.kind for event in proxy.events] == list(faults)
    assert "meta=siteinfo" in proxy.events[0].request
    assert client.call("query", meta="userinfo")["query"]["userinfo"]["name"] == "WikiBot"
    retries = [r.getMessage() for r in caplog.records if "before retry" in r.getMessage()]
    assert len(retries) >= len(faults)
    assert all("site probe" in line for line in retries[: len(faults)])


def test_probe_honours_retry_after_of_429(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.retry_after = 3
    proxy.plan("http429")
    sleeps = _Sleeps()
    WikiClient(proxy.url, _config(wiki, max_wait=30), sleep=sleeps)
    assert sleeps.waits[0] >= 3


def test_probe_gives_up_on_a_fault_that_lasts_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.plan(*["http503"] * 10)
    with pytest.raises(SiteError) as info:
        WikiClient(proxy.url, _config(wiki, retries=2, max_wait=30))
    assert not isinstance(info.value, LoginError)
    assert info.value.exit_code == 1
    assert "HTTP 503" in str(info.value)
    assert "gave up after 2 retries" in str(info.value)


def test_cli_probe_fault_that_lasts_is_one_line_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.plan(*["reset_before"] * 10)
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "pages", "Evénement"],
        env={"WIKISYNC_RETRIES": "2", "WIKISYNC_MAX_WAIT": "20"},
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("wikisync: error: the wiki at")
    assert "connection failed" in lines[0]


def test_cli_probe_dropped_connection_is_retried(
    wiki: TestWiki, proxy: FaultProxy, corpus: Corpus
) -> None:
    proxy.plan("reset_before", "refused")
    result = CliRunner().invoke(cli, ["--site", proxy.url, "pages", "Evénement"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == corpus.titles_in("Evénement")
    assert [event.kind for event in proxy.events] == ["reset_before", "refused"]


@pytest.mark.parametrize("kind", ["reset_before", "reset_after", "http503", "truncated", "maxlag"])
def test_call_is_retried_through_each_fault(wiki: TestWiki, proxy: FaultProxy, kind: str) -> None:
    client = WikiClient(proxy.url, _config(wiki, timeout=2, max_wait=30))
    proxy.plan(kind, kind)
    reply = client.call("query", meta="userinfo")
    assert reply["query"]["userinfo"]["name"] == "WikiBot"
    assert [event.kind for event in proxy.events] == [kind, kind]


def test_max_wait_bounds_the_whole_request_timeouts_included(
    wiki: TestWiki, proxy: FaultProxy
) -> None:
    client = WikiClient(proxy.url, _config(wiki, timeout=30, retries=10, max_wait=4))
    proxy.slow_seconds = 20
    proxy.plan(*["slow"] * 10)
    start = time.monotonic()
    with pytest.raises(SiteError, match="gave up") as info:
        client.call("query", meta="userinfo")
    elapsed = time.monotonic() - start
    assert elapsed < 5.5, f"one request took {elapsed:.1f} s with max_wait=4"
    assert "max_wait=4 s" in str(info.value)
    # the client has stopped: the next call fails at once, naming the first failure
    start = time.monotonic()
    with pytest.raises(SiteError, match="stopped answering earlier"):
        client.call("query", meta="userinfo")
    assert time.monotonic() - start < 0.5


def test_retry_after_beyond_max_wait_gives_up_at_once(wiki: TestWiki, proxy: FaultProxy) -> None:
    client = WikiClient(proxy.url, _config(wiki, max_wait=5))
    proxy.retry_after = 60
    proxy.plan("http429")
    start = time.monotonic()
    with pytest.raises(SiteError, match="asked to wait 60 s"):
        client.call("query", meta="userinfo")
    assert time.monotonic() - start < 2


def test_malformed_login_reply_is_one_line_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.fake("login", b'{"login": {"lgusername": "WikiBot"}}')
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        f"wikisync: error: the wiki at {proxy.url} sent a malformed reply to the login of "
        f"user {wiki.bot_user} (KeyError: 'result')"
    ]
    assert wiki.bot_password not in result.output


def test_non_json_login_reply_is_one_line_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.fake("login", b"<html><body>Fatal error</body></html>")
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password, "WIKISYNC_RETRIES": "1"},
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "action=login failed: the reply is not JSON" in lines[0]
    assert wiki.bot_password not in result.output


def test_login_error_reply_is_one_line(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.fake("login", b'{"error": {"code": "internal_api_error", "info": "boom"}}')
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert result.exit_code in (1, 2), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "internal_api_error: boom" in lines[0]
