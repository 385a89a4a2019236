"""The one way to change a request.

Every function here takes the acting `Actor`, and in one transaction:
1. locks the request row (so concurrent changes queue instead of overwriting each other),
2. refuses a stale change when the caller says which version it saw,
3. asks `authorize` for the rule that allows the act,
4. checks the transition against the declared state machine,
5. validates the input, applies the change and appends its case-log event.

They raise `ValidationError` for bad input (all problems at once) and `CaseError`
subclasses for refusals; in both cases nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commonweal.cases import log
from commonweal.cases.authority import Actor, authorize
from commonweal.cases.errors import CaseError, ConflictError
from commonweal.cases.ids import new_public_ids
from commonweal.cases.ladder import reschedule
from commonweal.cases.models import (
    Action,
    CaseEvent,
    Channel,
    DelegatedAuthority,
    Outcome,
    Requester,
    ServiceRequest,
    StaffProfile,
    Status,
)
from commonweal.cases.states import EVENT_CODES, next_status
from commonweal.cases.validation import (
    Errors,
    clean_attributes,
    description_errors,
    location_errors,
)
from commonweal.catalog.calendar import WorkingCalendar
from commonweal.catalog.geo import district_index
from commonweal.catalog.geocoding import geocoder
from commonweal.catalog.models import (
    Department,
    District,
    Jurisdiction,
    Priority,
    Service,
    ServiceStandard,
    Team,
)
from commonweal.catalog.routing import route

#: fields whose before/after values every event records
TRACKED_FIELDS = (
    "status",
    "outcome",
    "priority",
    "department_id",
    "assignee_id",
    "team_id",
    "acknowledged_at",
    "acknowledge_due",
    "resolve_due",
    "closed_at",
    "duplicate_of_id",
)


@dataclass(frozen=True)
class RequesterDetails:
    """Contact details a resident chose to give; all optional."""

    name: str = ""
    email: str = ""
    phone: str = ""
    device_id: str = ""
    account: User | None = None
    language: str = ""  # empty: the language the resident is using now

    def errors(self) -> Errors:
        errors: Errors = {}
        if self.email:
            try:
                validate_email(self.email)
            except ValidationError:
                errors["email"] = [_("Enter a valid email address, or leave it empty.")]
        for name, limit in (("name", 200), ("phone", 40), ("device_id", 200)):
            if len(getattr(self, name)) > limit:
                errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
        return errors

    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone or self.device_id or self.account)


# ----------------------------------------------------------------------------- helpers


def json_value(value: Any) -> Any:
    """Return a value as the case log stores it: JSON-native, times as UTC ISO strings."""
    if isinstance(value, dt.datetime):
        return log.format_time(value)
    return value


def snapshot(case: ServiceRequest) -> dict[str, Any]:
    return {name: json_value(getattr(case, name)) for name in TRACKED_FIELDS}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before[name], after[name]] for name in TRACKED_FIELDS if before[name] != after[name]
    }


def build_event(
    actor: Actor,
    rule: DelegatedAuthority,
    case: ServiceRequest,
    action: Action,
    *,
    occurred_at: dt.datetime,
    data: dict[str, Any],
    reason: str = "",
    public_text: str = "",
    internal_text: str = "",
    code: str | None = None,
) -> CaseEvent:
    """Return the unsaved event for an act (the demo generator chains these in bulk)."""
    return CaseEvent(
        jurisdiction=case.jurisdiction,
        request=case,
        **event_fields(
            actor, rule, code or EVENT_CODES[action], occurred_at, data,
            reason=reason, public_text=public_text, internal_text=internal_text,
        ),
    )  # fmt: skip


def event_fields(
    actor: Actor,
    rule: DelegatedAuthority,
    code: str,
    occurred_at: dt.datetime,
    data: dict[str, Any],
    *,
    reason: str = "",
    public_text: str = "",
    internal_text: str = "",
) -> dict[str, Any]:
    """The attributes of an event besides its jurisdiction and request (shared with the
    bulk writers, which pass ids instead of objects). An event with public text records the
    language it was written in (`text_language`: the writer's language on the page where
    they wrote it), so that a page in the other language marks it as such (WCAG 3.1.2) and
    a screen reader reads it with the right voice."""
    if public_text:
        data = {**data, "text_language": writing_language()}
    return {
        "action": code,
        "occurred_at": occurred_at,
        "actor_kind": actor.kind,
        "actor_user_id": actor.user_id,
        "actor_label": actor.label,
        "role": rule.role,
        "rule_code": rule.code,
        "reason": reason,
        "public_text": public_text,
        "internal_text": internal_text,
        "data": data,
    }


def writing_language() -> str:
    """The language active where someone writes a text: the primary subtag ("es" of "es-MX")."""
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def standard_for(service: Service, priority: str, at: dt.datetime) -> ServiceStandard | None:
    """Return the standard in force for the service and priority on the local date of `at`."""
    day = at.astimezone(service.jurisdiction.zone).date()
    return (
        ServiceStandard.objects.in_force_on(day)
        .filter(service=service, priority=priority)
        .order_by("-effective_from")
        .first()
    )


def apply_standard(case: ServiceRequest, calendar: WorkingCalendar | None = None) -> None:
    """Set the standard and both due times of a request from its service, priority and time."""
    case.standard = standard_for(case.service, case.priority, case.requested_at)
    if case.standard is None:
        case.acknowledge_due = case.resolve_due = None
        reschedule(case)
        return
    calendar = calendar or WorkingCalendar.for_jurisdiction(case.jurisdiction)
    standard = case.standard
    case.acknowledge_due = calendar.add(
        case.requested_at, standard.acknowledge_within, standard.acknowledge_unit
    )
    case.resolve_due = calendar.add(
        case.requested_at, standard.resolve_within, standard.resolve_unit
    )
    reschedule(case)


def _require(text: str, field: str, message: str) -> None:
    if not text.strip():
        raise ValidationError({field: [message]})


def _lock(case: ServiceRequest, expected_version: int | None) -> ServiceRequest:
    current = (
        ServiceRequest.objects.select_for_update()
        .select_related("jurisdiction", "service", "department")
        .get(pk=case.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed request %(id)s while you were working on it. "
                "Reload it to see their change, then try again."
            )
            % {"id": current.public_id}
        )
    return current


def _change(
    actor: Actor,
    case: ServiceRequest,
    action: Action,
    mutate: Mutation,
    *,
    params: dict[str, Any] | None = None,
    expected_version: int | None = None,
    reason: str = "",
    public_text: str = "",
    internal_text: str = "",
) -> ServiceRequest:
    """Apply one act to one request, as the module docstring lists; return the fresh request."""
    with transaction.atomic():
        current = _lock(case, expected_version)
        rule = authorize(actor, action, current, **(params or {}))
        before = snapshot(current)
        now = timezone.now()
        current.status = next_status(current.status, action)
        current.updated_at = now  # mutations take the act's time from here
        extra = mutate(current) or {}
        if public_text and action != Action.COMMENT:  # residents' words are not status notes
            current.status_notes = public_text
        current.version += 1
        current.save()
        data = {"changes": changes_between(before, snapshot(current)), **extra}
        log.append(
            build_event(
                actor,
                rule,
                current,
                action,
                occurred_at=now,
                data=data,
                reason=reason,
                public_text=public_text,
                internal_text=internal_text,
            )
        )
    return current


# ----------------------------------------------------------------------------- mutations
# What each act does to the request's fields, once it is allowed and valid. The act's time
# is already in `updated_at`. The demo generator plays requests' lives with these too.

Mutation = Callable[[ServiceRequest], dict[str, Any] | None]


def acknowledging(case: ServiceRequest) -> None:
    case.acknowledged_at = case.updated_at


def assigning_to(user_id: int, username: str) -> Mutation:
    def mutate(case: ServiceRequest) -> dict[str, Any]:
        case.assignee_id = user_id
        case.acknowledged_at = case.acknowledged_at or case.updated_at
        return {"assignee": username}

    return mutate


def closing(outcome: str) -> Mutation:
    def mutate(case: ServiceRequest) -> None:
        case.outcome = outcome
        case.closed_at = case.updated_at

    return mutate


def reopening(case: ServiceRequest) -> None:
    case.outcome = ""
    case.closed_at = None
    case.duplicate_of = None
    reschedule(case)


def extending(days: int) -> Mutation:
    def mutate(case: ServiceRequest) -> dict[str, Any]:
        assert case.resolve_due is not None
        case.resolve_due = case.resolve_due + dt.timedelta(days=days)
        reschedule(case)
        return {"days": days}

    return mutate


def merging_into(parent_id: int, parent_public_id: str) -> Mutation:
    def mutate(case: ServiceRequest) -> dict[str, Any]:
        case.duplicate_of_id = parent_id
        case.outcome = Outcome.DUPLICATE
        case.closed_at = case.updated_at
        return {"parent": parent_public_id}

    return mutate


# ----------------------------------------------------------------------------- intake


def _submission_errors(
    service: Service,
    channel: str,
    priority: str,
    description: str,
    location: tuple[Any, Any, str],
    requester: RequesterDetails | None,
) -> Errors:
    errors: Errors = {}
    if not service.active:
        errors["service_code"] = [_("This service is not taking requests.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel %(value)s.") % {"value": channel}]
    if priority not in Priority.values:
        errors["priority"] = [_("Unknown priority %(value)s.") % {"value": priority}]
    errors |= description_errors(description)
    errors |= location_errors(*location)
    if requester is not None:
        errors |= requester.errors()
    return errors


def resident_language(chosen: str) -> str:
    """Return the resident's language: the one they chose, else the one they are using."""
    codes = [code for code, _name in settings.LANGUAGES]
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for candidate in (chosen, current):
        if candidate in codes:
            return candidate
    return settings.LANGUAGE_CODE


