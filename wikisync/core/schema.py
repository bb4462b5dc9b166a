"""Record types: which pages, which infobox, which fields, declared in config.

A record type is read from a ``[types.NAME]`` table of ``wikisync.toml``
(the FabMob preset in ``wikisync/presets/fabmob.toml`` is the worked example)::

    [types.event]
    description = "Events"                 # optional, for humans
    categories = ["Evénement"]             # with or without "Catégorie:"
    templates = ["Event", "Evénement", "Événement"]   # the infobox, then aliases

    [types.event.fields]
    startDate = { type = "date", required = true }
    place = { params = ["place", "Lieu"] }   # type defaults to "text"
    status = { type = "enum", values = ["prévu", "annulé"], default = "prévu" }
    Tags = "list"                            # shorthand: just the type

A field table takes ``type`` (one of :data:`~wikisync.core.fields.values.FIELD_TYPES`,
default ``"text"``), ``params`` (the template parameter name or names, first
non-blank wins; default: the field's own name), ``required`` (default false),
``default`` (a value used when the parameter is absent or blank, checked
against the type), ``values`` (the choices of an ``enum``, required there and
only there), ``description``, and for reading values: ``separators`` (a
``list`` field's own item separators, such as ``[";"]``), ``century`` (a
``date`` field reads two-digit years in it, such as ``2000``) and ``end`` (the
date field a range written in this one ends in; ``startDate`` → ``endDate``
by default). A type may add date templates and wrapper templates to the
built-in ones::

    [types.event.date_templates]
    "Date début" = { day = "1", month = "2", year = "3" }   # or text = "1"
    [types.event.wrapper_templates]
    "Texte" = "1"                                            # the parameter shown

A type with ``coord`` fields may bound their points with a ``region`` (degrees,
WGS 84); a point outside it is a problem, never swapped or moved::

    [types.event]
    region = { south = 41.3, west = -5.2, north = 51.1, east = 9.6 }

Field names become the keys of records, so
``title``, ``type``, ``revid``, ``index`` and ``extra`` are reserved: name such
a field differently and point ``params`` at the parameter
(``eventType = { params = ["type"] }``).

Template names match the way MediaWiki resolves them: the first letter's case,
``_`` versus space, Unicode normalisation and an optional ``Modèle:`` or
``Template:`` prefix do not matter. Parameter names match exactly (after
trimming), as in MediaWiki. Every mistake raises :class:`ConfigError` naming
the full key, such as ``types.event.fields.startDate.type``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from wikisync.core.config_tables import in_file, tables_file, toml_key
from wikisync.core.errors import ConfigError
from wikisync.core.fields.coords import Region
from wikisync.core.fields.value_templates import (
    CONJUNCTIONS,
    DateTemplate,
    ValueOptions,
    conjunctions_of,
)
from wikisync.core.fields.values import FIELD_TYPES, ValueFormatError, parse_value
from wikisync.core.names import did_you_mean
from wikisync.core.pages import CATEGORY_NS, FRENCH, normalize_title
from wikisync.core.record_types import (
    CONJUNCTION_SWITCHES,
    RESERVED_NAMES,
    FieldSpec,
    RecordType,
    template_key,
)
from wikisync.core.said import said

__all__ = [
    "CONJUNCTION_SWITCHES",
    "RESERVED_NAMES",
    "FieldSpec",
    "RecordType",
    "load_record_types",
    "template_key",
]

_TYPE_KEYS = frozenset(
    {
        "description",
        "categories",
        "templates",
        "fields",
        "date_templates",
        "wrapper_templates",
        "region",
        "lang",
    }
)
_REGION_KEYS = ("south", "west", "north", "east")
_FIELD_KEYS = frozenset(
    {
        "type",
        "params",
        "required",
        "default",
        "values",
        "description",
        "separators",
        "century",
        "end",
        "conjunction",
    }
)
_DATE_PARTS = frozenset({"year", "month", "day", "text"})


def load_record_types(types: Mapping[str, Any]) -> dict[str, RecordType]:
    """Build record types from the ``[types]`` table of ``wikisync.toml``.

    Args:
        types: the parsed ``types`` table (``tomllib.loads(text)["types"]``).

    Returns:
        Record types by name, in file order.

    Raises:
        ConfigError: an unknown key, a value of the wrong type, an unknown field
            type, a reserved field name or a default that does not fit its
            type; ``key`` names the full key (``types.event.fields.x.type``),
            and so does the message, after the file's name when ``types``
            was read from one (:class:`~wikisync.core.config_tables.ConfigTables`).
    """
    try:
        if not isinstance(types, Mapping):
            raise ConfigError("types: should be a table of record types", key="types")
        # Built and checked once per distinct table: every command and job of a run
        # looks its types up again, and a table's repr is a small fraction of a build.
        key = repr(types)
        built = _BUILT.get(key)
        if built is None:
            built = {
                name: _load_type(name, table, f"types.{_key_part(name)}")
                for name, table in types.items()
            }
            if len(_BUILT) >= _BUILT_KEPT:
                _BUILT.pop(next(iter(_BUILT)))
            _BUILT[key] = built
        return dict(built)
    except ConfigError as exc:
        raise in_file(exc, tables_file(types)) from None


# Record types already built, by the repr of their table (record types are frozen).
_BUILT: dict[str, dict[str, RecordType]] = {}
_BUILT_KEPT = 16


def _load_type(name: str, table: Any, key: str) -> RecordType:
    if not isinstance(table, Mapping):
        raise ConfigError(said("%(key)s: should be a table", key=key), key=key)
    _check_keys(table, _TYPE_KEYS, key)
    categories = tuple(
        _category_name(c) for c in _strings(table.get("categories", []), f"{key}.categories")
    )
    if "templates" not in table:
        raise ConfigError(f"{key}.templates: missing (the infobox template's name)", key=key)
    templates = _strings(table["templates"], f"{key}.templates")
    if not templates:
        raise ConfigError(
            f"{key}.templates: needs at least one template name", key=f"{key}.templates"
        )
    fields_table = table.get("fields", {})
    if not isinstance(fields_table, Mapping):
        raise ConfigError(f"{key}.fields: should be a table", key=f"{key}.fields")
    fields = tuple(
        _load_field(field_name, value, f"{key}.fields.{_key_part(field_name)}")
        for field_name, value in fields_table.items()
    )
    description = _string(table.get("description", ""), f"{key}.description")
    date_templates = _date_templates(table.get("date_templates", {}), f"{key}.date_templates")
    wrappers = _wrappers(table.get("wrapper_templates", {}), f"{key}.wrapper_templates")
    region = _region(table["region"], f"{key}.region") if "region" in table else None
    names = {spec.name: spec for spec in fields}
    for spec in fields:
        if spec.end and (spec.end not in names or names[spec.end].type != "date"):
            raise ConfigError(
                f'{key}.fields.{_key_part(spec.name)}.end: "{spec.end}" is not a date field '
                "of this type",
                key=f"{key}.fields.{_key_part(spec.name)}.end",
            )
    lang = _string(table.get("lang", ""), f"{key}.lang")
    if lang and conjunctions_of(lang) is None:
        raise ConfigError(
            f'{key}.lang: "{lang}" is not a language wikisync reads lists in; expected one of '
            + ", ".join(CONJUNCTIONS),
            key=f"{key}.lang",
        )
    return RecordType(
        name,
        categories,
        templates,
        fields,
        description,
        date_templates,
        wrappers,
        region=region,
        lang=lang,
    )


def _region(value: Any, key: str) -> Region:
    # { south = 41.3, west = -5.2, north = 51.1, east = 9.6 }: degrees, WGS 84.
    shape = "a table such as { south = 41.3, west = -5.2, north = 51.1, east = 9.6 }"
    if not isinstance(value, Mapping) or set(value) != set(_REGION_KEYS):
        raise ConfigError(f"{key}: should be {shape}", key=key)
    edges: dict[str, float] = {}
    for edge in _REGION_KEYS:
        number = value[edge]
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ConfigError(f"{key}.{edge}: should be a number of degrees", key=f"{key}.{edge}")
        edges[edge] = float(number)
    region = Region(edges["south"], edges["west"], edges["north"], edges["east"])
    if not -90 <= region.south < region.north <= 90:
        raise ConfigError(
            f"{key}: south and north should be latitudes from -90 to 90, south below north",
            key=key,
        )
    if not -180 <= region.west < region.east <= 180:
        raise ConfigError(
            f"{key}: west and east should be longitudes from -180 to 180, west below east",
            key=key,
        )
    return region


def _template_table(value: Any, key: str) -> list[tuple[str, Any, str]]:
    """The entries of a table keyed by template names: name, value, where (for messages)."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: should be a table of template names", key=key)
    return [(name, item, f"{key}.{_key_part(name)}") for name, item in value.items()]


