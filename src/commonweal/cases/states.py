"""The declared state machine of a request: which acts each status allows, and where they lead."""

from django.utils.translation import gettext as _

from commonweal.cases.errors import TransitionError
from commonweal.cases.models import OPEN_STATUSES, Action, Status

ANY_STATUS = frozenset(Status)

#: action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[str], Status | None]] = {
    Action.ACKNOWLEDGE: (frozenset({Status.NEW}), Status.ACKNOWLEDGED),
    Action.ASSIGN: (OPEN_STATUSES, Status.ASSIGNED),
    Action.START_WORK: (
        frozenset({Status.ACKNOWLEDGED, Status.ASSIGNED, Status.ON_HOLD}),
        Status.IN_PROGRESS,
    ),
    Action.PUT_ON_HOLD: (frozenset({Status.ASSIGNED, Status.IN_PROGRESS}), Status.ON_HOLD),
    Action.TRANSFER: (OPEN_STATUSES, None),
    Action.CHANGE_PRIORITY: (OPEN_STATUSES, None),
    Action.EXTEND_DUE: (OPEN_STATUSES, None),
    Action.ADD_NOTE: (ANY_STATUS, None),
    Action.PUBLISH_UPDATE: (ANY_STATUS, None),
    Action.COMMENT: (ANY_STATUS, None),
    Action.MARK_DUPLICATE: (OPEN_STATUSES, Status.CLOSED),
    Action.CLOSE: (OPEN_STATUSES, Status.CLOSED),
    Action.REOPEN: (frozenset({Status.CLOSED}), Status.ACKNOWLEDGED),
    Action.PROPOSE: (ANY_STATUS, None),
    Action.DECIDE_PROPOSAL: (ANY_STATUS, None),
    Action.ESCALATE: (OPEN_STATUSES, None),
    Action.VIEW_CONTACT: (ANY_STATUS, None),
    Action.APPEAL: (frozenset({Status.CLOSED}), None),
    Action.DECIDE_APPEAL: (ANY_STATUS, None),
}

#: the case-log action code written for each act
EVENT_CODES: dict[Action, str] = {
    Action.SUBMIT: "case.created",
    Action.ACKNOWLEDGE: "case.acknowledged",
    Action.ASSIGN: "case.assigned",
    Action.START_WORK: "case.work_started",
    Action.PUT_ON_HOLD: "case.put_on_hold",
    Action.TRANSFER: "case.transferred",
    Action.CHANGE_PRIORITY: "case.reprioritised",
    Action.EXTEND_DUE: "case.due_extended",
    Action.ADD_NOTE: "case.note_added",
    Action.PUBLISH_UPDATE: "case.update_published",
    Action.COMMENT: "case.resident_commented",
    Action.MARK_DUPLICATE: "case.merged_as_duplicate",
    Action.CLOSE: "case.closed",
    Action.REOPEN: "case.reopened",
    Action.PROPOSE: "proposal.submitted",
    Action.DECIDE_PROPOSAL: "proposal.decided",
    Action.ESCALATE: "case.escalated",
    Action.VIEW_CONTACT: "case.contact_viewed",
    Action.APPEAL: "appeal.submitted",
    Action.DECIDE_APPEAL: "appeal.decided",
}


def next_status(current: str, action: Action) -> str:
    """Return the status `action` leads to from `current`, or raise TransitionError."""
    allowed_from, target = TRANSITIONS[action]
    if current not in allowed_from:
        raise TransitionError(
            _("A request that is %(status)s cannot be changed this way (%(action)s).")
            % {"status": Status(current).label.lower(), "action": action.label.lower()}
        )
    return target or current
