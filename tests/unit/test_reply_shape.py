"""Which entries of a query reply are kept (pure): a page asked for by id and gone is."""

from __future__ import annotations

import logging

import pytest

from wikisync.wiki.replies import clean_reply

MIB = 1024 * 1024


def test_page_asked_by_id_and_gone_is_kept_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # MediaWiki answers pageids=… for a deleted page with its pageid only: no title
    pages = [
        {"pageid": 7, "missing": True},
        {"ns": 0, "title": "Absente", "missing": True},
        {"pageid": 9, "ns": 0, "title": "Présente", "lastrevid": 12},
    ]
    data = {"query": {"pages": list(pages)}}
    with caplog.at_level(logging.WARNING):
        assert clean_reply("query", data, version2=True, max_text=MIB) is None
    assert data["query"]["pages"] == pages
    assert caplog.records == []


@pytest.mark.parametrize(
    "entry",
    [
        {"missing": True},  # neither title nor pageid: nothing to name it by
        {"pageid": 9, "ns": 0, "lastrevid": 12},  # an existing page needs its title
        {"ns": 0, "title": "Présente", "lastrevid": 12},  # …and its pageid
    ],
)
def test_page_entry_that_cannot_be_named_is_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture, entry: dict[str, object]
) -> None:
    data = {"query": {"pages": [entry, {"pageid": 1, "ns": 0, "title": "Bonne"}]}}
    with caplog.at_level(logging.WARNING):
        assert clean_reply("query", data, version2=True, max_text=MIB) is None
    assert data["query"]["pages"] == [{"pageid": 1, "ns": 0, "title": "Bonne"}]
    assert len(caplog.records) == 1 and "skipped query.pages[0]" in caplog.records[0].message
