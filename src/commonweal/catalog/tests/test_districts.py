"""District boundaries: validation, import and point-in-district assignment."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from commonweal.catalog.geo import district_for_point, district_index, validate_boundary
from commonweal.catalog.models import District
from commonweal.testing import square


def test_a_point_inside_a_district_is_placed_there(city):
    assert district_for_point(city.jurisdiction, 40.05, -75.05) == city.west.pk
    assert district_for_point(city.jurisdiction, 40.05, -74.95) == city.east.pk


def test_a_point_on_a_shared_boundary_goes_to_the_lowest_code(city):
    # E sorts before W: the edge at longitude -75.0 belongs to both polygons.
    assert district_for_point(city.jurisdiction, 40.05, -75.0) == city.east.pk


def test_a_point_on_the_outer_edge_is_inside(city):
    assert district_for_point(city.jurisdiction, 40.0, -75.05) == city.west.pk


def test_a_point_outside_every_district_has_none(city):
    assert district_for_point(city.jurisdiction, 41.0, -75.05) is None


def test_only_districts_of_the_jurisdictions_kind_are_used(city):
    index = district_index(city.jurisdiction)
    assert set(index.district_ids) == {city.west.pk, city.east.pk}


def test_many_points_are_placed_at_once(city):
    import numpy as np

    index = district_index(city.jurisdiction)
    found = index.locate_many(np.array([40.05, 40.05, 45.0]), np.array([-75.05, -74.95, -75.0]))
    assert found == [city.west.pk, city.east.pk, None]


def test_the_index_notices_a_changed_boundary(city):
    assert district_for_point(city.jurisdiction, 40.15, -75.05) is None
    city.west.boundary = square(-75.1, 40.0, -75.0, 40.2)
    city.west.save()
    assert district_for_point(city.jurisdiction, 40.15, -75.05) == city.west.pk


@pytest.mark.parametrize(
    "boundary, message",
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon or MultiPolygon"),
        ("not even a dict", "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": "nonsense"}, "not valid"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "Self-intersection",
        ),
        (square(100, 100, 200, 200), "longitude, latitude"),
    ],
)
def test_bad_boundaries_are_refused_with_a_reason(boundary, message):
    with pytest.raises(ValidationError, match=message):
        validate_boundary(boundary)


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(code, boundary, **properties):
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": boundary}


def test_import_districts_creates_and_then_updates(city, tmp_path):
    path = tmp_path / "wards.geojson"
    path.write_text(
        json.dumps(
            _collection(
                _feature("1", square(-75.1, 40.0, -75.05, 40.1), name="Ward 1", population="1200"),
                _feature("2", square(-75.05, 40.0, -75.0, 40.1), name="Ward 2"),
            )
        )
    )
    call_command("import_districts", path, jurisdiction="testville.example", kind="ward")
    assert District.objects.get(kind="ward", code="1").population == 1200
    path.write_text(
        json.dumps(_collection(_feature("1", square(-75.1, 40.0, -75.05, 40.1), name="North")))
    )
    call_command("import_districts", path, jurisdiction="testville.example", kind="ward")
    assert District.objects.get(kind="ward", code="1").name == "North"
    assert District.objects.filter(kind="ward").count() == 2


def test_import_districts_keeps_nothing_when_one_feature_is_bad(city, tmp_path):
    path = tmp_path / "wards.geojson"
    path.write_text(
        json.dumps(
            _collection(
                _feature("1", square(-75.1, 40.0, -75.05, 40.1)),
                _feature("2", {"type": "Point", "coordinates": [0, 0]}),
            )
        )
    )
    with pytest.raises(CommandError, match="district '2'"):
        call_command("import_districts", path, jurisdiction="testville.example", kind="ward")
    assert not District.objects.filter(kind="ward").exists()


def test_import_districts_explains_an_unreadable_file(city, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_districts", path, jurisdiction="testville.example")
