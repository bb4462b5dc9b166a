"""Typed records from pages: read each infobox once, per a record type.

:func:`parse_page` parses a page's wikitext once with mwparserfromhell, finds
every ``{{…}}`` node that is the record type's infobox (or an alias), and turns
each into a :class:`Record` whose fields are typed by the schema. Parameters no
field reads are kept raw in ``Record.extra``. Nothing here raises on bad data:
a missing infobox, an unclosed one, a parameter given twice, a required field
left empty or a value that does not fit its type becomes a
:class:`~wikisync.core.errors.RecordError` in the result's ``problems``, and the
batch goes on. Pure: no I/O.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mwparserfromhell.nodes import Comment, Tag, Template, Text

from wikisync.core.dates import DateRange
from wikisync.core.errors import RecordError
from wikisync.core.fields.value_templates import ValueOptions
from wikisync.core.fields.values import (
    FieldValue,
    ValueFormatError,
    is_blank,
    parse_value,
    to_json_value,
    unread_template,
)
from wikisync.core.french import SortKey, sort_key_fr
from wikisync.core.pages import PageText
from wikisync.core.parse_budget import (
    PageTooComplex,
    opened_names,
    parse_pure,
    parse_within_budget,
)
from wikisync.core.said import said
from wikisync.core.schema import FieldSpec, RecordType

#: The record's own keys (reserved: no field takes these names).
_RECORD_KEYS = ("title", "type", "revid", "index")


@dataclass(frozen=True, slots=True)
class Record:
    """One infobox of one page, read with a record type.

    Attributes:
        title: the page's title.
        type: the record type's name (``"event"``).
        revid: the page revision it was read from.
        fields: every schema field by name, in schema order; ``None`` when absent
            or when the value did not fit (a problem says why). Lists are tuples,
            dates :class:`~wikisync.core.fields.values.DateValue`.
        extra: parameters no field reads, name to raw wikitext (trimmed).
        index: the infobox's position on the page (0 for the first).

    A record reads like a read-only mapping of its typed values: ``record[name]``
    gives a field's value (``None`` when empty) or, for ``"title"``, ``"type"``,
    ``"revid"`` and ``"index"``, that attribute (names no field may take);
    ``name in record`` says whether ``record[name]`` exists (an empty field
    does); ``record.get(name, default)`` never raises; ``record.keys()`` and
    iterating give those names, ``title`` first, then the fields in schema
    order. ``extra`` stays an attribute. Values are typed (dates
    :class:`~wikisync.core.dates.DateValue`); :meth:`to_dict` gives JSON data.

    Example:
        >>> record = Record("Atelier n°2", "event", 12, {"startDate": None, "place": "Lyon"})
        >>> record["place"], record["title"], "startDate" in record, record.get("url", "-")
        ('Lyon', 'Atelier n°2', True, '-')
    """

    title: str
    type: str
    revid: int
    fields: Mapping[str, FieldValue]
    extra: Mapping[str, str] = field(default_factory=dict)
    index: int = 0

    def __getitem__(self, name: str) -> FieldValue:
        """A field's value, or the record's ``title``, ``type``, ``revid`` or ``index``.

        Raises:
            KeyError: ``name`` is neither a field of the record's type nor one of those.
        """
        if name in self.fields:
            return self.fields[name]
        if name in _RECORD_KEYS:
            value: str | int = getattr(self, name)
            return value
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in _RECORD_KEYS or name in self.fields)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def get(self, name: str, default: FieldValue = None) -> FieldValue:
        """``record[name]``, or ``default`` when there is no such key.

        A field that exists but is empty gives ``None``, not ``default``.
        """
        if name in self.fields:
            return self.fields[name]
        return self[name] if name in _RECORD_KEYS else default

    def keys(self) -> tuple[str, ...]:
        """The names ``record[name]`` accepts: ``title``, ``type``, ``revid``,
        ``index``, then the fields in schema order."""
        return (*_RECORD_KEYS, *(name for name in self.fields if name not in _RECORD_KEYS))

    def to_dict(self) -> dict[str, object]:
        """Return the record as JSON data.

        Keys: ``title``, ``type``, ``revid``, ``index``, then one key per field
        in schema order (lists as lists, dates as ISO 8601 strings, booleans as
        booleans, absent fields as ``None``), then ``extra`` (a dict).
        """
        data: dict[str, object] = {
            "title": self.title,
            "type": self.type,
            "revid": self.revid,
            "index": self.index,
        }
        for name, value in self.fields.items():
            data[name] = to_json_value(value)
        data["extra"] = dict(self.extra)
        return data


@dataclass(frozen=True, slots=True)
class PageRecords:
    """What one page yields: its records and its problems."""

    title: str
    records: tuple[Record, ...] = ()
    problems: tuple[RecordError, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordSet:
    """What a batch of pages yields.

    Attributes:
        type: the record type's name.
        records: all records, in page order.
        problems: all problems, in page order.
        page_count: how many pages were read.
    """

    type: str
    records: tuple[Record, ...] = ()
    problems: tuple[RecordError, ...] = ()
    page_count: int = 0

    def in_title_order(self) -> RecordSet:
        """The same records and problems in the order people read lists in.

        By title (:func:`~wikisync.core.french.sort_key_fr`: ``n°2`` before
        ``n°10``, ``é`` with ``e``), a page's records and problems in page
        order. What every reading command and job gets: the order no longer
        depends on the source (a wiki's category order, a folder's, a dump's).
        """
        keys: dict[str, SortKey] = {}

        def key(title: str) -> SortKey:
            if title not in keys:
                keys[title] = sort_key_fr(title)
            return keys[title]

        return replace(
            self,
            records=tuple(sorted(self.records, key=lambda record: key(record.title))),
            problems=tuple(sorted(self.problems, key=lambda problem: key(problem.title))),
        )


def parse_page(page: PageText, record_type: RecordType) -> PageRecords:
    """Read the records of one page.

    Args:
        page: the page.
        record_type: how to find its infobox and read its fields.

    Returns:
        One record per infobox (in page order) and the problems found. Never
        raises on bad wikitext; a page too costly to parse (see
        :mod:`wikisync.core.parse_budget`) gives no record and one problem.

    Example:
        >>> from wikisync.core.schema import load_record_types
        >>> types = load_record_types(
        ...     {"event": {"templates": ["Event"], "fields": {"startDate": "date"}}}
        ... )
        >>> found = parse_page(PageText("Atelier", "{{Event|startDate=1er mai 2019}}"),
        ...                    types["event"])
        >>> found.records[0].to_dict()["startDate"]
        '2019-05-01'
    """
    try:
        code = parse_within_budget(page.title, page.wikitext)
    except PageTooComplex as exc:
        return PageRecords(page.title, (), (exc,))
    records: list[Record] = []
    problems: list[RecordError] = []
    infoboxes: list[Any] = []
    unclosed: list[str] = []
    inside: list[Any] = []
    _find_infoboxes(code.nodes, record_type, infoboxes, unclosed, inside)
    if unclosed:  # the C tokenizer may have missed it: a second opinion
        other = parse_pure(page.wikitext)
        if other is not None:
            again: tuple[list[Any], list[str], list[Any]] = ([], [], [])
            _find_infoboxes(other.nodes, record_type, *again)
            if len(again[1]) < len(unclosed):
                infoboxes, unclosed, inside = again
    for node in infoboxes:
        records.append(_read_infobox(page, record_type, node, len(records), problems))
    for number, name in enumerate(unclosed):
        nested = _name_text(inside[0].name).strip() if inside and number == 0 else ""
        problems.append(
            RecordError(
                said(
                    'Page "%(title)s": the {{%(template)s}} infobox is not closed '
                    '(no matching "}}"), so the wiki does not see it; add the closing "}}"',
                    title=page.title,
                    template=name,
                )
                if not nested
                else said(
                    'Page "%(title)s": the {{%(template)s}} infobox is not closed '
                    '(no matching "}}"), so the wiki does not see it; add the closing "}}"; '
                    "the {{%(inner)s}} after it (inside it, as far as the parser can tell) is "
                    "not read in its place",
                    title=page.title,
                    template=name,
                    inner=nested,
                ),
                title=page.title,
            )
        )
    if not records and not unclosed:
        problems.append(
            RecordError(
                said(
                    'Page "%(title)s": no {{%(template)s}} infobox (looked for %(templates)s)',
                    title=page.title,
                    template=record_type.templates[0],
                    templates=", ".join(record_type.templates),
                ),
                title=page.title,
            )
        )
    return PageRecords(page.title, tuple(records), tuple(problems))


def extract_records(pages: Iterable[PageText], record_type: RecordType) -> RecordSet:
    """Read the records of many pages; bad data never stops the batch.

    Args:
        pages: the pages, e.g. a category's members from a source.
        record_type: how to read them.

    Returns:
        All records and all problems, in page order.
    """
    records: list[Record] = []
    problems: list[RecordError] = []
    count = 0
    for page in pages:
        found = parse_page(page, record_type)
        records.extend(found.records)
        problems.extend(found.problems)
        count += 1
    return RecordSet(record_type.name, tuple(records), tuple(problems), count)


def _find_infoboxes(
    nodes: Sequence[Any],
    record_type: RecordType,
    found: list[Any],
    unclosed: list[str],
    inside: list[Any],
) -> None:
    # Cheaper than Wikicode.ifilter(recursive=True), which indexes every node:
    # descend only where an infobox can sit (tags such as <div>, other
    # templates' values), in page order. An infobox after an infobox left
    # open sits inside it as far as the parser can tell (an embedded sub-box):
    # it goes to ``inside``, never read as the page's.
    for node in nodes:
        kind = type(node)
        if kind is Text:
            if "{{" in node.value:
                unclosed.extend(_unclosed_names(node.value, record_type))
        elif kind is Template:
            if record_type.matches_template(_name_text(node.name)):
                (inside if unclosed else found).append(node)
                continue  # an infobox nested in an infobox's value is not one
            for param in node.params:
                _find_infoboxes(param.value.nodes, record_type, found, unclosed, inside)
        elif kind is Tag and node.contents is not None:
            _find_infoboxes(node.contents.nodes, record_type, found, unclosed, inside)


def _read_infobox(
    page: PageText,
    record_type: RecordType,
    wiki_template: Any,
    index: int,
    problems: list[RecordError],
) -> Record:
    where = (
        said('Page "%(title)s" (infobox %(n)d)', title=page.title, n=index + 1)
        if index
        else said('Page "%(title)s"', title=page.title)
    )
    title = page.title
    values: dict[str, Any] = {}
    for param in wiki_template.params:
        name = _param_name(param)
        if name in values:
            spec = record_type.field_for_param(name)
            kept = str(param.value).strip()
            problems.append(
                RecordError(
                    said(
                        '%(where)s: parameter "%(param)s" is given twice; the last value '
                        "%(value)s is used, as MediaWiki does (remove the other one)",
                        where=where,
                        param=name,
                        value=_quote(kept),
                    ),
                    title=page.title,
                    field=spec.name if spec else None,
                    value=kept,
                )
            )
        values[name] = param.value

    fields = {
        spec.name: _read_field(where, title, spec, values, problems, options)
        for spec, options in record_type.readers
    }
    for spec in record_type.date_specs:
        value = fields[spec.name]
        if type(value) is DateRange:
            _split_range(where, title, record_type, spec, value, fields, values, problems)
    extra = {
        name: str(code).strip()
        for name, code in values.items()
        if record_type.field_for_param(name) is None
    }
    return Record(title, record_type.name, page.revid, fields, extra, index)


def _split_range(
    where: str,
    title: str,
    record_type: RecordType,
    spec: FieldSpec,
    value: DateRange,
    fields: dict[str, FieldValue],
    values: Mapping[str, Any],
    problems: list[RecordError],
) -> None:
    # A range in a date field fills the field and its end field, or is a problem.
    raw = next((str(values[p]).strip() for p in spec.params if p in values), value.iso())
    span = f"{value.start.iso()} to {value.end.iso()}"
    end = record_type.end_field(spec.name)
    if end is None or end == spec.name:
        fields[spec.name] = None
        message = (
            f'{where}: field "{spec.name}" holds a range of dates ({span}), '
            f"{_quote(raw)}, and no end field to put its end in "
            f'(name one with end = "…" in the field\'s configuration)'
        )
    else:
        current = fields.get(end)
        fields[spec.name] = value.start
        if current is None:
            fields[end] = value.end
            return
        if current == value.end:
            return
        shown = current.iso() if hasattr(current, "iso") else str(current)
        message = (
            f'{where}: field "{spec.name}" holds a range of dates ({span}), '
            f'{_quote(raw)}, but field "{end}" says {shown}; the start is kept, '
            f'"{end}" is left as written'
        )
    problems.append(RecordError(message, title=title, field=spec.name, value=raw))


def _read_field(
    where: str,
    title: str,
    spec: FieldSpec,
    values: Mapping[str, Any],
    problems: list[RecordError],
    options: ValueOptions,
) -> FieldValue:
    for param in spec.params:
        code = values.get(param)
        if code is None:
            continue
        try:
            value = parse_value(spec.type, code, spec.choices, options)
        except ValueFormatError as exc:
            problems.append(
                RecordError(
                    said(
                        '%(where)s: field "%(field)s" should be %(expected)s, got %(value)s',
                        where=where,
                        field=spec.name,
                        expected=exc.expected,
                        value=_quote(exc.value),
                    ),
                    title=title,
                    field=spec.name,
                    value=str(code).strip(),
                )
            )
            return None
        if value is not None:
            return value
        if spec.type == "text" and not is_blank(code):
            unread = unread_template(code, options)
            if unread is not None:  # "{{USA}}": not blank, but nothing wikisync can read
                problems.append(
                    RecordError(
                        f'{where}: field "{spec.name}" holds only {unread}, which wikisync '
                        f"cannot read, got {_quote(str(code).strip())}",
                        title=title,
                        field=spec.name,
                        value=str(code).strip(),
                    )
                )
                return None
    if spec.default is not None:
        return _default_value(spec.type, spec.default, spec.choices, options)
    if spec.required:
        names = ", ".join(f'"{param}"' for param in spec.params)
        problems.append(
            RecordError(
                said(
                    '%(where)s: field "%(field)s" is required but has no value '
                    "(template parameter %(params)s)",
                    where=where,
                    field=spec.name,
                    params=names,
                ),
                title=title,
                field=spec.name,
            )
        )
    return None


@functools.lru_cache(maxsize=256)
def _default_value(
    field_type: str, default: str, choices: tuple[str, ...], options: ValueOptions
) -> FieldValue:
    # Checked when the schema was loaded, so this cannot fail.
    return parse_value(field_type, default, choices, options)


def _code_text(code: Any) -> str:
    # str(Wikicode) joins every node; most names are a single Text node.
    nodes = code.nodes
    first = nodes[0] if len(nodes) == 1 else None
    return first.value if type(first) is Text else str(code)


def _name_text(code: Any) -> str:
    # A template's name without its comments: "{{Infobox writer <!-- see doc -->".
    nodes = code.nodes
    if len(nodes) == 1 and type(nodes[0]) is Text:
        return str(nodes[0].value)
    return "".join(str(node) for node in nodes if type(node) is not Comment)


def _param_name(param: Any) -> str:
    name = _code_text(param.name).strip()
    return name if name.isascii() else unicodedata.normalize("NFC", name)


def _unclosed_names(text: str, record_type: RecordType) -> list[str]:
    # A "{{" left in a Text node is one the parser could not close.
    return [name for name in opened_names(text) if record_type.matches_template(name)]


def _quote(value: str) -> str:
    text = " ".join(value.split())
    if len(text) > 80:
        text = text[:77] + "..."
    return '"' + text + '"'
