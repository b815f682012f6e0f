"""Audit records are append-only: no interface may change or delete them; SM3 seals detect tampering below it.

History rows (django-simple-history) are written once. Updating one, or deleting one younger than the retention
period (at least 180 days, 等保 requires 6 months), raises AuditImmutable; the only deletion path is the retention
purge command, which works inside `purge_context()`. `audit_seal()` chains an SM3 digest over each history table's
rows so that a change made directly in the database is found by `audit_verify()`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.utils import timezone

RETENTION_DAYS_MIN = 180
_state = threading.local()


class AuditImmutable(PermissionDenied):
    pass


@contextlib.contextmanager
def purge_context():
    _state.purging = True
    try:
        yield
    finally:
        _state.purging = False


def guard_history_update(sender, instance, **kwargs):
    if instance.pk is not None and sender.objects.filter(pk=instance.pk).exists():
        raise AuditImmutable("审计记录不可修改")


def guard_history_delete(sender, instance, **kwargs):
    if getattr(_state, "purging", False) and instance.history_date < timezone.now() - dt.timedelta(days=RETENTION_DAYS_MIN):
        return
    raise AuditImmutable("审计记录不可删除")


# Access and security logs (core.PIIAccess, core.SecurityEvent) are guarded the same way; their date field:
LOG_MODELS = {"core.PIIAccess": "at", "core.SecurityEvent": "at"}


def guard_log_update(sender, instance, **kwargs):
    if instance.pk is not None and sender._base_manager.filter(pk=instance.pk).exists():
        raise AuditImmutable("审计记录不可修改")


def guard_log_delete(sender, instance, **kwargs):
    field = LOG_MODELS[sender._meta.label]
    if getattr(_state, "purging", False) and getattr(instance, field) < timezone.now() - dt.timedelta(days=RETENTION_DAYS_MIN):
        return
    raise AuditImmutable("审计记录不可删除")


def log_models():
    return [(apps.get_model(label), field) for label, field in LOG_MODELS.items()]


def history_models():
    return [m for m in apps.get_models() if m.__name__.startswith("Historical") and hasattr(m, "history_id")]


def _row_digest(prev: str, row: dict) -> str:
    from .crypto import sm3_hex

    return sm3_hex(prev + json.dumps(row, sort_keys=True, default=str, ensure_ascii=False))


def audit_seal() -> dict[str, int]:
    """Extend each history table's SM3 chain over rows added since the last seal; returns rows sealed per table."""
    from .models import AuditSeal

    out = {}
    for model in history_models():
        label = model._meta.label
        seal = AuditSeal.objects.filter(table=label).first()
        last_id, digest = (seal.last_history_id, seal.digest) if seal else (0, "")
        n = 0
        for row in model.objects.filter(history_id__gt=last_id).order_by("history_id").values().iterator(chunk_size=5000):
            digest = _row_digest(digest, row)
            last_id = row["history_id"]
            n += 1
        if n:
            AuditSeal.objects.update_or_create(table=label, defaults={"last_history_id": last_id, "digest": digest, "rows": (seal.rows if seal else 0) + n})
        out[label] = n
    return out


def audit_verify() -> list[str]:
    """Recompute every chain up to its seal; returns the tables whose rows no longer match (empty = intact)."""
    from .models import AuditSeal

    broken = []
    for seal in AuditSeal.objects.all():
        model = apps.get_model(seal.table)
        digest = ""
        for row in model.objects.filter(history_id__lte=seal.last_history_id).order_by("history_id").values().iterator(chunk_size=5000):
            digest = _row_digest(digest, row)
        if digest != seal.digest:
            broken.append(seal.table)
    return broken
