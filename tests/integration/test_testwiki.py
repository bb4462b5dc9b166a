"""The test-wiki machinery itself: a real MediaWiki, seeded, isolated, with toggles."""

from __future__ import annotations

from collections.abc import Callable

import mwclient
import pytest

from tests.corpus import Corpus
from tests.mediawiki import TestWiki

# A page every corpus has, and that tests below edit.
EDITED_TITLE = "Evénements"


def _members(wiki: TestWiki, category: str) -> list[str]:
    reply = wiki.api(
        action="query",
        list="categorymembers",
        cmtitle=f"Catégorie:{category}",
        cmtype="page",
        cmlimit="max",
    )
    assert "continue" not in reply
    return sorted(member["title"] for member in reply["query"]["categorymembers"])


def _site(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.bot_user, wiki.bot_password)
    return site


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    content: str = reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"]
    return content


def test_siteinfo_is_french(wiki: TestWiki) -> None:
    reply = wiki.api(action="query", meta="siteinfo", siprop="general|namespaces")
    assert reply["query"]["general"]["lang"] == "fr"
    assert reply["query"]["namespaces"]["14"]["name"] == "Catégorie"
    assert reply["query"]["namespaces"]["10"]["name"] == "Modèle"


@pytest.mark.parametrize("category", ["Evénement", "Webinaire", "Acteur", "Commun", "Vélo"])
def test_categorymembers_match_corpus(wiki: TestWiki, corpus: Corpus, category: str) -> None:
    assert _members(wiki, category) == corpus.titles_in(category)


def test_categorymembers_list_subcategory(wiki: TestWiki) -> None:
    reply = wiki.api(
        action="query",
        list="categorymembers",
        cmtitle="Catégorie:Evénement",
        cmtype="subcat",
    )
    titles = [member["title"] for member in reply["query"]["categorymembers"]]
    assert titles == ["Catégorie:Webinaire"]


def test_bot_password_login(wiki: TestWiki) -> None:
    site = _site(wiki)
    assert site.logged_in
    assert site.username == "WikiBot"
    assert "bot" in site.groups


def test_wiki_edit_is_seen_in_same_wiki(wiki: TestWiki, corpus: Corpus) -> None:
    site = _site(wiki)
    site.pages[EDITED_TITLE].edit("Texte remplacé par un test.", summary="test")
    assert _text(wiki, EDITED_TITLE) == "Texte remplacé par un test."


def test_wiki_edit_from_previous_test_is_gone(wiki: TestWiki, corpus: Corpus) -> None:
    # Runs after the test above (file order): each test gets a fresh copy.
    assert _text(wiki, EDITED_TITLE) == corpus.page(EDITED_TITLE).wikitext


def test_new_wiki_copies_are_isolated(
    wiki: TestWiki, new_wiki: Callable[..., TestWiki], corpus: Corpus
) -> None:
    other = new_wiki()
    assert other.url != wiki.url
    _site(other).pages[EDITED_TITLE].edit("Modifié dans une copie.", summary="test")
    assert _text(other, EDITED_TITLE) == "Modifié dans une copie."
    assert _text(wiki, EDITED_TITLE) == corpus.page(EDITED_TITLE).wikitext


def test_fake_lag_gives_maxlag_error(wiki: TestWiki) -> None:
    wiki.set_fake_lag(12)
    reply = wiki.api(action="query", meta="siteinfo", maxlag=5)
    assert reply["error"]["code"] == "maxlag"
    wiki.set_fake_lag(None)
    assert "error" not in wiki.api(action="query", meta="siteinfo", maxlag=5)


def test_read_only_refuses_edit(wiki: TestWiki) -> None:
    site = _site(wiki)
    wiki.set_read_only("Maintenance de test")
    with pytest.raises(mwclient.errors.APIError) as caught:
        site.pages[EDITED_TITLE].edit("Ne doit pas passer.", summary="test")
    assert caught.value.code == "readonly"


def test_toggles_are_cleared_between_tests(wiki: TestWiki) -> None:
    assert "error" not in wiki.api(action="query", meta="siteinfo", maxlag=5)
    assert not (wiki.directory / "read-only").exists()


def test_big_wiki_lists_all_events(big_wiki: TestWiki, big_corpus: Corpus) -> None:
    titles = []
    params: dict[str, str | int] = {
        "action": "query",
        "list": "categorymembers",
        "cmtitle": "Catégorie:Evénement",
        "cmtype": "page",
        "cmlimit": "max",
    }
    while True:
        reply = big_wiki.api(**params)
        titles += [member["title"] for member in reply["query"]["categorymembers"]]
        if "continue" not in reply:
            break
        params.update(reply["continue"])
    assert sorted(titles) == big_corpus.titles_in("Evénement")
    assert len(titles) == 2000
