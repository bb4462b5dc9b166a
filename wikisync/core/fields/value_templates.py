"""The templates real infobox values are written with, and how to read them.

:data:`DATE_TEMPLATES` maps the common date templates of English and French
Wikipedia and of Semantic MediaWiki / Page Forms pages to the parameters that
hold their year, month and day; :data:`WRAPPER_TEMPLATES` maps templates whose
text is the value (``{{nowrap|…}}``, ``{{lang|fr|…}}``) to the parameter that
holds it. :class:`ValueOptions` carries what a record type adds to these
tables and a field's own list separators and century. :mod:`wikisync.core.fields.values`
reads values with them. Pure data: no I/O here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from wikisync.core.fields.coords import Region

__all__ = [
    "CHAR_TEMPLATES",
    "DATE_TEMPLATES",
    "DEFAULT_OPTIONS",
    "IGNORED_TEMPLATES",
    "LIST_TEMPLATES",
    "WRAPPER_TEMPLATES",
    "DateTemplate",
    "ValueOptions",
    "template_name_key",
]


# -- tables ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateTemplate:
    """Where a date template keeps its date: the names of its parameters.

    Positional parameters are named ``"1"``, ``"2"``…; ``text`` names a
    parameter holding a whole date as text (``{{birth-date|4 July 1976}}``),
    or is ``":"`` for a parser function whose date follows the colon
    (``{{#formatdate:2018-07-03}}``).
    A missing day gives month precision; a missing month, year precision.
    """

    year: str = ""
    month: str = ""
    day: str = ""
    text: str = ""


_YMD = DateTemplate("1", "2", "3")
_DMY = DateTemplate("3", "2", "1")
_TEXT1 = DateTemplate(text="1")

#: Built-in date templates, by :func:`template_name_key`.
DATE_TEMPLATES: Mapping[str, DateTemplate] = {
    # English Wikipedia: year|month|day, named df=/mf=/paren= aside.
    **dict.fromkeys(
        (
            "start date",
            "start date and age",
            "end date",
            "end date and age",
            "birth date",
            "birth date and age",
            "death date",
            "death date and age",
            "dts",
            "date table sorting",
            "film date",
            "release date",
            "release date and age",
            "start-date",
            "end-date",
            "other date",
        ),
        _YMD,
    ),
    "birth year and age": DateTemplate("1"),
    "death year and age": DateTemplate("1"),
    "birth-date": _TEXT1,
    "death-date": _TEXT1,
    "birth-date and age": _TEXT1,
    "death-date and age": _TEXT1,
    # French Wikipedia: day|month|year ({{date|3|juillet|2018}}).
    **dict.fromkeys(
        (
            "date",
            "date-",
            "date de naissance",
            "date de décès",
            "date de naissance-",
            "date de décès-",
            "date sport",
        ),
        _DMY,
    ),
    "date triable": _TEXT1,
    # Semantic MediaWiki and Page Forms pages: parser functions over a date text.
    "#time": DateTemplate(text="1"),
    "#formatdate": DateTemplate(text=":"),
    "#dateformat": DateTemplate(text=":"),
}

#: Built-in wrapper templates: the parameter that holds the value shown.
WRAPPER_TEMPLATES: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "nowrap",
            "nobr",
            "nobreak",
            "small",
            "smaller",
            "big",
            "larger",
            "resize",
            "abbr",
            "abbrlink",
            "tooltip",
            "nobold",
            "noitalic",
            "sic",
            "lang-en",
            "lang-fr",
            "url",
            "official website",
            "official url",
            "plainlist",
            "flatlist",
            "petit",
            "abréviation",
            "abr",
            "flag",
            "flagcountry",
            "flag country",
            "nobr",
        ),
        "1",
    ),
    "lang": "2",
    "langue": "2",
    "native name": "2",
    "transl": "2",
}
#: Templates whose parameters are the items of a list.
LIST_TEMPLATES = frozenset(
    {
        "ubl",
        "unbulleted list",
        "ublist",
        "hlist",
        "bulleted list",
        "bull list",
        "ordered list",
        "plain list",
        "liste horizontale",
        "liste non pointée",
        "liste à puces",
        "br separated entries",
        "br-separated entries",
        "comma separated entries",
    }
)
#: Templates that add nothing to a value's data: footnotes, flags, maintenance tags.
IGNORED_TEMPLATES = frozenset(
    {
        "efn",
        "efn-ua",
        "efn-lr",
        "sfn",
        "sfnp",
        "refn",
        "r",
        "rp",
        "citation needed",
        "cn",
        "fact",
        "dubious",
        "clarify",
        "when",
        "by whom",
        "according to whom",
        "update after",
        "as of",
        "flagicon",
        "flag icon",
        "drapeau",
        "drapeau2",
        "référence nécessaire",
        "refnec",
        "réf nec",
        "référence souhaitée",
        "webarchive",
        "clear",
        "clr",
        "clear left",
        "clear right",
        "-",
        "nobold end",
        "end",
    }
)
#: Magic-word and character templates: the text they stand for.
CHAR_TEMPLATES = {
    "!": "|",
    "=": "=",
    "!!": "||",
    "nbsp": "\u00a0",
    "1er": "1er",
    "er": "er",
    "e": "e",
    "•": " • ",
    "bull": " • ",
    "dot": " · ",
    "middot": " · ",
    "ndash": "\u2013",
    "snd": " \u2013 ",
    "·": " · ",
    "br": "\n",
    "break": "\n",
}


def template_name_key(name: str) -> str:
    """The key of a template's name in the value-reading tables.

    Case, ``_`` versus space, runs of spaces, a ``Template:`` or ``Modèle:``
    prefix and, for parser functions, what follows the colon do not matter:
    ``"Start_date and age"``, ``"Template:start date and age"`` and
    ``"start date and age"`` share a key.
    """
    text = unicodedata.normalize("NFC", name).replace("_", " ").strip()
    if text.startswith("#"):
        return text.split(":", 1)[0].strip().casefold()
    head, colon, rest = text.partition(":")
    if colon and head.strip().casefold() in ("template", "modèle", "modele"):
        text = rest
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: one per field
class ValueOptions:
    """How to read values beyond the built-in tables: one field's settings.

    Attributes:
        date_templates: more date templates (by :func:`template_name_key`),
            over :data:`DATE_TEMPLATES`.
        wrappers: more wrapper templates and the parameter holding their text,
            over :data:`WRAPPER_TEMPLATES`.
        separators: the characters that separate list items (besides
            ``<br>``, line breaks and bullets, which always do).
        century: read a two-digit year ``yy`` as ``century + yy``; ``None``
            makes a two-digit year a problem.
        region: the box a ``coord`` field's points must lie in, or None.
    """

    date_templates: Mapping[str, DateTemplate] = field(default_factory=dict)
    wrappers: Mapping[str, str] = field(default_factory=dict)
    separators: str = ",;•·"
    century: int | None = None
    region: Region | None = None

    def date_template(self, key: str) -> DateTemplate | None:
        """The date template of a :func:`template_name_key`, if it is one."""
        found = self.date_templates.get(key)
        return found if found is not None else DATE_TEMPLATES.get(key)

    def wrapper(self, key: str) -> str | None:
        """The parameter holding a wrapper template's text, if it is one."""
        found = self.wrappers.get(key)
        return found if found is not None else WRAPPER_TEMPLATES.get(key)


#: The options of a field that sets none.
DEFAULT_OPTIONS = ValueOptions()
