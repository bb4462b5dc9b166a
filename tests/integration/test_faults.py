"""Faults on the wire, through a seeded fault-injecting proxy (tests/faultproxy.py).

The probe and every call are retried through each kind of fault; ``max_wait``
bounds the whole time of one request; a fault that outlasts it ends in one
line and exit code 1 with the summary and report of what was done. Then whole
commands (``set``, ``import``, ``pull``/``push``, ``rebuild``) run through
5-10 % faults on every request and must finish in one run with no edit lost,
doubled or partial, checked against the wiki itself (not through the proxy).
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.corpus import Corpus, generate_corpus, write_export_xml
from tests.faultcheck import Tally, check_edits, history, latest_revids, planned_texts
from tests.faultproxy import KINDS, FaultEvent, FaultProxy
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.cli.outcomes import error_exit_code
from wikisync.config import Config, load_config
from wikisync.core.errors import LoginError, SiteError
from wikisync.core.schema import RecordType
from wikisync.mirror.reader import open_mirror
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import record_type_named
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.sheet import read_sheet
from wikisync.ops.spreadsheet import import_records
from wikisync.ops.sync import mirror_status
from wikisync.presets import load_preset
from wikisync.wiki.site import WikiClient


def _config(wiki: TestWiki, **values: object) -> Config:
    base = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return base.with_overrides(**values)


@pytest.fixture
def proxy(wiki: TestWiki) -> Iterator[FaultProxy]:
    """A proxy in front of ``wiki`` that injects only the faults a test plans."""
    with FaultProxy(wiki.port, seed=1, rate=0.0, slow_seconds=3.0, retry_after=1) as started:
        yield started


class _Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


# -- the probe and single calls --------------------------------------------------------


@pytest.mark.parametrize(
    "faults",
    [
        ("http503",),
        ("maxlag",),
        ("http429",),
        ("reset_before",),
        ("reset_after",),
        ("truncated", "truncated", "truncated"),
        ("slow",),
        ("refused",),
        ("http503", "maxlag", "reset_before"),
    ],
)
def test_probe_is_retried_through_each_fault(
    wiki: TestWiki, proxy: FaultProxy, faults: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    proxy.plan(*faults)
    sleeps = _Sleeps()
    with caplog.at_level(logging.INFO, logger="wikisync"):
        client = WikiClient(proxy.url, _config(wiki, timeout=2, max_wait=30), sleep=sleeps)
    assert client.address.api_url == f"{proxy.url}/api.php"
    assert [event.kind for event in proxy.events] == list(faults)
    assert "meta=siteinfo" in proxy.events[0].request
    assert client.call("query", meta="userinfo")["query"]["userinfo"]["name"] == "WikiBot"
    retries = [r.getMessage() for r in caplog.records if "before retry" in r.getMessage()]
    assert len(retries) >= len(faults)
    assert all("site probe" in line for line in retries[: len(faults)])


def test_probe_honours_retry_after_of_429(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.retry_after = 3
    proxy.plan("http429")
    sleeps = _Sleeps()
    WikiClient(proxy.url, _config(wiki, max_wait=30), sleep=sleeps)
    assert sleeps.waits[0] >= 3


def test_probe_gives_up_on_a_fault_that_lasts_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.plan(*["http503"] * 10)
    with pytest.raises(SiteError) as info:
        WikiClient(proxy.url, _config(wiki, retries=2, max_wait=30))
    assert not isinstance(info.value, LoginError)
    assert error_exit_code(info.value) == 1
    assert "HTTP 503" in str(info.value)
    assert "gave up after 2 retries" in str(info.value)


def test_cli_probe_fault_that_lasts_is_one_line_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.plan(*["reset_before"] * 10)
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "pages", "Evénement"],
        env={"WIKISYNC_RETRIES": "2", "WIKISYNC_MAX_WAIT": "20"},
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("wikisync: error: the wiki at")
    assert "connection failed" in lines[0]


def test_cli_probe_dropped_connection_is_retried(
    wiki: TestWiki, proxy: FaultProxy, corpus: Corpus
) -> None:
    proxy.plan("refused")  # this connection reset, the next ones refused for 1.5 s
    result = CliRunner().invoke(cli, ["-v", "--site", proxy.url, "pages", "Evénement"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    retries = [line for line in lines if "before retry" in line]
    assert len(retries) == 2, result.output
    assert "Connection reset by peer" in retries[0] and "Connection refused" in retries[1]
    assert [line for line in lines if not line.startswith("wikisync: ")] == corpus.titles_in(
        "Evénement"
    )
    assert [event.kind for event in proxy.events] == ["refused"]


@pytest.mark.parametrize("kind", ["reset_before", "reset_after", "http503", "truncated", "maxlag"])
def test_call_is_retried_through_each_fault(wiki: TestWiki, proxy: FaultProxy, kind: str) -> None:
    client = WikiClient(proxy.url, _config(wiki, timeout=2, max_wait=30))
    proxy.plan(kind, kind)
    reply = client.call("query", meta="userinfo")
    assert reply["query"]["userinfo"]["name"] == "WikiBot"
    assert [event.kind for event in proxy.events] == [kind, kind]


def test_max_wait_bounds_the_whole_request_timeouts_included(
    wiki: TestWiki, proxy: FaultProxy
) -> None:
    client = WikiClient(proxy.url, _config(wiki, timeout=30, retries=10, max_wait=4))
    proxy.slow_seconds = 20
    proxy.plan(*["slow"] * 10)
    start = time.monotonic()
    with pytest.raises(SiteError, match="gave up") as info:
        client.call("query", meta="userinfo")
    elapsed = time.monotonic() - start
    assert elapsed < 5.5, f"one request took {elapsed:.1f} s with max_wait=4"
    assert "max_wait=4 s" in str(info.value)
    # the client has stopped: the next call fails at once, naming the first failure
    start = time.monotonic()
    with pytest.raises(SiteError, match="stopped answering earlier"):
        client.call("query", meta="userinfo")
    assert time.monotonic() - start < 0.5


def test_retry_after_beyond_max_wait_gives_up_at_once(wiki: TestWiki, proxy: FaultProxy) -> None:
    client = WikiClient(proxy.url, _config(wiki, max_wait=5))
    proxy.retry_after = 60
    proxy.plan("http429")
    start = time.monotonic()
    with pytest.raises(SiteError, match="asked to wait 60 s"):
        client.call("query", meta="userinfo")
    assert time.monotonic() - start < 2


def test_malformed_login_reply_is_one_line_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.fake("login", b'{"login": {"lgusername": "WikiBot"}}')
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        f"wikisync: error: the wiki at {proxy.url} sent a malformed reply to the login of "
        f"user {wiki.bot_user} (KeyError: 'result')"
    ]
    assert wiki.bot_password not in result.output


def test_non_json_login_reply_is_one_line_exit_1(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.fake("login", b"<html><body>Fatal error</body></html>")
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password, "WIKISYNC_RETRIES": "1"},
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "action=login failed: the reply is not JSON" in lines[0]
    assert wiki.bot_password not in result.output


def test_login_error_reply_is_one_line(wiki: TestWiki, proxy: FaultProxy) -> None:
    proxy.fake("login", b'{"error": {"code": "internal_api_error", "info": "boom"}}')
    result = CliRunner().invoke(
        cli,
        ["--site", proxy.url, "--user", wiki.bot_user, "pages", "Evénement"],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
    )
    assert result.exit_code in (1, 2), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "internal_api_error: boom" in lines[0]


# -- whole commands under 5-10 % faults --------------------------------------------------

RATE = 0.1  # one request in ten gets a fault
SEEDED = "seeded"
TODAY = "2025-01-06"
VALUE = "Thème sous fautes"
LOST_REPLY = frozenset({"reset_after", "slow", "truncated"})


@dataclass
class Outcome:
    """One command run through the proxy, and what the wiki holds afterwards."""

    result: Result
    expected: dict[str, str]
    tally: Tally
    events: list[FaultEvent]
    report: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        faults = "\n".join(str(e) for e in self.events)
        return f"{self.result.output}\n--- faults:\n{faults}\n--- problems: {self.tally.problems}"


@pytest.fixture(scope="module")
def fault_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestWiki]:
    """A wiki of 100 events for the fault runs; each run restores snapshot ``seeded``."""
    base = tmp_path_factory.mktemp("fault-wiki")
    corpus = generate_corpus(events=100, seed=3)
    write_export_xml(corpus.pages, base / "corpus.xml")
    wiki = TestWiki.create(base / "wiki")
    wiki.import_xml(base / "corpus.xml")
    wiki.snapshot(SEEDED)
    try:
        yield wiki.start()
    finally:
        wiki.stop()


@pytest.fixture(scope="module")
def fault_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the module's runs: configuration files, state, reports."""
    return tmp_path_factory.mktemp("fault-home")


