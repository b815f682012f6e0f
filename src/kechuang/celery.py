"""The Celery application: `celery -A kechuang worker` with CELERY_BROKER_URL=redis://… (production)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")

app = Celery("kechuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