def submit(
    actor: Actor,
    *,
    service: Service,
    channel: str,
    description: str = "",
    attributes: dict[str, Any] | None = None,
    lat: Any = None,
    long: Any = None,
    address: str = "",
    zipcode: str = "",
    priority: str = Priority.NORMAL,
    requester: RequesterDetails | None = None,
    media_url: str = "",
) -> ServiceRequest:
    """Create a request from any channel; return it with its public id and due times.

    Every problem with the input is reported at once in one ValidationError, keyed by
    the Open311 field names (`attribute[code]` for answers).
    """
    jurisdiction = service.jurisdiction
    errors = _submission_errors(
        service, channel, priority, description, (lat, long, address), requester
    )
    answers, attribute_errors = clean_attributes(service, attributes or {}, jurisdiction.zone)
    errors |= attribute_errors
    if len(address) > 300 or len(zipcode) > 20:
        errors["address"] = [_("The address or zip code is too long.")]
    errors |= media_url_errors(media_url)
    if not errors and lat in (None, "") and long in (None, "") and address.strip():
        point = geocoder().locate(jurisdiction, address.strip())
        if point is not None:
            lat, long = point.lat, point.long
    district_id = None
    if not errors and lat not in (None, "") and long not in (None, ""):
        district_id, place_errors = place_in_jurisdiction(jurisdiction, float(lat), float(long))
        errors |= place_errors
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    case = ServiceRequest(
        jurisdiction=jurisdiction,
        service=service,
        department=service.department,
        attributes=answers,
        description=description.strip(),
        lat=None if lat in (None, "") else float(lat),
        long=None if long in (None, "") else float(long),
        address=address.strip(),
        zipcode=zipcode.strip(),
        media_url=media_url,
        district_id=district_id,
        channel=channel,
        priority=priority,
        status=Status.NEW,
        requested_at=now,
        updated_at=now,
    )
    with transaction.atomic():
        case.department, routing_rule = route(service, district_id)
        rule = authorize(actor, Action.SUBMIT, case)
        apply_standard(case)
        if requester is not None and not requester.is_empty():
            case.requester = Requester.objects.create(
                name=requester.name,
                email=requester.email,
                phone=requester.phone,
                device_id=requester.device_id,
                account=requester.account,
                language=resident_language(requester.language),
            )
        case.public_id = unused_public_ids(1)[0]
        case.save(force_insert=True)
        data = {**created_data(case), "routing_rule": routing_rule.pk if routing_rule else None}
        log.append(build_event(actor, rule, case, Action.SUBMIT, occurred_at=now, data=data))
    return case


