"""What anyone may see of a request: its service, place, status, dates and public history.

Reads columns by name (the requester is never joined, internal notes never read) and
generalises the place of sensitive services, so a public page built on this cannot leak
personal data by forgetting a filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from commonweal.cases.models import CaseEvent, Outcome, ServiceRequest, Status
from commonweal.catalog.models import Service

#: the acts residents see in a request's history, with the words they see
PUBLIC_MILESTONES = {
    "case.created": _("Reported"),
    "case.acknowledged": _("Received and being looked at"),
    "case.assigned": _("Assigned to a crew"),
    "case.work_started": _("Work started"),
    "case.put_on_hold": _("On hold"),
    "case.due_extended": _("More time needed"),
    "case.update_published": _("Update"),
    "case.resident_commented": _("Comment from a resident"),
    "case.transferred": _("Passed to another department"),
    "case.merged_as_duplicate": _("Joined to an earlier report"),
    "case.closed": _("Closed"),
    "case.reopened": _("Reopened"),
    "appeal.submitted": _("Review of the decision requested"),
    "appeal.decided": _("Review decided"),
}
GENERALISE_TO = 0.01  # degrees, about 1 km: what a sensitive service's place is rounded to


@dataclass
class PublicEvent:
    occurred_at: dt.datetime
    label: str
    text: str
    #: the language `text` was written in ("" when the event predates recording it)
    text_language: str = ""


@dataclass
class PublicRequest:
    public_id: str
    service: Service
    status: str
    status_label: str
    outcome_label: str
    requested_at: dt.datetime
    resolve_due: dt.datetime | None
    closed_at: dt.datetime | None
    district: str
    address: str
    lat: float | None
    long: float | None
    history: list[PublicEvent] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


COLUMNS = (
    "pk", "public_id", "service_id", "status", "outcome", "requested_at", "resolve_due",
    "closed_at", "address", "lat", "long", "district__name",
)  # fmt: skip


def public_request(public_id: str) -> PublicRequest | None:
    """Return the public view of the request with this tracking number, or None."""
    row = (
        ServiceRequest.objects.filter(public_id=public_id.strip().upper()).values(*COLUMNS).first()
    )
    if row is None:
        return None
    service = Service.objects.get(pk=row["service_id"])
    lat, long, address = row["lat"], row["long"], row["address"]
    if service.sensitive:
        lat, long, address = generalised(lat, long)
    return PublicRequest(
        public_id=row["public_id"],
        service=service,
        status=row["status"],
        status_label=str(Status(row["status"]).label),
        outcome_label=str(Outcome(row["outcome"]).label) if row["outcome"] else "",
        requested_at=row["requested_at"],
        resolve_due=row["resolve_due"],
        closed_at=row["closed_at"],
        district=row["district__name"] or "",
        address=address,
        lat=lat,
        long=long,
        history=public_history(row["pk"]),
    )


def generalised(lat: float | None, long: float | None) -> tuple[float | None, float | None, str]:
    """Return a sensitive request's place as published: snapped to the grid, no address."""
    if lat is None or long is None:
        return None, None, ""
    snap = GENERALISE_TO
    return round(round(lat / snap) * snap, 6), round(round(long / snap) * snap, 6), ""


def public_history(request_pk: int) -> list[PublicEvent]:
    """Return the request's public milestones and updates, oldest first."""
    events = (
        CaseEvent.objects.filter(request_id=request_pk, action__in=PUBLIC_MILESTONES)
        .only("action", "occurred_at", "public_text", "data")
        .order_by("sequence")
    )
    return [
        PublicEvent(
            e.occurred_at,
            str(PUBLIC_MILESTONES[e.action]),
            e.public_text,
            str(e.data.get("text_language", "")) if e.public_text else "",
        )
        for e in events
    ]
