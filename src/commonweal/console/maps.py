"""A small map without tiles or JavaScript: the district's outline and the reported point,
drawn as inline SVG (the address and coordinates are always given in text beside it)."""

from __future__ import annotations

import math
from typing import Any

SIZE = 240


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def district_svg_parts(boundary: dict[str, Any] | None, lat: float, long: float) -> dict[str, Any]:
    """Return the SVG path of the district and the point's position in a SIZE by SIZE box.

    Longitude is scaled by cos(latitude) so shapes keep their proportions.
    """
    rings = _rings(boundary or {})  # boundaries are validated Polygons or MultiPolygons
    points = [pt for ring in rings for pt in ring] or [[long, lat]]
    points.append([long, lat])
    squeeze = math.cos(math.radians(lat))
    xs = [x * squeeze for x, _y in points]
    ys = [y for _x, y in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 0.01
    pad = span * 0.05

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            round((x * squeeze - min(xs) + pad) / (span + 2 * pad) * SIZE, 1),
            round((max(ys) - y + pad) / (span + 2 * pad) * SIZE, 1),
        )

    path = " ".join(
        "M " + " L ".join(f"{px} {py}" for px, py in (place(x, y) for x, y in ring)) + " Z"
        for ring in rings
    )
    x, y = place(long, lat)
    return {"path": path, "x": x, "y": y, "size": SIZE}
