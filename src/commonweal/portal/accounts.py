"""Optional resident accounts: sign in with a one-time link sent by email, then see "my
requests". No password to forget; the link proves the address, so requests made with that
address before the account existed are the resident's too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases.models import ServiceRequest
from commonweal.portal.models import SignInLink

LINK_LIFETIME = dt.timedelta(minutes=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_sign_in_link(email: str) -> None:
    """Email a single-use sign-in link valid for 30 minutes (the same answer whether or not
    the address is known, so the form reveals nothing about who has reported)."""
    token = secrets.token_urlsafe(24)
    SignInLink.objects.create(
        email=email.strip().lower(),
        token_hash=_digest(token),
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    link = f"{settings.COMMONWEAL_SITE_URL.rstrip('/')}/account/sign-in/{token}/"
    body = render_to_string("portal/sign_in_email.txt", {"link": link}).strip()
    EmailMessage(subject=_("Your sign-in link"), body=body + "\n", to=[email]).send()


def redeem(token: str) -> User | None:
    """Return the resident's account for a valid, unused, unexpired link (once), else None."""
    with transaction.atomic():
        link = (
            SignInLink.objects.select_for_update()
            .filter(token_hash=_digest(token), used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if link is None:
            return None
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        user, _created = User.objects.get_or_create(
            username=f"resident:{link.email}"[:150], defaults={"email": link.email}
        )
    return user


def my_requests(user: User) -> QuerySet[ServiceRequest]:
    """Return the requests a signed-in resident made: by their account or their email."""
    return (
        ServiceRequest.objects.filter(
            Q(requester__account=user) | Q(requester__email__iexact=user.email)
        )
        .select_related("service")
        .order_by("-requested_at")
    )
