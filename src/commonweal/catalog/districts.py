"""Loading district boundaries from GeoJSON."""

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction

from commonweal.catalog.models import District, Jurisdiction

DEFAULT_PROPERTIES = {
    "code": "code",
    "name": "name",
    "population": "population",
    "median_household_income": "median_household_income",
}


def _optional_int(value: Any) -> int | None:
    """A whole number from a number or numeric text (rounded), None for none; a ValueError
    for anything else, true and false, infinity and NaN included."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return round(number)


def _district_from_feature(
    jurisdiction: Jurisdiction, feature: Any, kind: str, properties: dict[str, str]
) -> District:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise ValidationError("each feature needs a properties object")
    props = feature["properties"]
    code = str(props.get(properties["code"], "")).strip()
    try:
        population = _optional_int(props.get(properties["population"]))
        income = _optional_int(props.get(properties["median_household_income"]))
    except (TypeError, ValueError, OverflowError) as error:
        raise ValidationError(
            f"district {code!r}: population and income must be numbers"
        ) from error
    name = str(props.get(properties["name"]) or code)
    for label, text in (("code", code), ("name", name)):  # before any query holds them
        try:  # (a form refuses these; a file does not pass through one)
            ProhibitNullCharactersValidator()(text)
        except ValidationError as error:
            problem = f"district {code!r}: the {label} holds a NUL character"
            raise ValidationError(problem) from error
    district = District.objects.filter(
        jurisdiction=jurisdiction, kind=kind, code=code
    ).first() or District(jurisdiction=jurisdiction, kind=kind, code=code)
    district.name = name
    district.boundary = feature.get("geometry")
    district.population = population
    district.median_household_income = income
    try:
        district.full_clean()
    except ValidationError as error:
        raise ValidationError(f"district {code!r}: {'; '.join(error.messages)}") from error
    return district


@transaction.atomic
def import_districts(
    jurisdiction: Jurisdiction,
    collection: Any,
    kind: str = "council",
    properties: dict[str, str] | None = None,
) -> tuple[int, int]:
    """Create or update one district per feature; return (created, updated).

    Every feature is validated before anything is kept: one bad boundary rolls back the lot.
    """
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationError("the file must hold a GeoJSON FeatureCollection")
    properties = {**DEFAULT_PROPERTIES, **(properties or {})}
    created = updated = 0
    features = collection.get("features") or []
    if not isinstance(features, list):
        raise ValidationError("the FeatureCollection's features must be a list")
    seen: set[str] = set()
    for feature in features:
        district = _district_from_feature(jurisdiction, feature, kind, properties)
        if district.code in seen:  # the second would silently overwrite the first
            raise ValidationError(f"district {district.code!r} appears twice in the file")
        seen.add(district.code)
        if district.pk:
            updated += 1
        else:
            created += 1
        district.save()
    return created, updated
