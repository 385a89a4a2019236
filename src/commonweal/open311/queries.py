"""The public view of requests: only what Open311 may show, filtered as a client asks."""

from __future__ import annotations

import math
from collections import defaultdict

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from commonweal.cases.models import CaseEvent, Outcome, ServiceRequest, Status
from commonweal.catalog.models import Jurisdiction, Service, ServiceAttribute
from commonweal.open311.params import RequestQuery

METRES_PER_DEGREE = 111_320.0
PUBLIC_FIELDS = (
    "public_id", "status", "outcome", "channel", "description", "lat", "long", "address",
    "zipcode", "media_url", "requested_at", "updated_at", "closed_at", "resolve_due",
    "service__service_code", "service__service_name", "service__sensitive",
    "department__name",
)  # fmt: skip


def public_services(jurisdiction: Jurisdiction) -> QuerySet[Service]:
    has_attributes = Exists(ServiceAttribute.objects.filter(service=OuterRef("pk")))
    return (
        Service.objects.active()
        .filter(jurisdiction=jurisdiction)
        .annotate(has_attributes=has_attributes)
        .order_by("group", "service_name")
    )


def public_requests(jurisdiction: Jurisdiction) -> QuerySet[ServiceRequest]:
    """Requests with only their public columns (never the requester), with `status_notes`
    (the latest public text of the case log) and `service_notice` (the standard's wording)."""
    latest_public_text = (
        CaseEvent.objects.filter(request=OuterRef("pk"))
        .exclude(public_text="")
        .order_by("-sequence")
        .values("public_text")[:1]
    )
    return (
        ServiceRequest.objects.filter(jurisdiction=jurisdiction)
        .select_related("service", "department")
        .only(*PUBLIC_FIELDS)
        .annotate(
            status_notes=Subquery(latest_public_text),
            service_notice=F("standard__public_wording"),
        )
    )


def detailed_status_filter(statuses: list[str]) -> Q:
    conditions = {
        "RECEIVED": Q(status=Status.NEW),
        "IN_PROCESS": ~Q(status__in=[Status.NEW, Status.CLOSED]),
        "PROCESSED": Q(status=Status.CLOSED, outcome__in=[Outcome.RESOLVED, Outcome.REFERRED]),
        "REJECTED": Q(status=Status.CLOSED) & ~Q(outcome__in=[Outcome.RESOLVED, Outcome.REFERRED]),
    }
    combined = Q(pk__in=[])
    for status in statuses:
        combined |= conditions[status]
    return combined


def filter_requests(
    requests: QuerySet[ServiceRequest], query: RequestQuery
) -> QuerySet[ServiceRequest]:
    """Apply the parsed filters; `service_request_id` overrides all the others."""
    if query.ids is not None:
        return requests.filter(public_id__in=query.ids).order_by("-requested_at", "public_id")
    if query.service_codes:
        requests = requests.filter(service__service_code__in=query.service_codes)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        closed = Q(status=Status.CLOSED)
        requests = requests.filter(closed if query.statuses == ["closed"] else ~closed)
    if query.detailed_statuses:
        requests = requests.filter(detailed_status_filter(query.detailed_statuses))
    requests = _in_time(requests, query)
    if query.bbox:
        west, south, east, north = query.bbox
        requests = requests.filter(long__range=(west, east), lat__range=(south, north))
    if query.near:
        requests = _near(requests, *query.near)
    return requests.order_by("-requested_at", "public_id")


def _in_time(requests: QuerySet[ServiceRequest], query: RequestQuery) -> QuerySet[ServiceRequest]:
    bounds = {
        "requested_at__gte": query.start,
        "requested_at__lte": query.end,
        "updated_at__gt": query.updated_after,
        "updated_at__lt": query.updated_before,
    }
    return requests.filter(**{lookup: value for lookup, value in bounds.items() if value})


def _near(
    requests: QuerySet[ServiceRequest], lat: float, long: float, radius: float
) -> QuerySet[ServiceRequest]:
    """Keep requests within `radius` metres (equirectangular distance: exact enough for a city)."""
    dlat = radius / METRES_PER_DEGREE
    scale = max(math.cos(math.radians(lat)), 0.01)
    dlong = dlat / scale
    north_south = (F("lat") - lat) * METRES_PER_DEGREE
    east_west = (F("long") - long) * (METRES_PER_DEGREE * scale)
    return (
        requests.filter(
            lat__range=(lat - dlat, lat + dlat), long__range=(long - dlong, long + dlong)
        )
        .alias(distance2=north_south * north_south + east_west * east_west)
        .filter(distance2__lte=radius * radius)
    )


def page_of(requests: QuerySet[ServiceRequest], query: RequestQuery) -> list[ServiceRequest]:
    start = (query.page - 1) * query.page_size
    return list(requests[start : start + query.page_size])


def public_notes(cases: list[ServiceRequest]) -> dict[int, list[CaseEvent]]:
    """Return each request's public history (events with public text), in one query."""
    notes: dict[int, list[CaseEvent]] = defaultdict(list)
    events = (
        CaseEvent.objects.filter(request__in=[case.pk for case in cases])
        .exclude(public_text="")
        .only("request_id", "action", "occurred_at", "public_text")
        .order_by("sequence")
    )
    for event in events:
        assert event.request_id is not None
        notes[event.request_id].append(event)
    return notes
