"""The hash-chained case log: writing events and verifying that nobody rewrote history.

Each event's hash is SHA-256(prev_hash + canonical JSON of the event). The canonical JSON
has sorted keys, no spaces, UTF-8 text and times as UTC ISO 8601 with microseconds, so the
same event hashes the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import IntegrityError, transaction

from commonweal.cases.models import CaseEvent, LogHead
from commonweal.catalog.models import Jurisdiction

GENESIS_HASH = "0" * 64

#: values() lookups that give every field the canonical form needs
CANONICAL_LOOKUPS = (
    "id",
    "jurisdiction__jurisdiction_id",
    "sequence",
    "request__public_id",
    "action",
    "occurred_at",
    "actor_kind",
    "actor_user_id",
    "actor_label",
    "role",
    "rule_code",
    "reason",
    "public_text",
    "internal_text",
    "data",
    "prev_hash",
    "hash",
)


#: a UTC time as the canonical JSON writes it (strftime's and isoformat's text, at half the cost)
_UTC_TEXT = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"


def format_time(moment: dt.datetime) -> str:
    """The time in UTC to the microsecond, as the canonical JSON writes it."""
    utc = moment.astimezone(dt.UTC)
    if utc.year < 1000:  # strftime does not pad the year with zeros
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # every event's hash writes one (2.1 → 1.3 µs with the format string)
    return _UTC_TEXT % (
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
    )


#: the canonical JSON's writer when orjson cannot be trusted to write the same text
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _writes_alike(value: Any) -> bool:
    """True when orjson writes `value` exactly as the canonical encoder does (or refuses it):
    text (a str subclass too, such as a status from `Status`: both write the text it holds),
    booleans, None, integers, floats from 0.0001 up to 10^16 (coordinates, amounts) and
    zero, and lists and text-keyed objects of these. Smaller floats are where the two differ
    (`1e-05` against `0.00001`), and NaN and infinities, which orjson writes as null."""
    kind = type(value)
    if kind is dict:  # one loop, text values answered in it: most events' data is all text
        for key, item in value.items():
            if type(key) is not str or not (isinstance(item, str) or _writes_alike(item)):
                return False
        return True
    if kind is list:
        return all(map(_writes_alike, value))
    if kind is float:
        return value == 0.0 or 1e-4 <= abs(value) < 1e16
    return isinstance(value, str) or kind is int or kind is bool or value is None


def canonical_json(row: dict[str, Any]) -> str:
    """Return the canonical JSON of an event given as a CANONICAL_LOOKUPS row."""
    return _canonical_text(row, row["jurisdiction__jurisdiction_id"], row["request__public_id"])


def _canonical_text(
    values: dict[str, Any], jurisdiction_code: str, request_public_id: str | None
) -> str:
    """The canonical JSON of an event given by its attribute values (a CANONICAL_LOOKUPS row
    names them alike) and the codes of its jurisdiction and request."""
    document = {
        "jurisdiction": jurisdiction_code,
        "sequence": values["sequence"],
        "request": request_public_id,
        "action": values["action"],
        "occurred_at": format_time(values["occurred_at"]),
        "actor_kind": values["actor_kind"],
        "actor_user": values["actor_user_id"],
        "actor_label": values["actor_label"],
        "role": values["role"],
        "rule_code": values["rule_code"],
        "reason": values["reason"],
        "public_text": values["public_text"],
        "internal_text": values["internal_text"],
        "data": values["data"],
    }
    # The other members are text, integers of a model's fields, or None: only the data can
    # hold what orjson writes differently.
    if _writes_alike(document["data"]):
        try:  # the same text ten times faster (checked character by character in the tests)
            return orjson.dumps(document, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError:  # an integer beyond 64 bits, or text that is not valid Unicode
            pass
    return _CANONICAL_ENCODER.encode(document)


def event_hash(prev_hash: str, row: dict[str, Any]) -> str:
    return _hash(prev_hash, canonical_json(row))


def _hash(prev_hash: str, text: str) -> str:
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


class Chainer:
    """Links events one after another onto a chain that ends at (sequence, hash)."""

    def __init__(self, jurisdiction: Jurisdiction, sequence: int, last_hash: str) -> None:
        self.jurisdiction_code = jurisdiction.jurisdiction_id
        self.sequence = sequence
        self.hash = last_hash

    def link(self, event: CaseEvent, request_public_id: str | None) -> CaseEvent:
        """Give `event` the next sequence number, the previous hash and its own hash."""
        self.link_values(event.__dict__, request_public_id)
        return event

    def link_values(self, values: dict[str, Any], request_public_id: str | None) -> dict[str, Any]:
        """The same for an event given as a dict of its attributes (the bulk writers' form)."""
        self.sequence += 1
        values["sequence"] = self.sequence
        values["prev_hash"] = self.hash
        text = _canonical_text(values, self.jurisdiction_code, request_public_id)
        values["hash"] = _hash(self.hash, text)
        self.hash = values["hash"]
        return values


def locked_head(jurisdiction: Jurisdiction) -> LogHead:
    """Return the jurisdiction's log head, locked for this transaction (creating it once)."""
    for _attempt in range(2):
        head = LogHead.objects.select_for_update().filter(jurisdiction=jurisdiction).first()
        if head is not None:
            return head
        try:
            with transaction.atomic():
                LogHead.objects.create(jurisdiction=jurisdiction, sequence=0, hash=GENESIS_HASH)
        except IntegrityError:
            continue  # another writer created it first; lock theirs
    return LogHead.objects.select_for_update().get(jurisdiction=jurisdiction)


def append(event: CaseEvent) -> CaseEvent:
    """Chain and store one event. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append() must run inside the transaction that makes the change")
    head = locked_head(event.jurisdiction)
    chainer = Chainer(event.jurisdiction, head.sequence, head.hash)
    chainer.link(event, event.request.public_id if event.request_id else None)  # type: ignore[union-attr]
    event.save(force_insert=True)
    LogHead.objects.filter(pk=head.pk).update(sequence=chainer.sequence, hash=chainer.hash)
    return event


@dataclass(frozen=True)
class Break:
    """The first place where a jurisdiction's chain does not hold."""

    jurisdiction: str
    sequence: int
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.sequence}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"{self.jurisdiction}: {where}: {self.problem}"


