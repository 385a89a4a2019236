"""Template context every page gets (settings.TEMPLATES)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from commonweal.catalog.served import home_name


def site(request: HttpRequest) -> dict[str, Any]:
    """`city_name`: the city the site serves, for the header (read only when a page shows it,
    and kept like the site's other served readings). Not `site_name`, which Django's sign-in
    view sets to the host's name."""
    return {"city_name": home_name}
