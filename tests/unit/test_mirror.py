"""The mirror folder: reading it as a source and writing it atomically."""

# ruff: noqa: RUF001  (typographic apostrophes are part of the realistic French text)

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.cli.outcomes import error_exit_code
from wikisync.core.categories import find_category_links, find_redirect_target
from wikisync.core.errors import LockError, SourceError, UnsafePathError
from wikisync.core.pages import CATEGORY_NS, FRENCH, PageText
from wikisync.mirror import writer as mirror_writer
from wikisync.mirror.filenames import title_to_path
from wikisync.mirror.layout import INDEX_FILE, METADATA_FILE
from wikisync.mirror.reader import open_mirror
from wikisync.mirror.writer import MirrorWriter, init_mirror, remove_page, write_page
from wikisync.ports.source import Source

SITE = "https://wiki.example.org/"

EVENT = PageText(
    "Atelier covoiturage à Nantes",
    "{{Event\n|startDate=2024-03-14\n|place=Nantes\n}}\nUn atelier entre voisins.\n"
    "[[Catégorie:Evénement]]",
    205,
    "2024-03-02T14:00:00Z",
    0,
    20,
)
WEBINAR = PageText(
    "Webinaire logistique urbaine",
    "{{Event|startDate=2024-04-18|type=Webinaire}}\nLivraisons à vélo.\n[[Catégorie:Webinaire]]",
    210,
    "2024-04-11T08:30:00Z",
    0,
    21,
)
MEETUP = PageText(
    "Rencontre FabMob",
    "{{Event|startDate=2024-06-06}}\nVoir aussi [[:Catégorie:Evénement]].",
    220,
    "2024-05-01T12:00:00Z",
    0,
    22,
)
SUBCATEGORY = PageText(
    "Catégorie:Webinaire", "Événements en ligne.\n[[Catégorie:Evénement]]", 101, "", 14, 11
)
CYCLE_A = PageText("Catégorie:Mobilité active", "[[Catégorie:Vélo]]", 500, "", 14, 50)
CYCLE_B = PageText("Catégorie:Vélo", "[[Catégorie:Mobilité active]]", 510, "", 14, 51)
BIKE_SCHOOL = PageText("Vélo-école de Rennes", "Rouler en ville. [[category:vélo]]", 520, "", 0, 52)
COMMUTE = PageText(
    "Covoiturage quotidien", "Au travail. [[Catégorie:Mobilité active]]", 410, "", 0, 41
)
REDIRECT = PageText("Covoiturage", "#REDIRECTION [[Covoiturage quotidien]]", 400, "", 0, 40)


@pytest.fixture
def mirror_dir(tmp_path: Path) -> Path:
    root = tmp_path / "miroir"
    init_mirror(root, site=SITE, namespaces=FRENCH)
    with MirrorWriter(root) as writer:
        writer.write_page(EVENT, categories=["Catégorie:Evénement"])
        writer.write_page(WEBINAR, categories=["Webinaire"])
        # The template adds Evénement: only the wiki's category list knows it.
        writer.write_page(MEETUP, categories=["Catégorie:Evénement"])
        writer.write_page(SUBCATEGORY, categories=["Catégorie:Evénement"])
        for page in (CYCLE_A, CYCLE_B, BIKE_SCHOOL, COMMUTE, REDIRECT):
            writer.write_page(page, categories=find_category_links(page.wikitext, FRENCH))
    return root


