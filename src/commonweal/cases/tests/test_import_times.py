"""Reading times by a mapping's formats: the fast reader answers exactly what strptime does."""

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from commonweal.cases.importing.mapping import preset
from commonweal.cases.importing.times import _NumericReader, _StrptimeReader, time_reader

#: every preset's format, and others a city's export could use
NUMERIC = [
    "%m/%d/%Y %I:%M:%S %p",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%y %H:%M",
    "%Y%m%d%H%M%S",
    "%m/%d/%y %I:%M %p",
    "%Y-%m-%d",
    "%d/%m/%Y  %H:%M:%S%%",
    "[%Y|%m|%d] %H.%M",
]
#: formats the fast reader leaves to strptime
OTHER = ["%d %b %Y %H:%M", "%Y-%m-%d %H:%M:%S%z", "%j/%Y", "%Y-%m-%d %H:%I"]


def strptime_or_none(text: str, form: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, form)
    except ValueError:
        return None


def test_the_presets_formats_are_read_without_strptime():
    for name in ("nyc", "nyc_api", "boston", "los_angeles", "nyc_legacy"):
        for form in preset(name).date_formats:
            assert isinstance(time_reader(form), _NumericReader), form
    for form in OTHER:
        assert isinstance(time_reader(form), _StrptimeReader), form


@pytest.mark.parametrize(
    "form, text, expected",
    [
        ("%m/%d/%Y %I:%M:%S %p", "02/28/2023 12:00:00 AM", dt.datetime(2023, 2, 28, 0, 0)),
        ("%m/%d/%Y %I:%M:%S %p", "02/28/2023 12:30:05 pm", dt.datetime(2023, 2, 28, 12, 30, 5)),
        ("%m/%d/%Y %I:%M:%S %p", "2/8/2023   1:02:03\tPM", dt.datetime(2023, 2, 8, 13, 2, 3)),
        ("%m/%d/%Y %I:%M:%S %p", "02/30/2023 01:00:00 PM", None),
        ("%m/%d/%Y %I:%M:%S %p", "02/28/2023 01:00:00 PM extra", None),
        (
            "%Y-%m-%dT%H:%M:%S.%f",
            "2024-04-01t09:05:07.25",
            dt.datetime(2024, 4, 1, 9, 5, 7, 250_000),
        ),
        ("%Y-%m-%d %H:%M:%S", "2024-04-01 09:05:60", None),
        ("%d.%m.%y %H:%M", "31.12.68 23:59", dt.datetime(2068, 12, 31, 23, 59)),
        ("%d.%m.%y %H:%M", "01.01.69 00:00", dt.datetime(1969, 1, 1, 0, 0)),
        ("%Y-%m-%d", "٢٠٢٤-04-01", dt.datetime(2024, 4, 1)),
    ],
)
def test_known_answers(form, text, expected):
    assert time_reader(form)(text) == expected
    assert strptime_or_none(text, form) == expected


#: text near what the formats write: digits, their separators, AM/PM in either case
near_times = st.text(alphabet="0123456789/-:.T %|[]AaPpMm\t", max_size=30)


@settings(max_examples=400, deadline=None)
@given(form=st.sampled_from(NUMERIC + OTHER), moment=st.datetimes(), noise=near_times)
@example(form="%Y%m%d%H%M%S", moment=dt.datetime(2023, 1, 2, 3, 4, 5), noise="")
def test_the_fast_reader_answers_what_strptime_answers(form, moment, noise):
    written = moment.strftime(form)
    for text in (written, noise, written + noise, noise + written, written.lower()):
        assert time_reader(form)(text) == strptime_or_none(text, form), (form, text)