def _config_file(home: Path, site: str, name: str) -> Path:
    path = home / f"{name}.toml"
    path.write_text(
        f'site = "{site}"\nuser = "{TestWiki.BOT_NAME}@{TestWiki.BOT_APP}"\n\n'
        + load_preset("fabmob"),
        encoding="utf-8",
    )
    return path


def _run(wiki: TestWiki, home: Path, site: str, *args: str, **env: str) -> Result:
    """The CLI against ``site`` with private state (module fixtures run outside monkeypatch)."""
    config = _config_file(home, site, "proxy" if site != wiki.url else "direct")
    environment: dict[str, str | None] = {
        "WIKISYNC_PASSWORD": wiki.bot_password,
        "WIKISYNC_CACHE": str(home / "cache.sqlite"),
        "XDG_STATE_HOME": str(home / "state"),
        "WIKISYNC_TIMEOUT": "5",
        "WIKISYNC_CONFIG": None,
        "WIKISYNC_SITE": None,
        "WIKISYNC_USER": None,
        **env,
    }
    return CliRunner().invoke(cli, ["-c", str(config), *args], env=environment)


def _direct_config(wiki: TestWiki, home: Path) -> Config:
    path = _config_file(home, wiki.url, "direct")
    return load_config(path, overrides={"password": wiki.bot_password, "use_cache": False})


