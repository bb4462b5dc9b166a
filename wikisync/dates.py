"""Dates as written on wiki pages: ISO, French long form, day-first numbers.

:func:`read_date` reads the ways FabMob pages write a date or a date-time
(``2018-07-03``, ``1er mai 2019``, ``mercredi 3 juillet 2018 à 18h30``,
``Juillet 2023``, ``03/07/2018``; English month names too) into a
:class:`DateValue`, which keeps the precision it was written with (year,
month, day or date-time) and orders chronologically. The French month names
are :data:`wikisync.french.MONTHS_FR`, with the abbreviations and spellings
pages use beside them. :func:`wikisync.values.parse_date` is the field parser
built on it. Pure: no I/O here.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Literal, TypeAlias

from wikisync.french import MONTHS_FR

__all__ = ["DateValue", "Precision", "read_date"]


Precision: TypeAlias = Literal["year", "month", "day", "datetime"]


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
    [
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
_ORDINAL_SUFFIXES = ("er", "ᵉʳ", "re", "e")


def read_date(text: str) -> DateValue | None:
    """Read a date as written on FabMob pages, keeping its precision.

    Accepts ISO 8601 (``2018-07-03``, ``2018-07``, ``2018``,
    ``2024-03-05T18:30[:00][Z|+02:00]``, a space instead of ``T``), the French
    long form (``3 juillet 2018``, ``1er mai 2019``, ``mercredi 3 juillet 2018``,
    ``3 juil. 2018``, with an optional time ``à 18h30`` or ``18:30``), month
    precision (``Juillet 2023``), English month names, and ``03/07/2018``
    (day first, as in French).

    Returns:
        The date, or None when the text is not one of those forms or no real date.
    """
    value = unicodedata.normalize("NFC", text).strip()
    try:
        return _parse_date(value)
    except ValueError:
        return None


def _parse_date(value: str) -> DateValue | None:
    if not value:
        return None
    if value[0].isdigit() and value[:4].isdigit():
        return _parse_iso(value)
    if "/" in value or "." in value.rstrip("."):
        numeric = _parse_numeric(value)
        if numeric is not None:
            return numeric
    return _parse_words(value)


def _parse_iso(value: str) -> DateValue | None:
    if len(value) == 4:
        return DateValue(int(value), precision="year")
    if len(value) == 7 and value[4] == "-" and value[5:].isdigit():
        month = int(value[5:])
        if not 1 <= month <= 12:
            return None
        return DateValue(int(value[:4]), month, precision="month")
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


def _parse_numeric(value: str) -> DateValue | None:
    parts = value.replace(".", "/").split("/")
    if len(parts) != 3 or not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        return None
    day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    return DateValue(day.year, day.month, day.day)


def _parse_words(value: str) -> DateValue | None:
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
        if month is None or time is not None or not _is_year(words[1]):
            return None
        return DateValue(int(words[1]), month, precision="month")
    if len(words) != 3:
        return None
    day_word = words[0].lower()
    for suffix in _ORDINAL_SUFFIXES:
        if day_word.endswith(suffix) and day_word[: -len(suffix)].isdigit():
            day_word = day_word[: -len(suffix)]
            break
    month = _MONTHS.get(words[1].lower())
    if not day_word.isdigit() or month is None or not _is_year(words[2]):
        return None
    day = dt.date(int(words[2]), month, int(day_word))
    if time is None:
        return DateValue(day.year, day.month, day.day)
    return DateValue(day.year, day.month, day.day, *time, "datetime")


def _is_year(word: str) -> bool:
    return len(word) == 4 and word.isdigit()


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
