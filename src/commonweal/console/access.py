"""Who may see what in the console. Every console view starts here.

Staff see the requests of their own department; administrators and auditors see every
department; someone without a staff role sees nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases.authority import Actor, candidate_rules
from commonweal.cases.models import Action, Role, ServiceRequest
from commonweal.catalog.models import Department
from commonweal.catalog.served import home_zone

View = Callable[..., HttpResponse]
STAFF_ROLES = frozenset(Role.values) - {Role.RESIDENT, Role.SYSTEM}
CITY_WIDE_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.ANALYST})


def staff_actor(request: HttpRequest) -> Actor:
    """Return the signed-in staff member as an actor (cached on the request)."""
    actor: Actor | None = getattr(request, "_actor", None)
    if actor is None:
        actor = Actor.for_user(request.user)  # type: ignore[arg-type]
        request._actor = actor  # type: ignore[attr-defined]
    return actor


def staff_required(view: View) -> View:
    """Let in signed-in users holding a staff role; send others to sign in or refuse them."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = staff_actor(request)
        if not actor.roles & STAFF_ROLES:
            raise PermissionDenied(_("Your account has no staff role."))
        with timezone.override(local_zone(actor)):
            return view(request, *args, **kwargs)

    return wrapped


def local_zone(actor: Actor) -> dt.tzinfo:
    """Return the time zone staff read times in: their department's city, else the one the
    site shows (`catalog.served.home_zone`)."""
    department = (
        Department.objects.select_related("jurisdiction").filter(pk=actor.department_id).first()
        if actor.department_id is not None
        else None
    )
    if department is not None:
        return department.jurisdiction.zone
    return home_zone() or dt.UTC


def reads_figures_only(actor: Actor) -> bool:
    """An elected official or oversight member with no other staff role: they read the
    aggregate figures (DESIGN.md: "no personal data"), not the work on single requests."""
    return actor.roles & STAFF_ROLES == {Role.OFFICIAL} and not is_administrator(actor)


def may_ever(actor: Actor, action: str) -> bool:
    """Whether the matrix lets this person take `action` on any request at all (an active
    rule for one of their roles): a form for an act they may never take would only be
    refused once filled in, so the console does not offer it."""
    return candidate_rules(actor, action).exists()


def takes_new_requests(actor: Actor) -> bool:
    """Whether this person may file requests (a field worker may not)."""
    return may_ever(actor, Action.SUBMIT)


def console_context(request: HttpRequest) -> dict[str, Any]:
    """Template context for every page (settings.TEMPLATES): `console_figures_only` and
    `console_takes_requests`, asked only by the console's navigation, so public pages never
    look the user up."""

    def figures_only() -> bool:
        return request.user.is_authenticated and reads_figures_only(staff_actor(request))

    def takes_requests() -> bool:
        return request.user.is_authenticated and takes_new_requests(staff_actor(request))

    return {"console_figures_only": figures_only, "console_takes_requests": takes_requests}


def is_administrator(actor: Actor) -> bool:
    return Role.ADMINISTRATOR in actor.roles or bool(actor.user and actor.user.is_superuser)


def visible_departments(actor: Actor) -> QuerySet[Department]:
    """Return the departments whose requests this staff member may see."""
    if actor.roles & CITY_WIDE_ROLES or is_administrator(actor):
        return Department.objects.all()
    if actor.department_id is None:
        return Department.objects.none()
    return Department.objects.filter(pk=actor.department_id)


def get_case_for_staff(request: HttpRequest, public_id: str) -> ServiceRequest:
    """Return the request with this tracking number if this staff member may see it, else 404
    (a request of another department is as invisible as one that does not exist)."""
    actor = staff_actor(request)
    case = (
        ServiceRequest.objects.select_related(
            "jurisdiction", "service", "department", "district", "assignee", "team", "standard"
        )
        .filter(public_id=public_id, department__in=visible_departments(actor))
        .first()
    )
    if case is None:
        raise Http404(_("No request %(id)s in your departments.") % {"id": public_id})
    return case
