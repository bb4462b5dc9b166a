"""Writes at the server's pace, on a real MediaWiki with core rate limits (issue 22.5).

The wiki's own rate limiter is the judge: every edit it refuses is a line of
its ``ratelimit`` log (:meth:`TestWiki.ratelimit_trips`).
"""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import Config
from wikisync.wiki.reader import WikiClient, WikiSource
from wikisync.wiki.writer import WikiWriter

EDITS, SECONDS = 10, 2


def test_set_keeps_the_accounts_rate_limit_with_no_ratelimited_reply(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    wiki.set_ratelimit(True, edits=EDITS, seconds=SECONDS)
    events = corpus.titles_in("Evénement")
    start = time.monotonic()
    result = CliRunner().invoke(
        cli,
        ["-c", str(config_file), "set", "event", "place=Salle des fêtes, Pacé", "-v"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    wall = time.monotonic() - start
    assert result.exit_code == 0, result.output
    edited = result.stderr.count('" edited (')
    assert edited >= 3 * EDITS, result.stderr
    assert wiki.ratelimit_trips() == 0
    assert "ratelimited" not in result.stderr
    assert f"edits paced to {EDITS} edits per {SECONDS} s" in result.stderr
    # the wall time the limit implies: a full window per EDITS edits after the first batch
    windows = (edited - 1) // EDITS
    assert windows * SECONDS <= wall < windows * SECONDS * 1.2 + 0.25 * len(events) + 5


def test_without_pacing_the_same_limit_is_met(wiki: TestWiki, corpus: Corpus) -> None:
    """The judge sees a trip when edits go faster than the limit (so 0 above means something)."""
    wiki.set_ratelimit(True, edits=2, seconds=SECONDS)
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, retries=4)
    client = WikiClient(wiki.url, config)
    client.call("query", meta="userinfo")  # logged in
    token = client.site.get_token("csrf")
    for title in corpus.titles_in("Acteur")[:3]:
        client._call(  # past the pace, as a tool that does not read the limits would
            "edit",
            "POST",
            None,
            {"title": title, "appendtext": "\nVu.", "token": token, "summary": "vite"},
        )
    assert wiki.ratelimit_trips() >= 1


def test_edit_rate_spaces_the_writers_saves(wiki: TestWiki, corpus: Corpus) -> None:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, edit_rate=120.0)
    client = WikiClient(wiki.url, config)
    source = WikiSource(client)
    writer = WikiWriter(client)
    pages = source.fetch_titles(corpus.titles_in("Acteur")[:5]).pages
    start = time.monotonic()
    for page in pages:
        assert writer.save(page.title, page.wikitext + "\nVu.", base=page, summary="t").changed
    # 120 edits a minute: one each half second, 4 gaps between 5 edits
    assert time.monotonic() - start >= 4 * 0.5
    assert client.pace is not None and client.pace.limits == []  # the bot has noratelimit
    assert client.pace.waited > 0
