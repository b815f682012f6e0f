from django.contrib import admin

from .models import AssessmentInput, EvaluationRun, PoolBatch, PoolEntry


class ScopedAdmin(admin.ModelAdmin):
    """Admin lists go through the same scope door as the pages."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ScopedAdmin):
    list_display = ["pk", "region", "on_date", "status", "total", "candidates", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["job", "created_by", "finished_at", "seconds"]


@admin.register(PoolBatch)
class PoolBatchAdmin(ScopedAdmin):
    list_display = ["name", "year", "region", "status", "published_on"]
    list_filter = ["status", "year"]
    readonly_fields = ["status", "published_on", "source_run", "created_by"]


@admin.register(PoolEntry)
class PoolEntryAdmin(ScopedAdmin):
    list_display = ["batch", "enterprise", "status", "score_min", "score_max", "decided_by"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in PoolEntry._meta.fields]


@admin.register(AssessmentInput)
class AssessmentInputAdmin(ScopedAdmin):
    list_display = ["enterprise", "transformations", "major_incident_last_year"]
    raw_id_fields = ["enterprise"]
