"""The work queue: which requests a staff member sees, filtered and sorted, with counts.

All filters are indexed columns of `ServiceRequest`; "at risk" is the escalation level the
worker keeps, so neither filter computes anything per row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from commonweal.cases.authority import Actor
from commonweal.cases.models import OPEN_STATUSES, ServiceRequest

SORTS: dict[str, list[Any]] = {
    "due": [F("resolve_due").asc(nulls_last=True), "pk"],
    "-requested": ["-requested_at", "-pk"],
    "requested": ["requested_at", "pk"],
}


def queue(actor: Actor, departments: Any, filters: dict[str, Any]) -> QuerySet[ServiceRequest]:
    """Return the requests matching the queue's filters (without sorting or the time flag)."""
    requests = ServiceRequest.objects.filter(department__in=departments)
    if filters.get("mine"):
        requests = requests.filter(
            Q(assignee_id=actor.user_id) | Q(assignee__isnull=True, team__members=actor.user_id)
        )
    status = filters.get("status") or "open"
    requests = (
        requests.filter(status__in=OPEN_STATUSES)
        if status == "open"
        else requests.filter(status=status)
    )
    for name in ("department", "service", "district", "team", "priority", "channel"):
        if filters.get(name):
            requests = requests.filter(**{name: filters[name]})
    return requests


def flagged(
    requests: QuerySet[ServiceRequest], flag: str, now: dt.datetime
) -> QuerySet[ServiceRequest]:
    """Narrow to requests at risk (warned, not yet due) or overdue."""
    if flag == "overdue":
        return requests.filter(status__in=OPEN_STATUSES, resolve_due__lt=now)
    if flag == "at_risk":
        return requests.filter(
            status__in=OPEN_STATUSES, escalation_level__gte=1, resolve_due__gte=now
        )
    return requests


def counts(requests: QuerySet[ServiceRequest], now: dt.datetime) -> dict[str, int]:
    """Return the figures at the top of the queue, in one query."""
    open_q = Q(status__in=OPEN_STATUSES)
    return requests.aggregate(
        total=Count("pk"),
        unassigned=Count("pk", filter=open_q & Q(assignee__isnull=True)),
        at_risk=Count("pk", filter=open_q & Q(escalation_level__gte=1, resolve_due__gte=now)),
        overdue=Count("pk", filter=open_q & Q(resolve_due__lt=now)),
    )


#: what a queue row shows; reading only these keeps the sort narrow on big departments
ROW_FIELDS = (
    "public_id",
    "status",
    "priority",
    "requested_at",
    "resolve_due",
    "escalation_level",
    "service__service_name",
    "service__translations",  # the name in the reader's language
    "district__name",
    "assignee__username",
    "team__name",
)


def page_rows(requests: QuerySet[ServiceRequest], sort: str) -> QuerySet[ServiceRequest]:
    """Return the requests sorted, with what each row shows fetched in the same query."""
    return (
        requests.select_related("service", "district", "assignee", "team")
        .only(*ROW_FIELDS)
        .order_by(*SORTS.get(sort or "due", SORTS["due"]))
    )
