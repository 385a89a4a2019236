"""A per-address limit on reports and sign-in links: DRF's rate throttle (the one the Open311
POSTs use, counting in the shared database cache), applied to the portal's plain views.

Someone over the limit is told so plainly — when they can try again and that they can call
instead — never silently dropped.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle


class PortalThrottle(SimpleRateThrottle):
    scope = "portal"

    def get_rate(self) -> str:
        return f"{settings.PORTAL_REPORTS_PER_HOUR}/hour"

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        return f"throttle:{self.scope}:{self.get_ident(request)}"  # type: ignore[arg-type]


def over_limit(request: HttpRequest) -> int:
    """Count one submission from this address; return seconds to wait if over, else 0."""
    throttle = PortalThrottle()
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return 0
    return max(1, math.ceil(throttle.wait() or 1))
