"""Each option's effect on a real MediaWiki, read back through the wiki's API.

The flags of an edit (``--minor``, ``--bot/--no-bot``), its summary
(``--summary``, the ``summary`` setting), ``--retries`` against a real
concurrent edit, and the revision cache (``--cache``, ``--no-cache``) of
``records`` and ``pull``. The options whose effect shows on a mirror are in
tests/unit/test_cli_options.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mwclient
import pytest
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from tests.unit.test_cli_reports import check_report
from wikisync.cli import cli
from wikisync.config import DEFAULT_SUMMARY
from wikisync.core.pages import PageText
from wikisync.mirror.reader import open_mirror
from wikisync.wiki.writer import SaveResult, WikiWriter


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths (mirrors) land in the test's folder."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def admin(wiki: TestWiki) -> Iterator[mwclient.Site]:
    """Another account editing the wiki meanwhile (a person, for the tests)."""
    site = mwclient.Site(wiki.host, path="/", scheme="http")
    site.login(wiki.admin_user, wiki.admin_password)
    yield site


def _invoke(wiki: TestWiki, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli, list(args), env={"WIKISYNC_PASSWORD": wiki.bot_password, **(env or {})}
    )


def _last_edit(wiki: TestWiki, title: str) -> dict[str, Any]:
    """The page's latest revision as the wiki recorded it: user, summary, minor and bot flags."""
    reply = wiki.api(
        action="query",
        prop="revisions",
        titles=title,
        rvprop="ids|flags|comment|user",
        rvlimit=1,
    )
    revision = reply["query"]["pages"][0]["revisions"][0]
    changes = wiki.api(
        action="query",
        list="recentchanges",
        rctitle=title,
        rcprop="ids|flags",
        rclimit=50,
    )["query"]["recentchanges"]
    change = next(c for c in changes if c["revid"] == revision["revid"])
    return {
        "user": revision["user"],
        "comment": revision["comment"],
        "minor": bool(revision.get("minor")),
        "bot": bool(change.get("bot")),
    }


