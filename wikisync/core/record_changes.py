"""What changed between two states of the records, field by field.

:func:`diff_fields` compares two records' typed values and gives one
:class:`FieldChange` per field added, removed or changed (old and new typed
values kept); :func:`apply_field_changes` replays them, so that
``apply_field_changes(a, diff_fields(a, b))`` gives ``b`` again.
:func:`diff_records` pairs the records of two states of one page (by their
position on the page) and says which were created, deleted or changed, and
under which title (a page moved keeps its records under its new title).
Text form, for people::

    Atelier vélo (changed)
      place: Paris → Lyon
      tags: vélo, atelier → vélo
      endDate: ∅ → 2026-07-05

A value is rendered readably (:func:`format_value`): a list as its items
joined by commas, a date at its precision in ISO 8601, a range as
``start \u2013 end`` (an en dash), a boolean as ``true``/``false``; an absent value is ``∅``.
The JSON form (:meth:`RecordChange.to_dict`) keeps the values as records'
JSON does (:func:`~wikisync.core.fields.values.to_json_value`).

:func:`parse_since` reads what ``since`` may be: a date, a date-time, or a
recent-changes cursor (``TIMESTAMP|RCID`` as MediaWiki's continuation writes
it, or a JSON object with ``timestamp`` and ``rcid``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from wikisync.core.dates import DateRange, DateValue
from wikisync.core.errors import ConfigError
from wikisync.core.fields.values import FieldValue, to_json_value
from wikisync.core.records import Record

__all__ = [
    "ABSENT",
    "FieldChange",
    "RecordChange",
    "Since",
    "apply_field_changes",
    "diff_fields",
    "diff_records",
    "format_value",
    "parse_since",
]

#: How an absent (empty) value is written in the text form.
ABSENT = "∅"

FieldChangeKind = Literal["added", "removed", "changed"]
RecordChangeKind = Literal["created", "deleted", "changed"]


def format_value(value: FieldValue | object) -> str:
    """A typed value as people read it (see the module's notes).

    Example:
        >>> format_value(("vélo", "atelier")), format_value(None), format_value(True)
        ('vélo, atelier', '∅', 'true')
    """
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, DateRange):
        return f"{value.start.iso()} \u2013 {value.end.iso()}"
    if isinstance(value, DateValue):
        return value.iso()
    if isinstance(value, tuple):
        return ", ".join(format_value(item) for item in value) if value else ABSENT
    text = str(value)
    # one change, one line: a multi-line text keeps its line breaks visible
    return " ⏎ ".join(text.splitlines()) if "\n" in text or "\r" in text else text


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's change: its old and new typed values (None: absent).

    Attributes:
        field: the field's name.
        old: the value before (None when the field was empty or absent).
        new: the value after (None when it is empty or absent now).
    """

    field: str
    old: FieldValue
    new: FieldValue

    @property
    def kind(self) -> FieldChangeKind:
        """``added`` (was absent), ``removed`` (is absent now) or ``changed``."""
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "changed"

    def text(self) -> str:
        """``place: Paris → Lyon``."""
        return f"{self.field}: {format_value(self.old)} → {format_value(self.new)}"

    def to_dict(self) -> dict[str, object]:
        """JSON data: field, change (its kind), old, new (as records' JSON writes values)."""
        return {
            "field": self.field,
            "change": self.kind,
            "old": to_json_value(self.old),
            "new": to_json_value(self.new),
        }


def _present(value: FieldValue) -> bool:
    # an empty list is as absent as an empty field
    return value is not None and value != ()


def diff_fields(
    old: Mapping[str, FieldValue], new: Mapping[str, FieldValue]
) -> tuple[FieldChange, ...]:
    """The fields added, removed or changed from ``old`` to ``new``.

    Fields in ``old``'s order, then the fields only ``new`` has; an absent
    field, ``None`` and an empty list are the same (nothing); values compare
    typed (``1`` and ``"1"`` differ, so do ``True`` and ``1``).

    Example:
        >>> [c.text() for c in diff_fields({"place": "Paris"}, {"place": "Lyon"})]
        ['place: Paris → Lyon']
    """
    changes: list[FieldChange] = []
    for name in dict.fromkeys([*old, *new]):
        before = old.get(name)
        after = new.get(name)
        before = before if _present(before) else None
        after = after if _present(after) else None
        if before is None and after is None:
            continue
        if before is not None and after is not None and _same(before, after):
            continue
        changes.append(FieldChange(name, before, after))
    return tuple(changes)


def _same(a: FieldValue, b: FieldValue) -> bool:
    # typed equality: True == 1 in Python, not here
    return type(a) is type(b) and a == b


def apply_field_changes(
    fields: Mapping[str, FieldValue], changes: Iterable[FieldChange]
) -> dict[str, FieldValue]:
    """The fields with the changes made: a removed field is left out.

    Fields that are absent (None or an empty list) are left out as well, so
    ``apply_field_changes(a, diff_fields(a, b))`` equals ``b`` without its
    absent fields.
    """
    result = {name: value for name, value in fields.items() if _present(value)}
    for change in changes:
        if change.new is None:
            result.pop(change.field, None)
        else:
            result[change.field] = change.new
    return result


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One record created, deleted or changed.

    Attributes:
        type: the record type's name.
        title: the page's title now (its last title when deleted).
        kind: ``created``, ``deleted`` or ``changed``.
        fields: the fields that changed (every non-empty field of a created
            or deleted record, from or to nothing).
        index: the infobox's position on the page.
        old_title: the page's title before, when it was moved (else None).
        old_revid: the revision the old values come from (0: none, or unknown).
        new_revid: the revision the new values come from (0: none).
        timestamp: when the page last changed (ISO 8601), or "".
        old_known: False when the record was deleted and its old values are
            not known any more (``fields`` is then empty).
    """

    type: str
    title: str
    kind: RecordChangeKind
    fields: tuple[FieldChange, ...] = ()
    index: int = 0
    old_title: str | None = None
    old_revid: int = 0
    new_revid: int = 0
    timestamp: str = ""
    old_known: bool = True

    def heading(self) -> str:
        """``Title (changed)``, ``New title (changed, was Old title)``."""
        where = self.title if not self.index else f"{self.title} #{self.index + 1}"
        moved = f", was {self.old_title}" if self.old_title else ""
        return f"{where} ({self.kind}{moved})"

    def text(self) -> str:
        """The heading, then one indented line per field change."""
        lines = [self.heading()]
        lines.extend(f"  {change.text()}" for change in self.fields)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """JSON data (one line of ``wikisync changes -f jsonl``)."""
        return {
            "type": self.type,
            "title": self.title,
            "index": self.index,
            "change": self.kind,
            "old_title": self.old_title,
            "old_revid": self.old_revid or None,
            "new_revid": self.new_revid or None,
            "timestamp": self.timestamp or None,
            "old_known": self.old_known,
            "fields": [change.to_dict() for change in self.fields],
        }


def diff_records(
    old: Sequence[Record],
    new: Sequence[Record],
    *,
    record_type: str,
    title: str,
    old_title: str | None = None,
    old_known: bool = True,
    timestamp: str = "",
) -> list[RecordChange]:
    """The changes between two states of one page's records of one type.

    Records pair by their position on the page (``index``); a record only
    ``new`` has was created, one only ``old`` has was deleted. A pair with
    no field changed gives nothing, unless the page was moved (its records
    then changed title: a change with no field).

    Args:
        record_type: the records' type.
        old: the page's records before (empty: it had none, or did not exist).
        new: its records now (empty: it has none, or was deleted).
        title: the page's title now (or last title, when deleted).
        old_title: its title before, when different (a move).
        old_known: False when the old records are unknown (a deleted page whose
            text the wiki no longer serves): each record of ``old`` is then
            ignored and a page without ``new`` records gives one ``deleted``
            change without fields.
        timestamp: when the page last changed.
    """
    moved = old_title if old_title and old_title != title else None
    if not old_known and not new:
        return [
            RecordChange(
                record_type,
                title,
                "deleted",
                old_title=moved,
                timestamp=timestamp,
                old_known=False,
            )
        ]
    before = {record.index: record for record in old} if old_known else {}
    after = {record.index: record for record in new}
    changes: list[RecordChange] = []
    for index in sorted(set(before) | set(after)):
        was, now = before.get(index), after.get(index)
        old_fields = was.fields if was is not None else {}
        new_fields = now.fields if now is not None else {}
        fields = diff_fields(old_fields, new_fields)
        kind: RecordChangeKind = (
            "created" if was is None else "deleted" if now is None else "changed"
        )
        if kind == "changed" and not fields and not moved:
            continue
        changes.append(
            RecordChange(
                record_type,
                title,
                kind,
                fields,
                index=index,
                old_title=moved,
                old_revid=was.revid if was is not None else 0,
                new_revid=now.revid if now is not None else 0,
                timestamp=timestamp,
            )
        )
    return changes


# -- since -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Since:
    """From when changes are read: a UTC time (and the cursor's row id, if one was given).

    Attributes:
        timestamp: ``2026-12-06T15:04:05Z`` (UTC, whole seconds).
        rcid: the recent-changes row id of a cursor, or None; rows up to it
            (in its second) were seen already.
    """

    timestamp: str
    rcid: int | None = None


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time_of(text: str) -> str | None:
    text = text.strip()
    if len(text) == 14 and text.isdigit():  # MediaWiki's TS_MW: 20261206150405
        text = f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:]}Z"
    try:
        if len(text) == 10:
            return _utc(dt.datetime.combine(dt.date.fromisoformat(text), dt.time()))
        return _utc(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def parse_since(text: str) -> Since:
    """Read a ``since``: a date (midnight UTC), a date-time (UTC unless it has an
    offset), ``TIMESTAMP|RCID`` or a JSON object ``{"timestamp": …, "rcid": …}``.

    Raises:
        ConfigError: none of these (the message names the value and the forms).

    Example:
        >>> parse_since("2026-12-06T15:04:05Z|1234")
        Since(timestamp='2026-12-06T15:04:05Z', rcid=1234)
        >>> parse_since("2026-12-06").timestamp
        '2026-12-06T00:00:00Z'
    """
    value = text.strip()
    stamp: str | None = None
    rcid: int | None = None
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("timestamp"), str):
            stamp = _time_of(data["timestamp"])
            raw = data.get("rcid")
            rcid = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            if raw is not None and rcid is None:
                stamp = None
    elif "|" in value:
        time_part, _, id_part = value.partition("|")
        stamp = _time_of(time_part)
        rcid = int(id_part) if id_part.strip().isdigit() else None
        if rcid is None:
            stamp = None
    else:
        stamp = _time_of(value)
    if stamp is None:
        raise ConfigError(
            f"since: cannot read {text!r} as a date (2026-12-06), a date-time "
            "(2026-12-06T15:04:05Z) or a recent-changes cursor (2026-12-06T15:04:05Z|1234)",
            key="since",
        )
    return Since(stamp, rcid)
