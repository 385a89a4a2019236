"""The console's forms: one per act, each carrying the version of the request it was drawn
from, so a stale form is refused with a clear message instead of overwriting a colleague."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from commonweal.cases.models import (
    Action,
    Channel,
    DelegatedAuthority,
    Outcome,
    ServiceRequest,
    Status,
)
from commonweal.catalog.forms import CatalogueChoiceField, attribute_fields
from commonweal.catalog.models import Department, District, Priority, Service, Team
from commonweal.core.forms import style

CLOSING_OUTCOMES = [
    (value, label) for value, label in Outcome.choices if value != Outcome.DUPLICATE
]
TEXTAREA = forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"})


#: what an unchosen person or team reads as in the assignment forms (not Django's dashes)
NO_ONE, NO_TEAM = _("No one chosen"), _("No team chosen")


def department_field(**kwargs: Any) -> CatalogueChoiceField:
    kwargs.setdefault("empty_label", _("Choose one"))
    return CatalogueChoiceField(
        Department.objects.none(), name="name", code="code", label=_("Department"), **kwargs
    )


def service_field(**kwargs: Any) -> CatalogueChoiceField:
    kwargs.setdefault("empty_label", _("Choose one"))
    return CatalogueChoiceField(
        Service.objects.none(),
        name="service_name",
        code="service_code",
        label=_("Service"),
        **kwargs,
    )


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class ActForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: ServiceRequest, **kwargs: Any) -> None:
        self.case = case
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)


def public_text_field(required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=_("Message to the resident (public)"), required=required, widget=TEXTAREA
    )


def reason_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Reason (kept in the case log)"), required=required, widget=TEXTAREA
    )


def department_staff(case: ServiceRequest) -> Any:
    return User.objects.filter(
        is_active=True, staff_profile__department_id=case.department_id
    ).order_by("username")


class AcknowledgeForm(ActForm):
    public_text = public_text_field()


class AssignForm(ActForm):
    """Assign to a person or to a team of the department (exactly one)."""

    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label=_("Assign to a person"),
        empty_label=NO_ONE,
    )  # fmt: skip
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label=_("or to a team"), empty_label=NO_TEAM
    )

    def __init__(self, *args: Any, case: ServiceRequest, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["assignee"].queryset = department_staff(case)  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            department_id=case.department_id, active=True
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("assignee")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose a person or a team, not both."))
        return data


class StartWorkForm(ActForm):
    public_text = public_text_field()


class HoldForm(ActForm):
    reason = reason_field()


class TransferForm(ActForm):
    department = department_field()
    reason = reason_field()

    def __init__(self, *args: Any, case: ServiceRequest, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        others = Department.objects.filter(jurisdiction_id=case.jurisdiction_id).exclude(
            pk=case.department_id
        )
        self.fields["department"].queryset = others  # type: ignore[attr-defined]


class PriorityForm(ActForm):
    priority = forms.ChoiceField(choices=Priority.choices, label=_("New priority"))
    reason = reason_field()


class ExtendForm(ActForm):
    days = forms.IntegerField(min_value=1, max_value=365, label=_("Extend by (days)"))
    reason = reason_field()
    public_text = public_text_field()


class NoteForm(ActForm):
    text = forms.CharField(label=_("Internal note (staff only)"), widget=TEXTAREA)


class UpdateForm(ActForm):
    text = forms.CharField(
        label=_("Public update (the resident and the public see it)"), widget=TEXTAREA
    )


class DuplicateForm(ActForm):
    parent = forms.CharField(label=_("Tracking number of the earlier request"), max_length=16)
    public_text = public_text_field()

    def clean_parent(self) -> ServiceRequest:
        public_id = self.cleaned_data["parent"].strip()
        parent = ServiceRequest.objects.filter(
            public_id=public_id, jurisdiction_id=self.case.jurisdiction_id
        ).first()
        if parent is None:
            raise forms.ValidationError(_("No request with this tracking number."))
        return parent


class CloseForm(ActForm):
    outcome = forms.ChoiceField(choices=CLOSING_OUTCOMES, label=_("Outcome"))
    public_text = public_text_field(required=True)
    reason = reason_field(required=False)


class ReopenForm(ActForm):
    reason = reason_field()


class ProposalReasonForm(StyledForm):
    reason = forms.CharField(label=_("Why this is needed (for the approver)"), widget=TEXTAREA)


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reasons for the decision"), widget=TEXTAREA)


class AppealDecisionForm(StyledForm):
    decision = forms.ChoiceField(
        choices=[("uphold", _("Uphold the decision")), ("overturn", _("Overturn it and reopen"))]
    )
    reasons = forms.CharField(label=_("Reasons (the resident reads them)"), widget=TEXTAREA)


FLAG_CHOICES = [("", _("Any")), ("at_risk", _("At risk")), ("overdue", _("Overdue"))]
SORT_CHOICES = [
    ("due", _("Due soonest")),
    ("-requested", _("Newest first")),
    ("requested", _("Oldest first")),
]


def blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class QueueFilterForm(StyledForm):
    """The queue's filters; an unknown value is an error shown beside the field."""

    mine = forms.BooleanField(
        required=False, label=_("Only mine (assigned to me, or unclaimed in my teams)")
    )
    department = department_field(required=False, empty_label=_("Any"))
    status = forms.ChoiceField(
        choices=blank([("open", _("Open (any)")), *Status.choices]),
        required=False,
        label=_("Status"),
    )
    service = service_field(required=False, empty_label=_("Any"))
    district = forms.ModelChoiceField(
        queryset=District.objects.none(), required=False, label=_("District"), empty_label=_("Any")
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label=_("Team"), empty_label=_("Any")
    )
    priority = forms.ChoiceField(
        choices=blank(Priority.choices), required=False, label=_("Priority")
    )
    channel = forms.ChoiceField(choices=blank(Channel.choices), required=False, label=_("Channel"))
    flag = forms.ChoiceField(choices=FLAG_CHOICES, required=False, label=_("Time"))
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label=_("Sort"))

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["service"].queryset = Service.objects.filter(  # type: ignore[attr-defined]
            department__in=departments
        )
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            department__in=departments
        ).order_by("name")
        self.fields["district"].queryset = (  # type: ignore[attr-defined]
            District.objects.filter(
                jurisdiction__departments__in=departments, kind=F("jurisdiction__district_kind")
            )
            .distinct()
            .order_by("name")
        )


