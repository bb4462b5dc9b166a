"""Hostile mirror folders: a symbolic link anywhere under a mirror is refused, never followed.

Each test plants a link (as one git commit to a shared mirror repository
could) and checks three things: the run stops with an UnsafePathError naming
the link, the file outside the mirror is unchanged, and no file appears
outside the mirror. Every test runs twice: with descriptor-relative calls
(POSIX) and with the lstat checks used where those are missing (Windows).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from wikisync.cli.outcomes import error_exit_code
from wikisync.core.errors import UnsafePathError
from wikisync.core.pages import FRENCH, PageText
from wikisync.mirror import files as mirror_files
from wikisync.mirror.filenames import title_to_path
from wikisync.mirror.folder import LocalMirror, write_conflict
from wikisync.mirror.reader import open_mirror
from wikisync.mirror.target import MirrorTarget
from wikisync.mirror.writer import MirrorWriter, init_mirror, lock_mirror
from wikisync.ops.sync.local import scan_mirror

SITE = "https://wiki.example.org/w/api.php"
SECRET = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
PAGE = PageText("Accueil", "Bienvenue sur le wiki.\n[[Catégorie:Portail]]", 12, "", 0, 3)
OTHER = PageText("Atelier vélo", "{{Event|place=Lyon}}", 30, "", 0, 4)


@pytest.fixture(params=["dir_fd", "lstat"], autouse=True)
def walk_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of walking the mirror: descriptors (POSIX) and lstat checks (Windows)."""
    if request.param == "lstat":
        monkeypatch.setattr(mirror_files, "USE_DIR_FD", False)
    else:
        assert mirror_files.USE_DIR_FD, "this system should have descriptor-relative calls"
    return str(request.param)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the mirror holding a private key."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "id_ed25519").write_bytes(SECRET)
    (folder / "Clé.wiki").write_bytes(SECRET)  # what a linked namespace folder would show
    return folder


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A mirror holding two pages pulled from the wiki."""
    root = tmp_path / "mirror"
    init_mirror(root, site=SITE, namespaces=FRENCH)
    with MirrorWriter(root, durable=False) as writer:
        writer.write_page(PAGE)
        writer.write_page(OTHER)
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (links not followed) with its bytes."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


@pytest.fixture
def untouched(outside: Path) -> Iterator[None]:
    """Check, after the test, that nothing outside the mirror changed or appeared."""
    before = snapshot(outside)
    yield
    assert snapshot(outside) == before


def page_path(mirror: Path, title: str) -> Path:
    return mirror / title_to_path(title, FRENCH)


def relink(path: Path, target: Path) -> None:
    """Replace ``path`` (a file or an empty-able folder) by a link to ``target``."""
    if path.is_dir() and not path.is_symlink():
        for child in sorted(path.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


# -- reading -------------------------------------------------------------------------


@pytest.mark.usefixtures("untouched")
def test_unlisted_page_file_linked_to_a_private_key_is_refused(mirror: Path, outside: Path) -> None:
    link = mirror / "_main" / "Clé.wiki"
    link.symlink_to(outside / "id_ed25519")
    source = open_mirror(mirror)
    with pytest.raises(UnsafePathError, match=r"Clé\.wiki\" is a symbolic link") as caught:
        list(source.iter_pages())
    assert caught.value.path == str(link)
    assert error_exit_code(caught.value) == 2
    assert "\n" not in str(caught.value)


@pytest.mark.usefixtures("untouched")
def test_listed_page_file_replaced_by_a_link_is_not_read(mirror: Path, outside: Path) -> None:
    relink(page_path(mirror, PAGE.title), outside / "id_ed25519")
    source = open_mirror(mirror)
    with pytest.raises(UnsafePathError, match=r"Accueil\.wiki"):
        source.fetch_titles([PAGE.title])
    with pytest.raises(UnsafePathError, match=r"Accueil\.wiki"):
        scan_mirror(LocalMirror(mirror))


@pytest.mark.usefixtures("untouched")
def test_linked_namespace_folder_is_refused(mirror: Path, outside: Path) -> None:
    relink(mirror / "_main", outside)
    with pytest.raises(UnsafePathError, match=r"_main\" is a symbolic link"):
        list(open_mirror(mirror).iter_pages())


@pytest.mark.usefixtures("untouched")
def test_a_fifo_as_page_file_is_refused_without_hanging(mirror: Path) -> None:
    fifo = page_path(mirror, PAGE.title)
    fifo.unlink()
    os.mkfifo(fifo)
    source = open_mirror(mirror)
    assert PAGE.title not in source.page_files()  # not a page file: not listed as one
    with pytest.raises(UnsafePathError, match="not a regular file"):
        scan_mirror(LocalMirror(mirror))  # but the page's file is now a pipe: refused, not read


@pytest.mark.parametrize("name", ["pages.jsonl", "wikisync-mirror.json"])
@pytest.mark.usefixtures("untouched")
def test_linked_metadata_file_is_refused(mirror: Path, outside: Path, name: str) -> None:
    relink(mirror / name, outside / "id_ed25519")
    with pytest.raises(UnsafePathError, match=name):
        open_mirror(mirror).entries()


@pytest.mark.usefixtures("untouched")
def test_linked_base_copy_is_refused_not_merged(mirror: Path, outside: Path) -> None:
    base = mirror / ".wikisync" / "base" / title_to_path(PAGE.title, FRENCH)
    relink(base, outside / "id_ed25519")
    with pytest.raises(UnsafePathError, match="base"):
        open_mirror(mirror).base_text(PAGE.title)


# -- writing -------------------------------------------------------------------------


@pytest.mark.usefixtures("untouched")
def test_pull_into_a_linked_namespace_folder_writes_nothing_outside(
    mirror: Path, outside: Path
) -> None:
    relink(mirror / "_main", outside)
    with (
        MirrorWriter(mirror, durable=False) as writer,
        pytest.raises(UnsafePathError, match="_main"),
    ):
        writer.write_page(PageText("Nouvelle page", "Texte du wiki", 40, "", 0, 9))


@pytest.mark.parametrize(
    "link", [".wikisync/base", ".wikisync/base/_main", ".wikisync", ".wikisync/journal.jsonl"]
)
@pytest.mark.usefixtures("untouched")
def test_linked_state_folder_or_file_is_refused(mirror: Path, outside: Path, link: str) -> None:
    target = outside / "id_ed25519" if link.endswith(".jsonl") else outside
    relink(mirror / link, target)
    changed = PageText(PAGE.title, "Texte changé sur le wiki", 13, "", 0, 3)
    with (
        pytest.raises(UnsafePathError, match="is a symbolic link"),
        MirrorWriter(mirror, durable=False) as writer,
    ):
        writer.write_page(changed)


@pytest.mark.usefixtures("untouched")
def test_linked_lock_file_is_refused_and_its_target_not_truncated(
    mirror: Path, outside: Path
) -> None:
    relink(mirror / ".wikisync" / "lock", outside / "id_ed25519")
    with pytest.raises(UnsafePathError, match=r"lock\" is a symbolic link"):
        lock_mirror(mirror)


@pytest.mark.usefixtures("untouched")
def test_rebuild_into_a_mirror_does_not_write_through_a_linked_page(
    mirror: Path, outside: Path
) -> None:
    source = open_mirror(mirror)
    page = source.fetch_titles([OTHER.title]).pages[0]
    relink(page_path(mirror, OTHER.title), outside / "id_ed25519")
    with pytest.raises(UnsafePathError):
        MirrorTarget(source, durable=False).save(OTHER.title, "nouveau", base=page, summary="")


@pytest.mark.usefixtures("untouched")
def test_planted_conflict_file_link_is_refused(mirror: Path, outside: Path) -> None:
    file = title_to_path(PAGE.title, FRENCH).as_posix()
    (mirror / f"{file}.remote").symlink_to(outside / "id_ed25519")
    with pytest.raises(UnsafePathError, match=r"\.remote\" is a symbolic link"):
        write_conflict(mirror, file, "Version du wiki")
    with pytest.raises(UnsafePathError, match=r"\.remote"):
        scan_mirror(LocalMirror(mirror))


@pytest.mark.usefixtures("untouched")
def test_planted_temporary_file_link_is_never_written_through(mirror: Path, outside: Path) -> None:
    file = title_to_path(PAGE.title, FRENCH).as_posix()
    # The name the old writer used, and names like the new one's: all ignored.
    for name in (".Accueil.wiki.remote.tmp", ".wikisync-0000000000000000.tmp"):
        (mirror / "_main" / name).symlink_to(outside / "id_ed25519")
    written = write_conflict(mirror, file, "Version du wiki")
    assert (mirror / written).read_text(encoding="utf-8") == "Version du wiki\n"
    assert not (mirror / written).is_symlink()


def test_temporary_names_are_random_and_leave_nothing_behind(mirror: Path) -> None:
    seen: set[str] = set()
    real_open = os.open

    def spy(path: object, flags: int, *args: object, **kwargs: object) -> int:
        name = os.fsdecode(path)  # type: ignore[arg-type]
        if name.endswith(".tmp"):
            assert flags & os.O_EXCL and flags & os.O_CREAT
            seen.add(os.path.basename(name))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mirror_files.os, "open", spy)
        with MirrorWriter(mirror, durable=False) as writer:
            for number in range(5):
                writer.write_page(PageText(f"Page {number}", "texte", number + 100))
    assert len(seen) == 5 * 2 + 1  # base copy and file of each page, then the index
    assert [p for p in mirror.rglob("*.tmp")] == []


def test_removing_a_page_whose_file_is_a_link_removes_the_link_only(
    mirror: Path, outside: Path
) -> None:
    relink(page_path(mirror, PAGE.title), outside / "id_ed25519")
    with MirrorWriter(mirror, durable=False) as writer:
        assert writer.remove_page(PAGE.title)
    assert (outside / "id_ed25519").read_bytes() == SECRET
    assert not page_path(mirror, PAGE.title).is_symlink()
