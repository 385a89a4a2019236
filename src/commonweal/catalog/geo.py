"""Boundaries and point-in-district lookup with shapely.

Boundaries are GeoJSON in longitude/latitude. Lookups go through an STRtree built once per
jurisdiction and kept until a district changes, so placing a request costs one small query
(the freshness check) and a tree search, not a scan of every polygon.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, QuerySet
from django.utils.translation import gettext as _
from shapely.geometry import shape

if TYPE_CHECKING:
    from commonweal.catalog.models import District, Jurisdiction


def validate_boundary(value: Any) -> None:
    """Accept a valid GeoJSON Polygon or MultiPolygon with WGS 84 coordinates."""
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geometry = shape(value)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValidationError(_("The boundary is not valid GeoJSON: %s") % error) from error
    if geometry.is_empty:
        raise ValidationError(_("The boundary has no area: its coordinates are empty."))
    if not geometry.is_valid:
        raise ValidationError(
            _("The boundary is not a valid polygon: %s") % shapely.is_valid_reason(geometry)
        )
    min_x, min_y, max_x, max_y = geometry.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise ValidationError(_("Boundary coordinates must be longitude, latitude in degrees."))


METRES_PER_DEGREE = 111_320.0


def within_metres(queryset: QuerySet[Any], lat: float, long: float, radius: float) -> QuerySet[Any]:
    """Keep rows whose `lat`/`long` lie within `radius` metres of the point.

    A bounding box first (so an index on the coordinates can serve), then the
    equirectangular distance — exact enough at city scale, and plain SQL on any database.
    """
    dlat = radius / METRES_PER_DEGREE
    scale = max(math.cos(math.radians(lat)), 0.01)
    north_south = (F("lat") - lat) * METRES_PER_DEGREE
    east_west = (F("long") - long) * (METRES_PER_DEGREE * scale)
    return (
        queryset.filter(
            lat__range=(lat - dlat, lat + dlat),
            long__range=(long - dlat / scale, long + dlat / scale),
        )
        .alias(distance2=north_south * north_south + east_west * east_west)
        .filter(distance2__lte=radius * radius)
    )


@dataclass(frozen=True)
class DistrictIndex:
    """A spatial index of one jurisdiction's districts of one kind."""

    district_ids: list[int]
    geometries: np.ndarray
    tree: shapely.STRtree

    @classmethod
    def build(cls, districts: list[District]) -> DistrictIndex:
        ordered = sorted(districts, key=lambda district: district.code)
        geometries = np.array([shape(district.boundary) for district in ordered], dtype=object)
        return cls([district.pk for district in ordered], geometries, shapely.STRtree(geometries))

    def locate(self, lat: float, long: float) -> int | None:
        """Return the id of the district covering the point; on a shared edge, the lowest code."""
        hits = self.tree.query(shapely.Point(long, lat), predicate="covered_by")
        return self.district_ids[int(hits.min())] if len(hits) else None

    def locate_many(self, lats: np.ndarray, longs: np.ndarray) -> list[int | None]:
        """Return the district id (or None) for each point, in one vectorised search."""
        points = shapely.points(longs, lats)
        point_index, tree_index = self.tree.query(points, predicate="covered_by")
        best = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, point_index, tree_index)
        return [
            None if position == np.iinfo(np.int64).max else self.district_ids[int(position)]
            for position in best
        ]


_cache: dict[tuple[int, str], tuple[tuple[Any, ...], DistrictIndex]] = {}
_cache_lock = threading.Lock()


def district_index(jurisdiction: Jurisdiction, kind: str | None = None) -> DistrictIndex:
    """Return the (cached) index of the jurisdiction's districts of `kind`."""
    kind = kind or jurisdiction.district_kind
    districts = jurisdiction.districts.filter(kind=kind)
    version = tuple(districts.aggregate(n=Count("pk"), changed=Max("updated_at")).values())
    key = (jurisdiction.pk, kind)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == version:
            return cached[1]
    index = DistrictIndex.build(list(districts))
    with _cache_lock:
        _cache[key] = (version, index)
    return index


def district_for_point(jurisdiction: Jurisdiction, lat: float, long: float) -> int | None:
    """Return the id of the jurisdiction's district that contains the point, if any."""
    return district_index(jurisdiction).locate(lat, long)
