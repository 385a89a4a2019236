"""Turning an address into a point: a small interface a city plugs its geocoder into.

Set `COMMONWEAL_GEOCODER` to the dotted path of a `Geocoder` subclass. The default,
`NoGeocoder`, finds nothing: a request given only an address keeps the address as text,
without a point or a district, and staff place it by hand.

To add one (for example a city's address database or a Nominatim server), subclass
`Geocoder`, implement `locate`, and return None for anything it cannot place; never raise
for an unknown address.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from commonweal.catalog.models import Jurisdiction


@dataclass(frozen=True)
class Point:
    lat: float
    long: float


class Geocoder:
    """Base class: find the point of an address in a jurisdiction."""

    def locate(self, jurisdiction: Jurisdiction, address: str) -> Point | None:
        raise NotImplementedError


class NoGeocoder(Geocoder):
    """The documented stub: knows no address."""

    def locate(self, jurisdiction: Jurisdiction, address: str) -> Point | None:
        return None


@cache
def _geocoder_for(path: str) -> Geocoder:
    geocoder: Geocoder = import_string(path)()
    return geocoder


def geocoder() -> Geocoder:
    """Return the configured geocoder (one instance per process and setting)."""
    return _geocoder_for(
        getattr(settings, "COMMONWEAL_GEOCODER", "commonweal.catalog.geocoding.NoGeocoder")
    )
