"""Serializers that document the Open311 shapes for the OpenAPI document (drf-spectacular).

Responses are built by `representations` (plain dicts, fast); the schema tests validate
every response against these descriptions, so the two cannot drift apart unnoticed.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class EndpointSerializer(serializers.Serializer):
    specification = serializers.CharField()
    url = serializers.CharField()
    changeset = serializers.CharField()
    type = serializers.ChoiceField(choices=["production", "test"])
    formats = serializers.ListField(child=serializers.CharField())


class DiscoverySerializer(serializers.Serializer):
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = EndpointSerializer(many=True)


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    metadata = serializers.BooleanField()
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField(allow_blank=True)
    group = serializers.CharField(allow_blank=True)


class ValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class AttributeSerializer(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.ChoiceField(
        choices=["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    )
    datatype_description = serializers.CharField(allow_blank=True)
    order = serializers.IntegerField(min_value=1)
    description = serializers.CharField()
    values = ValueSerializer(many=True)


# `required` is also an attribute of every DRF field, so it cannot be declared in the body.
AttributeSerializer._declared_fields["required"] = serializers.BooleanField()


class ServiceDefinitionSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = AttributeSerializer(many=True)


class ExtendedAttributesSerializer(serializers.Serializer):
    detailed_status = serializers.ChoiceField(
        choices=["RECEIVED", "IN_PROCESS", "PROCESSED", "REJECTED"]
    )
    channel = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)
    media_urls = serializers.ListField(child=serializers.CharField())


class NoteSerializer(serializers.Serializer):
    datetime = serializers.CharField()
    description = serializers.CharField()
    type = serializers.CharField()


class RequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_blank=True)
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(allow_blank=True, max_length=4000)
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField(allow_blank=True)
    requested_datetime = serializers.CharField()
    updated_datetime = serializers.CharField()
    expected_datetime = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_blank=True)
    address_id = serializers.CharField(allow_blank=True)
    zipcode = serializers.CharField(allow_blank=True)
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)
    media_url = serializers.CharField(allow_blank=True)
    extended_attributes = ExtendedAttributesSerializer(required=False)
    notes = NoteSerializer(many=True, required=False)


class CreatedSerializer(serializers.Serializer):
    service_request_id = serializers.CharField(required=False)
    token = serializers.CharField(required=False)
    service_notice = serializers.CharField(allow_blank=True)
    account_id = serializers.CharField(allow_null=True)


class CreateRequestForm(serializers.Serializer):
    api_key = serializers.CharField()
    service_code = serializers.CharField()
    lat = serializers.FloatField(required=False)
    long = serializers.FloatField(required=False)
    address_string = serializers.CharField(required=False)
    address_id = serializers.CharField(required=False)
    description = serializers.CharField(required=False, max_length=4000)
    email = serializers.EmailField(required=False)
    first_name = serializers.CharField(required=False)
    last_name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    device_id = serializers.CharField(required=False)
    media_url = serializers.URLField(required=False)
    media = serializers.ImageField(required=False)


class CreateUpdateForm(serializers.Serializer):
    api_key = serializers.CharField()
    service_request_id = serializers.CharField()
    description = serializers.CharField(max_length=4000)
    status = serializers.CharField(required=False)
    updated_datetime = serializers.CharField(required=False)


class TokenSerializer(serializers.Serializer):
    service_request_id = serializers.CharField(allow_null=True)
    token = serializers.CharField()


class UpdateSerializer(serializers.Serializer):
    update_id = serializers.CharField()
    service_request_id = serializers.CharField()
    status = serializers.CharField()
    updated_datetime = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    media_url = serializers.CharField(allow_blank=True)


class UpdateCreatedSerializer(serializers.Serializer):
    update_id = serializers.CharField()


def query(name: str, description: str, type_: Any = str) -> OpenApiParameter:
    """A query parameter; `type_` is a Python type or a raw JSON-schema dict."""
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description)


DATETIME = {"type": "string", "format": "date-time"}
JURISDICTION = query("jurisdiction_id", "Needed only when several jurisdictions are served.")
REQUEST_FILTERS = [
    JURISDICTION,
    query("service_request_id", "Comma-separated ids; overrides every other filter."),
    query("service_code", "Comma-separated service codes."),
    query("start_date", "Earliest requested_datetime (W3C datetime with zone).", DATETIME),
    query("end_date", "Latest requested_datetime; at most 90 days after start_date.", DATETIME),
    query(
        "status",
        "open, closed or both, comma-separated.",
        {"type": "string", "enum": ["open", "closed", "open,closed"]},
    ),
    query(
        "detailed_status",
        "Comma-separated CitySDK statuses.",
        {"type": "string", "enum": ["RECEIVED", "IN_PROCESS", "PROCESSED", "REJECTED"]},
    ),
    query("updated_after", "Only requests changed after this time.", DATETIME),
    query("updated_before", "Only requests changed before this time.", DATETIME),
    query(
        "lat",
        "With long and radius: requests near a point.",
        {"type": "number", "minimum": -90, "maximum": 90},
    ),
    query("long", "With lat and radius.", {"type": "number", "minimum": -180, "maximum": 180}),
    query(
        "radius", "Metres, with lat and long.", {"type": "number", "minimum": 1, "maximum": 50000}
    ),
    query("bbox", "minLng,minLat,maxLng,maxLat"),
    query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 1000000}),
    query(
        "page_size",
        "Results per page, at most 1,000.",
        {"type": "integer", "minimum": 1, "maximum": 1000},
    ),
    query("extensions", "true adds extended_attributes and notes.", bool),
]

ERROR_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
ERROR_STATUSES = {
    "400": "Invalid parameters: one error per problem.",
    "403": "A valid api_key is required (POST only).",
    "404": "No such resource, service, request, token or jurisdiction.",
    "415": "The body is not form-encoded or valid multipart (POST only).",
    "429": "Too many POSTs; see Retry-After.",
}
POST_ONLY_STATUSES = {"403", "415"}
MEDIA_TYPE = {".json": "application/json", ".xml": "text/xml"}


def one_format_per_path(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing: each `.json`/`.xml` path answers in its own media
    type only, and documents the Open311 error answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Open311Errors"] = ERROR_LIST
    for route, operations in result.get("paths", {}).items():
        media = MEDIA_TYPE[route[route.rfind(".") :]]
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                response["content"] = {media: content[media]} if media in content else content
            for status, text in ERROR_STATUSES.items():
                if (
                    status in POST_ONLY_STATUSES
                    and "requestBody" not in operation
                    and "post" not in str(operation.get("operationId"))
                ):
                    continue
                operation["responses"].setdefault(
                    status,
                    {
                        "description": text,
                        "content": {
                            media: {"schema": {"$ref": "#/components/schemas/Open311Errors"}}
                        },
                    },
                )
    return result
