"""Residents' rights after a decision: appeals to someone other than the decision-maker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonweal.cases.models import ServiceRequest


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a review")
    UPHELD = "upheld", _("Decision upheld")
    OVERTURNED = "overturned", _("Decision overturned")


class Appeal(models.Model):
    """A resident's request that a closure be reviewed, with their grounds and the outcome."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="appeals")
    grounds = models.TextField(_("grounds"))
    submitted_at = models.DateTimeField(default=timezone.now)
    decide_by = models.DateTimeField(_("decide by"))
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who closed the request; they may not review their own decision."),
    )
    status = models.CharField(
        max_length=12, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField(_("reasons for the decision"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        ordering = ["decide_by"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="pending"),
                name="one_pending_appeal_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"appeal #{self.pk} on {self.request_id} ({self.status})"
