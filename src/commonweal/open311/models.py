"""API keys, idempotent POST records and batch tokens of the Open311 API."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from commonweal.cases.models import ServiceRequest


class ApiKey(models.Model):
    """A key a client sends as `api_key` to create requests. Only its SHA-256 is stored;
    the key itself is shown once, when it is created."""

    name = models.CharField(_("owner"), max_length=200, help_text=_("Who uses this key."))
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        state = _("revoked") if self.revoked_at else _("active")
        return f"{self.name} ({self.prefix}…, {state})"


class IdempotencyRecord(models.Model):
    """The answer given to a POST that carried an `Idempotency-Key`, replayed on retry."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"], name="one_answer_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"


class RequestToken(models.Model):
    """A token handed out for a request to a `batch` service (Open311 `tokens/{token}`)."""

    token = models.CharField(max_length=64, unique=True)
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
