"""Delegated authority: who may do what to which request, within which limits.

`authorize(actor, action, case, **params)` is called by every domain function. It returns
the rule that allowed the act (its code is written into the case-log event) or raises
AuthorityError with a reason the person can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from commonweal.cases.errors import AuthorityError
from commonweal.cases.models import (
    ActorKind,
    DelegatedAuthority,
    Role,
    Scope,
    ServiceRequest,
    StaffProfile,
)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member with their roles and department, a resident, or the system."""

    kind: str
    label: str
    roles: frozenset[str]
    user: Any = None
    department_id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        roles = frozenset(
            name for name in user.groups.values_list("name", flat=True) if name in Role.values
        )
        profile = StaffProfile.objects.filter(user=user).only("department_id").first()
        return cls(
            kind=ActorKind.USER,
            label=user.get_username(),
            roles=roles,
            user=user,
            department_id=profile.department_id if profile else None,
        )

    @classmethod
    def resident(cls, account: User | AnonymousUser | None = None) -> Actor:
        user = account if account is not None and account.is_authenticated else None
        return cls(
            kind=ActorKind.RESIDENT, label="resident", roles=frozenset({Role.RESIDENT}), user=user
        )

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(kind=ActorKind.SYSTEM, label=f"system:{name}", roles=frozenset({Role.SYSTEM}))

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None and self.kind != ActorKind.RESIDENT else None


@dataclass
class Refusals:
    """Why each candidate rule did not apply; the most specific reason is shown."""

    scope: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


def _listed_ids(rule: DelegatedAuthority) -> tuple[frozenset[int], frozenset[int]]:
    """Return the departments and services a rule is limited to (read once per rule object)."""
    listed: tuple[frozenset[int], frozenset[int]] | None = getattr(rule, "_listed_ids", None)
    if listed is None:
        listed = (
            frozenset(department.pk for department in rule.departments.all()),
            frozenset(service.pk for service in rule.services.all()),
        )
        rule._listed_ids = listed  # type: ignore[attr-defined]
    return listed


def _scope_problem(rule: DelegatedAuthority, actor: Actor, case: ServiceRequest) -> str | None:
    if rule.scope == Scope.OWN_DEPARTMENT and case.department_id != actor.department_id:
        return _("your authority covers only requests of your own department")
    if rule.scope == Scope.ASSIGNED_TO_SELF and (
        actor.user is None or case.assignee_id != actor.user.pk
    ):
        return _("your authority covers only requests assigned to you")
    department_ids, service_ids = _listed_ids(rule)
    if department_ids and case.department_id not in department_ids:
        return _("your authority does not cover this department")
    if service_ids and case.service_id not in service_ids:
        return _("your authority does not cover this service")
    return None


def _limit_problem(rule: DelegatedAuthority, params: dict[str, Any]) -> str | None:
    days = params.get("days")
    if days is not None and rule.max_extension_days is not None and days > rule.max_extension_days:
        return _("you may extend a due date by at most %(limit)d days; this asks for %(days)d") % {
            "limit": rule.max_extension_days,
            "days": days,
        }
    outcome = params.get("outcome")
    if outcome is not None and rule.allowed_outcomes and outcome not in rule.allowed_outcomes:
        allowed = rule.allowed_outcomes_text()
        return _("you may close only with these outcomes: %(allowed)s") % {"allowed": allowed}
    return None


def candidate_rules(actor: Actor, action: str) -> QuerySet[DelegatedAuthority]:
    return (
        DelegatedAuthority.objects.filter(active=True, action=action, role__in=actor.roles)
        .prefetch_related("departments", "services")
        .order_by("code")
    )


def authorize(actor: Actor, action: str, case: ServiceRequest, **params: Any) -> DelegatedAuthority:
    """Return the first active rule that lets `actor` take `action` on `case` with `params`.

    `params` carries the limits being asked for: `days` for an extension, `outcome` for a
    closure. Raise AuthorityError naming the nearest miss when no rule allows the act.
    """
    return first_allowing_rule(list(candidate_rules(actor, action)), actor, action, case, params)


def first_allowing_rule(
    rules: list[DelegatedAuthority],
    actor: Actor,
    action: str,
    case: ServiceRequest,
    params: dict[str, Any],
) -> DelegatedAuthority:
    """Apply the matrix lines in `rules` (the actor's, for this action) to one case."""
    refusals = Refusals()
    for rule in rules:
        problem = _scope_problem(rule, actor, case)
        if problem:
            refusals.scope.append(problem)
            continue
        problem = _limit_problem(rule, params)
        if problem:
            refusals.limits.append(problem)
            continue
        return rule
    raise AuthorityError(_refusal_message(actor, action, refusals))


def _refusal_message(actor: Actor, action: str, refusals: Refusals) -> str:
    from commonweal.cases.models import Action

    verb = str(Action(action).label).lower()
    reasons = refusals.limits or refusals.scope
    reason = reasons[0] if reasons else None
    if reason is None:
        roles = ", ".join(sorted(str(Role(role).label) for role in actor.roles)) or _("no role")
        return _("Not allowed: %(roles)s may not %(verb)s.") % {"roles": roles, "verb": verb}
    return _("Not allowed to %(verb)s: %(reason)s.") % {"verb": verb, "reason": reason}


def ensure_role_groups() -> None:
    """Create one Django group per role, so that staff are given roles in the admin."""
    for role in Role:
        if role not in (Role.RESIDENT, Role.SYSTEM):
            Group.objects.get_or_create(name=role.value)
