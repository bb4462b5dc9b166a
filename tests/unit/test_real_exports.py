"""Real MediaWiki export files (tests/data/real/exports, see SOURCES.md) read by the dump source.

Schemas 0.3 to 0.10, with and without ``<siteinfo>``/``<namespaces>``,
redirects and several revisions, as written and compressed (``.gz``,
``.bz2``, made here from the real files), through the library and the CLI.
"""

from __future__ import annotations

import bz2
import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.dump.reader import DumpSource

EXPORTS = Path(__file__).resolve().parent.parent / "data" / "real" / "exports"

# file -> {title: revid} of the page kept (the highest revision id).
EXPECTED = {
    "pywikibot-article-pear.xml": {"Pear": 188924},
    "pywikibot-article-pyrus.xml": {"Pyrus": 238392911},
    "pywikibot-article-pear-0.10.xml": {"Pear": 638548877},
    "pywikibot-pair-0.10.xml": {"Çullu, Agdam": 237383099, "Talk:Çullu, Agdam": 237383127},
    "pywikibot-dummy-template.xml": {
        "Fake page with msg": 123456789,
        "Fake page with unnecessary template prefix": 987654321,
        "Fake page with nested template": 987654322,
    },
    "dbpedia-fr-Madonna-0.8.xml": {"Madonna": 93526918},
    "dbpedia-fr-Bruges-0.8.xml": {"Bruges": 92467054},
    "dbpedia-fr-JulesCesar-0.8.xml": {"Jules César": 93690815},
    "dbpedia-mappings-0.8-nositeinfo.xml": {"Mapping en:Infobox person": 26071},
    # <namespaces> lists only 0 and 1; "Bar" is in namespace 1 but titled without prefix.
    "mwxml-dump-0.8-two-namespaces.xml": {"Foo": 2, "Bar": 3},
}


def _compressed(tmp_path: Path, name: str, kind: str) -> Path:
    data = (EXPORTS / name).read_bytes()
    if kind == "xml":
        target = tmp_path / name
        shutil.copyfile(EXPORTS / name, target)
        return target
    target = tmp_path / f"{name}.{kind}"
    target.write_bytes(gzip.compress(data) if kind == "gz" else bz2.compress(data))
    return target


@pytest.mark.parametrize("kind", ["xml", "gz", "bz2"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dump_source_reads_real_exports(tmp_path: Path, name: str, kind: str) -> None:
    path = _compressed(tmp_path, name, kind)
    pages = {page.title: page for page in DumpSource(path).iter_pages()}
    assert {title: page.revid for title, page in pages.items()} == EXPECTED[name]
    for page in pages.values():
        assert page.wikitext  # every kept revision has its text


def test_latest_revision_wins_and_redirects_are_pages() -> None:
    pages = {p.title: p for p in DumpSource(EXPORTS / "pywikibot-pair-0.10.xml").iter_pages()}
    assert pages["Çullu, Agdam"].wikitext.startswith("'''Çullu, Agdam''' may refer to")
    assert pages["Talk:Çullu, Agdam"].wikitext == "{{DisambigProject}}"


def test_french_export_keeps_the_infobox_text() -> None:
    (page,) = DumpSource(EXPORTS / "dbpedia-fr-Madonna-0.8.xml").iter_pages()
    assert "{{Date de naissance|16|8|1958|âge=oui}}" in page.wikitext


def test_export_without_namespaces_keeps_its_titles() -> None:
    path = EXPORTS / "mediawiki-core-ImportLinkCache-0.6.xml"
    titles = [page.title for page in DumpSource(path).iter_pages()]
    assert titles == ["Lorem ipsum", "Category:Lorem ipsum"]


@pytest.mark.parametrize("kind", ["xml", "bz2"])
def test_cli_pages_and_records_read_a_real_export(tmp_path: Path, kind: str) -> None:
    path = _compressed(tmp_path, "pywikibot-article-pear-0.10.xml", kind)
    config = tmp_path / "wikisync.toml"
    config.write_text(
        '[types.plant]\ntemplates = ["Taxobox"]\ncategories = ["Category:Pears"]\n'
        "[types.plant.fields]\n"
        'name = "text"\ngenus = "text"\nimage = "file"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    listed = runner.invoke(cli, ["-c", str(config), "--site", str(path), "pages", "Pears"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == ["Pear"]
    read = runner.invoke(
        cli, ["-c", str(config), "--site", str(path), "records", "plant", "-f", "json"]
    )
    assert read.exit_code == 0, read.output
    (record,) = json.loads(read.stdout)
    assert record["name"] == "Pears" and record["genus"] == "Pyrus"
    assert record["image"] == "Pears.jpg"
