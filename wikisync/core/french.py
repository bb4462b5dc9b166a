"""French for index pages: dates written out in French, and French alphabetical order.

:func:`format_date_fr`, :func:`format_month_fr` and :func:`format_date_span_fr`
write a date (an ISO string, a ``date``, or a
:class:`~wikisync.core.dates.DateValue`, read by :func:`parse_date`) in French long
form at the precision it was given with (``1er mai 2019``, ``juillet 2023``,
``du 30 juin au 1er juillet 2018``); :data:`MONTHS_FR`, the one table of
French month names, lives in :mod:`wikisync.core.dates`, which reads them, and is
re-exported here. :func:`parse_date` reads through
:func:`wikisync.core.dates.read_iso`, the one definition of a valid date that
``check`` uses too. :func:`sort_key_fr`, the one sort key of titles shown
to people, orders text as a French reader expects without ICU: case, accents
and ligatures aside first, numbers by value (``n°2`` before ``n°10``). The
page templates reach these through the filters of :mod:`wikisync.core.render`. Pure: no I/O here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import TypeAlias

from wikisync.core.dates import MONTHS_FR, read_iso

__all__ = [
    "EN_DASH",
    "MONTHS_FR",
    "format_date_fr",
    "format_date_span_fr",
    "format_month_fr",
    "is_date",
    "parse_date",
    "sort_key_fr",
    "sort_titles",
]

#: Joins two dates of different precisions (``2023`` and ``juillet 2024``).
EN_DASH = "\u2013"


# -- dates ---------------------------------------------------------------------------


def _has_iso(value: object) -> bool:
    # Duck-typed DateValue (wikisync.core.dates) and similar: anything with .iso().
    return not isinstance(value, str) and callable(getattr(value, "iso", None))


def parse_date(value: object) -> tuple[dt.date, str] | None:
    """Read a date as records carry it, with its precision.

    Accepts ``date``/``datetime`` objects, objects with an ``iso()`` method
    (``wikisync.core.dates.DateValue``) and ISO strings: ``"2018-07-03"``,
    ``"2023-07"`` (month precision), ``"2023"`` (year precision),
    ``"2024-03-05T18:30:00"`` (with or without a UTC offset; the time is
    dropped).

    Args:
        value: the value; ``None`` or a blank string mean no date.

    Returns:
        ``(first day covered, precision)`` with precision ``"day"``,
        ``"month"`` or ``"year"``; ``None`` for no date.

    Raises:
        ValueError: the value is not a date in one of these forms.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date(), "day"
    if isinstance(value, dt.date):
        return value, "day"
    if _has_iso(value):
        value = value.iso()  # type: ignore[attr-defined]
    if not isinstance(value, str):
        raise ValueError(f"expected a date, got {value!r}")
    text = value.strip()
    if not text:
        return None
    found = read_iso(text)  # the one definition of a valid date (wikisync.core.dates)
    if found is None:
        raise ValueError(
            f"expected an ISO date (2018-07-03, 2023-07, 2024-03-05T18:30:00), got {value!r}"
        )
    precision = "day" if found.precision == "datetime" else found.precision
    return found.to_date(), precision


def is_date(value: object) -> bool:
    """Whether a value is a date object (not a string) that :func:`parse_date` reads.

    ``date`` and ``datetime`` objects count, and anything with an ``iso()``
    method, such as :class:`~wikisync.core.dates.DateValue`.
    """
    return isinstance(value, dt.date) or _has_iso(value)


def _day_fr(day: int) -> str:
    return "1er" if day == 1 else str(day)


def format_date_fr(value: object) -> str:
    """A date in French long form, at the precision it was written with.

    Example:
        >>> format_date_fr("2018-07-03"), format_date_fr("2019-05-01")
        ('3 juillet 2018', '1er mai 2019')
        >>> format_date_fr("2023-07"), format_date_fr(None)
        ('juillet 2023', '')

    Raises:
        ValueError: not a date (see :func:`parse_date`).
    """
    parsed = parse_date(value)
    if parsed is None:
        return ""
    date, precision = parsed
    if precision == "year":
        return str(date.year)
    month = MONTHS_FR[date.month - 1]
    if precision == "month":
        return f"{month} {date.year}"
    return f"{_day_fr(date.day)} {month} {date.year}"


