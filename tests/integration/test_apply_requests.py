"""``apply`` reads its pages in batches and saves each with one request (issue 22.8),
counted on the wire by the proxy in front of the real wiki; a page changed since the
plan is still never saved."""

from __future__ import annotations

from pathlib import Path

import mwclient

from tests.corpus import Corpus
from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.ops.changeset import Changeset, apply_changeset, read_changeset, write_changeset
from wikisync.ops.publish import Edit
from wikisync.ports.outcome import Outcome
from wikisync.wiki.reader import WikiClient, WikiSource
from wikisync.wiki.writer import WikiWriter

LINE = "\nVu par le plan."


def _plan(wiki: TestWiki, titles: list[str], path: Path) -> None:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password)
    with WikiSource(WikiClient(wiki.url, config)) as source:
        pages = source.fetch_titles(titles).pages
    edits = tuple(
        Edit(p.title, p.wikitext, p.wikitext + LINE, p.revid, p.timestamp, "plan") for p in pages
    )
    write_changeset(Changeset(wiki.url, "2026-12-06T00:00:00Z", edits), path)


def test_apply_sends_one_request_per_saved_page(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    titles = corpus.titles_in("Evénement")[:30]
    plan = tmp_path / "plan.json"
    _plan(wiki, titles, plan)
    admin = mwclient.Site(wiki.host, path="/", scheme="http")
    admin.login(wiki.admin_user, wiki.admin_password)
    changed = titles[3]
    admin.pages[changed].edit(admin.pages[changed].text() + "\nÀ la main.", summary="main")
    changeset, bases = read_changeset(plan)
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password)
    with FaultProxy(wiki.port, rate=0.0) as proxy:
        source = WikiSource(WikiClient(proxy.url, config))
        before = proxy.actions.copy()
        results = apply_changeset(changeset, bases, source, WikiWriter(source.client))
        source.close()
    sent = proxy.actions - before
    statuses = {r.title: r.status for r in results}
    assert statuses.pop(changed) == Outcome.CONFLICT  # changed since the plan: not saved
    assert set(statuses.values()) == {Outcome.EDITED}
    saved = len(statuses)
    # one edit request per saved page; the pages read in one query; the edit token once
    assert sent["edit"] == saved
    assert sent["query"] <= 3, sent
    assert sum(sent.values()) <= saved + 3, sent
    texts = {
        p.title: p.wikitext
        for p in WikiSource(WikiClient(wiki.url, config)).fetch_titles(titles).pages
    }
    assert all(texts[t].endswith(LINE.strip()) for t in statuses)
    assert "À la main." in texts[changed] and not texts[changed].endswith(LINE.strip())
