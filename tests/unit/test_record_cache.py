"""The record cache: exact round trips, only changed pages parsed, schema changes invalidate."""

from __future__ import annotations

import logging
import sqlite3
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.corpus import Corpus
from wikisync.core.dates import DateValue
from wikisync.core.fields.value_templates import DateTemplate
from wikisync.core.pages import PageText
from wikisync.core.records import PageRecords, Record, RecordSet, extract_records, parse_page
from wikisync.core.schema import RecordType, load_record_types
from wikisync.mirror.reader import open_mirror
from wikisync.ops.record_cache import (
    decode_page_records,
    encode_page_records,
    extract_records_cached,
    type_fingerprint,
)
from wikisync.presets import load_preset
from wikisync.wiki.cache import RevisionCache

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fabmob" / "mirror"
TYPES = load_record_types(tomllib.loads(load_preset("fabmob"))["types"])
SITE = "http://127.0.0.1/api.php"


def _problems(found: PageRecords | RecordSet) -> list[tuple[object, ...]]:
    # RecordError compares by identity: compare what it carries.
    return [(type(p), str(p), p.args, vars(p)) for p in found.problems]


def _assert_same(left: PageRecords | RecordSet, right: PageRecords | RecordSet) -> None:
    assert left.records == right.records
    for a, b in zip(left.records, right.records, strict=True):
        # equal and of the same kinds (True == 1, but a bool must stay a bool)
        assert [type(v) for v in a.fields.values()] == [type(v) for v in b.fields.values()]
        assert list(a.fields) == list(b.fields)
        assert list(a.extra) == list(b.extra)
    assert _problems(left) == _problems(right)


def _example_pages() -> list[PageText]:
    source = open_mirror(EXAMPLE)
    try:
        return list(source.iter_pages())
    finally:
        source.close()


@pytest.fixture
def cache(tmp_path: Path) -> RevisionCache:
    made = RevisionCache(tmp_path / "cache.sqlite")
    yield made  # type: ignore[misc]
    made.close()


@pytest.mark.parametrize("type_name", list(TYPES))
def test_encode_page_records_round_trips_over_the_corpus(corpus: Corpus, type_name: str) -> None:
    record_type = TYPES[type_name]
    checked = 0
    for page in corpus.pages:
        found = parse_page(page, record_type)
        _assert_same(decode_page_records(encode_page_records(found)), found)
        checked += len(found.records)
    assert checked > 0  # the corpus holds records of every type


