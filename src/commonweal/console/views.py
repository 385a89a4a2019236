"""The staff console's views: each starts with a permission-checked lookup, turns a form into
one call to a domain function, and renders. Refusals, conflicts and invalid input come back
as messages on the same page; nothing is half-done."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commonweal.cases import proposals, services
from commonweal.cases.contact import reveal_contact
from commonweal.cases.duplicates import duplicate_candidates
from commonweal.cases.errors import AuthorityError, CaseError, ConflictError
from commonweal.cases.matrix import delete_rule, save_rule
from commonweal.cases.models import (
    Action,
    CaseEvent,
    DelegatedAuthority,
    Outcome,
    Proposal,
    ProposalStatus,
    Requester,
    ServiceRequest,
)
from commonweal.console import queues
from commonweal.console.access import (
    get_case_for_staff,
    is_administrator,
    may_ever,
    reads_figures_only,
    staff_actor,
    staff_required,
    visible_departments,
)
from commonweal.console.acts import PERFORM, Options, options_for, proposal_params
from commonweal.console.forms import (
    ACTION_FORMS,
    AppealDecisionForm,
    BulkForm,
    DecisionForm,
    ProposalReasonForm,
    QueueFilterForm,
    RuleForm,
)
from commonweal.console.maps import district_svg_parts
from commonweal.feedback import appeals, complaints
from commonweal.feedback.models import Appeal, AppealStatus, Complaint

PAGE_SIZE = 25


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The console's front page: the work queue, or for those who read figures only, the
    performance dashboard."""
    if reads_figures_only(staff_actor(request)):
        return redirect("console:performance")
    return redirect("console:queue")


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """List the requests of the user's departments, filtered, sorted, counted and paged."""
    actor = staff_actor(request)
    departments = visible_departments(actor)
    form = QueueFilterForm(request.GET or None, departments=departments)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    now = timezone.now()
    scoped = queues.queue(actor, departments, filters)
    rows = queues.flagged(scoped, filters.get("flag", ""), now)
    page = Paginator(queues.page_rows(rows, filters.get("sort", "")), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "counts": queues.counts(scoped, now),
        "now": now,
        "bulk_form": BulkForm(departments=departments),
        "query": _query_without_page(request),
    }
    template = (
        "console/_queue_results.html" if request.headers.get("HX-Request") else "console/queue.html"
    )
    return render(request, template, context)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@staff_required
def case_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """Show a request, its timeline and the acts this user may take now."""
    case = get_case_for_staff(request, public_id)
    return _render_case(request, case)


