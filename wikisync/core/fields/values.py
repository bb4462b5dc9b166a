"""Per-type value parsers: template parameter values to typed Python values.

Each field type of a record schema (see :mod:`wikisync.core.schema`) has one pure
parser here (those of ``url``, ``page`` and ``file`` in
:mod:`wikisync.core.fields.links`). Parsers take a parameter value as
mwparserfromhell ``Wikicode`` (or a plain string) and return a typed value:
``str`` for text, wikitext, page, file and URL; ``int``; ``bool``;
:class:`~wikisync.core.fields.coords.Coord` for coordinates
(:mod:`wikisync.core.fields.coords` reads them);
:class:`~wikisync.core.dates.DateValue` for
dates (a :class:`~wikisync.core.dates.DateRange` for a range, which
:mod:`wikisync.core.records` splits into two fields); a tuple of strings for lists.
A value that does not fit its type raises :class:`~wikisync.core.errors.ValueFormatError`, which
:mod:`wikisync.core.records` turns into a :class:`~wikisync.core.errors.RecordError`
naming the page, the field and the raw value: a value is read right or
reported, never guessed.

Values are read as real infoboxes write them (:class:`ValueOptions` holds what
a record type adds to the built-in tables):

* references (``<ref>…</ref>``, ``<ref … />``), comments and footnote
  templates (``{{efn}}``, ``{{sfn}}``, ``{{citation needed}}``…) are set
  aside; ``<nowiki>`` keeps its text;
* date templates (:data:`DATE_TEMPLATES`: ``{{start date|1997|05|16}}``,
  ``{{birth date and age|…}}``, ``{{dts|…}}``, ``{{date|3|juillet|2018}}``,
  ``{{date de naissance|…}}``…) give their date, named parameters such as
  ``df=`` aside;
* wrapper templates (:data:`WRAPPER_TEMPLATES`: ``{{nowrap|…}}``,
  ``{{small|…}}``, ``{{lang|fr|…}}``, ``{{abbr|…}}``…) give their text;
* list templates (``{{ubl|A|B}}``, ``{{hlist|…}}``, ``{{plainlist|…}}``)
  give one item per parameter or bullet;
* list items are separated by ``,`` ``;`` ``•`` ``·``, by ``<br>`` in every
  spelling, by line breaks and ``*`` bullet lines; a field may name its own
  separators instead of ``,`` ``;`` ``•`` ``·``;
* any other template in a typed value (not ``text`` or ``wikitext``) is a
  problem naming it: its output cannot be known without the wiki.

Wikitext is read through parser nodes (:mod:`wikisync.core.fields.wikitext_pieces` walks
them; :mod:`wikisync.core.fields.value_templates` holds the template tables), never with
regexes; only already plain text (a date, a number) is split further.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import mwparserfromhell
from mwparserfromhell.nodes import (
    Comment,
    Template,
    Text,
)

from wikisync.core.dates import (
    DateRange,
    DateValue,
    TwoDigitYearError,
    read_date,
    read_date_or_range,
)
from wikisync.core.errors import ValueFormatError
from wikisync.core.fields.coords import (
    COORD_TEMPLATES,
    Coord,
    check_region,
    coord_from_template,
    read_coord,
)
from wikisync.core.fields.links import (
    file_from_text,
    page_from_text,
    parse_file_name,
    parse_page_title,
    parse_url,
    url_from_text,
)
from wikisync.core.fields.list_values import _split_text, parse_list
from wikisync.core.fields.value_templates import (
    DATE_TEMPLATES,
    DEFAULT_OPTIONS,
    WRAPPER_TEMPLATES,
    DateTemplate,
    ValueOptions,
    template_name_key,
)
from wikisync.core.fields.wikitext_pieces import first_unread as _first_unread
from wikisync.core.fields.wikitext_pieces import join_text as _join_text
from wikisync.core.fields.wikitext_pieces import pieces as _pieces
from wikisync.core.fields.wikitext_pieces import tidy as _tidy
from wikisync.core.fields.wikitext_pieces import to_plain_text, unread_template
from wikisync.core.said import said
from wikisync.core.text import fold

# DateValue lives in wikisync.core.dates; it is re-exported as the type of date fields.
__all__ = [
    "DATE_TEMPLATES",
    "DEFAULT_OPTIONS",
    "FIELD_TYPES",
    "LIST_SEPARATORS",
    "WRAPPER_TEMPLATES",
    "DateRange",
    "DateTemplate",
    "DateValue",
    "FieldValue",
    "ValueFormatError",
    "ValueOptions",
    "is_blank",
    "parse_bool",
    "parse_date",
    "parse_enum",
    "parse_int",
    "parse_list",
    "parse_value",
    "template_name_key",
    "to_json_value",
    "to_plain_text",
    "unread_template",
]

#: The field types a schema may declare.
FIELD_TYPES: tuple[str, ...] = (
    "text",
    "wikitext",
    "date",
    "list",
    "page",
    "file",
    "url",
    "int",
    "bool",
    "enum",
    "coord",
)


#: What a parsed field may hold (``None``: absent).
FieldValue: TypeAlias = str | int | bool | DateValue | DateRange | Coord | tuple[str, ...] | None


#: The default list separators (besides ``<br>``, line breaks and bullets).
LIST_SEPARATORS = DEFAULT_OPTIONS.separators


def _plain_or_fail(code: Any, options: ValueOptions, expected: str) -> str:
    # Plain text of a typed value; a template that cannot be read is a problem.
    pieces = _pieces(code, options)
    unread = _first_unread(pieces)
    if unread is not None:
        raise ValueFormatError(f"{expected} (wikisync cannot read {unread.why})", str(code))
    dates = [p for p in pieces if isinstance(p, DateValue | DateRange)]
    if dates:
        raise ValueFormatError(expected, str(code))
    return _join_text(pieces)


# -- dates ------------------------------------------------------------------------


def parse_date(text: str, *, century: int | None = None) -> DateValue:
    """Parse a date as written on wiki pages, keeping its precision.

    Accepts ISO 8601 (``2018-07-03``, ``2018-07``, ``2018``,
    ``2024-03-05T18:30[:00][Z|+02:00]``, a space instead of ``T``), the French
    long form (``3 juillet 2018``, ``1er mai 2019``, ``mercredi 3 juillet 2018``,
    ``3 juil. 2018``, with an optional time ``à 18h30`` or ``18:30``), month
    precision (``Juillet 2023``), English (``January 4, 1985``, ``4 January
    1985``), ``03/07/2018`` (day first, as in French) and ``2018/07/03`` (Page
    Forms); see :func:`wikisync.core.dates.read_date`.

    Raises:
        ValueFormatError: the text is not one of those forms or no valid date,
            or has a two-digit year and no ``century`` is given.
    """
    try:
        result = read_date(text, century=century)
    except TwoDigitYearError:
        raise ValueFormatError(_TWO_DIGITS, text) from None
    if result is None:
        raise ValueFormatError(said("a date"), text)
    return result


_TWO_DIGITS = said("a date with a four-digit year (or set century for this field)")


def _date_from_text(text: str, options: ValueOptions) -> DateValue | DateRange:
    try:
        result = read_date_or_range(text, century=options.century)
    except TwoDigitYearError:
        raise ValueFormatError(_TWO_DIGITS, text) from None
    if result is None:
        raise ValueFormatError(said("a date"), text)
    return result


_RANGE_JOINERS = frozenset({"-", "\u2013", "\u2014", "au", "to", "et", "and", "until", "jusqu'au"})


#: First words after a date template that change what the date means (a bound,
#: an alternative, the other end of a range), which words about it do not.
_QUALIFIERS = frozenset(
    {
        "or",
        "ou",
        "to",
        "until",
        "till",
        "au",
        "jusqu'au",
        "jusqu\u2019au",
        "et",
        "and",
        "before",
        "after",
        "avant",
        "après",
        "c.",
        "ca.",
        "circa",
        "vers",
        "present",
        "aujourd'hui",
    }
)


def _aside(gap: str) -> bool:
    """Whether words after a date template only tell more (``… in [[Mexico City]]``).

    They hold no digit (no second date, no number), and begin with neither a
    dash nor a word that would change the date (``or``, ``to``, ``circa``…).
    """
    if any(char.isdigit() for char in gap) or gap[0] in "-\u2010\u2011\u2012\u2013\u2014?/":
        return False
    first = gap.lstrip("(,;").split()
    return bool(first) and first[0].strip(",;()") not in _QUALIFIERS


def _date_from_code(code: Any, options: ValueOptions) -> DateValue | DateRange | None:
    pieces = _pieces(code, options)
    unread = _first_unread(pieces)
    if unread is not None:
        raise ValueFormatError(f"a date (wikisync cannot read {unread.why})", str(code))
    dates = [p for p in pieces if isinstance(p, DateValue | DateRange)]
    if not dates:
        text = _join_text(pieces)
        return _date_from_text(text, options) if text else None
    # Date templates: one alone, or two joined as a range ({{dts|…}} to {{dts|…}}).
    between: list[str] = []
    before = True
    for piece in pieces:
        if isinstance(piece, DateValue | DateRange):
            before = False
        elif isinstance(piece, str) and not before:
            between.append(piece)
        elif isinstance(piece, str) and piece.strip().lower() not in ("", "du", "from"):
            raise ValueFormatError(said("a date"), str(code))
    gap = "".join(between).strip().lower()
    if len(dates) == 1 and (not gap or _aside(gap)):
        return dates[0]
    first, last = dates[0], dates[-1]
    if (
        len(dates) == 2
        and gap.removeprefix("du").strip() in _RANGE_JOINERS
        and isinstance(first, DateValue)
        and isinstance(last, DateValue)
        and first <= last
    ):
        return DateRange(first, last)
    raise ValueFormatError(said("a date"), str(code))


# -- scalars ----------------------------------------------------------------------

_BOOLEANS = {
    "oui": True,
    "non": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "vrai": True,
    "faux": False,
    "1": True,
    "0": False,
}


def parse_bool(text: str) -> bool:
    """Parse oui/non, yes/no, true/false, vrai/faux, 1/0 (any case).

    Raises:
        ValueFormatError: any other word.
    """
    try:
        return _BOOLEANS[text.strip().casefold()]
    except KeyError:
        raise ValueFormatError(said("yes or no (oui/non, true/false, 1/0)"), text) from None


#: Digit-group separators read as such: spaces (no-break, narrow, thin) and, in
#: runs of three-digit groups, commas (``14,736``) and dots (``11.689.442``).
_GROUP_SPACES = ("\u00a0", "\u202f", "\u2009")


def parse_int(text: str) -> int:
    """Parse an integer, its digits grouped by three or not.

    Thousands may be separated by a space (``1 234 567``; no-break, narrow
    no-break or thin), by commas (``14,736``, ``1,234,567``) or by dots when
    there are two or more (``11.689.442``): one separator kind, groups of
    three digits after a first group of one to three. One dot (``1.234``) is
    a decimal point as often as a separator, so it is no whole number; nor is
    any other spacing (two numbers on two lines, ``12 34``).

    Raises:
        ValueFormatError: not a whole number.
    """
    digits = text.strip()
    for space in _GROUP_SPACES:
        digits = digits.replace(space, " ")
    used = [sep for sep in (" ", ",", ".") if sep in digits]
    if len(used) > 1 or (used == ["."] and digits.count(".") < 2):
        raise ValueFormatError("a whole number", text)
    if used:
        head, *groups = digits.split(used[0])
        if not 1 <= len(head.lstrip("+-")) <= 3 or any(len(group) != 3 for group in groups):
            raise ValueFormatError(said("a whole number"), text)
        digits = head + "".join(groups)
    body = digits[1:] if digits[:1] in "+-" else digits
    if not body.isascii() or not body.isdigit():
        raise ValueFormatError(said("a whole number"), text)
    return int(digits)


def parse_enum(text: str, choices: Sequence[str]) -> str:
    """Match a value against the allowed ``choices`` (case and spacing ignored).

    Returns:
        The choice as spelled in the schema.

    Raises:
        ValueFormatError: no choice matches.
    """
    key = fold(text)
    for choice in choices:
        if fold(choice) == key:
            return choice
    raise ValueFormatError(
        said("one of %(choices)s", choices=", ".join(repr(c) for c in choices)), text
    )


# -- coordinates ------------------------------------------------------------------


def _coord_from_code(code: Any, options: ValueOptions) -> Coord | None:
    # A {{coord|…}} alone (beside comments and footnotes), or a point as text.
    points = [
        node
        for node in code.nodes
        if type(node) is Template and template_name_key(str(node.name)) in COORD_TEMPLATES
    ]
    raw = str(code).strip()
    if not points and not any(mark in raw for mark in "{[<&"):
        # Only quotes count as markup here: '' is a second mark (48°51'24''N).
        return check_region(read_coord(raw), options.region, raw)
    if not points:
        text = _plain_or_fail(code, options, "a coordinate")
        return check_region(read_coord(text), options.region, str(code)) if text else None
    rest = mwparserfromhell.parse("".join(str(n) for n in code.nodes if n not in points))
    if len(points) > 1 or _plain_or_fail(rest, options, "a coordinate"):
        raise ValueFormatError("one coordinate ({{coord}} alone)", str(code))
    return check_region(coord_from_template(points[0]), options.region, str(code))


def _coord_from_text(text: str, options: ValueOptions) -> Coord:
    return check_region(read_coord(text), options.region, text)


# -- dispatch ---------------------------------------------------------------------


def _has_template(code: Any) -> bool:
    return any(type(node) is Template for node in code.nodes)


def _scalar(
    parse: Callable[[str, Sequence[str]], FieldValue], expected: str
) -> Callable[..., FieldValue]:
    def run(code: Any, choices: Sequence[str], options: ValueOptions) -> FieldValue:
        text = _plain_or_fail(code, options, expected)
        return parse(text, choices) if text else None

    return run


def _linkish(
    parse_code: Callable[[Any], str], parse_text: Callable[[str, str], str], expected: str
) -> Callable[..., FieldValue]:
    # Pages, files and URLs: read the links themselves, or the text of templates.
    def run(code: Any, _choices: Sequence[str], options: ValueOptions) -> FieldValue:
        if not _has_template(code):
            return parse_code(code)
        text = _plain_or_fail(code, options, expected)
        return parse_text(text, str(code).strip()) if text else None

    return run


# Parsers of a whole value (Wikicode), for values with markup.
_CODE_PARSERS: Mapping[str, Callable[[Any, Sequence[str], ValueOptions], FieldValue]] = {
    "text": lambda code, _, options: to_plain_text(code, options),
    "wikitext": lambda code, _, __: str(code).strip(),
    "date": lambda code, _, options: _date_from_code(code, options),
    "list": lambda code, _, options: parse_list(code, options),
    "page": _linkish(parse_page_title, page_from_text, "a page title"),
    "file": _linkish(parse_file_name, file_from_text, "a file name (name.ext)"),
    "url": _linkish(parse_url, url_from_text, "a URL (https://…)"),
    "int": _scalar(lambda text, _: parse_int(text), "a whole number"),
    "bool": _scalar(lambda text, _: parse_bool(text), "yes or no"),
    "enum": _scalar(parse_enum, "one of the values"),
    "coord": lambda code, _, options: _coord_from_code(code, options),
}

# The same for a value that is one Text node (most values): no markup to walk.
_TEXT_PARSERS: Mapping[str, Callable[[str, Sequence[str], ValueOptions], FieldValue]] = {
    "text": lambda text, _, __: _tidy(text),
    "wikitext": lambda text, _, __: text.strip(),
    "date": lambda text, _, options: _date_from_text(text, options),
    "list": lambda text, _, options: _split_text(text, options),
    "page": lambda text, _, __: page_from_text(_tidy(text), text.strip()),
    "file": lambda text, _, __: file_from_text(_tidy(text), text.strip()),
    "url": lambda text, _, __: url_from_text(_tidy(text), text.strip()),
    "int": lambda text, _, __: parse_int(text),
    "bool": lambda text, _, __: parse_bool(text),
    "enum": lambda text, choices, __: parse_enum(text, choices),
    "coord": lambda text, _, options: _coord_from_text(text, options),
}


def parse_value(
    field_type: str,
    code: Any,
    choices: Sequence[str] = (),
    options: ValueOptions = DEFAULT_OPTIONS,
) -> FieldValue:
    """Parse one parameter value as ``field_type``.

    Args:
        field_type: one of :data:`FIELD_TYPES`.
        code: the parameter value (``Wikicode``) or a wikitext string.
        choices: the allowed values, for ``enum``.
        options: the field's separators and century, the record type's date
            and wrapper templates.

    Returns:
        The typed value, or ``None`` for a value that is blank once comments,
        references and markup are removed (a list with no items is ``None``
        too). A date field may give a :class:`~wikisync.core.dates.DateRange`.

    Raises:
        ValueFormatError: the value does not fit the type, or holds a template
            wikisync cannot read.
        ValueError: ``field_type`` is not a field type (a programmer error).
    """
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    if field_type not in _CODE_PARSERS:
        raise ValueError(f"unknown field type {field_type!r}")
    nodes = code.nodes
    first = nodes[0] if len(nodes) == 1 else None
    if type(first) is Text:
        text = first.value
        if not text or text.isspace():
            return None
        value = _TEXT_PARSERS[field_type](text, choices, options)
    elif is_blank(code):
        return None
    else:
        try:
            value = _CODE_PARSERS[field_type](code, choices, options)
        except ValueFormatError as exc:
            raw = str(code).strip()
            if exc.value == raw:
                raise
            raise ValueFormatError(exc.expected, raw) from None  # name the value as written
    if not value and type(value) in (str, tuple):
        return None
    return value


def is_blank(code: Any) -> bool:
    """Whether a value holds nothing but whitespace and comments."""
    for node in code.nodes:
        if isinstance(node, Text):
            if not node.value.isspace() and node.value:
                return False
        elif not isinstance(node, Comment):
            return False
    return True


def to_json_value(value: FieldValue) -> object:
    """A field value as JSON data: dates as ISO strings, lists as lists,
    points as ``{"lat": …, "lon": …}``."""
    if isinstance(value, DateValue | DateRange):
        return value.iso()
    if isinstance(value, Coord):
        return {"lat": value.lat, "lon": value.lon}
    if isinstance(value, tuple):
        return list(value)
    return value
