"""System checks that refuse a configuration unsafe for production.

They run with every management command (and so before `commonweal serve`), not only with
`check --deploy`: a city should not be able to go live on a guessable key by accident.
"""

import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

INSECURE_KEY_PREFIX = "django-insecure"
MIN_KEY_LENGTH = 50
MIN_KEY_DISTINCT_CHARS = 5


def secret_key_is_weak(key: str) -> bool:
    """Return True when the key is Django's development default or too simple to be secret."""
    return (
        key.startswith(INSECURE_KEY_PREFIX)
        or len(key) < MIN_KEY_LENGTH
        or len(set(key)) < MIN_KEY_DISTINCT_CHARS
    )


@checks.register(checks.Tags.security)
def check_production_safety(
    app_configs: Sequence[Any] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Refuse a weak secret key or a wildcard host when DEBUG is off."""
    problems: list[checks.CheckMessage] = []
    if settings.DEBUG:
        return problems
    if secret_key_is_weak(settings.SECRET_KEY):
        problems.append(
            checks.Error(
                "SECRET_KEY is a development default or too short while DEBUG is off.",
                hint="Unset SECRET_KEY to use the generated key in the data directory, "
                "or set a random value of at least 50 characters.",
                id="commonweal.E001",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(
            checks.Error(
                "ALLOWED_HOSTS contains '*' while DEBUG is off.",
                hint="List the host names the site is served under.",
                id="commonweal.E002",
            )
        )
    return problems


@checks.register()
def check_time_zone(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a TIME_ZONE that the IANA database does not know."""
    if settings.TIME_ZONE in zoneinfo.available_timezones():
        return []
    return [
        checks.Error(
            f"TIME_ZONE {settings.TIME_ZONE!r} is not an IANA time zone.",
            hint="Use a name such as America/New_York.",
            id="commonweal.E003",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_email_delivery(
    app_configs: Sequence[Any] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn that residents' emails only go to the console with the default backend."""
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return [
            checks.Warning(
                "EMAIL_BACKEND prints emails to the console; residents will receive nothing.",
                hint="Set EMAIL_BACKEND and EMAIL_HOST for real delivery.",
                id="commonweal.W004",
            )
        ]
    return []
