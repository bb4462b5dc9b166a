"""The events calendar: RFC 5545 text read back by two independent parsers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.dates import DateValue
from wikisync.core.errors import ConfigError
from wikisync.core.fields.values import FieldValue
from wikisync.core.pages import PageText
from wikisync.core.records import Record, parse_page
from wikisync.core.schema import RecordType, load_record_types
from wikisync.ops.ical import Calendar, calendar_fields, format_calendar

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fabmob"
UTC = dt.UTC
PARIS = "Europe/Paris"


def _vobject(text: str) -> Any:
    """Parse with vobject as a client reading this one file would.

    vobject keeps the first VTIMEZONE it sees for a TZID for the whole
    process; forget it, so that each file is read with its own.
    """
    getattr(vobject.icalendar, "__tzidMap").pop("Europe/Paris", None)
    return vobject.readOne(text)


def _event_type() -> RecordType:
    return load_record_types(
        {
            "event": {
                "description": "Événements",
                "templates": ["Event"],
                "fields": {
                    "startDate": "date",
                    "endDate": "date",
                    "place": "text",
                    "shortDescription": "text",
                },
            }
        }
    )["event"]


def _record(title: str, index: int = 0, **fields: FieldValue) -> Record:
    values: dict[str, FieldValue] = {
        "startDate": None,
        "endDate": None,
        "place": None,
        "shortDescription": None,
    }
    values.update(fields)
    return Record(title, "event", 7, values, {}, index)


def _day(text: str) -> DateValue:
    year, month, day = (int(part) for part in text.split("-"))
    return DateValue(year, month, day)


def _moment(text: str, tz: str = "") -> DateValue:
    day, time = text.split("T")
    year, month, date = (int(part) for part in day.split("-"))
    hour, minute = (int(part) for part in time.split(":"))
    return DateValue(year, month, date, hour, minute, 0, "datetime", tz)


def _calendar(*records: Record, **options: Any) -> Calendar:
    options.setdefault("times", {record.title: "2025-01-06T09:45:00Z" for record in records})
    return format_calendar(records, _event_type(), **options)


def _icalendar_events(text: str) -> dict[str, Any]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def _vobject_events(text: str) -> dict[str, Any]:
    calendar = _vobject(text)
    return {event.summary.value: event for event in calendar.vevent_list}


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC)


def _lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    for line in lines:
        assert "\n" not in line and "\r" not in line, repr(line)
        assert len(line.encode("utf-8")) <= 75, line  # folded at 75 octets (RFC 5545 3.1)
    return lines


def _unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


# -- dates, ranges and time zones ------------------------------------------------------


def test_all_day_range_across_the_spring_change_ends_the_day_after() -> None:
    found = _calendar(
        _record("Atelier", startDate=_day("2025-03-29"), endDate=_day("2025-03-31")),
        _record("Journée", startDate=_day("2025-10-26")),
    )
    unfolded = _unfolded(found.text)
    assert "DTSTART;VALUE=DATE:20250329" in unfolded
    assert "DTEND;VALUE=DATE:20250401" in unfolded  # exclusive: the day after the last
    for events in (_icalendar_events(found.text), _vobject_events(found.text)):
        start, end = _dates(events["Atelier"])
        assert (start, end) == (dt.date(2025, 3, 29), dt.date(2025, 4, 1))
        assert not isinstance(start, dt.datetime)
        assert _dates(events["Journée"]) == (dt.date(2025, 10, 26), dt.date(2025, 10, 27))
    assert found.events == 2 and not found.problems


def _dates(event: Any) -> tuple[Any, Any]:
    if isinstance(event, icalendar.Event):
        return event["DTSTART"].dt, event["DTEND"].dt if "DTEND" in event else None
    end = event.dtend.value if hasattr(event, "dtend") else None
    return event.dtstart.value, end


@pytest.mark.parametrize(
    ("start", "end", "utc_start", "utc_end"),
    [
        # the repeated hour of the autumn change: the first one (CEST), as RFC 5545 says
        ("2025-10-26T02:30", None, "2025-10-26T00:30", None),
        # the hour the spring change skips: read with the offset before the change
        ("2025-03-30T02:30", None, "2025-03-30T01:30", None),
        # a night across the spring change lasts 13 hours, not 14
        ("2025-03-29T20:00", "2025-03-30T10:00", "2025-03-29T19:00", "2025-03-30T08:00"),
        # and across the autumn change 15
        ("2025-10-25T20:00", "2025-10-26T10:00", "2025-10-25T18:00", "2025-10-26T09:00"),
        ("2025-07-14T18:30", "2025-07-14T23:00", "2025-07-14T16:30", "2025-07-14T21:00"),
        ("2025-01-15T09:00", None, "2025-01-15T08:00", None),
    ],
)
def test_local_times_are_paris_time_across_dst_changes(
    start: str, end: str | None, utc_start: str, utc_end: str | None
) -> None:
    fields: dict[str, FieldValue] = {"startDate": _moment(start)}
    if end:
        fields["endDate"] = _moment(end)
    found = _calendar(_record("Soirée", **fields))
    local = start.replace("-", "").replace(":", "") + "00"
    assert f"DTSTART;TZID=Europe/Paris:{local}" in _unfolded(found.text)
    assert "BEGIN:VTIMEZONE" in found.text and "TZID:Europe/Paris" in found.text
    wanted_start = dt.datetime.fromisoformat(utc_start).replace(tzinfo=UTC)
    wanted_end = dt.datetime.fromisoformat(utc_end).replace(tzinfo=UTC) if utc_end else None
    for events in (_icalendar_events(found.text), _vobject_events(found.text)):
        got_start, got_end = _dates(events["Soirée"])
        assert _utc(got_start) == wanted_start
        assert (got_end and _utc(got_end)) == wanted_end


def test_a_time_written_with_an_offset_is_written_in_utc() -> None:
    found = _calendar(
        _record("A", startDate=_moment("2025-05-01T10:00", "+02:00")),
        _record("B", startDate=_moment("2025-05-01T10:00", "Z")),
    )
    unfolded = _unfolded(found.text)
    assert "DTSTART:20250501T080000Z" in unfolded and "DTSTART:20250501T100000Z" in unfolded
    assert "VTIMEZONE" not in found.text  # no local time: no zone to describe


def test_mixed_precisions_keep_the_start_time_and_the_last_day() -> None:
    found = _calendar(
        _record("Soir", startDate=_moment("2025-06-01T18:00"), endDate=_day("2025-06-02")),
        _record("Matin", startDate=_day("2025-06-01"), endDate=_moment("2025-06-01T12:00")),
    )
    events = _vobject_events(found.text)
    paris = dt.timezone(dt.timedelta(hours=2))
    assert _dates(events["Soir"]) == (
        dt.datetime(2025, 6, 1, 18, tzinfo=paris),
        dt.datetime(2025, 6, 3, 0, tzinfo=paris),  # the end of the last day
    )
    assert _dates(events["Matin"]) == (
        dt.datetime(2025, 6, 1, 0, tzinfo=paris),
        dt.datetime(2025, 6, 1, 12, tzinfo=paris),
    )


def test_month_and_year_dates_bad_ranges_and_missing_starts_are_left_out_with_a_problem() -> None:
    found = _calendar(
        _record("Mois", startDate=DateValue(2023, 7, precision="month")),
        _record("Année", startDate=DateValue(2023, precision="year")),
        _record(
            "Fin au mois",
            startDate=_day("2023-07-01"),
            endDate=DateValue(2023, 8, precision="month"),
        ),
        _record("À l'envers", startDate=_day("2023-07-05"), endDate=_day("2023-07-01")),
        _record(
            "Heures à l'envers",
            startDate=_moment("2023-07-05T10:00"),
            endDate=_moment("2023-07-05T09:00"),
        ),
        _record("Sans date"),
        _record("Gardé", startDate=_day("2023-07-01")),
    )
    assert found.events == 1 and list(_icalendar_events(found.text)) == ["Gardé"]
    messages = {problem.title: str(problem) for problem in found.problems}
    assert len(found.problems) == 6 and set(messages) == {
        "Mois",
        "Année",
        "Fin au mois",
        "À l'envers",
        "Heures à l'envers",
        "Sans date",
    }
    assert messages["Mois"] == (
        'Page "Mois": field "startDate" gives only the month, 2023-07, not the day; '
        "left out of the calendar"
    )
    assert "only the year, 2023" in messages["Année"]
    assert 'field "endDate" gives only the month, 2023-08' in messages["Fin au mois"]
    assert "ends (2023-07-01) before it starts (2023-07-05)" in messages["À l'envers"]
    assert 'field "startDate" has no date' in messages["Sans date"]
    assert all(problem.field for problem in found.problems)


def test_events_are_in_date_order_whatever_the_page_order() -> None:
    found = _calendar(
        _record("C", startDate=_day("2025-03-01")),
        _record("A", startDate=_moment("2025-02-01T10:00")),
        _record("B", startDate=_day("2025-02-01")),
    )
    summaries = [line for line in _unfolded(found.text) if line.startswith("SUMMARY:")]
    assert summaries == ["SUMMARY:B", "SUMMARY:A", "SUMMARY:C"]


# -- the other properties ---------------------------------------------------------------


def test_uid_dtstamp_url_location_and_description() -> None:
    first = _record(
        "Forum", 0, startDate=_day("2025-05-01"), place="Lyon", shortDescription="Un forum"
    )
    second = _record("Forum", 1, startDate=_day("2025-06-01"))
    found = _calendar(
        first,
        second,
        times={"Forum": "2024-12-31T23:59:58Z"},
        page_url=lambda title: f"https://wiki.example.org/index.php?title={title}",
        wiki="https://wiki.example.org/index.php",
    )
    events = icalendar.Calendar.from_ical(found.text).walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert len(set(uids)) == 2 and all(uid.endswith("@wikisync") for uid in uids)
    again = _calendar(first, second, wiki="https://wiki.example.org/index.php")
    assert [str(e["UID"]) for e in icalendar.Calendar.from_ical(again.text).walk("VEVENT")] == uids
    elsewhere = _calendar(first, wiki="https://other.example.org/index.php")
    assert str(icalendar.Calendar.from_ical(elsewhere.text).walk("VEVENT")[0]["UID"]) not in uids
    assert events[0]["DTSTAMP"].dt == dt.datetime(2024, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert events[0]["LAST-MODIFIED"].dt == events[0]["DTSTAMP"].dt
    assert str(events[0]["URL"]) == "https://wiki.example.org/index.php?title=Forum"
    assert str(events[0]["LOCATION"]) == "Lyon"
    assert str(events[0]["DESCRIPTION"]) == "Un forum"
    assert "LOCATION" not in events[1] and "DESCRIPTION" not in events[1]
    without = _calendar(first)
    assert "URL" not in icalendar.Calendar.from_ical(without.text).walk("VEVENT")[0]


def test_an_unknown_revision_time_gives_a_fixed_dtstamp() -> None:
    found = _calendar(_record("Local", startDate=_day("2025-05-01")), times={})
    assert "DTSTAMP:19700101T000000Z" in _unfolded(found.text)


def test_hostile_values_are_escaped_and_read_back_by_both_parsers() -> None:
    hostile = 'a, b; c\\d\nligne 2\r\nligne 3 "q" :x=y END:VEVENT\x00\x1b[31m\ttab'
    cleaned = 'a, b; c\\d\nligne 2\nligne 3 "q" :x=y END:VEVENT[31m\ttab'
    title = "Titre, avec; tout\\ : " + "é" * 80
    found = _calendar(
        _record(title, startDate=_day("2025-05-01"), place=hostile, shortDescription=hostile)
    )
    lines = _lines(found.text)
    assert "END:VEVENT" in lines and lines.count("END:VEVENT") == 1
    assert r"LOCATION:a\, b\; c\\d\nligne 2\nligne 3" in "".join(
        line.removeprefix(" ") for line in lines
    )
    (event,) = _icalendar_events(found.text).values()
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == cleaned == str(event["DESCRIPTION"])
    (other,) = _vobject_events(found.text).values()
    assert other.location.value == cleaned == other.description.value
    assert other.summary.value == title


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(title=_TEXT.filter(lambda t: t.strip()), place=_TEXT, about=_TEXT)
@example(title="C:\\New", place="\\N;\\,", about="\\N")  # a literal \N is no line break
def test_any_text_survives_both_parsers(title: str, place: str, about: str) -> None:
    found = _calendar(
        _record(title, startDate=_day("2025-05-01"), place=place, shortDescription=about)
    )
    _lines(found.text)
    events = icalendar.Calendar.from_ical(found.text).walk("VEVENT")
    other = _vobject(found.text).vevent_list
    assert len(events) == len(other) == 1
    for key, value in (("SUMMARY", title), ("LOCATION", place), ("DESCRIPTION", about)):
        wanted = _clean(value)
        got = str(events[0][key]) if key in events[0] else ""
        assert got == wanted
        got_other = getattr(other[0], key.lower()).value if wanted else ""
        assert got_other == wanted


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\t\n" or not (ord(c) < 32 or ord(c) == 127)).strip()


def test_a_rerun_gives_the_same_bytes() -> None:
    records = [
        _record("A", startDate=_moment("2025-10-26T02:30")),
        _record("B", startDate=_day("2025-03-29"), endDate=_day("2025-03-31")),
    ]
    assert _calendar(*records).text == _calendar(*reversed(records)).text


# -- field choice and configuration -------------------------------------------------------


def test_fields_are_chosen_by_name_and_a_type_without_dates_is_refused() -> None:
    types = load_record_types(
        {
            "meeting": {
                "templates": ["M"],
                "fields": {"when": "date", "lieu": "text", "description": "text"},
            },
            "actor": {"templates": ["A"], "fields": {"name": "text"}},
        }
    )
    chosen = calendar_fields(types["meeting"])
    assert (chosen.start, chosen.end, chosen.location, chosen.description) == (
        "when",
        None,
        "lieu",
        "description",
    )
    with pytest.raises(ConfigError, match="no date field"):
        calendar_fields(types["actor"])
    with pytest.raises(ConfigError, match="unknown time zone"):
        format_calendar([], _event_type(), timezone="Mars/Olympus")


def test_a_range_written_in_the_start_field_fills_the_event() -> None:
    event = _event_type()
    page = PageText(
        "Rencontres", "{{Event|startDate=du 29 au 31 mars 2025}}", 3, "2025-01-02T03:04:05Z"
    )
    records = parse_page(page, event).records
    found = format_calendar(records, event, times={page.title: page.timestamp})
    assert _dates(_icalendar_events(found.text)["Rencontres"]) == (
        dt.date(2025, 3, 29),
        dt.date(2025, 4, 1),
    )
    assert "DTSTAMP:20250102T030405Z" in _unfolded(found.text)


# -- the command ------------------------------------------------------------------------


def _example(tmp_path: Path) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    return folder / "wikisync.toml"


def test_records_ics_on_the_example_parses_and_is_the_same_on_a_rerun(tmp_path: Path) -> None:
    config = _example(tmp_path)
    out = tmp_path / "agenda.ics"
    runner = CliRunner()
    first = runner.invoke(cli, ["-c", str(config), "records", "event", "-f", "ics", "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert "left out of the calendar" in first.stderr
    data = out.read_bytes()
    again = runner.invoke(cli, ["-c", str(config), "records", "event", "-f", "ics", "-o", "-"])
    assert again.exit_code == 0 and again.stdout_bytes == data
    text = data.decode("utf-8")
    _lines(text)
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert len(events) == len(_vobject(text).vevent_list) == 13
    assert all("URL" not in event for event in events)  # the example's mirror has no wiki
    stamps = {event["DTSTAMP"].dt for event in events}
    assert all(stamp.year == 2025 for stamp in stamps) and len(stamps) > 1


def test_records_ics_of_a_mirror_that_records_its_wiki_links_its_pages(tmp_path: Path) -> None:
    config = _example(tmp_path)
    meta = config.parent / "mirror" / "wikisync-mirror.json"
    _set_site(meta, "https://wiki.example.org/wiki/")
    result = CliRunner().invoke(cli, ["-c", str(config), "records", "event", "-f", "ics"])
    assert result.exit_code == 0, result.output
    events = icalendar.Calendar.from_ical(result.stdout).walk("VEVENT")
    assert all(str(event["URL"]).startswith("https://wiki.example.org/") for event in events)
    assert any("title=Atelier_de_l" in str(event["URL"]) for event in events)


def _set_site(meta: Path, site: str) -> None:
    import json

    data: Mapping[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps({**data, "site": site}), encoding="utf-8")


def test_timed_source_notes_times_and_answers_the_port_as_the_source(source: Any) -> None:
    import copy

    from wikisync.ops.collect import collect_records
    from wikisync.ops.ical import TimedSource

    timed = TimedSource(source)
    found = collect_records(timed, _event_type_of_example())
    assert found.records and set(timed.times) >= {record.title for record in found.records}
    assert all(stamp.endswith("Z") for stamp in timed.times.values())
    assert timed.location == source.location and timed.namespaces is source.namespaces
    assert timed.list_category("Evénement") == source.list_category("Evénement")
    # every method of the port is the source's; nothing beyond the port is handed on
    assert timed.site_address() == source.site_address()
    assert timed.recorded_wiki() == source.recorded_wiki()
    assert timed.wiki_index_url() == source.wiki_index_url()
    assert not hasattr(timed, "has_metadata") and hasattr(source, "has_metadata")
    assert copy.copy(timed).times == timed.times
    with pytest.raises(AttributeError):
        timed.no_such_attribute  # noqa: B018


def _event_type_of_example() -> RecordType:
    from wikisync.ops.collect import record_type_named

    config = load_config(EXAMPLE / "wikisync.toml")
    return record_type_named(config.types, "event")


def test_records_ics_of_a_dump_has_revision_times_and_no_urls(tmp_path: Path) -> None:
    dump = Path(__file__).parent.parent / "fixtures" / "dumps" / "fabmob-export-0.11.xml"
    config = _example(tmp_path)
    args = ["-c", str(config), "--site", str(dump), "records", "event", "-f", "ics"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (event,) = icalendar.Calendar.from_ical(result.stdout).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Atelier covoiturage à Nantes"
    assert event["DTSTAMP"].dt == dt.datetime(2024, 3, 2, 14, tzinfo=UTC)
    assert event["DTSTART"].dt == dt.date(2024, 3, 14) and "URL" not in event
    assert CliRunner().invoke(cli, args).stdout_bytes == result.stdout_bytes


# -- issue 18 item 4: dates at the edges of the calendar ----------------------------------

_EDGE_YEARS = st.sampled_from([1, 2, 1899, 1900, 1970, 2025, 9998, 9999])
_OFFSETS = st.sampled_from(["", "Z", "+05:00", "-05:00", "+14:00", "-12:00", "+23:59", "-2359"])


@st.composite
def _edge_dates(draw: st.DrawFn) -> DateValue:
    year = draw(_EDGE_YEARS)
    month = draw(st.sampled_from([1, 2, 12]))
    day = draw(st.sampled_from([1, 2, 28, 30, 31]))
    day = min(day, 28 if month == 2 else 31 if month in (1, 12) else 30)
    precision = draw(st.sampled_from(["day", "datetime", "month", "year"]))
    if precision == "year":
        return DateValue(year, precision="year")
    if precision == "month":
        return DateValue(year, month, precision="month")
    if precision == "day":
        return DateValue(year, month, day)
    hour = draw(st.sampled_from([0, 1, 12, 23]))
    minute = draw(st.sampled_from([0, 30, 59]))
    return DateValue(year, month, day, hour, minute, 0, "datetime", draw(_OFFSETS))


@given(
    start=_edge_dates(),
    end=st.none() | _edge_dates(),
    zone=st.sampled_from(["Europe/Paris", "Pacific/Kiritimati", "Etc/GMT+12", "UTC"]),
)
@settings(max_examples=400, deadline=None)
def test_format_calendar_never_raises_on_extreme_dates(
    start: DateValue, end: DateValue | None, zone: str
) -> None:
    found = _calendar(
        _record("Bord", startDate=start, endDate=end),
        _record("Normal", startDate=_day("2025-05-01")),
        timezone=zone,
    )
    _lines(found.text)
    events = icalendar.Calendar.from_ical(found.text).walk("VEVENT")
    assert len(events) == found.events
    assert found.events + len(found.problems) == 2
    for problem in found.problems:
        assert "\n" not in str(problem) and problem.title == "Bord"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (_day("9999-12-31"), None),
        (_day("2025-05-01"), _day("9999-12-31")),
        (_moment("0001-01-01T00:30", "+05:00"), None),
        (_moment("0001-01-01T00:30"), None),
        (_moment("9999-12-31T23:30", "-05:00"), None),
        (_day("0001-01-01"), _day("0001-01-03")),
        (_moment("9999-12-31T00:00"), _day("9999-12-31")),
    ],
)
def test_edge_dates_are_left_out_of_the_calendar_with_a_problem(
    start: DateValue, end: DateValue | None
) -> None:
    found = _calendar(_record("Bord", startDate=start, endDate=end))
    assert found.events == 0
    (problem,) = found.problems
    assert problem.title == "Bord" and problem.field in ("startDate", "endDate")
    assert "left out of the calendar" in str(problem)
    assert "0001-01-02" in str(problem) and "9999-12-30" in str(problem)


def _example_with(tmp_path: Path, start: str) -> Path:
    config = _example(tmp_path)
    page = next((config.parent / "mirror").rglob("Atelier*.wiki"))
    text = page.read_text(encoding="utf-8")
    import re

    changed = re.sub(r"(\|\s*startDate\s*=)[^|\n}]*", lambda m: m.group(1) + start, text, count=1)
    changed = re.sub(r"(\|\s*endDate\s*=)[^|\n}]*", lambda m: m.group(1), changed, count=1)
    assert changed != text
    page.write_text(changed, encoding="utf-8")
    return config


@pytest.mark.parametrize(
    "start",
    ["9999-12-31", "du 1er mai 2025 au 31 décembre 9999", "0001-01-01T00:30+05:00", "0001-01-01"],
)
def test_records_ics_and_check_report_an_edge_date(tmp_path: Path, start: str) -> None:
    config = _example_with(tmp_path, start)
    runner = CliRunner()
    ics = runner.invoke(cli, ["-c", str(config), "records", "event", "-f", "ics"])
    assert ics.exit_code == 0, ics.output
    assert "Traceback" not in ics.output
    assert ics.exception is None or isinstance(ics.exception, SystemExit)
    assert "9999-12-30" in ics.stderr
    events = icalendar.Calendar.from_ical(ics.stdout).walk("VEVENT")
    assert len(events) == 12  # the example's 13, less the one at the edge
    check = runner.invoke(cli, ["-c", str(config), "check", "event", "-f", "json"])
    assert check.exception is None or isinstance(check.exception, SystemExit), check.output
    assert "9999-12-30" in check.stdout
    strict = runner.invoke(cli, ["-c", str(config), "check", "event", "--strict"])
    assert strict.exit_code != 0 and "9999-12-30" in strict.output
