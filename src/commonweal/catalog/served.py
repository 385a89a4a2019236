"""The jurisdiction an API call is for, without compiling and running a query on every call.

Jurisdictions change rarely (an administrator edits a time zone or the working days), yet every
Open311 call looks one up, and on a small answer that lookup was a quarter of the server's work.
Each process keeps the jurisdictions it found for `FRESH_FOR` seconds. Saving or deleting a
jurisdiction empties the keeping process's copy at once; other processes see the change
within `FRESH_FOR` seconds. Lookups that find nothing are not kept, so unknown ids sent by
strangers cannot fill the memory.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from commonweal.catalog.models import Jurisdiction

#: how long a process trusts a jurisdiction it read (seconds)
FRESH_FOR = 10.0

_kept: dict[str, tuple[float, Jurisdiction]] = {}
_lock = threading.Lock()


def served_jurisdiction(jurisdiction_id: str | None) -> Jurisdiction:
    """`Jurisdiction.objects.named_or_only`, kept for a few seconds; each caller gets its own
    copy of the instance (changing it changes nobody else's)."""
    key = jurisdiction_id or ""
    now = time.monotonic()
    with _lock:
        kept = _kept.get(key)
    if kept is None or now - kept[0] > FRESH_FOR:
        kept = (now, Jurisdiction.objects.named_or_only(jurisdiction_id))
        with _lock:
            _kept[key] = kept
    return copy.copy(kept[1])


def forget_served() -> None:
    """Drop every kept jurisdiction (on a change, and between tests)."""
    with _lock:
        _kept.clear()


@receiver(post_save, sender=Jurisdiction)
@receiver(post_delete, sender=Jurisdiction)
def _jurisdiction_changed(**kwargs: Any) -> None:
    forget_served()
