"""Batch edits against a real MediaWiki: set, rename-param, remove-param, export/import."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mwclient
import pytest
from click.testing import CliRunner, Result

from tests.corpus import Corpus
from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import load_config
from wikisync.core.edits import read_params, set_params
from wikisync.ops.batch.params import rename_template_param
from wikisync.ops.batch.run import BatchReport, PageReport, set_fields
from wikisync.ops.collect import record_type_named
from wikisync.ops.publish import open_target
from wikisync.ops.spreadsheet import import_records
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiClient, WikiSource
from wikisync.wiki.writer import WikiWriter

EVENT_TEMPLATES = ("Event", "Evénement", "Événement")


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _revisions(wiki: TestWiki, title: str) -> list[dict[str, Any]]:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=500, rvprop="ids|user")
    revisions: list[dict[str, Any]] = reply["query"]["pages"][0]["revisions"]
    return revisions


def _bot_edits(wiki: TestWiki, titles: list[str]) -> dict[str, int]:
    return {
        title: sum(1 for r in _revisions(wiki, title) if r["user"] == "WikiBot") for title in titles
    }


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    old_lines, new_lines = old.split("\n"), new.split("\n")
    assert len(old_lines) == len(new_lines)
    return [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]


def _param_diff(old: str, new: str) -> dict[str, tuple[str | None, str | None]]:
    before = read_params(old, EVENT_TEMPLATES)[0]
    after = read_params(new, EVENT_TEMPLATES)[0]
    return {
        name: (before.get(name), after.get(name))
        for name in {*before, *after}
        if before.get(name) != after.get(name)
    }


def _events_with(corpus: Corpus, param: str) -> list[str]:
    titles = []
    for title in corpus.titles_in("Evénement") + corpus.titles_in("Webinaire"):
        infoboxes = read_params(corpus.page(title).wikitext, EVENT_TEMPLATES)
        if infoboxes and param in infoboxes[0]:
            titles.append(title)
    return titles


# -- set -------------------------------------------------------------------------------


def test_set_cli_writes_field_into_the_parameter_each_page_uses(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    result = _invoke(
        wiki,
        config_file,
        "set",
        "event",
        "place=Salle des fêtes",
        "--where",
        "startDate=2019",
        "--report",
        str(report_path),
    )
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    edited = [page["title"] for page in report["pages"] if page["status"] == "edited"]
    assert edited
    assert report["operation"] == "set" and report["exit_code"] == 0
    for title in edited:
        old, new = corpus.page(title).wikitext.rstrip("\n"), _text(wiki, title)
        assert len(_changed_lines(old, new)) == 1
        before = read_params(old, EVENT_TEMPLATES)[0]
        used = "Lieu" if before.get("Lieu") else "place"
        assert _param_diff(old, new) == {used: (before[used], "Salle des fêtes")}
        assert before["startDate"].startswith("2019") or before["startDate"].endswith("2019")
    assert any(read_params(corpus.page(t).wikitext, EVENT_TEMPLATES)[0].get("Lieu") for t in edited)
    # Pages outside the filter were not touched.
    others = [p["title"] for p in report["pages"] if p["status"] == "skipped"]
    assert others and all(len(_revisions(wiki, t)) == 1 for t in others)


def test_set_cli_dry_run_prints_diff_and_writes_nothing(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    result = _invoke(wiki, config_file, "set", "event", "url=https://example.org/x", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+|url=https://example.org/x" in result.output or "+| url" in result.output
    assert "set (dry run): " in result.output and "would change" in result.output
    titles = corpus.titles_in("Evénement")
    assert all(len(_revisions(wiki, title)) == 1 for title in titles)


def test_set_cli_bad_value_is_usage_error_naming_field_value_and_type(
    wiki: TestWiki, config_file: Path
) -> None:
    result = _invoke(wiki, config_file, "set", "event", "startDate=bientôt")
    assert result.exit_code == 2
    assert 'field "startDate" should be a date, got "bientôt"' in result.output


def test_set_resumed_after_interrupt_edits_every_page_exactly_once(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")
    titles = [
        t
        for t in corpus.titles_in("Evénement")
        if read_params(corpus.page(t).wikitext, EVENT_TEMPLATES)
    ]
    saved: list[str] = []

    def stop_half_way(page: PageReport, done: int, total: int) -> None:
        if page.edited:
            saved.append(page.title)
        if len(saved) == 6:
            raise KeyboardInterrupt

    source = open_source(config)
    try:
        with pytest.raises(KeyboardInterrupt):
            set_fields(
                source,
                open_target(source),
                event,
                {"Theme": "Thème essai"},
                on_page=stop_half_way,
            )
    finally:
        source.close()
    assert len(saved) == 6
    result = _invoke(wiki, config_file, "set", "event", "Theme=Thème essai")
    assert result.exit_code == 0, result.output
    edits = _bot_edits(wiki, titles)
    assert set(edits.values()) == {1}, edits
    again = _invoke(wiki, config_file, "-v", "set", "event", "Theme=Thème essai")
    assert again.exit_code == 0
    assert "edited" not in again.output.split("set:")[-1]
    assert _bot_edits(wiki, titles) == edits


def _set_with_hook(
    wiki: TestWiki, config_file: Path, values: dict[str, str], hook: Callable[[str], None]
) -> BatchReport:
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")
    source = open_source(config)
    assert isinstance(source, WikiSource)
    try:
        writer = WikiWriter(source.client, before_edit=hook)
        return set_fields(source, writer, event, values)
    finally:
        source.close()


def _edit_once(site: mwclient.Site, title: str, old: str, new: str) -> Callable[[str], None]:
    """A before_edit hook: when ``title`` is about to be saved, edit it first."""
    done: list[int] = []

    def hook(saving: str) -> None:
        if saving == title and not done:
            page = site.pages[title]
            text = page.text()
            assert old in text
            page.edit(text.replace(old, new, 1), summary="meanwhile")
            done.append(int(site.pages[title].revision))

    return hook


def _bot_site(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.bot_user, wiki.bot_password)
    return site


@pytest.mark.parametrize("account", ["same", "other"])
def test_set_conflicts_on_a_field_changed_while_saving(
    wiki: TestWiki, corpus: Corpus, config_file: Path, account: str
) -> None:
    title = next(t for t in _events_with(corpus, "place") if t not in corpus.planted)
    place = read_params(corpus.page(title).wikitext, EVENT_TEMPLATES)[0]["place"]
    site = _admin(wiki) if account == "other" else _bot_site(wiki)
    hook = _edit_once(site, title, f"|place={place}", "|place=Mairie annexe")
    report = _set_with_hook(wiki, config_file, {"place": "Tiers-lieu du Port"}, hook)
    page = next(p for p in report.pages if p.title == title)
    assert page.status == "conflict", page
    assert run_exit_code(report.outcomes()) == 3
    assert 'field "place"' in page.message
    assert "Mairie annexe" in page.message and "Tiers-lieu du Port" in page.message
    first, now = _revisions(wiki, title)[-1]["revid"], _revisions(wiki, title)[0]["revid"]
    assert f"revision {first}" in page.message and f"revision {now}" in page.message, page.message
    # The human's value is on the wiki; the batch's is not.
    assert "|place=Mairie annexe" in _text(wiki, title)
    assert "Tiers-lieu du Port" not in _text(wiki, title)
    # Every other page was set.
    assert all(p.status in ("edited", "skipped") for p in report.pages if p.title != title)


@pytest.mark.parametrize("account", ["same", "other"])
def test_set_reapplies_when_the_edit_meanwhile_left_the_field_alone(
    wiki: TestWiki, corpus: Corpus, config_file: Path, account: str
) -> None:
    title = next(
        t
        for t in _events_with(corpus, "place")
        if t not in corpus.planted
        and "shortDescription" in read_params(corpus.page(t).wikitext, EVENT_TEMPLATES)[0]
    )
    site = _admin(wiki) if account == "other" else _bot_site(wiki)
    hook = _edit_once(site, title, "|shortDescription=", "|shortDescription=Revu : ")
    report = _set_with_hook(wiki, config_file, {"place": "Tiers-lieu du Port"}, hook)
    page = next(p for p in report.pages if p.title == title)
    assert page.status == "edited", page
    assert run_exit_code(report.outcomes()) == 0
    text = _text(wiki, title)
    assert "|place=Tiers-lieu du Port" in text and "|shortDescription=Revu : " in text
    assert page.revid == _revisions(wiki, title)[0]["revid"]


def test_set_with_reply_lost_reports_the_page_edited_at_its_new_revision(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    # The wiki saved the edit, the reply was lost, the retry got "nochange":
    # simulated by saving the very text as the same account just before.
    title = next(
        t
        for t in _events_with(corpus, "place")
        if t not in corpus.planted
        and len(read_params(corpus.page(t).wikitext, EVENT_TEMPLATES)) == 1
    )
    site = _bot_site(wiki)
    done: list[int] = []

    def save_it_first(saving: str) -> None:
        if saving == title and not done:
            page = site.pages[title]
            text = set_params(page.text(), EVENT_TEMPLATES, {"place": "Tiers-lieu du Port"})
            page.edit(text.wikitext, summary="même compte")
            done.append(int(site.pages[title].revision))

    before = len(_revisions(wiki, title))
    report = _set_with_hook(wiki, config_file, {"place": "Tiers-lieu du Port"}, save_it_first)
    page = next(p for p in report.pages if p.title == title)
    assert page.status == "edited" and page.revid == done[0], page
    assert "lost" in page.message
    assert len(_revisions(wiki, title)) == before + 1  # saved once, not twice
    assert run_exit_code(report.outcomes()) == 0


# -- rename-param and remove-param -----------------------------------------------------


def test_rename_param_cli_renames_on_pages_using_template_or_its_redirects(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    with_lieu = _events_with(corpus, "Lieu")
    assert with_lieu
    result = _invoke(wiki, config_file, "rename-param", "Event", "Lieu", "place")
    assert result.exit_code == 0, result.output
    for title in with_lieu:
        old, new = corpus.page(title).wikitext.rstrip("\n"), _text(wiki, title)
        ((before, after),) = _changed_lines(old, new)
        assert before.replace("Lieu", "place", 1) == after
    # Run again once finished: "Lieu" is on no page now; said (exit 2), nothing edited.
    again = _invoke(wiki, config_file, "rename-param", "Event", "Lieu", "place")
    assert again.exit_code == 2 and '"place" is: renamed already?' in again.output
    assert "edited" not in again.output


def test_rename_param_finds_pages_through_template_redirects(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    source = open_source(config)
    try:
        from wikisync.ops.batch.params import find_template_pages

        found = find_template_pages(source, "Modèle:Event")
    finally:
        source.close()
    assert set(found.names) == set(EVENT_TEMPLATES)
    using = {
        t
        for t in corpus.titles_in("Evénement")
        if read_params(corpus.page(t).wikitext, EVENT_TEMPLATES)
    }
    assert using <= {page.title for page in found.pages}
    # Some pages call the template only through a redirect's name.
    assert any(corpus.page(t).wikitext.startswith("{{Événement") for t in using)


def test_remove_param_cli_removes_the_line(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    result = _invoke(
        wiki, config_file, "remove-param", "Event", "Main_Picture", "--report", str(report_path)
    )
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    edited = [page["title"] for page in report["pages"] if page["status"] == "edited"]
    assert edited
    for title in edited:
        old, new = corpus.page(title).wikitext.rstrip("\n"), _text(wiki, title)
        picture = read_params(old, EVENT_TEMPLATES)[0]["Main_Picture"]
        assert _param_diff(old, new) == {"Main_Picture": (picture, None)}
        if "\n|Main_Picture=" in old:  # one parameter a line: the line goes, nothing else
            assert new.split("\n") == [
                line for line in old.split("\n") if not line.startswith("|Main_Picture=")
            ]
    assert len(edited) == len(_events_with(corpus, "Main_Picture"))


# -- export and import -----------------------------------------------------------------


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def _write_csv(path: Path, rows: list[list[str]], delimiter: str = ";") -> None:
    # As a French Excel saves "CSV UTF-8": BOM, semicolons, CRLF.
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerows(rows)


def _cell(rows: list[list[str]], title: str, column: str) -> tuple[int, int]:
    header = rows[0]
    for number, row in enumerate(rows):
        if row and row[0] == title and row[1] == "0":
            return number, header.index(column)
    raise AssertionError(f"no row for {title}")


def test_export_import_round_trip_writes_exactly_the_changed_cell(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "events.csv"
    result = _invoke(wiki, config_file, "export", "event", "-o", str(exported))
    assert result.exit_code == 0, result.output
    rows = _read_csv(exported)
    assert rows[0][:4] == ["title", "index", "revid", "sha1"]
    title = next(t for t in _events_with(corpus, "place") if t not in corpus.planted)
    row, column = _cell(rows, title, "shortDescription")
    rows[row][column] = "Atelier déplacé à la Halle, entrée libre."
    edited = tmp_path / "edited.csv"
    _write_csv(edited, rows)
    before = _revisions(wiki, title)
    result = _invoke(wiki, config_file, "import", "event", str(edited))
    assert result.exit_code == 0, result.output
    assert "import: 1 page edited" in result.output
    old, new = corpus.page(title).wikitext.rstrip("\n"), _text(wiki, title)
    assert _changed_lines(old, new) == [
        (
            f"|shortDescription={read_params(old, EVENT_TEMPLATES)[0]['shortDescription']}",
            "|shortDescription=Atelier déplacé à la Halle, entrée libre.",
        )
    ]
    assert len(_revisions(wiki, title)) == len(before) + 1
    # Every other page: untouched.
    others = [t for t in corpus.titles_in("Evénement") if t != title]
    assert all(len(_revisions(wiki, t)) == 1 for t in others)


def test_import_skips_page_edited_by_another_account_since_export(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "events.csv"
    assert _invoke(wiki, config_file, "export", "event", "-o", str(exported)).exit_code == 0
    titles = [t for t in _events_with(corpus, "place") if t not in corpus.planted][:2]
    rows = _read_csv(exported)
    for title in titles:
        row, column = _cell(rows, title, "place")
        rows[row][column] = "Tiers-lieu du Port"
    _write_csv(tmp_path / "edited.csv", rows, delimiter=",")
    human = _admin(wiki)
    page = human.pages[titles[0]]
    page.edit(page.text().replace("|place=", "|place=Mairie, "), summary="correction humaine")
    human_text = _text(wiki, titles[0])
    result = _invoke(wiki, config_file, "import", "event", str(tmp_path / "edited.csv"))
    assert result.exit_code == 3, result.output
    assert f'page "{titles[0]}" conflict' in result.output
    assert "changed on the wiki since the export" in result.output
    assert 'field "place"' in result.output and "Tiers-lieu du Port" in result.output
    assert _text(wiki, titles[0]) == human_text
    assert "|place=Tiers-lieu du Port" in _text(wiki, titles[1])


def test_import_writes_a_cell_whose_field_the_wiki_edit_left_alone(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "events.csv"
    assert _invoke(wiki, config_file, "export", "event", "-o", str(exported)).exit_code == 0
    title = next(
        t
        for t in _events_with(corpus, "place")
        if t not in corpus.planted
        and "shortDescription" in read_params(corpus.page(t).wikitext, EVENT_TEMPLATES)[0]
    )
    rows = _read_csv(exported)
    row, column = _cell(rows, title, "place")
    rows[row][column] = "Tiers-lieu du Port"
    _write_csv(tmp_path / "edited.csv", rows, delimiter=",")
    page = _admin(wiki).pages[title]
    page.edit(
        page.text().replace("|shortDescription=", "|shortDescription=Revu : "), summary="humain"
    )
    result = _invoke(wiki, config_file, "import", "event", str(tmp_path / "edited.csv"))
    assert result.exit_code == 0, result.output
    assert "import: 1 page edited" in result.output
    text = _text(wiki, title)
    assert "|place=Tiers-lieu du Port" in text and "|shortDescription=Revu : " in text


def test_import_reports_bad_cell_with_row_and_column_and_skips_page(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "events.csv"
    assert _invoke(wiki, config_file, "export", "event", "-o", str(exported)).exit_code == 0
    rows = _read_csv(exported)
    title = next(t for t in _events_with(corpus, "place") if t not in corpus.planted)
    row, column = _cell(rows, title, "startDate")
    rows[row][column] = "le 32 du mois"
    _write_csv(tmp_path / "edited.csv", rows)
    result = _invoke(wiki, config_file, "import", "event", str(tmp_path / "edited.csv"))
    assert result.exit_code == 3, result.output
    letter = chr(ord("A") + column)
    assert f"row {row + 1}, column {letter} (startDate)" in result.output
    assert 'should be a date, got "le 32 du mois"' in result.output
    assert len(_revisions(wiki, title)) == 1


def test_import_resumed_after_interrupt_edits_every_page_once(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "events.csv"
    assert _invoke(wiki, config_file, "export", "event", "-o", str(exported)).exit_code == 0
    rows = _read_csv(exported)
    titles = [t for t in _events_with(corpus, "place") if t not in corpus.planted][:4]
    for title in titles:
        row, column = _cell(rows, title, "eventType")
        rows[row][column] = "Balade"
    _write_csv(tmp_path / "edited.csv", rows)
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")

    saved: list[str] = []

    def stop_after_two(page: PageReport, done: int, total: int) -> None:
        if page.edited:
            saved.append(page.title)
        if len(saved) == 2:
            raise KeyboardInterrupt

    source = open_source(config)
    try:
        with pytest.raises(KeyboardInterrupt):
            import_records(
                source, open_target(source), event, tmp_path / "edited.csv", on_page=stop_after_two
            )
    finally:
        source.close()
    assert len(saved) == 2
    # The pages saved by the first run are no longer at the exported revision,
    # yet they already hold the spreadsheet's values: done, not conflicts.
    result = _invoke(wiki, config_file, "import", "event", str(tmp_path / "edited.csv"))
    assert result.exit_code == 0, result.output
    assert "import: 2 pages edited" in result.output
    assert _bot_edits(wiki, titles) == dict.fromkeys(titles, 1)
    for title in titles:
        assert read_params(_text(wiki, title), EVENT_TEMPLATES)[0]["type"] == "Balade"


# -- deleted or moved in the save window (issue 17) -------------------------------------


def _exists(wiki: TestWiki, title: str) -> bool:
    reply = wiki.api(action="query", prop="info", titles=title)
    return not reply["query"]["pages"][0].get("missing")


def _batch_with_hook(
    wiki: TestWiki, config_file: Path, command: str, hook: Callable[[str], None]
) -> BatchReport:
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    source = open_source(config)
    assert isinstance(source, WikiSource)
    try:
        writer = WikiWriter(source.client, before_edit=hook)
        if command == "set":
            event = record_type_named(config.types, "event")
            return set_fields(source, writer, event, {"place": "Tiers-lieu du Port"})
        return rename_template_param(source, writer, "Event", "place", "lieu")
    finally:
        source.close()


@pytest.mark.parametrize("command", ["set", "rename-param"])
def test_page_deleted_in_the_save_window_is_reported_never_recreated(
    wiki: TestWiki, corpus: Corpus, config_file: Path, command: str
) -> None:
    title = next(t for t in _events_with(corpus, "place") if t not in corpus.planted)
    admin = _admin(wiki)

    def delete(saving: str) -> None:
        if saving == title and _exists(wiki, title):
            admin.pages[title].delete(reason="supprimée pendant le lot")

    report = _batch_with_hook(wiki, config_file, command, delete)
    page = next(p for p in report.pages if p.title == title)
    assert page.status == "deleted", page
    assert "deleted" in page.message and "not re-created" in page.message
    assert run_exit_code(report.outcomes()) == 3
    assert not _exists(wiki, title)  # never re-created, empty or not
    assert report.count("edited") > 0  # the other pages went on


@pytest.mark.parametrize("account", ["same", "other"])
def test_page_moved_in_the_save_window_is_reported_and_the_redirect_kept(
    wiki: TestWiki, corpus: Corpus, config_file: Path, account: str
) -> None:
    title = next(t for t in _events_with(corpus, "place") if t not in corpus.planted)
    site = _admin(wiki) if account == "other" else _bot_site(wiki)
    new_title = f"{title} (renommée)"
    redirect: list[int] = []

    def move(saving: str) -> None:
        if saving == title and not redirect:
            site.pages[title].move(new_title, reason="renommée pendant le lot", move_talk=False)
            redirect.append(int(_revisions(wiki, title)[0]["revid"]))

    report = _batch_with_hook(wiki, config_file, "set", move)
    page = next(p for p in report.pages if p.title == title)
    assert page.status == "moved", page
    assert f'moved to "{new_title}"' in page.message
    assert run_exit_code(report.outcomes()) == 3
    # The redirect is as the move left it; the page itself got the value.
    assert [r["revid"] for r in _revisions(wiki, title)] == redirect
    assert _text(wiki, title).startswith("#")
    assert "|place=Tiers-lieu du Port" in _text(wiki, new_title)
    assert page.revid == _revisions(wiki, new_title)[0]["revid"]


@pytest.mark.parametrize("where", ["end", "top"])
def test_set_lost_reply_then_a_human_line_keeps_the_line_and_says_edited(
    wiki: TestWiki, corpus: Corpus, config_file: Path, where: str
) -> None:
    # The save is handled, its reply lost; a human adds a line before the
    # retry, which the wiki merges into theirs ("nochange"). The human's line
    # stays; the page is "edited" at the batch's own revision.
    human = _admin(wiki)
    line = "Ligne ajoutée par un humain."
    saving: list[str] = []
    added: list[str] = []

    def add_line(seconds: float) -> None:  # the client's wait before it retries
        if saving and not added:
            page = human.pages[saving[-1]]
            text = page.text()
            page.edit(f"{text}\n{line}" if where == "end" else f"{line}\n{text}", summary="h")
            added.append(saving[-1])
        time.sleep(seconds)

    bases: dict[str, int] = {}

    def remember(title: str) -> None:  # before each save: the page and its revision
        saving.append(title)
        bases.setdefault(title, _revisions(wiki, title)[0]["revid"])

    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")
    with FaultProxy(wiki.port, rate=0.0) as proxy:
        source = WikiSource(WikiClient(proxy.url, config, sleep=add_line))
        writer = WikiWriter(source.client, before_edit=remember)
        proxy.plan_on("edit", "reset_after")  # the first save's reply
        try:
            report = set_fields(source, writer, event, {"place": "Tiers-lieu du Port"})
        finally:
            source.close()
    assert added and [event.kind for event in proxy.events] == ["reset_after"]
    page = next(p for p in report.pages if p.title == added[0])
    text = _text(wiki, page.title)
    assert line in text and "|place=Tiers-lieu du Port" in text
    # The batch's own save, on the revision it read, is what the report names.
    ours = next(r for r in _revisions(wiki, page.title) if r["parentid"] == bases[page.title])
    assert ours["user"] == "WikiBot"
    assert page.status == "edited" and page.revid == ours["revid"], page
    assert "lost" in page.message
    assert run_exit_code(report.outcomes()) == 0


@pytest.mark.parametrize("change", ["delete", "move"])
def test_import_of_a_page_deleted_or_moved_since_the_export_names_it_never_recreates(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path, change: str
) -> None:
    exported = tmp_path / "events.csv"
    assert _invoke(wiki, config_file, "export", "event", "-o", str(exported)).exit_code == 0
    title = next(t for t in _events_with(corpus, "place") if t not in corpus.planted)
    rows = _read_csv(exported)
    row, column = _cell(rows, title, "place")
    rows[row][column] = "Tiers-lieu du Port"
    _write_csv(tmp_path / "edited.csv", rows)
    page = _admin(wiki).pages[title]
    if change == "delete":
        page.delete(reason="supprimée après l'export")
    else:
        page.move(f"{title} (renommée)", reason="renommée", move_talk=False, no_redirect=True)
    result = _invoke(wiki, config_file, "import", "event", str(tmp_path / "edited.csv"))
    assert result.exit_code == 3, result.output
    if change == "delete":
        assert f'page "{title}" deleted' in result.output
        assert "not re-created" in result.output
    else:
        assert f'page "{title}" moved: ' in result.output
        assert f'moved to "{title} (renommée)"' in result.output
        assert "Tiers-lieu du Port" not in _text(wiki, f"{title} (renommée)")
    assert not _exists(wiki, title)


def test_set_two_edits_in_the_window_the_first_making_its_change_keeps_both(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    # No fault: after the batch's check, someone sets the very value, then adds
    # a line; the wiki merges the save into theirs. Nothing is saved over it.
    title = next(
        t
        for t in _events_with(corpus, "place")
        if t not in corpus.planted
        and len(read_params(corpus.page(t).wikitext, EVENT_TEMPLATES)) == 1
    )
    human = _admin(wiki)
    line = "Ligne ajoutée par un humain."
    done: list[int] = []

    def two_edits(saving: str) -> None:
        if saving != title or done:
            return
        time.sleep(1.1)  # basetimestamp has one-second precision: a later second
        page = human.pages[title]
        text = set_params(page.text(), EVENT_TEMPLATES, {"place": "Tiers-lieu du Port"}).wikitext
        page.edit(text, summary="la même valeur")
        human.pages[title].edit(f"{text}\n{line}", summary="une ligne de plus")
        done.append(int(_revisions(wiki, title)[0]["revid"]))

    report = _set_with_hook(wiki, config_file, {"place": "Tiers-lieu du Port"}, two_edits)
    page = next(p for p in report.pages if p.title == title)
    assert line in _text(wiki, title) and "|place=Tiers-lieu du Port" in _text(wiki, title)
    assert [r["user"] for r in _revisions(wiki, title)[:2]] == ["Admin", "Admin"]
    assert page.status == "unchanged" and page.revid == done[0], page
    assert run_exit_code(report.outcomes()) == 0
