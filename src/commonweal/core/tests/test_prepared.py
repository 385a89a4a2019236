"""On PostgreSQL a query the connection runs again is prepared once and not planned again."""

from __future__ import annotations

import pytest
from django.db import connection

from commonweal.catalog.models import Jurisdiction
from commonweal.testing import prepared_statements

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares"),
]


def test_a_repeated_query_is_prepared_with_its_parameters_apart() -> None:
    for code in ("a", "b", "c", "d", "e", "f"):  # the same SQL, other parameters
        assert not Jurisdiction.objects.filter(jurisdiction_id=code).exists()
    statements = [s for s in prepared_statements() if '"catalog_jurisdiction"' in s]
    assert len(statements) == 1
    assert "$1" in statements[0]  # the value travelled apart, so one plan serves them all
