"""Serving residents' photos (the public pages live in `portal`)."""

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.views.static import serve


def photo(request: HttpRequest, path: str) -> FileResponse:
    """Serve a photo attached to a request (the URL pattern admits nothing else)."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
