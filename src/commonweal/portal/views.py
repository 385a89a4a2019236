"""The public site: find a service, report a problem, follow it, read the charter.

Views translate HTTP into calls to `cases` (submit, the public view of a request, the
standards kept); nothing here sees a resident's contact details after they are sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import shapely
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from shapely.geometry import shape

from commonweal.cases import photos, services
from commonweal.cases.authority import Actor
from commonweal.cases.models import Channel, ServiceRequest
from commonweal.cases.performance import Kept, previous_quarter, standards_kept
from commonweal.cases.public import public_request
from commonweal.cases.services import standard_for
from commonweal.catalog.forms import answers, attach_domain_errors, information
from commonweal.catalog.geo import district_index
from commonweal.catalog.models import District, Jurisdiction, Priority, Service, ServiceStandard
from commonweal.catalog.served import home_zone, jurisdiction_zone
from commonweal.feedback import appeals, complaints, surveys
from commonweal.feedback.models import Appeal, AppealStatus
from commonweal.portal import accounts
from commonweal.portal.forms import (
    AppealForm,
    ComplaintForm,
    ReportForm,
    SignInForm,
    SurveyForm,
    TrackForm,
)
from commonweal.portal.limits import over_limit
from commonweal.portal.search import by_group, find_services, offered_services


def home(request: HttpRequest) -> HttpResponse:
    """Search services by words, or browse them by group."""
    offered = offered_services()
    words = request.GET.get("q", "")[:200]
    context = {
        "jurisdiction": Jurisdiction.objects.order_by("pk").first(),
        "words": words,
        "found": find_services(words, offered) if words.strip() else None,
        "groups": by_group(offered),
    }
    return render(request, "portal/home.html", context)


def report(request: HttpRequest, service_code: str) -> HttpResponse:
    """Show the service's form; take a report, or show every problem beside its field."""
    service = get_object_or_404(Service.objects.active(), service_code=service_code)
    form = ReportForm(request.POST or None, request.FILES or None, service=service)
    context: dict[str, Any] = {
        "service": service,
        "form": form,
        "information": information(service),
        "promise": promise(service),
        "center": map_centre(service),
        "tiles": settings.COMMONWEAL_TILE_URL,
        "attribution": settings.COMMONWEAL_TILE_ATTRIBUTION,
    }
    if request.method != "POST":
        return render(request, "portal/report.html", context)
    if form.is_valid() and form.cleaned_data["website"]:
        form.add_error("website", _("This field must stay empty; please clear it and send again."))
    if not form.is_valid():
        return render(request, "portal/report.html", context, status=400)
    wait = over_limit(request)
    if wait:
        context["wait_minutes"] = max(1, wait // 60)
        return render(request, "portal/too_many.html", context, status=429)
    try:
        case = _file_report(service, form, request)
    except ValidationError as problems:
        attach_domain_errors(form, problems, {"media": "photo", "location": "address"})
        return render(request, "portal/report.html", context, status=400)
    return redirect("portal:sent", public_id=case.public_id)


def _file_report(service: Service, form: ReportForm, request: HttpRequest) -> ServiceRequest:
    """Store the photo, submit the report; on any refusal the photo is removed again."""
    data = form.cleaned_data
    photo_name = ""
    if data["photo"]:
        content, extension = photos.clean_photo(data["photo"])  # raises ValidationError
        photo_name = photos.store_photo(content, extension)
    lat, long, address = _place(data)
    try:
        return services.submit(
            Actor.resident(request.user),
            service=service,
            channel=Channel.WEB,
            description=data["description"],
            attributes=answers(data),
            lat=lat,
            long=long,
            address=address,
            media_url=default_storage.url(photo_name) if photo_name else "",
            requester=services.RequesterDetails(
                name=data["name"],
                email=data["email"] or getattr(request.user, "email", ""),
                phone=data["phone"],
                account=request.user if request.user.is_authenticated else None,
            ),
        )
    except ValidationError:
        if photo_name:
            photos.delete_photo(photo_name)
        raise


def _place(data: dict[str, Any]) -> tuple[float | None, float | None, str]:
    """Return the place: the map's pin, else the address, else the middle of the district."""
    if data["lat"] is not None or data["long"] is not None or data["address"]:
        return data["lat"], data["long"], data["address"]
    district: District | None = data["district"]
    if district is None:
        return None, None, ""
    point = shape(district.boundary).representative_point()
    return (
        point.y,
        point.x,
        _("Somewhere in %(area)s (see the description)") % {"area": district.name},
    )


def map_centre(service: Service) -> tuple[float, float]:
    """Return the middle of the jurisdiction's districts (latitude, longitude), from the
    cached district index rather than re-reading every boundary on each page."""
    geometries = district_index(service.jurisdiction).geometries
    if not len(geometries):
        return 40.0, -75.0
    west, south, east, north = shapely.total_bounds(geometries)
    return round((south + north) / 2, 6), round((west + east) / 2, 6)


def promise(service: Service) -> dict[str, Any] | None:
    """Return the normal-priority standard residents are promised today, if any."""
    return _wording(standard_for(service, Priority.NORMAL, timezone.now()))


def _wording(standard: ServiceStandard | None) -> dict[str, Any] | None:
    if standard is None:
        return None
    return {"period": standard.resolve_period()}


def promises_today(services: list[Service], day: dt.date) -> dict[int, dict[str, Any] | None]:
    """Return every service's normal-priority promise on `day`, in one query."""
    in_force = (
        ServiceStandard.objects.in_force_on(day)
        .filter(priority=Priority.NORMAL, service__in=services)
        .order_by("service_id", "effective_from")
    )
    latest = {standard.service_id: standard for standard in in_force}  # the newest wins
    return {service.pk: _wording(latest.get(service.pk)) for service in services}


def sent(request: HttpRequest, public_id: str) -> HttpResponse:
    """Thank the resident: the tracking number, the promise, and where to follow it."""
    view = public_request(public_id)
    if view is None:
        raise Http404(_("No report with this tracking number."))
    context = {"view": view, "promise": promise(view.service)}
    return render_in_its_citys_zone(
        request, view.service.jurisdiction_id, "portal/sent.html", context
    )


def track(request: HttpRequest) -> HttpResponse:
    """Ask for a tracking number and go to that report's page."""
    form = TrackForm(request.GET or None)
    if form.is_valid():
        number = form.cleaned_data["tracking_number"].strip().upper()
        if public_request(number) is not None:
            return redirect("portal:follow", public_id=number)
        form.add_error("tracking_number", _("No report has this tracking number; please check it."))
    return render(request, "portal/track.html", {"form": form}, status=404 if form.errors else 200)


def follow(request: HttpRequest, public_id: str) -> HttpResponse:
    """Show a report's public page: status, dates, place and history; no personal data."""
    view = public_request(public_id)
    if view is None:
        raise Http404(_("No report with this tracking number."))
    case = ServiceRequest.objects.get(public_id=view.public_id)
    context = {
        "view": view,
        "now": timezone.now(),
        "may_appeal": appeals.may_appeal(case),
        "appeal_until": appeals.appeal_deadline(case),
        "pending_appeal": Appeal.objects.filter(request=case, status=AppealStatus.PENDING).first(),
    }
    return render_in_its_citys_zone(request, case.jurisdiction_id, "portal/follow.html", context)


def appeal(request: HttpRequest, public_id: str) -> HttpResponse:
    """Ask for a closure to be reviewed by someone other than the person who decided."""
    case = get_object_or_404(ServiceRequest, public_id=public_id)
    form = AppealForm(request.POST or None)
    context = {"case": case, "form": form, "until": appeals.appeal_deadline(case)}
    if request.method == "POST" and form.is_valid():
        try:
            appeals.submit_appeal(
                case, email=form.cleaned_data["email"], grounds=form.cleaned_data["grounds"]
            )
        except ValidationError as problems:
            attach_domain_errors(form, problems)
        else:
            messages.success(
                request, _("Your appeal was received. You will hear the result by email.")
            )
            return redirect("portal:follow", public_id=case.public_id)
    status = 400 if form.errors else 200
    return render_in_its_citys_zone(
        request, case.jurisdiction_id, "portal/appeal.html", context, status=status
    )


def render_in_its_citys_zone(
    request: HttpRequest,
    jurisdiction_pk: int,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render one request's page in its own city's time zone: the site's pages are in the
    first city's (`core.middleware.HomeTimeZoneMiddleware`), which another city sharing
    the site does not live in."""
    zone = jurisdiction_zone(jurisdiction_pk)
    with timezone.override(zone) if zone else contextlib.nullcontext():
        return render(request, template, context, status=status)


def charter(request: HttpRequest) -> HttpResponse:
    """Every service's published standard beside how often it was kept last quarter."""
    start, end = _quarter_bounds()
    kept = standards_kept(start, end)
    services = offered_services()
    promises = promises_today(services, timezone.localdate(timezone.now(), start.tzinfo))
    rows = [
        {"service": s, "promise": promises[s.pk], "kept": kept.get((s.pk, ""))} for s in services
    ]
    return render(
        request,
        "portal/charter.html",
        {"rows": rows, "start": start, "end": end - dt.timedelta(days=1)},
    )


def charter_service(request: HttpRequest, service_code: str) -> HttpResponse:
    """One service's standard, kept city-wide and in each district last quarter."""
    service = get_object_or_404(Service.objects.active(), service_code=service_code)
    start, end = _quarter_bounds()
    per_district = standards_kept(start, end, by_district=True, service_id=service.pk)
    districts = sorted((name, kept) for (_service, name), kept in per_district.items())
    city = Kept(
        due=sum(kept.due for _name, kept in districts),
        met=sum(kept.met for _name, kept in districts),
    )
    context = {
        "service": service,
        "promise": promise(service),
        "city": city,
        "districts": districts,
        "start": start,
        "end": end - dt.timedelta(days=1),
    }
    return render(request, "portal/charter_service.html", context)


def _quarter_bounds() -> tuple[dt.datetime, dt.datetime]:
    zone = home_zone() or dt.UTC
    today = timezone.now().astimezone(zone).date()
    start, end = previous_quarter(today)
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end, dt.time(), tzinfo=zone),
    )


