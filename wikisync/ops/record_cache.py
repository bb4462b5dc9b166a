"""Records per revision: a warm run parses only the pages that changed.

Parsing infoboxes is most of what a warm run does once the revision cache
(:mod:`wikisync.wiki.cache`) has made reading cheap. This module keeps, beside the
cached revisions, what :func:`~wikisync.core.records.parse_page` made of each page:
its records and its problems, encoded as JSON so that decoding gives back
objects equal to freshly parsed ones. An entry is used only when all of these
match what would be parsed now:

- the page's title, revision id and wikitext (a SHA-1 over the three);
- the record type's **fingerprint**: a SHA-256 of everything that changes
  how a page is read (the type's name, categories, templates and each
  field's name, type, params, required, default and choices; not the
  descriptions), of the wikisync version, of the mwparserfromhell version
  and of the code of the parsing modules themselves, so that editing the
  schema or upgrading wikisync invalidates the entries.

A value the encoder does not know is never stored (the page is simply parsed
next time), and an entry that does not decode is parsed afresh: the cache can
make a run faster, never different.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import mwparserfromhell

from wikisync.__about__ import __version__
from wikisync.core.dates import DateValue
from wikisync.core.errors import RecordError
from wikisync.core.fields.coords import Coord
from wikisync.core.fields.values import FieldValue
from wikisync.core.pages import PageText
from wikisync.core.records import PageRecords, Record, RecordSet, parse_page
from wikisync.core.said import said_data, said_from_data
from wikisync.core.schema import RecordType
from wikisync.loaders import parse_json
from wikisync.ports.memo import MemoStore, code_digest

__all__ = [
    "RECORD_FORMAT",
    "cached_page_records",
    "decode_page_records",
    "encode_page_records",
    "extract_records_cached",
    "page_digest",
    "type_fingerprint",
]

log = logging.getLogger(__name__)

#: Version of the JSON encoding below; bump it when the encoding changes.
RECORD_FORMAT = 1

# The modules whose code decides what a page's records are.
_PARSING_MODULES = (
    "wikisync.core.records",
    "wikisync.core.fields.values",
    "wikisync.core.fields.coords",
    "wikisync.core.fields.prose_lists",
    "wikisync.core.dates",
    "wikisync.core.french",
    "wikisync.core.pages",
    "wikisync.core.schema",
    "wikisync.core.errors",
    "wikisync.ops.record_cache",
)


def type_fingerprint(record_type: RecordType) -> str:
    """A stable key of everything that changes how a page of this type is read.

    Args:
        record_type: the record type.

    Returns:
        A hex SHA-256; equal for equal schemas under the same wikisync code,
        different as soon as a field, a template, a category or the parsing
        code differs.

    Example:
        >>> from wikisync.core.schema import load_record_types
        >>> a = load_record_types({"e": {"templates": ["Event"], "fields": {"d": "date"}}})
        >>> b = load_record_types({"e": {"templates": ["Event"], "fields": {"d": "text"}}})
        >>> type_fingerprint(a["e"]) == type_fingerprint(b["e"])
        False
    """
    schema = {
        "format": RECORD_FORMAT,
        "wikisync": __version__,
        "mwparserfromhell": str(getattr(mwparserfromhell, "__version__", "")),
        "code": code_digest(_PARSING_MODULES),
        "name": record_type.name,
        "categories": list(record_type.categories),
        "templates": list(record_type.templates),
        "fields": [
            [
                spec.name,
                spec.type,
                list(spec.params),
                spec.required,
                spec.default,
                list(spec.choices),
                spec.separators,
                spec.century,
                spec.end,
                spec.conjunction,
            ]
            for spec in record_type.fields
        ],
        "date_templates": {
            name: [how.year, how.month, how.day, how.text]
            for name, how in sorted(record_type.date_templates.items())
        },
        "wrappers": dict(sorted(record_type.wrappers.items())),
        "region": None
        if record_type.region is None
        else [
            record_type.region.south,
            record_type.region.west,
            record_type.region.north,
            record_type.region.east,
        ],
        "lang": record_type.lang,
    }
    text = json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def page_digest(page: PageText) -> str:
    """SHA-1 of what a page's records are made from: title, revision id, wikitext."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"{page.revid}\n{page.title}\n".encode())
    digest.update(page.wikitext.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


# -- encoding ---------------------------------------------------------------------


def _encode_value(value: FieldValue) -> Any:
    # JSON keeps str, int, bool and null apart; a list is a tuple of strings,
    # an object a date. Anything else (a type this encoder does not know) raises.
    if value is None or type(value) in (str, int, bool):
        return value
    if type(value) is tuple and all(type(item) is str for item in value):
        return list(value)
    if type(value) is DateValue:
        return {
            "date": [
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.precision,
                value.tz,
            ]
        }
    if type(value) is Coord:
        return {"coord": [value.lat, value.lon]}
    raise TypeError(f"cannot encode a {type(value).__name__} value")


def _decode_value(data: Any) -> FieldValue:
    if data is None or type(data) in (str, int, bool):
        return data  # type: ignore[no-any-return]
    if type(data) is list:
        return tuple(str(item) for item in data)
    if type(data) is dict and list(data) == ["date"]:
        year, month, day, hour, minute, second, precision, tz = data["date"]
        return DateValue(year, month, day, hour, minute, second, precision, tz)
    if type(data) is dict and list(data) == ["coord"]:
        lat, lon = data["coord"]
        return Coord(float(lat), float(lon))
    raise ValueError(f"not an encoded value: {data!r}")


def encode_page_records(found: PageRecords) -> str:
    """Encode a page's records and problems as JSON (see :func:`decode_page_records`).

    Raises:
        TypeError: a field holds a value of a kind this encoder does not know.
    """
    records = [
        [
            record.title,
            record.type,
            record.revid,
            record.index,
            [[name, _encode_value(value)] for name, value in record.fields.items()],
            [[name, value] for name, value in record.extra.items()],
        ]
        for record in found.records
    ]
    problems = []
    for problem in found.problems:
        if type(problem) is not RecordError or problem.args != (str(problem),):
            raise TypeError(f"cannot encode a {type(problem).__name__} problem")
        if set(vars(problem)) != {"title", "field", "value"}:
            raise TypeError("cannot encode a problem with more attributes")
        problems.append([said_data(problem.args[0]), problem.title, problem.field, problem.value])
    data = {"title": found.title, "records": records, "problems": problems}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_page_records(text: str) -> PageRecords:
    """Decode what :func:`encode_page_records` wrote: equal to the original.

    Raises:
        ValueError: the text is not such an encoding.
    """
    try:
        data = parse_json(text)
        records = tuple(
            Record(
                str(title),
                str(type_name),
                int(revid),
                {str(name): _decode_value(value) for name, value in fields},
                {str(name): str(value) for name, value in extra},
                int(index),
            )
            for title, type_name, revid, index, fields, extra in data["records"]
        )
        problems = tuple(
            RecordError(said_from_data(message), title=str(title), field=field, value=value)
            for message, title, field, value in data["problems"]
        )
        return PageRecords(str(data["title"]), records, problems)
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"not an encoding of page records: {exc}") from None


