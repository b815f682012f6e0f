from django.contrib import admin

from .models import HitechDomain, Industry, IPCClass, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reference data is loaded by `kechuang init`, never edited by hand."""

    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Region, ReadOnlyAdmin)
admin.site.register(Industry, ReadOnlyAdmin)
admin.site.register(HitechDomain, ReadOnlyAdmin)


@admin.register(IPCClass)
class IPCAdmin(ReadOnlyAdmin):
    search_fields = ("code", "title")
