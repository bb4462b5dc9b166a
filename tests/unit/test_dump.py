"""XML dumps and Special:Export files as a streamed source of pages."""

from __future__ import annotations

import bz2
import gzip
import lzma
import tracemalloc
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from wikisync.errors import SourceError
from wikisync.pages import FRENCH
from wikisync.sources.base import Source
from wikisync.sources.dump import open_dump

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dumps"
EXPORT_011 = FIXTURES / "fabmob-export-0.11.xml"
EXPORT_010 = FIXTURES / "petit-export-0.10.xml"


def test_open_dump_reads_siteinfo() -> None:
    source = open_dump(EXPORT_011)
    assert isinstance(source, Source)
    assert source.location == str(EXPORT_011)
    assert source.sitename == "Wiki Mobilités"
    assert source.site == "http://wiki.example.org/index.php/Accueil"
    assert source.compression == ""
    assert source.namespaces.name(4) == "Wiki Mobilités"
    assert source.namespaces.normalize("category:vélo") == "Catégorie:Vélo"
    assert source.namespaces.normalize("Project:Charte") == "Wiki Mobilités:Charte"


def test_iter_pages_keeps_the_latest_revision_schema_011() -> None:
    pages = {p.title: p for p in open_dump(EXPORT_011).iter_pages()}
    assert len(pages) == 11
    event = pages["Atelier covoiturage à Nantes"]
    assert (event.revid, event.pageid, event.ns, event.timestamp) == (
        205,
        20,
        0,
        "2024-03-02T14:00:00Z",
    )
    assert event.wikitext.startswith("{{Event\n|startDate=2024-03-14")
    assert pages["Webinaire logistique urbaine"].wikitext.count("&") == 1
    assert pages["Catégorie:Vélo"].ns == 14


def test_iter_pages_keeps_the_latest_revision_schema_010() -> None:
    pages = list(open_dump(EXPORT_010).iter_pages())
    assert [(p.title, p.revid) for p in pages] == [
        ("Acteur:Ancien nom", 70),
        ("Coopérative des mobilités", 81),
        ("Ancienne coopérative", 90),
        ("Page vers le vide", 100),
    ]
    assert pages[1].wikitext == "{{Acteur|cities=Lyon, Grenoble}}\n[[Catégorie:Acteur]]"
    assert open_dump(EXPORT_010).list_category("Acteur") == ["Coopérative des mobilités"]


def test_iter_pages_breaks_revid_ties_by_timestamp(tmp_path: Path) -> None:
    dump = tmp_path / "egalite.xml"
    dump.write_text(
        make_dump(
            page("Égalité", revision(0, "ancien", "2020-01-01T00:00:00Z")).replace("</page>", "")
            + revision(0, "récent", "2021-01-01T00:00:00Z")
            + revision(0, "ancien bis", "2019-01-01T00:00:00Z")
            + "</page>"
        ),
        encoding="utf-8",
    )
    assert [p.wikitext for p in open_dump(dump).iter_pages()] == ["récent"]


def test_list_category_reads_explicit_links() -> None:
    source = open_dump(EXPORT_011)
    # Rencontre FabMob only links to the category; Modèle:Event's link is <includeonly>.
    assert source.list_category("Evénement") == ["Atelier covoiturage à Nantes"]
    assert source.list_category("Category:Evénement", recursive=True) == [
        "Atelier covoiturage à Nantes",
        "Webinaire logistique urbaine",
    ]
    assert source.list_category("Evénement", recursive=True, depth=0) == [
        "Atelier covoiturage à Nantes"
    ]
    assert source.list_category("Modèle infobox") == ["Modèle:Event"]
    assert source.list_category("Brouillon") == []
    assert source.categories_of("Vélo-école de Rennes") == ["Catégorie:Vélo"]


def test_list_category_recursive_survives_a_cycle() -> None:
    source = open_dump(EXPORT_011)
    assert source.list_category("Vélo") == ["Vélo-école de Rennes"]
    assert source.list_category("Vélo", recursive=True) == [
        "Covoiturage quotidien",
        "Vélo-école de Rennes",
    ]
    assert source.list_category("Mobilité active", recursive=True, depth=1) == [
        "Covoiturage quotidien",
        "Vélo-école de Rennes",
    ]


