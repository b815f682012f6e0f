"""Admin for bureau staff: every model admin goes through restrict(), and history is shown (never edited)."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .choices import Action
from .models import Job, Setting, User

admin.site.site_header = _("科创平台管理")
admin.site.site_title = _("科创平台管理")
admin.site.index_title = _("管理首页")


class RestrictedAdmin(SimpleHistoryAdmin):
    """A model admin whose querysets and permissions come from the model's scope rule."""

    def get_queryset(self, request):
        return self.model.objects.restrict(request.user, Action.VIEW)

    def _allowed(self, request, action, obj=None):
        if obj is None:
            return self.model.scope.allowed(request.user.role, action) or request.user.is_superuser
        return self.model.objects.restrict(request.user, action).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and self._allowed(request, Action.VIEW, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and self._allowed(request, Action.CHANGE, obj)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._allowed(request, Action.ADD)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and self._allowed(request, Action.DELETE, obj)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


@admin.register(User)
class KechuangUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("角色与范围"), {"fields": ("role", "region", "enterprise", "agency", "bank", "institution", "phone")}),)
    list_display = ("username", "first_name", "role", "region", "enterprise", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("region", "enterprise", "agency", "bank", "institution")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("kind", "status", "progress", "total", "created_by", "created_at", "finished_at")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.register(Setting)
