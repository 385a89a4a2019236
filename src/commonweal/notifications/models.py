"""Emails owed to residents and staff, each tied to the case-log event that caused it.

A notification is created once per (event, recipient) — the unique constraints are what
make "nothing is sent twice" true even when two workers run — and records every attempt.
Addresses are not copied here: they are read from the requester or user at send time, so
erasing a resident's details erases them from pending mail too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonweal.cases.models import CaseEvent, Requester
from commonweal.catalog.models import Jurisdiction


class Kind(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Request acknowledged")
    UPDATE = "update", _("Public update")
    CLOSED = "closed", _("Request closed")
    MERGED = "merged", _("Merged as a duplicate")
    ESCALATED = "escalated", _("Escalation to staff")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided")


class SendStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up after retries")
    SKIPPED = "skipped", _("Not sent: no address")


class Notification(models.Model):
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requester = models.ForeignKey(
        Requester, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "requester"],
                condition=models.Q(requester__isnull=False),
                name="one_notification_per_event_and_requester",
            ),
            models.UniqueConstraint(
                fields=["event", "staff"],
                condition=models.Q(staff__isnull=False),
                name="one_notification_per_event_and_staff",
            ),
            models.CheckConstraint(
                condition=models.Q(requester__isnull=True) ^ models.Q(staff__isnull=True),
                name="notification_has_one_recipient",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        # No address here: this string can reach logs.
        return f"{self.kind} notification #{self.pk} ({self.status})"


class Cursor(models.Model):
    """How far along each jurisdiction's case log notifications have been queued.

    Events of one jurisdiction are numbered in commit order (the chain's head is locked
    while an event is written), so "everything up to sequence N" is a safe watermark.
    """

    jurisdiction = models.OneToOneField(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    sequence = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("notification cursor")

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} @ {self.sequence}"