def survey(request: HttpRequest, token: str) -> HttpResponse:
    """Show the survey behind an invitation link, once; store the answers apart."""
    invitation = surveys.invitation_for(token)
    if invitation is None:
        raise Http404(_("This survey link is not valid."))
    if invitation.used_at is not None:
        return render(request, "portal/survey_done.html", {"already": True}, status=410)
    survey_settings = surveys.settings_for(invitation.request)
    form = SurveyForm(request.POST or None, survey=survey_settings)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.answer(
                invitation,
                form.answers(),
                form.cleaned_data["comment"],
                form.cleaned_data["not_fixed"],
                form=survey_settings.variant,
            )
        except ValueError:
            return render(request, "portal/survey_done.html", {"already": True}, status=410)
        service = invitation.request.service
        reopened = form.cleaned_data["not_fixed"] and service.reopen_when_not_fixed
        return render(request, "portal/survey_done.html", {"reopened": reopened})
    context = {"form": form, "case": invitation.request}
    return render(request, "portal/survey.html", context, status=400 if form.errors else 200)


def complaint(request: HttpRequest) -> HttpResponse:
    """Take a complaint or compliment about a service or staff, for the department's head."""
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lodged = complaints.lodge(
                data["kind"], data["department"], data["text"],
                tracking=data["tracking"], email=data["email"],
            )  # fmt: skip
        except ValidationError as problems:
            attach_domain_errors(form, problems)
        else:
            return render(request, "portal/complaint_sent.html", {"complaint": lodged})
    return render(
        request, "portal/complaint.html", {"form": form}, status=400 if form.errors else 200
    )


def sign_in(request: HttpRequest) -> HttpResponse:
    """Email a one-time sign-in link (same answer for any address)."""
    if request.user.is_authenticated and request.user.username.startswith("resident:"):
        return redirect("portal:my-requests")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request):
            return render(request, "portal/too_many.html", {"wait_minutes": 60}, status=429)
        accounts.send_sign_in_link(form.cleaned_data["email"])
        return render(request, "portal/sign_in.html", {"form": SignInForm(), "sent": True})
    return render(
        request, "portal/sign_in.html", {"form": form}, status=400 if form.errors else 200
    )


def sign_in_with_link(request: HttpRequest, token: str) -> HttpResponse:
    """Sign a resident in with their link, once."""
    user = accounts.redeem(token)
    if user is None:
        return render(
            request, "portal/sign_in.html", {"form": SignInForm(), "invalid": True}, status=410
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("portal:my-requests")


def my_requests(request: HttpRequest) -> HttpResponse:
    """List the signed-in resident's reports."""
    if not request.user.is_authenticated:
        return redirect("portal:sign-in")
    user = User.objects.get(pk=request.user.pk)
    return render(request, "portal/my_requests.html", {"requests": accounts.my_requests(user)})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:home")
