"""The delegated-authority matrix a new installation starts with.

Front-line agents resolve the routine inside their department; field workers close what
they were sent to fix; supervisors and department heads hold wider limits; the system
(worker, imports) acts anywhere; analysts, officials and auditors only read. Administrators
change the matrix in the admin; each line has a stable code that events record.
"""

from typing import Any

from commonweal.cases.models import Action, DelegatedAuthority, Outcome, Role, Scope

OWN = Scope.OWN_DEPARTMENT
SELF = Scope.ASSIGNED_TO_SELF
ANY = Scope.ANY

ROUTINE_OUTCOMES = [Outcome.RESOLVED, Outcome.DUPLICATE, Outcome.REFERRED, Outcome.WITHDRAWN]
CASE_WORK = [
    Action.ACKNOWLEDGE,
    Action.ASSIGN,
    Action.START_WORK,
    Action.PUT_ON_HOLD,
    Action.CHANGE_PRIORITY,
    Action.ADD_NOTE,
    Action.PUBLISH_UPDATE,
    Action.MARK_DUPLICATE,
]

#: (role, action, scope, limits, description)
DEFAULT_RULES: list[tuple[Role, Action, Scope, dict[str, Any], str]] = [
    (Role.RESIDENT, Action.SUBMIT, ANY, {}, "Anyone may report a problem."),
    (Role.RESIDENT, Action.COMMENT, ANY, {}, "Anyone may add to a report."),
    (Role.RESIDENT, Action.APPEAL, ANY, {}, "A resident may appeal a closure of their report."),
    *[(Role.SYSTEM, action, ANY, {}, "Automatic work and imports.") for action in Action],
    (Role.AGENT, Action.SUBMIT, ANY, {}, "Take a request for any service."),
    *[
        (Role.AGENT, action, OWN, {}, "Routine case work in the agent's department.")
        for action in CASE_WORK
    ],
    (Role.AGENT, Action.EXTEND_DUE, OWN, {"max_extension_days": 3}, "Short extensions only."),
    (
        Role.AGENT,
        Action.CLOSE,
        OWN,
        {"allowed_outcomes": ROUTINE_OUTCOMES},
        "Close routine outcomes; refusals need a supervisor.",
    ),
    (Role.FIELD_WORKER, Action.START_WORK, SELF, {}, "Work on what they are sent to."),
    (Role.FIELD_WORKER, Action.PUT_ON_HOLD, SELF, {}, "Pause their own jobs."),
    (Role.FIELD_WORKER, Action.ADD_NOTE, SELF, {}, "Notes on their own jobs."),
    (Role.FIELD_WORKER, Action.PUBLISH_UPDATE, SELF, {}, "Updates on their own jobs."),
    (
        Role.FIELD_WORKER,
        Action.CLOSE,
        SELF,
        {"allowed_outcomes": [Outcome.RESOLVED, Outcome.CANNOT_LOCATE]},
        "Close their own jobs as fixed or not found.",
    ),
    *[
        (role, action, OWN, limits, "Full case work in their department.")
        for role, days in ((Role.SUPERVISOR, 14), (Role.DEPARTMENT_HEAD, 60))
        for action, limits in [
            *[(action, {}) for action in CASE_WORK],
            (Action.TRANSFER, {}),
            (Action.CLOSE, {}),
            (Action.REOPEN, {}),
            (Action.EXTEND_DUE, {"max_extension_days": days}),
        ]
    ],
    (Role.AGENT, Action.PROPOSE, OWN, {}, "Ask a supervisor for what is beyond their limits."),
    (Role.FIELD_WORKER, Action.PROPOSE, SELF, {}, "Ask a supervisor about their own jobs."),
    (Role.SUPERVISOR, Action.PROPOSE, OWN, {}, "Ask the department head beyond their limits."),
    (Role.SUPERVISOR, Action.DECIDE_PROPOSAL, OWN, {}, "Decide proposals in their department."),
    (
        Role.DEPARTMENT_HEAD,
        Action.DECIDE_PROPOSAL,
        OWN,
        {},
        "Decide proposals in their department.",
    ),
    *[
        (role, Action.VIEW_CONTACT, OWN, {}, "Call or write back to residents of their department.")
        for role in (Role.AGENT, Role.SUPERVISOR, Role.DEPARTMENT_HEAD)
    ],
    (Role.FIELD_WORKER, Action.VIEW_CONTACT, SELF, {}, "Reach the resident about their own job."),
    *[
        (role, Action.DECIDE_APPEAL, OWN, {}, "Review appeals in their department.")
        for role in (Role.SUPERVISOR, Role.DEPARTMENT_HEAD)
    ],
    (Role.SUPERVISOR, Action.SUBMIT, ANY, {}, "Take a request for any service."),
    (Role.DEPARTMENT_HEAD, Action.SUBMIT, ANY, {}, "Take a request for any service."),
]


def rule_code(role: Role, action: Action, scope: Scope) -> str:
    return f"{role.value}.{action.value}.{scope.value}".replace("_", "-")


def ensure_default_matrix() -> int:
    """Install the default rules of every action that has no rule at all; return how many.

    An action an administrator has configured is left alone, so a rule they removed does
    not come back at the next migration; an action new in this release gets its defaults.
    (To forbid an action entirely, deactivate its rules rather than delete them.)
    """
    configured = set(DelegatedAuthority.objects.values_list("action", flat=True).distinct())
    created = 0
    for role, action, scope, limits, description in DEFAULT_RULES:
        if action in configured:
            continue
        _rule, was_created = DelegatedAuthority.objects.get_or_create(
            code=rule_code(role, action, scope),
            defaults={
                "role": role,
                "action": action,
                "scope": scope,
                "description": description,
                **limits,
            },
        )
        created += was_created
    return created
