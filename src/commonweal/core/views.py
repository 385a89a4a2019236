"""Serving residents' photos and the site's icon (the public pages live in `portal`)."""

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.static import serve


def photo(request: HttpRequest, path: str) -> FileResponse:
    """Serve a photo attached to a request (the URL pattern admits nothing else)."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Send clients that ask for /favicon.ico without reading the page to the site's icon."""
    return HttpResponseRedirect(static("commonweal/favicon.svg"))