def cached_page_records(
    cache: MemoStore, site: str, record_type: RecordType, titles: Iterable[str]
) -> dict[str, PageRecords]:
    """The records last parsed from each of these pages, when the cache holds them for
    this type's schema (each record's ``revid`` says which revision they are of).

    An entry made with another schema or code, or that does not decode, is left out.
    """
    fingerprint = type_fingerprint(record_type)
    stored = cache.get_records(site, record_type.name)
    found: dict[str, PageRecords] = {}
    for title in titles:
        hit = stored.get(title)
        if hit is None or hit[0] != fingerprint:
            continue
        try:
            found[title] = decode_page_records(hit[2])
        except ValueError:
            continue
    return found


# -- extraction through the cache ----------------------------------------------------


def extract_records_cached(
    pages: Iterable[PageText],
    record_type: RecordType,
    cache: MemoStore,
    site: str,
) -> RecordSet:
    """Like :func:`~wikisync.core.records.extract_records`, parsing only changed pages.

    Pages whose title, revision and wikitext match a cached entry made with
    the same :func:`type_fingerprint` are decoded from the cache; the others
    are parsed and stored. Entries of pages no longer read (the pages left
    the type's categories) are dropped. When nothing changed, nothing is
    written.

    Args:
        pages: the pages, e.g. a category's members from a source (read whole:
            the entries of pages not among them are dropped).
        record_type: how to read them.
        cache: the revision cache whose file holds the entries.
        site: the wiki the pages come from (the cache's key for it).

    Returns:
        The same records and problems, in the same order, as
        ``extract_records(pages, record_type)``.
    """
    fingerprint = type_fingerprint(record_type)
    stored = cache.get_records(site, record_type.name)
    records: list[Record] = []
    problems: list[RecordError] = []
    fresh: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    count = parsed = 0
    for found, was_parsed, entry in _pages_records(pages, record_type, stored, fingerprint):
        records.extend(found.records)
        problems.extend(found.problems)
        count += 1
        parsed += was_parsed
        seen.add(found.title)
        if entry is not None:
            fresh.append(entry)
    gone = [title for title in stored if title not in seen]
    log.info(
        "%s: %d pages, %d parsed, %d records from the cache",
        record_type.name,
        count,
        parsed,
        count - parsed,
    )
    if fresh or gone:
        cache.put_records(site, record_type.name, fresh, forget=gone)
    return RecordSet(record_type.name, tuple(records), tuple(problems), count)


def _pages_records(
    pages: Iterable[PageText],
    record_type: RecordType,
    stored: Mapping[str, tuple[str, str, str]],
    fingerprint: str,
) -> Iterator[tuple[PageRecords, bool, tuple[str, str, str, str] | None]]:
    # Yields each page's records, whether it was parsed, and the entry to store.
    for page in pages:
        digest = page_digest(page)
        hit = stored.get(page.title)
        if hit is not None and hit[0] == fingerprint and hit[1] == digest:
            try:
                yield decode_page_records(hit[2]), False, None
                continue
            except ValueError as exc:
                log.warning("record cache: entry of %r unreadable (%s); parsing", page.title, exc)
        found = parse_page(page, record_type)
        try:
            entry = (page.title, fingerprint, digest, encode_page_records(found))
        except TypeError as exc:
            log.debug("record cache: %r not stored (%s)", page.title, exc)
            entry = None
        yield found, True, entry