def _rows(jurisdiction: Jurisdiction, batch: int = 5000) -> Iterator[dict[str, Any]]:
    events = CaseEvent.objects.filter(jurisdiction=jurisdiction).order_by("sequence")
    yield from events.values(*CANONICAL_LOOKUPS).iterator(chunk_size=batch)


def find_break(jurisdiction: Jurisdiction) -> tuple[int, Break | None]:
    """Walk the jurisdiction's chain; return (events checked, first break or None).

    Detects a changed event (its hash no longer matches), a removed or reordered event
    (a gap in the sequence or a previous-hash mismatch) and events cut off the end
    (the chain ends before the log head).
    """
    code = jurisdiction.jurisdiction_id
    expected_sequence, previous_hash, count = 1, GENESIS_HASH, 0
    for row in _rows(jurisdiction):
        count += 1
        problem = _problem_with(row, expected_sequence, previous_hash)
        if problem:
            return count, Break(code, row["sequence"], row["id"], problem)
        expected_sequence, previous_hash = row["sequence"] + 1, row["hash"]
    head = LogHead.objects.filter(jurisdiction=jurisdiction).first()
    if head and (head.sequence, head.hash) != (expected_sequence - 1, previous_hash):
        problem = f"the log ends at #{expected_sequence - 1} but its head records #{head.sequence}"
        return count, Break(code, expected_sequence, None, problem + "; events are missing")
    return count, None


def _problem_with(row: dict[str, Any], expected_sequence: int, previous_hash: str) -> str | None:
    if row["sequence"] != expected_sequence:
        return f"expected #{expected_sequence} here: events are missing or out of order"
    if row["prev_hash"] != previous_hash:
        return (
            "its previous-hash does not match the event before it: the chain was cut or reordered"
        )
    if row["hash"] != event_hash(previous_hash, row):
        return f"its content does not match its hash: the event ({row['action']}) was altered"
    return None


def verify(jurisdictions: Iterable[Jurisdiction]) -> tuple[int, list[Break]]:
    """Verify every chain; return (events checked, breaks found — one per broken chain)."""
    total, breaks = 0, []
    for jurisdiction in jurisdictions:
        count, problem = find_break(jurisdiction)
        total += count
        if problem:
            breaks.append(problem)
    return total, breaks
