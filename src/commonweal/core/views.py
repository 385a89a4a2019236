"""The landing page: what this site is and where each audience goes."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commonweal.catalog.models import Jurisdiction


def home(request: HttpRequest) -> HttpResponse:
    """Show the jurisdiction's name and the ways in (public pages arrive with the portal)."""
    jurisdiction = Jurisdiction.objects.order_by("pk").first()
    return render(request, "core/home.html", {"jurisdiction": jurisdiction})
