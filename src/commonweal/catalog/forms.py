"""Form fields generated from a service definition, for every channel that shows a form
(the staff console's intake now, the resident portal next).

Each variable attribute becomes one field named `attribute_<code>` with the widget its
Open311 datatype calls for; information-only attributes become help text. The form checks
shapes and required marks so people see mistakes beside the field; `cases.services.submit`
still validates everything again, as it does for the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from commonweal.catalog.i18n import localized
from commonweal.catalog.models import Datatype, Service, ServiceAttribute

PREFIX = "attribute_"


class _ByLabel(ModelChoiceIterator):
    """The choices in the order of their labels (the reader's language's, not English's)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        choices = (self.choice(obj) for obj in self.queryset)
        yield from sorted(choices, key=lambda choice: str(choice[1]).casefold())


class CatalogueChoiceField(forms.ModelChoiceField):
    """Catalogue entries (departments, services) by their name in the reader's language, in
    that language's order; with `code`, the code beside it for staff who know it: "Bache
    (pothole)"."""

    iterator = _ByLabel

    def __init__(self, *args: Any, name: str, code: str | None = None, **kwargs: Any) -> None:
        self.name_field, self.code_field = name, code
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        name = localized(obj, self.name_field)
        return f"{name} ({getattr(obj, self.code_field)})" if self.code_field else name


def _field(attribute: ServiceAttribute) -> forms.Field:
    common: dict[str, Any] = {
        "label": localized(attribute, "description"),
        "required": attribute.required,
        "help_text": attribute.datatype_description,
    }
    choices = [(value.key, localized(value, "name")) for value in attribute.values.all()]
    if attribute.datatype == Datatype.NUMBER:
        return forms.DecimalField(**common)
    if attribute.datatype == Datatype.DATETIME:
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
        return forms.DateTimeField(widget=widget, **common)
    if attribute.datatype == Datatype.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if attribute.datatype == Datatype.SINGLEVALUELIST:
        # nothing is chosen until the person chooses: a required question left alone is an
        # error beside it, never the first answer in the list
        blank = _("Choose one") if attribute.required else "—"
        return forms.ChoiceField(choices=[("", blank), *choices], **common)
    if attribute.datatype == Datatype.MULTIVALUELIST:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.CharField(max_length=500, **common)


def attribute_fields(service: Service) -> dict[str, forms.Field]:
    """Return the form fields for the service's questions, in the service's order."""
    questions = service.attributes.filter(variable=True).prefetch_related("values")
    return {PREFIX + a.code: _field(a) for a in questions.order_by("order", "code")}


def information(service: Service) -> list[str]:
    """Return the service's information-only attributes (shown, not asked)."""
    notes = service.attributes.filter(variable=False).order_by("order", "code")
    return [localized(note, "description") for note in notes]


def answers(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Return the attribute answers of a cleaned form, in the shape `submit` takes."""
    result: dict[str, Any] = {}
    for name, value in cleaned.items():
        if not name.startswith(PREFIX) or value in (None, "", []):
            continue
        result[name.removeprefix(PREFIX)] = (
            value.isoformat() if hasattr(value, "isoformat") else value
        )
    return result


def field_for_error(key: str) -> str | None:
    """Return the form field a domain error key (`attribute[code]`) belongs to."""
    if key.startswith("attribute[") and key.endswith("]"):
        return PREFIX + key[len("attribute[") : -1]
    return None


def attach_domain_errors(
    form: forms.BaseForm, problems: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put each problem `submit` found beside its field (`aliases` renames domain keys to the
    form's names), or above the form."""
    for key, texts in problems.message_dict.items():
        key = (aliases or {}).get(key, key)
        name = field_for_error(key) or (key if key in form.fields else None)
        for text in texts:
            form.add_error(name, text)
