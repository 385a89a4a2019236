"""How the catalogue's models read to people."""

import pytest
from django.utils import translation

from commonweal.catalog.models import TimeUnit, period_text


@pytest.mark.parametrize(
    ("within", "unit", "english", "spanish"),
    [
        (1, TimeUnit.WORKING_DAYS, "1 working day", "1 día laborable"),
        (5, TimeUnit.WORKING_DAYS, "5 working days", "5 días laborables"),
        (1, TimeUnit.WORKING_HOURS, "1 working hour", "1 hora laborable"),
        (8, TimeUnit.WORKING_HOURS, "8 working hours", "8 horas laborables"),
        (1, TimeUnit.CALENDAR_HOURS, "1 hour", "1 hora"),
        (24, TimeUnit.CALENDAR_HOURS, "24 hours", "24 horas"),
        (1, TimeUnit.CALENDAR_DAYS, "1 day", "1 día"),
        (30, TimeUnit.CALENDAR_DAYS, "30 days", "30 días"),
    ],
)
def test_a_period_reads_singular_or_plural_by_its_number(within, unit, english, spanish):
    with translation.override("en"):
        assert period_text(within, unit) == english
    with translation.override("es"):
        assert period_text(within, unit) == spanish
