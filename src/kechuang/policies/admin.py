from django.contrib import admin

from kechuang.core.admin import RestrictedAdmin

from .models import (
    AchievementFair,
    Competition,
    Entry,
    Lot,
    Policy,
    PolicyAward,
    PolicyAwardEvent,
    Round,
    Score,
    TaskProgress,
    Training,
    TrainingSession,
    WorkTask,
)


@admin.register(Policy)
class PolicyAdmin(RestrictedAdmin):
    list_display = ("title", "doc_number", "year", "status", "valid_from", "valid_to")
    list_filter = ("status", "year")
    search_fields = ("title", "doc_number")
    raw_id_fields = ("region",)


@admin.register(PolicyAward)
class PolicyAwardAdmin(RestrictedAdmin):
    """Read-only here: awards move only through the audited workflow (services.award_transition)."""

    list_display = ("policy", "enterprise", "amount", "status", "paid_on")
    list_filter = ("status",)
    raw_id_fields = ("policy", "enterprise")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(PolicyAwardEvent)
class PolicyAwardEventAdmin(RestrictedAdmin):
    list_display = ("award", "action", "from_status", "to_status", "user_name", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Competition, Round, Entry, Score, Training, TrainingSession, AchievementFair, Lot, WorkTask, TaskProgress):
    admin.site.register(model, RestrictedAdmin)
