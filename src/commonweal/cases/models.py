"""Service requests, the people behind them, and the append-only case log."""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from commonweal.catalog.models import (
    Department,
    District,
    Jurisdiction,
    Priority,
    Service,
    ServiceStandard,
    Team,
    code_validator,
)


class Role(models.TextChoices):
    """The roles of DESIGN.md; staff hold them as Django groups of the same name."""

    RESIDENT = "resident", _("Resident")
    AGENT = "agent", _("Front-line agent")
    FIELD_WORKER = "field_worker", _("Field worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    ANALYST = "analyst", _("Performance analyst")
    OFFICIAL = "official", _("Elected official / oversight")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    SYSTEM = "system", _("System (worker, imports)")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD}
)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    DUPLICATE = "duplicate", _("Duplicate of another request")
    NO_ACTION_NEEDED = "no_action_needed", _("No action needed")
    REFERRED = "referred", _("Referred to another agency")
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility", _("Not our responsibility")
    CANNOT_LOCATE = "cannot_locate", _("Could not locate the problem")
    WITHDRAWN = "withdrawn", _("Withdrawn by the resident")


RESOLVING_OUTCOMES = frozenset({Outcome.RESOLVED})


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    PHONE = "phone", _("Phone")
    APP = "app", _("Mobile app")
    API = "api", _("Open311 API")
    COUNTER = "counter", _("Counter")
    EMAIL = "email", _("Email")
    OTHER = "other", _("Other or unknown")


class StaffProfile(models.Model):
    """Where a staff member works: the department their delegated authority is scoped to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )

    class Meta:
        verbose_name = _("staff profile")

    def __str__(self) -> str:
        return f"{self.user} — {self.department or _('no department')}"


class Requester(models.Model):
    """A resident's contact details, kept apart from the request so public code cannot reach
    them. Nothing serialises this model by default; only staff roles allowed to see personal
    data read it."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    device_id = models.CharField(_("device id"), max_length=200, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Emails put this language first; the other follows."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("requester")

    def __str__(self) -> str:
        # Deliberately shows no personal data: this string can end up in logs.
        return f"Requester #{self.pk}"


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def open(self) -> ServiceRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def closed(self) -> ServiceRequestQuerySet:
        return self.filter(status=Status.CLOSED)

    def overdue(self, now: dt.datetime | None = None) -> ServiceRequestQuerySet:
        return self.open().filter(resolve_due__lt=now or timezone.now())

    def at_risk(self, now: dt.datetime | None = None) -> ServiceRequestQuerySet:
        """Open requests past their first escalation point but not yet overdue."""
        now = now or timezone.now()
        return self.open().filter(escalation_level__gte=1, resolve_due__gte=now)

    def escalation_due(self, now: dt.datetime) -> ServiceRequestQuerySet:
        """Open requests whose next escalation point has passed, or was never computed."""
        return (
            self.open()
            .filter(resolve_due__isnull=False)
            .filter(
                models.Q(next_escalation_at__lte=now)
                | models.Q(next_escalation_at__isnull=True, escalation_level=0)
            )
        )


