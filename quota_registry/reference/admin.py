from django.contrib import admin

from quota_registry.admin_base import AuditedModelAdmin, is_data_maintainer

from .models import CalendarDay, CalendarYear, IndicatorLink, Industry, Pollutant, QualityStatus, Region, Watershed


@admin.register(Pollutant)
class PollutantAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "category", "unit", "sort_order"]
    list_filter = ["category"]


@admin.register(Watershed)
class WatershedAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "basin"]


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "national_code", "heavy_metal_key_area"]
    list_filter = ["level", "heavy_metal_key_area", "watersheds"]
    filter_horizontal = ["watersheds"]


@admin.register(Industry)
class IndustryAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "key_heavy_metal_industry"]
    list_filter = ["key_heavy_metal_industry"]
    search_fields = ["code", "name"]


@admin.register(QualityStatus)
class QualityStatusAdmin(AuditedModelAdmin):
    list_display = ["region", "year", "indicator", "attains", "basis", "updated_by", "updated_at"]
    list_filter = ["year", "indicator", "attains", "region"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(IndicatorLink)
class IndicatorLinkAdmin(AuditedModelAdmin):
    list_display = ["valid_from_year", "indicator", "pollutant"]
    list_filter = ["valid_from_year", "indicator"]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0

    def has_delete_permission(self, request, obj=None):
        return is_data_maintainer(request)  # correcting a wrongly entered day; the audit keeps the year's history


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedModelAdmin):
    """Edited here or imported from Excel on the calendar page; saving recomputes provisional deadlines."""

    list_display = ["year", "notice", "entered_by", "entered_at"]
    inlines = [CalendarDayInline]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from quota_registry.workdays import calendar_changed

        calendar_changed(actor=request.user)
