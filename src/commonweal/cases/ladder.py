"""When a request reaches each step of its escalation ladder (pure timing, no writes).

The points are shares of the wall-clock time between the request and its resolve-by time
(the due time itself already counts working hours and holidays), so "80 %" means the same
thing for every unit a standard is written in.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from commonweal.cases.models import ServiceRequest

ASSIGNEE, SUPERVISOR, HEAD = 1, 2, 3


def ladder(case: ServiceRequest) -> tuple[int, int, int]:
    """Return the service's three escalation points, in percent of the standard's time."""
    service = case.service
    return (
        service.warn_assignee_at_percent,
        service.escalate_supervisor_at_percent,
        service.escalate_head_at_percent,
    )


def point_in_time(case: ServiceRequest, level: int) -> dt.datetime | None:
    """Return when the request reaches ladder step `level` (1-3), or None past the top."""
    if case.resolve_due is None or not 1 <= level <= HEAD:
        return None
    allowed = case.resolve_due - case.requested_at
    return case.requested_at + allowed * ladder(case)[level - 1] / 100


def level_at(case: ServiceRequest, now: dt.datetime) -> int:
    """Return the highest ladder step the request has reached at `now` (0 for none)."""
    reached = 0
    for level in (ASSIGNEE, SUPERVISOR, HEAD):
        point = point_in_time(case, level)
        if point is not None and point <= now:
            reached = level
    return reached


def reschedule(case: ServiceRequest) -> None:
    """Recompute the next escalation after the due time moved (standard applied, extended,
    reopened). A request given more time can step back down the ladder; it never steps up
    here — only the worker escalates, with an event."""
    now = case.updated_at or timezone.now()
    case.escalation_level = min(case.escalation_level, level_at(case, now))
    case.next_escalation_at = point_in_time(case, case.escalation_level + 1)
