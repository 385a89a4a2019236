"""The Open311 GeoReport v2 endpoints. Views translate HTTP only: parsing is in `params`,
queries in `queries`, shapes in `representations`, and every change goes through
`commonweal.cases.services`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    ValidationError,
)
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from commonweal.cases import photos, services
from commonweal.cases.authority import Actor
from commonweal.cases.errors import CaseError
from commonweal.cases.models import ActorKind, CaseEvent, Channel, Role, ServiceRequest
from commonweal.catalog.models import Jurisdiction, Service, ServiceType
from commonweal.catalog.served import served_jurisdiction
from commonweal.core.compiled import CompiledQuery
from commonweal.core.plans import planned_for_each_call
from commonweal.open311 import queries, representations, schema
from commonweal.open311.errors import (
    Open311Error,
    bad_request,
    forbidden,
    from_validation_error,
    not_found,
)
from commonweal.open311.keys import check_key
from commonweal.open311.models import ApiKey, IdempotencyRecord, RequestToken
from commonweal.open311.params import parse_request_query, parse_update_window, value_of
from commonweal.open311.renderers import Open311JSONRenderer, Open311XMLRenderer

logger = logging.getLogger(__name__)
STARTED = timezone.now().replace(microsecond=0)
#: the most updates one servicerequestupdates answer holds (the extension has no paging)
MAX_UPDATES = 5000
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def respond(data: Any, root: str, item: str | None = None, status: int = 200) -> Response:
    response = Response(data, status=status)
    response.xml_root = (root, item)  # type: ignore[attr-defined]
    return response


def open311_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Answer every failure in the Open311 error format; never with a traceback."""
    if isinstance(exc, Open311Error):
        return respond(exc.body(), "errors", "error", exc.status)
    if isinstance(exc, exceptions.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)
        response = respond(
            [{"code": 429, "description": f"Too many requests; try again in {wait} seconds."}],
            "errors",
            "error",
            429,
        )
        response["Retry-After"] = str(wait)
        return response
    if isinstance(exc, RequestDataTooBig):  # Django's limit on the fields of one request
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        text = f"The request's fields are larger than {limit:.1f} MB (a photo may be 10 MB)."
        return respond([{"code": 413, "description": text}], "errors", "error", 413)
    if isinstance(exc, SuspiciousOperation):  # too many fields or files, and the like
        text = (
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields."
            if isinstance(exc, TooManyFieldsSent)
            else f"The request cannot be read: {exc}"
        )
        return respond([{"code": 400, "description": text}], "errors", "error", 400)
    if isinstance(exc, exceptions.APIException):
        status = exc.status_code if exc.status_code in (404, 405, 406, 415) else 400
        return respond(
            [{"code": status, "description": str(exc.detail)}], "errors", "error", status
        )
    logger.exception("Open311 request failed", exc_info=exc)
    return respond([{"code": 500, "description": "Internal error."}], "errors", "error", 500)


class PostThrottle(SimpleRateThrottle):
    """Counts POSTs (`Open311View.get_throttles`: reading is not limited here). Rates:
    settings.OPEN311_POST_RATES."""

    def get_rate(self) -> str | None:
        return str(settings.OPEN311_POST_RATES[str(self.scope)])


class PostPerKeyThrottle(PostThrottle):
    scope = "open311_post_key"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        raw = value_of(request.query_params, "api_key") or value_of(request.data, "api_key")
        if not raw:
            return None
        return f"throttle:{self.scope}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


class PostPerIpThrottle(PostThrottle):
    scope = "open311_post_ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return f"throttle:{self.scope}:{self.get_ident(request)}"


