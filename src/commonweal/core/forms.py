"""Form helpers every audience shares: USWDS classes on Django's widgets.

File inputs keep the browser's own control: USWDS's enhanced one writes its instructions
("Drag file here or choose from folder") in English only, whatever the page's language."""

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
    forms.CheckboxInput: "usa-checkbox__input",
}


def style(form: forms.BaseForm) -> None:
    """Give each widget its USWDS class (the templates render fields one by one)."""
    for bound in form:
        css = USWDS_CLASSES.get(type(bound.field.widget))
        if css:
            bound.field.widget.attrs.setdefault("class", css)
