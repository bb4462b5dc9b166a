"""Field rules of batch edits: where a field is written, whether a value fits it.

Shared by :mod:`wikisync.ops.batch.run`, :mod:`wikisync.ops.spreadsheet` and
:mod:`wikisync.ops.create`: a field is written to the parameter the infobox
already uses among the field's ``params`` aliases (the one the record reads),
else to the field's first parameter; a value is checked against the field's
type before anything is written; ``where`` conditions compare typed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wikisync.core.edits import EditError, set_params
from wikisync.core.errors import FieldValueError
from wikisync.core.fields.coords import Coord, coord_style, write_coord
from wikisync.core.fields.list_items import DEFAULT_SEPARATORS, ItemEdit, ListItemError
from wikisync.core.fields.value_templates import DEFAULT_OPTIONS, ValueOptions
from wikisync.core.fields.values import DateValue, FieldValue, ValueFormatError, parse_value
from wikisync.core.names import did_you_mean
from wikisync.core.said import said
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.core.text import fold, stored_text

__all__ = [
    "Condition",
    "FieldValueError",
    "check_field_value",
    "check_item_edit",
    "check_set_values",
    "field_param",
    "field_spec",
    "item_edit_done",
    "same_value",
    "styled_value",
    "where_conditions",
]

#: Field types whose values compare by meaning, not spelling (see :func:`same_value`).
_TYPED_COMPARE = frozenset({"date", "list", "bool", "int", "enum", "url", "page", "file", "coord"})


def field_param(spec: FieldSpec, params: Mapping[str, str]) -> str:
    """The parameter a field is written to in one infobox.

    The alias the infobox already uses (the first with a value, as records read
    it; else the first present), or the field's first parameter.

    Example:
        >>> spec = FieldSpec("place", params=("place", "Lieu"))
        >>> field_param(spec, {"Lieu": "Lyon"}), field_param(spec, {})
        ('Lieu', 'place')
    """
    present = [param for param in spec.params if param in params]
    for param in present:
        if params[param]:
            return param
    return present[0] if present else spec.params[0]


def check_field_value(spec: FieldSpec, value: str, *, trusted: bool = False) -> FieldValue:
    """Check a value given for a field before anything is written.

    Args:
        spec: the field.
        value: the wikitext to write (``""`` blanks the field).
        trusted: allow templates and other markup (see :func:`~wikisync.core.edits.set_params`).

    Returns:
        The typed value (None for a blank one).

    Raises:
        FieldValueError: the value does not fit the field's type, blanks a
            required field, or would break the template.

    Example:
        >>> check_field_value(FieldSpec("startDate", "date"), "1er mai 2019").iso()
        '2019-05-01'
    """
    try:
        typed = parse_value(spec.type, value, spec.choices)
    except ValueFormatError as exc:
        raise FieldValueError(
            said(
                'field "%(field)s" should be %(expected)s, got "%(value)s"',
                field=spec.name,
                expected=exc.expected,
                value=exc.value,
            ),
            field=spec.name,
            value=value,
            expected=exc.expected,
        ) from None
    if typed is None and spec.required:
        raise FieldValueError(
            f'field "{spec.name}" is required: it cannot be blanked',
            field=spec.name,
            value=value,
            expected="a value",
        )
    try:
        set_params("{{X}}", ["X"], {spec.params[0]: value}, trusted=trusted)
    except EditError as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise FieldValueError(
            f'field "{spec.name}": {reason}', field=spec.name, value=value, expected="plain text"
        ) from None
    return typed


def check_item_edit(
    spec: FieldSpec,
    edit: ItemEdit,
    *,
    trusted: bool = False,
    options: ValueOptions | None = None,
) -> ItemEdit:
    """Check a ``+=``/``-=`` item for a field; return it with the field's separators
    (and, given the field's ``options``, its language's conjunctions, so that a list
    written as prose is refused rather than edited).

    Raises:
        FieldValueError: the field is not a list, or the item is empty, holds one
            of the field's separators (it would be several items) or would break
            the template.

    Example:
        >>> check_item_edit(FieldSpec("Tags", "list"), ItemEdit("add", "vélo")).separators
        ',;•·'
    """
    separators = spec.separators or DEFAULT_SEPARATORS
    item = edit.item.strip()
    verb = "added to" if edit.action == "add" else "removed from"
    if spec.type != "list":
        raise FieldValueError(
            f'field "{spec.name}" is {spec.type}, not a list: no item can be {verb} it '
            "(set its whole value instead)",
            field=spec.name,
            value=edit.item,
            expected="a list field",
        )
    inside = [char for char in separators if char in item]
    if not item or inside:
        why = f'holds the separator "{inside[0]}"' if inside else "is empty"
        raise FieldValueError(
            f'field "{spec.name}": the item "{edit.item}" {why}; one item is {verb} a list '
            "at a time",
            field=spec.name,
            value=edit.item,
            expected="one list item",
        )
    check_field_value(spec, item, trusted=trusted)
    if options is None:
        return ItemEdit(edit.action, item, separators)
    return ItemEdit(edit.action, item, separators, options.conjunctions, options.conjunction)


def item_edit_done(edit: ItemEdit, value: str) -> bool:
    """Whether a value already is what the item edit makes of it (never raises)."""
    try:
        return edit.apply(value) == value
    except ListItemError:
        return False


def check_set_values(
    record_type: RecordType,
    values: Mapping[str, str | ItemEdit],
    *,
    where: Mapping[str, str] | None = None,
    trusted: bool = False,
) -> None:
    """Check the arguments of :func:`set_fields` without reading a page.

    Raises:
        FieldValueError: an unknown field, or a value (or ``where`` value)
            that does not fit its field.
        ValueError: ``values`` is empty.
    """
    if not values:
        raise ValueError("values should name at least one field")
    for name, value in values.items():
        if isinstance(value, ItemEdit):
            check_item_edit(field_spec(record_type, name), value, trusted=trusted)
        else:
            check_field_value(field_spec(record_type, name), value, trusted=trusted)
    where_conditions(record_type, where or {})


def same_value(spec: FieldSpec, first: str, second: str) -> bool:
    """Whether two spellings of a field's value mean the same.

    Equal text (ignoring line ends and edge spaces) is the same; for dates,
    lists, booleans, numbers, choices, URLs, pages and files, equal typed values
    are too (``18/01/2021`` and ``2021-01-18``; ``a,b`` and ``a, b``), so a
    spreadsheet program's reformatting never counts as a change. Text and
    wikitext compare as written.

    Example:
        >>> same_value(FieldSpec("d", "date"), "2021-01-18", "18/01/2021")
        True
    """
    a, b = stored_text(first).strip(), stored_text(second).strip()
    if a == b:
        return True
    if spec.type not in _TYPED_COMPARE:
        return False
    try:
        typed_a = parse_value(spec.type, a, spec.choices)
        typed_b = parse_value(spec.type, b, spec.choices)
    except ValueFormatError:
        return False
    return typed_a is not None and typed_a == typed_b


def styled_value(spec: FieldSpec, old: str, value: str) -> tuple[str, bool]:
    """The text to write for a field, in the form the infobox already uses.

    For a ``coord`` field, a point equal to the one written stays as written
    (no edit), and a new point is written in the old value's form (decimal
    commas, degrees-minutes-seconds, ``{{coord|…}}``), so a batch edit keeps
    the page's spelling. Other fields, and a blank or unreadable old value,
    get ``value`` as given.

    Returns:
        The text, and whether it is markup wikisync made (a ``{{coord}}``),
        which the caller writes as trusted wikitext.

    Example:
        >>> styled_value(FieldSpec("geo", "coord"), "48,85 ; 2,35", "45.76, 4.83")
        ('45,76 ; 4,83', False)
    """
    if spec.type != "coord" or not old.strip() or not value.strip():
        return value, False
    if same_value(spec, old, value):
        return old, False
    style = coord_style(old)
    try:
        point = parse_value("coord", value)
    except ValueFormatError:
        return value, False
    if style is None or not isinstance(point, Coord):
        return value, False
    return write_coord(point, style), style.kind == "template"


def field_spec(record_type: RecordType, name: str) -> FieldSpec:
    """The field ``name`` of a record type.

    Raises:
        FieldValueError: the type has no such field.
    """
    for spec in record_type.fields:
        if spec.name == name:
            return spec
    known = ", ".join(record_type.field_names)
    raise FieldValueError(
        said(
            'record type "%(type)s" has no field "%(field)s"%(hint)s (known: %(known)s)',
            type=record_type.name,
            field=name,
            hint=did_you_mean(name, record_type.field_names),
            known=known,
        ),
        field=name,
        value="",
        expected="a field name",
    )


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``where`` condition on a field (see :func:`where_conditions`)."""

    spec: FieldSpec
    text: str
    value: FieldValue
    options: ValueOptions = DEFAULT_OPTIONS  # the field's (separators, lang's conjunctions)

    def holds(self, params: Mapping[str, str]) -> bool:
        """Whether one infobox's parameters meet the condition."""
        raw = params.get(field_param(self.spec, params), "")
        if not self.text:
            return parse_value("wikitext", raw) is None
        try:
            typed = parse_value(self.spec.type, raw, self.spec.choices, self.options)
        except ValueFormatError:
            return False
        if typed is None and self.spec.default is not None:
            typed = parse_value(self.spec.type, self.spec.default, self.spec.choices, self.options)
        return _typed_match(self.spec.type, typed, self.value)