def _date_templates(value: Any, key: str) -> dict[str, DateTemplate]:
    found: dict[str, DateTemplate] = {}
    for name, parts, where in _template_table(value, key):
        if not isinstance(parts, Mapping) or not parts:
            raise ConfigError(
                f'{where}: should be a table such as {{ year = "1", month = "2", day = "3" }}',
                key=where,
            )
        _check_keys(parts, _DATE_PARTS, where)
        params = {part: _string(v, f"{where}.{part}").strip() for part, v in parts.items()}
        if not params.get("text") and not params.get("year"):
            raise ConfigError(f"{where}: needs year (or text), the parameter names", key=where)
        found[name] = DateTemplate(
            params.get("year", ""),
            params.get("month", ""),
            params.get("day", ""),
            params.get("text", ""),
        )
    return found


def _wrappers(value: Any, key: str) -> dict[str, str]:
    return {
        name: _string(param, where).strip() or "1"
        for name, param, where in _template_table(value, key)
    }


def _load_field(name: str, value: Any, key: str) -> FieldSpec:
    if name in RESERVED_NAMES:
        raise ConfigError(
            f'{key}: "{name}" is reserved for the record itself; name the field '
            f'differently and read the parameter with params = ["{name}"]',
            key=key,
        )
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{key}: should be a field type (a string) or a table of type, params, "
            "required, default, values, description",
            key=key,
        )
    _check_keys(value, _FIELD_KEYS, key)
    field_type = _string(value.get("type", "text"), f"{key}.type")
    if field_type not in FIELD_TYPES:
        raise ConfigError(
            said(
                '%(key)s: unknown field type "%(type)s"; expected one of %(known)s',
                key=f"{key}.type",
                type=field_type,
                known=", ".join(FIELD_TYPES),
            ),
            key=f"{key}.type",
        )
    params = _strings(value.get("params", [name]), f"{key}.params")
    # Parameter names match exactly, so spell both sides the same (NFC).
    params = tuple(unicodedata.normalize("NFC", param.strip()) for param in params)
    if not params or not all(params):
        raise ConfigError(
            f"{key}.params: needs at least one non-empty parameter name", key=f"{key}.params"
        )
    required = value.get("required", False)
    if not isinstance(required, bool):
        raise ConfigError(
            said("%(key)s: should be true or false", key=f"{key}.required"), key=f"{key}.required"
        )
    choices: tuple[str, ...] = ()
    if field_type == "enum":
        if "values" not in value:
            raise ConfigError(
                f"{key}.values: an enum field needs its list of values", key=f"{key}.values"
            )
        choices = _strings(value["values"], f"{key}.values")
        if not choices:
            raise ConfigError(f"{key}.values: needs at least one value", key=f"{key}.values")
    elif "values" in value:
        raise ConfigError(
            f'{key}.values: only an enum field takes values (this one is "{field_type}")',
            key=f"{key}.values",
        )
    default = _default_text(value.get("default"), f"{key}.default")
    description = _string(value.get("description", ""), f"{key}.description")
    separators = ""
    if "separators" in value:
        if field_type != "list":
            raise ConfigError(
                f"{key}.separators: only a list field takes separators", key=f"{key}.separators"
            )
        separators = "".join(_strings(value["separators"], f"{key}.separators"))
        if not separators or any(c.isspace() for c in separators):
            raise ConfigError(
                f"{key}.separators: needs one or more characters (not spaces; line "
                "breaks and <br> always separate)",
                key=f"{key}.separators",
            )
    century = value.get("century")
    if century is not None and (
        field_type != "date"
        or isinstance(century, bool)
        or not isinstance(century, int)
        or century % 100
        or not 0 < century < 10000
    ):
        raise ConfigError(
            f"{key}.century: only a date field takes a century, a whole hundred such as 2000",
            key=f"{key}.century",
        )
    end = value.get("end", "")
    if end and field_type != "date":
        raise ConfigError(f"{key}.end: only a date field has an end field", key=f"{key}.end")
    end = _string(end, f"{key}.end")
    conjunction = _string(value.get("conjunction", ""), f"{key}.conjunction")
    if conjunction and (field_type != "list" or conjunction not in CONJUNCTION_SWITCHES):
        raise ConfigError(
            f'{key}.conjunction: only a list field takes a conjunction, "split" (a lone '
            '"A and B" is two items) or "keep" (one)',
            key=f"{key}.conjunction",
        )
    if default is not None:
        try:
            parse_value(field_type, default, choices, ValueOptions(century=century))
        except ValueFormatError as exc:
            raise ConfigError(f"{key}.default: {exc}", key=f"{key}.default") from None
    return FieldSpec(
        name,
        field_type,
        params,
        required,
        default,
        choices,
        description,
        separators,
        century,
        end,
        conjunction,
    )


def _default_text(value: Any, key: str) -> str | None:
    # Defaults are stored as wikitext and parsed like a page's value.
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    raise ConfigError(f"{key}: should be a string, a number, true/false or a list", key=key)


def _check_keys(table: Mapping[str, Any], allowed: frozenset[str], key: str) -> None:
    for name in table:
        if name not in allowed:
            raise ConfigError(
                said(
                    "%(key)s: unknown key%(hint)s; expected one of %(known)s",
                    key=f"{key}.{_key_part(name)}",
                    hint=did_you_mean(name, allowed),
                    known=", ".join(sorted(allowed)),
                ),
                key=f"{key}.{_key_part(name)}",
            )


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(said("%(key)s: should be a string or a list of strings", key=key), key=key)


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: should be a string", key=key)
    return value


def _category_name(name: str) -> str:
    ns, rest = FRENCH.split(normalize_title(name))
    return rest if ns == CATEGORY_NS else normalize_title(name)


def _key_part(name: str) -> str:
    # TOML quotes keys that are not bare: types.actor.fields."villes d'implantation"
    return toml_key(name)
