"""The escalation ladder: a request running out of time is brought to more senior eyes.

Each service sets three points as shares of the time its standard allows (from the request
to its resolve-by time): by default the assignee is warned at 80 %, the supervisor told when
the request is overdue (100 %) and the department head at 150 %. The worker calls
`run_escalations` periodically; each step up the ladder is a `case.escalated` event naming
the people told, and the request remembers its level so no step is taken twice.

`cases.ladder` says when each step falls due.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from commonweal.cases import log
from commonweal.cases.authority import Actor, authorize
from commonweal.cases.ladder import ASSIGNEE, HEAD, ladder, level_at, point_in_time
from commonweal.cases.models import Action, Role, ServiceRequest
from commonweal.cases.services import build_event

WORKER = Actor.system("escalation")


def people_to_tell(case: ServiceRequest, level: int) -> list[User]:
    """Return who hears of a step: the assignee (with none, the assigned team's members; with
    neither, the supervisors), then the department's supervisors, then its head."""
    if level == ASSIGNEE and case.assignee_id is not None:
        return list(User.objects.filter(pk=case.assignee_id, is_active=True))
    if level == ASSIGNEE and case.team_id is not None:
        members = User.objects.filter(is_active=True, teams=case.team_id).order_by("pk")
        if members.exists():
            return list(members)
    role = Role.DEPARTMENT_HEAD if level == HEAD else Role.SUPERVISOR
    return list(
        User.objects.filter(
            is_active=True, groups__name=role, staff_profile__department_id=case.department_id
        ).order_by("pk")
    )


def escalate_if_due(case: ServiceRequest, now: dt.datetime) -> int:
    """Take the request up to the step it has reached at `now`; return the new level (or the
    old one when nothing was due). The request's version and update time are left alone:
    escalation is about staff attention, not a change residents see."""
    with transaction.atomic():
        current = (
            ServiceRequest.objects.select_for_update()
            .select_related("jurisdiction", "service")
            .get(pk=case.pk)
        )
        if not current.is_open or current.resolve_due is None:
            return current.escalation_level
        reached = level_at(current, now)
        if reached > current.escalation_level:
            _record_step(current, reached, now)
            current.escalation_level = reached
        current.next_escalation_at = point_in_time(current, current.escalation_level + 1)
        current.save(update_fields=["escalation_level", "next_escalation_at"])
    return current.escalation_level


def _record_step(case: ServiceRequest, level: int, now: dt.datetime) -> None:
    rule = authorize(WORKER, Action.ESCALATE, case)
    told = people_to_tell(case, level)
    data: dict[str, Any] = {
        "level": level,
        "percent": ladder(case)[level - 1],
        "resolve_due": case.resolve_due.isoformat() if case.resolve_due else None,
        "notify_users": [user.pk for user in told],
    }
    log.append(build_event(WORKER, rule, case, Action.ESCALATE, occurred_at=now, data=data))


def run_escalations(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Escalate up to `limit` requests whose next step is due; return how many stepped up."""
    now = now or timezone.now()
    due = (
        ServiceRequest.objects.escalation_due(now)
        .select_related("service")
        .order_by("next_escalation_at", "pk")[:limit]
    )
    stepped = 0
    for case in due:
        before = case.escalation_level
        stepped += escalate_if_due(case, now) > before
    return stepped
