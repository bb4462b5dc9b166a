"""The field-by-field diff of records: properties, text and JSON forms, and ``since``."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikisync.core.dates import DateRange, DateValue
from wikisync.core.errors import ConfigError
from wikisync.core.fields.values import FieldValue
from wikisync.core.record_changes import (
    FieldChange,
    Since,
    apply_field_changes,
    diff_fields,
    diff_records,
    format_value,
    parse_since,
)
from wikisync.core.records import Record

_dates = st.builds(
    DateValue,
    st.integers(1900, 2100),
    st.integers(1, 12),
    st.integers(1, 28),
    precision=st.just("day"),
)
_values: st.SearchStrategy[FieldValue] = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.integers(-5, 5),
    st.booleans(),
    _dates,
    st.lists(st.text(min_size=1, max_size=5), max_size=3).map(tuple),
)
_names = st.sampled_from(["place", "startDate", "Tags", "url", "n", "ok"])
_fields = st.dictionaries(_names, _values, max_size=6)


def _patient(examples: int) -> settings:
    # repeatable, and patient: the machine running the suite may be busy
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _present(fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
    return {name: value for name, value in fields.items() if value is not None and value != ()}


@_patient(200)
@given(_fields)
def test_diff_fields_of_a_record_with_itself_is_empty(a: dict[str, FieldValue]) -> None:
    assert diff_fields(a, a) == ()
    assert diff_fields(a, dict(a)) == ()


@_patient(300)
@given(_fields, _fields)
def test_diff_fields_applied_to_a_gives_b(
    a: dict[str, FieldValue], b: dict[str, FieldValue]
) -> None:
    changes = diff_fields(a, b)
    assert apply_field_changes(a, changes) == _present(b)
    # each field at most once, and every change is a real one
    assert len({change.field for change in changes}) == len(changes)
    assert all(change.old is not None or change.new is not None for change in changes)


@_patient(200)
@given(_fields, _fields)
def test_diff_fields_json_form_reads_back(
    a: dict[str, FieldValue], b: dict[str, FieldValue]
) -> None:
    for change in diff_fields(a, b):
        data = json.loads(json.dumps(change.to_dict(), ensure_ascii=False))
        assert data["field"] == change.field
        assert data["change"] == change.kind
        assert (data["old"] is None) == (change.old is None)
        assert (data["new"] is None) == (change.new is None)


@_patient(200)
@given(_fields, _fields)
def test_diff_fields_reversed_swaps_old_and_new(
    a: dict[str, FieldValue], b: dict[str, FieldValue]
) -> None:
    forward = {change.field: (change.old, change.new) for change in diff_fields(a, b)}
    backward = {change.field: (change.new, change.old) for change in diff_fields(b, a)}
    assert forward == backward


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [(None, "Lyon", "added"), ("Paris", None, "removed"), ("Paris", "Lyon", "changed")],
)
def test_field_change_kind(old: FieldValue, new: FieldValue, kind: str) -> None:
    assert FieldChange("place", old, new).kind == kind


def test_diff_fields_compares_typed_values() -> None:
    assert [c.text() for c in diff_fields({"n": 1}, {"n": True})] == ["n: 1 → true"]
    assert [c.text() for c in diff_fields({"n": 1}, {"n": "1"})] == ["n: 1 → 1"]
    assert diff_fields({"tags": ()}, {}) == ()  # an empty list is nothing


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "∅"),
        ((), "∅"),
        (("vélo", "atelier"), "vélo, atelier"),
        (DateValue(2026, 7, 3), "2026-07-03"),
        (DateValue(2026, 7, precision="month"), "2026-07"),
        (DateValue(2026, 7, 3, 9, 30, precision="minute", tz="Z"), "2026-07-03T09:30:00Z"),
        (DateRange(DateValue(2026, 7, 3), DateValue(2026, 7, 5)), "2026-07-03 \u2013 2026-07-05"),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        ("deux\nlignes", "deux ⏎ lignes"),
    ],
)
def test_format_value_is_readable(value: object, text: str) -> None:
    assert format_value(value) == text


def _record(title: str, fields: dict[str, FieldValue], revid: int = 1, index: int = 0) -> Record:
    return Record(title, "event", revid, fields, index=index)


def test_diff_records_created_deleted_changed_and_moved() -> None:
    old = [_record("A", {"place": "Paris"}, 1), _record("A", {"place": "Nice"}, 1, index=1)]
    new = [_record("B", {"place": "Lyon"}, 2)]
    changes = diff_records(old, new, record_type="event", title="B", old_title="A")
    assert [(c.index, c.kind, c.old_title) for c in changes] == [
        (0, "changed", "A"),
        (1, "deleted", "A"),
    ]
    assert changes[0].text() == "B (changed, was A)\n  place: Paris → Lyon"
    assert changes[1].fields == (FieldChange("place", "Nice", None),)
    assert diff_records([], new, record_type="event", title="B")[0].kind == "created"


def test_diff_records_unchanged_gives_nothing_but_a_move_is_said() -> None:
    same = [_record("A", {"place": "Paris"})]
    assert diff_records(same, same, record_type="event", title="A") == []
    moved = diff_records(same, same, record_type="event", title="B", old_title="A")
    assert [(c.kind, c.old_title, c.fields) for c in moved] == [("changed", "A", ())]


def test_diff_records_deleted_with_old_values_unknown() -> None:
    (change,) = diff_records([], [], record_type="event", title="A", old_known=False)
    assert (change.kind, change.old_known, change.fields) == ("deleted", False, ())
    assert change.to_dict()["old_known"] is False


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("2026-12-06", Since("2026-12-06T00:00:00Z")),
        ("2026-12-06T15:04:05Z", Since("2026-12-06T15:04:05Z")),
        ("2026-12-06T16:04:05+01:00", Since("2026-12-06T15:04:05Z")),
        ("2026-12-06T15:04:05", Since("2026-12-06T15:04:05Z")),
        ("20261206150405", Since("2026-12-06T15:04:05Z")),
        ("2026-12-06T15:04:05Z|1234", Since("2026-12-06T15:04:05Z", 1234)),
        ("20261206150405|7", Since("2026-12-06T15:04:05Z", 7)),
        ('{"timestamp": "2026-12-06T15:04:05Z", "rcid": 9}', Since("2026-12-06T15:04:05Z", 9)),
        ('{"timestamp": "2026-12-06T15:04:05Z"}', Since("2026-12-06T15:04:05Z")),
    ],
)
def test_parse_since_reads_dates_and_cursors(text: str, since: Since) -> None:
    assert parse_since(text) == since


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2026-13-01",
        "2026-12-06|",
        "2026-12-06|x",
        "|5",
        '{"rcid": 3}',
        '{"timestamp": "2026-12-06", "rcid": "3"}',
        '{"timestamp": 5}',
        "{",
        "[1]",
    ],
)
def test_parse_since_refuses_with_the_value_named(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_since(text)
    assert repr(text) in str(caught.value)
    assert caught.value.key == "since"


_pages = st.dictionaries(st.integers(0, 2), _fields, max_size=3)


@_patient(200)
@given(_pages, _pages)
def test_diff_records_applied_to_the_old_records_gives_the_new(
    old: dict[int, dict[str, FieldValue]], new: dict[int, dict[str, FieldValue]]
) -> None:
    before = [_record("A", fields, 1, index) for index, fields in old.items()]
    after = [_record("A", fields, 2, index) for index, fields in new.items()]
    changes = diff_records(before, after, record_type="event", title="A")
    rebuilt = {index: _present(fields) for index, fields in old.items()}
    for change in changes:
        if change.kind == "deleted":
            assert change.index in old and change.index not in new
            del rebuilt[change.index]
        else:
            assert (change.kind == "created") == (change.index not in old)
            rebuilt[change.index] = apply_field_changes(
                rebuilt.get(change.index, {}), change.fields
            )
    assert rebuilt == {index: _present(fields) for index, fields in new.items()}
    assert diff_records(before, before, record_type="event", title="A") == []
