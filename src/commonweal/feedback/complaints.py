"""Complaints and compliments about a service or staff: to the department head, answered by
a deadline, the answer emailed to the resident when they left an address."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases.authority import Actor
from commonweal.cases.errors import AuthorityError, CaseError
from commonweal.cases.models import Role, ServiceRequest
from commonweal.cases.validation import description_errors
from commonweal.catalog.models import Department
from commonweal.feedback.models import Complaint

logger = logging.getLogger(__name__)
ANSWERING_ROLES = frozenset({Role.DEPARTMENT_HEAD, Role.SUPERVISOR})


def lodge(
    kind: str, department: Department, text: str, *, tracking: str = "", email: str = ""
) -> Complaint:
    """Record a complaint or compliment; raise ValidationError listing every problem."""
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Tell us what happened.")]
    for messages in description_errors(text).values():
        errors["text"] = messages
    request = None
    if tracking.strip():
        request = ServiceRequest.objects.filter(public_id=tracking.strip().upper()).first()
        if request is None:
            errors["tracking"] = [_("No report has this tracking number; please check it.")]
    if errors:
        raise ValidationError(errors)
    return Complaint.objects.create(
        kind=kind,
        department=department,
        text=text,
        request=request,
        email=email,
        respond_by=timezone.now() + dt.timedelta(days=settings.COMMONWEAL_COMPLAINT_DAYS),
    )


def answers_complaints(actor: Actor) -> bool:
    """Whether this person answers their department's complaints (its head and supervisors)."""
    return bool(actor.roles & ANSWERING_ROLES)


def respond(actor: Actor, complaint: Complaint, response: str) -> Complaint:
    """Answer a complaint as its department's head or supervisor; email the answer if we can."""
    if not response.strip():
        raise ValidationError({"response": [_("Write the answer.")]})
    if not answers_complaints(actor) or actor.department_id != complaint.department_id:
        raise AuthorityError(_("Only the department's head or supervisors answer its complaints."))
    with transaction.atomic():
        current = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if current.responded_at is not None:
            raise CaseError(_("This was already answered."))
        current.response, current.responded_by_id = response, actor.user_id
        current.responded_at = timezone.now()
        current.save()
    if current.email:
        _email_answer(current)
    return current


def _email_answer(complaint: Complaint) -> None:
    subject = _("Your message to %(department)s") % {"department": complaint.department.name}
    try:
        EmailMessage(subject=subject, body=complaint.response + "\n", to=[complaint.email]).send()
    except Exception as error:  # the answer is recorded; staff can see it was not delivered
        logger.warning("complaint %s answer not emailed (%s)", complaint.pk, type(error).__name__)
