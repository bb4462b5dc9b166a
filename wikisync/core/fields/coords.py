"""Geographic coordinates: the typed value of a ``coord`` field.

A :class:`Coord` is a point in WGS 84 degrees, latitude first as people write
it (GeoJSON writes ``[lon, lat]``; its writers swap). The parser of the
``coord`` field type lives beside it in this module.

:func:`read_coord` reads the forms real pages use:

* decimal degrees, latitude first: ``48.8566, 2.3522``, ``48.8566;2.3522``,
  ``48.8566 2.3522``, and with French decimal commas ``48,8566 ; 2,3522`` or
  ``48,8566, 2,3522`` (the values Page Forms' map inputs store are of this kind);
* degrees, minutes and seconds, with the typographic marks or their ASCII
  stand-ins (``48°51′24″N 2°21′08″E``, ``48°51'24"N, 2°21'08"E``,
  ``48°51'24''N``), decimal minutes or seconds, and signs or hemisphere letters
  (``N``/``S``, ``E``/``W``, any case) before or after each angle; with
  letters the order does not matter (``2°E 48°N``); ``O`` is a problem, as it
  is west in French (*ouest*) but east in German (*Ost*);
* the ``{{Coord}}`` template of English and French Wikipedia (``{{coord|lat|lon}}``,
  ``{{coord|lat|N|lon|E}}``, ``{{coord|d|m|N|d|m|E}}``,
  ``{{coord|d|m|s|N|d|m|s|E}}``; ``type:…`` parameters and named ones such as
  ``display=`` or ``format=`` aside) and the older ``{{coor dms|…}}`` family,
  read by :func:`coord_from_template`.

It never guesses: a text that splits into a latitude and a longitude in more
than one way (``12,5,3``), letters on one angle only, two latitudes, minutes
of 60 or more, a latitude beyond ±90° or a longitude beyond ±180° raise
:class:`~wikisync.core.errors.ValueFormatError`, and so does a point outside
the record type's ``region`` (:class:`Region`), whose message says when the
point would fit with latitude and longitude swapped. Which form a value is
written in is :func:`coord_style`; :func:`write_coord` writes a point in the
form of another value, so that a batch edit keeps the page's own spelling.
Pure: no I/O; only plain text is split with regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import mwparserfromhell
from mwparserfromhell.nodes import Comment

from wikisync.core.errors import ValueFormatError

__all__ = [
    "COORD_TEMPLATES",
    "Coord",
    "CoordStyle",
    "Region",
    "check_region",
    "coord_from_template",
    "coord_style",
    "format_coord",
    "read_coord",
    "write_coord",
]


@dataclass(frozen=True, slots=True, order=True)
class Coord:
    """A point: latitude in [-90, 90], longitude in [-180, 180], in degrees."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Region:
    """A bounding box a record type's points must fall in (degrees, edges included).

    Example:
        >>> Region(41.0, -5.5, 51.5, 10.0).contains(Coord(48.85, 2.35))
        True
    """

    south: float
    west: float
    north: float
    east: float

    def contains(self, point: Coord) -> bool:
        """Whether the point lies in the box."""
        return self.south <= point.lat <= self.north and self.west <= point.lon <= self.east

    def describe(self) -> str:
        """The box in words, for messages."""
        return (
            f"latitude {_number(self.south)} to {_number(self.north)}, "
            f"longitude {_number(self.west)} to {_number(self.east)}"
        )


#: Template names (by ``template_name_key``) read as coordinates: ``{{coord}}``
#: and the older ``{{coor …}}`` family it replaced, which take the same parameters.
COORD_TEMPLATES = frozenset(
    {
        "coord",
        "coor",
        *(
            f"coor {where}{form}"
            for where in ("", "title ", "at ")
            for form in ("d", "dm", "dms", "dec")
        ),
    }
)

_EXPECTED = "a coordinate (latitude, longitude such as 48.8566, 2.3522 or 48°51′24″N 2°21′08″E)"
_RANGE = "a coordinate with latitude from -90 to 90 and longitude from -180 to 180"
_WEST_O = (
    "a coordinate with E or W for its longitude (O is west in French, "
    "ouest, but east in German, Ost)"
)


class _LetterO(Exception):
    """An angle with the letter O, which means west or east by language."""


