"""The public view of requests: only what Open311 may show, filtered as a client asks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from commonweal.cases.models import OPEN_STATUSES, CaseEvent, Outcome, ServiceRequest, Status
from commonweal.catalog.geo import within_metres
from commonweal.catalog.models import Jurisdiction, Service, ServiceAttribute
from commonweal.catalog.served import service_ids
from commonweal.core.compiled import CompiledQuery
from commonweal.core.plans import planned_for_each_call
from commonweal.open311.params import RequestQuery

#: the public columns of a request, as the names the representations read
PUBLIC_COLUMNS = (
    "pk", "public_id", "status", "outcome", "channel", "description", "lat", "long", "address",
    "zipcode", "media_url", "requested_at", "updated_at", "closed_at", "resolve_due",
    "status_notes",
)  # fmt: skip
RENAMED_COLUMNS = {
    "service_code": F("service__service_code"),
    "service_name": F("service__service_name"),
    "sensitive": F("service__sensitive"),
    "agency_responsible": F("department__name"),
    "service_notice": F("standard__public_wording"),
}


#: the columns of a service in the service list (`has_attributes` is Open311's `metadata`)
SERVICE_COLUMNS = (
    "service_code", "service_name", "description", "type", "keywords", "group", "has_attributes",
)  # fmt: skip


def _services_of(jurisdiction_id: int) -> QuerySet[Service, Any]:
    has_attributes = Exists(ServiceAttribute.objects.filter(service=OuterRef("pk")))
    return (
        Service.objects.active()
        .filter(jurisdiction_id=jurisdiction_id)
        .annotate(has_attributes=has_attributes)
        .order_by("group", "service_name")
        .values_list(*SERVICE_COLUMNS, named=True)
    )


PUBLIC_SERVICES = CompiledQuery(_services_of, jurisdiction_id=int)


def public_services(jurisdiction: Jurisdiction) -> list[Any]:
    """The jurisdiction's active services as named tuples of SERVICE_COLUMNS, in list order
    (the query is compiled once: every client asks for the list)."""
    return PUBLIC_SERVICES(jurisdiction_id=jurisdiction.pk)


def public_requests(jurisdiction: Jurisdiction | int) -> QuerySet[ServiceRequest]:
    """Requests as rows of their public columns only: the requester is not even joined."""
    return ServiceRequest.objects.filter(jurisdiction=jurisdiction)


def public_rows(requests: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest, Any]:
    """The requests as named tuples of their public columns (`row.public_id`): the rows
    Django builds fastest (no dict per row)."""
    return requests.annotate(**RENAMED_COLUMNS).values_list(
        *PUBLIC_COLUMNS, *RENAMED_COLUMNS, named=True
    )


ONE_PUBLIC_ROW = CompiledQuery(
    lambda jurisdiction_id, public_id: public_rows(
        public_requests(jurisdiction_id).filter(public_id=public_id)
    )[:1],
    jurisdiction_id=int,
    public_id=str,
)


def public_row(jurisdiction: Jurisdiction, public_id: str) -> Any | None:
    """One request's row (as `public_rows` gives it), or None; the query is compiled once."""
    rows = ONE_PUBLIC_ROW(jurisdiction_id=jurisdiction.pk, public_id=public_id)
    return rows[0] if rows else None


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
        return requests.filter(public_id__in=query.ids).order_by("-requested_at", "-id")
    if query.service_codes:
        # Constant ids (kept per process: `served`), so the planner can walk an index in
        # list order.
        requests = requests.filter(service_id__in=service_ids(query.service_codes))
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        # Equality and IN (not "<> closed") so the (service, status, requested_at) index serves.
        wanted = [Status.CLOSED] if "closed" in query.statuses else sorted(OPEN_STATUSES)
        requests = requests.filter(status__in=wanted)
    if query.detailed_statuses:
        requests = requests.filter(detailed_status_filter(query.detailed_statuses))
    requests = _in_time(requests, query)
    if query.bbox:
        west, south, east, north = query.bbox
        requests = requests.filter(long__range=(west, east), lat__range=(south, north))
    if query.near:
        requests = within_metres(requests, *query.near)
    return requests.order_by("-requested_at", "-id")


def _in_time(requests: QuerySet[ServiceRequest], query: RequestQuery) -> QuerySet[ServiceRequest]:
    bounds = {
        "requested_at__gte": query.start,
        "requested_at__lte": query.end,
        "updated_at__gt": query.updated_after,
        "updated_at__lt": query.updated_before,
    }
    return requests.filter(**{lookup: value for lookup, value in bounds.items() if value})


def page_of_queryset(
    requests: QuerySet[ServiceRequest], query: RequestQuery
) -> QuerySet[ServiceRequest, Any]:
    start = (query.page - 1) * query.page_size
    return public_rows(requests)[start : start + query.page_size]


def page_of(requests: QuerySet[ServiceRequest], query: RequestQuery) -> list[Any]:
    """The page's rows; the query is planned for its own filters and window (a list's best
    plan depends on how many requests they match: `core.plans`)."""
    with planned_for_each_call():
        return list(page_of_queryset(requests, query))


def public_notes(request_ids: list[int]) -> dict[int, list[CaseEvent]]:
    """Return each request's public history (events with public text), in one query."""
    notes: dict[int, list[CaseEvent]] = defaultdict(list)
    events = (
        CaseEvent.objects.filter(request__in=request_ids)
        .exclude(public_text="")
        .only("request_id", "action", "occurred_at", "public_text")
        .order_by("sequence")
    )
    for event in events:
        assert event.request_id is not None
        notes[event.request_id].append(event)
    return notes