class ServiceRequest(models.Model):
    """One request from a resident. Its state changes only through `cases.services`."""

    # Unique through Meta.constraints: `unique=True` would add a second index for LIKE
    # searches on PostgreSQL, which nothing makes and every insert paid for.
    public_id = models.CharField(_("service request id"), max_length=16)
    # The foreign keys that lead a composite index (Meta.indexes) get no index of their own:
    # every lookup by them can use the composite one, and each index costs every insert. The
    # foreign keys that are mostly empty (requester, team, standard, duplicate of) are
    # indexed only where they are set (Meta.indexes): a lookup by one of them names a value,
    # and an imported or anonymous request then adds nothing to those indexes.
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        db_index=False,
    )
    requester = models.ForeignKey(
        Requester,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        db_index=False,
    )
    attributes = models.JSONField(_("attribute values"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    long = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    zipcode = models.CharField(_("zip code"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("A team the request is assigned to; a member picks it up."),
        db_index=False,
    )
    standard = models.ForeignKey(
        ServiceStandard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    requested_at = models.DateTimeField(_("requested at"))
    updated_at = models.DateTimeField(_("updated at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledge_due = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    media_url = models.URLField(_("photo or media address"), max_length=500, blank=True)
    status_notes = models.TextField(
        _("latest public note"),
        blank=True,
        help_text=_("The latest public text of the case log, kept here for fast public lists."),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,
    )
    version = models.PositiveIntegerField(
        default=1, help_text=_("Raised by every change; a stale form is refused, not merged.")
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"),
        default=0,
        help_text=_("0 none, 1 assignee warned, 2 supervisor, 3 department head."),
    )
    next_escalation_at = models.DateTimeField(
        _("next escalation at"),
        null=True,
        blank=True,
        help_text=_("When the worker next looks at this request; empty when nothing is due."),
    )
    source = models.CharField(
        _("imported from"), max_length=40, blank=True, help_text=_("Empty for requests made here.")
    )
    source_id = models.CharField(_("id in the source"), max_length=100, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="one_request_per_public_id"),
            # Closing is a change: a request is updated when it closes, or later.
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True)
                | models.Q(updated_at__gte=models.F("closed_at")),
                name="updated_at_not_before_closed_at",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "source", "source_id"],
                condition=~models.Q(source=""),
                name="one_request_per_source_id",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "resolve_due"]),
            models.Index(fields=["jurisdiction", "requested_at", "id"]),
            models.Index(fields=["service", "requested_at", "id"]),
            models.Index(fields=["service", "status", "requested_at", "id"]),
            models.Index(fields=["district", "requested_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(
                fields=["assignee", "status"],
                condition=models.Q(assignee__isnull=False),
                name="assigned_by_assignee",
            ),
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"requests_by_{name}",
                )
                for name in ("requester", "team", "standard", "duplicate_of")
            ),
            # The escalation worker only looks at open requests (`escalation_due`).
            models.Index(
                fields=["next_escalation_at"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="open_by_next_escalation",
            ),
            # The staff queue: a department's open requests, soonest due first (read in
            # index order and stopped after one page, instead of sorting the backlog).
            models.Index(
                fields=["department", "resolve_due", "id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="open_by_department_and_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.service.service_code} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        """Open311 knows only `open` and `closed`."""
        return "open" if self.is_open else "closed"

    def standard_met(self) -> bool | None:
        """Whether the request was closed with a resolving outcome by its due time."""
        if self.is_open or self.resolve_due is None or self.closed_at is None:
            return None
        return self.outcome in RESOLVING_OUTCOMES and self.closed_at <= self.resolve_due


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an event of the case log."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise AppendOnlyError("The case log is append-only: events cannot be changed or deleted.")


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse
    update_or_create = _refuse


class ActorKind(models.TextChoices):
    USER = "user", _("Staff member")
    RESIDENT = "resident", _("Resident")
    SYSTEM = "system", _("System")


#: what the system's jobs (`Actor.system(name)`) read as on a staff timeline
SYSTEM_JOBS = {
    "escalation": _("escalation"),
    "import": _("import"),
    "survey": _("survey"),
    "worker": _("background work"),
}

#: what each case-log action code reads as on a staff timeline
EVENT_LABELS = {
    "case.created": _("Reported"),
    "case.imported": _("Imported"),
    "case.acknowledged": _("Acknowledged"),
    "case.assigned": _("Assigned"),
    "case.work_started": _("Work started"),
    "case.put_on_hold": pgettext_lazy("what happened", "Put on hold"),
    "case.transferred": _("Transferred"),
    "case.reprioritised": _("Priority changed"),
    "case.due_extended": _("Due date extended"),
    "case.note_added": _("Internal note"),
    "case.update_published": _("Update published"),
    "case.resident_commented": _("Resident commented"),
    "case.merged_as_duplicate": _("Marked as duplicate"),
    "case.closed": _("Closed"),
    "case.reopened": _("Reopened"),
    "case.escalated": _("Escalated"),
    "case.contact_viewed": _("Contact details viewed"),
    "proposal.submitted": _("Approval asked for"),
    "proposal.decided": _("Approval decided"),
    "appeal.submitted": _("Appeal made"),
    "appeal.decided": _("Appeal decided"),
}


class CaseEvent(models.Model):
    """One entry of the case log: what happened, to which request, who did it, under which rule.

    `hash` is the SHA-256 of `prev_hash` followed by the canonical JSON of the event
    (`commonweal.cases.log.canonical_event`); the events of a jurisdiction form one chain,
    in `sequence` order.
    """

    # Indexed as the first column of `one_event_per_sequence` and of (request, sequence).
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sequence = models.BigIntegerField()
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    action = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    # indexed only where set (Meta.indexes): the system's and residents' events have none
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices)
    rule_code = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    public_text = models.TextField(blank=True)
    internal_text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        ordering = ["jurisdiction", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "sequence"], name="one_event_per_sequence"
            )
        ]
        indexes = [
            models.Index(fields=["request", "sequence"]),
            models.Index(fields=["occurred_at"]),
            models.Index(
                fields=["actor_user"],
                condition=models.Q(actor_user__isnull=False),
                name="events_by_actor_user",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} at {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()

    @property
    def label(self) -> str:
        """What happened, in words (the action code itself when it has none)."""
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def actor_text(self) -> str:
        """Who did it, in words: a member of staff by their user name, a resident and the
        system in the reader's language (the log keeps "resident" and "system:escalation")."""
        if self.actor_kind == ActorKind.RESIDENT:
            return str(_("the resident"))
        if self.actor_kind == ActorKind.SYSTEM:
            job = self.actor_label.removeprefix("system:")
            if not job:
                return str(_("the system"))
            return str(_("the system (%(job)s)") % {"job": SYSTEM_JOBS.get(job, job)})
        return self.actor_label


class LogHead(models.Model):
    """The last sequence number and hash of a jurisdiction's chain.

    Appending locks this row, so events are chained one at a time; `verify_log` also
    compares the chain's end with it, which reveals events cut off the end of the log.
    """

    jurisdiction = models.OneToOneField(
        Jurisdiction, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} at #{self.sequence}"


class Action(models.TextChoices):
    """What a person may do to a request; each one is a function in `cases.services`."""

    SUBMIT = "submit", _("Submit a request")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    ASSIGN = "assign", _("Assign")
    START_WORK = "start_work", _("Start work")
    PUT_ON_HOLD = "put_on_hold", _("Put on hold")
    TRANSFER = "transfer", _("Transfer to another department")
    CHANGE_PRIORITY = "change_priority", _("Change priority")
    EXTEND_DUE = "extend_due", _("Extend the due date")
    ADD_NOTE = "add_note", _("Add an internal note")
    PUBLISH_UPDATE = "publish_update", _("Publish an update to the resident")
    COMMENT = "comment", _("Comment as the resident")
    MARK_DUPLICATE = "mark_duplicate", _("Mark as duplicate")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    PROPOSE = "propose", _("Propose an act beyond one's own authority")
    DECIDE_PROPOSAL = "decide_proposal", _("Approve or reject a proposal")
    ESCALATE = "escalate", _("Escalate a request at risk of missing its standard")
    VIEW_CONTACT = "view_contact", _("See the resident's contact details")
    APPEAL = "appeal", _("Appeal a closure")
    DECIDE_APPEAL = "decide_appeal", _("Decide an appeal")


class Scope(models.TextChoices):
    ANY = "any", _("Any request")
    OWN_DEPARTMENT = "own_department", _("Requests of the person's own department")
    ASSIGNED_TO_SELF = "assigned_to_self", _("Requests assigned to the person")


class DelegatedAuthority(models.Model):
    """One line of the delegated-authority matrix: a role may take an action, on requests
    in a scope, within limits. A rule with no departments or services listed covers all."""

    code = models.CharField(
        _("rule code"), max_length=100, unique=True, validators=[code_validator]
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.ANY)
    departments = models.ManyToManyField(Department, blank=True, related_name="+")
    services = models.ManyToManyField(Service, blank=True, related_name="+")
    max_extension_days = models.PositiveIntegerField(
        _("may extend the due date by at most (days)"), null=True, blank=True
    )
    allowed_outcomes = models.JSONField(
        _("may close only with these outcomes"),
        default=list,
        blank=True,
        help_text=_("Empty means any outcome."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("delegated authority")
        verbose_name_plural = _("delegated authority matrix")
        ordering = ["role", "action", "code"]
        indexes = [models.Index(fields=["role", "action", "active"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.get_role_display()} may {self.get_action_display().lower()}"

    def allowed_outcomes_text(self) -> str:
        """The outcomes this line allows, as people read them ("resolved, referred …", in the
        active language); the field keeps their codes."""
        return ", ".join(str(Outcome(value).label).lower() for value in self.allowed_outcomes)


class ImportRun(models.Model):
    """One run of `import_requests`: what was read, written and set aside."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=40)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=dict, help_text=_("Count of each problem found."))

    class Meta:
        verbose_name = _("import run")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.file_name} ({self.rows_read} rows)"


class QuarantinedRow(models.Model):
    """A row an import could not take as it is: kept, with why, for someone to review."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="quarantine")
    line = models.PositiveIntegerField(help_text=_("Line in the file (the header is line 1)."))
    problems = models.JSONField()
    row = models.JSONField()

    class Meta:
        verbose_name = _("quarantined row")
        ordering = ["run", "line"]

    def __str__(self) -> str:
        return f"line {self.line}: {'; '.join(self.problems)}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Proposal(models.Model):
    """An act someone asked a person with the authority to take, with their reasons."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="proposals")
    action = models.CharField(_("proposed act"), max_length=20, choices=Action.choices)
    params = models.JSONField(_("details"), default=dict)
    reason = models.TextField(_("reasons"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("proposal")
        ordering = ["-proposed_at"]
        indexes = [models.Index(fields=["status", "proposed_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} on {self.request_id} ({self.status})"
