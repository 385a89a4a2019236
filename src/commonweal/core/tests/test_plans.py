"""Queries planned for each call's own values on PostgreSQL, never with a generic plan."""

from __future__ import annotations

import pytest
from django.db import connection

from commonweal.catalog.models import Jurisdiction
from commonweal.core.plans import planned_for_each_call
from commonweal.testing import prepared_statements

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL prepares statements"
)


def run_jurisdiction_lookups(times: int) -> None:
    for n in range(times):
        assert not Jurisdiction.objects.filter(jurisdiction_id=f"nowhere-{n}").exists()


@pytest.mark.django_db
def test_queries_in_the_block_are_never_prepared_and_the_rest_still_are():
    with planned_for_each_call():
        run_jurisdiction_lookups(12)  # past the fifth run that prepares a statement
    assert not [s for s in prepared_statements() if '"catalog_jurisdiction"' in s]
    with pytest.raises(RuntimeError), planned_for_each_call():
        raise RuntimeError("a failed block still puts the threshold back")
    run_jurisdiction_lookups(6)
    assert [s for s in prepared_statements() if '"catalog_jurisdiction"' in s]