def read_index(root: Path) -> list[dict[str, object]]:
    lines = (root / INDEX_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def page_file(root: Path, title: str) -> Path:
    return root / title_to_path(title, FRENCH)


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_open_mirror_is_a_source(mirror_dir: Path) -> None:
    source = open_mirror(mirror_dir)
    assert isinstance(source, Source)
    assert source.location == str(mirror_dir)
    assert source.site == SITE
    assert source.namespaces == FRENCH


def test_write_page_round_trips_through_open_mirror(mirror_dir: Path) -> None:
    result = open_mirror(mirror_dir).fetch_titles(["atelier covoiturage à Nantes"])
    assert result.pages == [EVENT]
    assert result.missing == []


@pytest.mark.parametrize(
    "wikitext", ["", "une ligne", "deux\nlignes\n", "fin avec espaces  \n\n", "é\u00a0’\t«»"]
)
def test_write_page_keeps_text_byte_for_byte(tmp_path: Path, wikitext: str) -> None:
    init_mirror(tmp_path, site=None, namespaces=FRENCH)
    write_page(tmp_path, PageText("Essai", wikitext, 3), categories=[])
    assert open_mirror(tmp_path).fetch_titles(["Essai"]).pages[0].wikitext == wikitext
    assert open_mirror(tmp_path).base_text("Essai") == wikitext


def test_write_page_writes_layout_and_metadata(mirror_dir: Path) -> None:
    assert (page_file(mirror_dir, EVENT.title)).read_text(encoding="utf-8") == EVENT.wikitext + "\n"
    assert (mirror_dir / "Catégorie" / "Webinaire.wiki").is_file()
    base = mirror_dir / ".wikisync" / "base" / title_to_path(EVENT.title, FRENCH)
    assert base.read_text(encoding="utf-8") == EVENT.wikitext
    ignore = (mirror_dir / ".wikisync" / ".gitignore").read_text(encoding="utf-8").splitlines()
    # everything in .wikisync is ignored but the .gitignore itself, so it is committed
    assert ignore[-2:] == ["*", "!.gitignore"]
    index = read_index(mirror_dir)
    titles = [str(line["title"]) for line in index]
    assert titles == sorted(titles)
    first = next(line for line in index if line["title"] == EVENT.title)
    assert first == {
        "title": EVENT.title,
        "file": "_main/Atelier covoiturage à Nantes.wiki",
        "ns": 0,
        "pageid": 20,
        "revid": 205,
        "timestamp": "2024-03-02T14:00:00Z",
        "categories": ["Catégorie:Evénement"],
        "sha1": first["sha1"],
    }
    webinar = next(line for line in index if line["title"] == WEBINAR.title)
    assert webinar["categories"] == ["Catégorie:Webinaire"]
    settings = json.loads((mirror_dir / METADATA_FILE).read_text(encoding="utf-8"))
    assert settings["format"] == 1
    assert settings["site"] == SITE
    assert {"id": 14, "name": "Catégorie", "canonical": "Category", "aliases": [],
            "case": "first-letter"} in settings["namespaces"]  # fmt: skip


def test_metadata_lists_exactly_the_files_written(mirror_dir: Path) -> None:
    index = read_index(mirror_dir)
    for line in index:
        assert (mirror_dir / str(line["file"])).is_file()
        assert (mirror_dir / ".wikisync" / "base" / str(line["file"])).is_file()
    pages = sorted(p.relative_to(mirror_dir).as_posix() for p in mirror_dir.glob("*/*.wiki"))
    assert pages == sorted(str(line["file"]) for line in index)


def test_write_leaves_no_temporary_files(mirror_dir: Path) -> None:
    write_page(mirror_dir, EVENT, categories=["Evénement"])
    remove_page(mirror_dir, WEBINAR.title)
    leftovers = [p for p in all_files(mirror_dir) if p.name.startswith(".wikisync-")]
    assert leftovers == []
    assert not (mirror_dir / ".wikisync" / "journal.jsonl").exists()


def test_write_failure_leaves_old_file_and_no_temporary(
    mirror_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(*args: object, **kwargs: object) -> None:
        raise OSError("disque plein")

    before = (page_file(mirror_dir, EVENT.title)).read_bytes()
    monkeypatch.setattr(mirror_writer.os, "replace", broken_replace)
    changed = PageText(EVENT.title, "nouveau texte", 999)
    with pytest.raises(UnsafePathError, match=r'cannot write ".*": disque plein'):
        write_page(mirror_dir, changed)  # one error naming the file, not an OSError
    monkeypatch.undo()
    assert (page_file(mirror_dir, EVENT.title)).read_bytes() == before
    assert [p for p in all_files(mirror_dir) if p.name.startswith(".wikisync-")] == []
    assert open_mirror(mirror_dir).fetch_titles([EVENT.title]).pages == [EVENT]


def test_mirror_writer_flushes_the_index_once_per_batch(tmp_path: Path) -> None:
    init_mirror(tmp_path, site=SITE, namespaces=FRENCH)
    with MirrorWriter(tmp_path, durable=False) as writer:
        for number in range(2000):
            writer.write_page(
                PageText(f"Atelier numéro {number}", f"Texte {number}\n[[Catégorie:Atelier]]", 1),
                categories=["Atelier"],
            )
            if number == 1000:
                # pages.jsonl is untouched mid-batch; readers see the journal.
                assert (tmp_path / INDEX_FILE).read_text(encoding="utf-8") == ""
                assert len(open_mirror(tmp_path).entries()) == 1001
    assert len(read_index(tmp_path)) == 2000
    assert len(open_mirror(tmp_path).list_category("Atelier")) == 2000


def test_mirror_writer_keeps_pages_written_before_an_error(tmp_path: Path) -> None:
    init_mirror(tmp_path, site=SITE, namespaces=FRENCH)
    with pytest.raises(RuntimeError), MirrorWriter(tmp_path) as writer:
        writer.write_page(EVENT)
        raise RuntimeError("coupure réseau")
    assert [line["title"] for line in read_index(tmp_path)] == [EVENT.title]


def test_open_mirror_replays_an_interrupted_journal(mirror_dir: Path) -> None:
    journal = mirror_dir / ".wikisync" / "journal.jsonl"
    entry = open_mirror(mirror_dir).entries()[EVENT.title]
    newer = {**entry.to_dict(), "revid": 300}
    journal.write_text(
        json.dumps(newer) + "\n" + json.dumps({"title": WEBINAR.title, "removed": True}) + "\n"
        '{"title": "Coupé en pleine écri',
        encoding="utf-8",
    )
    entries = open_mirror(mirror_dir).entries()
    assert entries[EVENT.title].revid == 300
    assert WEBINAR.title not in entries
    with MirrorWriter(mirror_dir):
        pass
    assert not journal.exists()
    assert {line["title"]: line["revid"] for line in read_index(mirror_dir)}[EVENT.title] == 300


def test_local_edit_reads_current_text_with_base_revid(mirror_dir: Path) -> None:
    path = page_file(mirror_dir, EVENT.title)
    path.write_text("Texte modifié à la main.\n[[Catégorie:Atelier]]\n", encoding="utf-8")
    source = open_mirror(mirror_dir)
    page = source.fetch_titles([EVENT.title]).pages[0]
    assert page.wikitext == "Texte modifié à la main.\n[[Catégorie:Atelier]]"
    assert (page.revid, page.pageid, page.timestamp) == (205, 20, EVENT.timestamp)
    assert source.base_text(EVENT.title) == EVENT.wikitext
    # The link the edit removed no longer counts; the new one does.
    assert EVENT.title not in source.list_category("Evénement")
    assert source.list_category("Atelier") == [EVENT.title]


def test_local_edit_keeps_categories_added_by_templates(mirror_dir: Path) -> None:
    path = page_file(mirror_dir, MEETUP.title)
    path.write_text("{{Event|startDate=2024-06-07}}\n", encoding="utf-8")
    assert MEETUP.title in open_mirror(mirror_dir).list_category("Evénement")


def test_local_edit_without_base_copy_keeps_pulled_categories(mirror_dir: Path) -> None:
    for base in (mirror_dir / ".wikisync" / "base").rglob("*.wiki"):
        base.unlink()
    path = page_file(mirror_dir, EVENT.title)
    path.write_text("Plus de lien.\n", encoding="utf-8")
    source = open_mirror(mirror_dir)
    assert EVENT.title in source.list_category("Evénement")
    assert source.base_text(EVENT.title) is None


def test_new_local_file_is_a_page_with_revid_zero(mirror_dir: Path) -> None:
    (mirror_dir / "_main" / "Nouvel atelier~m.wiki").write_text(
        "Brouillon.\n[[Catégorie:Evénement]]\n", encoding="utf-8"
    )
    source = open_mirror(mirror_dir)
    page = source.fetch_titles(["Nouvel atelier"]).pages[0]
    assert (page.title, page.revid, page.pageid, page.wikitext) == (
        "Nouvel atelier",
        0,
        None,
        "Brouillon.\n[[Catégorie:Evénement]]",
    )
    assert "Nouvel atelier" in source.list_category("Evénement")


def test_deleted_file_is_missing(mirror_dir: Path) -> None:
    page_file(mirror_dir, MEETUP.title).unlink()
    source = open_mirror(mirror_dir)
    assert source.fetch_titles([MEETUP.title]).missing == [MEETUP.title]
    assert MEETUP.title in source.entries()


def test_list_category_combines_metadata_and_links(mirror_dir: Path) -> None:
    source = open_mirror(mirror_dir)
    # MEETUP only via metadata (template), EVENT via both; [[:Catégorie:…]] is no membership.
    assert source.list_category("Catégorie:Evénement") == [EVENT.title, MEETUP.title]
    assert source.list_category("category:evénement", recursive=True) == [
        EVENT.title,
        MEETUP.title,
        WEBINAR.title,
    ]
    assert source.categories_of(BIKE_SCHOOL.title) == ["Catégorie:Vélo"]


def test_list_category_recursive_survives_a_cycle(mirror_dir: Path) -> None:
    source = open_mirror(mirror_dir)
    assert source.list_category("Vélo") == [BIKE_SCHOOL.title]
    assert source.list_category("Vélo", recursive=True) == [COMMUTE.title, BIKE_SCHOOL.title]
    assert source.list_category("Mobilité active", recursive=True, depth=0) == [COMMUTE.title]
    assert source.list_category("Mobilité active", recursive=True, depth=1) == [
        COMMUTE.title,
        BIKE_SCHOOL.title,
    ]


def test_iter_category_yields_the_listed_pages(mirror_dir: Path) -> None:
    source = open_mirror(mirror_dir)
    pages = list(source.iter_category("Evénement", recursive=True))
    assert [p.title for p in pages] == source.list_category("Evénement", recursive=True)
    assert pages[0] == EVENT
    assert all(p.ns != CATEGORY_NS for p in pages)


def test_fetch_titles_follows_redirects_on_request(mirror_dir: Path) -> None:
    source = open_mirror(mirror_dir)
    plain = source.fetch_titles(["Covoiturage"])
    assert plain.pages == [REDIRECT]
    followed = source.fetch_titles(["Covoiturage", "Page absente"], follow_redirects=True)
    assert followed.pages == [COMMUTE]
    assert followed.redirects == {"Covoiturage": "Covoiturage quotidien"}
    assert followed.missing == ["Page absente"]


def test_remove_page_drops_file_base_and_entry(mirror_dir: Path) -> None:
    file = page_file(mirror_dir, WEBINAR.title)
    base = mirror_dir / ".wikisync" / "base" / title_to_path(WEBINAR.title, FRENCH)
    assert file.is_file() and base.is_file()
    assert remove_page(mirror_dir, WEBINAR.title) is True
    assert not file.exists()
    assert not base.exists()
    assert (mirror_dir / "_main").is_dir()
    assert WEBINAR.title not in [line["title"] for line in read_index(mirror_dir)]
    assert remove_page(mirror_dir, "Page qui n’existe pas") is False


def test_write_page_adopts_a_hand_made_file(mirror_dir: Path) -> None:
    hand_made = mirror_dir / "_main" / "La Rochelle.wiki"
    hand_made.write_text("Écrit à la main.\n", encoding="utf-8")
    path = write_page(mirror_dir, PageText("La Rochelle", "Version du wiki.", 77, "", 0, 7))
    assert path.as_posix() == "_main/La Rochelle.wiki"
    assert sorted(p.name for p in (mirror_dir / "_main").glob("La Rochelle*")) == [
        "La Rochelle.wiki"
    ]
    assert open_mirror(mirror_dir).fetch_titles(["La Rochelle"]).pages[0].revid == 77


def test_page_file_reads_crlf_and_bom(mirror_dir: Path) -> None:
    path = page_file(mirror_dir, EVENT.title)
    path.write_bytes(b"\xef\xbb\xbf" + (EVENT.wikitext.replace("\n", "\r\n") + "\r\n").encode())
    page = open_mirror(mirror_dir).fetch_titles([EVENT.title]).pages[0]
    assert page.wikitext == EVENT.wikitext
    assert EVENT.title in open_mirror(mirror_dir).list_category("Evénement")


def test_open_mirror_reads_a_plain_folder(tmp_path: Path) -> None:
    (tmp_path / "_main").mkdir()
    (tmp_path / "_main" / "Accueil.wiki").write_text("Bienvenue.\n", encoding="utf-8")
    (tmp_path / "Catégorie").mkdir()
    (tmp_path / "Catégorie" / "Evénement.wiki").write_text("Rencontres.\n", encoding="utf-8")
    (tmp_path / "Atelier vélo.wiki").write_text("[[Catégorie:Evénement]]", encoding="utf-8")
    (tmp_path / "LISEZMOI.md").write_text("pas une page", encoding="utf-8")
    source = open_mirror(tmp_path)
    assert source.has_metadata is False
    assert [(p.title, p.revid) for p in source.iter_pages()] == [
        ("Accueil", 0),
        ("Atelier vélo", 0),
        ("Catégorie:Evénement", 0),
    ]
    assert source.list_category("Evénement") == ["Atelier vélo"]


def test_open_mirror_sees_files_changed_after_opening(mirror_dir: Path) -> None:
    source = open_mirror(mirror_dir)
    assert source.list_category("Atelier") == []
    write_page(mirror_dir, PageText("Atelier réparation", "[[Catégorie:Atelier]]", 5))
    assert source.list_category("Atelier") == ["Atelier réparation"]
    assert source.entries()["Atelier réparation"].revid == 5


def test_open_mirror_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        open_mirror(tmp_path / "absent")


def test_open_mirror_names_corrupt_settings(mirror_dir: Path) -> None:
    (mirror_dir / METADATA_FILE).write_text('{"format": 1,\n "site": }', encoding="utf-8")
    with pytest.raises(SourceError, match=r"wikisync-mirror\.json.*line 2") as info:
        open_mirror(mirror_dir)
    assert info.value.path == str(mirror_dir / METADATA_FILE)


def test_open_mirror_names_a_corrupt_index_line(mirror_dir: Path) -> None:
    lines = (mirror_dir / INDEX_FILE).read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:30]
    (mirror_dir / INDEX_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"pages\.jsonl\", line 3"):
        open_mirror(mirror_dir)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"file": "_main/X.wiki"}', "title"),
        ('{"title": "X", "file": "../hors.wiki"}', "relative path"),
        ('{"title": "X", "file": "_main/X.wiki", "revid": "douze"}', "integers"),
        ('{"title": "X", "file": "_main/X.wiki", "categories": "Evénement"}', "list"),
        ("[1, 2]", "JSON object"),
        # Wrong types that used to escape as tracebacks, and paths that leave the mirror.
        ('{"title": "X", "file": "_main/X.wiki", "ns": "zéro"}', '"ns" should be'),
        ('{"title": "X", "file": "_main/X.wiki", "ns": [0]}', '"ns" should be'),
        ('{"title": "X", "file": "_main/X.wiki", "ns": true}', '"ns" should be'),
        ('{"title": "X", "file": "_main/X.wiki", "revid": true}', "integers"),
        ('{"title": "X", "file": "_main/X.wiki", "pageid": 1.5}', "integers"),
        ('{"title": "X", "file": "_main/X.wiki", "timestamp": 5}', "strings"),
        ('{"title": "X", "file": "_main/X.wiki", "sha1": ["a"]}', "strings"),
        ('{"title": ["X"], "file": "_main/X.wiki"}', "title"),
        ('{"title": "\\ud800", "file": "_main/X.wiki"}', "title"),
        ('{"title": "X", "file": 7}', "relative path"),
        ('{"title": "X", "file": "_main/\\u0000.wiki"}', "relative path"),
        ('{"title": "X", "file": "_main/\\ud800.wiki"}', "relative path"),
        ('{"title": "X", "file": "/etc/X.wiki"}', "relative path"),
        ('{"title": "X", "file": "_main/../../X.wiki"}', "relative path"),
        ('{"title": "X", "file": "a/b/X.wiki"}', "relative path"),
        ('{"title": "X", "file": ".wikisync/base/X.wiki"}', "relative path"),
        ('{"title": "X", "file": "_main/.X.wiki"}', "relative path"),
        ('{"title": "X", "file": "_main//X.wiki"}', "relative path"),
        ('{"title": "X", "file": "_main/X.txt"}', "relative path"),
        ('{"title": "X", "file": "_main/' + "x" * 252 + '.wiki"}', "relative path"),
    ],
)
def test_open_mirror_rejects_bad_index_entries(tmp_path: Path, line: str, message: str) -> None:
    init_mirror(tmp_path, site=None, namespaces=FRENCH)
    (tmp_path / INDEX_FILE).write_text(line + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=message) as caught:
        open_mirror(tmp_path)
    assert 'pages.jsonl", line 1' in str(caught.value) and "\n" not in str(caught.value)
    assert error_exit_code(caught.value) == 2


