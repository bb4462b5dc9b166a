"""``wikisync watch`` against a real MediaWiki: every kind of change, the cursor, the stop
page, debounce, restart, SIGKILL and SIGTERM (issue 20).

The watcher runs in process as the library's iterator (``watch(...)``): the test
edits the wiki between two of its events, so nothing waits on a timer longer
than the one-second interval. The commun job (``Communs``, ten pages) is the
index under test; ``events`` and ``actors`` show that only affected jobs run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mwclient
import pytest

from tests.mediawiki import TestWiki
from wikisync.config import load_config
from wikisync.ops.watch import WatchEvent, watch
from wikisync.presets import load_preset

INDEX = "Communs"
COMMUN = "Catégorie:Commun"


@pytest.fixture
def watch_config(wiki: TestWiki, tmp_path: Path) -> Path:
    """The FabMob preset for ``wiki`` with a 1 s interval and no debounce."""
    path = tmp_path / "wikisync.toml"
    path.write_text(
        f'site = "{wiki.url}"\nuser = "{wiki.bot_user}"\n\n{load_preset("fabmob")}\n'
        "[watch]\ninterval = 1\nmin_interval = 0\nreconcile = 0\n"
        'stop_page = "Utilisateur:WikiBot/stop"\n',
        encoding="utf-8",
    )
    return path


def _config(wiki: TestWiki, path: Path, **watch_values: Any) -> Any:
    config = load_config(path, environ={"WIKISYNC_PASSWORD": wiki.bot_password})
    if watch_values:
        config = config.with_overrides(watch={**config.watch, **watch_values})
    return config


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _text(wiki: TestWiki, title: str = INDEX) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    page = reply["query"]["pages"][0]
    return "" if page.get("missing") else str(page["revisions"][0]["slots"]["main"]["content"])


def _bot_revisions(wiki: TestWiki, title: str = INDEX) -> int:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvprop="user", rvlimit=500)
    revisions = reply["query"]["pages"][0].get("revisions", [])
    return sum(1 for revision in revisions if revision["user"] == TestWiki.BOT_NAME)


def _communs(wiki: TestWiki) -> list[str]:
    reply = wiki.api(action="query", list="categorymembers", cmtitle=COMMUN, cmlimit=500)
    return sorted(item["title"] for item in reply["query"]["categorymembers"])


def _once(config: Any, cursor: Path, **kwargs: Any) -> list[WatchEvent]:
    return list(watch(config, once=True, cursor_file=cursor, **kwargs))


def _jobs_ran(events: list[WatchEvent]) -> dict[str, str]:
    return {e.report.job: e.report.status for e in events if e.report is not None}


def _commun_text(description: str, category: str = "[[Catégorie:Commun]]") -> str:
    return f"{{{{Ressource\n|shortDescription={description}\n|Theme=Vélo\n}}}}\n{category}\n"


@pytest.fixture
def primed(wiki: TestWiki, watch_config: Path, tmp_path: Path) -> tuple[Any, Path]:
    """A watcher that did its first full pass: the config and its cursor file."""
    config = _config(wiki, watch_config)
    cursor = tmp_path / "cursor.json"
    events = _once(config, cursor)
    assert set(_jobs_ran(events)) == {"events", "actors", "communs"}
    return config, cursor


def test_watch_first_run_is_a_full_pass_and_an_idle_poll_is_one_request(
    wiki: TestWiki, primed: tuple[Any, Path], tmp_path: Path
) -> None:
    config, cursor = primed
    saved = json.loads(cursor.read_text(encoding="utf-8"))
    assert saved["pending"] == {}
    status = tmp_path / "status.json"
    events = _once(config, cursor, status_file=status)
    polls = [e for e in events if e.kind == "polled"]
    assert len(polls) == 1
    assert polls[0].requests == 1
    assert not _jobs_ran(events)
    data = json.loads(status.read_text(encoding="utf-8"))
    assert data["counts"]["polls"] == 1
    assert data["counts"]["requests"] == 1
    assert data["last_poll"]


def _edit(wiki: TestWiki, title: str, text: str) -> None:
    _admin(wiki).pages[title].edit(text, summary="test")


def test_watch_edit_of_a_source_page_runs_only_its_job(
    wiki: TestWiki, primed: tuple[Any, Path]
) -> None:
    config, cursor = primed
    title = _communs(wiki)[0]
    _edit(wiki, title, _commun_text("Nouvelle description watch"))
    events = _once(config, cursor)
    assert _jobs_ran(events) == {"communs": "edited"}
    assert "Nouvelle description watch" in _text(wiki)
    again = _once(config, cursor)  # the bot's own save of the index calls for nothing
    assert not _jobs_ran(again)
    assert [e.jobs for e in again if e.kind == "polled"] == [()]


def _create(wiki: TestWiki) -> tuple[str, str]:
    _edit(wiki, "Commun créé par watch", _commun_text("créé"))
    return "Commun créé par watch", "créé"


def _delete(wiki: TestWiki) -> tuple[str, str]:
    title = _communs(wiki)[0]
    _admin(wiki).pages[title].delete(reason="test")
    return "", title


def _move(wiki: TestWiki) -> tuple[str, str]:
    title = _communs(wiki)[0]
    _admin(wiki).pages[title].move("Commun déplacé par watch", reason="test", no_redirect=True)
    return "Commun déplacé par watch", title


def _leave(wiki: TestWiki) -> tuple[str, str]:
    title = _communs(wiki)[0]
    _edit(wiki, title, _commun_text("sorti", category=""))
    return "", title


@pytest.mark.parametrize("change", [_create, _delete, _move, _leave], ids=lambda f: f.__name__)
def test_watch_follows_each_kind_of_change(
    wiki: TestWiki, primed: tuple[Any, Path], change: Callable[[TestWiki], tuple[str, str]]
) -> None:
    config, cursor = primed
    shown, gone = change(wiki)
    events = _once(config, cursor)
    assert _jobs_ran(events) == {"communs": "edited"}
    text = _text(wiki)
    if shown:
        assert shown in text
    if gone:
        assert f"[[{gone}]]" not in text


def test_watch_follows_a_restore(wiki: TestWiki, primed: tuple[Any, Path]) -> None:
    config, cursor = primed
    title = _communs(wiki)[0]
    site = _admin(wiki)
    site.pages[title].delete(reason="test")
    _once(config, cursor)
    assert f"[[{title}]]" not in _text(wiki)
    token = site.get_token("csrf")
    site.post("undelete", title=title, reason="test", token=token)
    events = _once(config, cursor)
    assert _jobs_ran(events) == {"communs": "edited"}
    assert f"[[{title}]]" in _text(wiki)


def test_watch_bot_edit_of_a_source_page_triggers(wiki: TestWiki, primed: tuple[Any, Path]) -> None:
    config, cursor = primed
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.bot_user, wiki.bot_password)
    site.pages[_communs(wiki)[0]].edit(_commun_text("par le bot lui-même"), summary="set")
    assert _jobs_ran(_once(config, cursor)) == {"communs": "edited"}
    assert "par le bot lui-même" in _text(wiki)


def test_watch_template_brings_pages_in_and_out_of_the_category(
    wiki: TestWiki, primed: tuple[Any, Path]
) -> None:
    config, cursor = primed
    _edit(wiki, "Modèle:Marque", "<includeonly></includeonly>")
    _edit(wiki, "Commun par modèle", _commun_text("via modèle", category="{{Marque}}"))
    _once(config, cursor)
    assert "Commun par modèle" not in _text(wiki)

    def settle(present: bool) -> None:
        first = _once(config, cursor)  # every job, at once (the queue has not run yet)
        assert set(_jobs_ran(first)) == {"events", "actors", "communs"}
        wiki.maint("runJobs")  # the wiki's job queue updates the pages' categories
        time.sleep(1)  # the follow-up pass is due one interval after the template's edit
        _once(config, cursor)
        assert ("Commun par modèle" in _text(wiki)) == present

    _edit(wiki, "Modèle:Marque", "<includeonly>[[Catégorie:Commun]]</includeonly>")
    settle(True)
    _edit(wiki, "Modèle:Marque", "<includeonly></includeonly>")
    settle(False)


def test_watch_stop_page_pauses_every_write(wiki: TestWiki, primed: tuple[Any, Path]) -> None:
    config, cursor = primed
    before = _bot_revisions(wiki)
    _edit(wiki, "Utilisateur:WikiBot/stop", "Arrêt : vandalisme en cours")
    _edit(wiki, _communs(wiki)[0], _commun_text("pendant la pause"))
    events = _once(config, cursor)
    assert [e.kind for e in events if e.kind in ("paused", "resumed")] == ["paused"]
    assert not _jobs_ran(events)
    assert _bot_revisions(wiki) == before
    assert "communs" in json.loads(cursor.read_text(encoding="utf-8"))["pending"]
    _edit(wiki, "Utilisateur:WikiBot/stop", "")
    events = _once(config, cursor)
    assert _jobs_ran(events) == {"communs": "edited"}
    assert "pendant la pause" in _text(wiki)


def test_watch_debounce_makes_one_save_per_min_interval(
    wiki: TestWiki, watch_config: Path, tmp_path: Path
) -> None:
    config = _config(wiki, watch_config, min_interval=6.0)
    cursor = tmp_path / "cursor.json"
    _once(config, cursor)  # the first full pass
    before = _bot_revisions(wiki)
    titles = _communs(wiki)
    events = watch(config, cursor_file=cursor)
    seen: list[WatchEvent] = []
    edits = 0
    started = time.monotonic()
    for event in events:
        seen.append(event)
        if event.kind == "polled" and edits < 4:
            _edit(wiki, titles[edits], _commun_text(f"rafale {edits}"))
            edits += 1
        if time.monotonic() - started > 14 or "rafale 3" in _text(wiki):
            break
    events.close()
    saves = [e for e in seen if e.report is not None and e.report.status == "edited"]
    assert any(e.kind == "deferred" for e in seen)
    assert "rafale 3" in _text(wiki)
    assert 1 <= len(saves) <= 3  # four quick edits, a save at most every 6 s
    assert _bot_revisions(wiki) - before == len(saves)


def test_watch_refreshes_file_jobs(wiki: TestWiki, watch_config: Path, tmp_path: Path) -> None:
    with watch_config.open("a", encoding="utf-8") as stream:
        stream.write('\n[jobs.communs_csv]\ntype = "commun"\nfile = "communs.csv"\n')
    config = _config(wiki, watch_config)
    cursor = tmp_path / "cursor.json"
    _once(config, cursor, names=["communs_csv"])
    _edit(wiki, _communs(wiki)[0], _commun_text("dans le fichier"))
    events = _once(config, cursor, names=["communs_csv"])
    assert _jobs_ran(events) == {"communs_csv": "written"}
    assert "dans le fichier" in (tmp_path / "communs.csv").read_text(encoding="utf-8")


def _start_cli(wiki: TestWiki, config: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "WIKISYNC_PASSWORD": wiki.bot_password, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "wikisync", "-c", str(config), "watch", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # the log lines go to standard error
        text=True,
    )


def _lines_until(process: subprocess.Popen[str], needle: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"no line with {needle!r}: {lines}")


def test_watch_sigterm_finishes_and_stores_the_cursor(wiki: TestWiki, watch_config: Path) -> None:
    process = _start_cli(wiki, watch_config, "communs")
    try:
        _lines_until(process, "communs: page")  # the first full pass
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
    assert process.returncode == 143
    assert err is None
    assert "Traceback" not in out
    assert "stopped" in out


def test_watch_sigkill_mid_save_then_restart_neither_misses_nor_doubles(
    wiki: TestWiki, watch_config: Path
) -> None:
    process = _start_cli(wiki, watch_config, "communs")
    try:
        _lines_until(process, "communs: page")
        _edit(wiki, _communs(wiki)[0], _commun_text("avant le SIGKILL"))
        _lines_until(process, "jobs: communs")  # the job is owed: kill it in the save
        process.kill()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)  # drains and closes the pipes
    saves_before = _bot_revisions(wiki)
    _edit(wiki, _communs(wiki)[1], _commun_text("pendant l'arrêt"))
    restarted = subprocess.run(
        [sys.executable, "-m", "wikisync", "-c", str(watch_config), "watch", "--once", "communs"],
        env={**os.environ, "WIKISYNC_PASSWORD": wiki.bot_password},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restarted.returncode == 0, restarted.stderr
    text = _text(wiki)
    assert "avant le SIGKILL" in text
    assert "pendant l'arrêt" in text
    assert _bot_revisions(wiki) - saves_before <= 1  # one edit holds both: none doubled


def test_watch_on_a_mirror_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wikisync.cli import cli

    (tmp_path / "mirror").mkdir()
    config = tmp_path / "wikisync.toml"
    config.write_text(
        f'site = "{tmp_path / "mirror"}"\n\n{load_preset("fabmob")}', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["-c", str(config), "watch", "--once"])
    assert result.exit_code == 2
    assert "watch needs a live wiki" in result.output
    assert "Traceback" not in result.output


def test_watch_once_while_another_run_holds_the_lock_is_exit_4(
    wiki: TestWiki, watch_config: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from wikisync.cli import cli
    from wikisync.ops.lock import RunLock, default_lock_path, run_lock_key
    from wikisync.sources import open_source

    config = _config(wiki, watch_config)
    with open_source(config) as source:
        key = run_lock_key(source)
    with RunLock(default_lock_path(key), command="rebuild", site=key):
        result = CliRunner().invoke(
            cli,
            ["-c", str(watch_config), "watch", "--once"],
            env={"WIKISYNC_PASSWORD": wiki.bot_password},
        )
    assert result.exit_code == 4, result.output
    assert "another wikisync run holds the lock" in result.output
    assert "Traceback" not in result.output
    again = CliRunner().invoke(
        cli,
        ["-c", str(watch_config), "watch", "--once"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert again.exit_code == 0, again.output  # the jobs owed ran once the lock was free
    assert "communs: page" in again.output


def _rows_since(wiki: TestWiki, since: str) -> dict[int, str]:
    reply = wiki.api(
        action="query",
        list="recentchanges",
        rcstart=since,
        rcdir="newer",
        rcprop="ids|timestamp|title",
        rclimit=500,
    )
    return {row["rcid"]: row["timestamp"] for row in reply["query"]["recentchanges"]}


def test_watch_cursor_second_boundary_counts_each_row_once(
    wiki: TestWiki, primed: tuple[Any, Path]
) -> None:
    """Edits in one second, some read by a poll and some made just after it: each row
    is handled once, none skipped (the next poll reads that second again)."""
    config, cursor = primed
    titles = _communs(wiki)
    shared_second = False
    for attempt in range(4):
        _once(config, cursor)  # the rows so far (the full pass's own saves) are handled
        start = _rows_since(wiki, "2000-01-01T00:00:00Z")
        since = max(start.values())
        _edit(wiki, titles[0], _commun_text(f"A1 {attempt}"))
        _edit(wiki, titles[1], _commun_text(f"A2 {attempt}"))
        events = watch(config, cursor_file=cursor)
        counted = 0
        polls_after = -1
        for event in events:
            if event.kind != "polled":
                continue
            counted += event.changes
            if polls_after < 0:  # the first poll read A1 and A2: B comes just after it
                _edit(wiki, titles[2], _commun_text(f"B {attempt}"))
                polls_after = 0
            else:
                polls_after += 1
            if polls_after >= 3:
                break
        events.close()
        rows = {rcid: when for rcid, when in _rows_since(wiki, since).items() if rcid not in start}
        assert counted == len(rows)  # every row since once: none skipped, none twice
        assert f"B {attempt}" in _text(wiki)
        stamps = sorted(rows.values())
        shared_second = shared_second or len(stamps) != len(set(stamps))
        if shared_second:
            break
    assert shared_second  # the case under test happened: rows of one second split by a poll
