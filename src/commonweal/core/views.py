"""The landing page: what this site is and where each audience goes."""

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.static import serve

from commonweal.catalog.models import Jurisdiction


def home(request: HttpRequest) -> HttpResponse:
    """Show the jurisdiction's name and the ways in (public pages arrive with the portal)."""
    jurisdiction = Jurisdiction.objects.order_by("pk").first()
    return render(request, "core/home.html", {"jurisdiction": jurisdiction})


def photo(request: HttpRequest, path: str) -> FileResponse:
    """Serve a photo attached to a request (the URL pattern admits nothing else)."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
