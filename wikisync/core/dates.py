"""Dates as written on wiki pages: ISO, French and English words, numbers, ranges.

:func:`read_date` reads the ways real pages write a date or a date-time
(``2018-07-03``, ``1er mai 2019``, ``mercredi 3 juillet 2018 à 18h30``,
``Juillet 2023``, ``03/07/2018``, Page Forms' ``2018/07/03``, English
``January 4, 1985`` and ``4 January 1985``) into a :class:`DateValue`, which
keeps the precision it was written with (year, month, day or date-time) and
orders chronologically. :func:`read_date_or_range` reads French ranges as
well (``19 et 20 mai 2025``, ``du 3 au 5 juillet 2018``, ``du 30 juin au 2
juillet 2018``, two dates joined by a dash) into a :class:`DateRange`.
:func:`date_from_parts` builds a date from a date template's year, month and
day parameters.

This module is the one definition of a valid date: years 1 to 9999, months 1
to 12, days that exist in their month. :func:`valid_date` applies it to any
value a record may carry (a :class:`DateValue`, a ``date``, an ISO string),
for :mod:`wikisync.core.records` (``check``) and :mod:`wikisync.core.render` alike.

A two-digit year (``19/09/19``) is never guessed: :class:`TwoDigitYearError`
says so, unless the caller gives a ``century`` (``2000`` reads ``19`` as
2019). The month names are :data:`MONTHS_FR` (French, which
:mod:`wikisync.core.french` writes) with the abbreviations, unaccented spellings
and English names pages use beside them. Pure: no I/O here.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "MONTHS_FR",
    "DateRange",
    "DateValue",
    "Precision",
    "TwoDigitYearError",
    "date_from_parts",
    "month_number",
    "read_date",
    "read_date_or_range",
    "read_iso",
    "valid_date",
]

#: The French month names, January first, in lower case.
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

Precision: TypeAlias = Literal["year", "month", "day", "datetime"]

#: The years a date may have (MediaWiki, ISO 8601 and Python agree on these).
MIN_YEAR, MAX_YEAR = 1, 9999


class TwoDigitYearError(ValueError):
    """A date written with a two-digit year, which is not guessed."""


@dataclass(frozen=True, slots=True, order=True)
class DateValue:
    """A date or date-time that remembers the precision it was written with.

    Orders chronologically (a month sorts before the days of that month).

    Example:
        >>> read_date("1er mai 2019").iso()
        '2019-05-01'
        >>> read_date("Juillet 2023").iso()
        '2023-07'
    """

    year: int
    month: int = 0
    day: int = 0
    hour: int = 0
    minute: int = 0
    second: int = 0
    precision: Precision = "day"
    #: UTC offset as written in ISO input ("Z", "+02:00"), or "".
    tz: str = ""

    def iso(self) -> str:
        """Render ISO 8601 at the value's precision."""
        if self.precision == "year":
            return f"{self.year:04d}"
        if self.precision == "month":
            return f"{self.year:04d}-{self.month:02d}"
        day = f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.precision == "day":
            return day
        return f"{day}T{self.hour:02d}:{self.minute:02d}:{self.second:02d}{self.tz}"

    def to_date(self) -> dt.date:
        """The first day the value covers (1 January for a year, the 1st for a month)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def __str__(self) -> str:
        return self.iso()


@dataclass(frozen=True, slots=True)
class DateRange:
    """Two dates written as one value (``du 3 au 5 juillet 2018``).

    Records never keep a range: :mod:`wikisync.core.records` puts its two ends into
    the field and its end field, or reports a problem.
    """

    start: DateValue
    end: DateValue

    def iso(self) -> str:
        """The ISO 8601 interval, ``2018-07-03/2018-07-05``."""
        return f"{self.start.iso()}/{self.end.iso()}"

    def __str__(self) -> str:
        return self.iso()


# -- validity -----------------------------------------------------------------------


def _checked(value: DateValue) -> DateValue:
    # The one definition of a valid date; raises ValueError otherwise.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year {value.year} is out of range")
    if value.precision != "year":
        if not 1 <= value.month <= 12:
            raise ValueError(f"month {value.month} is out of range")
        if value.precision != "month":
            dt.date(value.year, value.month, value.day)
    return value


def valid_date(value: object) -> DateValue | None:
    """The date a record's value holds, by the one definition of a valid date.

    Accepts a :class:`DateValue`, a ``date`` or ``datetime``, and strings in
    any form :func:`read_date` reads (ISO as records carry it first of all).

    Returns:
        The date, or ``None`` for ``None`` and blank strings.

    Raises:
        ValueError: the value is no valid date (year 0, month 13, 30 February,
            a number, words), naming the value.

    Example:
        >>> valid_date("2018-07-03").iso()
        '2018-07-03'
        >>> valid_date("0000")
        Traceback (most recent call last):
        ...
        ValueError: not a valid date: '0000'
    """
    if value is None:
        return None
    if isinstance(value, DateValue):
        try:
            return _checked(value)
        except ValueError:
            raise ValueError(f"not a valid date: {value.iso()!r}") from None
    if isinstance(value, dt.datetime):
        return DateValue(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return DateValue(value.year, value.month, value.day)
    if isinstance(value, str):
        if not value.strip():
            return None
        found = read_date(value)
        if found is not None:
            return found
    raise ValueError(f"not a valid date: {value!r}")


def read_iso(text: str) -> DateValue | None:
    """Read an ISO 8601 date as records carry it, by the one definition of a valid date.

    ``2018-07-03``, ``20180703``, ``2023-07``, ``2023``,
    ``2024-03-05T18:30:00`` (with or without a UTC offset).

    Returns:
        The date, or None for any other text or no valid date (``0000``).
    """
    value = text.strip()
    if len(value) < 4 or not value[:4].isascii() or not value[:4].isdigit():
        return None
    try:
        found = _parse_iso(value)
        return None if found is None else _checked(found)
    except ValueError:
        return None


# -- month names -----------------------------------------------------------------------

# Other spellings of each month's name than MONTHS_FR's: French abbreviations,
# names without their accents, English.
_MONTH_SPELLINGS = (
    "janv jan january",
    "fevrier févr fevr fév fev feb february",
    "mar march",
    "avr apr april",
    "may",
    "jun june",
    "juil jul july",
    "aout aoû aou aug august",
    "sept sep september",
    "oct october",
    "nov november",
    "decembre déc dec december",
)
_MONTHS: dict[str, int] = {
    name: number
    for number, (full, others) in enumerate(zip(MONTHS_FR, _MONTH_SPELLINGS, strict=True), 1)
    for name in (full, *others.split())
}

_WEEKDAYS = frozenset(
    (
        *("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    )
)
_ORDINAL_SUFFIXES = ("er", "ᵉʳ", "re", "e", "st", "nd", "rd", "th")


def month_number(word: str) -> int | None:
    """The month a name, an abbreviation or a number ``1`` to ``12`` stands for."""
    word = unicodedata.normalize("NFC", word).strip().rstrip(".").lower()
    if word.isascii() and word.isdigit():
        number = int(word)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(word)


def date_from_parts(year: str, month: str = "", day: str = "") -> DateValue | None:
    """A date from a date template's parameters (``{{start date|1997|05|16}}``).

    The month may be a number or a name (``Jun``, ``juillet``); the day may
    carry an ordinal suffix (``1er``). A missing day gives month precision, a
    missing month year precision.

    Returns:
        The date, or ``None`` when a part is not a number or a name, or the
        date does not exist. A two-digit year is ``None`` too (a three-digit
        one, ``{{start date|962|2|2}}``, is a year of the first millennium).
    """
    year, month, day = year.strip(), month.strip(), day.strip()
    if not (year.isascii() and year.isdigit() and len(year) in (3, 4)):
        return None
    try:
        if not month:
            return None if day else _checked(DateValue(int(year), precision="year"))
        number = month_number(month)
        if number is None:
            return None
        if not day:
            return _checked(DateValue(int(year), number, precision="month"))
        day_number = _day_number(day)
        if day_number is None:
            return None
        return _checked(DateValue(int(year), number, day_number))
    except ValueError:
        return None


def _day_number(word: str) -> int | None:
    word = word.lower()
    for suffix in _ORDINAL_SUFFIXES:
        if word.endswith(suffix) and word[: -len(suffix)].isdigit():
            word = word[: -len(suffix)]
            break
    return int(word) if word.isascii() and word.isdigit() and len(word) <= 2 else None


# -- reading --------------------------------------------------------------------------


def read_date(text: str, *, century: int | None = None) -> DateValue | None:
    """Read a date as written on wiki pages, keeping its precision.

    Accepts ISO 8601 (``2018-07-03``, ``2018-07``, ``2018``,
    ``2024-03-05T18:30[:00][Z|+02:00]``, a space instead of ``T``), the French
    long form (``3 juillet 2018``, ``1er mai 2019``, ``mercredi 3 juillet 2018``,
    ``3 juil. 2018``, with an optional time ``à 18h30`` or ``18:30``), month
    precision (``Juillet 2023``), English (``January 4, 1985``, ``4 January
    1985``, ``Jan 4th, 1985``), ``03/07/2018`` (day first, as in French) and
    ``2018/07/03`` (year first, as Page Forms' date picker writes; its
    datetime input adds a time, ``2018/07/03 18:30``).

    Args:
        text: the text.
        century: read a two-digit year ``yy`` as ``century + yy``; without
            it a two-digit year raises :class:`TwoDigitYearError`.

    Returns:
        The date, or None when the text is not one of those forms or no valid date.

    Raises:
        TwoDigitYearError: the text is a date with a two-digit year and no
            century was given.
    """
    value = (text if text.isascii() else unicodedata.normalize("NFC", text)).strip()
    try:
        found = _parse_date(value, century)
        if found is None or found.precision in ("day", "datetime"):
            return found  # built through datetime.date: a real day of years 1 to 9999
        return _checked(found)
    except TwoDigitYearError:
        raise
    except ValueError:
        return None


def read_date_or_range(text: str, *, century: int | None = None) -> DateValue | DateRange | None:
    """Read a date (see :func:`read_date`) or a range of two dates.

    Ranges: ``19 et 20 mai 2025``, ``du 3 au 5 juillet 2018``, ``du 30 juin
    au 2 juillet 2018``, ``du 30 décembre 2018 au 2 janvier 2019``, ``3-5
    juillet 2018``, English ``12-15 February 2007``, ``July 3-5, 2018``,
    ``June 30 - July 2, 2018``, and two full dates joined by a hyphen, an en
    or em dash, ``au`` or ``to``.

    Returns:
        The date or range, or None. A range whose end is before its start is None.

    Raises:
        TwoDigitYearError: as :func:`read_date`.
    """
    single = read_date(text, century=century)
    if single is not None:
        return single
    value = unicodedata.normalize("NFC", text).strip()
    try:
        found = _parse_range(value, century)
    except TwoDigitYearError:
        raise
    except ValueError:
        return None
    if found is None or found.end < found.start:
        return None
    return found


def _parse_date(value: str, century: int | None) -> DateValue | None:
    if not value:
        return None
    if value[0].isdigit() and value[:4].isdigit() and value[4:5] != "/":
        return _parse_iso(value)
    if "/" in value or "." in value.rstrip("."):
        numeric = _parse_numeric(value, century)
        if numeric is not None:
            return numeric
    return _parse_words(value, century)


def _parse_iso(value: str) -> DateValue | None:
    if len(value) == 4:
        return DateValue(int(value), precision="year")
    if len(value) == 7 and value[4] == "-" and value[5:].isdigit():
        return DateValue(int(value[:4]), int(value[5:]), precision="month")
    day_part = value.replace("T", " ").split(" ", 1)[0]
    if not _is_iso_day(day_part):
        # fromisoformat reads only the first 8 digits of "1682060160"
        return None
    if "T" not in value and " " not in value and ":" not in value:
        day = dt.date.fromisoformat(value)  # also the basic form, 20180703
        return DateValue(day.year, day.month, day.day)
    moment = dt.datetime.fromisoformat(value)
    tz = ""
    if moment.tzinfo is not None:
        tz = "Z" if value.endswith(("Z", "z")) else moment.isoformat()[-6:]
    return DateValue(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        "datetime",
        tz,
    )


def _is_iso_day(text: str) -> bool:
    # YYYY-MM-DD or the basic YYYYMMDD, nothing else.
    if len(text) == 8:
        return text.isascii() and text.isdigit()
    return (
        len(text) == 10
        and text[4] == "-"
        and text[7] == "-"
        and (text[:4] + text[5:7] + text[8:]).isascii()
        and (text[:4] + text[5:7] + text[8:]).isdigit()
    )


def _year(word: str, century: int | None, whole: str, *, named: bool = False) -> int:
    # named: the month is written as a word, so a three-digit year ("2 February 962")
    # cannot be anything else.
    if (len(word) == 4 or (named and len(word) == 3)) and word.isascii() and word.isdigit():
        return int(word)
    if len(word) == 2 and word.isascii() and word.isdigit():
        if century is None:
            raise TwoDigitYearError(whole)
        return century + int(word)
    raise ValueError(whole)


def _parse_numeric(value: str, century: int | None) -> DateValue | None:
    date_part, _, time_part = value.partition(" ")
    if time_part:  # Page Forms' datetime input: "2018/07/03 18:30"
        time_text = time_part.strip()
        if time_text.lower().startswith(("à ", "a ")):
            time_text = time_text[2:].strip()
        found = _parse_numeric(date_part, century)
        time = _parse_time(time_text) if _looks_like_time(time_text) else None
        if found is None or time is None:
            return None
        return DateValue(found.year, found.month, found.day, *time, "datetime")
    parts = value.replace(".", "/").split("/")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    if len(parts[0]) == 4:  # 2018/07/03: year first (Page Forms)
        day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    else:
        if len(parts[0]) > 2 or len(parts[1]) > 2:
            return None
        day = dt.date(_year(parts[2], century, value), int(parts[1]), int(parts[0]))
    return DateValue(day.year, day.month, day.day)


def _parse_words(value: str, century: int | None) -> DateValue | None:
    words = value.replace(",", " ").replace(".", " ").split()
    time: tuple[int, int, int] | None = None
    # A trailing time: "18h30", "18:30", "18:30:00", optionally after "à"/"at".
    if len(words) >= 3 and _looks_like_time(words[-1]):
        time = _parse_time(words[-1])
        words = words[:-1]
        if words and words[-1].lower() in ("à", "a", "at"):
            words = words[:-1]
        if time is None:
            return None
    if words and words[0].lower() in _WEEKDAYS:
        words = words[1:]
    if len(words) == 2:
        month = _MONTHS.get(words[0].lower())
        if month is None or time is not None or not words[1].isdigit():
            return None
        return DateValue(_year(words[1], century, value, named=True), month, precision="month")
    if len(words) != 3:
        return None
    day_word, month_word = words[0], words[1]
    if _MONTHS.get(day_word.lower()) is not None:  # English: "January 4, 1985"
        day_word, month_word = month_word, day_word
    month = _MONTHS.get(month_word.lower())
    day_number = _day_number(day_word)
    if day_number is None or month is None or not words[2].isdigit():
        return None
    day = dt.date(_year(words[2], century, value, named=True), month, day_number)
    if time is None:
        return DateValue(day.year, day.month, day.day)
    return DateValue(day.year, day.month, day.day, *time, "datetime")


def _looks_like_time(word: str) -> bool:
    return word[:1].isdigit() and ("h" in word.lower() or ":" in word)


def _parse_time(word: str) -> tuple[int, int, int] | None:
    parts = word.lower().replace("h", ":").split(":")
    if parts[-1] == "":  # "18h"
        parts[-1] = "0"
    if not 2 <= len(parts) <= 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    hour, minute, second = (int(part) for part in (*parts, "0")[:3])
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


# -- ranges ---------------------------------------------------------------------------

_DASHES = ("\u2013", "\u2014", "-", "\u2010", "\u2011")


def _parse_range(value: str, century: int | None) -> DateRange | None:
    text = " ".join(value.split())
    lower = text.lower()
    if lower.startswith("du "):
        text = text[3:]
        lower = lower[3:]
    first = second = ""
    for joiner in (" au ", " et ", " to ", " and "):
        if joiner in lower:
            at = lower.index(joiner)
            first, second = text[:at], text[at + len(joiner) :]
            break
    else:
        for dash in _DASHES:
            if dash in text:
                first, _, second = (part.strip() for part in text.partition(dash))
                if first.isdigit() and len(first) == 4 and not _four_digits(second):
                    first = second = ""  # "2018-07-03": ISO, not a range
                    continue
                break
    if not first or not second:
        return None
    end = _attempt(second.strip(), century)
    if end is None:
        end = _complete_end(first.strip(), second.strip(), century)
    if end is None or end.precision == "datetime":
        return None
    if end.precision == "year":  # "1990 to 1995" with a dash: two whole years, nothing else
        if not (_four_digits(first.strip()) and _four_digits(second.strip())):
            return None
        return DateRange(_checked(DateValue(int(first), precision="year")), _checked(end))
    try:
        start = _attempt(first.strip(), century)
    except TwoDigitYearError:  # "June 30" (- July 2, 2018) is a day, not a year 30
        start = None
    if start is None:  # "19" (et 20 mai 2025): completed by the end
        start = _complete_start(first.strip(), end)
    if start is None or start.precision == "datetime":
        return None
    return DateRange(_checked(start), _checked(end))


def _four_digits(text: str) -> bool:
    return len(text) == 4 and text.isascii() and text.isdigit()


def _attempt(text: str, century: int | None) -> DateValue | None:
    try:
        return _parse_date(text, century)
    except TwoDigitYearError:
        raise
    except ValueError:
        return None


def _complete_start(first: str, end: DateValue) -> DateValue | None:
    # "19" (et 20 mai 2025), "30 juin" (au 2 juillet 2018): the end's month or year.
    words = first.split()
    if end.precision != "day" or not 1 <= len(words) <= 2:
        return None
    if len(words) == 2 and _MONTHS.get(words[0].lower().rstrip(".")) is not None:
        words = [words[1], words[0]]  # English: "June 30" (- July 2, 2018)
    day = _day_number(words[0])
    if day is None:
        return None
    month = end.month
    if len(words) == 2:
        named = _MONTHS.get(words[1].lower().rstrip("."))
        if named is None:
            return None
        month = named
    return DateValue(end.year, month, day)


def _complete_end(first: str, second: str, century: int | None) -> DateValue | None:
    # English "July 3-5, 2018": the end takes the start's month.
    words = first.split()
    if len(words) != 2 or _MONTHS.get(words[0].lower().rstrip(".")) is None:
        return None
    return _attempt(f"{words[0]} {second}", century)