def test_iter_category_yields_the_listed_pages() -> None:
    source = open_dump(EXPORT_011)
    pages = list(source.iter_category("Evénement", recursive=True))
    assert [p.title for p in pages] == source.list_category("Evénement", recursive=True)
    assert pages[0].revid == 205
    assert list(source.iter_category("Inexistante")) == []


def test_fetch_titles_reports_missing_and_follows_redirects() -> None:
    source = open_dump(EXPORT_011)
    plain = source.fetch_titles(["covoiturage", "Modèle:Event", "Absente"])
    assert [p.title for p in plain.pages] == ["Covoiturage", "Modèle:Event"]
    assert plain.pages[0].wikitext == "#REDIRECTION [[Covoiturage quotidien]]"
    assert plain.missing == ["Absente"]
    followed = source.fetch_titles(["Covoiturage"], follow_redirects=True)
    assert [p.title for p in followed.pages] == ["Covoiturage quotidien"]
    assert followed.redirects == {"Covoiturage": "Covoiturage quotidien"}


def test_fetch_titles_reports_a_redirect_to_nowhere() -> None:
    result = open_dump(EXPORT_010).fetch_titles(
        ["Ancienne coopérative", "Page vers le vide"], follow_redirects=True
    )
    assert [p.title for p in result.pages] == ["Coopérative des mobilités"]
    assert result.missing == ["Page vers le vide"]
    assert result.redirects["Page vers le vide"] == "Page disparue"


@pytest.mark.parametrize(
    ("name", "compress", "kind"),
    [
        ("dump.xml.bz2", bz2.compress, "bz2"),
        ("dump.xml.gz", gzip.compress, "gzip"),
        ("dump.xml.xz", lzma.compress, "xz"),
        ("trompeur.xml", bz2.compress, "bz2"),
        ("trompeur.xml.gz", lambda data: data, ""),
    ],
)
def test_open_dump_detects_compression_by_magic_bytes(
    tmp_path: Path, name: str, compress: object, kind: str
) -> None:
    assert callable(compress)
    path = tmp_path / name
    path.write_bytes(compress(EXPORT_011.read_bytes()))
    source = open_dump(path)
    assert source.compression == kind
    assert source.sitename == "Wiki Mobilités"
    assert [p.title for p in source.iter_pages()] == [
        p.title for p in open_dump(EXPORT_011).iter_pages()
    ]
    assert source.list_category("Vélo", recursive=True) == [
        "Covoiturage quotidien",
        "Vélo-école de Rennes",
    ]


