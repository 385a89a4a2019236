"""Validation of what a resident or client sends: description, location, attribute values.

Every function returns a dict of field -> list of messages (empty when all is well), so a
channel can show every problem at once rather than one per attempt.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from commonweal.catalog.models import Datatype, Service, ServiceAttribute

MAX_DESCRIPTION = 4000
MAX_STRING_ANSWER = 500
MAX_TEXT_ANSWER = 4000

Errors = dict[str, list[str]]


class _TagFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.found = True

    def handle_endtag(self, tag: str) -> None:
        self.found = True

    def handle_comment(self, data: str) -> None:
        self.found = True


def contains_html(text: str) -> bool:
    """Return True when the text holds HTML tags or comments ("x < 3" is fine)."""
    finder = _TagFinder()
    finder.feed(text)
    finder.close()
    return finder.found


def description_errors(description: str) -> Errors:
    if len(description) > MAX_DESCRIPTION:
        return {
            "description": [
                _("The description is %(length)d characters; the limit is %(limit)d.")
                % {"length": len(description), "limit": MAX_DESCRIPTION}
            ]
        }
    if contains_html(description):
        return {"description": [_("The description cannot contain HTML; please use plain text.")]}
    if "\x00" in description:
        return {"description": [_("The description contains a null character.")]}
    return {}


def _coordinate(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def location_errors(lat: Any, long: Any, address: str) -> Errors:
    """A request needs a lat/long pair within range, or an address."""
    if lat in (None, "") and long in (None, ""):
        if address.strip():
            return {}
        return {"location": [_("Give the location as latitude and longitude or as an address.")]}
    errors: Errors = {}
    lat_value, long_value = _coordinate(lat), _coordinate(long)
    if lat_value is None or not -90 <= lat_value <= 90:
        errors["lat"] = [_("Latitude must be a number between -90 and 90.")]
    if long_value is None or not -180 <= long_value <= 180:
        errors["long"] = [_("Longitude must be a number between -180 and 180.")]
    return errors


def _clean_number(value: Any) -> str:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(_("must be a number")) from error
    if not number.is_finite():
        raise ValueError(_("must be a number"))
    return str(number)


def _clean_datetime(value: Any, zone: dt.tzinfo) -> str:
    moment = parse_datetime(str(value).strip())
    if moment is None:
        raise ValueError(_("must be a date and time such as 2026-03-01T14:30:00-05:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def _clean_text(value: Any, limit: int) -> str:
    text = str(value)
    if len(text) > limit:
        raise ValueError(_("is longer than %(limit)d characters") % {"limit": limit})
    if contains_html(text):
        raise ValueError(_("cannot contain HTML"))
    return text


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [item for item in str(value).split(",") if item]


def clean_answer(attribute: ServiceAttribute, value: Any, zone: dt.tzinfo) -> Any:
    """Return the answer in its stored form or raise ValueError saying what is wrong."""
    datatype = attribute.datatype
    if datatype == Datatype.NUMBER:
        return _clean_number(value)
    if datatype == Datatype.DATETIME:
        return _clean_datetime(value, zone)
    if datatype == Datatype.STRING:
        return _clean_text(value, MAX_STRING_ANSWER)
    if datatype == Datatype.TEXT:
        return _clean_text(value, MAX_TEXT_ANSWER)
    keys = {choice.key for choice in attribute.values.all()}
    chosen = _as_list(value) if datatype == Datatype.MULTIVALUELIST else [str(value)]
    unknown = [key for key in chosen if key not in keys]
    if unknown:
        raise ValueError(
            _("has no option %(unknown)s; choose from %(keys)s")
            % {"unknown": ", ".join(unknown), "keys": ", ".join(sorted(keys))}
        )
    return chosen if datatype == Datatype.MULTIVALUELIST else chosen[0]


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def clean_attributes(
    service: Service, values: dict[str, Any], zone: dt.tzinfo
) -> tuple[dict[str, Any], Errors]:
    """Check answers against the service's attributes; return (clean answers, errors).

    Errors are keyed `attribute[code]`, as Open311 names the fields.
    """
    attributes = {attribute.code: attribute for attribute in service.attributes.all()}
    clean: dict[str, Any] = {}
    errors: Errors = {}
    for code in sorted(set(values) - set(attributes)):
        errors[f"attribute[{code}]"] = [
            _("This service has no attribute %(code)s.") % {"code": code}
        ]
    for code, attribute in attributes.items():
        value = values.get(code)
        if not attribute.variable:
            if not _is_blank(value):
                errors[f"attribute[{code}]"] = [
                    _("This attribute is information only and takes no answer.")
                ]
            continue
        if _is_blank(value):
            if attribute.required:
                errors[f"attribute[{code}]"] = [
                    _("%(question)s: an answer is required.") % {"question": attribute.description}
                ]
            continue
        try:
            clean[code] = clean_answer(attribute, value, zone)
        except ValueError as error:
            errors[f"attribute[{code}]"] = [f"{attribute.description}: {error}"]
    return clean, errors
