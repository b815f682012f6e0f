"""Menu entries of the core app: account management for the sysadmin, the audit trail for the auditor."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .roles import can_manage_accounts, can_read_audit


def items(user):
    out = []
    if user is None or not user.is_authenticated:
        return out
    if can_manage_accounts(user):
        out.append({"label": _("账号管理"), "url": reverse("core:accounts"), "order": 95, "role": Role.SYSADMIN})
    if can_read_audit(user):
        out.append({"label": _("审计日志"), "url": reverse("core:audit"), "order": 96, "role": Role.AUDITOR})
    return out
