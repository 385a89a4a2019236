"""Appeals: a resident asks that a closure be reviewed; someone else decides, with reasons.

1. A resident may appeal a request closed as "no action needed", "not our responsibility",
   "could not locate" or "referred", within COMMONWEAL_APPEAL_DAYS of the closure, by giving
   the email address they reported with (so a stranger holding the tracking number cannot)
   and their grounds. The appeal is an `appeal.submitted` event.
2. A reviewer with `decide_appeal` authority for the request — never the person who closed
   it — upholds or overturns it with written reasons (`appeal.decided`, the reasons public so
   the resident reads them). Overturning reopens the request through `cases.services.reopen`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import services
from commonweal.cases.authority import Actor, authorize
from commonweal.cases.errors import AuthorityError, CaseError
from commonweal.cases.models import Action, CaseEvent, Outcome, ServiceRequest, Status
from commonweal.cases.validation import description_errors
from commonweal.feedback.models import Appeal, AppealStatus

APPEALABLE_OUTCOMES = frozenset(
    {
        Outcome.NO_ACTION_NEEDED,
        Outcome.NOT_OUR_RESPONSIBILITY,
        Outcome.CANNOT_LOCATE,
        Outcome.REFERRED,
    }
)


def appeal_deadline(case: ServiceRequest) -> dt.datetime | None:
    """Return until when the request's closure may be appealed, or None if it may not be."""
    if case.status != Status.CLOSED or case.outcome not in APPEALABLE_OUTCOMES:
        return None
    assert case.closed_at is not None
    return case.closed_at + dt.timedelta(days=settings.COMMONWEAL_APPEAL_DAYS)


def may_appeal(case: ServiceRequest, now: dt.datetime | None = None) -> bool:
    deadline = appeal_deadline(case)
    pending = Appeal.objects.filter(request=case, status=AppealStatus.PENDING).exists()
    return deadline is not None and (now or timezone.now()) <= deadline and not pending


def _closer_id(case: ServiceRequest) -> int | None:
    closing = (
        CaseEvent.objects.filter(request=case, action="case.closed")
        .order_by("-sequence")
        .values_list("actor_user_id", flat=True)
        .first()
    )
    return closing


def submit_appeal(case: ServiceRequest, *, email: str, grounds: str) -> Appeal:
    """File a resident's appeal; raise ValidationError saying what is wrong, all at once."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    deadline = appeal_deadline(case)
    if deadline is None:
        errors["grounds"] = [_("This decision cannot be appealed online; please call 311.")]
    elif now > deadline:
        errors["grounds"] = [_("The time to appeal this decision has passed.")]
    elif Appeal.objects.filter(request=case, status=AppealStatus.PENDING).exists():
        errors["grounds"] = [_("An appeal of this decision is already being reviewed.")]
    known = case.requester.email if case.requester_id and case.requester else ""
    if not known or known.casefold() != email.strip().casefold():
        errors["email"] = [_("Give the email address you reported with.")]
    if not grounds.strip():
        errors["grounds"] = [_("Say why the decision should be reviewed.")]
    for messages in description_errors(grounds).values():
        errors["grounds"] = messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        appeal = Appeal.objects.create(
            request=case,
            grounds=grounds,
            decide_by=now + dt.timedelta(days=settings.COMMONWEAL_APPEAL_DECISION_DAYS),
            decision_maker_id=_closer_id(case),
        )
        data = {"appeal": appeal.pk, "decide_by": appeal.decide_by.isoformat()}
        services.record_act(Actor.resident(), case, Action.APPEAL, data, reason="")
    return appeal


def decide_appeal(actor: Actor, appeal: Appeal, *, overturn: bool, reasons: str) -> Appeal:
    """Uphold or overturn an appeal as a reviewer other than the decision-maker."""
    if not reasons.strip():
        raise ValidationError({"reasons": [_("Give the reasons for the decision.")]})
    with transaction.atomic():
        current = Appeal.objects.select_for_update().select_related("request").get(pk=appeal.pk)
        if current.status != AppealStatus.PENDING:
            raise CaseError(_("This appeal was already decided."))
        if actor.user_id is not None and actor.user_id == current.decision_maker_id:
            raise AuthorityError(_("Someone other than the person who decided must review it."))
        case = current.request
        authorize(actor, Action.DECIDE_APPEAL, case)
        if overturn:
            text = _("Appeal #%(id)s overturned the decision.") % {"id": current.pk}
            case = services.reopen(actor, case, reason=text)
        current.status = AppealStatus.OVERTURNED if overturn else AppealStatus.UPHELD
        current.reviewer_id, current.decided_at, current.reasons = (
            actor.user_id,
            timezone.now(),
            reasons,
        )
        current.save()
        data = {"appeal": current.pk, "overturned": overturn}
        _record_decision(actor, case, data, reasons)
    return current


def _record_decision(
    actor: Actor, case: ServiceRequest, data: dict[str, Any], reasons: str
) -> None:
    """Log the decision with its reasons public, so the resident reads them."""
    services.record_act(
        actor, case, Action.DECIDE_APPEAL, data, reason=reasons, public_text=reasons
    )
