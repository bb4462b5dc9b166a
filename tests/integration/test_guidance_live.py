"""Guidance on the live test wiki: misspelt categories and templates name the real ones."""

from __future__ import annotations

import json
from pathlib import Path

import mwclient
from click.testing import CliRunner

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli


def _run(config_file: Path, wiki: TestWiki, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["-c", str(config_file), *args],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def test_pages_of_a_misspelt_category_names_the_real_one(wiki: TestWiki, config_file: Path) -> None:
    code, out, err = _run(config_file, wiki, "-v", "pages", "Événement")
    assert code == 2
    assert out == ""
    assert 'category "Catégorie:Événement" does not exist' in err
    assert 'did you mean "Catégorie:Evénement"' in err


def test_pages_of_an_existing_empty_category_warns_and_exits_0(
    wiki: TestWiki, config_file: Path
) -> None:
    _admin(wiki).pages["Catégorie:Vide"].edit("Une catégorie sans pages.", summary="test")
    code, out, err = _run(config_file, wiki, "pages", "Vide")
    assert (code, out) == (0, "")
    assert 'category "Catégorie:Vide" has no pages' in err


def test_pages_json_on_the_live_wiki(wiki: TestWiki, corpus: Corpus, config_file: Path) -> None:
    code, out, err = _run(config_file, wiki, "pages", "Evénement", "-f", "json")
    assert code == 0, err
    assert json.loads(out) == [{"title": title} for title in corpus.titles_in("Evénement")]


def test_rename_param_of_a_misspelt_template_names_the_real_one(
    wiki: TestWiki, config_file: Path
) -> None:
    code, _, err = _run(config_file, wiki, "rename-param", "Evnt", "place", "Lieu", "--dry-run")
    assert code == 2
    assert 'template "Modèle:Evnt" does not exist' in err
    assert '"Modèle:Event"' in err
