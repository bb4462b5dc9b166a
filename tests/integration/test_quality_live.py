"""The data-quality report against a real MediaWiki: the HTML page and the report job."""

from __future__ import annotations

import html
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import mwclient
import pytest
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.core.sections import find_section

PAGE = "Qualité des données"
QUALITY_JOB = f"""
[jobs.quality]
description = "Data-quality report"
type = ["event", "actor"]
page = "{PAGE}"
page_template = "quality"
create = true
summary = "wikisync : rapport de qualité des données"
"""
HOSTILE = '<script>alert("x")</script> & }}[[Catégorie:Spam]] {{Supprimer}} |}'


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _revision(wiki: TestWiki, title: str = PAGE) -> dict[str, Any]:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="ids|content|user", rvslots="main"
    )
    revision: dict[str, Any] = reply["query"]["pages"][0]["revisions"][0]
    return {"revid": revision["revid"], "text": revision["slots"]["main"]["content"]}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str | None, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append((found.get("class"), str(found["href"])))


def _links(page: str) -> _Links:
    parser = _Links()
    parser.feed(page)
    parser.close()
    return parser


def _get(url: str) -> str:
    assert url.startswith("http://127.0.0.1:"), url
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode("utf-8"))


def _plant_hostile_event(wiki: TestWiki, title: str = "Événement piégé") -> None:
    _admin(wiki).pages[title].edit(
        f"{{{{Event\n|startDate=<nowiki>{HOSTILE}</nowiki>\n}}}}\n[[Catégorie:Evénement]]",
        summary="test",
    )


@pytest.mark.usefixtures("speaks_the_wiki_language")  # the wiki is French
def test_html_report_of_the_live_wiki_links_pages_and_edit_forms(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    _plant_hostile_event(wiki)
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    result = _invoke(wiki, config_file, "check", "event", "-f", "html", "-o", str(first))
    assert result.exit_code == 0, result.output
    assert (
        _invoke(wiki, config_file, "check", "event", "-f", "html", "-o", str(second)).exit_code == 0
    )
    assert first.read_bytes() == second.read_bytes()  # nothing changed: the same bytes
    page = first.read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Qualité des données" in page  # the wiki is French
    parsed = _links(page)
    assert "script" not in parsed.tags
    edits = [href for kind, href in parsed.links if kind == "edit"]
    pages = [href for kind, href in parsed.links if kind == "page"]
    assert edits and len(edits) == len(pages)
    assert all(href.startswith(f"{wiki.url}/index.php?title=") for href in pages + edits)
    hostile = f"{wiki.url}/index.php?title=%C3%89v%C3%A9nement_pi%C3%A9g%C3%A9&action=edit"
    assert hostile in edits
    form = _get(hostile)  # the link opens the page's edit form on the wiki
    assert 'id="wpTextbox1"' in form and HOSTILE in html.unescape(form)
    assert "Événement piégé" in _get(hostile.removesuffix("&action=edit"))
    assert html.escape(HOSTILE) in page  # the raw value, shown as text


def test_html_report_of_a_pulled_mirror_links_to_its_wiki(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pulled = _invoke(wiki, config_file, "pull", "Evénement", str(mirror))
    assert pulled.exit_code == 0, pulled.output
    result = CliRunner().invoke(
        cli, ["-c", str(config_file), "--site", str(mirror), "check", "event", "-f", "html"]
    )
    assert result.exit_code == 0, result.output
    edits = [href for kind, href in _links(result.stdout).links if kind == "edit"]
    assert edits and all(href.startswith(f"{wiki.url}/index.php?title=") for href in edits)
    assert 'id="wpTextbox1"' in _get(edits[0])


def test_quality_job_publishes_the_report_then_stays_silent(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8") + QUALITY_JOB, "utf-8")
    _plant_hostile_event(wiki)
    result = _invoke(wiki, config_file, "rebuild", "quality")
    assert result.exit_code == 0, result.output
    assert f'page "{PAGE}" created' in result.output
    saved = _revision(wiki)
    body = find_section(saved["text"], "quality").body
    assert "== event ==" in body and "== actor ==" in body
    assert "[[Événement piégé]] || startDate ||" in body

    # the wiki shows the values as text, injects nothing, links each edit form
    reply = wiki.api(
        action="query", titles=PAGE, prop="categories|templates", cllimit="max", tllimit="max"
    )
    assert not reply["query"]["pages"][0].get("categories")
    assert not reply["query"]["pages"][0].get("templates")
    rendered = wiki.api(action="parse", page=PAGE, prop="text")["parse"]["text"]
    assert "<script>" not in rendered
    assert HOSTILE in html.unescape(rendered)
    edit_links = set(re.findall(r'href="([^"]*action=edit)"', html.unescape(rendered)))
    assert "/index.php?title=%C3%89v%C3%A9nement_pi%C3%A9g%C3%A9&action=edit" in {
        link.removeprefix(wiki.url) for link in edit_links
    }
    rows = [line for line in body.splitlines() if "{{fullurl:" in line]
    assert len([link for link in edit_links if "redlink" not in link]) >= len(rows) > 1

    # no change, no edit; fixing the page removes its row on the next run
    again = _invoke(wiki, config_file, "-v", "rebuild", "quality")
    assert again.exit_code == 0 and "unchanged" in again.output
    assert _revision(wiki)["revid"] == saved["revid"]
    _admin(wiki).pages["Événement piégé"].edit(
        "{{Event\n|startDate=2025-03-01\n}}\n[[Catégorie:Evénement]]", summary="corrigé"
    )
    fixed = _invoke(wiki, config_file, "rebuild", "quality")
    assert fixed.exit_code == 0, fixed.output
    assert "Événement piégé" not in find_section(_revision(wiki)["text"], "quality").body


def test_quality_job_refuses_a_hand_edit_inside_its_markers(
    wiki: TestWiki, config_file: Path
) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8") + QUALITY_JOB, "utf-8")
    assert _invoke(wiki, config_file, "rebuild", "quality").exit_code == 0
    page = _admin(wiki).pages[PAGE]
    page.edit(page.text().replace("== actor ==", "== acteurs =="), summary="à la main")
    before = _revision(wiki)
    refused = _invoke(wiki, config_file, "rebuild", "quality")
    assert refused.exit_code == 3 and "edited by hand" in refused.output
    assert _revision(wiki) == before
