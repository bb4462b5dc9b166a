"""Publishing record changes: the webhook poster (a receiver on 127.0.0.1), the Atom feed
(read back by feedparser, an independent parser) and the job keys that ask for them."""

from __future__ import annotations

import logging
import shutil
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import feedparser
import pytest
from click.testing import CliRunner

from tests.webhookreceiver import WebhookReceiver
from wikisync.cli import cli
from wikisync.config import redact
from wikisync.core.errors import ConfigError
from wikisync.core.fields.values import FieldValue
from wikisync.core.record_changes import FieldChange, RecordChange
from wikisync.core.records import Record, RecordSet
from wikisync.core.schema import load_record_types
from wikisync.ops.jobs.changes import MAX_TEXT, prepare_changes, webhook_text
from wikisync.ops.jobs.config import Job, load_jobs
from wikisync.ops.jobs.feed import FeedEntry, feed_entries, merge_entries, render_feed
from wikisync.ports.source import Source
from wikisync.webhook import RetryPolicy, post_json, webhook_label

FAST = RetryPolicy(attempts=4, backoff=0.01, max_wait=0.05, timeout=5.0)


def _change(title: str = "Atelier", old: str = "Paris", new: str = "Lyon") -> RecordChange:
    return RecordChange(
        "event",
        title,
        "changed",
        (FieldChange("place", old, new),),
        old_revid=1,
        new_revid=2,
        timestamp="2026-12-06T15:04:05Z",
    )


# -- the webhook poster --------------------------------------------------------------------


def test_post_json_sends_one_json_post() -> None:
    with WebhookReceiver() as receiver:
        delivery = post_json(receiver.url(), {"text": "place: Paris → Lyon"}, policy=FAST)
    assert (delivery.sent, delivery.attempts, delivery.status) == (True, 1, 200)
    assert receiver.texts() == ["place: Paris → Lyon"]
    assert receiver.received[0].headers["Content-Type"].startswith("application/json")


def test_post_json_retries_server_errors_then_succeeds() -> None:
    waits: list[float] = []
    with WebhookReceiver(statuses=[503, 429, 200]) as receiver:
        delivery = post_json(receiver.url(), {"text": "x"}, policy=FAST, sleep=waits.append)
    assert (delivery.sent, delivery.attempts) == (True, 3)
    assert len(receiver.received) == 3
    assert waits == [0.01, 0.02]  # backoff doubles


def test_post_json_honours_retry_after_within_the_cap() -> None:
    waits: list[float] = []
    with WebhookReceiver(statuses=[429, 200], retry_after="3600") as receiver:
        delivery = post_json(receiver.url(), {"text": "x"}, policy=FAST, sleep=waits.append)
    assert delivery.sent
    assert waits == [FAST.max_wait]


def test_post_json_does_not_retry_a_refusal() -> None:
    with WebhookReceiver(statuses=[404]) as receiver:
        delivery = post_json(receiver.url(), {"text": "x"}, policy=FAST, sleep=lambda _: None)
    assert (delivery.sent, delivery.attempts, delivery.status) == (False, 1, 404)
    assert len(receiver.received) == 1


def test_post_json_gives_up_after_its_attempts_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hooks/s3cr3tt0k3n0123456789abcdef"
    with caplog.at_level(logging.DEBUG):
        delivery = post_json(url, {"text": "x"}, policy=FAST, sleep=lambda _: None)
    assert (delivery.sent, delivery.attempts, delivery.status) == (False, 4, 0)
    assert delivery.message
    assert "s3cr3t" not in caplog.text
    assert "s3cr3t" not in str(delivery.to_dict())


def test_webhook_label_hides_the_secret_part() -> None:
    assert webhook_label("https://chat.example.org/hooks/abc123") == "https://chat.example.org/…"
    assert webhook_label("http://127.0.0.1:8065/hooks/x?token=y") == "http://127.0.0.1:8065/…"


