"""The catalogue: who serves (jurisdictions, departments), where (districts), what
(services with typed attributes) and the published promise (service standards)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from commonweal.catalog.geo import validate_boundary

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, '.', '_' or '-', starting with a letter or digit."),
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


def validate_working_days(value: Any) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(
            not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 7 for day in value
        )
    ):
        raise ValidationError(_("List the working days as ISO weekday numbers, 1 (Monday) to 7."))


def default_working_days() -> list[int]:
    return [1, 2, 3, 4, 5]


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent — danger to people")


class JurisdictionQuerySet(models.QuerySet["Jurisdiction"]):
    def named_or_only(self, jurisdiction_id: str | None) -> Jurisdiction:
        """Return the jurisdiction with this id, or the only one when no id is given.

        Raise Jurisdiction.DoesNotExist for an unknown id or an empty installation, and
        Jurisdiction.MultipleObjectsReturned when no id is given but several exist.
        """
        if jurisdiction_id:
            return self.get(jurisdiction_id=jurisdiction_id)
        found = list(self.order_by("pk")[:2])
        if not found:
            raise self.model.DoesNotExist("No jurisdiction is configured.")
        if len(found) > 1:
            raise self.model.MultipleObjectsReturned("Several jurisdictions: name one.")
        return found[0]


class Jurisdiction(models.Model):
    """A public body that takes requests: Open311's `jurisdiction_id`, its clock and calendar."""

    jurisdiction_id = models.CharField(
        _("Open311 jurisdiction id"), max_length=100, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    working_days = models.JSONField(
        _("working days"),
        default=default_working_days,
        validators=[validate_working_days],
        help_text=_("ISO weekday numbers: 1 is Monday, 7 is Sunday."),
    )
    workday_start = models.TimeField(_("working day starts"), default=dt.time(8, 0))
    workday_end = models.TimeField(_("working day ends"), default=dt.time(17, 0))
    district_kind = models.CharField(
        _("district kind used for requests"),
        max_length=20,
        default="council",
        help_text=_("Requests are placed in the district of this kind that contains them."),
    )

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("jurisdiction")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.jurisdiction_id})"

    def clean(self) -> None:
        if self.workday_start and self.workday_end and self.workday_start >= self.workday_end:
            raise ValidationError({"workday_end": _("The working day must end after it starts.")})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Holiday(models.Model):
    """A public holiday: no working time is counted on it."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("public holiday")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "date"], name="one_holiday_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class Department(models.Model):
    """A unit that resolves requests and answers for its services."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="departments"
    )
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_('Text in other languages, e.g. {"es": {"name": "…"}}.'),
    )

    class Meta:
        verbose_name = _("department")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="unique_department_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Team(models.Model):
    """A crew or desk inside a department; a request can be assigned to it as a whole and a
    member picks it up (north and south crews, the night desk)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        ordering = ["department", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="unique_team_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.department.code})"


class DistrictKind(models.TextChoices):
    COUNCIL = "council", _("Council district")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    WARD = "ward", _("Ward")
    OTHER = "other", _("Other")


class District(models.Model):
    """An area of the jurisdiction with its boundary (GeoJSON, WGS 84) and demographics."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="districts"
    )
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DistrictKind.choices, default=DistrictKind.COUNCIL
    )
    boundary = models.JSONField(
        _("boundary"),
        validators=[validate_boundary],
        help_text=_("A GeoJSON Polygon or MultiPolygon in longitude/latitude (WGS 84)."),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    median_household_income = models.PositiveIntegerField(
        _("median household income"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("district")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "code"], name="unique_district_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()} {self.code})"


class ServiceType(models.TextChoices):
    REALTIME = "realtime", "realtime"
    BATCH = "batch", "batch"
    BLACKBOX = "blackbox", "blackbox"


class ServiceQuerySet(models.QuerySet["Service"]):
    def active(self) -> ServiceQuerySet:
        return self.filter(active=True)


class Service(models.Model):
    """A kind of request residents can make, as Open311 describes it, plus who owns it."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="services"
    )
    service_code = models.CharField(_("service code"), max_length=64, validators=[code_validator])
    service_name = models.CharField(_("service name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Comma-separated.")
    )
    group = models.CharField(_("group"), max_length=100, blank=True)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_('Text in other languages, e.g. {"es": {"service_name": "…"}}.'),
    )
    type = models.CharField(
        _("type"), max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="services")
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Locations of sensitive requests are only ever published generalised."),
    )
    reopen_when_not_fixed = models.BooleanField(
        _("reopen when a survey says it is not fixed"),
        default=True,
        help_text=_("A resident answering the survey that the problem is not fixed reopens it."),
    )
    active = models.BooleanField(_("active"), default=True)
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicates within (metres)"),
        default=50,
        help_text=_("Open requests of this service this close are suggested as duplicates."),
    )
    duplicate_window_days = models.PositiveIntegerField(_("duplicates within (days)"), default=14)
    # The escalation ladder, as shares of the time the standard allows (requested -> due).
    warn_assignee_at_percent = models.PositiveSmallIntegerField(
        _("warn the assignee at (% of the standard's time)"), default=80
    )
    escalate_supervisor_at_percent = models.PositiveSmallIntegerField(
        _("escalate to the supervisor at (%)"), default=100
    )
    escalate_head_at_percent = models.PositiveSmallIntegerField(
        _("escalate to the department head at (%)"), default=150
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        ordering = ["group", "service_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "service_code"], name="unique_service_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_name} ({self.service_code})"

    def clean(self) -> None:
        if (
            self.department_id
            and self.jurisdiction_id
            and self.department.jurisdiction_id != self.jurisdiction_id
        ):
            raise ValidationError(
                {"department": _("The department belongs to another jurisdiction.")}
            )
        ladder = [
            self.warn_assignee_at_percent,
            self.escalate_supervisor_at_percent,
            self.escalate_head_at_percent,
        ]
        if not 0 < ladder[0] <= ladder[1] <= ladder[2]:
            raise ValidationError(
                {
                    "escalate_head_at_percent": _(
                        "The escalation points must rise: assignee, then supervisor, then head."
                    )
                }
            )

    @property
    def metadata(self) -> bool:
        """Open311's `metadata`: whether the service has attributes to fill in."""
        return self.attributes.exists()


class Datatype(models.TextChoices):
    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLEVALUELIST = "singlevaluelist", "singlevaluelist"
    MULTIVALUELIST = "multivaluelist", "multivaluelist"


LIST_DATATYPES = {Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST}


class ServiceAttribute(models.Model):
    """A question asked when a request of this service is made (Open311 `attribute`)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(_("code"), max_length=64, validators=[code_validator])
    variable = models.BooleanField(
        _("variable"), default=True, help_text=_("Off for an informational line with no answer.")
    )
    datatype = models.CharField(_("datatype"), max_length=20, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    description = models.CharField(_("question"), max_length=500)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_('Text in other languages, e.g. {"es": {"description": "…"}}.'),
    )

    class Meta:
        verbose_name = _("service attribute")
        ordering = ["service", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="unique_attribute_code")
        ]

    def __str__(self) -> str:
        return f"{self.service.service_code}.{self.code} ({self.datatype})"

    def clean(self) -> None:
        if not self.variable and self.required:
            raise ValidationError(
                {"required": _("An informational (non-variable) attribute cannot be required.")}
            )


class AttributeValue(models.Model):
    """One allowed answer of a list attribute."""

    attribute = models.ForeignKey(ServiceAttribute, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(_("key"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_('Text in other languages, e.g. {"es": {"name": "…"}}.'),
    )

    class Meta:
        verbose_name = _("attribute value")
        ordering = ["attribute", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "key"], name="unique_attribute_value")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"


class TimeUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_HOURS = "calendar_hours", _("hours")
    CALENDAR_DAYS = "calendar_days", _("days")


def period_text(within: int, unit: str) -> str:
    """A standard's period as residents read it, in the active language, singular or plural
    by the number: "1 working day", "5 working days", "1 hour"."""
    if unit == TimeUnit.WORKING_HOURS:
        text = ngettext("%(n)d working hour", "%(n)d working hours", within)
    elif unit == TimeUnit.WORKING_DAYS:
        text = ngettext("%(n)d working day", "%(n)d working days", within)
    elif unit == TimeUnit.CALENDAR_HOURS:
        text = ngettext("%(n)d hour", "%(n)d hours", within)
    else:
        text = ngettext("%(n)d day", "%(n)d days", within)
    return text % {"n": within}


class ServiceStandardQuerySet(models.QuerySet["ServiceStandard"]):
    def in_force_on(self, day: dt.date) -> ServiceStandardQuerySet:
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class ServiceStandard(models.Model):
    """The published promise for one service and priority, in force between two dates."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="standards")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    acknowledge_within = models.PositiveIntegerField(
        _("acknowledge within"), validators=[MinValueValidator(1)]
    )
    acknowledge_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    resolve_within = models.PositiveIntegerField(
        _("resolve within"), validators=[MinValueValidator(1)]
    )
    resolve_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    public_wording = models.CharField(
        _("public wording"),
        max_length=300,
        help_text=_('What residents read, e.g. "We aim to repair potholes within 5 working days."'),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = ServiceStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("service standard")
        ordering = ["service", "priority", "-effective_from"]
        indexes = [models.Index(fields=["service", "priority", "effective_from"])]

    def __str__(self) -> str:
        return (
            f"{self.service.service_code} {self.priority}: acknowledge in "
            f"{self.acknowledge_period()}, resolve in {self.resolve_period()}"
        )

    def acknowledge_period(self) -> str:
        """The time to acknowledge, as text: "1 working hour"."""
        return period_text(self.acknowledge_within, self.acknowledge_unit)

    def resolve_period(self) -> str:
        """The time to resolve, as text: "5 working days"."""
        return period_text(self.resolve_within, self.resolve_unit)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = _("A standard cannot end before it starts.")
        if bool(self.approved_by_id) != bool(self.approved_at):
            errors["approved_at"] = _("Record both who approved the standard and when.")
        if self.effective_from and not errors and self._overlapping().exists():
            errors["effective_from"] = _(
                "Another standard for this service and priority is in force on these dates."
            )
        if errors:
            raise ValidationError(errors)

    def _overlapping(self) -> ServiceStandardQuerySet:
        others = ServiceStandard.objects.filter(
            service_id=self.service_id, priority=self.priority
        ).exclude(pk=self.pk)
        others = others.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from)
        )
        if self.effective_to:
            others = others.filter(effective_from__lte=self.effective_to)
        return others


class RoutingRule(models.Model):
    """Send a service's requests from one district to another department than the service's
    own (north and south crews, a contractor for one ward). The most specific active rule
    wins; without one, the service's department takes the request."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="routing_rules")
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text=_("Empty: every district without a rule of its own."),
    )  # fmt: skip
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "district"], name="one_routing_rule_per_service_district"
            )
        ]

    def __str__(self) -> str:
        where = self.district.name if self.district_id else _("any district")  # type: ignore[union-attr]
        return f"{self.service.service_code} in {where} → {self.department.code}"

    def clean(self) -> None:
        if (
            self.department_id
            and self.service_id
            and self.department.jurisdiction_id != self.service.jurisdiction_id
        ):
            raise ValidationError(
                {"department": _("The department belongs to another jurisdiction.")}
            )
