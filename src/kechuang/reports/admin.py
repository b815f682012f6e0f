from django.contrib import admin

from kechuang.core.admin import RestrictedAdmin

from .models import Report


@admin.register(Report)
class ReportAdmin(RestrictedAdmin):
    list_display = ("title", "kind", "region", "year", "quarter", "status", "created_by", "created_at", "seconds")
    list_filter = ("kind", "status", "year")
    raw_id_fields = ("region", "job", "created_by")
    readonly_fields = ("docx", "pdf", "message", "seconds", "finished_at", "job")