class Open311View(APIView):
    renderer_classes = [Open311XMLRenderer, Open311JSONRenderer]
    parser_classes = [FormParser, MultiPartParser]
    throttle_classes = [PostPerKeyThrottle, PostPerIpThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        refuse_nul_characters(request, kwargs)

    @property
    def default_response_headers(self) -> dict[str, str]:
        """DRF's, without `Vary: Accept`: the answer does not depend on that header."""
        headers: dict[str, str] = super().default_response_headers
        headers.pop("Vary", None)
        return headers

    def get_throttles(self) -> list[Any]:
        """Only POSTs are limited; a GET builds no throttle at all."""
        return super().get_throttles() if self.request.method == "POST" else []

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """The path's `.json` or `.xml` is the format (GeoReport v2); the Accept header is not
        asked, so a client that sends `Accept: application/xml` for `services.json` gets
        JSON, not a 406."""
        for renderer in self.get_renderers():
            if renderer.format == self.format_kwarg:
                return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def jurisdiction(self, request: Request) -> Jurisdiction:
        """The jurisdiction asked for; needed only when the server has several."""
        code = value_of(request.query_params, "jurisdiction_id") or value_of(
            request.data if request.method == "POST" else {}, "jurisdiction_id"
        )
        try:
            return served_jurisdiction(code)
        except Jurisdiction.DoesNotExist as error:
            where = f"jurisdiction_id {code} is not served here" if code else str(error)
            raise not_found(where) from error
        except Jurisdiction.MultipleObjectsReturned as error:
            raise bad_request("jurisdiction_id is required: this server serves several.") from error

    def api_key(self, request: Request) -> ApiKey:
        raw = value_of(request.query_params, "api_key") or value_of(request.data, "api_key")
        key = check_key(raw or "")
        if key is None:
            raise forbidden("A valid api_key is required to write; ask the city for one.")
        return key


def refuse_nul_characters(request: Request, path_parameters: dict[str, Any]) -> None:
    """Refuse NUL characters anywhere in the input: no text field can store them."""
    sources: list[Any] = [request.query_params, path_parameters]
    if request.method == "POST":
        sources.append(request.data)
    for source in sources:
        for name in source:
            values = source.getlist(name) if hasattr(source, "getlist") else [source[name]]
            if "\x00" in name or any("\x00" in str(value) for value in values):
                raise bad_request(f"{name.replace(chr(0), '')} contains a NUL character")


class DiscoveryView(Open311View):
    @extend_schema(summary="Discovery", parameters=[], responses=schema.DiscoverySerializer)
    def get(self, request: Request, format: str) -> Response:
        base = request.build_absolute_uri("/open311/v2/")
        changeset = representations.w3c(STARTED, dt.UTC)
        return respond(
            {
                "changeset": changeset,
                "contact": settings.OPEN311_CONTACT,
                "key_service": f"Ask {settings.OPEN311_CONTACT} for an api_key (see /open311/).",
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": base,
                        "changeset": changeset,
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            },
            "discovery",
        )


class ServiceListView(Open311View):
    @extend_schema(
        summary="Service list",
        parameters=[schema.JURISDICTION],
        responses=schema.ServiceSerializer(many=True),
    )
    def get(self, request: Request, format: str) -> Response:
        jurisdiction = self.jurisdiction(request)
        items = [
            representations.service_item(service)
            for service in queries.public_services(jurisdiction)
        ]
        return respond(items, "services", "service")


class ServiceDefinitionView(Open311View):
    @extend_schema(
        summary="Service definition",
        parameters=[schema.JURISDICTION],
        responses=schema.ServiceDefinitionSerializer,
    )
    def get(self, request: Request, service_code: str, format: str) -> Response:
        service = find_service(self.jurisdiction(request), service_code)
        return respond(representations.service_definition(service), "service_definition")


def find_service(jurisdiction: Jurisdiction, code: str) -> Service:
    service = (
        Service.objects.active()
        .filter(jurisdiction=jurisdiction, service_code=code)
        .prefetch_related("attributes__values")
        .first()
    )
    if service is None:
        raise not_found(f"service_code {code} was not found")
    return service


def request_items(
    rows: list[Any], jurisdiction: Jurisdiction, extensions: bool, request: Request
) -> list[dict[str, Any]]:
    """The Open311 items of rows from `queries.public_rows`."""
    zone = jurisdiction.zone
    rows = [
        row._replace(media_url=request.build_absolute_uri(row.media_url))
        if row.media_url.startswith("/")  # a photo stored here: give its full address
        else row
        for row in rows
    ]
    notes = queries.public_notes([row.pk for row in rows]) if extensions else {}
    items = []
    for row in rows:
        item = representations.request_item(row, zone)
        if extensions:
            item |= representations.extended(row, notes.get(row.pk, []), zone)
        items.append(item)
    return items


class RequestListView(Open311View):
    @extend_schema(
        summary="Service requests",
        parameters=[*schema.REQUEST_FILTERS],
        responses=schema.RequestSerializer(many=True),
    )
    def get(self, request: Request, format: str) -> Response:
        jurisdiction = self.jurisdiction(request)
        query = parse_request_query(request.query_params)
        rows = queries.page_of(jurisdiction, query)
        return respond(
            request_items(rows, jurisdiction, query.extensions, request),
            "service_requests",
            "request",
        )

    @extend_schema(
        summary="Create a service request",
        parameters=[],
        request=schema.CreateRequestForm,
        responses={
            201: schema.CreatedSerializer(many=True),
            200: schema.CreatedSerializer(many=True),
        },
    )
    def post(self, request: Request, format: str) -> Response:
        key = self.api_key(request)
        jurisdiction = self.jurisdiction(request)
        return idempotent(request, key, lambda: create_request(request, key, jurisdiction))


def attributes_from(data: Any) -> dict[str, Any]:
    """Collect `attribute[code]=v` and repeated `attribute[code][]=v` form fields."""
    answers: dict[str, Any] = {}
    for name in data:
        if not (name.startswith("attribute[") and name.endswith("]")):
            continue
        if name.endswith("[]"):
            answers[name[len("attribute[") : -3]] = [value for value in data.getlist(name) if value]
        else:
            answers[name[len("attribute[") : -1]] = data.get(name)
    return answers


def create_request(request: Request, key: ApiKey, jurisdiction: Jurisdiction) -> Response:
    data = request.data
    code = value_of(data, "service_code")
    if not code:
        raise bad_request("service_code is required")
    service = find_service(jurisdiction, code)
    photo_name, photo_error = stored_photo(request)
    media_url = value_of(data, "media_url") or ""
    if photo_name:
        media_url = default_storage.url(photo_name)
    try:
        with transaction.atomic():
            case = submit_from_form(api_actor(key), service, data, media_url)
            if photo_error:
                raise photo_error
    except ValidationError as error:
        if photo_name:
            photos.delete_photo(photo_name)
        raise from_validation_error(merged(error, photo_error)) from error
    notice = case.standard.public_wording if case.standard else ""
    created: dict[str, Any] = {"service_notice": notice, "account_id": None}
    if service.type == ServiceType.BATCH:
        token = RequestToken.objects.create(token=secrets.token_hex(16), request=case)
        created = {"token": token.token, **created}
    else:
        created = {"service_request_id": case.public_id, **created}
    return respond([created], "service_requests", "request", 201)


def api_actor(key: ApiKey) -> Actor:
    """A resident reporting through an API client; the client is named in the case log."""
    return Actor(
        kind=ActorKind.RESIDENT, label=f"open311:{key.prefix}", roles=frozenset({Role.RESIDENT})
    )


def submit_from_form(actor: Actor, service: Service, data: Any, media_url: str) -> ServiceRequest:
    """Map the Open311 POST fields onto `cases.services.submit`."""
    name = " ".join(filter(None, [value_of(data, "first_name"), value_of(data, "last_name")]))
    requester = services.RequesterDetails(
        name=name,
        email=value_of(data, "email") or "",
        phone=value_of(data, "phone") or "",
        device_id=value_of(data, "device_id") or value_of(data, "deviceid") or "",
    )
    return services.submit(
        actor,
        service=service,
        channel=Channel.API,
        description=value_of(data, "description") or "",
        attributes=attributes_from(data),
        lat=value_of(data, "lat"),
        long=value_of(data, "long"),
        address=value_of(data, "address_string") or value_of(data, "address_id") or "",
        zipcode=value_of(data, "zipcode") or "",
        requester=requester,
        media_url=media_url,
    )


def stored_photo(request: Request) -> tuple[str | None, ValidationError | None]:
    """Clean and store the `media` upload, if any; return (storage name, or the problem)."""
    upload = request.FILES.get("media")
    if upload is None:
        return None, None
    try:
        content, extension = photos.clean_photo(upload)
    except ValidationError as error:
        return None, error
    return photos.store_photo(content, extension), None


def merged(error: ValidationError, other: ValidationError | None) -> ValidationError:
    """One ValidationError with the problems of both, so all are reported at once."""
    if other is None or other is error:
        return error
    combined = (
        dict(error.message_dict) if hasattr(error, "error_dict") else {"__all__": error.messages}
    )
    combined.update(other.message_dict)
    return ValidationError(combined)


def fingerprint(request: Request) -> str:
    data = cast(QueryDict, request.data)
    fields = sorted((name, data.getlist(name)) for name in data if name != "api_key")
    return hashlib.sha256(json.dumps(fields, default=str).encode()).hexdigest()


def idempotent(request: Request, key: ApiKey, create: Any) -> Response:
    """Run `create` once per `Idempotency-Key`; a retry gets the first answer again."""
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    if not idempotency_key:
        return create()
    if len(idempotency_key) > 200:
        raise bad_request("Idempotency-Key must be at most 200 characters")
    print_ = fingerprint(request)
    try:
        with transaction.atomic():
            previous = IdempotencyRecord.objects.filter(api_key=key, key=idempotency_key).first()
            if previous is None:
                response = create()
                IdempotencyRecord.objects.create(
                    api_key=key, key=idempotency_key, fingerprint=print_,
                    status_code=response.status_code, body=response.data,
                )  # fmt: skip
                return response
    except IntegrityError:  # the same key arrived twice at once: the other one won
        previous = IdempotencyRecord.objects.get(api_key=key, key=idempotency_key)
    if previous.fingerprint != print_:
        raise bad_request("This Idempotency-Key was already used with different parameters.")
    response = respond(previous.body, "service_requests", "request", previous.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


class RequestDetailView(Open311View):
    @extend_schema(
        summary="One service request",
        parameters=[
            schema.JURISDICTION,
            schema.query("extensions", "true adds extended_attributes and notes.", bool),
        ],
        responses=schema.RequestSerializer(many=True),
    )
    def get(self, request: Request, service_request_id: str, format: str) -> Response:
        jurisdiction = self.jurisdiction(request)
        row = queries.public_row(jurisdiction, service_request_id)
        if row is None:
            raise not_found(f"service_request_id {service_request_id} was not found")
        extensions = value_of(request.query_params, "extensions") == "true"
        return respond(
            request_items([row], jurisdiction, extensions, request), "service_requests", "request"
        )


class TokenView(Open311View):
    @extend_schema(
        summary="Request id from a token",
        parameters=[schema.JURISDICTION],
        responses=schema.TokenSerializer(many=True),
    )
    def get(self, request: Request, token: str, format: str) -> Response:
        jurisdiction = self.jurisdiction(request)
        found = (
            RequestToken.objects.filter(token=token, request__jurisdiction=jurisdiction)
            .select_related("request")
            .first()
        )
        if found is None:
            raise not_found(f"token {token} was not found")
        item = {"service_request_id": found.request.public_id, "token": found.token}
        return respond([item], "service_requests", "request")


class UpdatesView(Open311View):
    """The mySociety `servicerequestupdates` extension used by FixMyStreet."""

    @extend_schema(
        summary="Updates to requests in a time window",
        parameters=[
            schema.JURISDICTION,
            schema.query(
                "start_date",
                "Start of the window (W3C datetime with zone); default a day before end_date.",
            ),
            schema.query("end_date", "End of the window; default now.", schema.DATETIME),
        ],
        responses=schema.UpdateSerializer(many=True),
    )
    def get(self, request: Request, format: str) -> Response:
        jurisdiction = self.jurisdiction(request)
        start, end = parse_update_window(request.query_params)
        with planned_for_each_call():  # a window's best plan depends on its length
            events = UPDATES(jurisdiction=jurisdiction.pk, start=start, end=end)
        if len(events) > MAX_UPDATES:
            raise bad_request(
                f"More than {MAX_UPDATES:,} updates between start_date and end_date; "
                "ask for a shorter window."
            )
        zone = jurisdiction.zone
        items = [representations.update_item(event, zone) for event in events]
        return respond(items, "service_request_updates", "request_update")

    @extend_schema(
        summary="Add a resident's update to a request",
        parameters=[],
        request=schema.CreateUpdateForm,
        responses={201: schema.UpdateCreatedSerializer(many=True)},
    )
    def post(self, request: Request, format: str) -> Response:
        key = self.api_key(request)
        jurisdiction = self.jurisdiction(request)
        return idempotent(request, key, lambda: create_update(request, key, jurisdiction))


def updates_in(
    jurisdiction: Jurisdiction | int, start: dt.datetime, end: dt.datetime
) -> QuerySet[CaseEvent, Any]:
    """The case-log events that are updates a client should see, oldest first (one more
    than MAX_UPDATES at most, so that a window that holds too many can be refused), as
    named tuples like `queries.public_rows`: only the two changes the feed reports are read
    out of each event's data."""
    return (
        CaseEvent.objects.filter(
            jurisdiction=jurisdiction,
            request__isnull=False,
            occurred_at__gte=start,
            occurred_at__lte=end,
        )
        .exclude(public_text="", action__in=representations.QUIET_ACTIONS)
        .order_by("sequence")
        .annotate(
            public_id=F("request__public_id"),
            status_after=KT("data__changes__status__1"),
            outcome_after=KT("data__changes__outcome__1"),
        )
        .values_list(
            "id",
            "action",
            "occurred_at",
            "public_text",
            "public_id",
            "status_after",
            "outcome_after",
            named=True,
        )[: MAX_UPDATES + 1]
    )


#: the feed's query, compiled to SQL once per process
UPDATES = CompiledQuery(updates_in, jurisdiction=int, start=dt.datetime, end=dt.datetime)


def create_update(request: Request, key: ApiKey, jurisdiction: Jurisdiction) -> Response:
    data = request.data
    public_id = value_of(data, "service_request_id")
    if not public_id:
        raise bad_request("service_request_id is required")
    case = ServiceRequest.objects.filter(jurisdiction=jurisdiction, public_id=public_id).first()
    if case is None:
        raise not_found(f"service_request_id {public_id} was not found")
    actor = api_actor(key)
    try:
        event = services.comment(
            actor,
            case,
            value_of(data, "description") or "",
            reported_status=value_of(data, "status") or "",
        )
    except ValidationError as error:
        raise from_validation_error(error) from error
    except CaseError as error:
        raise bad_request(str(error)) from error
    return respond([{"update_id": str(event.pk)}], "service_request_updates", "request_update", 201)


def guide(request: HttpRequest) -> HttpResponse:
    """The short human page for developers at /open311/."""
    context = {
        "base_url": request.build_absolute_uri("/open311/v2/"),
        "contact": settings.OPEN311_CONTACT,
    }
    return render(request, "open311/guide.html", context)


def unknown_resource(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other path under the endpoint, its root included: a 404 in the format the path
    asks for (XML, the specification's default, when it asks for none)."""
    where = f"There is no resource {rest} here." if rest else "Name a resource."
    body = [{"code": 404, "description": f"{where} discovery.xml describes this endpoint."}]
    if rest.endswith(".json"):
        return HttpResponse(
            json.dumps(body), status=404, content_type="application/json; charset=utf-8"
        )
    from commonweal.open311 import xml

    return HttpResponse(
        xml.render("errors", "error", body), status=404, content_type="text/xml; charset=utf-8"
    )
