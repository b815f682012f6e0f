from django.contrib import admin

from kechuang.core.admin import RestrictedAdmin

from .models import IndicatorValue, MonthlyReport, MonthlyReportTask, Target


@admin.register(IndicatorValue)
class IndicatorValueAdmin(RestrictedAdmin):
    list_display = ("region", "indicator", "year", "month", "value", "source")
    list_filter = ("source", "year", "indicator")
    raw_id_fields = ("region",)


@admin.register(Target)
class TargetAdmin(RestrictedAdmin):
    list_display = ("region", "indicator", "year", "value", "growth_pct", "note")
    list_filter = ("year",)
    raw_id_fields = ("region",)


@admin.register(MonthlyReportTask)
class MonthlyReportTaskAdmin(RestrictedAdmin):
    list_display = ("region", "year", "month", "deadline")
    raw_id_fields = ("region",)


@admin.register(MonthlyReport)
class MonthlyReportAdmin(RestrictedAdmin):
    list_display = ("enterprise", "year", "month", "operating_revenue", "status", "first_submitted_at")
    list_filter = ("status", "year", "month")
    raw_id_fields = ("enterprise", "task", "submitted_by", "reviewed_by")
