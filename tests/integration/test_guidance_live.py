"""Guidance on the live test wiki: misspelt categories and templates name the real ones."""

from __future__ import annotations

import json
from pathlib import Path

import mwclient
from click.testing import CliRunner

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.mirror.reader import open_mirror


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


def test_push_dry_run_says_would_save_and_colours_on_request(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    login = ["--site", wiki.url, "--user", wiki.bot_user]
    env = {"WIKISYNC_PASSWORD": wiki.bot_password}
    pulled = CliRunner().invoke(cli, [*login, "pull", "Projet", str(mirror)], env=env)
    assert pulled.exit_code == 0, pulled.output
    title = corpus.titles_in("Projet")[0]
    path = open_mirror(mirror).page_files()[title]
    path.write_text(path.read_text(encoding="utf-8") + "\nLigne ajoutée.\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, [*login, "--color", "always", "push", str(mirror), "--dry-run"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "\x1b[32m+Ligne ajoutée.\x1b[0m" in result.stdout
    assert "would save" in result.stderr
    assert "saved" not in result.stderr
    assert ": 1 would save" in result.stderr.splitlines()[-1]