class BulkForm(StyledForm):
    operation = forms.ChoiceField(
        choices=[("assign", _("Assign")), ("close", _("Close"))],
        label=_("Do this to the selected requests"),
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label=_("Assign to"), empty_label=NO_ONE
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label=_("or to a team"), empty_label=NO_TEAM
    )
    outcome = forms.ChoiceField(choices=blank(CLOSING_OUTCOMES), required=False, label=_("Outcome"))
    public_text = public_text_field()

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, staff_profile__department__in=departments
        ).order_by("username")
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            department__in=departments, active=True
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("operation") == "assign" and not (data.get("assignee") or data.get("team")):
            self.add_error("assignee", _("Choose who gets the requests."))
        if data.get("operation") == "close":
            if not data.get("outcome"):
                self.add_error("outcome", _("Choose an outcome."))
            if not (data.get("public_text") or "").strip():
                self.add_error("public_text", _("Explain the outcome to the residents."))
        return data


ACTION_FORMS: dict[str, type[ActForm]] = {
    Action.ACKNOWLEDGE: AcknowledgeForm,
    Action.ASSIGN: AssignForm,
    Action.START_WORK: StartWorkForm,
    Action.PUT_ON_HOLD: HoldForm,
    Action.TRANSFER: TransferForm,
    Action.CHANGE_PRIORITY: PriorityForm,
    Action.EXTEND_DUE: ExtendForm,
    Action.ADD_NOTE: NoteForm,
    Action.PUBLISH_UPDATE: UpdateForm,
    Action.MARK_DUPLICATE: DuplicateForm,
    Action.CLOSE: CloseForm,
    Action.REOPEN: ReopenForm,
}


class RuleForm(forms.ModelForm[DelegatedAuthority]):
    """One line of the authority matrix, with why it is being changed (kept in the log)."""

    allowed_outcomes = forms.MultipleChoiceField(
        choices=Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Outcomes allowed when closing (none ticked: any)"),
    )
    change_reason = forms.CharField(
        label=_("Why this change (kept in the case log)"), widget=TEXTAREA
    )

    class Meta:
        model = DelegatedAuthority
        fields = [
            "code",
            "role",
            "action",
            "scope",
            "departments",
            "services",
            "max_extension_days",
            "allowed_outcomes",
            "description",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


STAFF_CHANNELS = [
    (value, label)
    for value, label in Channel.choices
    if value in (Channel.PHONE, Channel.COUNTER, Channel.EMAIL, Channel.OTHER)
]


class ServiceChoiceForm(StyledForm):
    service = service_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.active()  # type: ignore[attr-defined]


class IntakeForm(StyledForm):
    """A request taken by staff (phone, counter, email) with the service's own questions."""

    channel = forms.ChoiceField(choices=STAFF_CHANNELS, label=_("How the resident reached us"))
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    lat = forms.FloatField(label=_("Latitude"), required=False)
    long = forms.FloatField(label=_("Longitude"), required=False)
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))
    name = forms.CharField(label=_("Resident's name"), required=False, max_length=200)
    email = forms.EmailField(label=_("Resident's email"), required=False)
    phone = forms.CharField(label=_("Resident's phone"), required=False, max_length=40)
    language = forms.ChoiceField(
        choices=[("en", _("English")), ("es", _("Spanish"))], label=_("Resident's language")
    )

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        self.service = service
        super().__init__(*args, **kwargs)
        self.fields.update(attribute_fields(service))
        style(self)

    def attribute_bound_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("attribute_")]

    def base_bound_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith("attribute_")]
