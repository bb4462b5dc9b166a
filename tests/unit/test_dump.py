"""XML dumps and Special:Export files as a streamed source of pages."""

from __future__ import annotations

import bz2
import gzip
import lzma
import subprocess
import sys
import tracemalloc
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from wikisync.cli.outcomes import error_exit_code
from wikisync.config import load_config
from wikisync.core.errors import DumpError, SourceError
from wikisync.core.pages import FRENCH
from wikisync.dump.reader import open_dump
from wikisync.ports.source import Source
from wikisync.sources import open_source

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


def test_dump_without_siteinfo_learns_french_names_from_its_titles(tmp_path: Path) -> None:
    path = tmp_path / "sans-siteinfo.xml"
    path.write_text(
        '<mediawiki version="0.11">'
        + page("Catégorie:Vélo", revision(3, "[[Category:Mobilité]]"), ns=14)
        + page("Atelier", revision(4, "[[catégorie:vélo]]"))
        + "</mediawiki>",
        encoding="utf-8",
    )
    source = open_dump(path)
    assert source.namespaces.name(14) == "Catégorie"
    # No page names namespace 10: the French default, as before.
    assert source.namespaces.name(10) == FRENCH.name(10)
    assert [p.title for p in source.iter_pages()] == ["Catégorie:Vélo", "Atelier"]
    assert source.list_category("Mobilité", recursive=True) == ["Atelier"]


def test_dump_without_namespaces_keeps_its_english_names() -> None:
    source = open_dump(FIXTURES / "english-sans-namespaces.xml")
    pages = list(source.iter_pages())
    assert [(p.title, p.ns) for p in pages] == [
        ("Category:Bicycles", 14),
        ("Template:Infobox", 10),
        ("Repair cafe", 0),
    ]
    assert source.namespaces.normalize("category:bicycles") == "Category:Bicycles"
    # French names are still understood, but written the dump's way.
    assert source.categories_of("Repair cafe") == ["Category:Ateliers", "Category:Bicycles"]
    assert source.list_category("Transport", recursive=True) == ["Repair cafe"]
    assert [p.title for p in source.fetch_titles(["Template:Infobox"]).pages] == [
        "Template:Infobox"
    ]


def test_partial_siteinfo_keeps_unknown_namespaces_as_written() -> None:
    source = open_dump(FIXTURES / "partial-namespaces.xml")
    pages = list(source.iter_pages())
    assert [(p.title, p.ns) for p in pages] == [
        ("Category:Livres", 14),
        ("Portail:Lecture", 100),
        ("Les Misérables", 0),
    ]
    assert source.namespaces.name(10) == "Modèle"  # listed: the dump's name
    assert source.namespaces.name(14) == "Category"  # learnt from a title
    assert source.namespaces.name(100) == "Portail"  # a custom one, learnt too
    assert source.list_category("Fonds", recursive=True) == ["Les Misérables", "Portail:Lecture"]


def test_siteinfo_without_the_main_namespace_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "sans-zero.xml"
    path.write_text(
        make_dump(
            page("Category:A", revision(1, "[[Category:B]]"), ns=14)
            + page("p", revision(2, "[[Category:A]]"))
        )
        .replace(
            '<namespace key="0" case="first-letter" />',
            "",
        )
        .replace(">Catégorie<", ">Category<"),
        encoding="utf-8",
    )
    source = open_dump(path)
    assert [p.title for p in source.iter_pages()] == ["Category:A", "P"]
    assert source.list_category("B", recursive=True) == ["P"]


def test_a_title_spelling_another_namespace_names_nothing(tmp_path: Path) -> None:
    path = tmp_path / "incoherent.xml"
    path.write_text(
        '<mediawiki><siteinfo><namespaces><namespace key="10">Modèle</namespace>'
        "</namespaces></siteinfo>"
        + page("Modèle:X", revision(1, "a"), ns=14)
        + page("Category:Y", revision(2, "a"), ns=14)
        + page("Modèle:Z", revision(3, "a"), ns=10)
        + "</mediawiki>",
        encoding="utf-8",
    )
    source = open_dump(path)
    assert source.namespaces.name(14) == "Category"
    assert source.namespaces.split("Modèle:Q") == (10, "Q")
    assert [(p.title, p.ns) for p in source.iter_pages()] == [
        ("Modèle:X", 14),
        ("Category:Y", 14),
        ("Modèle:Z", 10),
    ]


@pytest.mark.parametrize(
    ("where", "bad"),
    [
        ("<ns>0</ns>", "<ns>¹</ns>"),
        ("<ns>0</ns>", "<ns>--5</ns>"),
        ("<ns>0</ns>", "<ns>1e3</ns>"),
        ("<id>1</id>", "<id>²</id>"),
        ("<id>1</id>", "<id>٣</id>"),
        ("<revision><id>4</id>", "<revision><id>-</id>"),
        ('<namespace key="14"', '<namespace key="¹4"'),
    ],
)
def test_odd_numbers_are_refused_naming_file_and_element(
    tmp_path: Path, where: str, bad: str
) -> None:
    path = tmp_path / "chiffres.xml"
    text = make_dump(page("Atelier", revision(4, "texte")))
    assert where in text
    path.write_text(text.replace(where, bad, 1), encoding="utf-8")
    with pytest.raises(DumpError) as info:
        list(open_dump(path).iter_pages())
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    element = bad.split(">")[0].split()[0].lstrip("<")
    assert f"<{element}" in message or "<revision/id>" in message
    assert "should be a whole number" in message
    assert error_exit_code(info.value) == 2


