"""WSGI entry point used by `commonweal serve` (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
application = get_wsgi_application()
