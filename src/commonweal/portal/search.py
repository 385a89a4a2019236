"""Finding a service by the words a resident uses, in English or Spanish."""

from __future__ import annotations

from collections import defaultdict

from commonweal.catalog.i18n import folded, localized, search_text
from commonweal.catalog.models import Service

SEARCHED = ("service_name", "keywords", "description", "group")


def offered_services() -> list[Service]:
    """Return the services residents may report, in group and name order."""
    return list(Service.objects.active().order_by("group", "service_name"))


def find_services(words: str, services: list[Service]) -> list[Service]:
    """Return the services whose text (any language) holds every word, accents ignored;
    services whose name holds the words come first."""
    terms = folded(words).split()
    if not terms:
        return []
    found = [s for s in services if all(t in search_text(s, SEARCHED) for t in terms)]
    return sorted(
        found, key=lambda s: not all(t in search_text(s, ("service_name",)) for t in terms)
    )


def by_group(services: list[Service]) -> list[tuple[str, list[Service]]]:
    """Return the services grouped under their (localized) group name."""
    groups: dict[str, list[Service]] = defaultdict(list)
    for service in services:
        groups[localized(service, "group") or ""].append(service)
    return sorted(groups.items())