# Stand-ins, folded to one mark each before parsing.
_DEGREE_MARKS = str.maketrans({"º": "°", "˚": "°", "\u2212": "-", "\u2013": "-"})
_SECOND_MARKS = ("″", "”", "“", "''", "′′", "’’", "‘‘", "´´")
_MINUTE_MARKS = ("′", "’", "‘", "´", "`")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " "})

_NUM = r"\d+(?:[.,]\d+)?"
# One angle: an optional hemisphere letter before or after, a sign, degrees,
# and optional minutes and seconds (each with its mark).
_ANGLE_RE = re.compile(
    rf"""(?P<h1>[NSEWOnsewo])?\ *(?P<sign>[-+])?\ *(?P<deg>{_NUM})\ *
    (?:°\ *(?:(?P<min>{_NUM})\ *'\ *(?:(?P<sec>{_NUM})\ *"\ *)?)?)?
    (?P<h2>[NSEWOnsewo])?""",
    re.VERBOSE,
)
# Where latitude and longitude may part: a separator, spaces, or nothing
# between a mark or letter and what begins the next angle (N0°0'18"E0°0'18").
_SPLITS = re.compile(
    r"\s*[,;/]\s*|\s+|(?<=[°'\"NSEWOnsewo])(?=[NSEWOnsewo])|(?<=[NSEWOnsewo])(?=\d)"
)


@dataclass(frozen=True, slots=True)
class _Angle:
    value: float
    axis: str  # "lat", "lon" or "" (no hemisphere letter)
    text: str


def _angle(text: str) -> _Angle | None:
    match = _ANGLE_RE.fullmatch(text.strip())
    if match is None:
        return None
    h1, sign, deg, minutes, seconds, h2 = match.group("h1", "sign", "deg", "min", "sec", "h2")
    letter = (h1 or h2 or "").upper()
    if letter == "O":
        raise _LetterO
    if (h1 and h2) or (sign and letter):
        return None
    if minutes is not None and not deg.isdigit():
        return None
    if seconds is not None and not (minutes or "").isdigit():
        return None
    value = _float(deg)
    for part, scale in ((minutes, 60), (seconds, 3600)):
        if part is not None:
            amount = _float(part)
            if amount >= 60:
                return None
            value += amount / scale
    if sign == "-" or letter in ("S", "W"):
        value = -value
    axis = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}.get(letter, "")
    return _Angle(value, axis, text)


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _normalize(text: str) -> str:
    text = " ".join(text.translate(_SPACES).translate(_DEGREE_MARKS).split())
    for mark in _SECOND_MARKS:
        text = text.replace(mark, '"')
    for mark in _MINUTE_MARKS:
        text = text.replace(mark, "'")
    return text


def _pair(first: _Angle, second: _Angle) -> Coord | None:
    axes = (first.axis, second.axis)
    if axes == ("", "") or axes == ("lat", "lon"):
        return Coord(first.value, second.value)
    if axes == ("lon", "lat"):
        return Coord(second.value, first.value)
    return None  # letters on one angle only, or two latitudes


def _readings(text: str) -> Iterator[Coord]:
    # Every way of cutting the text in two angles at a separator.
    for match in _SPLITS.finditer(text):
        first = _angle(text[: match.start()])
        second = _angle(text[match.end() :]) if first is not None else None
        if first is not None and second is not None:
            point = _pair(first, second)
            if point is not None:
                yield point


#: Longer than any point written by hand (and a bound on the work per value).
MAX_LENGTH = 200


def read_coord(text: str) -> Coord:
    """Read a point written as text (see the module's notes for the forms).

    Raises:
        ValueFormatError: not a point, a point that can be read in two ways,
            or out of range.

    Example:
        >>> read_coord("48,8566 ; 2,3522")
        Coord(lat=48.8566, lon=2.3522)
        >>> read_coord("33°51′S 151°12′E")
        Coord(lat=-33.85, lon=151.2)
    """
    if len(text) > MAX_LENGTH:
        raise ValueFormatError(_EXPECTED, text.strip())
    plain = _normalize(text)
    try:
        found = sorted(set(_readings(plain)))
    except _LetterO:
        raise ValueFormatError(_WEST_O, text.strip()) from None
    if not found:
        raise ValueFormatError(_EXPECTED, text.strip())
    if len(found) > 1:
        ways = " or ".join(format_coord(point) for point in found[:2])
        raise ValueFormatError(f"a coordinate written one way only (it reads as {ways})", text)
    return _in_range(found[0], text)