def format_month_fr(value: object) -> str:
    """The month of a date as a heading: ``"Juillet 2023"``.

    Raises:
        ValueError: not a date, or a date of year precision.
    """
    parsed = parse_date(value)
    if parsed is None:
        return ""
    date, precision = parsed
    if precision == "year":
        raise ValueError(f"expected a date with a month, got {value!r}")
    return f"{MONTHS_FR[date.month - 1].capitalize()} {date.year}"


def format_date_span_fr(start: object, end: object = None) -> str:
    """The dates of an event: one date, or "du … au …" sharing month and year where it can.

    Example:
        >>> format_date_span_fr("2018-07-03"), format_date_span_fr("2018-07-01", "2018-07-05")
        ('3 juillet 2018', 'du 1er au 5 juillet 2018')
        >>> format_date_span_fr("2018-06-30", "2018-07-01")
        'du 30 juin au 1er juillet 2018'

    Raises:
        ValueError: a value is not a date.
    """
    first, last = parse_date(start), parse_date(end)
    if first is None or last is None or first == last:
        return format_date_fr(start if first is not None else end)
    (a, a_precision), (b, b_precision) = first, last
    if a_precision != "day" or b_precision != "day":
        return f"{format_date_fr(start)} {EN_DASH} {format_date_fr(end)}"
    if a.year != b.year:
        return f"du {format_date_fr(start)} au {format_date_fr(end)}"
    if a.month != b.month:
        return f"du {_day_fr(a.day)} {MONTHS_FR[a.month - 1]} au {format_date_fr(end)}"
    return f"du {_day_fr(a.day)} au {format_date_fr(end)}"


# -- collation -----------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_DIGITS = re.compile(r"([0-9]+)")

#: A piece of a sort key: a run of text, or a number as (digit count, digits).
SortChunk: TypeAlias = str | tuple[int, str]
#: What :func:`sort_key_fr` returns: compare keys, never look inside.
SortKey: TypeAlias = tuple[tuple[SortChunk, ...], tuple[SortChunk, ...], tuple[SortChunk, ...], str]


def _natural(text: str) -> tuple[SortChunk, ...]:
    # Text runs and digit runs alternate (re.split keeps the digits at odd
    # places), so two keys always compare text with text and numbers with
    # numbers. A number compares by its digit count, then its digits: no int()
    # of a huge run, and "007" ties with "7" until the last level.
    parts = _DIGITS.split(text)
    return tuple(
        (len(part.lstrip("0")), part.lstrip("0")) if odd % 2 else part
        for odd, part in enumerate(parts)
    )


def sort_key_fr(text: str) -> SortKey:
    """The one sort key of titles and values shown to people (French order, natural numbers).

    Without ICU, in the order a French reader expects:

    1. letters without case or accents (``É`` with ``E``, ``œ`` as ``oe``),
       runs of whitespace as one space, and numbers by their value
       (``n°2`` before ``n°10``, ``Atelier 9`` before ``Atelier 10``);
    2. then accents (``cote`` before ``côte``);
    3. then case, capitals first (``Été`` before ``été``);
    4. then the exact text, so that the order is total and stable.

    Example:
        >>> sorted(["n°10", "été", "n°2", "Été", "étude", "Eau", "abri"], key=sort_key_fr)
        ['abri', 'Eau', 'Été', 'été', 'étude', 'n°2', 'n°10']
    """
    spaced = " ".join(text.split())
    decomposed = unicodedata.normalize("NFKD", spaced)
    base = "".join(char for char in decomposed if not unicodedata.combining(char))
    accented = decomposed.casefold().translate(_LIGATURES)
    return (
        _natural(base.casefold().translate(_LIGATURES)),
        _natural(accented),
        _natural(decomposed),
        text,
    )


def sort_titles(titles: Iterable[str]) -> list[str]:
    """Titles in the order people read lists in (:func:`sort_key_fr`): the
    order of ``wikisync pages``, of every source's category listing, of
    records and of reports.

    Example:
        >>> sort_titles(["Atelier n°10", "atelier n°2", "Échange", "Eau"])
        ['atelier n°2', 'Atelier n°10', 'Eau', 'Échange']
    """
    return sorted(titles, key=sort_key_fr)
