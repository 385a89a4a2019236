from django.contrib import admin

from commonweal.feedback import models


@admin.register(models.SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "variant"]


@admin.register(models.Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["pk", "request", "status", "decide_by", "reviewer"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in models.Appeal._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False  # appeals come from residents, decisions from the console


@admin.register(models.SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["pk", "form", "not_fixed", "submitted_at"]
    list_filter = ["form", "not_fixed"]