def test_cli_on_a_mirror_with_a_bad_index_entry_is_one_line_and_exit_2(tmp_path: Path) -> None:
    init_mirror(tmp_path, site=None, namespaces=FRENCH)
    (tmp_path / INDEX_FILE).write_text('{"title": "X", "file": "_main/X.wiki", "ns": "zéro"}\n')
    result = CliRunner().invoke(cli, ["--site", str(tmp_path), "pages", "Evénement"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and 'pages.jsonl", line 1: "ns"' in result.output


def test_open_mirror_requires_settings_beside_the_index(mirror_dir: Path) -> None:
    (mirror_dir / METADATA_FILE).unlink()
    with pytest.raises(SourceError, match=r"wikisync-mirror\.json is missing"):
        open_mirror(mirror_dir)


def test_open_mirror_requires_the_index_beside_the_settings(mirror_dir: Path) -> None:
    (mirror_dir / INDEX_FILE).unlink()
    with pytest.raises(SourceError, match=r"pages\.jsonl is missing"):
        open_mirror(mirror_dir)


def test_open_mirror_refuses_another_format(mirror_dir: Path) -> None:
    (mirror_dir / METADATA_FILE).write_text('{"format": 2}', encoding="utf-8")
    with pytest.raises(SourceError, match="format 2"):
        open_mirror(mirror_dir)


def test_mirror_reports_two_files_for_one_title(mirror_dir: Path) -> None:
    (mirror_dir / "_main" / "atelier covoiturage à Nantes.wiki").write_text("x", encoding="utf-8")
    with pytest.raises(SourceError, match="both hold page"):
        open_mirror(mirror_dir).list_category("Evénement")


def test_mirror_reports_a_file_it_cannot_name(mirror_dir: Path) -> None:
    (mirror_dir / "Inconnu").mkdir()
    (mirror_dir / "Inconnu" / "Page.wiki").write_text("x", encoding="utf-8")
    with pytest.raises(SourceError, match=r"Inconnu/Page\.wiki"):
        open_mirror(mirror_dir).fetch_titles(["Accueil"])


def test_mirror_reports_nested_page_folders(mirror_dir: Path) -> None:
    (mirror_dir / "_main" / "Projets").mkdir()
    (mirror_dir / "_main" / "Projets" / "Vélo.wiki").write_text("x", encoding="utf-8")
    with pytest.raises(SourceError, match="%2F"):
        open_mirror(mirror_dir).fetch_titles(["Accueil"])


def test_mirror_reports_a_file_that_is_not_utf8(mirror_dir: Path) -> None:
    page_file(mirror_dir, MEETUP.title).write_bytes("Événement".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8"):
        open_mirror(mirror_dir).fetch_titles([MEETUP.title])


def test_mirror_writer_needs_an_initialised_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="init_mirror"):
        MirrorWriter(tmp_path)


def test_mirror_writer_holds_a_lock(mirror_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mirror_writer, "LOCK_TIMEOUT", 0.05)
    with MirrorWriter(mirror_dir), pytest.raises(LockError, match="another run"):
        MirrorWriter(mirror_dir)
    with MirrorWriter(mirror_dir):
        pass


def test_init_mirror_refuses_another_site(mirror_dir: Path) -> None:
    with pytest.raises(SourceError, match="already mirrors"):
        init_mirror(mirror_dir, site="https://autre.example.org/", namespaces=FRENCH)
    again = init_mirror(mirror_dir, site=None, namespaces=FRENCH)
    assert again.site == SITE
    assert EVENT.title in again.entries()


def test_init_mirror_stores_custom_namespaces(tmp_path: Path) -> None:
    from wikisync.core.pages import Namespace, Namespaces

    namespaces = Namespaces.from_list(
        [*FRENCH.by_id.values(), Namespace(3000, "Ressource", "", ("Res",), False)]
    )
    init_mirror(tmp_path, site=SITE, namespaces=namespaces)
    source = open_mirror(tmp_path)
    assert source.namespaces == namespaces
    write_page(tmp_path, PageText("Res:vélo cargo", "texte", 9))
    assert (tmp_path / "Ressource" / "vélo cargo.wiki").is_file()
    assert [p.title for p in source.iter_pages()] == ["Ressource:vélo cargo"]


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("[[Catégorie:Evénement]]", ["Catégorie:Evénement"]),
        ("[[category:evénement|clé]] [[Catégorie:Acteur]]",
         ["Catégorie:Acteur", "Catégorie:Evénement"]),
        ("[[:Catégorie:Evénement]]", []),
        ("<!-- [[Catégorie:Brouillon]] -->", []),
        ("<nowiki>[[Catégorie:Brouillon]]</nowiki>", []),
        ("<includeonly>[[Catégorie:Evénement]]</includeonly>", []),
        ("<noinclude>[[Catégorie:Modèle infobox]]</noinclude>", ["Catégorie:Modèle infobox"]),
        ("[[Catégorie:{{{type}}}]]", []),
        ("[[Fichier:Logo.png]] [[Accueil]]", []),
        ("sans lien", []),
    ],
)  # fmt: skip
def test_find_category_links(wikitext: str, expected: list[str]) -> None:
    assert find_category_links(wikitext, FRENCH) == expected


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("#REDIRECTION [[Covoiturage quotidien]]", "Covoiturage quotidien"),
        ("#redirect: [[covoiturage_quotidien#Histoire]]", "Covoiturage quotidien"),
        ("  #Redirection[[Catégorie:Vélo]]", "Catégorie:Vélo"),
        ("Voir [[Covoiturage]]", None),
        ("#REDIRECTION sans lien", None),
    ],
)
def test_find_redirect_target(wikitext: str, expected: str | None) -> None:
    assert find_redirect_target(wikitext, FRENCH) == expected


