"""`commonweal serve` builds the URL tables before gunicorn forks its workers."""

from django.db import connection
from django.urls import clear_url_caches, get_resolver

from commonweal.core.management.commands.serve import warm_up


def test_the_master_builds_the_url_tables_and_leaves_no_connection_to_fork(transactional_db):
    clear_url_caches()
    assert not get_resolver()._populated
    connection.ensure_connection()
    warm_up()
    assert get_resolver()._populated  # workers inherit it: no half-second first answer
    assert connection.connection is None  # a forked copy of a connection would be shared
