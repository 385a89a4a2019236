"""A per-address limit on reports, counted in the shared database cache.

Someone over the limit is told so plainly — when they can try again and that they can call
instead — never silently dropped.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the client's address, trusting NUM_PROXIES reverse proxies in front."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    proxies = settings.NUM_PROXIES
    if proxies and len(hops) >= proxies:
        return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def over_limit(request: HttpRequest) -> int:
    """Count one report from this address; return seconds to wait if over the limit, else 0."""
    allowed, window = settings.PORTAL_REPORTS_PER_HOUR, 3600
    bucket = int(time.time() // window)
    key = f"portal-reports:{client_address(request)}:{bucket}"
    cache.add(key, 0, timeout=window)
    count = cache.incr(key)
    if count > allowed:
        return window - int(time.time() % window)
    return 0
