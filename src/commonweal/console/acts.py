"""What a staff member may do to a request now, and how each console form becomes a call to
`cases.services` (the console has no rules of its own).

`options_for` reads the actor's lines of the authority matrix once and applies them to the
request with the same function `authorize` uses, so the page offers exactly what would be
allowed — and, for acts beyond the actor's limits, offers to ask for approval instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from commonweal.cases import services
from commonweal.cases.authority import Actor, first_allowing_rule
from commonweal.cases.errors import AuthorityError
from commonweal.cases.models import Action, DelegatedAuthority, Outcome, ServiceRequest
from commonweal.cases.proposals import PERFORMERS
from commonweal.cases.states import TRANSITIONS
from commonweal.console.forms import ACTION_FORMS

Perform = Callable[[Actor, ServiceRequest, dict[str, Any]], ServiceRequest]


def _version(data: dict[str, Any]) -> int:
    return int(data["version"])


#: how each console form's cleaned data becomes a domain call
PERFORM: dict[str, Perform] = {
    Action.ACKNOWLEDGE: lambda a, c, d: services.acknowledge(
        a, c, public_text=d["public_text"], expected_version=_version(d)
    ),
    Action.ASSIGN: lambda a, c, d: (
        services.assign_team(a, c, d["team"], expected_version=_version(d))
        if d.get("team")
        else services.assign(a, c, d["assignee"], expected_version=_version(d))
    ),
    Action.START_WORK: lambda a, c, d: services.start_work(
        a, c, public_text=d["public_text"], expected_version=_version(d)
    ),
    Action.PUT_ON_HOLD: lambda a, c, d: services.put_on_hold(
        a, c, reason=d["reason"], expected_version=_version(d)
    ),
    Action.TRANSFER: lambda a, c, d: services.transfer(
        a, c, d["department"], reason=d["reason"], expected_version=_version(d)
    ),
    Action.CHANGE_PRIORITY: lambda a, c, d: services.change_priority(
        a, c, d["priority"], reason=d["reason"], expected_version=_version(d)
    ),
    Action.EXTEND_DUE: lambda a, c, d: services.extend_due(
        a, c, d["days"], reason=d["reason"], public_text=d["public_text"],
        expected_version=_version(d),
    ),
    Action.ADD_NOTE: lambda a, c, d: services.add_note(a, c, d["text"]),
    Action.PUBLISH_UPDATE: lambda a, c, d: services.publish_update(a, c, d["text"]),
    Action.MARK_DUPLICATE: lambda a, c, d: services.mark_duplicate(
        a, c, d["parent"], public_text=d["public_text"], expected_version=_version(d)
    ),
    Action.CLOSE: lambda a, c, d: services.close(
        a, c, d["outcome"], public_text=d["public_text"], reason=d["reason"],
        expected_version=_version(d),
    ),
    Action.REOPEN: lambda a, c, d: services.reopen(
        a, c, reason=d["reason"], expected_version=_version(d)
    ),
}  # fmt: skip


def proposal_params(action: str, data: dict[str, Any]) -> dict[str, Any]:
    """Return the details a proposal stores (JSON), taken from the act's cleaned form."""
    keep = {
        Action.EXTEND_DUE: ("days", "public_text"),
        Action.CLOSE: ("outcome", "public_text"),
        Action.CHANGE_PRIORITY: ("priority",),
        Action.TRANSFER: ("department",),
        Action.REOPEN: (),
    }[Action(action)]
    return {name: getattr(data[name], "pk", data[name]) for name in keep}


@dataclass
class Options:
    """The acts the page offers: allowed now (with the rule's limits) and only by approval."""

    allowed: dict[str, DelegatedAuthority] = field(default_factory=dict)
    by_approval: set[str] = field(default_factory=set)
    may_view_contact: bool = False

    def max_days(self) -> int | None:
        rule = self.allowed.get(Action.EXTEND_DUE)
        return rule.max_extension_days if rule else None

    def outcomes(self) -> list[str]:
        """Return the closing outcomes the allowing rule admits (all when it lists none)."""
        rule = self.allowed.get(Action.CLOSE)
        listed = rule.allowed_outcomes if rule and rule.allowed_outcomes else Outcome.values
        return [o for o in listed if o != Outcome.DUPLICATE]


def matrix_lines(actor: Actor) -> dict[str, list[DelegatedAuthority]]:
    """Return the actor's active matrix lines grouped by action (two queries)."""
    lines: dict[str, list[DelegatedAuthority]] = defaultdict(list)
    rules = DelegatedAuthority.objects.filter(active=True, role__in=actor.roles)
    for rule in rules.prefetch_related("departments", "services").order_by("code"):
        lines[rule.action].append(rule)
    return lines


def _allowing(
    lines: list[DelegatedAuthority], actor: Actor, action: str, case: ServiceRequest
) -> DelegatedAuthority | None:
    try:
        return first_allowing_rule(lines, actor, action, case, {})
    except AuthorityError:
        return None


def options_for(
    actor: Actor, case: ServiceRequest, lines: dict[str, list[DelegatedAuthority]] | None = None
) -> Options:
    """Return what `actor` may do to `case` now, and what they may only propose."""
    lines = matrix_lines(actor) if lines is None else lines
    options = Options()
    contact_rule = _allowing(lines[Action.VIEW_CONTACT], actor, Action.VIEW_CONTACT, case)
    options.may_view_contact = contact_rule is not None
    may_propose = _allowing(lines[Action.PROPOSE], actor, Action.PROPOSE, case) is not None
    for action in ACTION_FORMS:
        if case.status not in TRANSITIONS[Action(action)][0]:
            continue
        rule = _allowing(lines[action], actor, action, case)
        if rule is not None:
            options.allowed[action] = rule
        elif may_propose and action in PERFORMERS:
            options.by_approval.add(action)
    if may_propose:  # beyond the allowing rule's limits, the act can still be proposed
        if options.max_days() is not None:
            options.by_approval.add(Action.EXTEND_DUE)
        close_rule = options.allowed.get(Action.CLOSE)
        if close_rule is not None and close_rule.allowed_outcomes:
            options.by_approval.add(Action.CLOSE)
    return options
