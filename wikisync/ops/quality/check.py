"""Data-quality reports: where a wiki's records stand, type by type and field by field.

:func:`summarize` turns one record type's :class:`~wikisync.core.records.RecordSet`
into a :class:`TypeQuality` (pages, records, how many records fill each field,
the problems per field, every problem with its raw value and what was
expected); :func:`check_types` reads several types from a source into a
:class:`QualityReport`, with the links to the wiki's pages and edit forms
(:class:`WikiLinks`) and the language of its labels. The report is rendered
as a self-contained HTML page by :mod:`wikisync.ops.quality.html`, and as a wiki
page by a job with the shipped ``quality`` page template (:mod:`wikisync.ops.jobs.run`).
Everything but :func:`check_types` is pure.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from gettext import NullTranslations
from typing import Any
from urllib.parse import quote

from wikisync.config import Config
from wikisync.core.dates import DateRange, DateValue
from wikisync.core.errors import ConfigError, RecordError
from wikisync.core.pages import CATEGORY_NS
from wikisync.core.records import Record, RecordSet
from wikisync.core.said import message_of
from wikisync.core.selection import Selection
from wikisync.i18n import N_, choose_language
from wikisync.ops.collect import collect_records, record_type_named
from wikisync.ports.source import Source

__all__ = [
    "LANGUAGES",
    "FieldQuality",
    "QualityProblem",
    "QualityReport",
    "TypeQuality",
    "WikiLinks",
    "check_types",
    "expected_in",
    "problem_of",
    "report_language",
    "source_language",
    "summarize",
    "wiki_links",
]

#: The languages of the report's labels.
LANGUAGES = ("fr", "en")

# 'field "startDate" should be a date, got "day"': what was expected.
_EXPECTED_RE = re.compile(r'^field ".*?" should be (?P<expected>.+?), got ')


@dataclass(frozen=True, slots=True)
class QualityProblem:
    """One problem of one page, as a report shows it.

    Attributes:
        type: the record type's name.
        title: the page.
        field: the field (schema name), or None for a problem of the page
            (no infobox, an infobox not closed).
        value: the raw value, or None when there is none.
        expected: what was expected (``"a date"``), else what is wrong.
        message: the whole message, as ``wikisync check`` prints it.
    """

    type: str
    title: str
    field: str | None
    value: str | None
    expected: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON data (and as a page template sees it)."""
        return {
            "type": self.type,
            "title": self.title,
            "field": self.field,
            "value": self.value,
            "expected": self.expected,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class FieldQuality:
    """One field of one record type: how many records fill it, how many problems."""

    name: str
    filled: int
    problems: int

    def to_dict(self) -> dict[str, Any]:
        """The field's counts as JSON data."""
        return {"name": self.name, "filled": self.filled, "problems": self.problems}


@dataclass(frozen=True, slots=True)
class TypeQuality:
    """Where one record type stands.

    Attributes:
        name: the record type's name.
        description: its description from the configuration.
        pages: pages read.
        records: records (infoboxes) read.
        fields: one entry per schema field, in schema order.
        problems: every problem, in page order.
    """

    name: str
    description: str
    pages: int
    records: int
    fields: tuple[FieldQuality, ...]
    problems: tuple[QualityProblem, ...]

    @property
    def page_problems(self) -> int:
        """Problems of whole pages (no infobox, an infobox not closed)."""
        return sum(1 for problem in self.problems if problem.field is None)

    def to_dict(self) -> dict[str, Any]:
        """The type's summary as JSON data (and as a page template sees it)."""
        return {
            "name": self.name,
            "description": self.description,
            "pages": self.pages,
            "records": self.records,
            "problem_count": len(self.problems),
            "page_problems": self.page_problems,
            "fields": [item.to_dict() for item in self.fields],
            "problems": [problem.to_dict() for problem in self.problems],
        }


@dataclass(frozen=True, slots=True)
class WikiLinks:
    """Addresses of a wiki's pages and edit forms, from its ``index.php``.

    Attributes:
        script: the URL of ``index.php`` (``"https://wiki.example.org/w/index.php"``).
    """

    script: str

    def page_url(self, title: str) -> str:
        """The page's address: ``index.php?title=Page_title``."""
        return f"{self.script}?title={_title_query(title)}"

    def edit_url(self, title: str) -> str:
        """The page's edit form: ``index.php?title=Page_title&action=edit``."""
        return f"{self.page_url(title)}&action=edit"


@dataclass(frozen=True, slots=True)
class QualityReport:
    """A data-quality report over one or more record types.

    Attributes:
        site: the wiki (URL) or the mirror or dump it was read from, for people.
        lang: the labels' language, ``"fr"`` or ``"en"``.
        types: one summary per record type, in the order asked for.
        links: the wiki's addresses, or None when unknown (no links then).
    """

    site: str
    lang: str
    types: tuple[TypeQuality, ...]
    links: WikiLinks | None = None

    @property
    def problem_count(self) -> int:
        """Problems over all types."""
        return sum(len(item.problems) for item in self.types)


def _title_query(title: str) -> str:
    # As MediaWiki writes titles in URLs: spaces as underscores, the rest
    # percent-encoded (":" and "/" kept, "&", "?", "#", "=" and "+" not).
    return quote(title.replace(" ", "_"), safe=":/")


def problem_of(type_name: str, error: RecordError) -> QualityProblem:
    """A record problem as a report shows it: what was expected split out.

    Example:
        >>> error = RecordError('Page "A": field "startDate" should be a date, got "x"',
        ...                     title="A", field="startDate", value="x")
        >>> problem_of("event", error).expected
        'a date'
    """
    message = message_of(error)  # still said in the run's language by the command line
    rest = str(message)
    prefix = f'Page "{error.title}"'
    if rest.startswith(prefix):
        rest = rest[len(prefix) :]
        if rest.startswith(" (infobox "):
            rest = rest[rest.find(")") + 1 :]
        rest = rest.removeprefix(":").strip()
    found = _EXPECTED_RE.match(rest)
    expected = found.group("expected") if found else rest
    return QualityProblem(type_name, error.title, error.field, error.value, expected, message)


#: What a field type expects, as the value checks say it (marked for the catalogues).
EXPECTED_PHRASES = (
    N_("a date"),
    N_("a date with a four-digit year (or set century for this field)"),
    N_("a page title"),
    N_("a file name (name.ext)"),
    N_("a URL (https://…)"),
    N_("one URL"),
    N_("a whole number"),
    N_("yes or no"),
    N_("yes or no (oui/non, true/false, 1/0)"),
    N_("one of the values"),
    N_("a list"),
    N_("a value"),
    N_("plain text"),
)

_UNREAD_RE = re.compile(
    r"^(?P<expected>.+) \(wikisync cannot read the (?P<date>date )?template (?P<name>.+)\)$"
)
_BETWEEN_RE = re.compile(r"^a date between (?P<first>\S+) and (?P<last>\S+)$")


def expected_in(expected: str, tr: NullTranslations) -> str:
    """What was expected (:attr:`QualityProblem.expected`), in a catalogue's language.

    A phrase the catalogue does not hold stays as it is.

    Example:
        >>> from wikisync.i18n import translations
        >>> fr = translations("fr")
        >>> expected_in("a date", fr), expected_in("one of 'a', 'b'", fr)
        ('une date', "l'une des valeurs 'a', 'b'")
    """
    if expected.startswith("one of ") and expected != "one of the values":
        return tr.gettext("one of %(choices)s") % {"choices": expected[len("one of ") :]}
    found = _BETWEEN_RE.match(expected)
    if found:
        return tr.gettext("a date between %(first)s and %(last)s") % found.groupdict()
    found = _UNREAD_RE.match(expected)
    if found:
        message = (
            tr.gettext("%(expected)s (wikisync cannot read the date template %(name)s)")
            if found.group("date")
            else tr.gettext("%(expected)s (wikisync cannot read the template %(name)s)")
        )
        return message % {
            "expected": tr.gettext(found.group("expected")),
            "name": found.group("name"),
        }
    return tr.gettext(expected)


#: The first and last days a calendar can hold an event on: a day from the
#: ends of Python's (and most programs') calendar, so that any UTC offset,
#: time zone or exclusive end day stays inside it.
FIRST_CALENDAR_DAY = dt.date(1, 1, 2)
LAST_CALENDAR_DAY = dt.date(9999, 12, 30)


def at_calendar_edge(value: DateValue) -> bool:
    """Whether a date reaches a day no calendar holds (0001-01-01, 9999-12-31).

    A month or a year counts with all its days: ``9999-12`` is at the edge.

    Example:
        >>> at_calendar_edge(DateValue(9999, 12, 31)), at_calendar_edge(DateValue(2024, 5, 1))
        (True, False)
    """
    try:
        first = value.to_date()
        if value.precision == "year":
            last = dt.date(value.year, 12, 31)
        elif value.precision == "month":
            last = dt.date(value.year, value.month, calendar.monthrange(value.year, value.month)[1])
        else:
            last = first
    except (ValueError, OverflowError):  # no day of any calendar (year 0, 10000)
        return True
    return first < FIRST_CALENDAR_DAY or last > LAST_CALENDAR_DAY


def calendar_edge_problems(record: Record) -> list[RecordError]:
    """A problem for each date field of a record at the edge of the calendar.

    Such a date is valid ISO 8601 but no calendar can hold it (a year-9999
    placeholder, ``0001-01-01T00:30+05:00``): ``check`` reports it and
    the ics output of ``records`` leaves the record out.
    """
    where = f'Page "{record.title}"' + (f" (infobox {record.index + 1})" if record.index else "")
    problems = []
    for name, value in record.fields.items():
        dates: tuple[DateValue, ...]
        if isinstance(value, DateRange):
            dates = (value.start, value.end)
        elif isinstance(value, DateValue):
            dates = (value,)
        else:
            continue
        if any(at_calendar_edge(date) for date in dates):
            shown = value.iso()
            problems.append(
                RecordError(
                    f'{where}: field "{name}" should be a date between '
                    f"{FIRST_CALENDAR_DAY} and {LAST_CALENDAR_DAY}, got {shown!r}",
                    title=record.title,
                    field=name,
                    value=shown,
                )
            )
    return problems


def _page_ordered(found: RecordSet) -> list[RecordError]:
    """The record problems and the calendar-edge ones, in page order."""
    rank: dict[str, int] = {}
    for record in found.records:
        rank.setdefault(record.title, len(rank))
    ranked: list[tuple[int, RecordError]] = []
    last = 0
    for error in found.problems:  # a page without records sorts where it was met
        last = rank.get(error.title, last)
        ranked.append((last, error))
    for record in found.records:
        ranked.extend((rank[record.title], error) for error in calendar_edge_problems(record))
    ranked.sort(key=lambda item: item[0])
    return [error for _, error in ranked]


def _filled(value: object) -> bool:
    return value is not None and value != "" and value != ()


def summarize(
    found: RecordSet, *, fields: Sequence[str] | None = None, description: str = ""
) -> TypeQuality:
    """Count where one record type stands.

    Args:
        found: the type's records and problems (:func:`~wikisync.ops.collect.collect_records`).
        fields: the schema's field names, in order; by default those of the
            first record (none when there is no record).
        description: the type's description, for people.

    Returns:
        The summary: per field, the records that fill it and its problems;
        problems of fields outside ``fields`` get a row of their own at the end.
    """
    names = list(fields if fields is not None else found.records[0].fields if found.records else ())
    problems = tuple(problem_of(found.type, error) for error in _page_ordered(found))
    for problem in problems:
        if problem.field is not None and problem.field not in names:
            names.append(problem.field)
    rows = tuple(
        FieldQuality(
            name,
            sum(1 for record in found.records if _filled(record.fields.get(name))),
            sum(1 for problem in problems if problem.field == name),
        )
        for name in names
    )
    return TypeQuality(
        found.type, description, found.page_count, len(found.records), rows, problems
    )


def wiki_links(source: Source) -> WikiLinks | None:
    """The addresses of the wiki behind a source, when known.

    A live wiki gives the ``index.php`` beside the ``api.php`` it answers on;
    a mirror the wiki it was pulled from (recorded in its metadata); a dump,
    or a mirror without a recorded wiki, gives None.
    """
    from wikisync.sources import index_url

    index = source.wiki_index_url()
    if index is None:
        site = source.recorded_wiki()
        index = index_url(site) if site else None
    return None if index is None else WikiLinks(index)


def report_language(lang: str, source: Source | None = None) -> str:
    """The labels' language: ``lang`` when set, else the wiki's.

    The wiki's language is its content language (site info) for a live wiki;
    for a mirror or a dump, French when its category namespace is called
    ``Catégorie``. Any language but French gives English labels.
    """
    return choose_language(lang, source_language(source))


def source_language(source: Source | None) -> str | None:
    """A source's content language when known: ``"fr"``, another code, or None.

    For a live wiki, its site information's ``lang``; for a mirror or a dump,
    ``"fr"`` when its category namespace is called ``Catégorie``.
    """
    if source is None:
        return None
    wiki_lang = source.wiki_language()
    if wiki_lang:
        return wiki_lang
    category = source.namespaces.by_id.get(CATEGORY_NS)
    if category is None:
        return None
    return "fr" if category.name == "Catégorie" else "en"


def _site_label(source: Source, links: WikiLinks | None) -> str:
    if source.wiki_index_url() is not None:
        return source.location  # a live wiki: its URL as given
    site = source.recorded_wiki()
    if links is not None and site:
        return site
    location = source.location.rstrip("/\\")
    return location.replace("\\", "/").rsplit("/", 1)[-1] or location


def check_types(
    config: Config,
    source: Source,
    names: Iterable[str] = (),
    selection: Selection | None = None,
) -> QualityReport:
    """Read record types from a source into a data-quality report.

    Args:
        config: the configuration (its ``types`` and ``lang``).
        source: where the pages are read.
        names: the record types, in order; all the configuration's when empty.
        selection: only the pages it keeps (every filter must hold).

    Returns:
        The report, with the wiki's links when known.

    Raises:
        ConfigError: an unknown record type, or no record type configured.

    Example:
        >>> config = load_config("examples/fabmob/wikisync.toml")
        >>> report = check_types(config, open_source(config), ["event"])
        >>> report.types[0].records, len(report.types[0].problems), report.lang
        (14, 4, 'fr')
    """
    wanted = list(dict.fromkeys(names)) or list(config.types)
    if not wanted:
        raise ConfigError(
            "no record types configured: add [types.NAME] tables to wikisync.toml "
            "(wikisync init writes the FabMob preset's)",
            key="types",
        )
    record_types = [record_type_named(config.types, name) for name in wanted]
    summaries = []
    for record_type in record_types:
        found = collect_records(source, record_type, selection)
        summaries.append(
            summarize(
                found,
                fields=[spec.name for spec in record_type.fields],
                description=record_type.description,
            )
        )
    links = wiki_links(source)
    return QualityReport(
        _site_label(source, links),
        report_language(getattr(config, "lang", ""), source),
        tuple(summaries),
        links,
    )
