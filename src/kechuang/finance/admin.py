"""Admin: read-only for every finance model. Money moves only through the workflow services (which check roles,
lock rows and write the ledger); the admin may look but never add, change or delete — least of all the ledger."""
from django.contrib import admin

from kechuang.core.admin import RestrictedAdmin
from kechuang.core.choices import Action

from . import models


class ReadOnlyAdmin(RestrictedAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


class AppendOnlyAdmin(admin.ModelAdmin):
    """Append-only rows have no change log of their own (they never change); scope still applies."""

    def get_queryset(self, request):
        return self.model.objects.restrict(request.user, Action.VIEW)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and (
            request.user.is_superuser or self.model.scope.allowed(request.user.role, Action.VIEW))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(models.LedgerEntry)
class LedgerEntryAdmin(AppendOnlyAdmin):
    list_display = ("pk", "book", "kind", "amount", "value_date", "enterprise", "agency", "bank", "memo", "created_at")
    list_filter = ("book", "kind")
    search_fields = ("memo", "idempotency_key")


@admin.register(models.FlowEvent)
class FlowEventAdmin(AppendOnlyAdmin):
    list_display = ("pk", "flow", "object_id", "action", "from_state", "to_state", "actor", "actor_role", "on")
    list_filter = ("flow", "action")


for model in (models.VoucherProgramme, models.AgencyProfile, models.AgencyRelation, models.VoucherApplication,
              models.VoucherGrant, models.VoucherOrder, models.SettlementClaim, models.ClaimDocument,
              models.VoucherPublicity, models.RiskPoolFund, models.Loan, models.SubsidyPolicy, models.SubsidyBatch,
              models.SubsidyLine, models.SubsidyAward):
    admin.site.register(model, ReadOnlyAdmin)
