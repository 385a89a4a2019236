"""Suggesting duplicates: open requests of the same service, near in place and time."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from commonweal.cases.models import ServiceRequest
from commonweal.catalog.geo import within_metres


def duplicate_candidates(
    case: ServiceRequest, radius_m: float | None = None, window_days: int | None = None
) -> QuerySet[ServiceRequest]:
    """Return open requests of the case's service within the service's radius (metres) and
    time window (days either side), nearest in time first. A case without a location has
    no candidates: nearness cannot be judged."""
    if case.lat is None or case.long is None:
        return ServiceRequest.objects.none()
    radius = radius_m if radius_m is not None else case.service.duplicate_radius_m
    days = window_days if window_days is not None else case.service.duplicate_window_days
    window = dt.timedelta(days=days)
    candidates = ServiceRequest.objects.open().filter(
        service_id=case.service_id,
        requested_at__range=(case.requested_at - window, case.requested_at + window),
    )
    return within_metres(candidates.exclude(pk=case.pk), case.lat, case.long, radius).order_by(
        "-requested_at"
    )
