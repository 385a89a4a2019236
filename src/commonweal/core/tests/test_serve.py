"""`commonweal serve` builds the URL tables before gunicorn forks its workers, and collects
the static files a new data directory lacks."""

import gc
import io

import pytest
from django.core.management.base import OutputWrapper
from django.db import connection
from django.templatetags.static import static
from django.urls import clear_url_caches, get_resolver

from commonweal.core.management.commands.serve import collect_static_files_if_missing, warm_up


@pytest.fixture(autouse=True)
def unfrozen():
    """`warm_up` freezes the process's objects; the rest of the suite runs unfrozen."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_master_builds_the_url_tables_and_leaves_no_connection_to_fork(transactional_db):
    clear_url_caches()
    assert not get_resolver()._populated
    connection.ensure_connection()
    warm_up()
    assert get_resolver()._populated  # workers inherit it: no half-second first answer
    assert connection.connection is None  # a forked copy of a connection would be shared


def test_the_master_hides_what_workers_inherit_from_the_garbage_collector():
    warm_up()
    # the modules, classes and URL tables: a worker's full collection leaves them be
    assert gc.get_freeze_count() > 10_000


def test_a_new_data_directory_gets_its_static_files_once(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"  # resets the storage (Django's test signal)
    out = io.StringIO()
    assert collect_static_files_if_missing(OutputWrapper(out))
    assert "Collecting the static files" in out.getvalue()
    hashed = static("vendor/uswds/css/uswds.min.css")  # the stylesheet every page links
    assert hashed != "/static/vendor/uswds/css/uswds.min.css"  # named from the manifest
    assert (tmp_path / "static" / hashed.removeprefix("/static/")).is_file()
    assert not collect_static_files_if_missing(OutputWrapper(io.StringIO()))
