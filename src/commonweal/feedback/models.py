"""What residents tell us after a request: A-11 surveys, and appeals of decisions."""

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


class SurveyInvitation(models.Model):
    """The one survey invitation a closed request's resident receives (the link's token is
    stored only as a hash; a failed send is retried with a new token)."""

    request = models.OneToOneField(
        ServiceRequest, on_delete=models.CASCADE, related_name="survey_invitation"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        # the analytics refresh reads what was sent since its last run
        indexes = [models.Index(fields=["sent_at"], name="feedback_invitation_sent")]

    def __str__(self) -> str:
        return f"survey invitation for {self.request_id}"


class SurveyResponse(models.Model):
    """One resident's answers, kept apart from who they are: the request, not the requester."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.SET_NULL, null=True, related_name="survey_responses"
    )
    form = models.CharField(max_length=20, default="a11-2019")
    answers = models.JSONField(_("answers"), default=dict, help_text=_("driver -> 1-5"))
    comment = models.TextField(_("comment"), blank=True)
    not_fixed = models.BooleanField(_("the resident says it is not fixed"), default=False)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        # the analytics refresh reads what was answered since its last run
        indexes = [models.Index(fields=["submitted_at"], name="feedback_response_submitted")]

    def __str__(self) -> str:
        return f"survey response #{self.pk}"


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    COMPLIMENT = "compliment", _("Compliment")


class Complaint(models.Model):
    """A complaint or compliment about a service or staff (not a service request), routed to
    the department's head with a date by which to answer it."""

    kind = models.CharField(_("kind"), max_length=10, choices=ComplaintKind.choices)
    department = models.ForeignKey(
        "catalog.Department", on_delete=models.PROTECT, related_name="complaints"
    )
    text = models.TextField(_("what happened"))
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email for the answer"), blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField(_("respond by"))
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("complaint or compliment")
        ordering = ["respond_by"]
        indexes = [models.Index(fields=["department", "responded_at", "respond_by"])]

    def __str__(self) -> str:
        # No text or address here: this string can reach logs.
        return f"{self.kind} #{self.pk}"


class SurveyVariant(models.TextChoices):
    A11_2019 = "a11-2019", _("A-11 classic (2019): eight statements, 1-5")
    A11_2023 = "a11-2023", _("A-11 revised (2023): trust, what went well and what did not")


class SurveySettings(models.Model):
    """Which survey a jurisdiction's residents get, and any questions it adds."""

    jurisdiction = models.OneToOneField(
        "catalog.Jurisdiction", on_delete=models.CASCADE, related_name="survey_settings"
    )
    variant = models.CharField(
        _("survey"), max_length=10, choices=SurveyVariant.choices, default=SurveyVariant.A11_2019
    )
    extra_questions = models.JSONField(
        _("added statements"),
        default=list,
        blank=True,
        help_text=_(
            'Statements answered 1-5, e.g. [{"code": "signs", "en": "The signs were clear.", '
            '"es": "Las señales eran claras."}].'
        ),
    )

    class Meta:
        verbose_name = _("survey settings")

    def __str__(self) -> str:
        return f"{self.jurisdiction_id}: {self.variant}"
