"""Hostile files against a real MediaWiki: links in a mirror, a 244-byte title, bad rows.

A mirror's symbolic link never makes ``push`` publish a local file nor
``pull`` write outside the mirror; a long legal title syncs like any other;
a spreadsheet row cut short saves nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import mwclient
import pytest
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import Config
from wikisync.mirror.reader import open_mirror
from wikisync.ops.sync import mirror_status, pull, push
from wikisync.wiki.site import WikiClient

SECRET = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
# 244 bytes: legal on MediaWiki (255), and its file name would be 249 bytes, too
# long for the conflict file beside it (".remote") under the 255-byte limit.
LONG_TITLE = "Compte rendu de l'atelier " + "covoiturage rural " * 12 + "x" * 2


def _client(wiki: TestWiki) -> WikiClient:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return WikiClient(wiki.url, config)


@pytest.fixture
def admin(wiki: TestWiki) -> Iterator[mwclient.Site]:
    """Another account editing the wiki meanwhile."""
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    site.login(wiki.admin_user, wiki.admin_password)
    yield site


def _invoke(wiki: TestWiki, *args: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["--site", wiki.url, "--user", wiki.bot_user, *args],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )


def _wiki_text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _revisions(wiki: TestWiki, title: str) -> int:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=500, rvprop="ids")
    return len(reply["query"]["pages"][0]["revisions"])


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "id_ed25519").write_text(SECRET, encoding="utf-8")
    return folder


def test_push_of_a_page_file_linked_to_a_private_key_is_refused(
    wiki: TestWiki, tmp_path: Path, outside: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, titles=["Accueil"], durable=False)
    file = mirror / open_mirror(mirror).entries()["Accueil"].file
    before_text, before_revisions = _wiki_text(wiki, "Accueil"), _revisions(wiki, "Accueil")
    file.unlink()
    file.symlink_to(outside / "id_ed25519")
    before_outside = _files(outside)

    result = _invoke(wiki, "push", str(mirror), "-m", "fuite ?")
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("wikisync: error: ") and "is a symbolic link" in line
    assert str(file) in line
    assert _wiki_text(wiki, "Accueil") == before_text
    assert "PRIVATE KEY" not in _wiki_text(wiki, "Accueil")
    assert _revisions(wiki, "Accueil") == before_revisions
    assert _files(outside) == before_outside


@pytest.mark.parametrize("link", ["_main", ".wikisync/base", ".wikisync"])
def test_pull_into_a_mirror_with_a_linked_folder_writes_nothing_outside(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path, outside: Path, link: str
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, titles=["Accueil"], durable=False)
    admin.pages["Accueil"].edit("Accueil modifié sur le wiki.", summary="remote")
    planted = mirror / link
    for child in sorted(planted.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    planted.rmdir()
    planted.symlink_to(outside, target_is_directory=True)
    before_outside = _files(outside)

    result = _invoke(wiki, "pull", str(mirror))
    assert result.exit_code == 2, result.output
    assert "is a symbolic link" in result.output
    assert _files(outside) == before_outside


def test_a_244_byte_title_pulls_shows_status_conflicts_and_pushes(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    assert len(LONG_TITLE.encode("utf-8")) == 244
    admin.pages[LONG_TITLE].edit("Premier paragraphe.\n\nSecond paragraphe.", summary="setup")
    mirror = tmp_path / "mirror"
    assert (
        _invoke(wiki, "pull", "--page", LONG_TITLE, "--page", "Accueil", str(mirror)).exit_code == 0
    )
    entry = open_mirror(mirror).entries()[LONG_TITLE]
    file = mirror / entry.file
    assert file.read_text(encoding="utf-8") == "Premier paragraphe.\n\nSecond paragraphe.\n"

    # The same paragraph edited on both sides: the wiki's version goes beside the file.
    file.write_text("Premier paragraphe (local).\n\nSecond paragraphe.\n", encoding="utf-8")
    admin.pages[LONG_TITLE].edit(
        "Premier paragraphe (wiki).\n\nSecond paragraphe.", summary="remote"
    )
    pulled = _invoke(wiki, "pull", str(mirror))
    assert pulled.exit_code == 3, pulled.output
    conflicts = [p for p in file.parent.iterdir() if p.name.endswith(".remote")]
    assert len(conflicts) == 1
    assert len(conflicts[0].name.encode("utf-8")) <= 255
    assert conflicts[0].read_text(encoding="utf-8").startswith("Premier paragraphe (wiki).")
    status = _invoke(wiki, "status", str(mirror))
    assert status.exit_code in (0, 3), status.output
    assert "conflict" in status.output

    # Resolved: the conflict file deleted, the page pushed.
    conflicts[0].unlink()
    file.write_text("Premier paragraphe (fusionné).\n\nSecond paragraphe.\n", encoding="utf-8")
    report = push(_client(wiki), mirror, summary="résolu", durable=False)
    assert [item.action for item in report.items] == ["saved"], report.items
    assert _wiki_text(wiki, LONG_TITLE) == "Premier paragraphe (fusionné).\n\nSecond paragraphe."
    assert mirror_status(_client(wiki), mirror).clean


def test_import_of_a_row_cut_short_saves_nothing_on_the_wiki(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "events.csv"
    env = {"WIKISYNC_PASSWORD": wiki.bot_password}
    run = CliRunner().invoke
    result = run(cli, ["-c", str(config_file), "export", "event", "-o", str(exported)], env=env)
    assert result.exit_code == 0, result.output
    with open(exported, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    header = rows[0]
    place = header.index("place")
    titles = [row[0] for row in rows[1:4]]
    rows[1][place] = "Tiers-lieu du Port"  # a real change on row 2…
    rows[3] = rows[3][: place + 1]  # …and row 4 cut short: its last fields would be blanked
    edited = tmp_path / "edited.csv"
    with open(edited, "w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream, lineterminator="\r\n").writerows(rows)
    before = {title: (_wiki_text(wiki, title), _revisions(wiki, title)) for title in titles}

    result = run(cli, ["-c", str(config_file), "import", "event", str(edited)], env=env)
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert f"row 4 has {place + 1} cells but the header has {len(header)}" in line
    assert {t: (_wiki_text(wiki, t), _revisions(wiki, t)) for t in titles} == before
