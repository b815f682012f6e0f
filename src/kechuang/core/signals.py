"""Signal wiring of the core app: password-change stamps and audit-record immutability."""
from django.db.models.signals import pre_delete, pre_save

from .audit_guard import LOG_MODELS, guard_history_delete, guard_history_update, guard_log_delete, guard_log_update
from .security import stamp_password_change


def connect() -> None:
    from django.apps import apps
    from django.conf import settings

    pre_save.connect(stamp_password_change, sender=settings.AUTH_USER_MODEL, dispatch_uid="kc-password-stamp")
    for label in LOG_MODELS:
        pre_save.connect(guard_log_update, sender=label, dispatch_uid=f"kc-log-save-{label}")
        pre_delete.connect(guard_log_delete, sender=label, dispatch_uid=f"kc-log-del-{label}")
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    from .security_log import on_logged_in, on_logged_out, on_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="kc-sec-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="kc-sec-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="kc-sec-login-failed")
    for model in apps.get_models():
        if model.__name__.startswith("Historical") and hasattr(model, "history_id"):
            pre_save.connect(guard_history_update, sender=model, dispatch_uid=f"kc-hist-save-{model._meta.label}")
            pre_delete.connect(guard_history_delete, sender=model, dispatch_uid=f"kc-hist-del-{model._meta.label}")
