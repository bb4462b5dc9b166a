"""Folding a wiki's recent-changes rows into each page's state then (wikisync.wiki.changed_pages).

The rows are the shapes MediaWiki 1.39 writes (read from the test wiki: an edit, a move
with its null revision, a deletion whose edit rows went with the page, a creation then a
move); the live behaviour is proven in tests/integration/test_changes.py."""

from __future__ import annotations

from typing import Any

from wikisync.wiki.changed_pages import _fold


def _row(kind: str, title: str, pageid: int, rcid: int, **more: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "title": title,
        "pageid": pageid,
        "rcid": rcid,
        "timestamp": f"2026-12-06T15:55:{rcid:02d}Z",
        "revid": more.pop("revid", 0),
        "old_revid": more.pop("old_revid", 0),
        **more,
    }


def _move(title: str, pageid: int, rcid: int, target: str, revid: int) -> dict[str, Any]:
    params = {"target_ns": 0, "target_title": target}
    return _row(
        "log", title, pageid, rcid, revid=revid, logtype="move", logaction="move", logparams=params
    )


def test_fold_follows_a_page_through_its_edits_and_moves() -> None:
    rows = [
        _row("edit", "A", 2, 3, revid=3, old_revid=2),
        _move("A", 2, 4, "B", 4),
        _row("edit", "B", 2, 5, revid=6, old_revid=4),
    ]
    (page,) = _fold(rows)
    assert (page.title, page.old_title, page.old_revid, page.old_known) == ("B", "A", 2, True)
    assert (page.created, page.deleted, page.rcid) == (False, False, 5)


def test_fold_a_move_first_takes_its_null_revision_as_the_old_text() -> None:
    (page,) = _fold([_move("D", 5, 9, "E", 9)])
    assert (page.title, page.old_title, page.old_revid, page.old_known) == ("E", "D", 9, True)


def test_fold_a_creation_then_a_move_is_a_creation() -> None:
    rows = [_row("new", "D", 5, 8, revid=8), _move("D", 5, 9, "E", 9)]
    (page,) = _fold(rows)
    assert (page.title, page.created, page.old_known) == ("E", True, True)


def test_fold_a_deletion_leaves_the_old_state_unknown_unless_a_row_told() -> None:
    deleted = _row("log", "C", 4, 7, logtype="delete", logaction="delete")
    (alone,) = _fold([deleted])
    assert (alone.deleted, alone.old_known) == (True, False)
    (edited,) = _fold([_row("edit", "C", 4, 6, revid=6, old_revid=5), deleted])
    assert (edited.deleted, edited.old_known, edited.old_revid) == (True, True, 5)


def test_fold_a_restore_brings_the_page_back_its_old_state_unknown() -> None:
    rows = [
        _row("log", "C", 4, 7, logtype="delete", logaction="delete"),
        _row("log", "C", 4, 8, logtype="delete", logaction="restore"),
    ]
    (page,) = _fold(rows)
    assert (page.deleted, page.old_known) == (False, False)


def test_fold_keeps_pages_apart_and_skips_hidden_titles() -> None:
    rows = [
        _row("edit", "A", 2, 3, revid=3, old_revid=2),
        _row("edit", "", 9, 4, revid=4, old_revid=1),
        _row("new", "Z", 7, 5, revid=5),
    ]
    assert [page.title for page in _fold(rows)] == ["A", "Z"]