def _planned(wiki: TestWiki, home: Path, plan: Callable[[Any, Config], Any]) -> dict[str, str]:
    """What each page should become: a dry run straight against the wiki, no faults."""
    return planned_texts(_direct_config(wiki, home), plan)


def _proxy(wiki: TestWiki, seed: int) -> FaultProxy:
    return FaultProxy(wiki.port, seed=seed, rate=RATE, slow_seconds=6.0, retry_after=1)


def _event_type(wiki: TestWiki, home: Path) -> RecordType:
    return record_type_named(_direct_config(wiki, home).types, "event")


def _event_titles(wiki: TestWiki) -> list[str]:
    reply = wiki.api(
        action="query", list="categorymembers", cmtitle="Catégorie:Evénement", cmlimit=500
    )
    return [m["title"] for m in reply["query"]["categorymembers"] if m["ns"] == 0]


def _webinars(wiki: TestWiki) -> list[str]:
    reply = wiki.api(
        action="query", list="categorymembers", cmtitle="Catégorie:Webinaire", cmlimit=500
    )
    return [m["title"] for m in reply["query"]["categorymembers"] if m["ns"] == 0]


@pytest.fixture(scope="module")
def set_run(fault_wiki: TestWiki, fault_home: Path) -> Outcome:
    wiki, home = fault_wiki, fault_home
    wiki.restore(SEEDED)
    event = _event_type(wiki, home)
    expected = _planned(
        wiki,
        home,
        lambda source, _: set_fields(source, None, event, {"Theme": VALUE}, dry_run=True),
    )
    before = latest_revids(wiki, [*_event_titles(wiki), *_webinars(wiki)])
    report = home / "set-report.json"
    with _proxy(wiki, seed=11) as proxy:
        proxy.plan_on("edit", None, "reset_after", None, None, "slow", None, None, "truncated")
        result = _run(
            wiki, home, proxy.url, "set", "event", f"Theme={VALUE}", "--report", str(report)
        )
    tally = check_edits(wiki, before, expected)
    loaded = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return Outcome(result, expected, tally, list(proxy.events), loaded)


