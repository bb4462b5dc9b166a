"""Runs that cron can trust, against a real MediaWiki: one lock per wiki, reports, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from tests.unit.test_cli_reports import check_report
from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import Config
from wikisync.core.edits import read_params
from wikisync.interrupt import stop_on_signals
from wikisync.mirror.reader import open_mirror
from wikisync.ops.lock import RunLock, default_lock_path, lock_key, run_lock_key
from wikisync.ops.sync import PushItem, mirror_status, pull, push
from wikisync.wiki.site import WikiClient

EVENT_TEMPLATES = ("Event", "Evénement", "Événement")
VALUE = "Arrêt propre"


def _spellings(wiki: TestWiki) -> list[str]:
    """Four ways to name one wiki (as a user may type them)."""
    return [f"{wiki.url}/", wiki.url, wiki.api_url, f"{wiki.url}/index.php"]


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _wiki_key(wiki: TestWiki) -> str:
    """The run lock key of ``wiki``: its identity, as a run finds it."""
    client = WikiClient(wiki.url, Config(site=wiki.url, use_cache=False))
    try:
        return run_lock_key(client)
    finally:
        client.close()


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _bot_edits(wiki: TestWiki, title: str) -> int:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=500, rvprop="user")
    return sum(1 for rev in reply["query"]["pages"][0]["revisions"] if rev["user"] == "WikiBot")


def _bot_contributions(wiki: TestWiki) -> int:
    reply = wiki.api(action="query", list="usercontribs", ucuser="WikiBot", uclimit=500)
    return len(reply["query"]["usercontribs"])


def _events(corpus: Corpus) -> list[str]:
    return [
        title
        for title in corpus.titles_in("Evénement")
        if read_params(corpus.page(title).wikitext, EVENT_TEMPLATES)
    ]


# -- one lock per wiki ---------------------------------------------------------------


def test_lock_key_is_the_probed_api_url_however_the_wiki_is_spelt(wiki: TestWiki) -> None:
    keys = set()
    for url in _spellings(wiki):
        client = WikiClient(url, Config(site=url, use_cache=False))
        try:
            keys.add(lock_key(client))
        finally:
            client.close()
    assert keys == {wiki.api_url}
    assert len({default_lock_path(key) for key in keys}) == 1


@pytest.mark.parametrize("held", [0, 1, 2, 3])
def test_rebuild_is_refused_under_every_spelling_of_a_locked_wiki(
    wiki: TestWiki, config_file: Path, tmp_path: Path, held: int
) -> None:
    spellings = _spellings(wiki)
    client = WikiClient(spellings[held], Config(site=spellings[held], use_cache=False))
    try:
        key = run_lock_key(client)
    finally:
        client.close()
    before = _text(wiki, "Evénements")
    with RunLock(default_lock_path(key), command="set"):
        for url in spellings:
            result = _invoke(wiki, config_file, "--site", url, "rebuild")
            assert result.exit_code == 4, (url, result.output)
            assert f"pid {os.getpid()}" in result.output and "(set)" in result.output
            assert result.output.count("\n") == 1
    assert _text(wiki, "Evénements") == before


def test_set_refused_by_the_lock_writes_a_report_saying_so(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    with RunLock(default_lock_path(_wiki_key(wiki)), command="rebuild"):
        result = _invoke(
            wiki, config_file, "set", "event", f"Theme={VALUE}", "--report", str(report_path)
        )
    assert result.exit_code == 4, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["status"] == "refused" and report["exit_code"] == 4
    assert report["command"] == "set" and f"pid {os.getpid()}" in report["error"]
    assert all(_bot_edits(wiki, title) == 0 for title in _events(corpus)[:5])


def _pulled_mirror(wiki: TestWiki, config_file: Path, tmp_path: Path) -> tuple[Path, str]:
    mirror = tmp_path / "mirror"
    pulled = _invoke(wiki, config_file, "pull", "--page", "Evénements", str(mirror))
    assert pulled.exit_code == 0, pulled.output
    file = mirror / open_mirror(mirror).entries()["Evénements"].file
    text = file.read_text(encoding="utf-8") + "\nUne ligne poussée.\n"
    file.write_text(text, encoding="utf-8")
    return mirror, text.rstrip()


@pytest.mark.parametrize("which", ["wiki", "mirror"])
def test_push_is_refused_with_exit_4_while_another_run_holds_a_lock(
    wiki: TestWiki, config_file: Path, tmp_path: Path, which: str
) -> None:
    mirror, text = _pulled_mirror(wiki, config_file, tmp_path)
    before = _text(wiki, "Evénements")
    key = _wiki_key(wiki) if which == "wiki" else lock_key(mirror)
    report_path = tmp_path / "push.json"
    with RunLock(default_lock_path(key), command="rebuild"):
        refused = _invoke(
            wiki,
            config_file,
            "--site",
            f"{wiki.url}/index.php",
            "push",
            str(mirror),
            "--report",
            str(report_path),
        )
        assert refused.exit_code == 4, refused.output
        assert f"pid {os.getpid()}" in refused.output and "(rebuild)" in refused.output
        # a dry run only reads: it may run beside the holder
        dry = _invoke(wiki, config_file, "push", str(mirror), "--dry-run")
        assert dry.exit_code == 0, dry.output
    assert _text(wiki, "Evénements") == before
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["status"] == "refused" and report["exit_code"] == 4
    pushed = _invoke(wiki, config_file, "push", str(mirror), "--report", str(report_path))
    assert pushed.exit_code == 0, pushed.output
    assert _text(wiki, "Evénements") == text
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["counts"] == {"saved": 1} and report["exit_code"] == 0


def test_pull_is_refused_while_a_run_writes_the_mirror(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    mirror, _text_sent = _pulled_mirror(wiki, config_file, tmp_path)
    with RunLock(default_lock_path(lock_key(mirror)), command="set"):
        result = _invoke(wiki, config_file, "pull", str(mirror))
        assert result.exit_code == 4, result.output
        # the wiki's lock is not the mirror's: pulling another folder is fine meanwhile
        other = _invoke(wiki, config_file, "pull", "--page", "Acteurs", str(tmp_path / "autre"))
        assert other.exit_code == 0, other.output


# -- SIGINT and SIGTERM: stop after the page in flight --------------------------------


def _start_set(wiki: TestWiki, config_file: Path, report_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "WIKISYNC_PASSWORD": wiki.bot_password,
        "WIKISYNC_MAX_WAIT": "120",
        "WIKISYNC_RETRIES": "20",
    }
    command = [sys.executable, "-m", "wikisync", "-c", str(config_file), "set", "event"]
    return subprocess.Popen(
        [*command, f"Theme={VALUE}", "--report", str(report_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _hold_mid_batch(wiki: TestWiki, process: subprocess.Popen[str]) -> int:
    """Once the batch has saved 3 pages, hold it (replica lag): the next page stays in flight.

    Returns how many pages the bot had saved when it was held.
    """
    deadline = time.monotonic() + 60
    while _bot_contributions(wiki) < 3 and process.poll() is None:
        assert time.monotonic() < deadline, "the batch never started saving"
        time.sleep(0.02)
    wiki.set_fake_lag(6)  # every API call now waits and retries: nothing more is saved
    time.sleep(0.5)  # a save already sent lands meanwhile
    held = _bot_contributions(wiki)
    assert process.poll() is None, process.communicate()
    return held


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_set_stopped_by_a_signal_reports_saved_and_remaining_then_resumes(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path, signum: int
) -> None:
    titles = _events(corpus)
    name = signal.Signals(signum).name
    report_path = tmp_path / "report.json"
    process = _start_set(wiki, config_file, report_path)
    try:
        held = _hold_mid_batch(wiki, process)
        process.send_signal(signum)
        time.sleep(1)
        assert process.poll() is None  # it waits for the page in flight, never drops it
        wiki.set_fake_lag(None)
        _out, err = process.communicate(timeout=120)
    finally:
        wiki.set_fake_lag(None)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err and "Aborted" not in err
    assert f"{name} received: stopping after the page in flight" in err
    assert f"wikisync: stopped by {name}: " in err and "run the same command again" in err
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["interrupted"] == name and report["exit_code"] == 128 + signum
    check_report(report, "set", 128 + signum)  # the one documented form, stopped
    statuses: dict[str, str] = {page["title"]: page["status"] for page in report["pages"]}
    saved = [title for title, status in statuses.items() if status == "edited"]
    left = [title for title, status in statuses.items() if status == "not done"]
    assert len(saved) == held + 1, statuses  # the page in flight was finished, no more
    assert left and set(titles) <= set(statuses)  # every page accounted for: done or not
    summary = err.strip().splitlines()
    not_done = f"{len(left)} page not done" if len(left) == 1 else f"{len(left)} pages not done"
    assert any(line.startswith("set: ") and not_done in line for line in summary)  # in English
    # The wiki agrees with the report: nothing saved beyond it, nothing half-done.
    for title in saved:
        assert VALUE in _text(wiki, title) and _bot_edits(wiki, title) == 1
    for title in left:
        assert VALUE not in _text(wiki, title) and _bot_edits(wiki, title) == 0
    assert _bot_contributions(wiki) == len(saved)
    # A rerun finishes the rest and edits no page twice.
    rerun = _invoke(wiki, config_file, "set", "event", f"Theme={VALUE}")
    assert rerun.exit_code == 0, rerun.output
    edits: dict[str, Any] = {title: _bot_edits(wiki, title) for title in titles}
    assert set(edits.values()) == {1}, edits


def test_set_second_sigterm_stops_at_once_reports_and_rerun_edits_each_page_once(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    titles = _events(corpus)
    report_path = tmp_path / "report.json"
    process = _start_set(wiki, config_file, report_path)
    try:
        _hold_mid_batch(wiki, process)
        process.send_signal(signal.SIGTERM)
        time.sleep(1)
        assert process.poll() is None  # the first signal waits for the page in flight
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
        waited = time.monotonic() - started
    finally:
        wiki.set_fake_lag(None)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 143, err
    assert waited < 5  # at once, not once the wiki answers again
    assert "Traceback" not in err
    assert "wikisync: error: stopped at once by a second SIGTERM" in err
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["status"] == "interrupted" and report["exit_code"] == 143
    check_report(report, "set", 143)  # the short form of a run ended at once
    rerun = _invoke(wiki, config_file, "set", "event", f"Theme={VALUE}")
    assert rerun.exit_code == 0, rerun.output
    edits = {title: _bot_edits(wiki, title) for title in titles}
    assert set(edits.values()) == {1}, edits


def test_push_stopped_by_sigterm_reports_not_done_then_resumes(
    wiki: TestWiki, corpus: Corpus, tmp_path: Path
) -> None:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password)
    mirror = tmp_path / "mirror"
    client = WikiClient(wiki.url, config)
    pull(client, mirror, categories=["Evénement"], durable=False)
    titles = corpus.titles_in("Evénement")[:8]
    for title in titles:
        file = mirror / open_mirror(mirror).entries()[title].file
        file.write_text(file.read_text(encoding="utf-8") + "\nPoussée.\n", encoding="utf-8")
    sent: list[str] = []

    def stop_after_three(item: PushItem) -> None:
        if item.action == "saved":
            sent.append(item.title)
            if len(sent) == 3:
                os.kill(os.getpid(), signal.SIGTERM)  # a real signal, as cron's timeout sends

    with stop_on_signals(announce=False) as stop:
        report = push(client, mirror, summary="test", on_page=stop_after_three, durable=False)
    assert run_exit_code((), stop) == 143
    actions = {item.title: item.action for item in report.items}
    assert sorted(t for t, a in actions.items() if a == "saved") == sorted(sent)
    left = [t for t, a in actions.items() if a == "not done"]
    assert sorted(left) == sorted(set(titles) - set(sent))
    for title in titles:
        assert ("Poussée." in _text(wiki, title)) == (title in sent)
    states = {page.title: page.state for page in mirror_status(client, mirror).pages}
    assert all(states[t] == "unchanged" for t in sent)
    assert all(states[t] == "modified" for t in left)
    resumed = push(client, mirror, summary="test", durable=False)
    assert sorted(item.title for item in resumed.items) == sorted(left)
    assert all(_bot_edits(wiki, title) == 1 for title in titles)
    client.close()