def _wiki_text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _lone_place(wiki: TestWiki, config_file: Path) -> tuple[str, str]:
    """An event whose place no other event has: (its title, its place)."""
    result = _invoke(wiki, "-c", str(config_file), "--no-cache", "records", "event", "-f", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    places = [row.get("place") for row in rows]
    lone = [row for row in rows if row.get("place") and places.count(row["place"]) == 1]
    return lone[0]["title"], lone[0]["place"]


# -- --minor, --bot/--no-bot, --summary and the summary setting ---------------------------


@pytest.mark.parametrize(
    ("flags", "env", "file", "expected"),
    [
        ([], {}, None, {"minor": False, "bot": True, "comment": "wikisync: place = Ailleurs"}),
        (
            ["--minor", "--no-bot", "--summary", "lieu corrigé"],
            {"WIKISYNC_SUMMARY": "réglage"},
            None,
            {"minor": True, "bot": False, "comment": "lieu corrigé"},
        ),
        (["--bot"], {"WIKISYNC_SUMMARY": "réglage"}, "fichier", {"comment": "réglage"}),
        ([], {}, "fichier", {"minor": False, "bot": True, "comment": "fichier"}),
    ],
)
def test_set_edit_flags_and_summary_reach_the_wiki(
    wiki: TestWiki,
    config_file: Path,
    flags: list[str],
    env: dict[str, str],
    file: str | None,
    expected: dict[str, Any],
) -> None:
    if file is not None:
        config_file.write_text(
            f'summary = "{file}"\n' + config_file.read_text("utf-8"), encoding="utf-8"
        )
    title, place = _lone_place(wiki, config_file)
    args = ["-c", str(config_file), "set", "event", "place=Ailleurs", "--where", f"place={place}"]
    result = _invoke(wiki, *args, *flags, env=env)
    assert result.exit_code == 0, result.output
    edit = _last_edit(wiki, title)
    assert edit["user"] == "WikiBot"
    assert {key: edit[key] for key in expected} == expected


def test_summary_setting_reaches_rename_and_remove_param(wiki: TestWiki, config_file: Path) -> None:
    config = str(config_file)
    env = {"WIKISYNC_SUMMARY": "ménage des paramètres"}
    title, _ = _lone_place(wiki, config_file)
    renamed = _invoke(wiki, "-c", config, "rename-param", "Event", "url", "lien", env=env)
    assert renamed.exit_code in (0, 3), renamed.output
    assert "lien=" in _wiki_text(wiki, title) or "url=" not in _wiki_text(wiki, title)
    renamed_by = _last_edit(wiki, title)
    removed = _invoke(wiki, "-c", config, "remove-param", "Event", "lien", "--minor", env=env)
    assert removed.exit_code in (0, 3), removed.output
    removed_by = _last_edit(wiki, title)
    for edit in (renamed_by, removed_by):
        assert edit["user"] == "WikiBot" and edit["comment"] == "ménage des paramètres"
    assert removed_by["minor"] and not renamed_by["minor"]


def _pulled(wiki: TestWiki, config_file: Path, mirror: Path, title: str) -> Path:
    result = _invoke(wiki, "-c", str(config_file), "pull", "--page", title, str(mirror))
    assert result.exit_code == 0, result.output
    path = mirror / open_mirror(mirror).entries()[title].file
    path.write_text(path.read_text("utf-8") + "\nModifié localement.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("flags", "env", "expected"),
    [
        ([], {}, {"minor": False, "bot": True, "comment": DEFAULT_SUMMARY}),
        ([], {"WIKISYNC_SUMMARY": "réglage"}, {"bot": True, "comment": "réglage"}),
        (
            ["--no-bot", "--minor", "--summary", "typos"],
            {"WIKISYNC_SUMMARY": "réglage"},
            {"minor": True, "bot": False, "comment": "typos"},
        ),
        (["-m", "vieux nom"], {}, {"comment": "vieux nom"}),
    ],
)
def test_push_edit_flags_and_summary_reach_the_wiki(
    wiki: TestWiki,
    config_file: Path,
    tmp_path: Path,
    flags: list[str],
    env: dict[str, str],
    expected: dict[str, Any],
) -> None:
    title, _ = _lone_place(wiki, config_file)
    mirror = tmp_path / "mirror"
    path = _pulled(wiki, config_file, mirror, title)
    result = _invoke(
        wiki, "-c", str(config_file), "push", str(mirror), *flags, "--report", "-", env=env
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # --report - : the JSON report alone on stdout
    check_report(report, "push", 0)  # the one documented form (README.md, "Run reports")
    assert [(i["title"], i["action"]) for i in report["items"]] == [(title, "saved")]
    assert report["outcomes"] == [
        {"title": title, "outcome": "saved", "message": "", "revid": report["items"][0]["revid"]}
    ]
    assert report["requests"] > 0 and report["seconds"] > 0
    assert _wiki_text(wiki, title) + "\n" == path.read_text("utf-8")
    edit = _last_edit(wiki, title)
    assert edit["user"] == "WikiBot"
    assert {key: edit[key] for key in expected} == expected


# -- --retries against a real concurrent edit -------------------------------------------------


@pytest.mark.parametrize(("retries", "edits"), [(0, 1), (1, 1), (1, 2), (3, 2)])
def test_retries_bound_the_attempts_after_edit_conflicts(
    wiki: TestWiki,
    config_file: Path,
    admin: mwclient.Site,
    monkeypatch: pytest.MonkeyPatch,
    retries: int,
    edits: int,
) -> None:
    """Another account edits the page just before each of wikisync's first N saves.

    The other edit touches the line right after the place (not the place
    itself): it cannot merge with wikisync's change (neighbouring lines), so
    each save is a conflict, and since the place was left alone, wikisync
    reads the page again and re-applies its change, up to --retries times.
    """
    title, place = _lone_place(wiki, config_file)
    left = [edits]
    original = WikiWriter.save

    def save(
        self: WikiWriter,
        page: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
        content_model: str = "",
    ) -> SaveResult:
        if left[0] > 0:
            left[0] -= 1
            current = admin.pages[page]
            lines = current.text().split("\n")
            at = next(i for i, line in enumerate(lines) if re.match(r"\s*\|\s*place\s*=", line))
            lines[at + 1] += f"<!-- edit {left[0]} -->"
            current.edit("\n".join(lines), summary="en même temps")
        return original(self, page, text, base=base, summary=summary, content_model=content_model)

    monkeypatch.setattr(WikiWriter, "save", save)
    result = _invoke(
        wiki,
        "-c",
        str(config_file),
        "set",
        "event",
        "place=Ailleurs",
        "--where",
        f"place={place}",
        "--retries",
        str(retries),
        "--report",
        "-",
    )
    report = json.loads(result.stdout)
    page = next(p for p in report["pages"] if p["title"] == title)
    text = _wiki_text(wiki, title)
    assert text.count("<!-- edit ") == min(edits, retries + 1)  # the other edits are kept
    if retries >= edits:
        assert result.exit_code == 0, result.output
        assert page["status"] == "edited"
        assert "|place=Ailleurs" in text.replace(" ", "") or "Ailleurs" in text
        assert _last_edit(wiki, title)["user"] == "WikiBot"
    else:
        assert result.exit_code == 3, result.output
        assert page["status"] == "conflict"
        assert "Ailleurs" not in text
        last = _last_edit(wiki, title)  # the other edit, or wikisync putting it back
        assert last["user"] == wiki.admin_user or "rétablit" in last["comment"], last


# -- --cache and --no-cache ------------------------------------------------------------------


def _cached_pages(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM pages").fetchone()[0])


def _pull_line(result: Result) -> re.Match[str]:
    match = re.search(
        r"pull \S+: (\d+) pages listed, (\d+) fetched(?:, (\d+) from the cache)?;.*\((\d+) "
        r"requests\)",
        result.stderr,
    )
    assert match, result.output
    return match


def test_pull_takes_what_records_cached_and_no_cache_fetches_it_all(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    config = str(config_file)
    cache = tmp_path / "mine.sqlite"
    records = _invoke(wiki, "-c", config, "--cache", str(cache), "records", "event")
    assert records.exit_code == 0, records.output
    assert _cached_pages(cache) > 0

    warm = _invoke(wiki, "-c", config, "--cache", str(cache), "pull", "Evénement", "warm")
    assert warm.exit_code == 0, warm.output
    listed, fetched, cached, warm_requests = _pull_line(warm).groups()
    assert int(listed) > 0 and fetched == "0" and cached == listed

    cold = _invoke(wiki, "-c", config, "--no-cache", "pull", "Evénement", "cold")
    assert cold.exit_code == 0, cold.output
    listed_cold, fetched_cold, cached_cold, cold_requests = _pull_line(cold).groups()
    assert (listed_cold, fetched_cold, cached_cold) == (listed, listed, None)
    assert int(cold_requests) > int(warm_requests)
    # The same mirror either way, byte for byte.
    for title, entry in open_mirror(Path("cold")).entries().items():
        warm_entry = open_mirror(Path("warm")).entries()[title]
        assert (Path("warm") / warm_entry.file).read_bytes() == (
            Path("cold") / entry.file
        ).read_bytes()
    # --no-cache neither read nor wrote a cache: not the configured one either.
    assert not (tmp_path / "cache.sqlite").exists()


def test_pull_fills_the_cache_for_records_and_fetches_a_stale_revision(
    wiki: TestWiki, config_file: Path, tmp_path: Path, admin: mwclient.Site
) -> None:
    config = str(config_file)
    cache = tmp_path / "pulled.sqlite"
    pulled = _invoke(wiki, "-c", config, "--cache", str(cache), "pull", "Evénement", "m1")
    assert pulled.exit_code == 0, pulled.output
    listed = int(_pull_line(pulled).group(1))
    assert _cached_pages(cache) == listed

    # records reads every event from the cache the pull filled: nothing to fetch.
    records = _invoke(wiki, "-c", config, "--cache", str(cache), "-v", "records", "event")
    assert records.exit_code == 0, records.output
    wanted = f"{listed} pages listed, {listed} unchanged in the cache, 0 to fetch"
    assert wanted in records.stderr, records.stderr

    # A page edited on the wiki since: the cache holds an older revision; pull fetches it.
    title = sorted(open_mirror(Path("m1")).entries())[0]
    page = admin.pages[title]
    page.edit(page.text() + "\nAjout sur le wiki.", summary="ajout")
    again = _invoke(wiki, "-c", config, "--cache", str(cache), "pull", "Evénement", "m2")
    assert again.exit_code == 0, again.output
    _, fetched, cached, _ = _pull_line(again).groups()
    assert (int(fetched), int(cached)) == (1, listed - 1)
    entry = open_mirror(Path("m2")).entries()[title]
    assert (Path("m2") / entry.file).read_text("utf-8") == _wiki_text(wiki, title) + "\n"


def test_no_cache_records_writes_no_cache_and_cache_path_is_used(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    config = str(config_file)
    configured = tmp_path / "cache.sqlite"  # WIKISYNC_CACHE (tests/integration/conftest.py)
    plain = _invoke(wiki, "-c", config, "--no-cache", "records", "event")
    assert plain.exit_code == 0, plain.output
    assert not configured.exists()
    chosen = tmp_path / "elsewhere" / "c.sqlite"
    with_cache = _invoke(wiki, "-c", config, "--cache", str(chosen), "records", "event")
    assert with_cache.exit_code == 0, with_cache.output
    assert with_cache.stdout == plain.stdout
    assert _cached_pages(chosen) > 0 and not configured.exists()


# -- rebuild and apply: the same flags ---------------------------------------------------------

TODAY = "2025-01-06"
JOB_SUMMARY = 'summary = "wikisync : liste des événements mise à jour"\n'


@pytest.mark.parametrize(
    ("job_summary", "flags", "env", "expected"),
    [
        (False, [], {}, {"minor": False, "bot": True, "comment": DEFAULT_SUMMARY}),
        (False, [], {"WIKISYNC_SUMMARY": "réglage"}, {"bot": True, "comment": "réglage"}),
        (
            True,
            [],
            {"WIKISYNC_SUMMARY": "réglage"},
            {"comment": "wikisync : liste des événements mise à jour"},
        ),
        (
            True,
            ["--minor", "--no-bot", "--summary", "liste refaite"],
            {"WIKISYNC_SUMMARY": "réglage"},
            {"minor": True, "bot": False, "comment": "liste refaite"},
        ),
    ],
)
def test_rebuild_edit_flags_and_summary_reach_the_wiki(
    wiki: TestWiki,
    config_file: Path,
    job_summary: bool,
    flags: list[str],
    env: dict[str, str],
    expected: dict[str, Any],
) -> None:
    """--summary > the job's summary > the summary setting > the default."""
    text = config_file.read_text("utf-8")
    assert JOB_SUMMARY in text
    if not job_summary:
        config_file.write_text(text.replace(JOB_SUMMARY, ""), encoding="utf-8")
    args = ["-c", str(config_file), "rebuild", "events", "--today", TODAY, *flags]
    result = _invoke(wiki, *args, env=env)
    assert result.exit_code == 0, result.output
    edit = _last_edit(wiki, "Evénements")
    assert edit["user"] == "WikiBot"
    assert {key: edit[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], {"minor": False, "bot": True, "comment": "prévu"}),
        (
            ["--minor", "--no-bot", "--summary", "appliqué"],
            {"minor": True, "bot": False, "comment": "appliqué"},
        ),
    ],
)
def test_apply_edit_flags_and_summary_reach_the_wiki(
    wiki: TestWiki,
    config_file: Path,
    tmp_path: Path,
    flags: list[str],
    expected: dict[str, Any],
) -> None:
    """apply keeps the summary planned (not today's setting) unless --summary says otherwise."""
    config_file.write_text(
        config_file.read_text("utf-8").replace(JOB_SUMMARY, ""), encoding="utf-8"
    )
    plan = str(tmp_path / "plan.json")
    args = ["-c", str(config_file), "plan", "events", "--today", TODAY, "-o", plan]
    planned = _invoke(wiki, *args, env={"WIKISYNC_SUMMARY": "prévu"})
    assert planned.exit_code == 0, planned.output
    applied = _invoke(
        wiki, "-c", str(config_file), "apply", plan, *flags, env={"WIKISYNC_SUMMARY": "autre"}
    )
    assert applied.exit_code == 0, applied.output
    edit = _last_edit(wiki, "Evénements")
    assert edit["user"] == "WikiBot"
    assert {key: edit[key] for key in expected} == expected


@pytest.mark.parametrize("command", [["pull", "Evénement", "m"], ["records", "event"]])
def test_unusable_cache_file_is_one_line_exit_2(
    wiki: TestWiki, config_file: Path, tmp_path: Path, command: list[str]
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    path = blocker / "c.sqlite"
    result = _invoke(wiki, "-c", str(config_file), "--cache", str(path), *command)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"wikisync: error: revision cache {path} cannot be opened")
    assert "--cache FILE (WIKISYNC_CACHE) or read without it: --no-cache" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").rglob("*.wiki"))
