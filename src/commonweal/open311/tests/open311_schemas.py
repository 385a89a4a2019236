"""JSON Schemas written from the GeoReport v2 specification (not from our code), used to
check every JSON answer: ids and codes are strings, booleans are booleans, times carry a
zone, lists are top-level arrays."""

W3C = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$"
STRING = {"type": "string"}
TIME = {"type": "string", "pattern": W3C}
NULLABLE_TIME = {"anyOf": [TIME, {"type": "null"}]}
COORDINATE = {"type": ["number", "null"]}

SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": STRING,
        "service_name": STRING,
        "description": STRING,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": STRING,
        "group": STRING,
    },
}
SERVICES = {"type": "array", "items": SERVICE}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": STRING,
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": STRING,
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": STRING,
                    "order": {"type": "integer", "minimum": 1},
                    "description": STRING,
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "name"],
                            "properties": {"key": STRING, "name": STRING},
                        },
                    },
                },
            },
        },
    },
}

REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": STRING,
        "status": {"enum": ["open", "closed"]},
        "status_notes": STRING,
        "service_name": STRING,
        "service_code": STRING,
        "description": {"type": "string", "maxLength": 4000},
        "agency_responsible": STRING,
        "service_notice": STRING,
        "requested_datetime": TIME,
        "updated_datetime": NULLABLE_TIME,
        "expected_datetime": NULLABLE_TIME,
        "address": STRING,
        "address_id": STRING,
        "zipcode": STRING,
        "lat": COORDINATE,
        "long": COORDINATE,
        "media_url": STRING,
    },
    "not": {
        "anyOf": [
            {"required": [name]}
            for name in ("email", "first_name", "last_name", "phone", "device_id", "name")
        ]
    },
}
REQUESTS = {"type": "array", "items": REQUEST}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": STRING},
        "additionalProperties": False,
    },
}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": TIME,
        "endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                    "url": {"type": "string", "pattern": "/$"},
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "items": {"enum": ["text/xml", "application/json"]},
                    },
                },
            },
        },
    },
}

CREATED = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "properties": {"service_request_id": STRING, "token": STRING, "service_notice": STRING},
    },
}

UPDATES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
        ],
        "properties": {
            "update_id": STRING,
            "service_request_id": STRING,
            "status": {"type": "string", "pattern": "^[a-z_]+$"},
            "updated_datetime": TIME,
            "description": STRING,
        },
    },
}
