"""The SQLite revision cache on its own (files in tmp_path)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from wikisync.core.errors import UnsafePathError
from wikisync.core.pages import PageText
from wikisync.wiki.cache import RevisionCache

SITE = "http://127.0.0.1:1/api.php"


def _page(pageid: int, revid: int, text: str = "x") -> PageText:
    return PageText(f"Page {pageid}", text, revid, "2024-01-01T00:00:00Z", 0, pageid)


def test_revision_cache_round_trip(tmp_path: Path) -> None:
    cache = RevisionCache(tmp_path / "c.sqlite")
    cache.put_many(SITE, [_page(1, 10, "é"), _page(2, 20)])
    cache.put_many(SITE, [_page(1, 11, "è")])
    found = cache.get_many(SITE, [1, 2, 3])
    assert found == {1: _page(1, 11, "è"), 2: _page(2, 20)}
    assert cache.get_many("http://other/api.php", [1]) == {}
    cache.forget(SITE, [2])
    assert cache.stats(SITE) == {"pages": 1, "categories": 0}


def test_revision_cache_remembers_categories(tmp_path: Path) -> None:
    cache = RevisionCache(tmp_path / "c.sqlite")
    assert not cache.category_known(SITE, "Catégorie:Evénement")
    cache.mark_categories(SITE, ["Catégorie:Evénement"])
    cache.close()
    assert RevisionCache(tmp_path / "c.sqlite").category_known(SITE, "Catégorie:Evénement")


def test_revision_cache_many_ids_beyond_sqlite_parameter_limit(tmp_path: Path) -> None:
    cache = RevisionCache(tmp_path / "c.sqlite")
    cache.put_many(SITE, [_page(i, i) for i in range(1, 2501)])
    assert len(cache.get_many(SITE, range(1, 2501))) == 2500


def test_revision_cache_rebuilds_its_own_corrupt_file_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.sqlite"
    RevisionCache(path).close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))  # wikisync's header, garbage after
    with caplog.at_level(logging.WARNING, logger="wikisync"):
        cache = RevisionCache(path)
    assert cache.stats(SITE) == {"pages": 0, "categories": 0}
    assert any("unusable" in r.getMessage() for r in caplog.records)
    assert list(tmp_path.glob("c.sqlite.broken-*"))


def test_revision_cache_refuses_a_file_it_did_not_make(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UnsafePathError, match="is not an SQLite database"):
        RevisionCache(path)
    assert path.read_bytes() == b"this is not a database" * 100
    assert [p.name for p in tmp_path.iterdir()] == ["c.sqlite"]


def test_revision_cache_never_trusts_nor_replaces_a_foreign_database(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE pages (site, pageid, title, ns, revid, timestamp, wikitext)")
        db.execute("INSERT INTO pages VALUES (?, 1, 'Faux', 0, 999, '', 'piège')", (SITE,))
    db.close()
    before = path.read_bytes()
    with pytest.raises(UnsafePathError, match="another program's SQLite database"):
        RevisionCache(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.sqlite"]
