"""Creating, checking and revoking API keys. Keys are random; only their hash is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from commonweal.open311.models import ApiKey

PREFIX_LENGTH = 8


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_key(name: str) -> tuple[ApiKey, str]:
    """Create a key for `name`; return it with the plain key, which is never stored."""
    raw = secrets.token_urlsafe(32)
    while raw.startswith("-"):  # a prefix like "-x3…" would read as an option on the command line
        raw = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name, prefix=raw[:PREFIX_LENGTH], key_hash=_hash(raw))
    return key, raw


def check_key(raw: str) -> ApiKey | None:
    """Return the active key matching `raw` (and note its use), or None."""
    if not raw or len(raw) < PREFIX_LENGTH or len(raw) > 200:
        return None
    key = ApiKey.objects.filter(prefix=raw[:PREFIX_LENGTH], revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, _hash(raw)):
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def revoke_key(key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
