"""Beyond one's authority: propose, and let someone who holds it decide.

An agent who may extend a due date by 3 days but needs 10, or may not close with "no action
needed", proposes the act with reasons. A supervisor (someone else) approves or rejects it
with reasons; approving performs the act through the ordinary domain function, with the
approver as the actor — so the act is checked against the approver's own authority and
recorded under the rule that allowed it. Every step is a case-log event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import services
from commonweal.cases.authority import Actor, authorize
from commonweal.cases.errors import AuthorityError, CaseError
from commonweal.cases.models import Action, Proposal, ProposalStatus, ServiceRequest
from commonweal.catalog.models import Department

Performer = Callable[[Actor, ServiceRequest, dict[str, Any], str], ServiceRequest]

#: how an approved proposal is carried out, for each act that can be proposed
PERFORMERS: dict[str, Performer] = {
    Action.EXTEND_DUE: lambda actor, case, p, reason: services.extend_due(
        actor, case, int(p["days"]), reason=reason, public_text=p.get("public_text", "")
    ),
    Action.CLOSE: lambda actor, case, p, reason: services.close(
        actor, case, p["outcome"], public_text=p["public_text"], reason=reason
    ),
    Action.CHANGE_PRIORITY: lambda actor, case, p, reason: services.change_priority(
        actor, case, p["priority"], reason=reason
    ),
    Action.TRANSFER: lambda actor, case, p, reason: services.transfer(
        actor, case, Department.objects.get(pk=p["department"]), reason=reason
    ),
    Action.REOPEN: lambda actor, case, p, reason: services.reopen(actor, case, reason=reason),
}

#: the limits `authorize` checks for each act, taken from the proposal's details
LIMITS: dict[str, tuple[str, ...]] = {Action.EXTEND_DUE: ("days",), Action.CLOSE: ("outcome",)}


def limits_of(action: str, params: dict[str, Any]) -> dict[str, Any]:
    return {name: params[name] for name in LIMITS.get(action, ()) if name in params}


def propose(
    actor: Actor, case: ServiceRequest, action: str, params: dict[str, Any], *, reason: str
) -> Proposal:
    """Ask for an act the actor may not take alone; return the pending proposal."""
    if action not in PERFORMERS:
        raise ValidationError({"action": [_("This act cannot be proposed.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Give your reasons.")]})
    try:
        authorize(actor, action, case, **limits_of(action, params))
    except AuthorityError:
        pass
    else:
        raise CaseError(_("You may do this yourself; no approval is needed."))
    with transaction.atomic():
        proposal = Proposal.objects.create(
            request=case, action=action, params=params, reason=reason, proposed_by=actor.user
        )
        data = {"proposal": proposal.pk, "act": action, "details": params}
        services.record_act(actor, case, Action.PROPOSE, data, reason=reason)
    return proposal


def decide(actor: Actor, proposal: Proposal, *, approve: bool, reason: str) -> Proposal:
    """Approve (and carry out) or reject a proposal, with reasons, as someone else."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reasons for the decision.")]})
    with transaction.atomic():
        current = Proposal.objects.select_for_update().select_related("request").get(pk=proposal.pk)
        if current.status != ProposalStatus.PENDING:
            raise CaseError(_("This proposal was already decided."))
        if actor.user is not None and current.proposed_by_id == actor.user.pk:
            raise AuthorityError(_("Someone other than the proposer must decide a proposal."))
        case = current.request
        authorize(actor, Action.DECIDE_PROPOSAL, case)
        if approve:
            text = _("Approved proposal #%(id)s: %(reason)s") % {"id": current.pk, "reason": reason}
            case = PERFORMERS[current.action](actor, case, current.params, text)
        current.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        current.decided_by, current.decided_at, current.decision_reason = (
            actor.user,
            timezone.now(),
            reason,
        )
        current.save()
        data = {"proposal": current.pk, "act": current.action, "approved": approve}
        services.record_act(actor, case, Action.DECIDE_PROPOSAL, data, reason=reason)
    return current
