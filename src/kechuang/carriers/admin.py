from django.contrib import admin

from kechuang.core.admin import RestrictedAdmin

from .models import Carrier, CarrierEvaluation


@admin.register(Carrier)
class CarrierAdmin(RestrictedAdmin):
    list_display = ("name", "kind", "level", "town", "area", "tenants")
    list_filter = ("kind", "level")
    raw_id_fields = ("town",)


admin.site.register(CarrierEvaluation, RestrictedAdmin)