# -- file names: as the title is written; older tagged names still work ---------------------


def test_titles_that_differ_only_in_case_get_files_apart(tmp_path: Path) -> None:
    init_mirror(tmp_path, site=None, namespaces=FRENCH)
    upper, lower = PageText("Acteur ABC", "A", 1), PageText("Acteur abc", "b", 2)
    with MirrorWriter(tmp_path, durable=False) as writer:
        assert writer.write_page(upper).as_posix() == "_main/Acteur ABC.wiki"
        assert writer.name_note(upper.title) == ""
        assert writer.write_page(lower).as_posix() == "_main/Acteur abc~2.wiki"
        note = writer.name_note(lower.title)
    assert '"_main/Acteur abc~2.wiki"' in note and '"_main/Acteur ABC.wiki"' in note
    assert 'page "Acteur ABC"' in note
    names = {p.name.casefold() for p in (tmp_path / "_main").iterdir()}
    assert names == {"acteur abc.wiki", "acteur abc~2.wiki"}
    pages = open_mirror(tmp_path).fetch_titles(["Acteur ABC", "Acteur abc"]).pages
    assert [(p.title, p.wikitext) for p in pages] == [("Acteur ABC", "A"), ("Acteur abc", "b")]


def test_a_new_page_never_takes_a_file_made_by_hand_in_another_case(tmp_path: Path) -> None:
    from wikisync.mirror.target import MirrorTarget

    init_mirror(tmp_path, site=None, namespaces=FRENCH)
    (tmp_path / "_main").mkdir()
    (tmp_path / "_main" / "Vélo ABC.wiki").write_text("à la main\n", encoding="utf-8")
    target = MirrorTarget(open_mirror(tmp_path))
    target.save("Vélo abc", "nouvelle", base=None, summary="")
    assert (tmp_path / "_main" / "Vélo ABC.wiki").read_text(encoding="utf-8") == "à la main\n"
    assert (tmp_path / "_main" / "Vélo abc~2.wiki").read_text(encoding="utf-8") == "nouvelle\n"
    source = open_mirror(tmp_path)
    assert [p.wikitext for p in source.fetch_titles(["Vélo ABC", "Vélo abc"]).pages] == [
        "à la main",
        "nouvelle",
    ]


