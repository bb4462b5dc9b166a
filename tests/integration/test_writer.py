"""WikiWriter against a real MediaWiki: no-op saves, create-only, conflicts of both kinds."""

from __future__ import annotations

import mwclient
import pytest

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.errors import EditConflictError, PublishError
from wikisync.pages import PageText
from wikisync.sources.wiki import WikiClient, WikiSource
from wikisync.sources.writer import WikiWriter

TITLE = "Evénements"


def _bot(wiki: TestWiki) -> WikiSource:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return WikiSource(WikiClient(wiki.url, config))


def _mwclient(wiki: TestWiki, user: str, password: str) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(user, password)
    return site


def _latest(wiki: TestWiki, title: str) -> dict[str, object]:
    reply = wiki.api(
        action="query",
        prop="revisions",
        titles=title,
        rvprop="ids|content|user|comment|flags",
        rvslots="main",
    )
    page = reply["query"]["pages"][0]
    if page.get("missing"):
        return {}
    revision: dict[str, object] = page["revisions"][0]
    return revision


def _read(source: WikiSource, title: str) -> PageText:
    return source.fetch_titles([title]).pages[0]


def test_wiki_writer_same_text_is_nochange(wiki: TestWiki) -> None:
    # A page saved through the API (imported pages keep a final newline that
    # any save strips, so saving one unchanged makes a revision).
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    human.pages["Page de test"].edit("Un texte.\n\n[[Catégorie:Essai]]", summary="humain")
    source = _bot(wiki)
    page = _read(source, "Page de test")
    writer = WikiWriter(source.client)
    result = writer.save(page.title, page.wikitext, base=page, summary="rien")
    assert not result.changed
    assert result.revid == page.revid
    assert _latest(wiki, page.title)["revid"] == page.revid


def test_wiki_writer_saves_with_summary_and_flags(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    writer = WikiWriter(source.client, bot=True, minor=True)
    result = writer.save(TITLE, page.wikitext + "\nAjout.", base=page, summary="essai du robot")
    assert result.changed and result.revid > page.revid
    latest = _latest(wiki, TITLE)
    assert latest["revid"] == result.revid
    assert latest["user"] == "WikiBot"
    assert latest["comment"] == "essai du robot"
    assert "minor" in latest


def test_wiki_writer_create_only_refuses_existing_page(wiki: TestWiki, corpus: Corpus) -> None:
    source = _bot(wiki)
    writer = WikiWriter(source.client)
    with pytest.raises(EditConflictError, match="exists already"):
        writer.save(TITLE, "Écrasé !", base=None, summary="création")
    assert _latest(wiki, TITLE)["slots"] == {
        "main": {
            "contentmodel": "wikitext",
            "contentformat": "text/x-wiki",
            "content": corpus.page(TITLE).wikitext,
        }
    }


def test_wiki_writer_create_only_creates_new_page(wiki: TestWiki) -> None:
    source = _bot(wiki)
    result = WikiWriter(source.client).save("Page neuve", "Bonjour.", base=None, summary="new")
    assert result.changed and result.created
    assert _latest(wiki, "Page neuve")["revid"] == result.revid


def test_wiki_writer_conflict_with_another_account(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    human.pages[TITLE].edit(page.wikitext + "\nAjout humain.", summary="humain")
    with pytest.raises(EditConflictError, match="changed since it was read"):
        WikiWriter(source.client).save(TITLE, "Texte du robot.", base=page, summary="robot")
    latest = _latest(wiki, TITLE)
    assert latest["user"] == "Admin"
    assert str(latest["slots"]["main"]["content"]).endswith("Ajout humain.")  # type: ignore[index]


def test_wiki_writer_conflict_with_same_account(wiki: TestWiki) -> None:
    # MediaWiki reports no edit conflict for the same account's own edit:
    # only the writer's lastrevid check catches it.
    source = _bot(wiki)
    page = _read(source, TITLE)
    same = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    same.pages[TITLE].edit(page.wikitext + "\nAutre tâche du robot.", summary="autre tâche")
    with pytest.raises(EditConflictError, match="changed since it was read"):
        WikiWriter(source.client).save(TITLE, "Texte du robot.", base=page, summary="robot")
    latest = _latest(wiki, TITLE)
    assert str(latest["slots"]["main"]["content"]).endswith("Autre tâche du robot.")  # type: ignore[index]


def test_wiki_writer_deleted_page_is_a_conflict(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    _mwclient(wiki, wiki.admin_user, wiki.admin_password).pages[TITLE].delete(reason="test")
    with pytest.raises(EditConflictError, match="was deleted"):
        WikiWriter(source.client).save(TITLE, "Recréée ?", base=page, summary="robot")
    assert _latest(wiki, TITLE) == {}


def test_wiki_writer_refused_edit_is_publish_error(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    admin = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    admin.post(
        "protect",
        title=TITLE,
        protections="edit=sysop",
        reason="test",
        token=admin.get_token("csrf"),
    )
    page = _read(source, TITLE)
    with pytest.raises(PublishError, match="was not saved") as info:
        WikiWriter(source.client).save(TITLE, "Interdit.", base=page, summary="robot")
    assert not isinstance(info.value, EditConflictError)
