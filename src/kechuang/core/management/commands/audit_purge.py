import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.core.audit_guard import RETENTION_DAYS_MIN, history_models, log_models, purge_context


class Command(BaseCommand):
    help = ("Delete audit records (change log, personal-information access log, security events) older than --days "
            "(never fewer than 180: 等保 requires 6 months)")

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
            for model, field in log_models():  # access log and security events: same retention
                for obj in model._base_manager.filter(**{f"{field}__lt": cutoff}).iterator():
                    obj.delete()
                    total += 1
        self.stdout.write(f"deleted {total}")
