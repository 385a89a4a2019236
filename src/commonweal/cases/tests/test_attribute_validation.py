"""Answers to service attributes, checked by Open311 datatype."""

import zoneinfo

import pytest

from commonweal.cases.validation import clean_attributes

ZONE = zoneinfo.ZoneInfo("America/New_York")


def check(city, **answers):
    return clean_attributes(city.pothole, {"lane": "left", **answers}, ZONE)


@pytest.mark.parametrize(
    "code, given, stored",
    [
        ("depth_cm", "12.50", "12.50"),
        ("depth_cm", 7, "7"),
        ("seen_at", "2026-03-01T14:30:00-05:00", "2026-03-01T14:30:00-05:00"),
        ("seen_at", "2026-03-01T14:30:00", "2026-03-01T14:30:00-05:00"),
        ("landmark", "Next to the bakery", "Next to the bakery"),
        ("details", "Line one\nline two", "Line one\nline two"),
        ("lane", "right", "right"),
        ("hazards", ["left", "water"], ["left", "water"]),
        ("hazards", "left,water", ["left", "water"]),
    ],
)
def test_good_answers_are_stored_in_a_canonical_form(city, code, given, stored):
    clean, errors = check(city, **{code: given})
    assert errors == {}
    assert clean[code] == stored


@pytest.mark.parametrize(
    "code, given, message",
    [
        ("depth_cm", "deep", "must be a number"),
        ("depth_cm", "NaN", "must be a number"),
        ("seen_at", "yesterday", "date and time"),
        ("landmark", "x" * 501, "longer than 500"),
        ("landmark", "<b>bold</b>", "cannot contain HTML"),
        ("lane", "middle", "no option middle"),
        ("hazards", ["left", "fire"], "no option fire"),
    ],
)
def test_bad_answers_are_refused_with_the_question_and_reason(city, code, given, message):
    _clean, errors = check(city, **{code: given})
    assert list(errors) == [f"attribute[{code}]"]
    assert message in errors[f"attribute[{code}]"][0]


def test_a_required_answer_must_be_given(city):
    _clean, errors = clean_attributes(city.pothole, {}, ZONE)
    assert "an answer is required" in errors["attribute[lane]"][0]


def test_an_unknown_attribute_is_refused(city):
    _clean, errors = check(city, colour="red")
    assert "no attribute colour" in errors["attribute[colour]"][0]


def test_an_informational_attribute_takes_no_answer(city):
    _clean, errors = check(city, note="hello")
    assert "information only" in errors["attribute[note]"][0]


def test_blank_optional_answers_are_left_out(city):
    clean, errors = check(city, depth_cm="", hazards=[])
    assert errors == {} and clean == {"lane": "left"}
