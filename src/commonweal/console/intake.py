"""Taking a request by phone, at the counter or from an email: the service's own questions,
duplicate suggestions before filing, then the same `cases.services.submit` every channel uses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import services
from commonweal.cases.duplicates import duplicate_candidates
from commonweal.cases.errors import AuthorityError
from commonweal.cases.models import ServiceRequest
from commonweal.catalog.forms import answers, attach_domain_errors, information
from commonweal.catalog.models import Service
from commonweal.console.access import (
    staff_actor,
    staff_required,
    takes_new_requests,
    visible_departments,
)
from commonweal.console.forms import IntakeForm, ServiceChoiceForm


@staff_required
def intake(request: HttpRequest) -> HttpResponse:
    """Choose a service, answer its questions, check for duplicates, file the request."""
    if not takes_new_requests(staff_actor(request)):
        return render(request, "console/intake.html", {"refused": True}, status=403)
    chooser = ServiceChoiceForm(request.GET or None)
    if not chooser.is_valid():
        return render(request, "console/intake.html", {"chooser": chooser})
    service: Service = chooser.cleaned_data["service"]
    form = IntakeForm(request.POST or None, service=service)
    context: dict[str, Any] = {"chooser": chooser, "form": form, "service": service}
    context["information"] = information(service)
    if request.method != "POST" or not form.is_valid():
        return render(request, "console/intake.html", context, status=400 if form.errors else 200)
    if "check" in request.POST:
        context["duplicates"] = _possible_duplicates(service, form.cleaned_data)
        context["checked"] = True
        return render(request, "console/intake.html", context)
    try:
        case = _file(request, service, form.cleaned_data)
    except ValidationError as problems:
        attach_domain_errors(form, problems)
        return render(request, "console/intake.html", context, status=400)
    except AuthorityError as refusal:
        messages.error(request, str(refusal))
        return render(request, "console/intake.html", context, status=403)
    messages.success(request, _("Request %(id)s filed.") % {"id": case.public_id})
    if visible_departments(staff_actor(request)).filter(pk=case.department_id).exists():
        return redirect("console:case", public_id=case.public_id)
    return redirect("console:intake")


def _possible_duplicates(service: Service, data: dict[str, Any]) -> list[ServiceRequest]:
    probe = ServiceRequest(
        service=service, lat=data.get("lat"), long=data.get("long"), requested_at=timezone.now()
    )
    return list(duplicate_candidates(probe)[:5])


def _file(request: HttpRequest, service: Service, data: dict[str, Any]) -> ServiceRequest:
    details = services.RequesterDetails(
        name=data["name"], email=data["email"], phone=data["phone"], language=data["language"]
    )
    return services.submit(
        staff_actor(request),
        service=service,
        channel=data["channel"],
        description=data["description"],
        attributes=answers(data),
        lat=data["lat"],
        long=data["long"],
        address=data["address"],
        priority=data["priority"],
        requester=details,
    )