def _typed_match(field_type: str, have: FieldValue, want: FieldValue) -> bool:
    if have is None or want is None:
        return False
    if isinstance(have, tuple) and isinstance(want, tuple):
        items = {fold(item) for item in have}
        return all(fold(item) in items for item in want)
    if isinstance(have, DateValue) and isinstance(want, DateValue):
        return have.iso().startswith(want.iso())  # "2024-03" holds every day of March
    if isinstance(have, str) and isinstance(want, str) and field_type != "url":
        return fold(have) == fold(want)
    return have == want


def where_conditions(record_type: RecordType, where: Mapping[str, str]) -> list[Condition]:
    """The ``where`` filter of :func:`~wikisync.ops.batch.run.set_fields`, parsed.

    Raises:
        FieldValueError: an unknown field, or a value that does not fit its field.
    """
    conditions = []
    for name, text in where.items():
        spec = field_spec(record_type, name)
        value: FieldValue = None
        if text.strip():
            try:
                value = parse_value(spec.type, text, spec.choices)
            except ValueFormatError as exc:
                raise FieldValueError(
                    f'where: field "{name}" should be {exc.expected}, got "{exc.value}"',
                    field=name,
                    value=text,
                    expected=exc.expected,
                ) from None
        conditions.append(Condition(spec, text.strip(), value, record_type.options(name)))
    return conditions
