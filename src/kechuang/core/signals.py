"""Signal wiring of the core app: password-change stamps and audit-record immutability."""
from django.db.models.signals import pre_delete, pre_save

from .audit_guard import guard_history_delete, guard_history_update
from .security import stamp_password_change


def connect() -> None:
    from django.apps import apps
    from django.conf import settings

    pre_save.connect(stamp_password_change, sender=settings.AUTH_USER_MODEL, dispatch_uid="kc-password-stamp")
    for model in apps.get_models():
        if model.__name__.startswith("Historical") and hasattr(model, "history_id"):
            pre_save.connect(guard_history_update, sender=model, dispatch_uid=f"kc-hist-save-{model._meta.label}")
            pre_delete.connect(guard_history_delete, sender=model, dispatch_uid=f"kc-hist-del-{model._meta.label}")