def _render_case(
    request: HttpRequest,
    case: ServiceRequest,
    *,
    bound: dict[str, Any] | None = None,
    contact: Requester | None = None,
    propose: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = staff_actor(request)
    options = options_for(actor, case)
    forms = [
        (action, Action(action).label, _act_form(action, case, bound, options=options))
        for action in options.allowed
    ]
    proposal_forms = [
        (
            action,
            Action(action).label,
            _act_form(action, case, propose, prefix=PROPOSAL_PREFIX),
            _reason_form(action, propose),
        )
        for action in sorted(options.by_approval)
    ]
    events = CaseEvent.objects.filter(request=case).order_by("sequence")
    context = {
        "case": case,
        "attributes": _attribute_rows(case),
        "map": _map(case),
        "events": events,
        "options": options,
        "forms": forms,
        "proposal_forms": proposal_forms,
        "propose": propose,
        "may_view_contact": options.may_view_contact,
        "contact": contact,
        "duplicates": list(duplicate_candidates(case).select_related("service")[:5])
        if case.is_open
        else [],
        "pending": case.proposals.filter(status=ProposalStatus.PENDING).select_related(
            "proposed_by"
        ),
        "now": timezone.now(),
    }
    return render(request, "console/case.html", context, status=status)


PROPOSAL_PREFIX = "propose-"


def _act_form(
    action: str,
    case: ServiceRequest,
    bound: dict[str, Any] | None,
    *,
    options: Options | None = None,
    prefix: str = "",
) -> Any:
    data = bound["data"] if bound and bound["action"] == action else None
    form = ACTION_FORMS[action](data, case=case, prefix=prefix + action)
    if action == Action.CLOSE and options is not None:
        allowed = set(options.outcomes())
        field = form.fields["outcome"]
        field.choices = [(v, label) for v, label in field.choices if v in allowed]  # type: ignore[attr-defined]
    if data is not None:
        form.is_valid()  # show the errors of the form that was sent
    return form


def _reason_form(action: str, propose: dict[str, Any] | None) -> ProposalReasonForm:
    data = propose["data"] if propose and propose["action"] == action else None
    form = ProposalReasonForm(data, prefix=f"{PROPOSAL_PREFIX}{action}-why")
    if data is not None and propose and propose.get("show_reason_errors"):
        form.is_valid()
    return form


def _attribute_rows(case: ServiceRequest) -> list[tuple[str, str]]:
    questions = {a.code: a for a in case.service.attributes.prefetch_related("values")}
    rows = []
    for code, value in case.attributes.items():
        attribute = questions.get(code)
        names = {v.key: v.name for v in attribute.values.all()} if attribute else {}
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(names.get(str(v), str(v)) for v in values)
        rows.append((attribute.description if attribute else code, shown))
    return rows


def _map(case: ServiceRequest) -> dict[str, Any] | None:
    if case.lat is None or case.long is None:
        return None
    boundary = case.district.boundary if case.district else None
    return district_svg_parts(boundary, case.lat, case.long)


@staff_required
@require_POST
def act(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """Take one act on a request through its domain function."""
    case = get_case_for_staff(request, public_id)
    if action not in ACTION_FORMS:
        return _render_case(request, case, status=404)
    form = ACTION_FORMS[action](request.POST, case=case, prefix=action)
    bound = {"action": action, "data": request.POST}
    if not form.is_valid():
        messages.error(request, _("Please correct the errors in the form below."))
        return _render_case(request, case, bound=bound, status=400)
    try:
        PERFORM[action](staff_actor(request), case, form.cleaned_data)
    except AuthorityError as refusal:
        messages.error(request, str(refusal))
        propose = None
        if action in proposals.PERFORMERS:  # carry what was typed over to the proposal form
            typed = {PROPOSAL_PREFIX + key: value for key, value in request.POST.items()}
            propose = {"action": action, "data": typed}
        return _render_case(request, case, bound=bound, propose=propose, status=403)
    except ConflictError as conflict:
        messages.error(request, str(conflict))  # fresh forms: the sent one is stale
        return _render_case(request, get_case_for_staff(request, public_id), status=409)
    except (CaseError, ValidationError) as problem:
        messages.error(request, _problem_text(problem))
        return _render_case(
            request, get_case_for_staff(request, public_id), bound=bound, status=400
        )
    messages.success(request, _("Done: %(act)s.") % {"act": Action(action).label})
    return redirect("console:case", public_id=public_id)


def _problem_text(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        return " ".join(str(m) for m in problem.messages)
    return str(problem)


@staff_required
@require_POST
def propose(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """Ask for an act beyond the user's authority, with reasons, for a supervisor to decide."""
    case = get_case_for_staff(request, public_id)
    if action not in proposals.PERFORMERS or action not in ACTION_FORMS:
        return _render_case(request, case, status=404)
    form = ACTION_FORMS[action](request.POST, case=case, prefix=PROPOSAL_PREFIX + action)
    reasons = ProposalReasonForm(request.POST, prefix=f"{PROPOSAL_PREFIX}{action}-why")
    if not (form.is_valid() and reasons.is_valid()):
        messages.error(request, _("Please correct the errors in the form below."))
        sent = {"action": action, "data": request.POST, "show_reason_errors": True}
        return _render_case(request, case, propose=sent, status=400)
    try:
        proposals.propose(
            staff_actor(request),
            case,
            action,
            proposal_params(action, form.cleaned_data),
            reason=reasons.cleaned_data["reason"],
        )
    except (AuthorityError, CaseError, ValidationError) as problem:
        messages.error(request, _problem_text(problem))
        return _render_case(request, case, status=403)
    messages.success(request, _("Your proposal was sent for approval."))
    return redirect("console:case", public_id=public_id)


@staff_required
@require_POST
def contact(request: HttpRequest, public_id: str) -> HttpResponse:
    """Show the resident's contact details to someone allowed to see them (and log the look)."""
    case = get_case_for_staff(request, public_id)
    try:
        details = reveal_contact(staff_actor(request), case)
    except AuthorityError as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    if details is None:
        messages.info(request, _("The resident left no contact details."))
    return _render_case(request, case, contact=details)


@staff_required
def approvals(request: HttpRequest) -> HttpResponse:
    """List the proposals waiting in the user's departments, oldest first."""
    actor = staff_actor(request)
    pending = (
        Proposal.objects.filter(
            status=ProposalStatus.PENDING, request__department__in=visible_departments(actor)
        )
        .select_related("request__service", "request__department", "proposed_by")
        .order_by("proposed_at")
    )
    recent = (
        Proposal.objects.filter(request__department__in=visible_departments(actor))
        .exclude(status=ProposalStatus.PENDING)
        .select_related("request", "proposed_by", "decided_by")
        .order_by("-decided_at")[:20]
    )
    context = {"pending": pending, "recent": recent, "form": DecisionForm(), "outcomes": Outcome}
    context["may_decide"] = may_ever(actor, Action.DECIDE_PROPOSAL)
    return render(request, "console/approvals.html", context)


@staff_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (and carry out) or reject a proposal, with reasons."""
    actor = staff_actor(request)
    proposal = get_object_or_404(
        Proposal, pk=pk, request__department__in=visible_departments(actor)
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject and give your reasons."))
        return redirect("console:approvals")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        proposals.decide(actor, proposal, approve=approve, reason=form.cleaned_data["reason"])
    except (AuthorityError, CaseError, ValidationError) as problem:
        messages.error(request, _problem_text(problem))
    else:
        done = _("Approved") if approve else _("Rejected")
        messages.success(request, _("%(done)s proposal #%(id)s.") % {"done": done, "id": pk})
    return redirect("console:approvals")


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign or close many requests at once; each is its own act, logged and checked."""
    actor = staff_actor(request)
    departments = visible_departments(actor)
    form = BulkForm(request.POST, departments=departments)
    back = reverse("console:queue") + "?" + request.POST.get("query", "")
    ids = request.POST.getlist("ids")
    if not ids:
        messages.error(request, _("Select at least one request."))
        return HttpResponseRedirect(back)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return HttpResponseRedirect(back)
    done, refused = _apply_bulk(actor, departments, ids, form.cleaned_data)
    if done:
        messages.success(request, _("%(n)d requests done.") % {"n": done})
    for public_id, reason in refused:
        messages.error(request, f"{public_id}: {reason}")
    return HttpResponseRedirect(back)


def _apply_bulk(
    actor: Any, departments: Any, ids: list[str], data: dict[str, Any]
) -> tuple[int, list[tuple[str, str]]]:
    done, refused = 0, []
    cases = ServiceRequest.objects.filter(public_id__in=ids[:200], department__in=departments)
    for case in cases.select_related("jurisdiction", "service", "department"):
        try:
            if data["operation"] == "assign" and data.get("team"):
                services.assign_team(actor, case, data["team"])
            elif data["operation"] == "assign":
                services.assign(actor, case, data["assignee"])
            else:
                services.close(actor, case, data["outcome"], public_text=data["public_text"])
        except (AuthorityError, CaseError, ValidationError) as problem:
            refused.append((case.public_id, _problem_text(problem)))
        else:
            done += 1
    return done, refused


@staff_required
def matrix(request: HttpRequest) -> HttpResponse:
    """Show the authority matrix: who may do what, where, within which limits."""
    rules = DelegatedAuthority.objects.prefetch_related("departments", "services").order_by(
        "action", "role", "code"
    )
    return render(
        request,
        "console/matrix.html",
        {"rules": rules, "can_edit": is_administrator(staff_actor(request))},
    )


@staff_required
def matrix_rule(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Edit, add or delete one line of the matrix (administrators only); each change is logged."""
    if not is_administrator(staff_actor(request)):
        raise PermissionDenied(_("Only administrators change the authority matrix."))
    rule = get_object_or_404(DelegatedAuthority, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and "delete" in request.POST and rule is not None:
        delete_rule(request.user, rule, reason=request.POST.get("change_reason", ""))  # type: ignore[arg-type]
        messages.success(request, _("Rule %(code)s deleted.") % {"code": rule.code})
        return redirect("console:matrix")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = save_rule(request.user, form, reason=form.cleaned_data["change_reason"])  # type: ignore[arg-type]
        messages.success(request, _("Rule %(code)s saved.") % {"code": saved.code})
        return redirect("console:matrix")
    return render(request, "console/matrix_rule.html", {"form": form, "rule": rule})


@staff_required
def appeals_queue(request: HttpRequest) -> HttpResponse:
    """List the pending appeals of the user's departments, soonest deadline first."""
    actor = staff_actor(request)
    pending = (
        Appeal.objects.filter(
            status=AppealStatus.PENDING, request__department__in=visible_departments(actor)
        )
        .select_related("request__service", "request__department", "decision_maker")
        .order_by("decide_by")
    )
    context = {"pending": pending, "now": timezone.now()}
    context["may_decide"] = may_ever(actor, Action.DECIDE_APPEAL)
    return render(request, "console/appeals.html", context)


@staff_required
@require_POST
def decide_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """Uphold or overturn an appeal, with reasons the resident will read."""
    actor = staff_actor(request)
    appeal = get_object_or_404(Appeal, pk=pk, request__department__in=visible_departments(actor))
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose uphold or overturn and give your reasons."))
        return redirect("console:appeals")
    overturn = form.cleaned_data["decision"] == "overturn"
    try:
        appeals.decide_appeal(
            actor, appeal, overturn=overturn, reasons=form.cleaned_data["reasons"]
        )
    except (AuthorityError, CaseError, ValidationError) as problem:
        messages.error(request, _problem_text(problem))
    else:
        messages.success(request, _("Appeal #%(id)s decided.") % {"id": pk})
    return redirect("console:appeals")


@staff_required
def complaints_queue(request: HttpRequest) -> HttpResponse:
    """List the complaints and compliments of the user's departments: unanswered first."""
    actor = staff_actor(request)
    mine = Complaint.objects.filter(department__in=visible_departments(actor))
    context = {
        "open": mine.filter(responded_at__isnull=True).select_related("department", "request"),
        "answered": mine.filter(responded_at__isnull=False)
        .select_related("department", "responded_by")
        .order_by("-responded_at")[:20],
        "now": timezone.now(),
        "may_answer": complaints.answers_complaints(actor),
    }
    return render(request, "console/complaints.html", context)


@staff_required
@require_POST
def answer_complaint(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a complaint or compliment (department head or supervisor)."""
    actor = staff_actor(request)
    item = get_object_or_404(Complaint, pk=pk, department__in=visible_departments(actor))
    try:
        complaints.respond(actor, item, request.POST.get("response", ""))
    except (AuthorityError, CaseError, ValidationError) as problem:
        messages.error(request, _problem_text(problem))
    else:
        messages.success(request, _("Answered #%(id)s.") % {"id": pk})
    return redirect("console:complaints")