def _in_range(point: Coord, raw: str) -> Coord:
    if not (-90 <= point.lat <= 90 and -180 <= point.lon <= 180):
        raise ValueFormatError(_RANGE, raw.strip())
    return point


def check_region(point: Coord, region: Region | None, raw: str) -> Coord:
    """The point, when it lies in the region (or no region is set).

    Raises:
        ValueFormatError: it lies outside; the message says when it would fit
            with latitude and longitude swapped (never swapped silently).
    """
    if region is None or region.contains(point):
        return point
    swapped = Coord(point.lon, point.lat)
    if region.contains(swapped):
        raise ValueFormatError(
            f"a coordinate in the region ({region.describe()}); it fits only with "
            "latitude and longitude swapped, write the latitude first",
            raw.strip(),
        )
    raise ValueFormatError(f"a coordinate in the region ({region.describe()})", raw.strip())


# -- {{coord}} --------------------------------------------------------------------


def _param_text(value: Any) -> str:
    return "".join(str(node) for node in value.nodes if not isinstance(node, Comment)).strip()


def _positional(wiki_template: Any) -> list[str]:
    values = [
        _param_text(param.value)
        for param in wiki_template.params
        if not param.showkey and ":" not in _param_text(param.value)
    ]
    while values and not values[-1]:
        values.pop()
    return values


def coord_from_template(wiki_template: Any) -> Coord:
    """Read a ``{{coord|…}}`` node (English and French Wikipedia's parameter forms).

    Raises:
        ValueFormatError: the parameters are no known form, or out of range.
    """
    raw = str(wiki_template)
    parts = _positional(wiki_template)
    if any("," in part for part in parts):
        raise ValueFormatError(
            "a {{coord}} with decimal points (the template reads no decimal comma)", raw
        )
    halves: tuple[list[str], list[str]] | None = None
    if len(parts) == 2:
        halves = [parts[0]], [parts[1]]
    elif len(parts) in (4, 6, 8):
        half = len(parts) // 2
        halves = parts[:half], parts[half:]
    if halves is None:
        raise ValueFormatError(_EXPECTED, raw)
    try:
        angles = [_template_angle(half) for half in halves]
    except _LetterO:
        raise ValueFormatError(_WEST_O, raw) from None
    if angles[0] is None or angles[1] is None:
        raise ValueFormatError(_EXPECTED, raw)
    if len(parts) > 2 and (angles[0].axis, angles[1].axis) != ("lat", "lon"):
        raise ValueFormatError(_EXPECTED, raw)
    point = _pair(angles[0], angles[1])
    if point is None:
        raise ValueFormatError(_EXPECTED, raw)
    return _in_range(point, raw)


def _template_angle(half: list[str]) -> _Angle | None:
    if len(half) == 1:
        return _angle(half[0]) if half[0][-1:].isdigit() else None
    *numbers, letter = half
    if letter not in ("N", "S", "E", "W", "O") or not all(numbers):
        return None
    marks = ["°", "'", '"'][: len(numbers)]
    if any(number[:1] in "+-" for number in numbers):
        return None
    return _angle("".join(n + m for n, m in zip(numbers, marks, strict=True)) + letter)


# -- writing ----------------------------------------------------------------------


def _number(value: float, places: int = 7) -> str:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_coord(point: Coord) -> str:
    """A point as ``lat, lon`` in decimal degrees (at most 7 decimals).

    Example:
        >>> format_coord(Coord(48.85661400001, 2.3522219))
        '48.856614, 2.3522219'
    """
    return f"{_number(point.lat)}, {_number(point.lon)}"


@dataclass(frozen=True, slots=True)
class CoordStyle:
    """How a value writes its point: enough to write another point the same way.

    Attributes:
        kind: ``decimal`` (signed numbers), ``letters`` (decimal degrees with
            ``N``/``S``/``E``/``W``), ``dms`` (degrees, minutes, seconds with
            letters) or ``template`` (``{{coord|lat|lon}}``).
        decimal_mark: ``.`` or ``,``.
        separator: what stands between latitude and longitude (``", "``, ``" ; "``…).
        template: the template as written (for ``template``): its name and
            its other parameters (``display=``, ``type:…``) are kept.
        degree: the degree sign after the degrees (``°`` or ``""``, for ``letters``).
        minute: the minute mark (``′`` or ``'``).
        second: the second mark (``″``, ``"`` or ``''``).
        gap: what stands before a letter (``" "`` or ``""``).
    """

    kind: str = "decimal"
    decimal_mark: str = "."
    separator: str = ", "
    template: str = "{{coord}}"
    degree: str = "°"
    minute: str = "′"
    second: str = "″"
    gap: str = ""