def media_url_errors(media_url: str) -> Errors:
    """A media address is an http(s) URL, or the path of a photo we stored ourselves."""
    if not media_url or re.fullmatch(
        rf"{re.escape(settings.MEDIA_URL)}requests/[0-9a-f]{{32}}\.(jpg|png|webp)", media_url
    ):
        return {}
    try:
        URLValidator(schemes=["http", "https"])(media_url)
    except ValidationError:
        return {"media_url": [_("The media address must be an http or https URL.")]}
    if len(media_url) > 500:
        return {"media_url": [_("The media address is too long.")]}
    return {}


def place_in_jurisdiction(
    jurisdiction: Jurisdiction, lat: float, long: float
) -> tuple[int | None, Errors]:
    """Return the district containing the point; a point outside every district of a
    jurisdiction that has districts is refused."""
    index = district_index(jurisdiction)
    district_id = index.locate(lat, long)
    if district_id is None and index.district_ids:
        return None, {
            "location": [_("This location is outside %(name)s.") % {"name": jurisdiction.name}]
        }
    return district_id, {}


def created_data(case: ServiceRequest) -> dict[str, Any]:
    """The facts a `case.created` event records (never the requester's details)."""
    return {
        "service_code": case.service.service_code,
        "department": case.department.code,
        "district": district_code(case),
        "channel": case.channel,
        "priority": case.priority,
        "has_location": case.lat is not None,
        "standard": case.standard_id,
        "acknowledge_due": json_value(case.acknowledge_due),
        "resolve_due": json_value(case.resolve_due),
    }


