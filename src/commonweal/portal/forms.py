"""The report form: the service's own questions, the place (map, address or district), an
optional photo and optional contact details."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commonweal.catalog.forms import CatalogueChoiceField, attribute_fields
from commonweal.catalog.models import Department, District, Service
from commonweal.core.forms import style
from commonweal.feedback.models import ComplaintKind, SurveySettings, SurveyVariant
from commonweal.feedback.surveys import A11_2023_DRIVERS, A11_QUESTIONS

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class ReportForm(forms.Form):
    description = forms.CharField(
        label=_("What is the problem?"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Please do not include names or phone numbers here: this text may be public."),
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, help_text=_("Filled in when you click the map.")
    )
    long = forms.FloatField(
        label=_("Longitude"), required=False, help_text=_("Filled in when you click the map.")
    )
    address = forms.CharField(
        label=_("Address or nearest street corner"), required=False, max_length=300
    )
    district = forms.ModelChoiceField(
        queryset=District.objects.none(),
        required=False,
        empty_label=_("No area chosen"),
        label=_("Or choose the area"),
        help_text=_("If you cannot use the map or give an address."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 10 MB. We remove location and camera data."),
    )
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=200)
    email = forms.EmailField(
        label=_("Your email (optional)"),
        required=False,
        help_text=_("To receive updates. We never publish it."),
    )
    phone = forms.CharField(label=_("Your phone (optional)"), required=False, max_length=40)
    # Left empty by people (it is hidden from them); filled by form-filling robots.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        self.service = service
        super().__init__(*args, **kwargs)
        self.fields.update(attribute_fields(service))
        self.fields["district"].queryset = District.objects.filter(  # type: ignore[attr-defined]
            jurisdiction_id=service.jurisdiction_id
        ).order_by("kind", "name")
        style(self)

    def question_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("attribute_")]

    def place_fields(self) -> list[Any]:
        return [self[name] for name in ("address", "district", "lat", "long")]

    def contact_fields(self) -> list[Any]:
        return [self[name] for name in ("name", "email", "phone")]


class TrackForm(forms.Form):
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=16)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class AppealForm(forms.Form):
    email = forms.EmailField(
        label=_("The email address you reported with"),
        help_text=_("So that only the person who reported can appeal."),
    )
    grounds = forms.CharField(
        label=_("Why should the decision be reviewed?"), widget=TEXTAREA, max_length=4000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


YES_NO = [("1", _("Yes")), ("0", _("No"))]
SCALE = [
    ("5", _("Strongly agree")),
    ("4", _("Agree")),
    ("3", _("Neither agree nor disagree")),
    ("2", _("Disagree")),
    ("1", _("Strongly disagree")),
]


class SurveyForm(forms.Form):
    """The jurisdiction's A-11 survey (classic or revised) plus its added statements, every
    question optional, then free text and "it is not fixed"."""

    comment = forms.CharField(
        label=_("Anything else you want to tell us?"),
        required=False,
        widget=TEXTAREA,
        max_length=4000,
    )
    not_fixed = forms.BooleanField(label=_("The problem is not fixed"), required=False)

    def __init__(self, *args: Any, survey: SurveySettings, **kwargs: Any) -> None:
        self.survey = survey
        super().__init__(*args, **kwargs)
        self.questions: list[str] = []
        if survey.variant == SurveyVariant.A11_2023:
            self._ask("trust", _("This interaction increased my trust in the city."), YES_NO)
            drivers = list(A11_2023_DRIVERS.items())
            self._tick("well", _("What went well?"), drivers)
            self._tick("not_well", _("What did not go well?"), drivers)
        else:
            for driver, statement in A11_QUESTIONS.items():
                self._ask(driver, statement, SCALE)
        language = get_language() or "en"
        for extra in survey.extra_questions:
            label = extra.get(language[:2]) or extra.get("en") or extra["code"]
            self._ask(f"extra_{extra['code']}", label, SCALE)

    def _ask(self, name: str, label: Any, choices: list[tuple[str, Any]]) -> None:
        self.fields[name] = forms.ChoiceField(
            label=label, choices=choices, required=False, widget=forms.RadioSelect
        )
        self.questions.append(name)

    def _tick(self, name: str, label: Any, choices: list[tuple[str, Any]]) -> None:
        self.fields[name] = forms.MultipleChoiceField(
            label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
        )
        self.questions.append(name)

    def question_fields(self) -> list[tuple[Any, str]]:
        """Return each question with how it is answered: "radio" or "checkbox"."""
        kinds = {forms.RadioSelect: "radio", forms.CheckboxSelectMultiple: "checkbox"}
        return [(self[name], kinds[type(self.fields[name].widget)]) for name in self.questions]

    def answers(self) -> dict[str, int]:
        """Code the answers as A-11 exports do: 1-5 per statement; 1 ticked, 0 offered."""
        data, coded = self.cleaned_data, dict[str, int]()
        for name in self.questions:
            value = data.get(name)
            if isinstance(self.fields[name], forms.MultipleChoiceField):
                offered = [key for key, _label in self.fields[name].choices]  # type: ignore[attr-defined]
                coded |= {f"{name}_{key}": int(key in (value or [])) for key in offered}
            elif value:
                coded[name] = int(value)
        return coded


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Is this a complaint or a compliment?"),
        choices=ComplaintKind.choices,
        widget=forms.RadioSelect,
    )
    department = CatalogueChoiceField(
        Department.objects.all(),
        name="name",
        empty_label="—",
        label=_("Which department is it about?"),
    )
    text = forms.CharField(
        label=_("What happened?"), widget=TEXTAREA, max_length=4000, required=False
    )  # checked in `complaints.lodge` with the tracking number, so both show at once
    tracking = forms.CharField(
        label=_("Tracking number of a report it concerns (optional)"), required=False, max_length=16
    )
    email = forms.EmailField(
        label=_("Your email, for our answer (optional)"),
        required=False,
        help_text=_("Used only to answer you; never published."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Your email"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)
