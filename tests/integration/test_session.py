"""The session with a live wiki: cut-off replies to every request kind, the login
included; TLS errors; one run lock per wiki however it is reached.

Against the real test wiki, through the fault proxy (tests/faultproxy.py) where
a fault is planned on one request kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import Config
from wikisync.errors import LoginError
from wikisync.sources.site import WikiClient

VALUE = "Salle coupée"
#: The faults that cut a reply off after the wiki did the work.
CUT_OFF = ("truncated", "reset_after", "slow")
#: Where to plan a fault: the proxy's action name and how many such requests pass first.
#: Queries in a run: the probe, the login token, the user info, then the command's own.
PLACES = {
    "login": ("login", 0),
    "login-token": ("tokens", 0),
    "edit-token": ("tokens", 1),
    "query": ("query", 3),
    "edit": ("edit", 0),
}


@pytest.fixture
def proxy(wiki: TestWiki) -> Iterator[FaultProxy]:
    """A proxy in front of ``wiki`` that injects only the faults a test plans."""
    with FaultProxy(wiki.port, seed=3, rate=0.0, slow_seconds=2.5, retry_after=1) as started:
        yield started


def _run(wiki: TestWiki, config_file: Path, *args: str, **env: str) -> Result:
    environment = {"WIKISYNC_PASSWORD": wiki.bot_password, "WIKISYNC_TIMEOUT": "1.5", **env}
    return CliRunner().invoke(cli, ["-c", str(config_file), *args], env=environment)


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _history(wiki: TestWiki, title: str) -> list[str]:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=50, rvprop="user")
    return [rev["user"] for rev in reply["query"]["pages"][0]["revisions"]]


# -- cut-off replies: the login, its token, the edit token, a query, a save ---------------


@pytest.mark.parametrize("kind", CUT_OFF)
@pytest.mark.parametrize("place", list(PLACES))
def test_cut_off_reply_to_each_request_kind_is_retried(
    wiki: TestWiki,
    proxy: FaultProxy,
    config_file: Path,
    tmp_path: Path,
    place: str,
    kind: str,
) -> None:
    action, before = PLACES[place]
    # twice in a row: the retried login meets the session the first cut-off reply set
    proxy.plan_on(action, *[None] * before, kind, kind)
    report = tmp_path / "report.json"
    result = _run(
        wiki,
        config_file,
        "--site",
        proxy.url,
        "set",
        "event",
        f"place={VALUE}",
        "--where",
        "startDate=2019",
        "--report",
        str(report),
    )
    events = [str(event) for event in proxy.events]
    assert result.exit_code == 0, (result.output, events)
    assert [event.kind for event in proxy.events] == [kind, kind], events
    hit = proxy.events[0].request
    expected_word = {
        "login": "action=login",
        "login-token": "meta=tokens",
        "edit-token": "meta=tokens",
        "query": "action=query",
        "edit": "action=edit",
    }[place]
    assert expected_word in hit, events
    if place == "query":
        assert "meta=tokens" not in hit and "siteinfo" not in hit, events
    pages = json.loads(report.read_text(encoding="utf-8"))["pages"]
    edited = [page["title"] for page in pages if page["status"] == "edited"]
    assert edited and {page["status"] for page in pages} <= {"edited", "skipped"}, pages
    for title in edited:
        assert f"={VALUE}" in _text(wiki, title), title
        # one save per page, by the bot: a lost reply is not saved twice
        assert _history(wiki, title).count("WikiBot") == 1, title


def test_login_reply_cut_off_after_its_headers_does_not_refuse_the_next_login(
    wiki: TestWiki, proxy: FaultProxy
) -> None:
    # The first login's reply sets the bot-password session cookie, then is cut off:
    # the retried login must not be sent inside that session (MediaWiki would refuse
    # it: "Cannot log in when using BotPasswordSessionProvider sessions").
    proxy.plan_on("login", "truncated")
    config = Config(site=proxy.url, user=wiki.bot_user, password=wiki.bot_password)
    client = WikiClient(proxy.url, config.with_overrides(timeout=2, max_wait=20))
    try:
        reply = client.call("query", meta="userinfo")
        assert reply["query"]["userinfo"]["name"] == "WikiBot"
        assert [event.kind for event in proxy.events] == ["truncated"]
    finally:
        client.close()


def test_lost_session_then_cut_off_login_logs_in_again(wiki: TestWiki, proxy: FaultProxy) -> None:
    config = Config(site=proxy.url, user=wiki.bot_user, password=wiki.bot_password)
    client = WikiClient(proxy.url, config.with_overrides(timeout=2, max_wait=20))
    try:
        client.call("logout", token=client.site.get_token("csrf"), http_method="POST")
        proxy.plan_on("login", "truncated", "reset_after")
        reply = client.call("query", meta="userinfo")  # assert=user fails: logs in again
        assert reply["query"]["userinfo"]["name"] == "WikiBot"
        assert [event.kind for event in proxy.events] == ["truncated", "reset_after"]
    finally:
        client.close()


def test_wrong_password_is_still_refused_at_once(wiki: TestWiki, proxy: FaultProxy) -> None:
    config = Config(site=proxy.url, user=wiki.bot_user, password="0" * 32)
    with pytest.raises(LoginError, match="refused the login of user WikiBot@sync"):
        WikiClient(proxy.url, config)
    logins = [event for event in proxy.events if "action=login" in event.request]
    assert logins == []
    assert proxy.requests <= 4  # probe, token, login: no retry of a refusal
