"""The case log is append-only and hash-chained; verify_log finds any rewrite of history."""

import datetime as dt
import json
import random
import struct
import threading
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.errors import CaseError
from commonweal.cases.log import (
    GENESIS_HASH,
    _writes_alike,
    canonical_json,
    find_break,
    format_time,
)
from commonweal.cases.models import (
    AppendOnlyError,
    CaseEvent,
    Channel,
    LogHead,
    Outcome,
    ServiceRequest,
    Status,
)

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (triggers, row locks)"
)


@pytest.fixture
def history(city, pothole_request):
    """A request with four events in the log."""
    sam = Actor.for_user(city.sam)
    case = services.acknowledge(sam, pothole_request)
    case = services.add_note(sam, case, "Crew booked")
    services.close(sam, case, "resolved", public_text="Filled")
    return list(CaseEvent.objects.order_by("sequence"))


def raw(sql, params=()):
    """Tamper with the table directly, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch user triggers off for the session: the attack we detect.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def verify_fails_at(capsys, sequence):
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_log")
    assert exit_info.value.code == 1
    assert f"event #{sequence}" in capsys.readouterr().err


def test_the_chain_links_every_event_to_the_one_before(history):
    assert [event.sequence for event in history] == [1, 2, 3, 4]
    assert history[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(history))
    head = LogHead.objects.get()
    assert (head.sequence, head.hash) == (4, history[-1].hash)


def test_verify_log_passes_on_an_intact_log(history, capsys):
    call_command("verify_log")
    assert "4 events verified" in capsys.readouterr().out


def test_verify_log_refuses_an_unknown_jurisdiction(history):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No jurisdiction 'atlantis'"):
        call_command("verify_log", "--jurisdiction=atlantis")
    call_command("verify_log", "--jurisdiction=testville.example")


def test_the_orm_refuses_to_change_an_event(history):
    event = history[1]
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.all().delete()


@on_postgres
@pytest.mark.parametrize(
    "sql", ["UPDATE cases_caseevent SET reason = 'x'", "DELETE FROM cases_caseevent"]
)
def test_postgres_itself_refuses_update_and_delete(history, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_verify_log_finds_an_edited_event(history, capsys):
    raw("UPDATE cases_caseevent SET public_text = 'Never happened' WHERE sequence = 3")
    verify_fails_at(capsys, 3)


def test_verify_log_finds_edited_data(history, capsys):
    raw(
        "UPDATE cases_caseevent SET occurred_at = occurred_at - interval '1 day' WHERE sequence = 2"
        if connection.vendor == "postgresql"
        else "UPDATE cases_caseevent SET occurred_at = '2020-01-01 00:00:00' WHERE sequence = 2"
    )
    verify_fails_at(capsys, 2)


def test_verify_log_finds_a_deleted_event(history, capsys):
    raw("DELETE FROM cases_caseevent WHERE sequence = 2")
    verify_fails_at(capsys, 3)


def test_verify_log_finds_events_cut_off_the_end(history, capsys):
    raw("DELETE FROM cases_caseevent WHERE sequence = 4")
    verify_fails_at(capsys, 4)


def test_verify_log_finds_reordered_events(history, capsys):
    raw("UPDATE cases_caseevent SET sequence = -sequence WHERE sequence IN (2, 3)")
    raw("UPDATE cases_caseevent SET sequence = 2 WHERE sequence = -3")
    raw("UPDATE cases_caseevent SET sequence = 3 WHERE sequence = -2")
    verify_fails_at(capsys, 2)


def test_verify_log_finds_a_rehashed_forgery(history, city):
    """Recomputing the edited event's own hash is not enough: the next link breaks."""
    from commonweal.cases.log import CANONICAL_LOOKUPS, event_hash

    raw("UPDATE cases_caseevent SET reason = 'forged' WHERE sequence = 2")
    row = CaseEvent.objects.filter(sequence=2).values(*CANONICAL_LOOKUPS).get()
    raw(
        "UPDATE cases_caseevent SET hash = %s WHERE sequence = 2",
        [event_hash(row["prev_hash"], row)],
    )
    _count, problem = find_break(city.jurisdiction)
    assert problem is not None and problem.sequence == 3


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_closes_leave_exactly_one_close_event(city, pothole_request):
    barrier = threading.Barrier(2)
    outcomes = []

    def close_it(actor):
        try:
            barrier.wait()
            services.close(actor, pothole_request, "resolved", public_text="Fixed")
            outcomes.append("closed")
        except CaseError as error:
            outcomes.append(f"refused: {error}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=close_it, args=(Actor.for_user(user),))
        for user in (city.sam, city.ana)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "closed"
    assert "cannot be changed" in sorted(outcomes)[1]
    assert CaseEvent.objects.filter(request=pothole_request, action="case.closed").count() == 1
    assert ServiceRequest.objects.get(pk=pothole_request.pk).version == 2
    assert find_break(city.jurisdiction)[1] is None


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_keep_one_unbroken_chain(city):
    def submit_some():
        try:
            for _ in range(5):
                services.submit(
                    city.resident, service=city.collection, channel="web", address="1 Main St"
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    count, problem = find_break(city.jurisdiction)
    assert (count, problem) == (20, None)


# ------------------------------------------------- the canonical JSON, written the fast way


def canonical_row(data):
    return {
        "jurisdiction__jurisdiction_id": "testville.example", "sequence": 7,
        "request__public_id": "AB12-CD34", "action": "case.noted",
        "occurred_at": dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Tokyo")),
        "actor_kind": "staff", "actor_user_id": 3, "actor_label": "Ana", "role": "agent",
        "rule_code": "agent-note", "reason": "", "public_text": "Vu à 9h ✓",
        "internal_text": "", "data": data,
    }  # fmt: skip


def standard_text(row):
    """The canonical JSON as the standard library writes it (the text hashed since day one)."""
    document = {
        "jurisdiction": row["jurisdiction__jurisdiction_id"], "sequence": row["sequence"],
        "request": row["request__public_id"], "action": row["action"],
        "occurred_at": row["occurred_at"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_kind": row["actor_kind"], "actor_user": row["actor_user_id"],
        "actor_label": row["actor_label"], "role": row["role"], "rule_code": row["rule_code"],
        "reason": row["reason"], "public_text": row["public_text"],
        "internal_text": row["internal_text"], "data": row["data"],
    }  # fmt: skip
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_the_canonical_json_is_the_standard_text_for_every_character():
    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(characters), 2048):
        text = "".join(characters[start : start + 2048])
        row = canonical_row({"text": text, text: [text, None, True], "k" + text[:5]: 0})
        assert canonical_json(row) == standard_text(row), f"from U+{ord(text[0]):04X}"


@pytest.mark.parametrize(
    "data",
    [
        {"\uffff": 1, "\U00010000": 2, "é": 3, "Z": 4, "": 5, "😀": {"b": [1, {"a": None}]}},
        {"lat": 40.05, "long": -75.05, "small": 1e-07, "large": 1e16},  # floats: 1e-07, 1e+16
        {"tiny": 1e-05, "edge": 0.0001, "zero": -0.0, "nan": float("nan"), "inf": float("inf")},
        {"count": 2**64, "low": -(2**63) - 1, "edges": [2**64 - 1, -(2**63)]},
        {"changes": {"status": ["new", "closed"]}, "pair": ("a", "b"), "flag": False},
        {},
    ],
)
def test_the_canonical_json_is_the_standard_text_for_every_kind_of_value(data):
    row = canonical_row(data)
    assert canonical_json(row) == standard_text(row)


class Shouting(str):
    """Text whose str() and repr() say something else: the JSON must hold the text itself."""

    def __str__(self):
        return self.upper()

    def __repr__(self):
        return "Shouting()"


def test_text_choices_and_other_text_subclasses_take_the_fast_writer_and_write_their_text():
    """Half the events of an import carry a status (a `Status` member): they must not fall
    back to the slow encoder, and must hash as the standard library writes them."""
    data = {
        "statuses": list(Status), "outcome": Outcome.RESOLVED, "channel": Channel.PHONE,
        "odd": Shouting("é\u2028"), "changes": {"status": [Status.NEW, Status.CLOSED]},
    }  # fmt: skip
    assert _writes_alike(data)
    row = canonical_row(data)
    assert canonical_json(row) == standard_text(row)
    assert '"odd":"é\u2028"' in canonical_json(row)


def test_the_canonical_json_is_the_standard_text_for_floats_of_every_size():
    """Imported history carries coordinates in every event: the floats orjson is trusted with
    (0.0001 to 10^16) and those it is not, around both edges, as the standard library writes
    them."""
    generator = random.Random(311)
    floats = [0.0, -0.0, 1e-4, -1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0]
    floats += [s * 10 ** generator.uniform(-8, 18) for s in (1, -1) for _ in range(5000)]
    floats += [struct.unpack("<d", generator.randbytes(8))[0] for _ in range(5000)]
    for start in range(0, len(floats), 500):
        row = canonical_row({"values": floats[start : start + 500]})
        assert canonical_json(row) == standard_text(row)
        for value in floats[start : start + 500]:
            one = canonical_row({"value": value})
            assert canonical_json(one) == standard_text(one), repr(value)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Tokyo")),
        dt.datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York")),
        dt.datetime(999, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=dt.UTC),
    ],
)
def test_times_are_written_as_before(moment):
    assert format_time(moment) == moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