def coord_style(text: str) -> CoordStyle | None:
    """The form a value is written in, or None when it is no point wikisync reads.

    Example:
        >>> coord_style("48,8566 ; 2,3522").separator
        ' ; '
        >>> coord_style("48°51'24''N 2°21'08''E").second
        "''"
    """
    stripped = text.strip()
    if stripped.startswith("{{"):
        code = mwparserfromhell.parse(stripped)
        nodes = code.filter_templates(recursive=False)
        if len(code.nodes) != 1 or len(nodes) != 1:
            return None
        if _key(str(nodes[0].name)) not in COORD_TEMPLATES:
            return None
        return CoordStyle("template", template=stripped)
    try:
        read_coord(stripped)
    except ValueFormatError:
        return None
    plain = _normalize(stripped)
    if "'" in plain or '"' in plain:
        kind = "dms"
    elif any(letter in plain.upper() for letter in "NSEW"):
        kind = "letters"
    else:
        kind = "decimal"
    second = "″" if "″" in stripped else ("''" if "''" in stripped else '"')
    marks = {
        "degree": "°" if "°" in plain else "",
        "minute": "′" if "′" in stripped else "'",
        "second": second,
        "gap": " " if re.search(r"[\d°'\"] [NSEWnsew]", plain) else "",
    }
    for match in _SPLITS.finditer(plain):
        first, second_angle = _angle(plain[: match.start()]), _angle(plain[match.end() :])
        if first is None or second_angle is None or _pair(first, second_angle) is None:
            continue
        mark = "," if "," in first.text or "," in second_angle.text else "."
        return CoordStyle(kind, mark, match.group(), **marks)
    return None  # pragma: no cover - read_coord found a reading


def _key(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold().removeprefix("modèle:").strip()


def _dms(value: float, letters: str, style: CoordStyle) -> str:
    letter = letters[0] if value >= 0 else letters[1]
    total = round(abs(value) * 3600, 1)
    degrees, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    second_text = _number(seconds, 1).replace(".", style.decimal_mark)
    return (
        f"{int(degrees)}°{int(minutes)}{style.minute}{second_text}{style.second}{style.gap}{letter}"
    )


def _lettered(value: float, letters: str, style: CoordStyle) -> str:
    letter = letters[0] if value >= 0 else letters[1]
    number = _number(abs(value)).replace(".", style.decimal_mark)
    return f"{number}{style.degree}{style.gap}{letter}"


def write_coord(point: Coord, style: CoordStyle) -> str:
    """Write a point in a style (see :func:`coord_style`).

    Example:
        >>> write_coord(Coord(45.76, 4.835), CoordStyle("decimal", ",", " ; "))
        '45,76 ; 4,835'
        >>> write_coord(Coord(45.76, -4.835), CoordStyle("dms", ".", " "))
        '45°45′36″N 4°50′6″W'
        >>> write_coord(Coord(45.76, -4.835), CoordStyle("letters", ".", ", ", gap=" "))
        '45.76° N, 4.835° W'
    """
    if style.kind == "template":
        node = mwparserfromhell.parse(style.template).filter_templates(recursive=False)[0]
        kept = "".join(
            f"|{param}" for param in node.params if param.showkey or ":" in _param_text(param.value)
        )
        return f"{{{{{node.name}|{_number(point.lat)}|{_number(point.lon)}{kept}}}}}"
    if style.kind in ("dms", "letters"):
        write = _dms if style.kind == "dms" else _lettered
        return write(point.lat, "NS", style) + style.separator + write(point.lon, "EW", style)
    lat, lon = _number(point.lat), _number(point.lon)
    separator = style.separator
    if style.decimal_mark == ",":
        lat, lon = lat.replace(".", ","), lon.replace(".", ",")
        if separator == ",":  # "45,4,835" would read two ways
            separator = ", "
    return f"{lat}{separator}{lon}"
