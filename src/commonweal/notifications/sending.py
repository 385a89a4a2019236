"""Send queued notifications: one email each, in the recipient's language first and the
other language after it; retried with growing pauses, given up after MAX_ATTEMPTS.

Each notification is claimed with a conditional UPDATE before it is sent, so two workers
never send the same one. A worker killed between sending and recording leaves it "being
sent" — it is not retried, because sending twice is the failure residents notice.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from commonweal.cases.models import Outcome
from commonweal.notifications.models import Kind, Notification, SendStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def send_pending(limit: int = 200, now: dt.datetime | None = None) -> SendReport:
    """Send up to `limit` notifications that are due; return what happened to them."""
    now = now or timezone.now()
    report = SendReport()
    due = Notification.objects.filter(status=SendStatus.PENDING, next_attempt_at__lte=now)
    for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]:
        claimed = Notification.objects.filter(pk=pk, status=SendStatus.PENDING).update(
            status=SendStatus.SENDING, attempts=F("attempts") + 1
        )
        if claimed:
            _send_one(pk, now, report)
    return report


def _send_one(pk: int, now: dt.datetime, report: SendReport) -> None:
    notification = Notification.objects.select_related(
        "requester", "staff", "event__request__service", "event__jurisdiction"
    ).get(pk=pk)
    message = compose(notification)
    if message is None:
        _finish(notification, SendStatus.SKIPPED)
        report.skipped += 1
        return
    try:
        message.send()
    except Exception as error:  # any transport failure: SMTP, DNS, a full disk
        _retry_or_fail(notification, error, now, report)
    else:
        _finish(notification, SendStatus.SENT, sent_at=timezone.now())
        report.sent += 1


def _finish(notification: Notification, status: str, **fields: object) -> None:
    Notification.objects.filter(pk=notification.pk).update(status=status, **fields)


def _retry_or_fail(
    notification: Notification, error: Exception, now: dt.datetime, report: SendReport
) -> None:
    # Only the error's type is kept and logged: SMTP messages can quote the address.
    kind = type(error).__name__
    logger.warning("notification %s not sent (%s)", notification.pk, kind)
    if notification.attempts >= MAX_ATTEMPTS:
        _finish(notification, SendStatus.FAILED, last_error=kind)
        report.failed += 1
        return
    pause = dt.timedelta(minutes=2**notification.attempts)
    _finish(notification, SendStatus.PENDING, last_error=kind, next_attempt_at=now + pause)
    report.retried += 1


def recipient(notification: Notification) -> tuple[str, str]:
    """Return the address and preferred language of the notification's recipient."""
    if notification.requester is not None:
        return notification.requester.email, notification.requester.language
    assert notification.staff is not None
    return notification.staff.email, settings.LANGUAGE_CODE


def compose(notification: Notification) -> EmailMessage | None:
    """Return the email for a notification, or None when the recipient has no address now."""
    address, language = recipient(notification)
    if not address:
        return None
    template = f"notifications/{notification.kind}"
    return bilingual_email(address, language, template, lambda: _context(notification))


def bilingual_email(
    address: str, language: str, template: str, context: Callable[[], dict[str, Any]]
) -> EmailMessage:
    """Return an email with `<template>_subject.txt` and `<template>.txt` rendered in the
    recipient's language first, then in each other language (the context is built inside
    each language, so labels it holds are translated too)."""
    languages = [language] + [code for code, _name in settings.LANGUAGES if code != language]
    subjects, bodies = [], []
    for code in languages:
        with translation.override(code):
            values = context()
            subjects.append(render_to_string(f"{template}_subject.txt", values).strip())
            bodies.append(render_to_string(f"{template}.txt", values).strip())
    return EmailMessage(
        subject=" / ".join(subjects),
        body="\n\n— — —\n\n".join(bodies) + "\n",
        to=[address],
        headers={"Auto-Submitted": "auto-generated"},
    )


def _context(notification: Notification) -> dict[str, object]:
    event = notification.event
    case = event.request
    assert case is not None
    zone = zoneinfo.ZoneInfo(event.jurisdiction.time_zone)
    site = settings.COMMONWEAL_SITE_URL.rstrip("/")
    return {
        "city": event.jurisdiction.name,
        "case": case,
        "service_name": case.service.service_name,
        "text": event.public_text,
        "outcome": Outcome(case.outcome).label if case.outcome else "",
        "parent": event.data.get("parent", ""),
        "level": event.data.get("level"),
        "overturned": event.data.get("overturned"),
        "due": case.resolve_due.astimezone(zone) if case.resolve_due else None,
        "site": site,
        "console_url": f"{site}/console/cases/{case.public_id}/",
        "for_staff": notification.kind == Kind.ESCALATED,
    }
