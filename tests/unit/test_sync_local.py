"""The mirror side of sync, without a wiki: base updates, moves, local states."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikisync.core.merge import merge_texts
from wikisync.core.pages import FRENCH, PageText
from wikisync.mirror.filenames import title_to_path
from wikisync.mirror.folder import LocalMirror, conflict_path, write_conflict
from wikisync.mirror.layout import text_sha1
from wikisync.mirror.reader import open_mirror
from wikisync.mirror.writer import MirrorWriter, init_mirror
from wikisync.ops.sync.local import merge_as_saved, scan_mirror

SITE = "http://127.0.0.1:1/api.php"
PAGE = PageText("Atelier vélo", "Premier.\n\nSecond.", 100, "2024-05-01T10:00:00Z", 0, 10)
OTHER = PageText("Modèle:Event", "{{{1}}}", 200, "2024-05-01T11:00:00Z", 10, 20)


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "miroir"
    init_mirror(root, site=SITE, namespaces=FRENCH)
    with MirrorWriter(root, durable=False) as writer:
        writer.write_page(PAGE, categories=["Atelier"])
        writer.write_page(OTHER)
    return root


def _file(root: Path, title: str) -> Path:
    return root / title_to_path(title, FRENCH)


def test_write_base_keeps_the_file_and_the_categories(mirror: Path) -> None:
    _file(mirror, PAGE.title).write_text("Premier, local.\n\nSecond.\n", encoding="utf-8")
    newer = PageText(PAGE.title, "Premier.\n\nSecond, wiki.", 101, "2024-05-02T10:00:00Z")
    with MirrorWriter(mirror, durable=False) as writer:
        writer.write_base(newer)
    source = open_mirror(mirror)
    entry = source.entries()[PAGE.title]
    assert (entry.revid, entry.pageid, entry.categories) == (101, 10, ("Catégorie:Atelier",))
    assert entry.sha1 == text_sha1(newer.wikitext)
    assert source.base_text(PAGE.title) == newer.wikitext
    assert source.fetch_titles([PAGE.title]).pages[0].wikitext == "Premier, local.\n\nSecond."


def test_write_page_with_text_reads_as_a_local_edit(mirror: Path) -> None:
    newer = PageText(PAGE.title, "Premier.\n\nSecond, wiki.", 101, "", 0, 10)
    with MirrorWriter(mirror, durable=False) as writer:
        writer.write_page(newer, text="Premier, local.\n\nSecond, wiki.")
    pages = scan_mirror(LocalMirror(mirror))
    assert pages[PAGE.title].modified
    assert pages[PAGE.title].text == "Premier, local.\n\nSecond, wiki."


def test_move_page_keeps_the_local_edit_and_the_base(mirror: Path) -> None:
    _file(mirror, PAGE.title).write_text("Édité.\n", encoding="utf-8")
    with MirrorWriter(mirror, durable=False) as writer:
        relative = writer.move_page(PAGE.title, "Projets/Atelier vélo: bilan")
    assert relative == title_to_path("Projets/Atelier vélo: bilan", FRENCH)
    assert not _file(mirror, PAGE.title).exists()
    source = open_mirror(mirror)
    entries = source.entries()
    assert PAGE.title not in entries
    moved = entries["Projets/Atelier vélo: bilan"]
    assert (moved.pageid, moved.revid) == (10, 100)
    assert source.base_text(moved.title) == PAGE.wikitext
    assert (mirror / relative).read_text(encoding="utf-8") == "Édité.\n"


def test_scan_mirror_tells_every_local_state(mirror: Path) -> None:
    _file(mirror, PAGE.title).write_text("Édité.\n", encoding="utf-8")
    _file(mirror, OTHER.title).unlink()
    _file(mirror, "Nouvelle page").write_text("Neuve.\n", encoding="utf-8")
    write_conflict(mirror, title_to_path(PAGE.title, FRENCH).as_posix(), "Version du wiki")
    pages = scan_mirror(LocalMirror(mirror))
    assert list(pages) == ["Atelier vélo", "Modèle:Event", "Nouvelle page"]
    edited, deleted, new = pages.values()
    assert edited.modified and edited.in_conflict
    assert deleted.modified and deleted.text is None
    assert new.entry is None and not new.modified and new.text == "Neuve."


def test_conflict_file_is_not_a_page(mirror: Path) -> None:
    file = title_to_path(PAGE.title, FRENCH).as_posix()
    written = write_conflict(mirror, file, "Version du wiki")
    assert written == file + ".remote"
    assert conflict_path(mirror, file).read_text(encoding="utf-8") == "Version du wiki\n"
    source = open_mirror(mirror)
    assert sorted(source.page_files()) == [PAGE.title, OTHER.title]
    assert [p.title for p in source.iter_pages()] == [PAGE.title, OTHER.title]


def test_a_name_filling_255_bytes_gets_a_conflict_file_that_fits(mirror: Path) -> None:
    # A mirror from an older wikisync (or hand-made) may hold a 255-byte name: its
    # conflict file must still fit, and status must not crash on it.
    name = "Compte rendu " + "é" * 118 + "x.wiki"
    assert len(name.encode("utf-8")) == 255
    title = name.removesuffix(".wiki")
    (mirror / "_main" / name).write_text("Texte local\n", encoding="utf-8")
    pages = scan_mirror(LocalMirror(mirror))
    assert pages[title].entry is None and not pages[title].in_conflict
    written = write_conflict(mirror, f"_main/{name}", "Version du wiki")
    assert len(Path(written).name.encode("utf-8")) <= 255
    assert written.endswith(".wiki.remote") and (mirror / written).is_file()
    assert conflict_path(mirror, f"_main/{name}") == mirror / written
    assert scan_mirror(LocalMirror(mirror))[title].in_conflict


def test_merge_as_saved_ignores_the_trailing_whitespace_the_wiki_drops() -> None:
    # A mirror file keeps the blank line an editor added at its end; the wiki
    # never stores it, so it must not make an edit of the last line a conflict.
    base, local, remote = "Intro\n\nFin", "Intro modifiée\n\nFin\n\n", "Intro\n\nFin révisée"
    assert not merge_texts(base, local, remote).clean  # as git merge-file would say
    merged = merge_as_saved(base, local, remote)
    assert merged.clean and merged.text == "Intro modifiée\n\nFin révisée"
    assert not merge_as_saved(base, "Intro\n\nAutre fin\n", remote).clean