def test_a_job_webhook_is_masked_in_every_message() -> None:
    secret = "services/T0000/B0000/XXXXXXXXXXXXXXXXXXXX"
    load_jobs({"j": {"type": "event", "file": "x.json", "notify": f"https://h.example/{secret}"}})
    assert secret not in redact(f"cannot reach https://h.example/{secret}: refused")
    assert "XXXXXXXXXXXXXXXXXXXX" not in redact("token XXXXXXXXXXXXXXXXXXXX seen")
    # a short path is no token: the words of other messages stay as they are
    load_jobs({"k": {"type": "event", "file": "x.json", "notify": "https://h.example/events"}})
    assert redact("jobs.events.type") == "jobs.events.type"


def test_webhook_text_is_what_mattermost_and_slack_take() -> None:
    (job,) = load_jobs(
        {"events": {"type": "event", "file": "x.json", "notify": "https://h.example/a"}}
    ).values()
    text = webhook_text(job, [_change()])
    assert text.splitlines() == [
        "**wikisync** job events: 1 record changed",
        "[event] Atelier (changed)",
        "  place: Paris → Lyon",
    ]
    many = webhook_text(job, [_change(f"Atelier {n}", "x" * 50, "y" * 50) for n in range(500)])
    assert len(many) <= MAX_TEXT
    assert many.splitlines()[-1].startswith("… and ")


def test_webhook_text_pings_no_one() -> None:
    (job,) = load_jobs(
        {"events": {"type": "event", "file": "x.json", "notify": "https://h.example/a"}}
    ).values()
    text = webhook_text(job, [_change("@channel <!here>", "@all", "<http://x|clic> & co")])
    body = "\n".join(text.splitlines()[1:])
    for ping in ("@channel", "@all", "<!here>", "<http://x|clic>"):
        assert ping not in body
    assert "&lt;!here&gt;" in body and "&amp; co" in body


# -- the Atom feed ---------------------------------------------------------------------------


