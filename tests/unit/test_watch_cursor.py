"""The watcher's cursor and job map, pure: the second boundary, late rows, saving, the map."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikisync.core.errors import ConfigError
from wikisync.core.pages import FRENCH
from wikisync.core.schema import load_record_types
from wikisync.ops.jobs.config import Job
from wikisync.ops.watch.cursor import (
    OVERLAP,
    Cursor,
    epoch_of,
    load_cursor,
    save_cursor,
    wiki_time,
)
from wikisync.ops.watch.jobmap import build_job_map
from wikisync.ports.recent import Change

SECOND = "2026-12-06T15:04:05Z"


def _row(
    rcid: int, when: str = SECOND, title: str = "P", kind: str = "edit", **values: object
) -> Change:
    return Change(rcid=rcid, timestamp=when, kind=kind, title=title, **values)  # type: ignore[arg-type]


def test_cursor_second_boundary_handles_each_row_once() -> None:
    cursor = Cursor(timestamp="2026-12-06T15:00:00Z")
    first = [_row(10), _row(11)]  # two rows of one second, read by a poll
    assert cursor.fresh(first) == first
    cursor.advance(first)
    # the next poll starts within the overlap, so it reads them again, with later rows of
    # the same second and a row written late with an earlier time (a job queue's)
    second = [_row(9, "2026-12-06T15:04:00Z"), _row(10), _row(11), _row(12), _row(13)]
    fresh = cursor.fresh(second)
    assert [row.rcid for row in fresh] == [9, 12, 13]
    cursor.advance(fresh)
    assert (cursor.timestamp, cursor.rcid) == (SECOND, 13)
    assert cursor.fresh(second) == []


def test_cursor_since_starts_the_overlap_before_it() -> None:
    cursor = Cursor(timestamp=SECOND)
    assert cursor.since() == wiki_time(epoch_of(SECOND) - OVERLAP)
    assert cursor.since() < SECOND


def test_cursor_forgets_ids_past_the_overlap() -> None:
    cursor = Cursor(timestamp="2026-12-06T10:00:00Z")
    cursor.advance([_row(1, "2026-12-06T10:00:00Z")])
    cursor.advance([_row(2, "2026-12-06T12:00:00Z")])
    assert set(cursor.seen) == {2}


def test_cursor_survives_a_save_and_a_load(tmp_path: Path) -> None:
    cursor = Cursor(timestamp=SECOND, rcid=4, members={"P": ["commun"]})
    cursor.advance([_row(4)])
    cursor.owe(["communs"], 100.0)
    cursor.owe(["communs"], 200.0)  # owed since 100: stays due at 100
    path = tmp_path / "cursor.json"
    save_cursor(path, cursor)
    loaded = load_cursor(path)
    assert loaded is not None
    assert loaded.to_dict() == cursor.to_dict()
    assert loaded.pending == {"communs": 100.0}


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '{"timestamp": "hier"}', '{"timestamp": "2026-12-06T15:04:05Z", "pending": 3}'],
)
def test_load_cursor_refuses_what_is_not_a_cursor(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cursor.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="not a cursor wikisync wrote"):
        load_cursor(path)


def test_load_cursor_none_when_absent(tmp_path: Path) -> None:
    assert load_cursor(tmp_path / "none.json") is None


def _map() -> object:
    types = load_record_types(
        {
            "commun": {"categories": ["Commun"], "templates": ["Ressource"], "fields": {}},
            "event": {"categories": ["Evénement"], "templates": ["Event"], "fields": {}},
        }
    )
    jobs = [
        Job("communs", "commun", "Communs", "communs.wiki.j2"),
        Job("events", "event", "Evénements", "events.wiki.j2"),
        Job("agenda", "event", "", "", file="agenda.ics", format="ics"),
    ]
    return build_job_map(jobs, types, FRENCH, stop_page="Utilisateur:WikiBot/stop")


def test_job_map_calls_only_the_jobs_of_the_page_types() -> None:
    job_map = _map()
    now = {"P": frozenset({"Evénement"}), "Q": frozenset({"Autre"})}
    found = job_map.affected([_row(1, title="P"), _row(2, title="Q")], {}, now)  # type: ignore[attr-defined]
    assert found.jobs == {"events", "agenda"}


def test_job_map_a_page_that_leaves_calls_its_old_jobs() -> None:
    job_map = _map()
    move = _row(1, title="P", kind="log", log_type="move", new_title="R")
    found = job_map.affected([move], {"P": frozenset({"commun"})}, {"R": frozenset()})  # type: ignore[attr-defined]
    assert found.jobs == {"communs"}


def test_job_map_no_self_loop_and_templates_call_everything() -> None:
    job_map = _map()
    own = [_row(1, title="Communs"), _row(2, title="Utilisateur:WikiBot/stop", ns=2)]
    found = job_map.affected(own, {}, {})  # type: ignore[attr-defined]
    assert (found.jobs, found.ignored) == (set(), 2)
    template = job_map.affected([_row(3, title="Modèle:Marque", ns=10)], {}, {})  # type: ignore[attr-defined]
    assert template.jobs == template.later == {"communs", "events", "agenda"}
    categorize = _row(4, title="Catégorie:Commun", ns=14, kind="categorize")
    assert job_map.affected([categorize], {}, {}).jobs == {"communs"}  # type: ignore[attr-defined]