def test_multistream_bz2_is_read_whole(tmp_path: Path) -> None:
    data = EXPORT_011.read_bytes()
    middle = data.index(b"  <page>", len(data) // 2)
    path = tmp_path / "multistream.xml.bz2"
    path.write_bytes(bz2.compress(data[:middle]) + bz2.compress(data[middle:]))
    assert len(list(open_dump(path).iter_pages())) == 11


def test_truncated_dump_names_where_it_broke(tmp_path: Path) -> None:
    data = EXPORT_011.read_text(encoding="utf-8")
    cut = data.index("Partager sa voiture")
    path = tmp_path / "coupe.xml"
    path.write_text(data[:cut], encoding="utf-8")
    source = open_dump(path)
    with pytest.raises(SourceError) as info:
        list(source.iter_pages())
    message = str(info.value)
    line = data[:cut].count("\n") + 1
    assert str(path) in message
    assert f"line {line}" in message
    assert 'after page "Covoiturage"' in message
    assert info.value.path == str(path)


def test_truncated_bz2_dump_names_where_it_broke(tmp_path: Path) -> None:
    compressed = bz2.compress(EXPORT_011.read_bytes())
    path = tmp_path / "coupe.xml.bz2"
    path.write_bytes(compressed[: len(compressed) - 40])
    with pytest.raises(SourceError, match=r"coupe\.xml\.bz2.*line \d+.*compressed data"):
        list(open_dump(path).iter_pages())


def test_truncated_gzip_dump_names_where_it_broke(tmp_path: Path) -> None:
    compressed = gzip.compress(EXPORT_011.read_bytes())
    path = tmp_path / "coupe.xml.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(SourceError, match=r"coupe\.xml\.gz.*line \d+, column \d+ \(after page"):
        list(open_dump(path).iter_pages())


def test_malformed_dump_names_line_and_column(tmp_path: Path) -> None:
    data = EXPORT_011.read_text(encoding="utf-8")
    broken = data.replace("<title>Rencontre FabMob</title>", "<title>Rencontre FabMob</titre>")
    path = tmp_path / "casse.xml"
    path.write_text(broken, encoding="utf-8")
    line = broken[: broken.index("</titre>")].count("\n") + 1
    with pytest.raises(SourceError, match=rf'line {line}, column \d+ \(after page "Webinaire'):
        list(open_dump(path).iter_pages())


def test_open_dump_rejects_what_is_not_a_dump(tmp_path: Path) -> None:
    path = tmp_path / "autre.xml"
    path.write_text("<rss><channel/></rss>", encoding="utf-8")
    with pytest.raises(SourceError, match="not a MediaWiki XML dump"):
        open_dump(path)
    text = tmp_path / "texte.xml"
    text.write_text("ceci n'est pas du XML", encoding="utf-8")
    with pytest.raises(SourceError, match=r"texte\.xml.*line 1"):
        open_dump(text)


def test_open_dump_rejects_7z_and_missing_files(tmp_path: Path) -> None:
    archive = tmp_path / "dump.xml.7z"
    archive.write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\0" * 30)
    with pytest.raises(SourceError, match="7-Zip"):
        open_dump(archive)
    with pytest.raises(SourceError, match="does not exist"):
        open_dump(tmp_path / "absent.xml")


def test_dump_without_siteinfo_uses_french_namespaces(tmp_path: Path) -> None:
    path = tmp_path / "sans-siteinfo.xml"
    path.write_text(
        '<mediawiki version="0.11">'
        + page("Catégorie:Vélo", revision(3, "[[Category:Mobilité]]"), ns=14)
        + page("Atelier", revision(4, "[[catégorie:vélo]]"))
        + "</mediawiki>",
        encoding="utf-8",
    )
    source = open_dump(path)
    assert source.namespaces == FRENCH
    assert source.list_category("Mobilité", recursive=True) == ["Atelier"]


def test_stub_dump_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stub.xml"
    path.write_text(
        make_dump(
            "<page><title>Atelier</title><ns>0</ns><id>1</id><revision><id>5</id>"
            '<text bytes="120" id="5" /></revision></page>'
        ),
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match="stub"):
        list(open_dump(path).iter_pages())


def test_deleted_text_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "masque.xml"
    path.write_text(
        make_dump(
            "<page><title>Atelier</title><ns>0</ns><id>1</id><revision><id>5</id>"
            '<text deleted="deleted" /></revision></page>'
        ),
        encoding="utf-8",
    )
    assert [(p.title, p.wikitext) for p in open_dump(path).iter_pages()] == [("Atelier", "")]


def test_iter_pages_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "grand.xml.gz"
    count = 20_000
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as stream:
        stream.write(make_dump("").removesuffix("</mediawiki>\n"))
        for number in range(count):
            text = (
                f"{{{{Event|startDate=2024-01-{number % 28 + 1:02d}|place=Ville {number}}}}}\n"
                + "Un atelier sur la mobilité partagée et les communs. " * 8
                + f"\n[[Catégorie:Atelier {number % 50}]]"
            )
            stream.write(page(f"Atelier numéro {number}", revision(number + 1, text)))
        stream.write("</mediawiki>\n")
    assert path.stat().st_size > 100_000
    source = open_dump(path)
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        seen = 0
        for item in source.iter_pages():
            seen += 1
            last = item
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert seen == count
    assert last.title == f"Atelier numéro {count - 1}"
    # The decompressed XML is ~12 MB; streaming keeps well under one MB of it.
    assert peak < 1_000_000, peak


# -- helpers -------------------------------------------------------------------


def make_dump(pages: str) -> str:
    return (
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">\n'
        "<siteinfo><sitename>Essai</sitename><namespaces>"
        '<namespace key="0" case="first-letter" />'
        '<namespace key="14" case="first-letter">Catégorie</namespace>'
        "</namespaces></siteinfo>\n" + pages + "</mediawiki>\n"
    )


def page(title: str, revisions: str, *, ns: int = 0) -> str:
    return f"<page><title>{escape(title)}</title><ns>{ns}</ns><id>1</id>{revisions}</page>\n"


def revision(revid: int, text: str, timestamp: str = "2024-01-01T00:00:00Z") -> str:
    return (
        f"<revision><id>{revid}</id><timestamp>{timestamp}</timestamp>"
        f'<model>wikitext</model><text xml:space="preserve">{escape(text)}</text></revision>'
    )
