"""Jobs that publish their records' changes, on a real MediaWiki: an Atom feed (read back
by feedparser) and webhooks (a receiver on 127.0.0.1): payload, routing by type, retries,
a failing webhook that never stops the job."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import feedparser
import mwclient
import pytest
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from tests.webhookreceiver import WebhookReceiver
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.publish import open_target
from wikisync.ports.outcome import Outcome
from wikisync.sources import open_source
from wikisync.webhook import RetryPolicy

FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=0.05, timeout=5.0)
SECRET_PATH = "/hooks/s3cr3tt0k3n0123456789abcdef"


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _event(place: str) -> str:
    return f"{{{{Event|startDate=2026-07-03|place={place}}}}}\n[[Catégorie:Evénement]]"


def _actor(cities: str) -> str:
    return f"{{{{Acteur|name=Zed|villes d'implantation={cities}}}}}\n[[Catégorie:Acteur]]"


def _config(config_file: Path, tmp_path: Path, jobs: str) -> Path:
    path = tmp_path / "publish.toml"
    path.write_text(config_file.read_text(encoding="utf-8") + "\n" + jobs, encoding="utf-8")
    return path


def _invoke(wiki: TestWiki, config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _feed(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def seeded(wiki: TestWiki) -> mwclient.Site:
    site = _admin(wiki)
    site.pages["Atelier A"].edit(_event("Paris"), summary="avant")
    site.pages["Atelier B"].edit(_event("Nantes"), summary="avant")
    site.pages["Acteur Z"].edit(_actor("Lille"), summary="avant")
    return site


def test_feed_job_publishes_changes_as_atom(
    wiki: TestWiki, config_file: Path, tmp_path: Path, seeded: mwclient.Site
) -> None:
    feed = tmp_path / "events.atom"
    config = _config(
        config_file, tmp_path, f'[jobs.feed]\ntype = "event"\nfile = "{feed}"\nentries = 2\n'
    )
    first = _invoke(wiki, config, "rebuild", "feed", "--report", str(tmp_path / "r1.json"))
    assert first.exit_code == 0, first.output
    empty = _feed(feed)
    assert empty.entries == []  # the first run keeps the state; nothing to compare yet
    assert empty.feed.id.startswith("urn:uuid:")
    seeded.pages["Atelier A"].edit(_event("Lyon"), summary="lieu")
    seeded.pages["Atelier C"].edit(_event("Rennes"), summary="nouveau")
    seeded.pages["Atelier B"].delete(reason="doublon")
    second = _invoke(wiki, config, "rebuild", "feed", "--report", str(tmp_path / "r2.json"))
    assert second.exit_code == 0, second.output
    entries = {entry.title: entry for entry in _feed(feed).entries}
    assert len(entries) == 2  # entries = 2: the newest two of three
    report = json.loads((tmp_path / "r2.json").read_text(encoding="utf-8"))
    assert report["jobs"][0]["changes"] == 3
    assert report["jobs"][0]["status"] == "written"
    seeded.pages["Atelier A"].edit(_event("Nice"), summary="lieu")
    _invoke(wiki, config, "rebuild", "feed")
    # the feed keeps both changes of Atelier A (entries = 2): the one just made among them
    changed = [e for e in _feed(feed).entries if e.title == "[event] Atelier A (changed)"]
    assert "place: Lyon → Nice" in [entry.content[0].value for entry in changed]
    assert all(entry.link.endswith("Atelier_A") for entry in changed)
    # nothing changed: the file is not written again
    stamp = os.stat(feed).st_mtime_ns
    data = feed.read_bytes()
    again = _invoke(wiki, config, "rebuild", "feed", "--report", str(tmp_path / "r3.json"))
    assert again.exit_code == 0, again.output
    assert feed.read_bytes() == data
    assert os.stat(feed).st_mtime_ns == stamp
    assert json.loads((tmp_path / "r3.json").read_text())["jobs"][0]["status"] == "unchanged"


def test_webhook_gets_one_post_per_batch_routed_by_type(
    wiki: TestWiki, config_file: Path, tmp_path: Path, seeded: mwclient.Site
) -> None:
    with WebhookReceiver() as events_hook, WebhookReceiver() as others_hook:
        config = _config(
            config_file,
            tmp_path,
            "[jobs.chat]\n"
            'type = ["event", "actor"]\n'
            f'file = "{tmp_path / "all.jsonl"}"\n'
            f'notify = {{ event = "{events_hook.url(SECRET_PATH)}", '
            f'"*" = "{others_hook.url()}" }}\n',
        )
        assert _invoke(wiki, config, "rebuild", "chat").exit_code == 0
        assert events_hook.received == others_hook.received == []
        seeded.pages["Atelier A"].edit(_event("Lyon"), summary="lieu")
        seeded.pages["Atelier B"].edit(_event("Brest"), summary="lieu")
        seeded.pages["Acteur Z"].edit(_actor("Lille, Roubaix"), summary="villes")
        result = _invoke(wiki, config, "rebuild", "chat")
        assert result.exit_code == 0, result.output
        assert len(events_hook.received) == 1  # one POST for the batch
        assert events_hook.received[0].path == SECRET_PATH
        assert events_hook.texts()[0].splitlines() == [
            "**wikisync** job chat: 2 records changed",
            "[event] Atelier A (changed)",
            "  place: Paris → Lyon",
            "[event] Atelier B (changed)",
            "  place: Nantes → Brest",
        ]
        assert others_hook.texts() == [
            "**wikisync** job chat: 1 record changed\n"
            "[actor] Acteur Z (changed)\n"
            "  villes d'implantation: Lille → Lille, Roubaix"
        ]
        # nothing changed: nothing posted
        assert _invoke(wiki, config, "rebuild", "chat").exit_code == 0
        assert len(events_hook.received) == 1
        assert len(others_hook.received) == 1


def test_webhook_is_retried_and_a_failing_one_never_stops_the_job(
    wiki: TestWiki,
    config_file: Path,
    tmp_path: Path,
    seeded: mwclient.Site,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WIKISYNC_PASSWORD", wiki.bot_password)
    with WebhookReceiver(statuses=[503, 200]) as flaky, WebhookReceiver(statuses=[500]) as down:
        config_path = _config(
            config_file,
            tmp_path,
            f'[jobs.flaky]\ntype = "event"\npage = "Tableau des ateliers"\n'
            f'page_template = "events"\ncreate = true\nnotify = "{flaky.url()}"\n\n'
            f'[jobs.down]\ntype = "event"\nfile = "{tmp_path / "events.json"}"\n'
            f'notify = "{down.url(SECRET_PATH)}"\n',
        )
        config = load_config(config_path)
        with open_source(config) as source:
            rebuild_jobs(config, source, open_target(source), names=["flaky", "down"])
        seeded.pages["Atelier A"].edit(_event("Lyon"), summary="lieu")
        with open_source(config) as source:
            report = rebuild_jobs(
                config, source, open_target(source), names=["flaky", "down"], notify_policy=FAST
            )
    by_job = {job.job: job for job in report.jobs}
    assert by_job["flaky"].status == Outcome.EDITED  # the index page was saved
    assert [(d.sent, d.attempts) for d in by_job["flaky"].notified] == [(True, 2)]
    assert len(flaky.received) == 2
    assert by_job["down"].status == Outcome.WRITTEN  # the file was written all the same
    assert [(d.sent, d.attempts, d.status) for d in by_job["down"].notified] == [(False, 3, 500)]
    assert len(down.received) == 3
    assert "s3cr3t" not in json.dumps(report.to_dict())


def test_a_slow_webhook_does_not_hold_up_the_next_jobs(
    wiki: TestWiki,
    config_file: Path,
    tmp_path: Path,
    seeded: mwclient.Site,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WIKISYNC_PASSWORD", wiki.bot_password)
    with WebhookReceiver(delay=2.0) as slow:
        config_path = _config(
            config_file,
            tmp_path,
            f'[jobs.chat]\ntype = "event"\nfile = "{tmp_path / "e.json"}"\n'
            f'notify = "{slow.url()}"\n\n'
            '[jobs.board]\ntype = "event"\npage = "Tableau des ateliers"\n'
            'page_template = "events"\ncreate = true\n',
        )
        config = load_config(config_path)
        with open_source(config) as source:
            rebuild_jobs(config, source, open_target(source), names=["chat", "board"])
        seeded.pages["Atelier A"].edit(_event("Lyon"), summary="lieu")
        done: dict[str, float] = {}
        with open_source(config) as source:
            report = rebuild_jobs(
                config,
                source,
                open_target(source),
                names=["chat", "board"],
                on_job=lambda job: done.setdefault(job.job, time.monotonic()),
                notify_policy=FAST,
            )
    by_job = {job.job: job for job in report.jobs}
    assert by_job["board"].status == Outcome.EDITED
    assert [d.sent for d in by_job["chat"].notified] == [True]  # waited for at the end
    # the page job was done while the slow webhook was still answering
    assert done["board"] < slow.answered[0]


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_rebuild_says_a_refused_webhook_and_exits_0_without_its_secret(
    wiki: TestWiki, config_file: Path, tmp_path: Path, seeded: mwclient.Site
) -> None:
    with WebhookReceiver(statuses=[404]) as gone:
        config = _config(
            config_file,
            tmp_path,
            f'[jobs.gone]\ntype = "event"\nfile = "{tmp_path / "e.json"}"\n'
            f'notify = "{gone.url(SECRET_PATH)}"\n',
        )
        assert _invoke(wiki, config, "rebuild", "gone").exit_code == 0
        seeded.pages["Atelier A"].edit(_event("Lyon"), summary="lieu")
        result = _invoke(wiki, config, "-q", "rebuild", "gone")
    assert result.exit_code == 0, result.output
    # a French wiki: the run speaks French
    assert "le webhook http://127.0.0.1:" in result.stderr
    assert "a échoué après 1 essai (HTTP 404)" in result.stderr
    assert "s3cr3t" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_publishing_without_a_cache_says_why(
    wiki: TestWiki, config_file: Path, tmp_path: Path, seeded: mwclient.Site
) -> None:
    with WebhookReceiver() as hook:
        config = _config(
            config_file,
            tmp_path,
            f'[jobs.chat]\ntype = "event"\nfile = "{tmp_path / "e.json"}"\n'
            f'notify = "{hook.url()}"\n',
        )
        result = CliRunner().invoke(
            cli,
            ["-c", str(config), "rebuild", "chat"],
            env={"WIKISYNC_PASSWORD": wiki.bot_password, "WIKISYNC_USE_CACHE": "false"},
        )
    assert result.exit_code == 0, result.output
    assert "modifications non publiées" in result.stderr  # a French wiki: French
    assert hook.received == []
