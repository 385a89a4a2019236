"""The case log is append-only and hash-chained; verify_log finds any rewrite of history."""

import threading
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.errors import CaseError
from commonweal.cases.log import GENESIS_HASH, find_break
from commonweal.cases.models import AppendOnlyError, CaseEvent, LogHead, ServiceRequest

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
