"""An events calendar: records as an RFC 5545 iCalendar file (what ``records TYPE`` writes as ics).

:func:`format_calendar` turns records into a calendar, written with the
`icalendar <https://icalendar.readthedocs.io>`_ library: one ``VEVENT`` per
record, in the order of their start (then title and infobox):

- **DTSTART/DTEND** from the start field and its end field. A date without a
  time is an all-day event (``VALUE=DATE``), whose ``DTEND`` is the day after
  the last day (RFC 5545: the end is exclusive). A date-time without a time
  zone is local time of ``timezone`` (``Europe/Paris`` by default: FabMob is
  French), written with ``TZID`` and the zone's ``VTIMEZONE``; one written with
  an offset (``2025-05-01T10:00:00+02:00``, ``…Z``) is written in UTC. A
  date-time start with a date end ends at midnight after that day; a date
  start with a date-time end starts at midnight. A time that a DST change
  skips or repeats is read as RFC 5545 says (the offset before the change;
  the first of the two).
- A start or end known only to the month or the year (``Juillet 2023``), an
  end before the start, a date at the edge of the calendar (before
  0001-01-02 or after 9999-12-30, see
  :func:`~wikisync.ops.quality.check.at_calendar_edge`), or a record without a start
  is **left out** with a problem (:class:`~wikisync.core.errors.RecordError`),
  like other record problems.
- **SUMMARY** is the page title; **LOCATION** the place; **DESCRIPTION** the
  short description; **URL** the wiki page's address when the wiki is known
  (:func:`~wikisync.ops.quality.check.wiki_links`: a live wiki or a mirror that records
  its wiki; none for a dump); **UID** a SHA-1 of the wiki's address, the page
  title and the infobox's position, ``@wikisync``, so it is stable per page
  and infobox; **DTSTAMP** and **LAST-MODIFIED** the page revision's time, so
  that an unchanged wiki gives a byte-identical file.

Which fields are read is :class:`CalendarFields`: by default the first date
field that has an end field (``startDate`` → ``endDate``), else the first
date field; ``place``/``location``/``lieu``; ``shortDescription``, else
``description``. Text is cleaned of control characters (RFC 5545 allows none
but tab); the library escapes ``,``, ``;``, ``\\`` and new lines and folds
lines at 75 octets; lines end with CRLF.

:func:`format_calendar` is pure. :func:`read_calendar` reads a type's records
from a source with their revision times (:class:`TimedSource`) and formats them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import icalendar

from wikisync.core.dates import DateRange, DateValue
from wikisync.core.errors import ConfigError, RecordError
from wikisync.core.fields.values import FieldValue
from wikisync.core.pages import Namespaces, PageText
from wikisync.core.records import Record, RecordSet
from wikisync.core.said import said
from wikisync.core.schema import RecordType
from wikisync.core.selection import Selection
from wikisync.ops.collect import collect_records
from wikisync.ops.quality.check import (
    FIRST_CALENDAR_DAY,
    LAST_CALENDAR_DAY,
    at_calendar_edge,
    wiki_links,
)
from wikisync.ports.memo import MemoStore
from wikisync.ports.source import FetchResult, NameKind, Source

__all__ = [
    "DEFAULT_TIMEZONE",
    "PRODID",
    "Calendar",
    "CalendarFields",
    "TimedSource",
    "calendar_fields",
    "format_calendar",
    "read_calendar",
]

#: The time zone of date-times written without one (FabMob is French).
DEFAULT_TIMEZONE = "Europe/Paris"
#: The calendar's PRODID (no version in it: an upgrade alone changes no byte).
PRODID = "-//wikisync//wikisync calendar//EN"
#: DTSTAMP of a page whose revision time is unknown (a page only in a mirror).
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_LOCATION_NAMES = ("place", "location", "lieu", "Lieu")
_DESCRIPTION_NAMES = ("shortDescription", "description")
# C0 controls and DEL but tab and line feed: RFC 5545 TEXT allows none of them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class CalendarFields:
    """Which fields of a record type make an event.

    Attributes:
        start: the date field the event starts on.
        end: the date field it ends on, or None.
        location: the field giving LOCATION, or None.
        description: the field giving DESCRIPTION, or None.
    """

    start: str
    end: str | None = None
    location: str | None = None
    description: str | None = None


def calendar_fields(record_type: RecordType) -> CalendarFields:
    """The fields of a type that make an event, chosen by their names.

    Raises:
        ConfigError: the type has no date field.

    Example:
        >>> from wikisync.core.schema import load_record_types
        >>> types = load_record_types({"event": {"templates": ["Event"], "fields": {
        ...     "startDate": "date", "endDate": "date", "place": "text"}}})
        >>> calendar_fields(types["event"])
        CalendarFields(start='startDate', end='endDate', location='place', description=None)
    """
    dated = [spec.name for spec in record_type.date_specs]
    if not dated:
        raise ConfigError(
            f"type {record_type.name} has no date field, so it cannot make a calendar "
            f'(give it one: startDate = "date" in [types.{record_type.name}.fields])',
            key=f"types.{record_type.name}.fields",
        )
    ends = [(name, record_type.end_field(name)) for name in dated]
    start, end = next(((s, e) for s, e in ends if e and e != s), (dated[0], None))
    names = record_type.field_names
    location = next((name for name in _LOCATION_NAMES if name in names), None)
    description = next((name for name in _DESCRIPTION_NAMES if name in names), None)
    return CalendarFields(start, end, location, description)


@dataclass(frozen=True, slots=True)
class Calendar:
    """A calendar made from records.

    Attributes:
        text: the iCalendar text (CRLF line ends); write it as UTF-8.
        events: how many events it holds.
        problems: why records were left out, one per record.
    """

    text: str
    events: int
    problems: tuple[RecordError, ...] = ()


def format_calendar(
    records: Iterable[Record],
    record_type: RecordType,
    *,
    times: Mapping[str, str] | None = None,
    page_url: Callable[[str], str] | None = None,
    wiki: str = "",
    timezone: str = DEFAULT_TIMEZONE,
    fields: CalendarFields | None = None,
    name: str = "",
) -> Calendar:
    """Records as an iCalendar (RFC 5545) calendar; see the module's notes.

    Args:
        records: the records of ``record_type``.
        record_type: their type.
        times: page title to its revision's time (ISO 8601 UTC), for DTSTAMP.
        page_url: a page title to its address on the wiki (URL); None: no URL.
        wiki: the wiki's address, part of each UID (``""`` when unknown).
        timezone: the IANA zone of date-times written without one.
        fields: which fields make an event (default: :func:`calendar_fields`).
        name: the calendar's name (default: the type's description, else its name).

    Returns:
        The calendar, and a problem for each record left out.

    Raises:
        ConfigError: ``timezone`` is no known zone, or the type has no date field.

    Example:
        >>> from wikisync.core.schema import load_record_types
        >>> event = load_record_types({"event": {"templates": ["Event"],
        ...     "fields": {"startDate": "date"}}})["event"]
        >>> day = DateValue(2025, 3, 29)
        >>> found = format_calendar([Record("Atelier", "event", 1, {"startDate": day})], event)
        >>> [line for line in found.text.splitlines() if line.startswith("DT")]
        ['DTSTART;VALUE=DATE:20250329', 'DTEND;VALUE=DATE:20250330', 'DTSTAMP:19700101T000000Z']
    """
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {timezone!r} (an IANA name such as {DEFAULT_TIMEZONE!r})",
            key="timezone",
        ) from None
    chosen = fields or calendar_fields(record_type)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    title = _clean(name or record_type.description or record_type.name)
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", timezone)
    problems: list[RecordError] = []
    events: list[tuple[tuple[Any, ...], icalendar.Event]] = []
    for record in records:
        span = _span(record, chosen, zone, problems)
        if span is None:
            continue
        start, end = span
        event = icalendar.Event()
        event.add("uid", _uid(wiki, record))
        stamp = _stamp((times or {}).get(record.title, ""))
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("dtstart", start)
        if end is not None:
            event.add("dtend", end)
        event.add("summary", _Text(_clean(record.title)))
        for key, field_name in (("location", chosen.location), ("description", chosen.description)):
            text = _text(record.fields.get(field_name)) if field_name else ""
            if text:
                event.add(key, _Text(text))
        if page_url is not None:
            event.add("url", page_url(record.title))
        events.append(((_sort_key(start), record.title, record.index), event))
    for _key, event in sorted(events, key=lambda item: item[0]):
        calendar.add_component(event)
    local = [item[0][0] for item in events if item[0][0][1]]
    if local:  # VTIMEZONE over the years the events span, so the file stays small
        first = dt.date(int(min(local)[0][:4]), 1, 1)
        last = dt.date(min(int(max(local)[0][:4]) + 2, dt.MAXYEAR), 1, 1)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return Calendar(calendar.to_ical().decode("utf-8"), len(events), tuple(problems))


def _span(
    record: Record, fields: CalendarFields, zone: dt.tzinfo, problems: list[RecordError]
) -> tuple[dt.date, dt.date | None] | None:
    """DTSTART and DTEND of a record, or None (and a problem) when it is left out."""
    where = (
        said('Page "%(title)s" (infobox %(n)d)', title=record.title, n=record.index + 1)
        if record.index
        else said('Page "%(title)s"', title=record.title)
    )
    start_value: FieldValue = record.fields.get(fields.start)
    end_value: FieldValue = record.fields.get(fields.end) if fields.end else None
    if isinstance(end_value, DateRange):
        end_value = end_value.end
    if isinstance(start_value, DateRange):  # not split into an end field: use both ends
        end_value = start_value.end
        start_value = start_value.start

    def leave_out(field: str, why: str, value: object = None) -> None:
        problems.append(
            RecordError(
                said("%(where)s: %(why)s; left out of the calendar", where=where, why=why),
                title=record.title,
                field=field,
                value=None if value is None else str(value),
            )
        )

    if not isinstance(start_value, DateValue):
        leave_out(fields.start, said('field "%(field)s" has no date', field=fields.start))
        return None
    for field, value in ((fields.start, start_value), (fields.end, end_value)):
        if isinstance(value, DateValue) and value.precision in ("year", "month"):
            facts = {"field": field, "date": value.iso()}
            leave_out(
                str(field),
                said('field "%(field)s" gives only the year, %(date)s, not the day', **facts)
                if value.precision == "year"
                else said('field "%(field)s" gives only the month, %(date)s, not the day', **facts),
                value.iso(),
            )
            return None
    end = end_value if isinstance(end_value, DateValue) else None
    for field, value in ((fields.start, start_value), (fields.end, end)):
        if isinstance(value, DateValue) and at_calendar_edge(value):
            leave_out(
                str(field),
                said(
                    'field "%(field)s" is %(date)s, outside the days a calendar holds '
                    "(%(first)s to %(last)s)",
                    field=field,
                    date=value.iso(),
                    first=FIRST_CALENDAR_DAY,
                    last=LAST_CALENDAR_DAY,
                ),
                value.iso(),
            )
            return None
    try:
        return _checked_span(start_value, end, fields, zone, leave_out)
    except (OverflowError, ValueError):
        # A backstop: a moment a time zone pushes past the calendar's ends.
        leave_out(
            fields.start, said("its dates reach past the ends of the calendar"), start_value.iso()
        )
        return None


def _checked_span(
    start_value: DateValue,
    end: DateValue | None,
    fields: CalendarFields,
    zone: dt.tzinfo,
    leave_out: Callable[..., None],
) -> tuple[dt.date, dt.date | None] | None:
    all_day = start_value.precision == "day" and (end is None or end.precision == "day")
    if all_day:
        first = start_value.to_date()
        last = end.to_date() if end is not None else first
        if last < first:
            leave_out(
                str(fields.end),
                said("it ends (%(end)s) before it starts (%(start)s)", end=last, start=first),
                end,
            )
            return None
        return first, last + dt.timedelta(days=1)
    begin = _moment(start_value, zone)
    _utc(begin)  # a local time may still fall off the calendar's ends in UTC
    if end is None:
        return begin, None
    finish = _moment(end, zone)
    if end.precision == "day":  # ends at the end of that day
        finish = finish + dt.timedelta(days=1)
    if _utc(finish) < _utc(begin):
        leave_out(
            str(fields.end),
            said(
                "it ends (%(end)s) before it starts (%(start)s)",
                end=end.iso(),
                start=start_value.iso(),
            ),
        )
        return None
    return begin, finish


def _moment(value: DateValue, zone: dt.tzinfo) -> dt.datetime:
    """A date-time: local time of ``zone``, or UTC when written with an offset."""
    naive = dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second)
    if not value.tz:
        return naive.replace(tzinfo=zone)  # fold=0: as RFC 5545 reads gaps and repeats
    offset = _offset(value.tz)
    return naive.replace(tzinfo=offset).astimezone(dt.UTC)


def _offset(text: str) -> dt.tzinfo:
    if text in ("Z", "z"):
        return dt.UTC
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    if not minutes and len(hours) == 4:
        hours, minutes = hours[:2], hours[2:]
    delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
    return dt.timezone(sign * delta)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _sort_key(start: dt.date) -> tuple[str, str]:
    if isinstance(start, dt.datetime):
        return start.date().isoformat(), _utc(start).isoformat()
    return start.isoformat(), ""


def _stamp(timestamp: str) -> dt.datetime:
    """A revision's time (ISO 8601 UTC) as an aware datetime; :data:`EPOCH` when unknown."""
    try:
        moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return EPOCH
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _uid(wiki: str, record: Record) -> str:
    key = f"{wiki}\n{record.title}\n{record.index}".encode()
    return f"{hashlib.sha1(key, usedforsecurity=False).hexdigest()}@wikisync"


