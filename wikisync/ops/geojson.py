"""A map of records: what ``records TYPE -f geojson`` and the map jobs write.

:func:`format_geojson` turns a type's records into an RFC 7946 GeoJSON
FeatureCollection (:mod:`wikisync.core.geo`): one ``Point`` per record, its
coordinates ``[lon, lat]`` from the type's first ``coord`` field (or the one
named), its id the page title, its properties the typed fields; byte-stable
(sorted, 7 decimals). A record without a point is left out of the map with a
problem (:class:`~wikisync.core.errors.RecordError`) naming the page and the
field, beside the records' own problems. :func:`read_geojson` reads a type's
records from a source and formats them, the library twin of the command.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wikisync.core.errors import ConfigError, RecordError
from wikisync.core.geo import dump_geojson, feature_collection, stamp
from wikisync.core.records import Record, RecordSet
from wikisync.core.schema import RecordType
from wikisync.core.selection import Selection
from wikisync.ops.collect import collect_records
from wikisync.ports.source import Source

__all__ = ["GeoJson", "coord_field", "format_geojson", "read_geojson"]


@dataclass(frozen=True, slots=True)
class GeoJson:
    """A FeatureCollection as text, and the records left out of it.

    Attributes:
        text: the GeoJSON, ending with a newline.
        count: how many features it holds.
        problems: one per record left out (no point in the field).
    """

    text: str
    count: int
    problems: tuple[RecordError, ...] = ()


def coord_field(record_type: RecordType, name: str | None = None) -> str:
    """The ``coord`` field a map of the type places its records by.

    Args:
        record_type: the type.
        name: the field wanted, or None for the type's first ``coord`` field.

    Raises:
        ConfigError: the type has no such ``coord`` field.
    """
    coords = [spec.name for spec in record_type.fields if spec.type == "coord"]
    if name is None and coords:
        return coords[0]
    if name is not None and name in coords:
        return name
    key = f"types.{record_type.name}.fields"
    if name is None:
        raise ConfigError(
            f'{key}: type "{record_type.name}" has no coord field to place its records on a '
            'map (give one type = "coord")',
            key=key,
        )
    raise ConfigError(
        f'{key}: "{name}" is no coord field of type "{record_type.name}" '
        f"(coord fields: {', '.join(coords) or 'none'})",
        key=key,
    )


def format_geojson(
    records: Iterable[Record],
    record_type: RecordType,
    *,
    field: str | None = None,
    indent: int | None = 2,
    mark: str = "",
) -> GeoJson:
    """Records as a GeoJSON FeatureCollection of points.

    Args:
        records: the records (of ``record_type``).
        record_type: their type.
        field: the ``coord`` field to place them by (default: the first).
        indent: JSON indentation (4 is MediaWiki's own form of a JSON page).
        mark: a job's name: add wikisync's mark (:func:`~wikisync.core.geo.stamp`),
            as a map page keeps it.

    Raises:
        ConfigError: the type has no such ``coord`` field.

    Example:
        >>> found = collect_records(source, record_type_named(config.types, "actor"))
        >>> print(format_geojson(found.records, actor).text)  # doctest: +SKIP
    """
    name = coord_field(record_type, field)
    data, left_out = feature_collection((record.to_dict() for record in records), name)
    if mark:
        data = stamp(data, mark)
    problems = tuple(
        RecordError(
            f'Page "{record["title"]}": no point in field "{name}"; left out of the map',
            title=str(record["title"]),
            field=name,
        )
        for record in left_out
    )
    return GeoJson(dump_geojson(data, indent=indent), len(data["features"]), problems)


def read_geojson(
    source: Source,
    record_type: RecordType,
    *,
    field: str | None = None,
    selection: Selection | None = None,
) -> tuple[GeoJson, RecordSet]:
    """Read a type's records from a source into a map (see :func:`format_geojson`).

    ``selection`` keeps only the pages it chooses.

    Returns:
        The map and the records read (with their own problems).

    Raises:
        ConfigError: the type has no such ``coord`` field (before anything is read).
    """
    coord_field(record_type, field)
    found = collect_records(source, record_type, selection)
    return format_geojson(found.records, record_type, field=field), found
