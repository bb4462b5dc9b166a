"""Index pages: render records into wikitext with Jinja2 page templates.

:func:`render_index` feeds plain record dicts to a page template
(``templates/*.wiki.j2``) and returns wikitext. The Jinja2 environment is made
for wikitext: undefined names fail (``StrictUndefined``), blocks are trimmed,
and every value printed with ``{{ … }}`` is escaped for wikitext by a
``finalize`` hook (:func:`escape_wikitext`), so that no record can inject a
link, category, template, table syntax, magic word, comment, marker or tag,
nor start a list, heading or rule. Only a :class:`Wikitext` value (from the
``wikitext`` and ``wikilink`` filters, or the ``join`` filter over such values)
is printed as is. Filters give French dates (``date_fr``, ``date_span_fr``,
``month_fr``) and French collation (``sort_fr``), written in
:mod:`wikisync.core.french`, and event helpers (``upcoming``, ``past``,
``undated``, ``group_by_year``, ``group_by_month``). Pure: the only files read
are the page templates themselves.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

from wikisync.core.french import (
    SortKey,
    format_date_fr,
    format_date_span_fr,
    format_month_fr,
    is_date,
    parse_date,
    sort_key_fr,
)
from wikisync.core.geo import feature_collection

__all__ = [
    "Wikitext",
    "escape_wikitext",
    "make_wikilink",
    "sort_fr",
]

#: Suffix of page template files; a name given without it gets it appended.
TEMPLATE_SUFFIX = ".wiki.j2"


class Wikitext(str):
    """Trusted wikitext: printed as is by page templates, never escaped.

    Only the ``wikitext`` filter (the explicit opt-out), ``wikilink`` and the
    ``join`` filter (over ``Wikitext`` items) make it. It is a plain ``str``
    subclass on purpose: any string operation (``~``, ``replace``, Jinja's own
    ``safe``/``escape``/``tojson``, which return HTML ``Markup``) gives a plain
    ``str`` or a ``Markup`` again, which is escaped, so trust is never gained
    by accident.
    """

    __slots__ = ()


# -- escaping -----------------------------------------------------------------------

# Characters that open or close wikitext syntax anywhere in a line: tags and
# comments (<, >), links ([ ]), templates, parser functions and table syntax
# ({ } |), template parameter names (=), signatures (~~~) and entities (&).
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "[": "&#91;",
    "]": "&#93;",
    "{": "&#123;",
    "}": "&#125;",
    "|": "&#124;",
    "=": "&#61;",
    "~": "&#126;",
    "_": "&#95;",
    "'": "&#39;",
    ":": "&#58;",
    "!": "&#33;",
}
# One pass over the text; context rules keep ordinary French text readable:
# "_" only where it could form "__MAGICWORD__" (a run of two, or at either end,
# next to template text), "'" only where it could form '' or ''' (the same),
# ":" only right after an ASCII letter (the "http:", "mailto:" of a free
# external link; "Horaires : 18h" stays as is), "!" only in "!!" (header cells).
_ESCAPE_RE = re.compile(
    r"[&<>\[\]{}|=~]"
    r"|_(?=_)|^_|_$"
    r"|'(?=')|^'|'$"
    r"|(?<=[A-Za-z]):"
    r"|!(?=!)"
)
# Characters that start block syntax at the beginning of a line: lists (* # ; :),
# table header cells (!) and horizontal rules (----). A leading space (a <pre>
# block) cannot happen: values are stripped.
_LINE_START = frozenset("*#;:!-")
# Line breaks and other whitespace become one space; no-break spaces stay.
_WHITESPACE_RE = re.compile(r"[^\S\u00a0\u2007\u202f]+")
# C0 controls and DEL: never valid in a page (DEL also opens parser strip markers).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def escape_wikitext(value: object) -> Wikitext:
    """Escape one value so that it shows as plain text in any wikitext context.

    The value is made single-line (runs of whitespace, newlines included,
    become one space; no-break spaces are kept) and stripped; characters that
    could open wikitext syntax become HTML entities, which MediaWiki shows as
    the character itself. Entities are used for ``& < > [ ] { } | = ~``
    everywhere, for ``_`` and ``'`` next to each other or at either end, for ``!!``, for
    ``:`` right after an ASCII letter (free external links such as
    ``http://…``), and for a leading ``* # ; : ! -``. MediaWiki's ISBN/RFC/PMID
    magic links are off by default since 1.28 and are not escaped.

    Non-string values: ``None`` is empty, booleans are ``oui``/``non``, dates
    are French (:func:`~wikisync.core.french.format_date_fr`), lists and tuples are joined with
    ``", "``, a point (``{"lat": …, "lon": …}``) is ``lat, lon`` and a
    :class:`Wikitext` value is returned unchanged.

    Args:
        value: the value to print.

    Returns:
        The escaped text, as :class:`Wikitext`.

    Example:
        >>> escape_wikitext("}}[[Catégorie:Spam]]")
        '&#125;&#125;&#91;&#91;Catégorie&#58;Spam&#93;&#93;'
    """
    if isinstance(value, Wikitext):
        return value
    if value is None:
        return Wikitext("")
    if isinstance(value, bool):
        return Wikitext("oui" if value else "non")
    if is_date(value):
        return escape_wikitext(format_date_fr(value))
    if isinstance(value, Mapping) and value.keys() == {"lat", "lon"}:  # a point's JSON form
        return escape_wikitext(f"{degrees(value['lat'])}, {degrees(value['lon'])}")
    if isinstance(value, list | tuple):
        return _join_wikitext(value, ", ")
    text = _CONTROL_RE.sub("", str(value))
    text = _WHITESPACE_RE.sub(" ", text).strip(" ")
    if not text:
        return Wikitext("")
    head = ""
    if text[0] in _LINE_START:
        head, text = f"&#{ord(text[0])};", text[1:]
    return Wikitext(head + _escape_inline(text))


def _escape_inline(text: str) -> str:
    return _ESCAPE_RE.sub(lambda match: _ENTITIES[match.group()], text)


def _join_wikitext(values: Iterable[object], separator: str) -> Wikitext:
    # Items are escaped (Wikitext items stay) and empty ones dropped; the
    # separator is escaped too but keeps its spaces.
    items = [escape_wikitext(value) for value in values]
    return Wikitext(_escape_inline(separator).join(item for item in items if item))


def _filter_join(value: object, separator: str = ", ") -> Wikitext:
    """The ``join`` filter: like Jinja's, but escaping items for wikitext.

    ``None`` joins to ``""``, a lone string is one item, and any other value
    that is no list (a number) is reported and printed as one item.
    """
    if value is None:
        return Wikitext("")
    if isinstance(value, str):
        return escape_wikitext(value)
    if not isinstance(value, Iterable) or isinstance(value, Mapping):
        # A value a template cannot use as a list never stops the render.
        _report(f"join: expected a list, got {value!r}; printed as one item")
        return escape_wikitext(value)
    return _join_wikitext(value, separator)


def _filter_wikitext(value: object) -> Wikitext:
    """The explicit opt-out: print ``value`` as trusted wikitext."""
    return Wikitext("" if value is None else str(value))


def make_wikilink(title: object, label: object = None) -> Wikitext:
    """Link to a page: ``[[Title]]`` or ``[[Title|label]]``.

    The title is a real page title, so it is linked; characters that cannot be
    in a title (``[ ] { } | < >``, ``~~~``) become entities, which makes such a
    bad title show as text instead of breaking the page. A title with a colon
    (``Catégorie:…``, ``Fichier:…``, an interwiki prefix) gets a leading colon
    so that it is linked instead of categorising the page, embedding a file or
    making an interlanguage link. The label is plain text and fully escaped;
    a label that is empty or equal to the title is left out.

    Args:
        title: the page title.
        label: the text to show, or ``None`` for the title.

    Returns:
        The link as :class:`Wikitext`, or ``""`` when the title is empty.

    Example:
        >>> make_wikilink("Catégorie:Evénement", "Événements")
        '[[:Catégorie:Evénement|Événements]]'
    """
    if title is None:
        return Wikitext("")
    text = _WHITESPACE_RE.sub(" ", _CONTROL_RE.sub("", str(title))).strip(" ")
    if not text:
        return Wikitext("")
    target = _ESCAPE_RE.sub(
        lambda match: match.group() if match.group() == ":" else _ENTITIES[match.group()], text
    )
    if ":" in text or text.startswith("/"):
        target = ":" + target
    shown = escape_wikitext(label)
    if not shown or str(label).strip() == text:
        return Wikitext(f"[[{target}]]")
    return Wikitext(f"[[{target}|{shown}]]")


# -- French dates and collation as filters -------------------------------------------


log = logging.getLogger(__name__)

# The problems of the render under way (render_index's ``problems`` list).
_PROBLEMS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "wikisync_render_problems", default=None
)


def _report(message: str) -> None:
    # A value a template cannot use never stops the render: it is reported.
    problems = _PROBLEMS.get()
    if problems is None:
        log.warning("%s", message)
    elif message not in problems:
        problems.append(message)


def _require_date(record: object, field: str) -> tuple[dt.date, str] | None:
    """The date of a record's field; ``None`` when absent or unusable (reported).

    A value that is no valid date (``0000``, ``2024-13``, words) is reported
    and counts as no date, so the record goes where the template puts
    records without one (the events template: "Date à préciser").
    """
    value = _get_field(record, field)
    try:
        return parse_date(value)
    except ValueError as exc:
        title = _get_field(record, "title")
        _report(f'record "{title}", field "{field}": {exc}; placed as a record without a date')
        return None


def _usable_date(value: object) -> object:
    try:
        parse_date(value)
    except ValueError:
        return None
    return value


class _ValueProblem(ValueError):
    """Bad data met by a filter; render_index reports it with the template line."""


def _date_filter(format_value: Callable[..., str]) -> Callable[..., str]:
    # A value that is no date is reported and left out (a span keeps its other end).
    def run(*values: object) -> str:
        try:
            return format_value(*values)
        except ValueError as exc:
            _report(f"{format_value.__name__}: {exc}; left out")
        try:
            return format_value(*(_usable_date(value) for value in values))
        except ValueError:
            return ""

    run.__doc__ = format_value.__doc__
    return run


def _get_field(item: object, field: object) -> object:
    # A template names fields; it never names attributes. Only a record's own
    # keys are read: ``[lipsum]|upcoming(today, "__globals__")`` finds nothing.
    if not isinstance(field, str):
        raise _ValueProblem(f"a field name should be text, got {_short(field)}")
    if isinstance(item, Mapping):
        return item.get(field)
    # Objects (library use): public attributes only, by the sandbox's own rules.
    try:
        value = getattr(item, field)
    except AttributeError:
        return None
    if field.startswith("_") or not _safety().is_safe_attribute(item, field, value):
        import jinja2.exceptions  # loaded already: filters run inside a render

        raise jinja2.exceptions.SecurityError(
            f"access to attribute {field!r} of {type(item).__name__!r} object is unsafe."
        )
    return value


@functools.cache
def _safety() -> jinja2.sandbox.ImmutableSandboxedEnvironment:
    """Judges attribute access for the filters, as the page templates' sandbox does."""
    import jinja2.sandbox

    return jinja2.sandbox.ImmutableSandboxedEnvironment()


def _short(value: object) -> str:
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def sort_fr(items: Iterable[Any], *fields: str, reverse: bool = False) -> list[Any]:
    """Sort in French order (:func:`~wikisync.core.french.sort_key_fr`); the ``sort_fr`` filter.

    Args:
        items: strings, or records when fields are given.
        *fields: sort records by the first of these fields that is not empty
            (``sort_fr("name", "title")``: by name, else by title).
        reverse: sort in reverse order.

    Returns:
        A new list; items without a value sort last.

    Example:
        >>> sort_fr(["étude", "Zèbre", "Eau", "abri"])
        ['abri', 'Eau', 'étude', 'Zèbre']
    """

    for field in fields:
        if not isinstance(field, str):
            raise _ValueProblem(f"a field name should be text, got {_short(field)}")

    def key(item: Any) -> tuple[bool, SortKey | None]:
        if not fields:
            return False, sort_key_fr(str(item))
        for field in fields:
            value = _get_field(item, field)
            if value not in (None, ""):
                return False, sort_key_fr(str(value))
        return True, None

    ordered = sorted(items, key=key)
    if reverse:
        valued = [item for item in ordered if not key(item)[0]]
        return valued[::-1] + [item for item in ordered if key(item)[0]]
    return ordered


# -- events ---------------------------------------------------------------------------


def _last_day(parsed: tuple[dt.date, str]) -> dt.date:
    date, precision = parsed
    if precision == "year":
        return dt.date(date.year, 12, 31)
    if precision == "month":
        following = dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return date


def _event_dates(record: Mapping[str, Any], start: str, end: str) -> tuple[dt.date, dt.date] | None:
    first = _require_date(record, start)
    if first is None:
        return None
    last = _require_date(record, end)
    return first[0], _last_day(last or first)


def _title_key(record: Mapping[str, Any]) -> SortKey:
    return sort_key_fr(str(_get_field(record, "title") or ""))


def upcoming(
    records: Iterable[Mapping[str, Any]],
    today: dt.date,
    start: str = "startDate",
    end: str = "endDate",
) -> list[Mapping[str, Any]]:
    """Events not over by ``today``, soonest first; the ``upcoming`` filter.

    An event is upcoming when its end date, or its start date when it has no
    end, is ``today`` or later. A month-precision date counts until the
    month's last day. Events without a start date are left to ``undated``.
    """
    dated = [(record, _event_dates(record, start, end)) for record in records]
    kept = [(record, dates) for record, dates in dated if dates and dates[1] >= today]
    kept.sort(key=lambda pair: (pair[1][0], _title_key(pair[0])))
    return [record for record, _ in kept]


def past(
    records: Iterable[Mapping[str, Any]],
    today: dt.date,
    start: str = "startDate",
    end: str = "endDate",
) -> list[Mapping[str, Any]]:
    """Events over before ``today``, latest first (ties by title); the ``past`` filter."""
    dated = [(record, _event_dates(record, start, end)) for record in records]
    kept = [(record, dates) for record, dates in dated if dates and dates[1] < today]
    kept.sort(key=lambda pair: _title_key(pair[0]))
    kept.sort(key=lambda pair: pair[1][0], reverse=True)
    return [record for record, _ in kept]


def undated(
    records: Iterable[Mapping[str, Any]], start: str = "startDate"
) -> list[Mapping[str, Any]]:
    """Records without a start date, by title; the ``undated`` filter."""
    kept = [record for record in records if _require_date(record, start) is None]
    return sorted(kept, key=_title_key)


def _group_by(
    records: Iterable[Mapping[str, Any]], field: str, bucket: Callable[[dt.date], Any]
) -> list[tuple[Any, list[Mapping[str, Any]]]]:
    groups: list[tuple[Any, list[Mapping[str, Any]]]] = []
    for record in records:
        parsed = _require_date(record, field)
        if parsed is None:
            title = _get_field(record, "title")
            raise _ValueProblem(f'record "{title}" has no {field}')
        key = bucket(parsed[0])
        if groups and groups[-1][0] == key:
            groups[-1][1].append(record)
        else:
            groups.append((key, [record]))
    return groups


def group_by_year(
    records: Iterable[Mapping[str, Any]], field: str = "startDate"
) -> list[tuple[int, list[Mapping[str, Any]]]]:
    """Runs of records with the same year, in the given order: ``[(2024, [...]), …]``."""
    return _group_by(records, field, lambda date: date.year)


def group_by_month(
    records: Iterable[Mapping[str, Any]], field: str = "startDate"
) -> list[tuple[dt.date, list[Mapping[str, Any]]]]:
    """Runs of records with the same month, in the given order.

    Each group's key is the month's first day, for ``month_fr``.
    """
    return _group_by(records, field, lambda date: date.replace(day=1))


# -- maps -----------------------------------------------------------------------------


def degrees(value: object) -> Wikitext:
    """A latitude or longitude as a plain number, at most 7 decimals (``-1.5541667``).

    Raises:
        ValueError: the value is no number (a programmer's or template's mistake).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"degrees: not a number: {value!r}")
    text = f"{float(value):.7f}".rstrip("0").rstrip(".")
    return Wikitext("0" if text in ("-0", "") else text)


def map_label(value: object) -> Wikitext:
    """A label inside a map parser function's point list (Maps' ``{{#display_map:…}}``).

    Maps splits that list at ``;`` before any entity is read, so the usual
    escapes (entities end with ``;``) cannot be used there: the label is put
    in ``<nowiki>`` instead, ``&``, ``<`` and ``>`` as entities, on one line.

    Example:
        >>> map_label("Gare; quai [2]")
        '<nowiki>Gare; quai [2]</nowiki>'
    """
    text = " ".join(str(value if value is not None else "").split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Wikitext(f"<nowiki>{text}</nowiki>")


def mapframe_geojson(records: Iterable[Mapping[str, Any]], field: str) -> Wikitext:
    """The records with a point in ``field`` as GeoJSON for Kartographer's ``<mapframe>``.

    A FeatureCollection on one line (:func:`~wikisync.core.geo.feature_collection`),
    each feature's only property its ``title``, escaped for wikitext (Kartographer
    parses it); ``<``, ``>`` and ``&`` are written as JSON escapes, so the text
    can never close the tag.
    """
    data, _ = feature_collection(records, field)
    for feature in data["features"]:
        feature["properties"] = {"title": str(escape_wikitext(feature["properties"]["title"]))}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escape)
    return Wikitext(text)


# -- environment and rendering --------------------------------------------------------


def builtin_templates() -> Traversable:
    """The folder of the page templates shipped with wikisync.

    In a wheel the folder is ``wikisync/templates``; in a source checkout or
    an editable install it is ``templates/`` beside the package.
    """
    try:
        packaged = resources.files("wikisync") / "templates"
        if packaged.is_dir():
            return packaged
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        pass
    return Path(__file__).resolve().parent.parent.parent / "templates"


_FILTERS: dict[str, Callable[..., Any]] = {
    "wikitext": _filter_wikitext,
    "wikilink": make_wikilink,
    "join": _filter_join,
    "e": escape_wikitext,
    "escape": escape_wikitext,
    "date_fr": _date_filter(format_date_fr),
    "date_span_fr": _date_filter(format_date_span_fr),
    "month_fr": _date_filter(format_month_fr),
    "sort_fr": sort_fr,
    "upcoming": upcoming,
    "past": past,
    "undated": undated,
    "group_by_year": group_by_year,
    "group_by_month": group_by_month,
    "degrees": degrees,
    "map_label": map_label,
    "mapframe_geojson": mapframe_geojson,
}
