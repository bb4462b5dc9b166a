"""Mirror sync against a real MediaWiki: pull, status and push, losing nothing."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import mwclient
import pytest
from click.testing import CliRunner

import wikisync
from tests.corpus import Corpus
from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import Config
from wikisync.core.errors import ConfigError, SiteError
from wikisync.mirror.filenames import title_to_path
from wikisync.mirror.layout import INDEX_FILE, METADATA_FILE
from wikisync.mirror.reader import open_mirror
from wikisync.ops.sync import PushItem, mirror_status, pull, push
from wikisync.ops.sync.push import PushReport
from wikisync.wiki.remote import list_category, list_known_pages
from wikisync.wiki.site import WikiClient
from wikisync.wiki.writer import WikiWriter

SUMMARY = "wikisync test"
LOGIN_REQUESTS = 4  # site info, login token, login, user info


def _client(wiki: TestWiki, **values: object) -> WikiClient:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return WikiClient(wiki.url, config.with_overrides(**values))


@pytest.fixture
def admin(wiki: TestWiki) -> Iterator[mwclient.Site]:
    """Another account editing the wiki meanwhile (a human, for the tests)."""
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    site.login(wiki.admin_user, wiki.admin_password)
    yield site


def _wiki_text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    page = reply["query"]["pages"][0]
    return str(page["revisions"][0]["slots"]["main"]["content"])


def _revisions(wiki: TestWiki, title: str) -> int:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=500, rvprop="ids")
    return len(reply["query"]["pages"][0]["revisions"])


def _file(mirror: Path, title: str) -> Path:
    entry = open_mirror(mirror).entries()[title]
    return mirror / entry.file


def _edit_file(mirror: Path, title: str, old: str, new: str) -> str:
    path = _file(mirror, title)
    text = path.read_text(encoding="utf-8")
    assert old in text, (title, old)
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    # As the wiki will store it: without trailing whitespace.
    return text.rstrip()


def _paragraphed(wiki: TestWiki, admin: mwclient.Site, mirror: Path) -> str:
    """A page with three paragraphs, pulled into ``mirror``; returns its title."""
    title = "Atelier de synchronisation"
    text = "Intro du projet.\n\nPremier paragraphe sur Lyon.\n\nSecond paragraphe sur Nantes."
    admin.pages[title].edit(text, summary="setup")
    report = pull(_client(wiki), mirror, titles=[title], durable=False)
    assert [item.action for item in report.items] == ["added"]
    return title


# -- pull -----------------------------------------------------------------------


def test_pull_big_category_then_repeat_fetches_nothing(big_wiki: TestWiki, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    client = _client(big_wiki)
    first = pull(client, mirror, categories=["Evénement"], durable=False)
    members = first.listed
    assert members >= 2000
    assert first.fetched == members
    assert first.counts() == {"added": members}
    # one listing (plus a continuation for categories at most), content at 500 a request
    assert first.requests <= 2 + math.ceil(members / 500) + 1
    entries = open_mirror(mirror).entries()
    assert len(entries) == members
    assert all((mirror / e.file).is_file() and e.revid and e.timestamp for e in entries.values())
    assert all("Catégorie:Evénement" in e.categories for e in entries.values())

    again = _client(big_wiki)
    second = pull(again, mirror, categories=["Evénement"], durable=False)
    assert second.fetched == 0
    assert second.items == ()
    assert second.requests <= 3
    assert again.requests == LOGIN_REQUESTS + second.requests

    status = mirror_status(_client(big_wiki), mirror)
    assert status.clean
    assert len(status.pages) == members
    # the category's size, then its 2,000 members in one listing (not 4 by page id)
    assert status.requests == 2


def test_list_known_pages_lists_big_categories_whole_and_the_rest_by_id(
    big_wiki: TestWiki,
) -> None:
    client = _client(big_wiki)
    events = list_category(client, "Catégorie:Evénement", recursive=False)
    actors = list_category(client, "Catégorie:Acteur", recursive=False)
    known: dict[int, tuple[str, ...]] = dict.fromkeys(events.pages, ("Catégorie:Evénement",))
    # recorded in Evénement but not there any more (as after a move out of it)
    stray = min(actors.pages)
    known[stray] = ("Catégorie:Evénement",)
    before = client.requests
    listing = list_known_pages(client, known)
    assert set(listing.pages) >= set(known)
    assert listing.pages[stray].title == actors.pages[stray].title
    # category size, the 2,000 members in one listing, the stray page by id
    assert client.requests - before == 3


def test_pull_writes_pages_readable_as_a_source(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Evénement"], recursive=True, durable=False)
    source = open_mirror(mirror)
    assert source.site == wiki.api_url
    direct = corpus.titles_in("Evénement")
    assert source.list_category("Evénement") == direct
    recursive = source.list_category("Evénement", recursive=True)
    assert set(direct) < set(recursive)
    for title in direct[:5]:
        assert source.fetch_titles([title]).pages[0].wikitext == corpus.page(title).wikitext


def test_pull_brings_a_remote_edit(wiki: TestWiki, admin: mwclient.Site, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    admin.pages[title].edit(_wiki_text(wiki, title) + "\n\nAjout distant.", summary="remote")
    report = pull(_client(wiki), mirror, durable=False)
    assert [(i.title, i.action) for i in report.items] == [(title, "updated")]
    assert report.fetched == 1
    assert _file(mirror, title).read_text(encoding="utf-8").endswith("Ajout distant.\n")
    assert mirror_status(_client(wiki), mirror).clean


def test_pull_merges_edits_of_different_paragraphs(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    _edit_file(mirror, title, "sur Lyon", "sur Lyon et Villeurbanne")
    remote = _wiki_text(wiki, title).replace("sur Nantes", "sur Nantes et Rezé")
    admin.pages[title].edit(remote, summary="remote")

    report = pull(_client(wiki), mirror, durable=False)
    assert [i.action for i in report.items] == ["merged"]
    merged = _file(mirror, title).read_text(encoding="utf-8")
    assert "Lyon et Villeurbanne" in merged and "Nantes et Rezé" in merged
    assert [p.state for p in mirror_status(_client(wiki), mirror).pages] == ["modified"]

    pushed = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert [i.action for i in pushed.items] == ["saved"]
    assert _wiki_text(wiki, title) == merged.removesuffix("\n")
    assert mirror_status(_client(wiki), mirror).clean


def test_pull_conflict_keeps_both_versions(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    local = _edit_file(mirror, title, "sur Lyon", "sur Lyon (local)")
    remote = _wiki_text(wiki, title).replace("sur Lyon", "sur Lyon (wiki)")
    admin.pages[title].edit(remote, summary="remote")

    report = pull(_client(wiki), mirror, durable=False)
    assert [i.action for i in report.items] == ["conflict"]
    conflict = report.items[0].conflict_file
    assert conflict is not None
    assert _file(mirror, title).read_text(encoding="utf-8") == local + "\n"
    assert (mirror / conflict).read_text(encoding="utf-8") == remote + "\n"
    # The conflict file is not a page of the mirror.
    assert title + ".remote" not in open_mirror(mirror).page_files()
    assert [p.state for p in mirror_status(_client(wiki), mirror).pages] == ["conflict"]

    # Push refuses the page until the conflict file is gone.
    refused = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert [i.action for i in refused.items] == ["conflict"]
    assert _wiki_text(wiki, title) == remote

    resolved = local.replace("sur Lyon (local)", "sur Lyon (local et wiki)")
    _file(mirror, title).write_text(resolved + "\n", encoding="utf-8")
    (mirror / conflict).unlink()
    pushed = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert [i.action for i in pushed.items] == ["saved"]
    assert _wiki_text(wiki, title) == resolved


# -- push -----------------------------------------------------------------------


def test_push_sends_only_local_edits(wiki: TestWiki, corpus: Corpus, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Evénement"], durable=False)
    titles = corpus.titles_in("Evénement")[:2]
    texts = {t: _edit_file(mirror, t, "}}", "}}\nModifié localement.") for t in titles}
    before = {t: _revisions(wiki, t) for t in corpus.titles_in("Evénement")}

    client = _client(wiki)
    report = push(client, mirror, summary=SUMMARY, durable=False)
    assert [(i.title, i.action) for i in report.items] == [(t, "saved") for t in sorted(titles)]
    for title in titles:
        assert _wiki_text(wiki, title) == texts[title]
    after = {t: _revisions(wiki, t) for t in before}
    assert {t for t in before if after[t] != before[t]} == set(titles)
    assert all(after[t] == before[t] + 1 for t in titles)
    status = mirror_status(_client(wiki), mirror)
    assert status.clean
    entries = open_mirror(mirror).entries()
    assert all(entries[t].revid == item.revid for t, item in zip(titles, report.items, strict=True))


def test_push_merges_a_wiki_edit_of_another_paragraph(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    _edit_file(mirror, title, "Intro du projet.", "Intro du projet, revue.")
    remote = _wiki_text(wiki, title).replace("sur Nantes", "sur Nantes et Rezé")
    admin.pages[title].edit(remote, summary="remote")

    report = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert [i.action for i in report.items] == ["merged"]
    saved = _wiki_text(wiki, title)
    assert "Intro du projet, revue." in saved and "Nantes et Rezé" in saved
    assert _file(mirror, title).read_text(encoding="utf-8") == saved + "\n"
    assert mirror_status(_client(wiki), mirror).clean


def test_push_conflict_in_same_paragraph_saves_nothing(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    local = _edit_file(mirror, title, "sur Nantes", "sur Nantes (local)")
    remote = _wiki_text(wiki, title).replace("sur Nantes", "sur Nantes (wiki)")
    admin.pages[title].edit(remote, summary="remote")
    revisions = _revisions(wiki, title)

    result = CliRunner().invoke(
        cli,
        ["--site", wiki.url, "--user", wiki.bot_user, "push", str(mirror)],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert result.exit_code == 3, result.output
    assert "conflict" in result.output
    assert _wiki_text(wiki, title) == remote
    assert _revisions(wiki, title) == revisions
    assert _file(mirror, title).read_text(encoding="utf-8") == local + "\n"
    conflict = _file(mirror, title).with_name(_file(mirror, title).name + ".remote")
    assert conflict.read_text(encoding="utf-8") == remote + "\n"


def test_push_new_file_needs_create_and_deletions_stay_local(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Acteur"], durable=False)
    gone = corpus.titles_in("Acteur")[0]
    _file(mirror, gone).unlink()
    new_title = "Nouvelle page locale"
    new_file = mirror / title_to_path(new_title, open_mirror(mirror).namespaces)
    new_file.write_text("Créée dans le miroir.\n", encoding="utf-8")

    report = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert {(i.title, i.action) for i in report.items} == {
        (gone, "skipped"),
        (new_title, "skipped"),
    }
    assert not report.conflicts
    assert "missing" in wiki.api(action="query", titles=new_title)["query"]["pages"][0]
    # The command line says it with its flag (the library: create=True).
    env = {"WIKISYNC_PASSWORD": wiki.bot_password}
    said = CliRunner().invoke(
        cli, ["--site", wiki.url, "--user", wiki.bot_user, "push", str(mirror)], env=env
    )
    assert f"{new_title}: new locally; pass --create to create it on the wiki" in said.output
    assert "create=True" not in said.output
    assert "missing" in wiki.api(action="query", titles=new_title)["query"]["pages"][0]
    assert _wiki_text(wiki, gone) == corpus.page(gone).wikitext

    created = push(_client(wiki), mirror, summary=SUMMARY, create=True, durable=False)
    assert (new_title, "created") in {(i.title, i.action) for i in created.items}
    assert _wiki_text(wiki, new_title) == "Créée dans le miroir."
    states = {p.title: p.state for p in mirror_status(_client(wiki), mirror).pages}
    assert states[new_title] == "unchanged"
    assert states[gone] == "deleted-locally"
    assert open_mirror(mirror).entries()[new_title].pageid


def test_push_dry_run_prints_diffs_and_writes_nothing(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Projet"], durable=False)
    title = corpus.titles_in("Projet")[0]
    _edit_file(mirror, title, "}}", "}}\nLigne ajoutée.")
    index = (mirror / INDEX_FILE).read_bytes()
    result = CliRunner().invoke(
        cli,
        ["--site", wiki.url, "--user", wiki.bot_user, "push", str(mirror), "--dry-run"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert result.exit_code == 0, result.output
    assert f"+++ b/{title}" in result.output
    assert "+Ligne ajoutée." in result.output
    assert _wiki_text(wiki, title) == corpus.page(title).wikitext
    assert (mirror / INDEX_FILE).read_bytes() == index


class _StopAfter(Exception):
    pass


def test_push_interrupted_then_resumed_saves_each_page_once(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Evénement"], durable=False)
    titles = corpus.titles_in("Evénement")[:10]
    texts = {t: _edit_file(mirror, t, "}}", "}}\nÉdition groupée.") for t in titles}
    before = {t: _revisions(wiki, t) for t in titles}
    saved: list[str] = []

    def interrupt(item: PushItem) -> None:
        saved.append(item.title)
        if len(saved) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push(_client(wiki), mirror, summary=SUMMARY, on_page=interrupt, durable=False)
    states = {p.title: p.state for p in mirror_status(_client(wiki), mirror).pages}
    assert [t for t in titles if states[t] == "unchanged"] == sorted(saved)
    assert all(states[t] == "modified" for t in titles if t not in saved)

    resumed = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert sorted(i.title for i in resumed.items) == sorted(set(titles) - set(saved))
    for title in titles:
        assert _wiki_text(wiki, title) == texts[title]
        assert _revisions(wiki, title) == before[title] + 1
    assert mirror_status(_client(wiki), mirror).clean


def test_push_with_server_stopped_half_way_resumes(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Evénement"], durable=False)
    titles = corpus.titles_in("Evénement")[:6]
    texts = {t: _edit_file(mirror, t, "}}", "}}\nPanne réseau.") for t in titles}
    before = {t: _revisions(wiki, t) for t in titles}
    done: list[str] = []

    def stop_server(item: PushItem) -> None:
        done.append(item.title)
        if len(done) == 3:
            wiki.stop()

    try:
        with pytest.raises(SiteError):
            push(
                _client(wiki, retries=0),
                mirror,
                summary=SUMMARY,
                on_page=stop_server,
                durable=False,
            )
    finally:
        wiki.start()
    resumed = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert len(resumed.items) == 3
    assert {i.action for i in resumed.items} == {"saved"}
    for title in titles:
        assert _wiki_text(wiki, title) == texts[title]
        assert _revisions(wiki, title) == before[title] + 1
    assert mirror_status(_client(wiki), mirror).clean


def test_push_after_save_not_recorded_makes_no_second_edit(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Projet"], durable=False)
    title = corpus.titles_in("Projet")[0]
    index = (mirror / INDEX_FILE).read_bytes()
    text = _edit_file(mirror, title, "}}", "}}\nSauvé, pas noté.")
    push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    # As if the run died between the save and its record in the mirror.
    (mirror / INDEX_FILE).write_bytes(index)
    revisions = _revisions(wiki, title)

    report = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert [i.action for i in report.items] == ["recorded"]
    assert _revisions(wiki, title) == revisions
    assert _wiki_text(wiki, title) == text
    assert mirror_status(_client(wiki), mirror).clean


# -- status ---------------------------------------------------------------------


def test_status_reports_deleted_and_moved_pages(
    wiki: TestWiki, corpus: Corpus, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Acteur"], durable=False)
    deleted, moved, edited = corpus.titles_in("Acteur")[:3]
    admin.pages[deleted].delete(reason="test")
    admin.pages[moved].move(moved + " (renommé)", reason="test", no_redirect=False)
    _edit_file(mirror, edited, "}}", "}}\nLocal.")

    report = mirror_status(_client(wiki), mirror)
    states = {p.title: p for p in report.pages}
    assert states[deleted].state == "deleted"
    assert states[moved].state == "moved"
    assert states[moved].new_title == moved + " (renommé)"
    assert states[edited].state == "modified"
    assert report.counts()["unchanged"] == len(report.pages) - 3

    result = CliRunner().invoke(
        cli, ["--site", wiki.url, "status", str(mirror), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # data on stdout; status lines go to stderr
    assert {p["title"]: p["state"] for p in data["pages"]}[moved] == "moved"
    # The one report form (README.md, "Run reports"), a read's states as its outcomes.
    assert {key: data[key] for key in ("operation", "dry_run")} == {
        "operation": "status",
        "dry_run": True,
    }
    outcomes = {entry["title"]: entry["outcome"] for entry in data["outcomes"]}
    assert (outcomes[deleted], outcomes[moved], outcomes[edited]) == (
        "deleted",
        "moved",
        "modified",
    )
    assert data["counts"] == report.counts() and data["requests"] > 0

    pulled = pull(_client(wiki), mirror, durable=False)
    actions = {(i.title, i.action) for i in pulled.items}
    assert {(o["title"], o["outcome"]) for o in pulled.to_dict()["outcomes"]} == actions
    assert (deleted, "deleted") in actions
    assert (moved + " (renommé)", "moved") in actions
    entries = open_mirror(mirror).entries()
    assert deleted not in entries and moved not in entries
    assert moved + " (renommé)" in entries
    after = mirror_status(_client(wiki), mirror)
    assert [p.state for p in after.pages if p.state != "unchanged"] == ["modified"]


def test_status_refuses_a_mirror_of_another_site(wiki: TestWiki, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, categories=["Projet"], durable=False)
    settings = json.loads((mirror / METADATA_FILE).read_text(encoding="utf-8"))
    settings["site"] = "http://wiki.example.org/w/api.php"
    (mirror / METADATA_FILE).write_text(json.dumps(settings), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"wiki\.example\.org"):
        mirror_status(_client(wiki), mirror)
    result = CliRunner().invoke(cli, ["--site", wiki.url, "status", str(mirror)])
    assert result.exit_code == 2
    assert "pulled from http://wiki.example.org" in result.output
    assert "drop --site to use the mirror's own wiki" in result.output  # the CLI's words


# -- titles and file names -------------------------------------------------------

ODD_TITLES = [
    "Été à Saint-Étienne",
    "Projets/Covoiturage: bilan 2024",
    "Modèle:Essai/doc",
    "Catégorie:Vélo électrique",
    "Aide:Qu'est-ce qu'un « commun » ?",
    "La Rochelle",
    "Journée FabMob",
]


def test_titles_round_trip_through_file_names(wiki: TestWiki, tmp_path: Path) -> None:
    first = tmp_path / "first"
    pull(_client(wiki), first, titles=["Accueil"], durable=False)
    namespaces = open_mirror(first).namespaces
    for number, title in enumerate(ODD_TITLES):
        path = first / title_to_path(title, namespaces)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Page {number} : {title}\n", encoding="utf-8")
    created = push(_client(wiki), first, summary=SUMMARY, create=True, durable=False)
    assert sorted(i.title for i in created.items if i.action == "created") == sorted(ODD_TITLES)

    second = tmp_path / "second"
    result = CliRunner().invoke(
        cli,
        ["--site", wiki.url, "pull", str(second)]
        + [arg for title in ODD_TITLES for arg in ("--page", title)],
    )
    assert result.exit_code == 0, result.output
    source = open_mirror(second)
    for number, title in enumerate(ODD_TITLES):
        path = second / title_to_path(title, source.namespaces)
        assert path.read_text(encoding="utf-8") == f"Page {number} : {title}\n"
        assert source.fetch_titles([title]).pages[0].wikitext == f"Page {number} : {title}"
    assert mirror_status(_client(wiki), second).clean


def test_cli_pull_conflict_exits_3_and_names_the_file(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    _edit_file(mirror, title, "Intro", "Introduction")
    admin.pages[title].edit(_wiki_text(wiki, title).replace("Intro", "Préambule"), summary="x")
    # No --site: the mirror knows its wiki.
    result = CliRunner().invoke(cli, ["pull", str(mirror)])
    assert result.exit_code == 3, result.output
    assert f"conflict  {title}" in result.output
    assert ".remote" in result.output


# -- edits made while push saves (through the writer's before_edit seam) ----------


def _push_with(wiki: TestWiki, mirror: Path, hook: Callable[[str], None]) -> PushReport:
    client = _client(wiki)
    writer = WikiWriter(client, before_edit=hook)
    return push(client, mirror, summary=SUMMARY, durable=False, wiki_writer=writer)


def _once(site: mwclient.Site, make: Callable[[str], str]) -> Callable[[str], None]:
    done: list[str] = []

    def hook(title: str) -> None:
        if not done:
            done.append(title)
            site.pages[title].edit(make(site.pages[title].text()), summary="meanwhile")

    return hook


def test_push_with_reply_lost_records_the_revision_it_made(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    # The wiki saved the edit but its reply was lost; the retry finds the text
    # in and says "nochange". Simulated by saving the very text as the same
    # account just before the request leaves.
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    local = _edit_file(mirror, title, "Intro du projet.", "Intro du projet, revue.")
    same = mwclient.Site(wiki.host, path="/", scheme="http")
    same.login(wiki.bot_user, wiki.bot_password)
    revisions = _revisions(wiki, title)

    report = _push_with(wiki, mirror, _once(same, lambda _: local))
    assert [i.action for i in report.items] == ["saved"]
    assert "lost" in report.items[0].detail
    assert _revisions(wiki, title) == revisions + 1  # one revision, not two
    assert open_mirror(mirror).entries()[title].revid == report.items[0].revid
    assert report.items[0].revid == int(same.pages[title].revision)
    assert mirror_status(_client(wiki), mirror).clean
    again = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert again.items == ()


@pytest.mark.parametrize("account", ["same", "other"])
def test_push_merges_an_edit_made_while_saving(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path, account: str
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    _edit_file(mirror, title, "Intro du projet.", "Intro du projet, revue.")
    site = admin
    if account == "same":
        site = mwclient.Site(wiki.host, path="/", scheme="http")
        site.login(wiki.bot_user, wiki.bot_password)

    report = _push_with(wiki, mirror, _once(site, lambda t: t.replace("Nantes", "Nantes et Rezé")))
    assert [i.action for i in report.items] == ["merged"]
    assert "merged" in report.items[0].detail
    saved = _wiki_text(wiki, title)
    assert "Intro du projet, revue." in saved and "Nantes et Rezé" in saved
    assert _file(mirror, title).read_text(encoding="utf-8") == saved + "\n"
    assert mirror_status(_client(wiki), mirror).clean


def test_push_conflict_with_an_edit_made_while_saving_keeps_it(
    wiki: TestWiki, tmp_path: Path, admin: mwclient.Site
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    _edit_file(mirror, title, "sur Nantes", "sur Nantes (local)")
    same = mwclient.Site(wiki.host, path="/", scheme="http")
    same.login(wiki.bot_user, wiki.bot_password)
    theirs = _wiki_text(wiki, title).replace("sur Nantes", "sur Nantes (autre tâche)")

    report = _push_with(wiki, mirror, _once(same, lambda _: theirs))
    assert [i.action for i in report.items] == ["conflict"]
    assert "put back" in report.items[0].detail
    assert _wiki_text(wiki, title) == theirs


def test_cli_pull_names_files_as_titles_and_tells_a_case_clash(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    upper, lower = "Acteur Mobilité ABC", "Acteur Mobilité abc"
    admin.pages[upper].edit("Majuscules.", summary="setup")
    admin.pages[lower].edit("Minuscules.", summary="setup")
    mirror = tmp_path / "mirror"
    result = CliRunner().invoke(
        cli, ["--site", wiki.url, "pull", str(mirror), "--page", upper, "--page", lower]
    )
    assert result.exit_code == 0, result.output
    # Plain names, as the titles are written; the second of the pair is tagged, and told.
    assert (mirror / "_main" / f"{upper}.wiki").read_text(encoding="utf-8") == "Majuscules.\n"
    tagged = mirror / "_main" / f"{lower}~2.wiki"
    assert tagged.read_text(encoding="utf-8") == "Minuscules.\n"
    told = [line for line in result.output.splitlines() if line.startswith("added")]
    assert told == [
        f'added     {lower}: file "_main/{lower}~2.wiki": "_main/{upper}.wiki" holds page '
        f'"{upper}", and the two names would be one file on a disk that ignores case '
        "(macOS, Windows)"
    ]
    # The tagged file pushes to its own page.
    tagged.write_text("Minuscules, modifié.\n", encoding="utf-8")
    report = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert [(i.title, i.action) for i in report.items] == [(lower, "saved")]
    assert _wiki_text(wiki, lower) == "Minuscules, modifié."
    assert _wiki_text(wiki, upper) == "Majuscules."


def test_an_older_mirror_with_case_tagged_names_still_pulls_and_pushes(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    title = "Journée FabMob ancienne"
    admin.pages[title].edit("Texte.", summary="setup")
    mirror = tmp_path / "mirror"
    pull(_client(wiki), mirror, titles=[title], durable=False)
    # As an earlier wikisync named it (a tag for the capitals), recorded in pages.jsonl.
    old = "_main/Journée FabMob ancienne~w0.wiki"
    entry = open_mirror(mirror).entries()[title]
    for folder in (mirror, mirror / ".wikisync" / "base"):
        (folder / entry.file).rename(folder / old)
    index = mirror / INDEX_FILE
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            json.dumps(entry.file, ensure_ascii=False)[1:-1], old
        ),
        encoding="utf-8",
    )
    assert open_mirror(mirror).entries()[title].file == old
    (mirror / old).write_text("Texte, modifié.\n", encoding="utf-8")
    report = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    assert [(i.title, i.action) for i in report.items] == [(title, "saved")]
    assert _wiki_text(wiki, title) == "Texte, modifié."
    admin.pages[title].edit("Texte, modifié sur le wiki.", summary="x")
    pulled = pull(_client(wiki), mirror, durable=False).items
    assert [(i.action, i.file) for i in pulled] == [("updated", old)], pulled
    assert (mirror / old).read_text(encoding="utf-8") == "Texte, modifié sur le wiki.\n"
    assert open_mirror(mirror).entries()[title].file == old
    assert sorted(p.name for p in (mirror / "_main").iterdir()) == [Path(old).name]


def test_sync_through_a_config_and_a_live_source(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    """pull, mirror_status and push take what the other library calls take."""
    mirror = tmp_path / "mirror"
    title = "Atelier de la bibliothèque"
    admin.pages[title].edit("Premier paragraphe.\n\nSecond paragraphe.", summary="setup")
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    pulled = wikisync.pull(config, mirror, titles=[title], durable=False)
    assert [(item.title, item.action) for item in pulled.items] == [(title, "added")]
    assert wikisync.mirror_status(config, mirror).clean
    expected = _edit_file(mirror, title, "Second", "Deuxième")
    # A Config without a URL: the wiki the mirror recorded.
    recorded = Config(user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    assert [p.state for p in wikisync.mirror_status(recorded, mirror).pages] == ["modified"]
    source = wikisync.open_source(config)
    try:
        pushed = wikisync.push(source, mirror, summary=SUMMARY)
        assert [(item.title, item.action) for item in pushed.items] == [(title, "saved")]
        assert _wiki_text(wiki, title) == expected
        # The source is the caller's: still open and usable after the push.
        assert source.fetch_titles([title]).pages[0].wikitext == expected
        assert wikisync.mirror_status(source, mirror).clean
    finally:
        source.close()


# -- push: a lost reply meeting another edit, a page deleted or moved (issue 17) -----


def test_push_lost_reply_then_a_human_edit_keeps_it_and_status_shows_it(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    title = "Atelier de synchronisation"
    admin.pages[title].edit("Intro du projet.\n\nSecond paragraphe.", summary="setup")
    theirs: list[str] = []

    def human_edit(seconds: float) -> None:  # the client's wait before it retries
        if not theirs:
            page = admin.pages[title]
            theirs.append(page.text() + "\n\nParagraphe ajouté par un humain.")
            page.edit(theirs[0], summary="humain")
        time.sleep(seconds)

    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    # The mirror is pulled through the proxy too: it remembers the wiki by its URL.
    with FaultProxy(wiki.port, rate=0.0) as proxy:
        client = WikiClient(proxy.url, config, sleep=human_edit)
        pull(client, mirror, titles=[title], durable=False)
        local = _edit_file(mirror, title, "Intro du projet.", "Intro du projet, revue.")
        proxy.plan_on("edit", "reset_after")
        report = push(client, mirror, summary=SUMMARY, durable=False)
        # The mirror holds wikisync's text at its own revision: the human's edit
        # shows as a change on the wiki, to pull, never as "unchanged".
        states = [p.state for p in mirror_status(client, mirror).pages]
    assert theirs and [event.kind for event in proxy.events] == ["reset_after"]
    assert _wiki_text(wiki, title) == theirs[0]  # the human's edit, with ours in it
    assert theirs[0].startswith(local)
    [item] = report.items
    assert item.action == "saved" and "lost" in item.detail, item
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=50, rvprop="ids|user")
    revisions = reply["query"]["pages"][0]["revisions"]
    [setup] = [r for r in revisions if r["parentid"] == 0]
    ours = next(r for r in revisions if r["parentid"] == setup["revid"])
    assert ours["user"] == "WikiBot" and item.revid == ours["revid"]  # push's own save
    assert states == ["changed"]


@pytest.mark.parametrize("change", ["delete", "move"])
def test_push_page_deleted_or_moved_while_saving_is_reported_never_recreated(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path, change: str
) -> None:
    mirror = tmp_path / "mirror"
    title = _paragraphed(wiki, admin, mirror)
    _edit_file(mirror, title, "Intro du projet.", "Intro du projet, revue.")
    redirect: list[int] = []

    def interfere(saving: str) -> None:
        if redirect:
            return
        if change == "delete":
            admin.pages[saving].delete(reason="supprimée pendant push")
            redirect.append(0)
        else:
            admin.pages[saving].move("Atelier renommé", reason="renommée", move_talk=False)
            reply = wiki.api(action="query", prop="info", titles=saving)
            redirect.append(int(reply["query"]["pages"][0]["lastrevid"]))

    report = _push_with(wiki, mirror, interfere)
    [item] = report.items
    reply = wiki.api(action="query", prop="info", titles=title)
    page = reply["query"]["pages"][0]
    if change == "delete":
        assert item.action == "deleted" and "not re-created" in item.detail, item
        assert page.get("missing")
    else:
        assert item.action == "moved" and '"Atelier renommé"' in item.detail, item
        assert page["lastrevid"] == redirect[0]  # the redirect as the move left it
        assert "Intro du projet, revue." in _wiki_text(wiki, "Atelier renommé")
    assert item in report.conflicts


# -- mirror words: which side is which, mergeable against conflict, what was saved ----


def _two_sided(wiki: TestWiki, admin: mwclient.Site, mirror: Path, *also: str) -> tuple[str, str]:
    """Two pulled pages edited locally and on the wiki: in other places, in the same place."""
    text = "Intro du projet.\n\nPremier paragraphe sur Lyon.\n\nSecond paragraphe sur Nantes."
    titles = ("Atelier n°10 fusionnable", "Atelier n°2 en conflit")
    for title in titles:
        admin.pages[title].edit(text, summary="setup")
    pull(_client(wiki), mirror, titles=[*titles, *also], durable=False)
    mergeable, conflicting = titles
    _edit_file(mirror, mergeable, "Intro du projet.", "Intro du projet, revue.")
    admin.pages[mergeable].edit(text.replace("sur Nantes", "sur Nantes et Rezé"), summary="r")
    _edit_file(mirror, conflicting, "sur Nantes", "sur Nantes (local)")
    admin.pages[conflicting].edit(text.replace("sur Nantes", "sur Nantes (wiki)"), summary="r")
    return mergeable, conflicting


def test_status_tells_mergeable_from_conflict_as_push_then_does(
    wiki: TestWiki, admin: mwclient.Site, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    mergeable, conflicting = _two_sided(wiki, admin, mirror)

    status = mirror_status(_client(wiki), mirror)
    states = {page.title: page.state for page in status.pages}
    assert states == {mergeable: "mergeable", conflicting: "conflict"}
    assert [page.title for page in status.pages] == [conflicting, mergeable]  # n°2, n°10
    assert status.requests == 2  # the listing, then both revisions in one request
    details = {page.title: page.detail for page in status.pages}
    assert "merge cleanly" in details[mergeable]
    assert "the local edit and the wiki's touch the same place" in details[conflicting]

    dry = push(_client(wiki), mirror, summary=SUMMARY, dry_run=True, durable=False)
    report = push(_client(wiki), mirror, summary=SUMMARY, durable=False)
    for done in (dry, report):
        assert {item.title: item.action for item in done.items} == {
            mergeable: "merged",
            conflicting: "conflict",
        }
    assert [item.title for item in report.saved] == [mergeable]
    detail = next(item.detail for item in report.items if item.title == conflicting)
    assert "the local edit and the wiki's touch the same place" in detail
    assert "the wiki's version is in" in detail and "local file" in detail
    assert "Intro du projet, revue." in _wiki_text(wiki, mergeable)


def test_cli_status_and_push_say_which_side_is_which_and_list_each_save(
    wiki: TestWiki, admin: mwclient.Site, corpus: Corpus, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    local_only = corpus.titles_in("Evénement")[0]
    mergeable, conflicting = _two_sided(wiki, admin, mirror, local_only)
    _edit_file(mirror, local_only, "}}", "}}\nModifié localement.")
    env = {"WIKISYNC_PASSWORD": wiki.bot_password}
    base = ["--site", wiki.url, "--user", wiki.bot_user]

    status = CliRunner().invoke(cli, [*base, "status", str(mirror)], env=env)
    assert status.exit_code == 0, status.output
    lines = status.stdout.splitlines()
    assert f"{'mergeable':<16} {mergeable}: the two edits merge cleanly" in "\n".join(lines)
    assert any(line.startswith(f"{'conflict':<16} {conflicting}: ") for line in lines)
    assert any(line.startswith(f"{'modified':<16} {local_only}") for line in lines)

    pushed = CliRunner().invoke(cli, [*base, "push", str(mirror)], env=env)
    assert pushed.exit_code == 3, pushed.output
    said = pushed.output.splitlines()
    assert any(line.split() == ["saved", *local_only.split()] for line in said), said
    assert any(line.startswith("merged") and mergeable in line for line in said), said
    conflict = next(line for line in said if line.startswith("conflict"))
    assert conflicting in conflict
    assert "edited on the wiki since the pull" in conflict
    assert "the local edit and the wiki's" in conflict

    quiet = CliRunner().invoke(cli, [*base, "-q", "push", str(mirror)], env=env)
    assert "saved" not in quiet.output
