"""Record types as the code holds them: :class:`FieldSpec`, :class:`RecordType`, template keys.

A record type says which pages (categories), which infobox (a template and its
aliases) and which fields (typed, read from template parameters) make a kind
of record. They are built from ``wikisync.toml`` by
:func:`wikisync.core.schema.load_record_types`, which documents the table, and
are importable from :mod:`wikisync.core.schema` too.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from wikisync.core.fields.coords import Region
from wikisync.core.fields.value_templates import (
    DateTemplate,
    ValueOptions,
    conjunctions_of,
    template_name_key,
)
from wikisync.core.fields.values import FIELD_TYPES
from wikisync.core.pages import FRENCH, MAIN_NS, TEMPLATE_NS, normalize_title

#: Keys of a record's JSON form that no field may take.
RESERVED_NAMES = frozenset({"title", "type", "revid", "index", "extra"})
#: What a conjunction does in a list field (see wikisync.core.fields.prose_lists).
CONJUNCTION_SWITCHES = ("split", "keep")
# A start field's end field, when the schema does not name it: startDate -> endDate.
_END_NAMES = (("start", "end"), ("Start", "End"), ("début", "fin"), ("debut", "fin"))


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record type.

    Attributes:
        name: the field's name, the key in records and the CSV column.
        type: the field type, one of :data:`~wikisync.core.fields.values.FIELD_TYPES`.
        params: the template parameter names to read, in order of preference.
        required: whether a page without a value has a problem.
        default: wikitext used when no parameter has a value, or None.
        choices: the allowed values of an ``enum`` field.
        description: free text for humans.
        separators: a ``list`` field's own item separators (characters), or
            ``""`` for the default ``,;•·``.
        century: a ``date`` field reads a two-digit year ``yy`` as
            ``century + yy``; ``None`` reports it.
        end: a ``date`` field's end field, which a range written in this
            field fills (default: ``startDate`` -> ``endDate`` and the like).
        conjunction: a ``list`` field's reading of ``A et B``: ``""`` (the
            rule of :mod:`wikisync.core.fields.prose_lists`), ``"split"`` or ``"keep"``.
    """

    name: str
    type: str = "text"
    params: tuple[str, ...] = ()
    required: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()
    description: str = ""
    separators: str = ""
    century: int | None = None
    end: str = ""
    conjunction: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}")
        if not self.params:
            object.__setattr__(self, "params", (self.name,))