def _parse(text: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(text.encode("utf-8"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_render_feed_is_valid_atom_for_an_independent_parser() -> None:
    entries = feed_entries(
        "feed",
        [_change(), _change("Autre <b>&amp;</b> \x01", "a < b", "c & d")],
        when="2026-12-06T16:00:00Z",
        page_url=lambda title: f"http://wiki.example/index.php?title={title}&x=1",
    )
    text = render_feed(entries, feed_id="urn:wikisync:test", title="Events & co", link="http://w/")
    parsed = _parse(text)
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Events & co"
    assert [entry.title for entry in parsed.entries] == [
        "[event] Atelier (changed)",
        "[event] Autre <b>&amp;</b>  (changed)",
    ]
    assert parsed.entries[1].content[0].value == "place: a < b → c & d"
    assert parsed.entries[0].link == "http://wiki.example/index.php?title=Atelier&x=1"
    assert parsed.entries[0].updated == "2026-12-06T15:04:05Z"
    assert len({entry.id for entry in parsed.entries}) == 2


def test_render_feed_without_entries_is_valid_and_stable() -> None:
    first = render_feed([], feed_id="urn:x", title="t")
    assert _parse(first).entries == []
    assert render_feed([], feed_id="urn:x", title="t") == first


def test_merge_entries_keeps_the_newest_each_once() -> None:
    old = [FeedEntry(f"id{n}", "t", f"2026-12-0{n}T00:00:00Z", "c") for n in range(1, 6)]
    new = [FeedEntry("id9", "t", "2026-12-09T00:00:00Z", "c"), old[4]]
    merged = merge_entries(new, old, 3)
    assert [entry.id for entry in merged] == ["id9", "id5", "id4"]


def test_feed_entry_ids_are_the_same_for_the_same_change() -> None:
    one = feed_entries("feed", [_change()], when="2026-12-06T16:00:00Z")
    two = feed_entries("feed", [_change()], when="2026-12-07T16:00:00Z")
    other = feed_entries("feed", [_change(new="Nice")], when="2026-12-06T16:00:00Z")
    assert one[0].id == two[0].id != other[0].id


# -- the job keys --------------------------------------------------------------------------


def test_load_jobs_reads_feed_and_notify(tmp_path: Path) -> None:
    jobs = load_jobs(
        {
            "feed": {"type": "event", "file": "events.atom", "entries": 5},
            "xml": {"type": "event", "file": "events.xml"},
            "chat": {
                "type": ["event", "actor"],
                "file": "all.jsonl",
                "notify": {"event": "https://a.example/1", "*": "https://b.example/2"},
            },
        },
        base_dir=tmp_path,
    )
    assert (jobs["feed"].format, jobs["feed"].entries, jobs["feed"].publishes) == ("atom", 5, True)
    assert jobs["xml"].format == "atom"
    assert jobs["chat"].notify == (("event", "https://a.example/1"), ("*", "https://b.example/2"))
    assert jobs["chat"].publishes


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ({"notify": "mailto:x@example.org"}, "jobs.j.notify: should be a webhook's http(s) URL"),
        ({"notify": 3}, "jobs.j.notify: should be a webhook URL"),
        ({"notify": {}}, "jobs.j.notify: should be a webhook URL"),
        ({"notify": {"actor": "https://a.example/"}}, "jobs.j.notify.actor: the job lists no type"),
        ({"notify": {"event": 5}}, "jobs.j.notify.event: should be a webhook's http(s) URL"),
        ({"entries": 5}, 'jobs.j.entries: only a feed (format = "atom") keeps entries'),
        ({"file": "f.atom", "entries": 0}, "jobs.j.entries: should be a whole number"),
        ({"file": "f.atom", "entries": True}, "jobs.j.entries: should be a whole number"),
    ],
)
def test_load_jobs_refuses_bad_publishing_keys(table: dict[str, object], where: str) -> None:
    job = {"type": "event", "file": "x.json", **table}
    with pytest.raises(ConfigError) as caught:
        load_jobs({"j": job})
    assert where in str(caught.value)


# -- the job's state ---------------------------------------------------------------------


class _Store:
    """An in-memory memo store (the revision cache's file keeps the same rows)."""

    def __init__(self) -> None:
        self.slots: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {}
        self.writes = 0

    def get_records(self, site: str, record_type: str) -> dict[str, tuple[str, str, str]]:
        return dict(self.slots.get((site, record_type), {}))

    def put_records(
        self,
        site: str,
        record_type: str,
        entries: Iterable[tuple[str, str, str, str]],
        *,
        forget: Iterable[str] = (),
    ) -> None:
        slot = self.slots.setdefault((site, record_type), {})
        for title in forget:
            slot.pop(title, None)
        for title, fingerprint, digest, data in entries:
            slot[title] = (fingerprint, digest, data)
        self.writes += 1


class _Kept:
    """A source whose only part the publishing step asks for: its memo store."""

    def __init__(self, store: _Store) -> None:
        self.store = store

    def memo_store(self) -> tuple[_Store, str]:
        return self.store, "http://wiki.example/api.php"


_TYPES = load_record_types(
    {
        "event": {"templates": ["Event"], "fields": {"place": "text", "Tags": "list"}},
        "actor": {"templates": ["Acteur"], "fields": {"name": "text"}},
    }
)


def _set(type_name: str, *records: tuple[str, dict[str, FieldValue]]) -> RecordSet:
    return RecordSet(
        type_name,
        tuple(Record(title, type_name, 1, fields) for title, fields in records),
        page_count=len(records),
    )


def _prepare(job: Job, store: _Store, *sets: RecordSet, dry_run: bool = False) -> list[str]:
    source = cast(Source, _Kept(store))
    pending = prepare_changes(job, list(sets), _TYPES, source, dry_run=dry_run)
    pending.keep_state()
    return [change.text() for change in pending.publication.changes]


def test_job_state_first_run_keeps_then_each_run_tells_what_changed() -> None:
    (job,) = load_jobs(
        {"j": {"type": ["event", "actor"], "file": "x.json", "notify": "https://h.example/a"}}
    ).values()
    store = _Store()
    assert _prepare(job, store, _set("event", ("A", {"place": "Paris"})), _set("actor")) == []
    changes = _prepare(
        job,
        store,
        _set("event", ("A", {"place": "Lyon"}), ("B", {"Tags": ("x", "y")})),
        _set("actor", ("Z", {"name": "Zed"})),
    )
    assert changes == [
        "A (changed)\n  place: Paris → Lyon",
        "B (created)\n  Tags: ∅ → x, y",
        "Z (created)\n  name: ∅ → Zed",
    ]
    assert _prepare(job, store, _set("event", ("B", {"Tags": ("x", "y")})), _set("actor")) == [
        "A (deleted)\n  place: Lyon → ∅",
        "Z (deleted)\n  name: Zed → ∅",
    ]
    assert _prepare(job, store, _set("event", ("B", {"Tags": ("x", "y")})), _set("actor")) == []


def test_job_state_dry_run_keeps_nothing_and_posts_nothing() -> None:
    (job,) = load_jobs(
        {"j": {"type": "event", "file": "x.json", "notify": "https://h.example/a"}}
    ).values()
    store = _Store()
    _prepare(job, store, _set("event", ("A", {"place": "Paris"})))
    writes = store.writes
    source = cast(Source, _Kept(store))
    pending = prepare_changes(
        job, [_set("event", ("A", {"place": "Lyon"}))], _TYPES, source, dry_run=True
    )
    assert [c.text() for c in pending.publication.changes] == ["A (changed)\n  place: Paris → Lyon"]
    assert pending.posts == ()
    pending.keep_state()
    assert store.writes == writes
    # the next real run still sees the change
    assert _prepare(job, store, _set("event", ("A", {"place": "Lyon"}))) == [
        "A (changed)\n  place: Paris → Lyon"
    ]


def test_job_state_routes_each_type_to_its_webhook() -> None:
    (job,) = load_jobs(
        {
            "j": {
                "type": ["event", "actor"],
                "file": "x.json",
                "notify": {"event": "https://h.example/events"},
            }
        }
    ).values()
    store = _Store()
    _prepare(job, store, _set("event"), _set("actor"))
    source = cast(Source, _Kept(store))
    pending = prepare_changes(
        job,
        [_set("event", ("A", {"place": "Lyon"})), _set("actor", ("Z", {"name": "Zed"}))],
        _TYPES,
        source,
    )
    assert [url for url, _payload in pending.posts] == ["https://h.example/events"]
    assert "Zed" not in pending.posts[0][1]["text"]  # no route for actors: not posted


def test_job_state_of_a_changed_schema_starts_afresh() -> None:
    (job,) = load_jobs({"j": {"type": "event", "file": "x.json", "notify": "https://h/a"}}).values()
    store = _Store()
    _prepare(job, store, _set("event", ("A", {"place": "Paris"})))
    other = load_record_types({"event": {"templates": ["Event"], "fields": {"place": "list"}}})
    source = cast(Source, _Kept(store))
    pending = prepare_changes(job, [_set("event", ("A", {"place": ("Lyon",)}))], other, source)
    assert pending.publication.changes == ()
    assert pending.publication.first


def test_a_feed_job_on_a_folder_fails_with_one_reason(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "fabmob"
    shutil.copytree(example, tmp_path / "fabmob")
    config = tmp_path / "fabmob" / "wikisync.toml"
    with config.open("a", encoding="utf-8") as file:
        file.write('\n[jobs.feed]\ntype = "event"\nfile = "events.atom"\n')
    rebuilt = CliRunner().invoke(cli, ["-c", str(config), "rebuild", "feed"])
    assert rebuilt.exit_code == 1
    assert "this source keeps no state between runs" in rebuilt.stderr
    assert not (tmp_path / "fabmob" / "events.atom").exists()
    rendered = CliRunner().invoke(cli, ["-c", str(config), "render", "feed"])
    assert rendered.exit_code == 1
    assert "Traceback" not in rendered.output
    assert "a feed of changes (format atom) is made by running the job" in rendered.stderr
