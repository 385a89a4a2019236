"""Changes to the delegated-authority matrix are part of the record too.

Every jurisdiction's case log gets an `authority.rule_saved` or `authority.rule_deleted`
event with the rule as it now stands, who changed it and when, so an auditor can tell
which limits were in force when any act was taken.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.forms import ModelForm
from django.utils import timezone

from commonweal.cases import log
from commonweal.cases.models import ActorKind, CaseEvent, DelegatedAuthority, Role
from commonweal.catalog.models import Jurisdiction


def rule_snapshot(rule: DelegatedAuthority) -> dict[str, Any]:
    return {
        "code": rule.code,
        "role": rule.role,
        "action": rule.action,
        "scope": rule.scope,
        "departments": sorted(rule.departments.values_list("code", flat=True)) if rule.pk else [],
        "services": sorted(rule.services.values_list("service_code", flat=True)) if rule.pk else [],
        "max_extension_days": rule.max_extension_days,
        "allowed_outcomes": rule.allowed_outcomes,
        "active": rule.active,
    }


def record_matrix_change(
    user: AbstractBaseUser, action: str, snapshot: dict[str, Any], reason: str = ""
) -> None:
    """Append the change to every jurisdiction's chain (inside the caller's transaction)."""
    now = timezone.now()
    with transaction.atomic():
        for jurisdiction in Jurisdiction.objects.order_by("pk"):
            event = CaseEvent(
                jurisdiction=jurisdiction,
                request=None,
                action=action,
                occurred_at=now,
                actor_kind=ActorKind.USER,
                actor_user_id=user.pk,
                actor_label=user.get_username(),
                role=Role.ADMINISTRATOR,
                rule_code="",
                reason=reason,
                data={"rule": snapshot},
            )
            log.append(event)


def save_rule(
    user: AbstractBaseUser, form: ModelForm[DelegatedAuthority], reason: str = ""
) -> DelegatedAuthority:
    """Save a matrix line from a valid form (with its departments and services) and log it."""
    with transaction.atomic():
        rule = form.save()
        record_matrix_change(user, "authority.rule_saved", rule_snapshot(rule), reason)
    return rule


def delete_rule(user: AbstractBaseUser, rule: DelegatedAuthority, reason: str = "") -> None:
    """Delete a matrix line and log it as it stood (events keep the code of the rule used)."""
    with transaction.atomic():
        snapshot = rule_snapshot(rule)
        rule.delete()
        record_matrix_change(user, "authority.rule_deleted", snapshot, reason)
