import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.core.audit_guard import RETENTION_DAYS_MIN, history_models, purge_context


class Command(BaseCommand):
    help = "Delete audit records older than --days (never fewer than 180: 等保 requires 6 months)"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True)

    def handle(self, *args, days, **opts):
        if days < RETENTION_DAYS_MIN:
            raise CommandError(f"审计记录至少保留{RETENTION_DAYS_MIN}天 / keep at least {RETENTION_DAYS_MIN} days")
        cutoff = timezone.now() - dt.timedelta(days=days)
        total = 0
        with purge_context():
            for model in history_models():
                for obj in model.objects.filter(history_date__lt=cutoff).iterator():
                    obj.delete()
                    total += 1
        self.stdout.write(f"deleted {total}")
