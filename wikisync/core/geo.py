"""Records on a map: an RFC 7946 GeoJSON FeatureCollection of points.

:func:`feature_collection` turns records (their JSON form,
:meth:`~wikisync.core.records.Record.to_dict`) into a FeatureCollection: one
``Point`` feature per record whose ``coord`` field holds a point, its
coordinates ``[longitude, latitude]`` (GeoJSON's order, WGS 84) rounded to 7
decimals (about a centimetre), its ``id`` the page title (``Title#2`` for a
page's second infobox), its ``properties`` the title and the typed fields
(the point itself aside). Features are sorted by title and infobox, and
:func:`dump_geojson` writes keys in a fixed order, so unchanged records give
the same bytes. Records without a point are left out and returned, for the
caller to report.

A whole wiki page of GeoJSON has no room for section markers, so it keeps
the same guards another way: :func:`stamp` adds a foreign member
``"wikisync": {"job": …, "hash": …}`` (the hash of its features), and
:func:`check_map_page` refuses to replace a page whose features are not what
wikisync last wrote (edited by hand, or never wikisync's: override with
``force``) or a map that would lose too many points (``allow_shrink``), as
for sections (:mod:`wikisync.core.sections`). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from wikisync.core.errors import HandEditError, SectionError
from wikisync.core.sections import DEFAULT_MAX_SHRINK, check_shrink

__all__ = [
    "MARK",
    "PLACES",
    "check_map_page",
    "dump_geojson",
    "feature_collection",
    "feature_id",
    "features_hash",
    "same_json",
    "stamp",
]

#: The foreign member (RFC 7946, section 6.1) in which a map page wikisync
#: writes keeps its job's name and the hash of its features.
MARK = "wikisync"

#: Decimals kept in coordinates (1e-7 degree is about 1 cm).
PLACES = 7

# Keys of a record's JSON form that are no field.
_RECORD_KEYS = frozenset({"title", "type", "revid", "index", "extra"})


def _degrees(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = round(float(value), PLACES)
    return number + 0.0 if number else 0.0  # never -0.0


def feature_id(record: Mapping[str, Any]) -> str:
    """A feature's id: the title, with ``#2``, ``#3``… for a page's later infoboxes."""
    index = record.get("index") or 0
    title = str(record.get("title", ""))
    return f"{title}#{index + 1}" if isinstance(index, int) and index > 0 else title


def feature_collection(
    records: Iterable[Mapping[str, Any]], field: str
) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
    """The records with a point in ``field`` as a GeoJSON FeatureCollection.

    Args:
        records: records as JSON data (``Record.to_dict()``), or the dicts a
            page template sees.
        field: the ``coord`` field giving each record's point.

    Returns:
        The FeatureCollection (a dict), and the records left out for having
        no point there.

    Example:
        >>> data, left = feature_collection(
        ...     [{"title": "Gare", "index": 0, "geo": {"lat": 48.84, "lon": 2.37}, "nom": "G"}],
        ...     "geo",
        ... )
        >>> data["features"][0]["geometry"], left
        ({'type': 'Point', 'coordinates': [2.37, 48.84]}, [])
    """
    placed: list[tuple[tuple[str, int], dict[str, Any]]] = []
    left_out: list[Mapping[str, Any]] = []
    for record in records:
        point = record.get(field)
        lat = _degrees(point.get("lat")) if isinstance(point, Mapping) else None
        lon = _degrees(point.get("lon")) if isinstance(point, Mapping) else None
        if lat is None or lon is None:
            left_out.append(record)
            continue
        properties: dict[str, Any] = {"title": record.get("title", "")}
        for name, value in record.items():
            if name not in _RECORD_KEYS and name != field:
                properties[name] = value
        feature = {
            "type": "Feature",
            "id": feature_id(record),
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties,
        }
        index = record.get("index")
        placed.append(
            ((str(record.get("title", "")), index if isinstance(index, int) else 0), feature)
        )
    placed.sort(key=lambda item: item[0])
    return {"type": "FeatureCollection", "features": [f for _, f in placed]}, left_out


def dump_geojson(data: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """GeoJSON as text: UTF-8 characters kept, keys in their order, a final newline.

    ``indent=4`` is the form MediaWiki stores a JSON page in (it re-indents
    what it is sent), so a page written so reads back byte for byte.
    """
    return json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False) + "\n"


def same_json(first: str, second: str) -> bool:
    """Whether two texts hold the same JSON data (spacing and indentation aside).

    A text that is no JSON is the same as nothing else.

    Example:
        >>> same_json('{"a": [1, 2]}', '{ "a" : [1,2] }'), same_json("{", "{")
        (True, False)
    """
    try:
        return bool(json.loads(first) == json.loads(second))
    except ValueError:
        return False


def features_hash(features: object) -> str:
    """A short SHA-256 of features, however the JSON around them is spaced."""
    text = json.dumps(features, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def stamp(data: dict[str, Any], job: str) -> dict[str, Any]:
    """The FeatureCollection with wikisync's mark: the job and its features' hash."""
    return {**data, MARK: {"job": job, "hash": features_hash(data.get("features"))}}


def check_map_page(
    old_text: str,
    new: Mapping[str, Any],
    *,
    title: str,
    job: str,
    force: bool = False,
    allow_shrink: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
) -> None:
    """Refuse to replace a map page that is not wikisync's as it last wrote it.

    Args:
        old_text: the page's text now.
        new: the FeatureCollection to write.
        title: the page, for messages.
        job: the job writing it, for messages.
        force: replace a page edited by hand, or never written by wikisync.
        allow_shrink: skip the shrink guard.
        max_shrink: the share of points the map may lose.

    Raises:
        SectionError: the page holds no JSON (even with ``force``: it is a
            page of another content model).
        HandEditError: the page holds no wikisync mark, or features that
            differ from the mark's hash.
        ShrinkError: the map would lose more than ``max_shrink`` of its points.
    """
    try:
        old = json.loads(old_text)
    except ValueError:
        # A JSON page always holds JSON (MediaWiki refuses to save one that
        # does not): this one is a page of another kind, even with force.
        raise SectionError(
            f'Page "{title}" does not hold JSON: it is not a JSON or GeoJSON page, and a map '
            "replaces only one of those (wikisync never changes a page's content model)",
            name=job,
            title=title,
        ) from None
    mark = old.get(MARK) if isinstance(old, dict) else None
    features = old.get("features") if isinstance(old, dict) else None
    if not force:
        if not isinstance(mark, dict):
            raise HandEditError(
                f'Page "{title}" holds no map wikisync wrote; replace it with force=True',
                name=job,
                title=title,
            )
        if mark.get("hash") != features_hash(features):
            raise HandEditError(
                f'Page "{title}": its map was edited by hand since wikisync last wrote it; '
                "overwrite the changes with force=True",
                name=job,
                title=title,
            )
    if not allow_shrink and isinstance(features, list):
        check_shrink(
            len(features), len(new.get("features") or ()), max_shrink, title=title, name=job
        )