def _text(value: FieldValue) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, tuple):
        return _clean(", ".join(value))
    if isinstance(value, DateValue | DateRange):
        return value.iso()
    return _clean(str(value))


class _Text(icalendar.vText):
    """A TEXT value escaped as RFC 5545 says, whatever it holds.

    icalendar's own escaping first turns a literal ``\\N`` of the text into a
    line break (its step 1), so a page's ``C:\\New`` would come back as two
    lines; this escapes the backslash first, then ``;``, ``,`` and line breaks.
    """

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return text.replace("\n", "\\n").encode("utf-8")


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text).strip()


class TimedSource(Source):
    """A source that notes each page's revision time as its pages pass.

    Every method of the source port is the wrapped source's, so reading
    through it reads exactly as the source does.

    Attributes:
        times: page title to revision time (ISO 8601 UTC, ``""`` when unknown).
    """

    def __init__(self, source: Source, times: dict[str, str] | None = None) -> None:
        self._source = source
        self.location: str = source.location
        self.namespaces: Namespaces = source.namespaces
        self.times: dict[str, str] = {} if times is None else times

    def list_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> list[str]:
        """As the wrapped source."""
        return self._source.list_category(category, recursive=recursive, depth=depth)

    def iter_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> Iterator[PageText]:
        """As the wrapped source, noting each page's time."""
        for page in self._source.iter_category(category, recursive=recursive, depth=depth):
            self.times[page.title] = page.timestamp
            yield page

    def fetch_titles(self, titles: Iterable[str], *, follow_redirects: bool = False) -> FetchResult:
        """As the wrapped source, noting each page's time."""
        found = self._source.fetch_titles(titles, follow_redirects=follow_redirects)
        for page in found.pages:
            self.times[page.title] = page.timestamp
        return found

    def site_address(self) -> str:
        """As the wrapped source."""
        return self._source.site_address()

    def site_identity(self) -> str | None:
        """As the wrapped source."""
        return self._source.site_identity()

    def wiki_index_url(self) -> str | None:
        """As the wrapped source."""
        return self._source.wiki_index_url()

    def recorded_wiki(self) -> str | None:
        """As the wrapped source."""
        return self._source.recorded_wiki()

    def wiki_language(self) -> str | None:
        """As the wrapped source."""
        return self._source.wiki_language()

    def memo_store(self) -> tuple[MemoStore, str] | None:
        """As the wrapped source."""
        return self._source.memo_store()

    def requests_sent(self) -> int | None:
        """As the wrapped source."""
        return self._source.requests_sent()

    def list_names(self, kind: NameKind) -> list[str] | None:
        """As the wrapped source."""
        return self._source.list_names(kind)

    def revision_texts(self, revids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """As the wrapped source."""
        return self._source.revision_texts(revids)

    def template_use(self, title: str) -> tuple[list[str], list[str]] | None:
        """As the wrapped source."""
        return self._source.template_use(title)

    def select_titles(self, selection: Selection) -> list[str]:
        """As the wrapped source."""
        return self._source.select_titles(selection)

    def iter_pages(self) -> Iterator[PageText]:
        """As the wrapped source (times are not noted: these pages are not records)."""
        return self._source.iter_pages()

    def close(self) -> None:
        """Close the wrapped source."""
        self._source.close()


def read_calendar(
    source: Source,
    record_type: RecordType,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    fields: CalendarFields | None = None,
    selection: Selection | None = None,
) -> tuple[Calendar, RecordSet]:
    """Read a type's records from a source into a calendar (see :func:`format_calendar`).

    The wiki's page addresses come from :func:`~wikisync.ops.quality.check.wiki_links`
    (a live wiki, or a mirror that records its wiki; a dump has none, and its
    events no URL).

    Returns:
        The calendar and the records read (with their problems).

    Example:
        >>> config = load_config("examples/fabmob/wikisync.toml")
        >>> calendar, found = read_calendar(open_source(config),
        ...                                 record_type_named(config.types, "event"))
        >>> calendar.text.startswith("BEGIN:VCALENDAR\\r\\n")
        True
    """
    calendar_fields_ = fields or calendar_fields(record_type)  # config errors before reading
    timed = TimedSource(source)
    found = collect_records(timed, record_type, selection)
    links = wiki_links(source)
    calendar = format_calendar(
        found.records,
        record_type,
        times=timed.times,
        page_url=links.page_url if links is not None else None,
        wiki=links.script if links is not None else "",
        timezone=timezone,
        fields=calendar_fields_,
    )
    return calendar, found
