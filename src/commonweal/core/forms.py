"""Form helpers every audience shares: USWDS classes on Django's widgets."""

from __future__ import annotations

from django import forms

USWDS_CLASSES: dict[type[forms.Widget], str] = {
    forms.Select: "usa-select",
    forms.Textarea: "usa-textarea",
    forms.TextInput: "usa-input",
    forms.NumberInput: "usa-input",
    forms.EmailInput: "usa-input",
    forms.DateInput: "usa-input",
    forms.DateTimeInput: "usa-input",
    forms.ClearableFileInput: "usa-file-input",
    forms.CheckboxInput: "usa-checkbox__input",
}


def style(form: forms.BaseForm) -> None:
    """Give each widget its USWDS class (the templates render fields one by one)."""
    for bound in form:
        css = USWDS_CLASSES.get(type(bound.field.widget))
        if css:
            bound.field.widget.attrs.setdefault("class", css)
