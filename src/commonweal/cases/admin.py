"""Admin pages: the authority matrix and staff departments are editable; requests and the
case log are read-only here, because every change to a request goes through `cases.services`."""

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models as db_models
from django.http import HttpRequest

from commonweal.cases import models
from commonweal.cases.matrix import record_matrix_change, rule_snapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "service", "status", "priority", "district", "requested_at"]
    list_filter = ["status", "priority", "channel", "department"]
    search_fields = ["public_id"]
    exclude = ["requester", "description"]
    list_select_related = ["service", "district"]
    show_full_result_count = False
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> Any:
        # the list names each row's district; its boundary (a real city's can be megabytes
        # of GeoJSON) would otherwise be read and parsed once per row
        return super().get_queryset(request).defer("district__boundary")


@admin.register(models.CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "action", "occurred_at", "actor_label", "role", "rule_code"]
    list_filter = ["action", "role"]
    search_fields = ["request__public_id"]
    show_full_result_count = False


@admin.register(models.Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    """Proposals are made and decided through `cases.proposals`; here they are only read."""

    list_display = ["pk", "request", "action", "status", "proposed_by", "proposed_at", "decided_by"]
    list_filter = ["status", "action"]


@admin.register(models.ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = [
        "source",
        "file_name",
        "started_at",
        "rows_read",
        "created",
        "updated",
        "quarantined",
    ]


@admin.register(models.QuarantinedRow)
class QuarantinedRowAdmin(ReadOnlyAdmin):
    list_display = ["run", "line", "problems"]
    list_filter = ["run"]


@admin.register(models.DelegatedAuthority)
class DelegatedAuthorityAdmin(admin.ModelAdmin):
    list_display = ["code", "role", "action", "scope", "max_extension_days", "active"]
    list_filter = ["role", "action", "scope", "active"]
    filter_horizontal = ["departments", "services"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Log the rule as it stands once its departments and services are saved too."""
        super().save_related(request, form, formsets, change)
        user = cast(AbstractBaseUser, request.user)  # the admin only serves signed-in staff
        record_matrix_change(user, "authority.rule_saved", rule_snapshot(form.instance))

    def delete_model(self, request: HttpRequest, obj: models.DelegatedAuthority) -> None:
        snapshot = rule_snapshot(obj)
        super().delete_model(request, obj)
        user = cast(AbstractBaseUser, request.user)
        record_matrix_change(user, "authority.rule_deleted", snapshot)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for rule in queryset:
            self.delete_model(request, rule)


class StaffProfileInline(admin.StackedInline):
    model = models.StaffProfile
    can_delete = False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