@pytest.mark.parametrize("type_name", list(TYPES))
def test_encode_page_records_round_trips_over_the_example(type_name: str) -> None:
    pages = _example_pages()
    assert len(pages) > 20
    for page in pages:
        found = parse_page(page, TYPES[type_name])
        _assert_same(decode_page_records(encode_page_records(found)), found)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_DATES = st.builds(
    DateValue,
    st.integers(1, 9999),
    st.integers(0, 12),
    st.integers(0, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.sampled_from(["year", "month", "day", "datetime"]),
    st.sampled_from(["", "Z", "+02:00"]),
)
_VALUES = st.one_of(
    st.none(),
    _TEXT,
    st.integers(-(2**63), 2**63),
    st.booleans(),
    _DATES,
    st.lists(_TEXT, max_size=4).map(tuple),
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    fields=st.dictionaries(_TEXT, _VALUES, max_size=6),
    extra=st.dictionaries(_TEXT, _TEXT, max_size=3),
    problem=st.tuples(_TEXT, st.none() | _TEXT, st.none() | _TEXT),
)
def test_encode_page_records_round_trips_any_value(
    fields: dict[str, object], extra: dict[str, str], problem: tuple[str, str | None, str | None]
) -> None:
    from wikisync.core.errors import RecordError

    record = Record("Titre", "event", 12, fields, extra, 1)  # type: ignore[arg-type]
    error = RecordError(problem[0], title="Titre", field=problem[1], value=problem[2])
    found = PageRecords("Titre", (record,), (error,))
    _assert_same(decode_page_records(encode_page_records(found)), found)


def test_encode_page_records_refuses_an_unknown_value() -> None:
    record = Record("T", "event", 1, {"x": 1.5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        encode_page_records(PageRecords("T", (record,)))


@pytest.mark.parametrize(
    "text", ["", "[]", '{"title": "T"}', '{"title":"T","records":[[1]],"problems":[]}']
)
def test_decode_page_records_refuses_what_it_did_not_write(text: str) -> None:
    with pytest.raises(ValueError):
        decode_page_records(text)


def test_extract_records_cached_equals_parsing_cold_and_warm(
    corpus: Corpus, cache: RevisionCache, caplog: pytest.LogCaptureFixture
) -> None:
    event = TYPES["event"]
    pages = list(corpus.pages)
    expected = extract_records(pages, event)
    caplog.set_level(logging.INFO, logger="wikisync.ops.record_cache")
    cold = extract_records_cached(pages, event, cache, SITE)
    assert f"{len(pages)} pages, {len(pages)} parsed" in caplog.text
    caplog.clear()
    warm = extract_records_cached(pages, event, cache, SITE)
    assert f"{len(pages)} pages, 0 parsed" in caplog.text
    for found in (cold, warm):
        _assert_same(found, expected)
        assert found.page_count == expected.page_count


def test_extract_records_cached_parses_only_changed_pages(
    corpus: Corpus, cache: RevisionCache, caplog: pytest.LogCaptureFixture
) -> None:
    event = TYPES["event"]
    pages = [p for p in corpus.pages if parse_page(p, event).records]
    extract_records_cached(pages, event, cache, SITE)
    first = pages[0]
    changed = replace(
        first,
        revid=first.revid + 1000,
        wikitext=first.wikitext.replace("{{Event", "{{Event\n|nouveau=Ailleurs", 1),
    )
    same_revid = replace(pages[1], wikitext=pages[1].wikitext + "\n{{Event|startDate=nope}}")
    edited = [changed, same_revid, *pages[2:]]
    caplog.set_level(logging.INFO, logger="wikisync.ops.record_cache")
    found = extract_records_cached(edited, event, cache, SITE)
    assert f"{len(pages)} pages, 2 parsed" in caplog.text
    _assert_same(found, extract_records(edited, event))
    assert found.records[0].extra["nouveau"] == "Ailleurs"


def test_extract_records_cached_reparses_when_the_schema_changes(
    corpus: Corpus, cache: RevisionCache, caplog: pytest.LogCaptureFixture
) -> None:
    event = TYPES["event"]
    pages = list(corpus.pages)
    extract_records_cached(pages, event, cache, SITE)
    table = tomllib.loads(load_preset("fabmob"))["types"]
    table["event"]["fields"]["place"] = {"params": ["Lieu", "place"]}
    changed = load_record_types(table)["event"]
    assert type_fingerprint(changed) != type_fingerprint(event)
    caplog.set_level(logging.INFO, logger="wikisync.ops.record_cache")
    found = extract_records_cached(pages, changed, cache, SITE)
    assert f"{len(pages)} pages, {len(pages)} parsed" in caplog.text
    _assert_same(found, extract_records(pages, changed))


def test_type_fingerprint_ignores_descriptions_only() -> None:
    event = TYPES["event"]
    assert type_fingerprint(replace(event, description="autre")) == type_fingerprint(event)
    spec = event.fields[0]
    for change in (
        {"required": not spec.required},
        {"default": "2020-01-01"},
        {"params": ("autre",)},
        {"type": "text"},
        {"separators": "/"},
        {"century": 1900},
        {"end": "endDate"},
    ):
        other = replace(event, fields=(replace(spec, **change), *event.fields[1:]))
        assert type_fingerprint(other) != type_fingerprint(event), change
    assert type_fingerprint(replace(event, templates=("Autre",))) != type_fingerprint(event)
    assert type_fingerprint(replace(event, name="autre")) != type_fingerprint(event)
    assert type_fingerprint(replace(event, wrappers={"nobr": "1"})) != type_fingerprint(event)
    other_dates = replace(event, date_templates={"jour": DateTemplate(year="1")})
    assert type_fingerprint(other_dates) != type_fingerprint(event)


def test_extract_records_cached_keeps_sites_and_types_apart(
    corpus: Corpus, cache: RevisionCache, caplog: pytest.LogCaptureFixture
) -> None:
    pages = list(corpus.pages)
    extract_records_cached(pages, TYPES["event"], cache, SITE)
    caplog.set_level(logging.INFO, logger="wikisync.ops.record_cache")
    other_site = extract_records_cached(pages, TYPES["event"], cache, "http://other/api.php")
    other_type = extract_records_cached(pages, TYPES["actor"], cache, SITE)
    assert caplog.text.count(f"{len(pages)} pages, {len(pages)} parsed") == 2
    _assert_same(other_site, extract_records(pages, TYPES["event"]))
    _assert_same(other_type, extract_records(pages, TYPES["actor"]))


def test_extract_records_cached_survives_a_damaged_entry(
    corpus: Corpus, cache: RevisionCache, tmp_path: Path
) -> None:
    event = TYPES["event"]
    pages = list(corpus.pages)
    extract_records_cached(pages, event, cache, SITE)
    with sqlite3.connect(tmp_path / "cache.sqlite") as db:
        db.execute("UPDATE records SET data = '{\"broken\": 1}'")
    _assert_same(extract_records_cached(pages, event, cache, SITE), extract_records(pages, event))


def test_extract_records_cached_forgets_pages_no_longer_read(
    corpus: Corpus, cache: RevisionCache
) -> None:
    event = TYPES["event"]
    pages = list(corpus.pages)
    extract_records_cached(pages, event, cache, SITE)
    extract_records_cached(pages[:3], event, cache, SITE)
    assert set(cache.get_records(SITE, "event")) == {p.title for p in pages[:3]}


def test_revision_cache_adds_the_records_table_to_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    RevisionCache(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE records")
    reopened = RevisionCache(path)
    try:
        reopened.put_records(SITE, "event", [("T", "f", "d", "{}")])
        assert reopened.get_records(SITE, "event") == {"T": ("f", "d", "{}")}
    finally:
        reopened.close()


def test_record_type_equality_is_what_the_fingerprint_sees() -> None:
    # A reminder: when RecordType or FieldSpec gains an attribute that changes
    # parsing, type_fingerprint must hash it (and this list must grow).
    assert set(RecordType.__dataclass_fields__) == {
        "name",
        "categories",
        "templates",
        "fields",
        "description",
        "date_templates",
        "wrappers",
        "region",
        "_template_keys",
        "_by_param",
        "_options",
        "_ends",
        "_readers",
        "_date_specs",
    }
    from wikisync.core.schema import FieldSpec

    assert set(FieldSpec.__dataclass_fields__) == {
        "name",
        "type",
        "params",
        "required",
        "default",
        "choices",
        "description",
        "separators",
        "century",
        "end",
    }
