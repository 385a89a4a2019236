"""WSGI entry point used by `commonweal serve` (gunicorn).

Two Django handlers behind one entry: the Open311 API (`settings.API_PATH_PREFIX`) runs
through `settings.API_MIDDLEWARE`, every other page through the full `settings.MIDDLEWARE`.
The middleware the API does not use was a fifth of a small answer's time in the process."""

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
django.setup(set_prefix=False)


@contextmanager
def middleware_list(names: list[str]) -> Iterator[None]:
    """`settings.MIDDLEWARE` reads `names` while a handler builds its chain (which Django
    does once, from that setting only)."""
    full = settings.MIDDLEWARE
    settings.MIDDLEWARE = names
    try:
        yield
    finally:
        settings.MIDDLEWARE = full


class ApiHandler(WSGIHandler):
    """Django's handler with the API's middleware chain."""

    def load_middleware(self, is_async: bool = False) -> None:
        with middleware_list(settings.API_MIDDLEWARE):
            super().load_middleware(is_async)


site_handler = WSGIHandler()
api_handler = ApiHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Hand the call to the API's handler or the site's, by its path."""
    if environ.get("PATH_INFO", "").startswith(settings.API_PATH_PREFIX):
        return api_handler(environ, start_response)
    return site_handler(environ, start_response)