@pytest.fixture(scope="module")
def import_run(fault_wiki: TestWiki, fault_home: Path) -> Outcome:
    wiki, home = fault_wiki, fault_home
    wiki.restore(SEEDED)
    exported = home / "events.csv"
    assert _run(wiki, home, wiki.url, "export", "event", "-o", str(exported)).exit_code == 0
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("shortDescription")
    changed = 0
    for row in rows[1:]:
        if row[1] == "0" and changed < 50:
            row[column] = f"Description revue sous fautes n° {changed}."
            changed += 1
    edited = home / "events-edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    event = _event_type(wiki, home)
    expected = _planned(
        wiki,
        home,
        lambda source, _: import_records(
            source, None, event, read_sheet(edited, event), dry_run=True
        ),
    )
    assert len(expected) == 50
    before = latest_revids(wiki, [*_event_titles(wiki), *_webinars(wiki)])
    report = home / "import-report.json"
    with _proxy(wiki, seed=12) as proxy:
        proxy.plan_on("edit", "reset_after", None, None, "slow", None, None, "truncated")
        result = _run(
            wiki, home, proxy.url, "import", "event", str(edited), "--report", str(report)
        )
    tally = check_edits(wiki, before, expected)
    loaded = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return Outcome(result, expected, tally, list(proxy.events), loaded)


@pytest.fixture(scope="module")
def push_run(fault_wiki: TestWiki, fault_home: Path) -> Outcome:
    wiki, home = fault_wiki, fault_home
    wiki.restore(SEEDED)
    mirror = home / "mirror"
    titles = _event_titles(wiki)
    with _proxy(wiki, seed=13) as proxy:
        pulled = _run(wiki, home, proxy.url, "pull", "Evénement", str(mirror))
        pull_events = list(proxy.events)
        with proxy.paused():
            status_after_pull = _mirror_state(wiki, proxy, mirror)
        entries = open_mirror(mirror).entries()
        expected: dict[str, str] = {}
        for title in titles[:50]:
            path = mirror / entries[title].file
            text = path.read_text(encoding="utf-8") + f"\nModifié hors ligne ({title}).\n"
            path.write_text(text, encoding="utf-8")
            expected[title] = text
        before = latest_revids(wiki, titles)
        # every kind at least once on a save, whatever the random draw (a push
        # makes about one request per page, too few for the bag to go round)
        proxy.plan_on(
            "edit",
            *(None, "reset_after", None, None, "slow", None, "truncated", None, "http503"),
            *(None, "http429", None, "maxlag", None, "reset_before", None, "refused"),
        )
        start = len(proxy.events)
        result = _run(wiki, home, proxy.url, "push", str(mirror), "-m", "sous fautes")
        push_events = list(proxy.events[start:])
        tally = check_edits(wiki, before, expected)
        with proxy.paused():
            status_after_push = _mirror_state(wiki, proxy, mirror)
    extra = {
        "pull": pulled,
        "pull_events": pull_events,
        "status_after_pull": status_after_pull,
        "status_after_push": status_after_push,
    }
    # the bag of kinds runs on from the pull: count pull and push together
    return Outcome(result, expected, tally, pull_events + push_events, None, extra)


