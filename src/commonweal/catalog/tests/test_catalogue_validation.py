"""Validation of the catalogue models, as the admin runs it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from commonweal.catalog.models import Jurisdiction, ServiceAttribute, ServiceStandard
from commonweal.testing import DepartmentFactory, JurisdictionFactory, StandardFactory


def test_an_unknown_time_zone_is_refused(db):
    jurisdiction = Jurisdiction(jurisdiction_id="x", name="X", time_zone="Mars/Olympus")
    with pytest.raises(ValidationError, match="IANA"):
        jurisdiction.full_clean()


@pytest.mark.parametrize("days", [[], [0], [8], ["monday"], "1,2", [True]])
def test_working_days_must_be_iso_weekdays(db, days):
    jurisdiction = Jurisdiction(jurisdiction_id="x", name="X", time_zone="UTC", working_days=days)
    with pytest.raises(ValidationError, match="ISO weekday|cannot be blank"):
        jurisdiction.full_clean()


def test_the_working_day_must_end_after_it_starts(db):
    jurisdiction = Jurisdiction(
        jurisdiction_id="x",
        name="X",
        time_zone="UTC",
        workday_start=dt.time(17),
        workday_end=dt.time(8),
    )
    with pytest.raises(ValidationError, match="end after"):
        jurisdiction.full_clean()


def test_overlapping_standards_for_one_service_and_priority_are_refused(city):
    clash = ServiceStandard(
        service=city.pothole,
        priority="normal",
        acknowledge_within=1,
        acknowledge_unit="working_days",
        resolve_within=3,
        resolve_unit="working_days",
        effective_from=dt.date(2026, 1, 1),
        public_wording="Faster",
    )
    with pytest.raises(ValidationError, match="in force on these dates"):
        clash.full_clean()


def test_a_standard_may_follow_another_that_has_ended(city):
    current = city.pothole.standards.get(priority="normal")
    current.effective_to = dt.date(2025, 12, 31)
    current.save()
    StandardFactory.build(
        service=city.pothole, effective_from=dt.date(2026, 1, 1), resolve_within=3
    ).full_clean()


def test_approval_needs_both_who_and_when(city):
    standard = StandardFactory.build(service=city.collection, approved_by=city.sam)
    with pytest.raises(ValidationError, match="who approved"):
        standard.full_clean()


def test_an_informational_attribute_cannot_be_required(city):
    attribute = ServiceAttribute(
        service=city.pothole,
        code="info",
        datatype="string",
        variable=False,
        required=True,
        description="Info",
    )
    with pytest.raises(ValidationError, match="cannot be required"):
        attribute.full_clean()


def test_a_service_department_must_be_of_the_same_jurisdiction(city):
    other = DepartmentFactory(jurisdiction=JurisdictionFactory(jurisdiction_id="elsewhere"))
    city.pothole.department = other
    with pytest.raises(ValidationError, match="another jurisdiction"):
        city.pothole.full_clean()


def test_every_catalogue_object_has_a_readable_name(city):
    assert str(city.jurisdiction) == "Testville (testville.example)"
    assert str(city.pothole) == "Pothole (pothole)"
    assert "resolve in 5 working days" in str(city.pothole.standards.get(priority="normal"))
    assert str(city.west) == "District W (Council district W)"


def test_the_jurisdiction_is_named_or_the_only_one(db):
    with pytest.raises(Jurisdiction.DoesNotExist):
        Jurisdiction.objects.named_or_only(None)
    first = JurisdictionFactory()
    assert Jurisdiction.objects.named_or_only(None) == first
    assert Jurisdiction.objects.named_or_only("testville.example") == first
    JurisdictionFactory(jurisdiction_id="other.example")
    with pytest.raises(Jurisdiction.MultipleObjectsReturned):
        Jurisdiction.objects.named_or_only(None)
    with pytest.raises(Jurisdiction.DoesNotExist):
        Jurisdiction.objects.named_or_only("atlantis")


def test_the_escalation_ladder_must_rise(city):
    city.pothole.escalate_supervisor_at_percent = 70  # before the assignee's warning at 80
    with pytest.raises(ValidationError) as refused:
        city.pothole.full_clean()
    assert "escalate_head_at_percent" in refused.value.message_dict
    city.pothole.escalate_supervisor_at_percent = 100
    city.pothole.full_clean()
