"""The portal's own data: one-time sign-in links for resident accounts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInLink(models.Model):
    """A single-use sign-in link sent to an email address (only the token's hash is kept)."""

    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")

    def __str__(self) -> str:
        return f"sign-in link #{self.pk}"  # no address: this string can reach logs
