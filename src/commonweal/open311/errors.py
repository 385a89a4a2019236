"""Open311 errors: an HTTP status and one `{code, description}` per problem, all at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError


class Open311Error(Exception):
    """A client error answered in the Open311 error format."""

    def __init__(self, status: int, problems: Iterable[str]) -> None:
        self.status = status
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))

    def body(self) -> list[dict[str, object]]:
        return [{"code": self.status, "description": problem} for problem in self.problems]


def bad_request(*problems: str) -> Open311Error:
    return Open311Error(400, problems)


def not_found(what: str) -> Open311Error:
    return Open311Error(404, [what])


def forbidden(why: str) -> Open311Error:
    return Open311Error(403, [why])


#: domain field names -> the Open311 parameter a client sent
FIELD_NAMES = {
    "address": "address_string",
    "email": "email",
    "name": "first_name",
    "phone": "phone",
    "device_id": "device_id",
    "location": "lat",
}


def from_validation_error(error: ValidationError) -> Open311Error:
    """Turn the domain's ValidationError into one Open311 error per field."""
    if not hasattr(error, "error_dict"):
        return bad_request(*error.messages)
    problems: list[str] = []
    for field, messages in error.message_dict.items():
        name = FIELD_NAMES.get(field, field)
        problems.extend(f"{name}: {message}" for message in messages)
    return bad_request(*problems)