def test_an_older_mirror_with_case_tagged_names_still_reads_and_writes(mirror_dir: Path) -> None:
    # Mirrors written before tagged most titles: "Atelier covoiturage à Nantes~b8jk.wiki".
    from wikisync.mirror.target import MirrorTarget

    old_names = {EVENT.title: "_main/Atelier covoiturage à Nantes~b8jk.wiki"}
    lines = []
    for line in read_index(mirror_dir):
        old = old_names.get(str(line["title"]))
        if old is not None:
            for folder in (mirror_dir, mirror_dir / ".wikisync" / "base"):
                (folder / str(line["file"])).rename(folder / old)
            line["file"] = old
        lines.append(json.dumps(line, ensure_ascii=False) + "\n")
    (mirror_dir / INDEX_FILE).write_text("".join(lines), encoding="utf-8")

    source = open_mirror(mirror_dir)
    assert source.fetch_titles([EVENT.title]).pages == [EVENT]
    assert source.file_for(EVENT.title).as_posix() == old_names[EVENT.title]
    # A local edit through the target lands in the old file; status sees it as an edit.
    MirrorTarget(source).save(EVENT.title, "modifié", base=EVENT, summary="")
    old_file = mirror_dir / old_names[EVENT.title]
    assert old_file.read_text(encoding="utf-8") == "modifié\n"
    assert not page_file(mirror_dir, EVENT.title).exists()
    # A pull writing a newer revision keeps the recorded name; a new page gets a plain one.
    with MirrorWriter(mirror_dir, durable=False) as writer:
        newer = PageText(EVENT.title, "v2", 300, "", 0, EVENT.pageid)
        assert writer.write_page(newer).as_posix() == old_names[EVENT.title]
        fresh = PageText("Atelier Covoiturage à Nantes", "autre", 301)
        assert writer.write_page(fresh).as_posix() == "_main/Atelier Covoiturage à Nantes.wiki"
    assert open_mirror(mirror_dir).base_text(EVENT.title) == "v2"
