from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (Achievement, Answer, Broker, CommissionRule, Deal, Demand, Expert, ExpertVisit, MarketEvent,
                     Routing, TechContract)


@admin.register(Achievement)
class AchievementAdmin(SimpleHistoryAdmin):
    list_display = ("title", "owner_institution", "owner_enterprise", "maturity", "status", "updated_at")
    list_filter = ("status", "maturity", "cooperation")
    search_fields = ("title", "keywords")
    raw_id_fields = ("owner_institution", "owner_enterprise", "posted_by")


@admin.register(Demand)
class DemandAdmin(SimpleHistoryAdmin):
    list_display = ("title", "enterprise", "status", "broker", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "keywords")
    raw_id_fields = ("enterprise", "posted_by", "broker", "visit")


@admin.register(Expert)
class ExpertAdmin(SimpleHistoryAdmin):
    list_display = ("name", "institution", "enterprise", "title", "status")
    list_filter = ("status",)
    search_fields = ("name", "fields", "keywords")
    raw_id_fields = ("user", "institution", "enterprise", "posted_by")


@admin.register(TechContract)
class TechContractAdmin(SimpleHistoryAdmin):
    list_display = ("title", "type", "seller_enterprise", "seller_institution", "tech_amount", "status",
                     "registration_no", "registration_date")
    list_filter = ("status", "type")
    search_fields = ("title", "registration_no")
    raw_id_fields = ("deal", "seller_enterprise", "seller_institution", "buyer_enterprise", "submitted_by")


@admin.register(Deal)
class DealAdmin(SimpleHistoryAdmin):
    list_display = ("title", "broker", "buyer_enterprise", "status", "commission")
    list_filter = ("status",)
    raw_id_fields = ("demand", "answer", "achievement", "seller_enterprise", "seller_institution", "buyer_enterprise")


@admin.register(MarketEvent)
class MarketEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "workflow", "object_id", "action", "from_state", "to_state", "actor_name")
    list_filter = ("workflow", "action")

    def has_change_permission(self, request, obj=None):  # the event log is append-only
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Broker, CommissionRule, ExpertVisit, Routing, Answer):
    admin.site.register(model, SimpleHistoryAdmin)
