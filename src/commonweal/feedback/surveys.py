"""After-service surveys: the US federal A-11 Section 280 questions, sent once per request.

1. The worker invites the requester of each request closed in the last 30 days who left an
   email and has no invitation yet (`invite_closed_requests`); the link carries a random
   token stored only as its SHA-256, and the email is in the resident's language first.
2. The link works once (`answer`): the answers are stored with the request, not the
   requester; "it is not fixed" reopens the request when its service allows it, as the
   system acting on the resident's word.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.models import Outcome, ServiceRequest, Status
from commonweal.feedback.models import SurveyInvitation, SurveyResponse, SurveySettings
from commonweal.notifications.sending import bilingual_email

logger = logging.getLogger(__name__)
INVITE_WITHIN = dt.timedelta(days=30)
SURVEYOR = Actor.system("survey")

#: the A-11 (2019) drivers and their statements, answered 1 (strongly disagree) to 5
A11_QUESTIONS = {
    "satisfaction": gettext_lazy("I am satisfied with the service I received."),
    "confidence": gettext_lazy("This interaction increased my confidence in the city."),
    "effectiveness": gettext_lazy("My issue was resolved."),
    "ease": gettext_lazy("It was easy to report the problem."),
    "efficiency": gettext_lazy("It took a reasonable amount of time."),
    "equity": gettext_lazy("I was treated fairly."),
    "employee": gettext_lazy("The staff I dealt with were helpful."),
    "transparency": gettext_lazy("I understood what was happening throughout."),
}


#: the 2023 form's tick boxes: what went well, and what did not
A11_2023_DRIVERS = {
    "effectiveness": gettext_lazy("My problem was dealt with"),
    "ease": gettext_lazy("It was easy"),
    "efficiency": gettext_lazy("It was quick enough"),
    "transparency": gettext_lazy("I knew what was happening"),
    "humanity": gettext_lazy("I was treated with respect"),
    "employee": gettext_lazy("The staff were helpful"),
    "other": gettext_lazy("Something else"),
}


#: what a driver is called where its figures are shown (the dashboard, the KPI API)
DRIVER_NAMES = {
    "satisfaction": gettext_lazy("Satisfaction"),
    "confidence": gettext_lazy("Confidence and trust"),
    "effectiveness": gettext_lazy("Effectiveness"),
    "ease": gettext_lazy("Ease"),
    "efficiency": gettext_lazy("Efficiency and speed"),
    "equity": gettext_lazy("Equity and fairness"),
    "employee": gettext_lazy("Employee helpfulness"),
    "transparency": gettext_lazy("Transparency"),
    "humanity": gettext_lazy("Respect"),
    "other": gettext_lazy("Something else"),
}


def settings_for(case: ServiceRequest) -> SurveySettings:
    """Return the jurisdiction's survey settings (the classic A-11 form when none are set)."""
    found = SurveySettings.objects.filter(jurisdiction_id=case.jurisdiction_id).first()
    return found or SurveySettings(jurisdiction_id=case.jurisdiction_id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_closed_requests(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send the survey invitations that are owed; return how many went out."""
    since = (now or timezone.now()) - INVITE_WITHIN
    sent = SurveyInvitation.objects.filter(request=OuterRef("pk"), sent_at__isnull=False)
    owed = (
        ServiceRequest.objects.filter(
            status=Status.CLOSED, closed_at__gte=since, requester__email__gt=""
        )
        # A request's last update is never before its closure (the check constraint
        # `updated_at_not_before_closed_at`), so this bound drops nothing and lets the
        # updated_at index find the window; without it the worker read every request that
        # has a requester, every five minutes.
        .filter(updated_at__gte=since)
        .exclude(outcome=Outcome.DUPLICATE)
        .exclude(Exists(sent))
        .select_related("requester", "service", "jurisdiction")[:limit]
    )
    return sum(_invite(case) for case in owed)


def _invite(case: ServiceRequest) -> bool:
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation, _created = SurveyInvitation.objects.select_for_update().get_or_create(
            request=case, defaults={"token_hash": token_hash(token)}
        )
        if invitation.sent_at is not None:
            return False
        invitation.token_hash, invitation.attempts = token_hash(token), invitation.attempts + 1
        invitation.save(update_fields=["token_hash", "attempts"])
    try:
        invitation_email(case, token).send()
    except Exception as error:  # any transport failure; retried next time with a new token
        logger.warning("survey invitation %s not sent (%s)", invitation.pk, type(error).__name__)
        return False
    SurveyInvitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True


def invitation_email(case: ServiceRequest, token: str) -> EmailMessage:
    assert case.requester is not None
    link = f"{settings.COMMONWEAL_SITE_URL.rstrip('/')}/survey/{token}/"
    context = {"case": case, "city": case.jurisdiction.name, "link": link}
    return bilingual_email(
        case.requester.email, case.requester.language, "feedback/invitation", lambda: context
    )


def invitation_for(token: str) -> SurveyInvitation | None:
    return (
        SurveyInvitation.objects.select_related("request__service")
        .filter(token_hash=token_hash(token))
        .first()
    )


def answer(
    invitation: SurveyInvitation,
    answers: dict[str, Any],
    comment: str,
    not_fixed: bool,
    form: str = "a11-2019",
) -> SurveyResponse:
    """Store a response once; reopen the request when the resident says it is not fixed."""
    with transaction.atomic():
        current = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if current.used_at is not None:
            raise ValueError("used")
        current.used_at = timezone.now()
        current.save(update_fields=["used_at"])
        response = SurveyResponse.objects.create(
            request_id=current.request_id,
            form=form,
            answers=answers,
            comment=comment,
            not_fixed=not_fixed,
        )
        case = invitation.request
        if not_fixed and case.service.reopen_when_not_fixed and case.status == Status.CLOSED:
            reason = _("The resident answered the survey that the problem is not fixed.")
            services.reopen(SURVEYOR, case, reason=reason)
    return response
