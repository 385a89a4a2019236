"""Each test factory builds an object that passes the model's own validation."""

import pytest

from commonweal import testing


@pytest.mark.parametrize(
    "factory",
    [
        testing.JurisdictionFactory,
        testing.DepartmentFactory,
        testing.DistrictFactory,
        testing.ServiceFactory,
        testing.StandardFactory,
        testing.UserFactory,
    ],
)
def test_the_factory_builds_a_valid_object(db, factory):
    instance = factory.create()
    instance.full_clean()


def test_the_pothole_service_has_every_open311_datatype(city):
    from commonweal.catalog.models import Datatype

    datatypes = set(city.pothole.attributes.values_list("datatype", flat=True))
    assert datatypes == set(Datatype.values)
