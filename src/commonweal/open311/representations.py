"""The Open311 shapes of our objects, as plain dicts (the JSON "Spark" mapping; the XML
renderer walks the same dicts). Nothing here reads a requester: personal data cannot leak."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from commonweal.cases.models import CaseEvent, Outcome, Status
from commonweal.cases.public import generalised
from commonweal.catalog.models import Service

#: our outcome -> the mySociety update status of a closure
CLOSED_UPDATE_STATUS = {
    Outcome.RESOLVED: "fixed",
    Outcome.DUPLICATE: "duplicate",
    Outcome.NO_ACTION_NEEDED: "no_further_action",
    Outcome.REFERRED: "internal_referral",
    Outcome.NOT_OUR_RESPONSIBILITY: "not_councils_responsibility",
    Outcome.CANNOT_LOCATE: "unable_to_fix",
    Outcome.WITHDRAWN: "closed",
}
#: case-log action -> the mySociety update status it reports (closures: by outcome)
EVENT_UPDATE_STATUS = {
    "case.created": "open",
    "case.acknowledged": "investigating",
    "case.assigned": "action_scheduled",
    "case.work_started": "in_progress",
    "case.put_on_hold": "action_scheduled",
    "case.transferred": "investigating",
    "case.reopened": "open",
}


def local_time(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A time as Open311 shows it: in the jurisdiction's zone. The renderers write it the W3C
    way — seconds, zone offset — as `w3c` does (formatting a thousand rows' times in C, in
    the JSON renderer, saves a third of a big list's time)."""
    return None if moment is None else moment.astimezone(zone)


def w3c(moment: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """Format a time the way Open311 wants it: local time, seconds, with the zone offset."""
    local = local_time(moment, zone)
    return None if local is None else local.isoformat(timespec="seconds")


def detailed_status(status: str, outcome: str) -> str:
    """Map our status to the CitySDK detailed status."""
    if status == Status.NEW:
        return "RECEIVED"
    if status != Status.CLOSED:
        return "IN_PROCESS"
    return "PROCESSED" if outcome in (Outcome.RESOLVED, Outcome.REFERRED) else "REJECTED"


def service_item(service: Any) -> dict[str, Any]:
    """A service in the list, from a row of `queries.SERVICE_COLUMNS`."""
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": service.has_attributes,
        "type": service.type,
        "keywords": service.keywords,
        "group": service.group,
    }


def service_definition(service: Service) -> dict[str, Any]:
    attributes = []
    for position, attribute in enumerate(service.attributes.all(), start=1):
        attributes.append(
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": position,
                "description": attribute.description,
                "values": [
                    {"key": value.key, "name": value.name} for value in attribute.values.all()
                ],
            }
        )
    return {"service_code": service.service_code, "attributes": attributes}


def _location(row: Any) -> tuple[float | None, float | None, str]:
    lat, long = row.lat, row.long
    if not row.sensitive or lat is None or long is None:
        return lat, long, row.address
    return generalised(lat, long)


def request_item(row: Any, zone: dt.tzinfo) -> dict[str, Any]:
    """One request as Open311 lists it, from a row of `queries.public_rows`."""
    lat, long, address = _location(row)
    closed = row.status == Status.CLOSED
    return {
        "service_request_id": row.public_id,
        "status": "closed" if closed else "open",
        "status_notes": row.status_notes,
        "service_name": row.service_name,
        "service_code": row.service_code,
        "description": "" if row.sensitive else row.description,
        "agency_responsible": row.agency_responsible,
        "service_notice": row.service_notice or "",
        "requested_datetime": local_time(row.requested_at, zone),
        "updated_datetime": local_time(row.closed_at if closed else row.updated_at, zone),
        "expected_datetime": local_time(row.resolve_due, zone),
        "address": address,
        "address_id": "",
        "zipcode": row.zipcode,
        "lat": lat,
        "long": long,
        "media_url": row.media_url,
    }


def extended(row: Any, notes: Iterable[CaseEvent], zone: dt.tzinfo) -> dict[str, Any]:
    """The `extensions=true` additions: detailed status, channel, media and the public history."""
    return {
        "extended_attributes": {
            "detailed_status": detailed_status(row.status, row.outcome),
            "channel": row.channel,
            "outcome": row.outcome,
            "media_urls": [row.media_url] if row.media_url else [],
        },
        "notes": [
            {
                "datetime": local_time(event.occurred_at, zone),
                "description": event.public_text,
                "type": event.action,
            }
            for event in notes
        ],
    }


#: status-free events that carry no public text are not updates a client needs
QUIET_ACTIONS = ("case.note_added", "case.due_extended", "case.reprioritised")


def update_status(action: str, outcome: str | None) -> str:
    if action in ("case.closed", "case.merged_as_duplicate"):
        return CLOSED_UPDATE_STATUS.get(Outcome(outcome), "closed") if outcome else "closed"
    return EVENT_UPDATE_STATUS.get(action, "open" if outcome is None else "closed")


def update_item(row: Any, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """One entry of the mySociety `servicerequestupdates` feed, from a row of one case-log
    event (`views.updates_in`: its id, action, time, public text, request, and the status
    and outcome the event changed to, if it did)."""
    closed = row.status_after == Status.CLOSED
    return {
        "update_id": str(row.id),
        "service_request_id": row.public_id,
        "status": update_status(row.action, row.outcome_after if closed else None),
        "updated_datetime": local_time(row.occurred_at, zone),
        "description": row.public_text,
        "media_url": "",
    }
