"""The jurisdiction an API call is for, the ids of the service codes it filters by, and the
time zone pages are shown in, without compiling and running a query on every call.

Jurisdictions change rarely (an administrator edits a time zone or the working days), yet every
Open311 call looks one up, and on a small answer that lookup was a quarter of the server's work.
Each process keeps the jurisdictions it found for `FRESH_FOR` seconds. Saving or deleting a
jurisdiction empties the keeping process's copy at once; other processes see the change
within `FRESH_FOR` seconds. Lookups that find nothing are not kept, so unknown ids sent by
strangers cannot fill the memory. Services are kept the same way, as one map of every
service code to its ids (a city has tens or hundreds of services): a filtered request list
looked them up with a query of its own, a fifth of a 100-row page's work.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from commonweal.catalog.models import Jurisdiction, Service

T = TypeVar("T")

#: how long a process trusts a jurisdiction it read (seconds)
FRESH_FOR = 10.0

#: what each process keeps, by kind and key: ("jurisdiction", id), ("service ids", ""),
#: ("home", ""), ("zone", pk) -> (when it was read, what was read)
_kept: dict[tuple[str, str], tuple[float, Any]] = {}
_lock = threading.Lock()


def served_jurisdiction(jurisdiction_id: str | None) -> Jurisdiction:
    """`Jurisdiction.objects.named_or_only`, kept for a few seconds; each caller gets its own
    copy of the instance (changing it changes nobody else's)."""
    found = _kept_reading(
        ("jurisdiction", jurisdiction_id or ""),
        lambda: Jurisdiction.objects.named_or_only(jurisdiction_id),
    )
    return copy.copy(found)


def service_ids(codes: Iterable[str]) -> list[int]:
    """The ids of the services with these codes, in every jurisdiction (the caller's query
    keeps its own jurisdiction's); an unknown code adds none."""
    ids = _kept_reading(("service ids", ""), _ids_by_service_code)
    return [pk for code in dict.fromkeys(codes) for pk in ids.get(code, ())]


def home_zone() -> dt.tzinfo | None:
    """The time zone of the city the site serves: the first jurisdiction's, as the console
    falls back to (`console.access.local_zone`); None when there is none yet."""
    return _home()[1]


def home_name() -> str:
    """The name of the city the site serves (the first jurisdiction's), for the header of
    every page; empty when there is none yet."""
    return _home()[0]


def _home() -> tuple[str, dt.tzinfo | None]:
    """The first jurisdiction's name and time zone, read together (one query for both)."""
    home: tuple[str, dt.tzinfo | None] = _kept_reading(("home", ""), _first_jurisdiction)
    return home


def jurisdiction_zone(pk: int) -> dt.tzinfo | None:
    """The time zone of the jurisdiction with this primary key (None when there is none):
    a request's own pages show its own city's times, wherever the site's home is."""
    zone: dt.tzinfo | None = _kept_reading(("zone", str(pk)), lambda: _zone_of(pk))
    return zone


def _kept_reading(key: tuple[str, str], read: Callable[[], T]) -> T:
    """What `read` gave for `key` at most FRESH_FOR seconds ago, else a new reading (kept;
    a reading that raises is not)."""
    with _lock:
        kept = _kept.get(key)
    fresh = _fresh(kept, read)
    if fresh is not kept:
        with _lock:
            _kept[key] = fresh
    return fresh[1]


def _first_jurisdiction() -> tuple[str, dt.tzinfo | None]:
    jurisdiction = Jurisdiction.objects.order_by("pk").only("name", "time_zone").first()
    return (jurisdiction.name, jurisdiction.zone) if jurisdiction else ("", None)


def _zone_of(pk: int) -> dt.tzinfo | None:
    jurisdiction = Jurisdiction.objects.filter(pk=pk).only("time_zone").first()
    return jurisdiction.zone if jurisdiction else None


def _ids_by_service_code() -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {}
    for code, pk in Service.objects.values_list("service_code", "pk"):
        ids.setdefault(code, []).append(pk)
    return ids


def _fresh(kept: tuple[float, T] | None, read: Callable[[], T]) -> tuple[float, T]:
    """What is `kept` while it is at most FRESH_FOR seconds old, else a new reading."""
    now = time.monotonic()
    if kept is None or now - kept[0] > FRESH_FOR:
        return now, read()
    return kept


def forget_served() -> None:
    """Drop every kept jurisdiction and service (on a change, and between tests)."""
    with _lock:
        _kept.clear()


@receiver(post_save, sender=Jurisdiction)
@receiver(post_delete, sender=Jurisdiction)
@receiver(post_save, sender=Service)
@receiver(post_delete, sender=Service)
def _catalog_changed(**kwargs: Any) -> None:
    forget_served()
