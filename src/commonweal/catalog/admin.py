from django.contrib import admin

from commonweal.catalog import models


class HolidayInline(admin.TabularInline):
    model = models.Holiday
    extra = 0


@admin.register(models.Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction_id", "time_zone"]
    inlines = [HolidayInline]


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "jurisdiction", "email"]
    list_filter = ["jurisdiction"]
    search_fields = ["name", "code"]


@admin.register(models.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "population", "median_household_income"]
    list_filter = ["jurisdiction", "kind"]
    search_fields = ["name", "code"]


class AttributeValueInline(admin.TabularInline):
    model = models.AttributeValue
    extra = 0


@admin.register(models.ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["service", "code", "datatype", "required", "order"]
    list_filter = ["datatype", "service__department"]
    inlines = [AttributeValueInline]


class ServiceAttributeInline(admin.TabularInline):
    model = models.ServiceAttribute
    extra = 0
    show_change_link = True


class ServiceStandardInline(admin.TabularInline):
    model = models.ServiceStandard
    extra = 0


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["service_name", "service_code", "group", "department", "sensitive", "active"]
    list_filter = ["department", "group", "sensitive", "active"]
    search_fields = ["service_name", "service_code", "keywords"]
    inlines = [ServiceAttributeInline, ServiceStandardInline]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "department", "active"]
    list_filter = ["department", "active"]
    filter_horizontal = ["members"]


@admin.register(models.RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["service", "district", "department", "active"]
    list_filter = ["department", "active"]


@admin.register(models.ServiceStandard)
class ServiceStandardAdmin(admin.ModelAdmin):
    list_display = ["service", "priority", "effective_from", "effective_to", "public_wording"]
    list_filter = ["priority", "service__department"]
