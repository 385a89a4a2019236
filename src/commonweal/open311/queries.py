"""The public view of requests: only what Open311 may show, filtered as a client asks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from commonweal.cases.models import OPEN_STATUSES, CaseEvent, Outcome, ServiceRequest, Status
from commonweal.catalog.geo import within_metres
from commonweal.catalog.models import Jurisdiction, Service, ServiceAttribute
from commonweal.catalog.served import service_ids
from commonweal.core.compiled import CompiledQuery, CompiledShapes, Swap
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
    requests: QuerySet[ServiceRequest],
    query: RequestQuery,
    services: Sequence[int] | None = None,
) -> QuerySet[ServiceRequest]:
    """Apply the parsed filters; `service_request_id` overrides all the others. `services`
    are the ids of the query's service codes, where already looked up."""
    if query.ids is not None:
        return requests.filter(public_id__in=query.ids).order_by("-requested_at", "-id")
    if services is None and query.service_codes:
        services = service_ids(query.service_codes)
    if services is not None:
        # Ids as values (kept per process: `served`), not a join on the codes, so the
        # planner can walk an index in list order.
        requests = requests.filter(service_id__in=services)
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


@dataclass(frozen=True)
class PageCall:
    """One page of `GET requests`: the jurisdiction, the parsed filters and the ids of the
    services they name (the ids, not the codes, reach the SQL)."""

    jurisdiction_id: int
    query: RequestQuery
    service_ids: tuple[int, ...] | None


def _page_queryset(call: PageCall) -> QuerySet[ServiceRequest, Any]:
    requests = filter_requests(public_requests(call.jurisdiction_id), call.query, call.service_ids)
    return page_of_queryset(requests, call.query)


def _swap_page_values(call: PageCall, swap: Swap) -> PageCall:
    """The call with every value that reaches the SQL as a parameter swapped (CompiledShapes);
    the rest — which filters, how many values, the statuses, the page — is its shape."""

    def one(name: str, value: Any) -> Any:
        return None if value is None else swap(name, value)

    def each(name: str, values: Sequence[Any] | None) -> tuple[Any, ...] | None:
        if values is None:
            return None
        return tuple(swap(f"{name}.{n}", value) for n, value in enumerate(values))

    query = call.query
    ids = each("id", query.ids)
    return PageCall(
        jurisdiction_id=swap("jurisdiction", call.jurisdiction_id),
        query=replace(
            query,
            service_codes=[],  # what reaches the SQL is their ids
            ids=None if ids is None else list(ids),
            start=one("start", query.start),
            end=one("end", query.end),
            updated_after=one("updated_after", query.updated_after),
            updated_before=one("updated_before", query.updated_before),
            bbox=each("bbox", query.bbox),
        ),
        service_ids=each("service", call.service_ids),
    )


#: pages of `GET requests`, compiled to SQL once per shape of filters (building and compiling
#: the queryset on every call was half the server's CPU for a page of 100 requests)
PAGES = CompiledShapes(_page_queryset, _swap_page_values)


def page_of(jurisdiction: Jurisdiction, query: RequestQuery) -> list[Any]:
    """The rows of the page the query asks for. Each call is planned for its own filters and
    window (a list's best plan depends on how many requests they match: `core.plans`)."""
    looked_up = query.service_codes and query.ids is None  # ids override every filter
    services = tuple(service_ids(query.service_codes)) if looked_up else None
    call = PageCall(jurisdiction.pk, query, services)
    with planned_for_each_call():
        if query.near:  # its distance is computed from the point: not one of the values
            return list(_page_queryset(call))
        return PAGES(call)


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
