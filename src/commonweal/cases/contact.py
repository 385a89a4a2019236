"""Residents' contact details, shown only to staff allowed to see them — and every look is
recorded in the case log, so an auditor can tell who saw whose details and when."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from commonweal.cases import log
from commonweal.cases.authority import Actor, authorize
from commonweal.cases.models import Action, Requester, ServiceRequest
from commonweal.cases.services import build_event


def reveal_contact(actor: Actor, case: ServiceRequest) -> Requester | None:
    """Return the request's contact details after logging that `actor` looked at them.

    Raise AuthorityError for someone whose authority does not cover it. A request without
    contact details returns None, and nothing is logged (nothing personal was seen).
    """
    rule = authorize(actor, Action.VIEW_CONTACT, case)
    if case.requester_id is None:
        return None
    with transaction.atomic():
        event = build_event(
            actor, rule, case, Action.VIEW_CONTACT, occurred_at=timezone.now(), data={}
        )
        log.append(event)
    return Requester.objects.get(pk=case.requester_id)
