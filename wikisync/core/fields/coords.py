"""Geographic coordinates: the typed value of a ``coord`` field.

A :class:`Coord` is a point in WGS 84 degrees, latitude first as people write
it (GeoJSON writes ``[lon, lat]``; its writers swap). The parser of the
``coord`` field type lives beside it in this module.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Coord:
    """A point: latitude in [-90, 90], longitude in [-180, 180], in degrees."""

    lat: float
    lon: float