def test_negative_namespace_numbers_are_read(tmp_path: Path) -> None:
    path = tmp_path / "special.xml"
    path.write_text(make_dump(page("Spécial:Accueil", revision(4, "x"), ns=-1)), encoding="utf-8")
    assert [p.ns for p in open_dump(path).iter_pages()] == [-1]


def test_lzma_alone_dump_is_read(tmp_path: Path) -> None:
    path = tmp_path / "dump.xml.lzma"
    path.write_bytes(lzma.compress(EXPORT_011.read_bytes(), format=lzma.FORMAT_ALONE))
    source = open_dump(path)
    assert source.compression == "lzma"
    assert len(list(source.iter_pages())) == 11
    # Told by its first bytes, not its name.
    renamed = tmp_path / "dump.xml"
    renamed.write_bytes(path.read_bytes())
    assert open_dump(renamed).compression == "lzma"


@pytest.mark.parametrize(
    ("magic", "tool"),
    [(b"\x28\xb5\x2f\xfd", "zstd"), (b"PK\x03\x04", "zip"), (b"7z\xbc\xaf\x27\x1c", "7-Zip")],
)
def test_unsupported_compression_is_refused_clearly(
    tmp_path: Path, magic: bytes, tool: str
) -> None:
    path = tmp_path / "dump.xml.x"
    path.write_bytes(magic + b"\0" * 40)
    with pytest.raises(DumpError, match=f"{tool}.*cannot read"):
        open_dump(path)


@pytest.mark.parametrize(
    "content",
    [
        b"BZh9" + b"\x00garbage" * 10,
        b"\x1f\x8b" + b"garbage" * 10,
        b"\xfd7zXZ\x00" + b"garbage" * 10,
        lzma.compress(b"<mediawiki>", format=lzma.FORMAT_ALONE)[:20],
        bz2.compress(b"<mediawiki>" * 100)[:30],
        b"\xff\xfe<\x00m\x00",
        b"",
    ],
)
def test_garbage_and_truncated_files_end_in_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "casse.xml.bz2"
    path.write_bytes(content)
    with pytest.raises(DumpError) as info:
        list(open_dump(path).iter_pages())
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_page_text_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "enorme.xml.bz2"
    big = "a" * (3 * 1024 * 1024)
    path.write_bytes(
        bz2.compress(
            make_dump(page("Petite", revision(1, "x")) + page("Géante", revision(2, big))).encode()
        )
    )
    source = open_dump(path, max_text=1024 * 1024)
    titles = []
    with pytest.raises(DumpError, match=r'<text> element in page "Géante" is over the 1 MiB limit'):
        titles.extend(p.title for p in source.iter_pages())
    assert titles == ["Petite"]
    # Under the default cap the same page reads.
    assert [len(p.wikitext) for p in open_dump(path).iter_pages()] == [1, len(big)]


def test_text_just_over_the_cap_is_refused_exactly(tmp_path: Path) -> None:
    path = tmp_path / "juste.xml"
    path.write_text(make_dump(page("Juste", revision(2, "é" * 600))), encoding="utf-8")
    # 1,200 bytes of UTF-8: over a 1,100-byte cap even though 600 characters.
    with pytest.raises(DumpError, match="over the 1100 bytes limit"):
        list(open_dump(path, max_text=1100).iter_pages())
    assert len(list(open_dump(path, max_text=1200).iter_pages())) == 1


def test_max_text_comes_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "enorme.xml"
    path.write_text(make_dump(page("Géante", revision(2, "a" * (2 * 1024 * 1024)))))
    config = tmp_path / "wikisync.toml"
    config.write_text(f'site = "{path}"\nmax_text_mib = 1\n', encoding="utf-8")
    with pytest.raises(DumpError, match="1 MiB limit"):
        list(open_source(load_config(config)).iter_pages())


def test_bomb_peak_memory_stays_bounded() -> None:
    """A small bz2 file expanding to one 300 MB page: stopped at the cap, memory bounded."""
    # Written by tests/hostile/make_corpus.py: one page of 300 MB of text.
    path = Path(__file__).parents[1] / "hostile" / "dump-bomb.xml.bz2"
    assert path.stat().st_size < 1_000
    script = (
        "import sys\n"
        "from wikisync.core.errors import DumpError\n"
        "from wikisync.dump.reader import open_dump\n"
        "try:\n"
        "    list(open_dump(sys.argv[1]).iter_pages())\n"
        "except DumpError as exc:\n"
        "    print('refused', exc)\n"
        "status = open('/proc/self/status').read()\n"
        "print([l for l in status.splitlines() if l.startswith('VmHWM')][0].split()[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    refused, peak_kib = done.stdout.splitlines()
    assert "8 MiB limit" in refused
    # 300 MB of text read whole peaked at 659 MB; stopped at 8 MiB, the process stays small.
    assert int(peak_kib) < 150_000, peak_kib


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
        '<namespace key="6" case="first-letter">Fichier</namespace>'
        '<namespace key="10" case="first-letter">Modèle</namespace>'
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
