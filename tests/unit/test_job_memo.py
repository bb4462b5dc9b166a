"""The job memo: its key changes with every input of the job's text, its verdict needs the text."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from wikisync.core.pages import PageText
from wikisync.core.schema import RecordType, load_record_types
from wikisync.ops.jobs.memo import JobMemo, MemoCounts, open_job_memo
from wikisync.presets import load_preset
from wikisync.wiki.cache import RevisionCache

TABLE = tomllib.loads(load_preset("fabmob"))["types"]
TYPES = load_record_types(TABLE)
SITE = "http://127.0.0.1/api.php"
SETTINGS: dict[str, Any] = {"marker": "events", "today": "2025-01-06", "force": False}
PAGES = [
    PageText("Rencontre A", "{{Evénement|Lieu=Nantes}}", 11, pageid=1),
    PageText("Rencontre B", "{{Evénement|Lieu=Brest}}", 12, pageid=2),
    PageText("Rencontre C", "{{Evénement|Lieu=Rennes}}", 13, pageid=3),
]
COUNTS = MemoCounts(3, 3, ("Rencontre B: date manquante",))


@dataclass
class _CachedSource:
    """What the memo asks of a source: a revision cache and the wiki's key in it."""

    cache: RevisionCache
    cache_site: str = SITE


@pytest.fixture
def source(tmp_path: Path) -> Iterator[_CachedSource]:
    cache = RevisionCache(tmp_path / "cache.sqlite")
    yield _CachedSource(cache)
    cache.close()


def _memo(
    source: object,
    pages: Sequence[PageText] = PAGES,
    record_type: RecordType = TYPES["event"],
    settings: dict[str, Any] = SETTINGS,
    job: str = "events",
) -> JobMemo:
    memo = open_job_memo(source, job, "Evénements", [(record_type, pages)], settings, [])
    assert memo is not None
    return memo


def test_job_memo_holds_for_the_same_inputs_and_text_with_the_counts(
    source: _CachedSource,
) -> None:
    page = PageText("Evénements", "texte de la page", 40)
    assert _memo(source).held(page) is None
    _memo(source).remember(page.wikitext, COUNTS)
    assert _memo(source).held(page) == COUNTS
    assert _memo(source).held(replace(page, wikitext="texte modifié")) is None
    assert _memo(source, job="agenda").held(page) is None  # another job's slot


def _variants() -> dict[str, dict[str, Any]]:
    changed = {**TABLE, "event": {**TABLE["event"], "categories": ["Rencontre"]}}
    return {
        "a new revision, same text": {"pages": [replace(PAGES[0], revid=99), *PAGES[1:]]},
        "another text": {"pages": [replace(PAGES[0], wikitext="{{Evénement}}"), *PAGES[1:]]},
        "a renamed page": {"pages": [replace(PAGES[0], title="Rencontre Z"), *PAGES[1:]]},
        "a page gone": {"pages": PAGES[:2]},
        "a page added": {"pages": [*PAGES, PageText("Rencontre D", "", 14, pageid=4)]},
        "another order": {"pages": PAGES[::-1]},
        "another schema": {"record_type": load_record_types(changed)["event"]},
        "another day": {"settings": {**SETTINGS, "today": "2025-01-07"}},
        "forced": {"settings": {**SETTINGS, "force": True}},
    }


@pytest.mark.parametrize("change", list(_variants()))
def test_job_memo_key_changes_with_each_input(source: _CachedSource, change: str) -> None:
    page = PageText("Evénements", "texte de la page", 40)
    _memo(source).remember(page.wikitext, COUNTS)
    other = _memo(source, **_variants()[change])
    assert other.key != _memo(source).key
    assert other.held(page) is None


def test_job_memo_needs_a_revision_cache() -> None:
    assert open_job_memo(object(), "events", "Evénements", [], SETTINGS, []) is None


def test_job_memo_ignores_an_entry_it_cannot_read(source: _CachedSource) -> None:
    page = PageText("Evénements", "texte de la page", 40)
    memo = _memo(source)
    memo.remember(page.wikitext, COUNTS)
    (_, digest, _) = source.cache.get_records(SITE, "\0job:events")["Evénements"]
    source.cache.put_records(SITE, "\0job:events", [("Evénements", memo.key, digest, "holds")])
    assert memo.held(page) is None
