"""Which department takes a new request: routing rules by district, else the service's own."""

from __future__ import annotations

from django.db.models import Q

from commonweal.catalog.models import Department, RoutingRule, Service


def route(service: Service, district_id: int | None) -> tuple[Department, RoutingRule | None]:
    """Return the department for a request and the rule that chose it (None: the default).

    A rule for the request's district beats a rule for "any district".
    """
    rules = (
        RoutingRule.objects.filter(service=service, active=True)
        .filter(Q(district_id=district_id) | Q(district__isnull=True))
        .select_related("department")
    )
    best = min(rules, key=lambda rule: rule.district_id is None, default=None)
    return (best.department, best) if best else (service.department, None)
