"""A real MediaWiki (Debian's 1.39) exports real pages: schema 0.11, read back by wikisync.

The real export files of tests/data/real (Wikipedia pages, redirects, several
revisions, a French infobox) are imported into the test wiki, then exported
again with ``dumpBackup.php`` (schema 0.11, with ``<siteinfo>`` and
``<namespaces>``), as written and compressed; the dump source and the CLI
read that export.
"""

from __future__ import annotations

import bz2
import gzip
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.core.records import extract_records
from wikisync.core.schema import load_record_types
from wikisync.dump.reader import DumpSource

EXPORTS = Path(__file__).resolve().parent.parent / "data" / "real" / "exports"
IMPORTED = (
    "pywikibot-pair-0.10.xml",
    "pywikibot-article-pear.xml",
    "pywikibot-article-pear-0.10.xml",
    "dbpedia-fr-Madonna-0.8.xml",
)
TITLES = ("Çullu, Agdam", "Pear", "Madonna")


@pytest.fixture
def real_export(wiki: TestWiki, tmp_path: Path) -> Path:
    """A schema 0.11 export, by the test wiki, of the real pages imported into it."""
    for name in IMPORTED:
        wiki.import_xml(EXPORTS / name)
    pagelist = tmp_path / "pages.txt"
    pagelist.write_text("\n".join(TITLES) + "\n", encoding="utf-8")
    target = tmp_path / "export-0.11.xml"
    wiki.maint("dumpBackup", "--full", f"--pagelist={pagelist}", f"--output=file:{target}")
    return target


def _original(name: str, title: str) -> str:
    pages = {page.title: page for page in DumpSource(EXPORTS / name).iter_pages()}
    return pages[title].wikitext


@pytest.mark.parametrize("kind", ["xml", "gz", "bz2"])
def test_dump_source_reads_a_real_0_11_export(real_export: Path, kind: str) -> None:
    head = real_export.read_text(encoding="utf-8")[:600]
    assert 'version="0.11"' in head and "<siteinfo>" in head
    assert re.search(r"<generator>MediaWiki 1\.\d+", real_export.read_text(encoding="utf-8"))
    path = real_export
    if kind != "xml":
        path = real_export.with_name(real_export.name + "." + kind)
        data = real_export.read_bytes()
        path.write_bytes(gzip.compress(data) if kind == "gz" else bz2.compress(data))
    pages = {page.title: page for page in DumpSource(path).iter_pages()}
    assert set(pages) == set(TITLES)
    # The latest of several revisions is kept; texts come back as imported.
    assert pages["Çullu, Agdam"].wikitext == _original("pywikibot-pair-0.10.xml", "Çullu, Agdam")
    assert pages["Madonna"].wikitext == _original("dbpedia-fr-Madonna-0.8.xml", "Madonna")
    assert pages["Pear"].wikitext == _original("pywikibot-article-pear-0.10.xml", "Pear")
    assert real_export.read_text(encoding="utf-8").count("<revision>") >= 7


def test_cli_reads_records_from_a_real_0_11_export(real_export: Path, tmp_path: Path) -> None:
    config = tmp_path / "wikisync.toml"
    config.write_text(
        '[types.plant]\ntemplates = ["Taxobox"]\ncategories = ["Pears"]\n'
        "[types.plant.fields]\n"
        'name = "text"\ngenus = "text"\nimage = "file"\nordo = "page"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["-c", str(config), "--site", str(real_export), "records", "plant"]
    )
    assert result.exit_code == 0, result.output
    (pear,) = json.loads(result.stdout)
    assert pear["title"] == "Pear" and pear["name"] == "Pears"
    assert pear["genus"] == "Pyrus" and pear["image"] == "Pears.jpg"
    assert pear["ordo"] == "Rosales"


def test_a_french_infobox_of_a_real_0_11_export_is_typed(real_export: Path) -> None:
    record_type = load_record_types(
        {
            "artiste": {
                "templates": ["Infobox Musique (artiste)"],
                "fields": {
                    "naissance": {"type": "date", "params": ["date de naissance"]},
                    "label": "list",
                    "site": {"type": "url", "params": ["site web"]},
                },
            }
        }
    )["artiste"]
    pages = [page for page in DumpSource(real_export).iter_pages() if page.title == "Madonna"]
    found = extract_records(pages, record_type)
    assert found.problems == ()
    (madonna,) = found.records
    assert madonna.to_dict()["naissance"] == "1958-08-16"
    assert madonna.to_dict()["label"] == ["Sire", "Maverick", "Warner", "Interscope"]
    assert madonna.to_dict()["site"] == "http://www.madonna.com/"
