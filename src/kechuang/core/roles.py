"""Separation of duties (等保2.0 三级: 系统管理员、安全审计员、业务操作员分离), decided here and nowhere else.

- The system administrator (`sysadmin`) manages accounts — create, lock, unlock, reset passwords, assign roles and
  scope — and nothing else: the scope rules give the role no business data (`ScopeRule.q` answers only what the
  public may see) and it cannot read the audit trail.
- The security auditor (`auditor`) reads the audit trail (change log, personal-information access log, security
  events) and may read, never change, business records inside its region; it cannot manage accounts.
- The operator roles (bureau, town, enterprise, expert, agency, bank) do the business and can neither manage
  accounts nor read the audit trail.
- A superuser (created at installation) may do everything; it is the break-glass account, not a daily login.

Views use the decorators below; the scope rules (core.scope) ask `sees_business_data` and `duty_allows`; the
navigation keeps only what a role may open (`nav_visible`).
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from .choices import Action, Role

OPERATOR_ROLES = (Role.BUREAU, Role.TOWN, Role.ENTERPRISE, Role.EXPERT, Role.AGENCY, Role.BANK)
# Roles a system administrator may give; the auditor and administrator accounts are made by a superuser
# (`kechuang manage createsuperuser`, then the admin), so no administrator can grant itself the audit trail.
SYSADMIN_ASSIGNABLE = OPERATOR_ROLES


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_manage_accounts(user) -> bool:
    return _active(user) and (user.is_superuser or user.role == Role.SYSADMIN)


def can_read_audit(user) -> bool:
    return _active(user) and (user.is_superuser or user.role == Role.AUDITOR)


def sees_business_data(role: str) -> bool:
    """Whether the role may see any business record beyond public listings (the sysadmin may not)."""
    return role != Role.SYSADMIN


def duty_allows(role: str, action: str) -> bool:
    """The separation of duties over every scope rule: no business action for the sysadmin, only reading for the
    auditor."""
    return sees_business_data(role) and (role != Role.AUDITOR or action == Action.VIEW)


def assignable_roles(user) -> tuple:
    if user.is_superuser:
        return tuple(Role.values)
    return tuple(SYSADMIN_ASSIGNABLE) if can_manage_accounts(user) else ()


def may_manage(user, account) -> bool:
    """A sysadmin manages operator accounts; only a superuser touches administrator, auditor or superuser accounts."""
    if not can_manage_accounts(user):
        return False
    if user.is_superuser:
        return True
    return not account.is_superuser and account.role in SYSADMIN_ASSIGNABLE


def _guard(check):
    def deco(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise Http404  # like scope: a page a role has no business with does not exist for it
            return view(request, *args, **kwargs)
        return wrapped
    return deco


accounts_required = _guard(can_manage_accounts)
audit_required = _guard(can_read_audit)


def nav_visible(user, item: dict) -> bool:
    """The sysadmin's menu shows public entries and its own pages only (no business pages, even empty ones)."""
    if user is None or not user.is_authenticated or user.is_superuser or user.role != Role.SYSADMIN:
        return True
    return bool(item.get("public")) or item.get("role") == Role.SYSADMIN or item.get("url") == "/"
