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


@pytest.mark.parametrize(
    "properties, geometry, message",
    [
        ({"population": "1e400"}, None, "must be numbers"),  # infinity: was a traceback
        ({"population": 10**400}, None, "must be numbers"),  # too large for a float
        ({"population": True}, None, "must be numbers"),  # JSON true is no count
        ({"median_household_income": "NaN"}, None, "must be numbers"),
        ({"name": "Ward\x00One"}, None, "the name holds a NUL character"),
        ({"ward_code": "W\x001"}, None, "the code holds a NUL character"),
        ({}, {"type": "Polygon", "coordinates": []}, "has no area"),
    ],
)
def test_import_districts_refuses_a_bad_feature_with_a_reason(
    city, tmp_path, properties, geometry, message
):
    feature = _feature("9", geometry or square(-75.1, 40.0, -75.05, 40.1), **properties)
    feature["properties"].setdefault("ward_code", "9")
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(_collection(feature)))
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_districts", path, jurisdiction="testville.example", kind="ward",
            code_property="ward_code",
        )  # fmt: skip
    assert not District.objects.filter(kind="ward").exists()


def test_import_districts_refuses_a_code_given_twice(city, tmp_path):
    path = tmp_path / "wards.geojson"
    first = _feature("1", square(-75.1, 40.0, -75.05, 40.1), name="North")
    second = _feature("1", square(-75.05, 40.0, -75.0, 40.1), name="South")
    path.write_text(json.dumps(_collection(first, second)))
    with pytest.raises(CommandError, match="'1' appears twice"):  # not South over North
        call_command("import_districts", path, jurisdiction="testville.example", kind="ward")
    assert not District.objects.filter(kind="ward").exists()


def test_import_districts_rounds_a_fractional_population(city, tmp_path):
    path = tmp_path / "wards.geojson"
    feature = _feature("1", square(-75.1, 40.0, -75.05, 40.1), population=1234.6)
    path.write_text(json.dumps(_collection(feature)))
    call_command("import_districts", path, jurisdiction="testville.example", kind="ward")
    assert District.objects.get(kind="ward", code="1").population == 1235


@pytest.mark.parametrize(
    "text", ['{"type": "FeatureCollection", "features": {"a": 1}}', "[" * 100_000 + "]" * 100_000]
)
def test_import_districts_explains_a_file_of_the_wrong_shape(city, tmp_path, text):
    path = tmp_path / "odd.geojson"
    path.write_text(text)
    with pytest.raises(CommandError, match="features must be a list|Cannot read"):
        call_command("import_districts", path, jurisdiction="testville.example")