def _mirror_state(wiki: TestWiki, proxy: FaultProxy, mirror: Path) -> dict[str, int]:
    config = Config(site=proxy.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    client = WikiClient(proxy.url, config)
    try:
        return mirror_status(client, mirror).counts()
    finally:
        client.close()


@pytest.fixture(scope="module")
def rebuild_run(fault_wiki: TestWiki, fault_home: Path) -> Outcome:
    wiki, home = fault_wiki, fault_home
    wiki.restore(SEEDED)
    today = dt.date.fromisoformat(TODAY)
    expected = _planned(
        wiki,
        home,
        lambda source, config: rebuild_jobs(config, source, None, today=today, dry_run=True),
    )
    assert expected
    before = latest_revids(wiki, [*expected, *_event_titles(wiki)])
    report = home / "rebuild-report.json"
    with _proxy(wiki, seed=14) as proxy:
        # reading takes few requests (500 pages each): meet every kind while reading
        proxy.plan(
            *[kind for pair in zip(KINDS, [None] * len(KINDS), strict=True) for kind in pair]
        )
        proxy.plan_on("edit", "reset_after", "slow", "truncated")
        result = _run(wiki, home, proxy.url, "rebuild", "--today", TODAY, "--report", str(report))
    tally = check_edits(wiki, before, expected)
    loaded = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return Outcome(result, expected, tally, list(proxy.events), loaded)


def _assert_survived(outcome: Outcome) -> None:
    """One run, no traceback, exit 0; nothing lost, doubled or partial; every kind met."""
    result = outcome.result
    assert result.exit_code == 0, outcome.describe()
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert outcome.tally.ok, outcome.describe()
    assert outcome.tally.edited == len(outcome.expected), outcome.describe()
    kinds = {event.kind for event in outcome.events}
    assert kinds == set(KINDS), f"kinds met: {sorted(kinds)}\n{outcome.describe()}"
    lost_edit_replies = [
        e for e in outcome.events if e.kind in LOST_REPLY and "action=edit" in e.request
    ]
    assert len(lost_edit_replies) >= 2, outcome.describe()


def test_set_under_faults_loses_nothing(set_run: Outcome) -> None:
    _assert_survived(set_run)
    assert len(set_run.expected) >= 90


def test_set_under_faults_counts_every_edit(set_run: Outcome) -> None:
    assert set_run.report is not None
    counts = collections.Counter(page["status"] for page in set_run.report["pages"])
    assert counts["edited"] == len(set_run.expected), set_run.describe()


def test_import_under_faults_loses_nothing(import_run: Outcome) -> None:
    _assert_survived(import_run)


def test_import_under_faults_counts_every_edit(import_run: Outcome) -> None:
    assert import_run.report is not None
    counts = collections.Counter(page["status"] for page in import_run.report["pages"])
    assert counts["edited"] == len(import_run.expected), import_run.describe()


def test_pull_under_faults_brings_every_page(push_run: Outcome) -> None:
    pulled = push_run.extra["pull"]
    assert pulled.exit_code == 0, pulled.output
    assert "Traceback" not in pulled.output
    state = push_run.extra["status_after_pull"]
    assert set(state) == {"unchanged"} and state["unchanged"] >= 100, state
    assert push_run.extra["pull_events"], "the pull met no fault"


def test_push_under_faults_loses_nothing(push_run: Outcome) -> None:
    _assert_survived(push_run)


def test_push_under_faults_counts_and_records_every_save(push_run: Outcome) -> None:
    assert f"{len(push_run.expected)} saved" in push_run.result.output, push_run.describe()
    state = push_run.extra["status_after_push"]
    assert set(state) == {"unchanged"}, state


def test_rebuild_under_faults_loses_nothing(rebuild_run: Outcome) -> None:
    _assert_survived(rebuild_run)


def test_rebuild_under_faults_counts_every_edit(rebuild_run: Outcome) -> None:
    assert rebuild_run.report is not None
    statuses = [job["status"] for job in rebuild_run.report["jobs"]]
    assert statuses.count("edited") == len(rebuild_run.expected), rebuild_run.describe()


# -- a fault that outlasts max_wait ------------------------------------------------------


def test_set_stopped_by_a_lasting_fault_reports_what_was_done(
    fault_wiki: TestWiki, fault_home: Path
) -> None:
    wiki, home = fault_wiki, fault_home
    wiki.restore(SEEDED)
    report = home / "stopped-set.json"
    titles = _event_titles(wiki)
    before = latest_revids(wiki, [*titles, *_webinars(wiki)])
    with FaultProxy(wiki.port, seed=5, rate=0.0) as proxy:
        proxy.plan_on("edit", *[None] * 10, *["http503"] * 4)
        start = time.monotonic()
        result = _run(
            wiki,
            home,
            proxy.url,
            "set",
            "event",
            "Theme=Arrêt",
            "--report",
            str(report),
            WIKISYNC_RETRIES="3",
            WIKISYNC_MAX_WAIT="5",
        )
        elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    errors = [line for line in lines if line.startswith("wikisync:")]
    assert len(errors) == 2, result.output
    assert "HTTP 503; gave up after 3 retries" in errors[0]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert len(data["pages"]) >= len(titles)
    statuses = collections.Counter(page["status"] for page in data["pages"])
    assert statuses["edited"] == 10 and set(statuses) <= {"edited", "skipped", "failed"}
    failed = statuses["failed"]
    assert failed > 50
    assert errors[1].startswith(f"wikisync: {failed - 1} pages not tried")
    assert lines[-1].startswith("set: 10 pages edited")  # tests speak English (conftest)
    assert lines[-1].endswith(f", {failed} pages failed")
    assert data["exit_code"] == 1
    every = [page["title"] for page in data["pages"]]
    after = latest_revids(wiki, every)
    changed = sorted(t for t in every if after[t] != before.get(t, after[t]))
    edited = sorted(p["title"] for p in data["pages"] if p["status"] == "edited")
    assert changed == edited and len(edited) == 10
    assert elapsed < 30  # one request's max_wait, not one per remaining page


def test_push_stopped_by_a_lasting_fault_says_what_was_saved_then_resumes(
    fault_wiki: TestWiki, fault_home: Path
) -> None:
    wiki, home = fault_wiki, fault_home
    wiki.restore(SEEDED)
    mirror = home / "stopped-mirror"
    titles = _event_titles(wiki)[:20]
    with FaultProxy(wiki.port, seed=6, rate=0.0) as proxy:
        pulled = _run(wiki, home, proxy.url, "pull", "Evénement", str(mirror))
        assert pulled.exit_code == 0, pulled.output
        entries = open_mirror(mirror).entries()
        for title in titles:
            path = mirror / entries[title].file
            path.write_text(path.read_text(encoding="utf-8") + "\nVu.\n", encoding="utf-8")
        before = latest_revids(wiki, titles)
        proxy.plan_on("edit", *[None] * 5, *["reset_before"] * 3)
        result = _run(
            wiki, home, proxy.url, "push", str(mirror), WIKISYNC_RETRIES="2", WIKISYNC_MAX_WAIT="5"
        )
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        lines = result.output.strip().splitlines()
        assert lines[-2] == (
            f"push {mirror}: stopped after 5 pages (5 saved; each recorded in the mirror); "
            "run 'push' again to finish"
        )
        assert lines[-1].startswith("wikisync: error: ")
        assert "connection failed" in lines[-1] and "gave up after 2 retries" in lines[-1]
        middle = latest_revids(wiki, titles)
        assert sum(middle[t] != before[t] for t in titles) == 5
        again = _run(wiki, home, proxy.url, "push", str(mirror))
    assert again.exit_code == 0, again.output
    assert "15 saved" in again.output
    for title in titles:
        ours = [r for r in history(wiki, title) if r["revid"] > before[title]]
        assert len(ours) == 1 and ours[0]["text"].endswith("Vu."), title


def test_rebuild_stopped_by_a_lasting_fault_writes_its_report(
    fault_wiki: TestWiki, fault_home: Path
) -> None:
    wiki, home = fault_wiki, fault_home
    wiki.restore(SEEDED)
    report = home / "stopped-rebuild.json"
    pages = ["Evénements", "Acteurs", "Communs"]
    before = latest_revids(wiki, pages)
    with FaultProxy(wiki.port, seed=7, rate=0.0) as proxy:
        proxy.plan_on("edit", None, *["http503"] * 3)
        result = _run(
            wiki,
            home,
            proxy.url,
            "rebuild",
            "--today",
            TODAY,
            "--report",
            str(report),
            WIKISYNC_RETRIES="2",
            WIKISYNC_MAX_WAIT="5",
        )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    statuses = [job["status"] for job in data["jobs"]]
    assert statuses[0] == "edited" and set(statuses[1:]) == {"failed"}, statuses
    assert "HTTP 503; gave up after 2 retries" in data["jobs"][1]["message"]
    assert all("stopped answering earlier" in job["message"] for job in data["jobs"][2:])
    after = latest_revids(wiki, pages)
    assert sum(after[p] != before[p] for p in pages) == 1
