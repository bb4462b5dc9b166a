"""Index jobs against a real MediaWiki: rebuild, guards, escaping, conflicts, plan/apply, lock."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
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
from wikisync.config import Config, load_config
from wikisync.core.pages import PageText
from wikisync.core.sections import find_section
from wikisync.ops.changeset import apply_changeset, read_changeset
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.lock import RunLock, default_lock_path, run_lock_key
from wikisync.ops.publish import open_target
from wikisync.ports.target import Target
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiClient, WikiSource
from wikisync.wiki.writer import SaveResult, WikiWriter

PAGE = "Evénements"
TODAY = "2025-01-06"


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["-c", str(config_file), *args],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )


def _rebuild(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return _invoke(wiki, config_file, "rebuild", "--today", TODAY, *args)


def _revision(wiki: TestWiki, title: str = PAGE) -> dict[str, Any]:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="ids|content|user", rvslots="main"
    )
    revision: dict[str, Any] = reply["query"]["pages"][0]["revisions"][0]
    return {
        "revid": revision["revid"],
        "user": revision["user"],
        "text": revision["slots"]["main"]["content"],
    }


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _same_bot(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.bot_user, wiki.bot_password)
    return site


def _edit(site: mwclient.Site, title: str, change: Any) -> None:
    page = site.pages[title]
    page.edit(change(page.text()), summary="modification humaine")


def _outside(text: str, name: str = "events") -> tuple[str, str]:
    section = find_section(text, name)
    return text[: section.start], text[section.end :]


# -- rebuild -------------------------------------------------------------------------


def test_rebuild_writes_events_page_keeping_hand_written_text(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    before = corpus.page(PAGE).wikitext
    result = _rebuild(wiki, config_file, "events")
    assert result.exit_code == 0, result.output
    assert f'page "{PAGE}" edited' in result.output
    saved = _revision(wiki)
    assert saved["user"] == "WikiBot"
    head, tail = _outside(saved["text"])
    old_head, old_tail = _outside(before)
    assert head == old_head
    assert tail == old_tail.rstrip()  # MediaWiki strips trailing whitespace on save
    body = find_section(saved["text"], "events").body
    assert "== Événements à venir ==" in body and "== Événements passés ==" in body
    assert "Rencontre disparue 2017" not in body
    listed = set(re.findall(r"\[\[:?([^\]|]+)", body))
    event_pages = set(corpus.titles_in("Evénement"))
    assert listed <= event_pages
    assert len(listed) >= len(event_pages) - 2  # the planted no-infobox and unclosed pages


def test_rebuild_second_run_is_silent_and_makes_no_edit(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    first = _rebuild(wiki, config_file)
    assert first.exit_code == 0, first.output
    after_first = {title: _revision(wiki, title)["revid"] for title in corpus_index_pages()}
    report_path = tmp_path / "report.json"
    second = _rebuild(wiki, config_file, "--report", str(report_path))
    assert second.exit_code == 0, second.output
    assert second.output == ""
    assert {title: _revision(wiki, title)["revid"] for title in corpus_index_pages()} == after_first
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [job["status"] for job in report["jobs"]] == ["unchanged"] * 3
    assert not any(job["edited"] for job in report["jobs"])
    events = report["jobs"][0]
    assert events["job"] == "events" and events["records"] > 30 and events["pages_read"] >= 40
    assert events["problems"] and events["diff"] == {"added": 0, "removed": 0}
    # site info, login token, login, user info; then per job a listing and a page read
    assert report["requests"] <= 4 + 2 * 3


def corpus_index_pages() -> list[str]:
    return ["Evénements", "Acteurs", "Communs"]


def test_rebuild_verbose_says_unchanged(wiki: TestWiki, config_file: Path) -> None:
    assert _rebuild(wiki, config_file, "events").exit_code == 0
    result = _invoke(wiki, config_file, "-v", "rebuild", "--today", TODAY, "events")
    assert result.exit_code == 0
    assert f'events: page "{PAGE}" unchanged' in result.output


INJECTIONS = [
    "}}[[Catégorie:Spam]]",
    "{{Supprimer}}",
    "|}",
    "__NOINDEX__",
    "<!-- wikisync:end events -->",
]


def test_rebuild_escapes_hostile_field_values(wiki: TestWiki, config_file: Path) -> None:
    admin = _admin(wiki)
    for number, value in enumerate(INJECTIONS):
        admin.pages[f"Événement piégé {number}"].edit(
            f"{{{{Event\n|startDate=2025-0{number + 2}-10\n"
            f"|place=<nowiki>{value}</nowiki>\n"
            f"|shortDescription=<nowiki>Avant {value} après</nowiki>\n}}}}\n"
            "[[Catégorie:Evénement]]",
            summary="test",
        )
    result = _rebuild(wiki, config_file, "events")
    assert result.exit_code == 0, result.output
    text = _revision(wiki)["text"]
    assert text.count("<!-- wikisync:end events -->") == 1
    assert "Événement piégé 4" in text
    reply = wiki.api(
        action="query",
        titles=PAGE,
        prop="categories|templates|pageprops",
        cllimit="max",
        tllimit="max",
    )
    page = reply["query"]["pages"][0]
    assert not page.get("categories")
    assert not page.get("templates")
    assert "noindex" not in page.get("pageprops", {})
    rendered = wiki.api(action="parse", page=PAGE, prop="text")["parse"]["text"]
    shown = html.unescape(rendered)  # each value shows as the text it is
    for value in INJECTIONS:
        assert f"Avant {value} après" in shown


# -- guards: the page is left untouched, exit code 3 ---------------------------------


def _drop_end(text: str) -> str:
    return text.replace("<!-- wikisync:end events -->", "")


def _duplicate_begin(text: str) -> str:
    return text + "\n<!-- wikisync:begin events -->"


def _reverse(text: str) -> str:
    begin = re.search(r"<!-- wikisync:begin events[^>]*-->", text)
    assert begin is not None
    swapped = text.replace(begin.group(), "@@BEGIN@@").replace(
        "<!-- wikisync:end events -->", begin.group()
    )
    return swapped.replace("@@BEGIN@@", "<!-- wikisync:end events -->")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_drop_end, "no <!-- wikisync:end events -->"),
        (_duplicate_begin, "keep exactly one of each"),
        (_reverse, "ends before it begins"),
    ],
)
def test_rebuild_refuses_broken_markers(
    wiki: TestWiki, config_file: Path, change: Any, expected: str
) -> None:
    _edit(_admin(wiki), PAGE, change)
    before = _revision(wiki)
    result = _rebuild(wiki, config_file, "events")
    assert result.exit_code == 3, result.output
    assert expected in result.output
    assert _revision(wiki) == before


def test_rebuild_refuses_hand_edit_inside_markers_then_force(
    wiki: TestWiki, config_file: Path
) -> None:
    assert _rebuild(wiki, config_file, "events").exit_code == 0
    _edit(_admin(wiki), PAGE, lambda text: text.replace("== Événements passés ==", "== Passés =="))
    before = _revision(wiki)
    result = _rebuild(wiki, config_file, "events")
    assert result.exit_code == 3, result.output
    assert "edited by hand" in result.output and "--force" in result.output
    assert _revision(wiki) == before
    forced = _rebuild(wiki, config_file, "events", "--force")
    assert forced.exit_code == 0, forced.output
    assert "== Événements passés ==" in _revision(wiki)["text"]


def test_rebuild_refuses_list_emptied_by_category_change(wiki: TestWiki, config_file: Path) -> None:
    assert _rebuild(wiki, config_file, "events").exit_code == 0
    before = _revision(wiki)
    count = find_section(before["text"], "events").count
    assert count is not None and count >= 30
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace('categories = ["Evénement"]', 'categories = ["Evénements annulés"]'),
        encoding="utf-8",
    )
    # A category that does not exist is a misspelt name (exit 2, nothing saved) ...
    misspelt = _rebuild(wiki, config_file, "events")
    assert misspelt.exit_code == 2 and 'did you mean "Catégorie:Evénement"' in misspelt.output
    assert _revision(wiki) == before
    # ... one that exists without pages empties the list: the shrink guard refuses it.
    _admin(wiki).pages["Catégorie:Evénements annulés"].edit("Aucun pour l'instant.", summary="t")
    result = _rebuild(wiki, config_file, "events")
    assert result.exit_code == 3, result.output
    assert f"shrink from {count} to 0 items" in result.output
    assert "or allow it with --allow-shrink" in result.output  # the CLI's words for the override
    assert _revision(wiki) == before
    allowed = _rebuild(wiki, config_file, "events", "--allow-shrink")
    assert allowed.exit_code == 0, allowed.output
    assert find_section(_revision(wiki)["text"], "events").count == 0


def test_rebuild_refuses_list_emptied_by_deleted_events(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    assert _rebuild(wiki, config_file, "events").exit_code == 0
    before = _revision(wiki)
    admin = _admin(wiki)
    for title in corpus.titles_in("Evénement"):
        admin.pages[title].delete(reason="test")
    result = _rebuild(wiki, config_file, "events")
    assert result.exit_code == 3, result.output
    assert "to 0 items" in result.output
    assert _revision(wiki) == before


def test_rebuild_missing_page_needs_create(wiki: TestWiki, config_file: Path) -> None:
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace('page = "Communs"', 'page = "Catalogue des communs"'), encoding="utf-8"
    )
    refused = _rebuild(wiki, config_file, "communs")
    assert refused.exit_code == 3
    assert "does not exist" in refused.output and "--create" in refused.output
    created = _rebuild(wiki, config_file, "communs", "--create")
    assert created.exit_code == 0, created.output
    saved = _revision(wiki, "Catalogue des communs")["text"]
    assert saved.startswith("<!-- wikisync:begin communs count=")
    assert saved.endswith("<!-- wikisync:end communs -->")


def test_rebuild_dry_run_prints_diff_and_writes_nothing(wiki: TestWiki, config_file: Path) -> None:
    before = _revision(wiki)
    result = _rebuild(wiki, config_file, "events", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"--- a/{PAGE}" in result.output and f"+++ b/{PAGE}" in result.output
    assert "-* [[Rencontre disparue 2017]]" in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour
    assert _revision(wiki) == before


# -- conflicts between read and save -------------------------------------------------


class _InterferingWriter(Target):
    """A real WikiWriter; before its first N saves, someone else edits the page."""

    def __init__(self, writer: WikiWriter, site: mwclient.Site, change: Any, times: int = 1):
        self.writer = writer
        self.site = site
        self.change = change
        self.times = times

    def save(
        self, title: str, text: str, *, base: PageText | None, summary: str, content_model: str = ""
    ) -> SaveResult:
        if self.times > 0:
            self.times -= 1
            _edit(self.site, title, self.change)
        return self.writer.save(
            title, text, base=base, summary=summary, content_model=content_model
        )


@pytest.fixture
def wiki_run(wiki: TestWiki, config_file: Path) -> Iterator[tuple[Any, Any]]:
    config = load_config(config_file).with_overrides(password=wiki.bot_password)
    source = open_source(config)
    try:
        yield config, source
    finally:
        source.close()


def _append_note(text: str) -> str:
    return text + "\n\nNote ajoutée pendant le calcul."


@pytest.mark.parametrize("who", ["admin", "same bot"])
def test_rebuild_merges_an_edit_made_meanwhile_and_keeps_it(
    wiki: TestWiki, wiki_run: tuple[Any, Any], who: str
) -> None:
    # The edit lands between the read and the save, outside the generated
    # section: the writer sees it in the save's reply and merges it at once.
    config, source = wiki_run
    site = _admin(wiki) if who == "admin" else _same_bot(wiki)
    writer = open_target(source)
    assert isinstance(writer, WikiWriter)
    target = _InterferingWriter(writer, site, _append_note)
    report = rebuild_jobs(config, source, target, names=["events"], today=None)
    job = report.jobs[0]
    assert job.status == "edited", job.message
    assert job.attempts == 1
    assert "merged" in job.message
    saved = _revision(wiki)
    assert saved["user"] == "WikiBot"
    assert saved["text"].endswith("Note ajoutée pendant le calcul.")
    assert "Rencontre disparue 2017" not in saved["text"]


@pytest.mark.parametrize("who", ["admin", "same bot"])
def test_rebuild_conflict_outlasting_retries_is_reported(
    wiki: TestWiki, wiki_run: tuple[Any, Any], who: str
) -> None:
    # An edit inside the generated section, made while saving: it overlaps
    # the rebuild's, so it is kept (put back if the wiki saved over it).
    config, source = wiki_run
    site = _admin(wiki) if who == "admin" else _same_bot(wiki)
    writer = open_target(source)
    assert isinstance(writer, WikiWriter)

    def retitle(text: str) -> str:
        return text.replace("Rencontre disparue", "Rencontre retrouvée")

    target = _InterferingWriter(writer, site, retitle, times=5)
    report = rebuild_jobs(config, source, target, names=["events"], retries=0)
    job = report.jobs[0]
    assert job.status == "conflict"
    assert "gave up after 1 attempts" in job.message
    assert run_exit_code(report.outcomes()) == 3
    saved = _revision(wiki)
    assert "Rencontre retrouvée 2017" in saved["text"]


def test_rebuild_conflict_inside_markers_is_refused(
    wiki: TestWiki, wiki_run: tuple[Any, Any]
) -> None:
    config, source = wiki_run
    writer = open_target(source)
    assert isinstance(writer, WikiWriter)
    target = _InterferingWriter(
        writer, _admin(wiki), lambda text: text.replace("Rencontre disparue", "Rencontre retrouvée")
    )
    report = rebuild_jobs(config, source, target, names=["events"])
    assert report.jobs[0].status == "refused"
    assert "edited by hand" in report.jobs[0].message
    saved = _revision(wiki)
    assert saved["user"] == "Admin"
    assert "Rencontre retrouvée 2017" in saved["text"]


# -- plan and apply ------------------------------------------------------------------


def test_plan_then_apply_saves_exactly_the_plan(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    plan_path = tmp_path / "plan.json"
    planned = _invoke(wiki, config_file, "plan", "--today", TODAY, "-o", str(plan_path))
    assert planned.exit_code == 0, planned.output
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    assert data["site"] == wiki.url and data["created"].endswith("Z")
    titles = [page["title"] for page in data["pages"]]
    assert titles == ["Evénements", "Acteurs", "Communs"]
    events = data["pages"][0]
    assert events["base_revid"] == _revision(wiki)["revid"]
    assert events["base_timestamp"] and events["diff"].startswith(f"--- a/{PAGE}")
    applied = _invoke(wiki, config_file, "apply", str(plan_path))
    assert applied.exit_code == 0, applied.output
    for page in data["pages"]:
        assert _revision(wiki, page["title"])["text"] == page["new_text"].rstrip()
    again = _rebuild(wiki, config_file)
    assert again.exit_code == 0 and again.output == ""


def _add_agenda_job(wiki: TestWiki, config_file: Path) -> None:
    """A second job, "agenda" (the communs as a list), with its own section on PAGE."""
    template = config_file.parent / "liste.wiki.j2"
    template.write_text(
        "{% for r in records|sort_fr('title') %}* {{ r.title|wikilink }}\n{% endfor %}",
        encoding="utf-8",
    )
    with config_file.open("a", encoding="utf-8") as file:
        file.write(
            f'\n[jobs.agenda]\ntype = "commun"\npage = "{PAGE}"\n'
            'page_template = "liste.wiki.j2"\nsummary = "Agenda mis à jour"\n'
        )
    _edit(
        _admin(wiki),
        PAGE,
        lambda text: text + "\n\n<!-- wikisync:begin agenda -->\n<!-- wikisync:end agenda -->",
    )


def _bot_revisions(wiki: TestWiki, title: str = PAGE) -> list[int]:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=500, rvprop="ids|user")
    revisions = reply["query"]["pages"][0]["revisions"]
    return [rev["revid"] for rev in revisions if rev["user"] == "WikiBot"]


def test_two_jobs_on_one_page_plan_apply_then_rebuild_makes_no_edit(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    _add_agenda_job(wiki, config_file)
    base = _revision(wiki)
    plan_path = tmp_path / "plan.json"
    planned = _invoke(
        wiki, config_file, "plan", "events", "agenda", "--today", TODAY, "-o", str(plan_path)
    )
    assert planned.exit_code == 0, planned.output
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    assert [(page["title"], page["job"]) for page in data["pages"]] == [(PAGE, "events, agenda")]
    assert data["pages"][0]["base_revid"] == base["revid"]
    dry = _invoke(wiki, config_file, "apply", "--dry-run", str(plan_path))
    assert dry.exit_code == 0 and f"--- a/{PAGE}" in dry.output and "+* [[" in dry.output
    assert _revision(wiki) == base
    report_path = tmp_path / "apply.json"
    applied = _invoke(
        wiki,
        config_file,
        "apply",
        str(plan_path),
        "--summary",
        "relu",
        "--report",
        str(report_path),
    )
    assert applied.exit_code == 0, applied.output
    saved = _revision(wiki)
    assert _bot_revisions(wiki) == [saved["revid"]]  # one edit holds both sections
    assert saved["text"] == data["pages"][0]["new_text"].rstrip()
    assert find_section(saved["text"], "agenda").count > 0
    assert find_section(saved["text"], "events").count > 30
    comment = wiki.api(action="query", prop="revisions", titles=PAGE, rvprop="comment")
    assert comment["query"]["pages"][0]["revisions"][0]["comment"] == "relu"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["counts"] == {"edited": 1} and report["pages"][0]["revid"] == saved["revid"]
    again = _rebuild(wiki, config_file, "events", "agenda")
    assert again.exit_code == 0 and again.output == "", again.output
    assert _revision(wiki)["revid"] == saved["revid"]


def test_two_jobs_on_one_page_rebuild_saves_once_then_nothing(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    _add_agenda_job(wiki, config_file)
    report_path = tmp_path / "report.json"
    first = _rebuild(wiki, config_file, "--report", str(report_path))
    assert first.exit_code == 0, first.output
    assert _bot_revisions(wiki) == [_revision(wiki)["revid"]]
    jobs = json.loads(report_path.read_text(encoding="utf-8"))["jobs"]
    assert [(job["job"], job["status"]) for job in jobs] == [
        ("events", "edited"),
        ("actors", "edited"),
        ("communs", "edited"),
        ("agenda", "edited"),
    ]
    assert jobs[0]["revid"] == jobs[3]["revid"] == _revision(wiki)["revid"]
    second = _rebuild(wiki, config_file, "--report", str(report_path))
    assert second.exit_code == 0 and second.output == ""
    assert len(_bot_revisions(wiki)) == 1
    # login (4), then per record type a listing and per page one read: the
    # fourth job reads nothing more (its records and its page are shared)
    assert json.loads(report_path.read_text(encoding="utf-8"))["requests"] <= 4 + 2 * 3


@pytest.mark.parametrize("who", ["admin", "same bot"])
def test_apply_skips_page_edited_since_plan(
    wiki: TestWiki, config_file: Path, tmp_path: Path, who: str
) -> None:
    plan_path = tmp_path / "plan.json"
    planned = _invoke(wiki, config_file, "plan", "events", "actors", "-o", str(plan_path))
    assert planned.exit_code == 0, planned.output
    site = _admin(wiki) if who == "admin" else _same_bot(wiki)
    _edit(site, PAGE, _append_note)
    human = _revision(wiki)
    applied = _invoke(wiki, config_file, "apply", str(plan_path))
    assert applied.exit_code == 3, applied.output
    assert (
        f'page "{PAGE}" conflict' in applied.output and "changed since the plan" in applied.output
    )
    assert _revision(wiki) == human
    assert _revision(wiki, "Acteurs")["user"] == "WikiBot"  # the other page was applied


def test_apply_refuses_other_site(wiki: TestWiki, config_file: Path, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    assert _invoke(wiki, config_file, "plan", "events", "-o", str(plan_path)).exit_code == 0
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    data["site"] = "https://wiki.example.org"
    plan_path.write_text(json.dumps(data), encoding="utf-8")
    result = _invoke(wiki, config_file, "apply", str(plan_path))
    assert result.exit_code == 2
    assert "was planned for https://wiki.example.org" in result.output


# -- the run lock --------------------------------------------------------------------


def test_rebuild_exits_4_while_another_run_holds_the_lock(
    wiki: TestWiki, config_file: Path
) -> None:
    before = _revision(wiki)
    client = WikiClient(wiki.url, Config(site=wiki.url, use_cache=False))
    key = run_lock_key(client)
    client.close()
    with RunLock(default_lock_path(key), command="rebuild"):
        result = _rebuild(wiki, config_file)
    assert result.exit_code == 4
    assert f"pid {os.getpid()}" in result.output and "since" in result.output
    assert f"holds the lock on {key}" in result.output
    assert _revision(wiki) == before


def test_two_simultaneous_rebuilds_one_runs_other_exits_4(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    # Once the first run holds the lock, the wiki turns read-only: its saves
    # wait and retry (API error "readonly") while it keeps holding the lock.
    env = {
        **os.environ,
        "WIKISYNC_PASSWORD": wiki.bot_password,
        "WIKISYNC_MAX_WAIT": "60",
        "WIKISYNC_RETRIES": "10",
    }
    first = subprocess.Popen(
        [sys.executable, "-m", "wikisync", "-c", str(config_file), "rebuild", "--today", TODAY],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = WikiClient(wiki.url, Config(site=wiki.url, use_cache=False))
        sidecar = default_lock_path(run_lock_key(client)).with_suffix(".lock.json")
        client.close()
        deadline = time.monotonic() + 30
        while not sidecar.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        wiki.set_read_only("maintenance")
        assert sidecar.exists(), first.communicate()
        # Read-only refuses logins too: the second run comes anonymously (the lock
        # is taken once connected; nothing else would let it through).
        second = _invoke(wiki, config_file, "--user", "", "rebuild", "--today", TODAY)
        assert second.exit_code == 4, second.output
        assert f"pid {first.pid}" in second.output
        assert first.poll() is None  # still held up, still holding the lock
        wiki.set_read_only(None)
        _out, err = first.communicate(timeout=90)
    finally:
        wiki.set_read_only(None)
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, err
    assert f'page "{PAGE}" edited' in err
    assert not sidecar.exists()


def test_rebuild_create_never_recreates_a_page_deleted_in_the_save_window(
    wiki: TestWiki, wiki_run: tuple[Any, Any]
) -> None:
    # --create creates a page that is missing when the run reads it; one that
    # existed when read and was deleted before the save is reported, not re-created.
    config, source = wiki_run
    admin = _admin(wiki)

    def delete(title: str) -> None:
        if not admin.pages[title].exists:
            return
        admin.pages[title].delete(reason="supprimée pendant la reconstruction")

    writer = WikiWriter(source.client, before_edit=delete)
    report = rebuild_jobs(config, source, writer, names=["events"], today=None, create=True)
    job = report.jobs[0]
    assert job.status == "deleted", job
    assert "not re-created" in job.message
    assert run_exit_code(report.outcomes()) == 3
    reply = wiki.api(action="query", prop="info", titles=PAGE)
    assert reply["query"]["pages"][0].get("missing")


def test_rebuild_lost_reply_then_a_human_note_keeps_the_note(
    wiki: TestWiki, config_file: Path
) -> None:
    # The save is made, its reply lost; a human adds a note before the retry,
    # which the wiki merges into theirs. The note stays; the job is "edited"
    # at its own revision.
    admin = _admin(wiki)
    note: list[str] = []

    def add_note(seconds: float) -> None:  # the client's wait before it retries
        if not note:
            page = admin.pages[PAGE]
            note.append(_append_note(page.text()))
            page.edit(note[0], summary="note")
        time.sleep(seconds)

    config = load_config(config_file).with_overrides(password=wiki.bot_password, use_cache=False)
    base = _revision(wiki)["revid"]
    with FaultProxy(wiki.port, rate=0.0) as proxy:
        source = WikiSource(WikiClient(proxy.url, config, sleep=add_note))
        proxy.plan_on("edit", "reset_after")
        try:
            report = rebuild_jobs(config, source, open_target(source), names=["events"])
        finally:
            source.close()
    assert note and [event.kind for event in proxy.events] == ["reset_after"]
    job = report.jobs[0]
    reply = wiki.api(action="query", prop="revisions", titles=PAGE, rvlimit=50, rvprop="ids|user")
    ours = next(r for r in reply["query"]["pages"][0]["revisions"] if r["parentid"] == base)
    assert ours["user"] == "WikiBot"  # the job's own save, on the revision it read
    assert _revision(wiki)["text"] == note[0]
    assert "Rencontre disparue 2017" not in note[0]  # the note is on the rebuilt page
    assert job.status == "edited" and job.revid == ours["revid"], job
    assert "lost" in job.message
    assert run_exit_code(report.outcomes()) == 0


@pytest.mark.parametrize("who", ["admin", "same bot"])
def test_apply_page_moved_in_the_save_window_leaves_the_redirect_alone(
    wiki: TestWiki, config_file: Path, tmp_path: Path, who: str
) -> None:
    plan_path = tmp_path / "plan.json"
    planned = _invoke(wiki, config_file, "plan", "events", "-o", str(plan_path))
    assert planned.exit_code == 0, planned.output
    changeset, bases = read_changeset(plan_path)
    site = _admin(wiki) if who == "admin" else _same_bot(wiki)
    redirect: list[dict[str, Any]] = []

    def move(title: str) -> None:
        if not redirect:
            site.pages[title].move("Agenda des événements", reason="renommée", move_talk=False)
            redirect.append(_revision(wiki, title))

    config = load_config(config_file).with_overrides(password=wiki.bot_password)
    source = open_source(config)
    try:
        writer = WikiWriter(source.client, before_edit=move)
        [result] = apply_changeset(changeset, bases, source, writer)
    finally:
        source.close()
    assert result.status == "moved", result
    assert 'moved to "Agenda des événements"' in result.message
    assert _revision(wiki, PAGE) == redirect[0]  # the redirect, as the move left it
    moved = _revision(wiki, "Agenda des événements")
    assert moved["text"] == changeset.edits[0].new_text.rstrip()
