from django.contrib import admin

from kechuang.core.admin import RestrictedAdmin

from .models import AnnualData, Bank, Enterprise, Institution, IPRecord, Qualification, RDInstitution, ServiceAgency


@admin.register(Enterprise)
class EnterpriseAdmin(RestrictedAdmin):
    list_display = ("name", "uscc", "town", "industry", "staff", "above_size")
    search_fields = ("name", "uscc")
    list_filter = ("above_size",)
    raw_id_fields = ("town", "industry", "domain")


@admin.register(AnnualData)
class AnnualDataAdmin(RestrictedAdmin):
    list_display = ("enterprise", "year", "staff_total", "staff_tech", "sales", "rd_expense")
    raw_id_fields = ("enterprise",)
    list_filter = ("year",)


@admin.register(IPRecord)
class IPRecordAdmin(RestrictedAdmin):
    list_display = ("enterprise", "kind", "number", "title", "granted_on", "used_in_hte")
    raw_id_fields = ("enterprise",)
    list_filter = ("kind",)
    search_fields = ("number", "title")


@admin.register(Qualification)
class QualificationAdmin(RestrictedAdmin):
    list_display = ("enterprise", "kind", "year", "number", "issue_date", "expiry_date", "status")
    raw_id_fields = ("enterprise",)
    list_filter = ("kind", "status", "year")


@admin.register(RDInstitution)
class RDInstitutionAdmin(RestrictedAdmin):
    list_display = ("name", "enterprise", "type", "level", "status")
    raw_id_fields = ("enterprise",)
    list_filter = ("type", "level", "status")


for model in (Institution, ServiceAgency, Bank):
    admin.site.register(model, RestrictedAdmin)