def district_code(case: ServiceRequest) -> str | None:
    """The code of the request's district, read without its boundary: a city's council
    districts can be megabytes of GeoJSON, which `case.district` reads and parses whole."""
    if case.district_id is None:
        return None
    if ServiceRequest.district.is_cached(case):
        return case.district.code  # type: ignore[union-attr]
    return District.objects.values_list("code", flat=True).get(pk=case.district_id)


def unused_public_ids(count: int) -> list[str]:
    """Return `count` distinct public ids that no request has yet (one query per round)."""
    fresh: set[str] = set()
    while len(fresh) < count:
        candidates = set(new_public_ids(count - len(fresh))) - fresh
        taken = ServiceRequest.objects.filter(public_id__any=candidates).values_list(
            "public_id", flat=True
        )
        fresh |= candidates - set(taken)
    return list(fresh)


# ----------------------------------------------------------------------------- case work


def acknowledge(
    actor: Actor,
    case: ServiceRequest,
    *,
    public_text: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Confirm the request was received and is being looked at."""
    return _change(
        actor,
        case,
        Action.ACKNOWLEDGE,
        acknowledging,
        public_text=public_text,
        expected_version=expected_version,
    )


def assign(
    actor: Actor,
    case: ServiceRequest,
    assignee: User,
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Give the request to a member of its department's staff."""

    def mutate(current: ServiceRequest) -> dict[str, Any]:
        profile = StaffProfile.objects.filter(user=assignee).first()
        if (
            not assignee.is_active
            or profile is None
            or profile.department_id != current.department_id
        ):
            message = _("Assign only to active staff of the request's department.")
            raise ValidationError({"assignee": [message]})
        return assigning_to(assignee.pk, assignee.get_username())(current) or {}

    return _change(
        actor, case, Action.ASSIGN, mutate, reason=reason, expected_version=expected_version
    )


def assign_team(
    actor: Actor,
    case: ServiceRequest,
    team: Team,
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Give the request to a team of its department; a member picks it up later."""

    def mutate(current: ServiceRequest) -> dict[str, Any]:
        if not team.active or team.department_id != current.department_id:
            message = _("Assign only to an active team of the request's department.")
            raise ValidationError({"team": [message]})
        current.team = team
        current.assignee = None
        current.acknowledged_at = current.acknowledged_at or current.updated_at
        return {"team": team.code}

    return _change(
        actor, case, Action.ASSIGN, mutate, reason=reason, expected_version=expected_version
    )


def start_work(
    actor: Actor,
    case: ServiceRequest,
    *,
    public_text: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Record that work on the problem has begun."""
    return _change(
        actor,
        case,
        Action.START_WORK,
        lambda current: None,
        public_text=public_text,
        expected_version=expected_version,
    )


def put_on_hold(
    actor: Actor, case: ServiceRequest, *, reason: str, expected_version: int | None = None
) -> ServiceRequest:
    """Pause work (waiting for parts, access, another agency); a reason is required."""
    _require(reason, "reason", _("Say why the work is on hold."))
    return _change(
        actor,
        case,
        Action.PUT_ON_HOLD,
        lambda current: None,
        reason=reason,
        expected_version=expected_version,
    )


def transfer(
    actor: Actor,
    case: ServiceRequest,
    department: Department,
    *,
    reason: str,
    expected_version: int | None = None,
) -> ServiceRequest:
    """Move the request to another department; it leaves its assignee and waits for assignment."""
    _require(reason, "reason", _("Say why the request goes to another department."))

    def mutate(current: ServiceRequest) -> dict[str, Any]:
        if (
            department.pk == current.department_id
            or department.jurisdiction_id != current.jurisdiction_id
        ):
            raise ValidationError(
                {"department": [_("Choose another department of this jurisdiction.")]}
            )
        current.department = department
        current.assignee = None
        current.team = None
        if current.status != Status.NEW:
            current.status = Status.ACKNOWLEDGED
        return {"to_department": department.code}

    return _change(
        actor, case, Action.TRANSFER, mutate, reason=reason, expected_version=expected_version
    )


def change_priority(
    actor: Actor,
    case: ServiceRequest,
    priority: str,
    *,
    reason: str,
    expected_version: int | None = None,
) -> ServiceRequest:
    """Change the priority; the due times follow the standard for the new priority."""
    _require(reason, "reason", _("Say why the priority changes."))
    if priority not in Priority.values:
        raise ValidationError(
            {"priority": [_("Unknown priority %(value)s.") % {"value": priority}]}
        )

    def mutate(current: ServiceRequest) -> None:
        if current.priority == priority:
            raise ValidationError({"priority": [_("The request already has this priority.")]})
        current.priority = priority
        apply_standard(current)

    return _change(
        actor,
        case,
        Action.CHANGE_PRIORITY,
        mutate,
        reason=reason,
        expected_version=expected_version,
    )


def extend_due(
    actor: Actor,
    case: ServiceRequest,
    days: int,
    *,
    reason: str,
    public_text: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Move the resolve-by time later by whole days, within the actor's limit."""
    _require(reason, "reason", _("Say why more time is needed."))
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValidationError({"days": [_("Extend by a whole number of days, at least 1.")]})

    def mutate(current: ServiceRequest) -> dict[str, Any]:
        if current.resolve_due is None:
            raise ValidationError({"days": [_("This request has no due date to extend.")]})
        return extending(days)(current) or {}

    return _change(
        actor,
        case,
        Action.EXTEND_DUE,
        mutate,
        params={"days": days},
        reason=reason,
        public_text=public_text,
        expected_version=expected_version,
    )


def record_act(
    actor: Actor,
    case: ServiceRequest,
    action: Action,
    data: dict[str, Any],
    *,
    reason: str,
    public_text: str = "",
) -> ServiceRequest:
    """Log an act that changes no field of the request (proposals, appeals, their decisions)."""
    return _change(
        actor, case, action, lambda current: data, reason=reason, public_text=public_text
    )


def add_note(actor: Actor, case: ServiceRequest, text: str) -> ServiceRequest:
    """Add an internal note, seen by staff only."""
    _require(text, "text", _("Write the note."))
    return _change(actor, case, Action.ADD_NOTE, lambda current: None, internal_text=text)


def publish_update(actor: Actor, case: ServiceRequest, text: str) -> ServiceRequest:
    """Publish an update the resident and the public timeline will see."""
    _require(text, "text", _("Write the update."))
    return _change(actor, case, Action.PUBLISH_UPDATE, lambda current: None, public_text=text)


def comment(
    actor: Actor, case: ServiceRequest, text: str, *, reported_status: str = ""
) -> CaseEvent:
    """Record a resident's public comment (e.g. from FixMyStreet); return its event.

    `reported_status` is what the resident's side says of the problem ("FIXED", "OPEN");
    it is recorded, but residents do not close or reopen requests by commenting.
    """
    _require(text, "description", _("Write the comment."))
    errors = description_errors(text)
    if len(reported_status) > 40:
        errors["status"] = [_("At most %(limit)d characters.") % {"limit": 40}]
    if errors:
        raise ValidationError(errors)
    extra = {"reported_status": reported_status} if reported_status else {}
    current = _change(actor, case, Action.COMMENT, lambda current: extra, public_text=text)
    return CaseEvent.objects.filter(request=current).latest("sequence")


def close(
    actor: Actor,
    case: ServiceRequest,
    outcome: str,
    *,
    public_text: str,
    reason: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Close with an outcome and a public explanation of what was done or decided."""
    if outcome not in Outcome.values or outcome == Outcome.DUPLICATE:
        raise ValidationError({"outcome": [_("Choose an outcome; duplicates are merged instead.")]})
    _require(public_text, "public_text", _("Explain the outcome to the resident."))

    return _change(
        actor,
        case,
        Action.CLOSE,
        closing(outcome),
        params={"outcome": outcome},
        reason=reason,
        public_text=public_text,
        expected_version=expected_version,
    )


def reopen(
    actor: Actor, case: ServiceRequest, *, reason: str, expected_version: int | None = None
) -> ServiceRequest:
    """Reopen a closed request (the fix did not hold, an appeal succeeded)."""
    _require(reason, "reason", _("Say why the request is reopened."))

    return _change(
        actor, case, Action.REOPEN, reopening, reason=reason, expected_version=expected_version
    )


def mark_duplicate(
    actor: Actor,
    case: ServiceRequest,
    parent: ServiceRequest,
    *,
    public_text: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Close the request as a duplicate of `parent` (or of the request `parent` duplicates)."""
    root = parent.duplicate_of if parent.duplicate_of_id else parent
    assert root is not None

    def mutate(current: ServiceRequest) -> dict[str, Any]:
        if root.pk == current.pk or root.jurisdiction_id != current.jurisdiction_id:
            raise ValidationError(
                {"parent": [_("A request cannot duplicate itself or another city's.")]}
            )
        if not root.is_open and root.outcome == Outcome.DUPLICATE:
            raise CaseError(_("The parent request is itself a closed duplicate."))
        return merging_into(root.pk, root.public_id)(current) or {}

    text = public_text or _("This problem was already reported as %(id)s; follow that request.") % {
        "id": root.public_id
    }
    return _change(
        actor,
        case,
        Action.MARK_DUPLICATE,
        mutate,
        public_text=text,
        expected_version=expected_version,
    )