@dataclass(frozen=True, slots=True)
class RecordType:
    """A kind of record: the pages it comes from and how to read their infobox.

    Attributes:
        name: the type's name (``"event"``), the key under ``[types]``.
        categories: category titles without prefix (``"Evénement"``).
        templates: the infobox template's name, then its aliases.
        fields: the fields, in schema order (the order of columns).
        description: free text for humans.
        date_templates: date templates the wiki adds to the built-in ones
            (:data:`~wikisync.core.fields.value_templates.DATE_TEMPLATES`).
        wrappers: wrapper templates the wiki adds (template -> parameter).
        region: the box the points of its ``coord`` fields must lie in
            (a point outside is a problem), or None.
        lang: the language its lists are written in (``"fr"``), for the
            conjunction of a list written as prose; ``""``: the wiki's own
            (:meth:`in_language`), unknown until a source says.
    """

    name: str
    categories: tuple[str, ...]
    templates: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    description: str = ""
    date_templates: Mapping[str, DateTemplate] = field(default_factory=dict)
    wrappers: Mapping[str, str] = field(default_factory=dict)
    region: Region | None = None
    lang: str = ""
    _template_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    _by_param: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)
    _options: Mapping[str, ValueOptions] = field(init=False, repr=False, compare=False)
    _ends: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _readers: tuple[tuple[FieldSpec, ValueOptions], ...] = field(
        init=False, repr=False, compare=False
    )
    _date_specs: tuple[FieldSpec, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = frozenset(template_key(name) for name in self.templates)
        object.__setattr__(self, "_template_keys", keys)
        by_param: dict[str, FieldSpec] = {}
        for spec in self.fields:
            for param in spec.params:
                by_param.setdefault(param, spec)
        object.__setattr__(self, "_by_param", by_param)
        dates = {template_name_key(k): v for k, v in self.date_templates.items()}
        wraps = {template_name_key(k): v for k, v in self.wrappers.items()}
        options: dict[str, ValueOptions] = {}
        ends: dict[str, str] = {}
        date_fields = {spec.name for spec in self.fields if spec.type == "date"}
        conjunctions = conjunctions_of(self.lang)
        for spec in self.fields:
            options[spec.name] = ValueOptions(
                dates,
                wraps,
                spec.separators or ValueOptions().separators,
                spec.century,
                region=self.region if spec.type == "coord" else None,
                conjunctions=conjunctions,
                conjunction=spec.conjunction,
            )
            if spec.type == "date":
                end = spec.end or _default_end(spec.name, date_fields)
                if end:
                    ends[spec.name] = end
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_ends", ends)
        readers = tuple((spec, options[spec.name]) for spec in self.fields)
        object.__setattr__(self, "_readers", readers)
        dated = tuple(spec for spec in self.fields if spec.type == "date")
        object.__setattr__(self, "_date_specs", dated)

    def in_language(self, lang: str | None) -> RecordType:
        """This type reading lists in ``lang`` (the wiki's language) when it names none.

        Example:
            >>> RecordType("event", (), ("Event",), ()).in_language("fr").lang
            'fr'
        """
        if self.lang or not lang:
            return self
        return RecordType(
            self.name,
            self.categories,
            self.templates,
            self.fields,
            self.description,
            self.date_templates,
            self.wrappers,
            region=self.region,
            lang=lang,
        )

    def options(self, field_name: str) -> ValueOptions:
        """How to read the values of a field (its separators, century, templates)."""
        return self._options[field_name]

    @property
    def readers(self) -> tuple[tuple[FieldSpec, ValueOptions], ...]:
        """Each field with the options its values are read with, in schema order."""
        return self._readers

    @property
    def date_specs(self) -> tuple[FieldSpec, ...]:
        """The ``date`` fields, in schema order."""
        return self._date_specs

    def end_field(self, field_name: str) -> str | None:
        """The date field a range written in ``field_name`` ends in, if any."""
        return self._ends.get(field_name)

    @property
    def field_names(self) -> tuple[str, ...]:
        """The field names in schema order."""
        return tuple(spec.name for spec in self.fields)

    def matches_template(self, name: str) -> bool:
        """Whether a ``{{…}}`` node's name is this type's infobox or an alias.

        Example:
            >>> event = RecordType("event", (), ("Event", "Evénement"), ())
            >>> event.matches_template("modèle:evénement")
            True
        """
        return template_key(name) in self._template_keys

    def field_for_param(self, param: str) -> FieldSpec | None:
        """The field that reads template parameter ``param``, if any."""
        return self._by_param.get(param)


def _default_end(name: str, date_fields: set[str]) -> str:
    for start, end in _END_NAMES:
        if start in name:
            candidate = name.replace(start, end, 1)
            if candidate in date_fields and candidate != name:
                return candidate
    return ""


@functools.lru_cache(maxsize=1024)
def template_key(name: str) -> str:
    """The spelling-independent key of a template name.

    ``"modèle:evénement"``, ``"Template:Evénement"`` and ``"Evénement"`` share a
    key; a name in another namespace (``":Evénement"`` is the main namespace
    when prefixed by a colon) keeps its prefix, so it matches nothing.
    """
    text = name.strip()
    explicit_main = text.startswith(":")
    title = normalize_title(text)
    ns, rest = FRENCH.split(title)
    if ns == TEMPLATE_NS:
        return rest
    if ns == MAIN_NS and not explicit_main:
        return title
    return ":" + title
