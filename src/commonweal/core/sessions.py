"""The session store: Django's database store, with its keys checked for what they are."""

from __future__ import annotations

from django.contrib.sessions.backends import db


class SessionStore(db.SessionStore):
    """Django's keys are 32 lowercase letters and digits. A cookie holding anything else
    was not made here and is treated as no session, without a lookup: PostgreSQL refuses
    one holding a NUL (a 500 on every signed-in page, found by sending odd cookies)."""

    def _validate_session_key(self, session_key: str | None) -> bool:
        # Django's own rule first (the stubs do not declare it), then the alphabet of its keys
        valid = super()._validate_session_key(session_key)  # type: ignore[misc]
        return bool(valid and session_key and session_key.isascii() and session_key.isalnum())
