"""Read the case log and queue the emails each event owes (downstream of `cases`: this
module only reads events and writes notifications).

Residents who left an email hear of acknowledgement, public updates and closure; the
requester of a request merged into another also hears of its parent's updates and closure.
Staff hear of escalations addressed to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from commonweal.cases.models import CaseEvent, LogHead, ServiceRequest
from commonweal.catalog.models import Jurisdiction
from commonweal.notifications.models import Cursor, Kind, Notification

#: case-log action -> what residents are told about it
RESIDENT_KINDS = {
    "case.acknowledged": Kind.ACKNOWLEDGED,
    "case.update_published": Kind.UPDATE,
    "case.closed": Kind.CLOSED,
    "case.merged_as_duplicate": Kind.MERGED,
    "appeal.decided": Kind.APPEAL_DECIDED,
}
#: kinds the requesters of merged duplicates receive from their parent request
FORWARDED_TO_DUPLICATES = {Kind.UPDATE, Kind.CLOSED}


def queue_notifications(batch: int = 2000) -> int:
    """Queue the notifications owed by events past each jurisdiction's cursor; return how many."""
    return sum(
        _queue_jurisdiction(pk, batch) for pk in Jurisdiction.objects.values_list("pk", flat=True)
    )


def _queue_jurisdiction(jurisdiction_id: int, batch: int) -> int:
    with transaction.atomic():
        cursor, _ = Cursor.objects.select_for_update().get_or_create(
            jurisdiction_id=jurisdiction_id
        )
        events = list(
            CaseEvent.objects.filter(jurisdiction_id=jurisdiction_id, sequence__gt=cursor.sequence)
            .order_by("sequence")
            .only("pk", "sequence", "action", "request_id", "data")[:batch]
        )
        if not events:
            return 0
        rows = notifications_for(events)
        # batches keep each INSERT's parameters under PostgreSQL's 65,535 (server-side binding)
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        cursor.sequence = events[-1].sequence
        cursor.save(update_fields=["sequence"])
    return len(rows)


def notifications_for(events: Iterable[CaseEvent]) -> list[Notification]:
    """Return the unsaved notifications a batch of events owes (three queries in all)."""
    events = list(events)
    resident_events = [e for e in events if e.action in RESIDENT_KINDS and e.request_id]
    request_ids = {e.request_id for e in resident_events}
    own = dict(
        ServiceRequest.objects.filter(pk__in=request_ids, requester__email__gt="").values_list(
            "pk", "requester_id"
        )
    )
    followers: dict[int, list[int]] = defaultdict(list)
    for parent_id, requester_id in ServiceRequest.objects.filter(
        duplicate_of_id__in=request_ids, requester__email__gt=""
    ).values_list("duplicate_of_id", "requester_id"):
        followers[parent_id].append(requester_id)
    rows: list[Notification] = []
    for event in resident_events:
        assert event.request_id is not None
        kind = RESIDENT_KINDS[event.action]
        requesters = [own[event.request_id]] if event.request_id in own else []
        if kind in FORWARDED_TO_DUPLICATES:
            requesters += followers.get(event.request_id, [])
        rows += [Notification(event=event, kind=kind, requester_id=r) for r in set(requesters)]
    rows += _staff_notifications([e for e in events if e.action == "case.escalated"])
    return rows


def _staff_notifications(events: list[CaseEvent]) -> list[Notification]:
    wanted = {pk for event in events for pk in event.data.get("notify_users", [])}
    with_email = set(
        User.objects.filter(pk__in=wanted, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    return [
        Notification(event=event, kind=Kind.ESCALATED, staff_id=pk)
        for event in events
        for pk in event.data.get("notify_users", [])
        if pk in with_email
    ]


def start_at_head() -> None:
    """Move every cursor to the end of its log, so history written in bulk (the demo city,
    imports) does not email anyone; notifications start with the next event."""
    heads = dict(LogHead.objects.values_list("jurisdiction_id", "sequence"))
    for jurisdiction_id in Jurisdiction.objects.values_list("pk", flat=True):
        Cursor.objects.update_or_create(
            jurisdiction_id=jurisdiction_id, defaults={"sequence": heads.get(jurisdiction_id, 0)}
        )
