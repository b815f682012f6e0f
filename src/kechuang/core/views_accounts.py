"""Account management for the system administrator (core.roles): list, create, edit role and scope, lock, unlock,
reset password. Every change is a security event the auditor reads; the administrator sees no business data."""
from __future__ import annotations

import datetime as dt
import secrets
import string

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Role
from .roles import accounts_required, assignable_roles, may_manage
from .security_log import account_label, security_event

User = get_user_model()
SCOPE_FIELDS = ("region", "enterprise", "agency", "bank", "institution")
NEEDS = {Role.BUREAU: "region", Role.TOWN: "region", Role.AUDITOR: "region", Role.ENTERPRISE: "enterprise",
         Role.AGENCY: "agency", Role.BANK: "bank", Role.EXPERT: "institution", Role.SYSADMIN: None}


def temporary_password() -> str:
    """12 characters from all four classes (passes the complexity rule); the user must change it at first login."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(12))
        if (any(c.islower() for c in pw) and any(c.isupper() for c in pw) and any(c.isdigit() for c in pw)
                and any(not c.isalnum() for c in pw)):
            return pw


def _expire_password(account) -> None:
    """A password set by an administrator must be changed at the next login (the expiry check sends them there)."""
    from .security import PASSWORD_MAX_AGE_DAYS

    past = timezone.now() - dt.timedelta(days=max(PASSWORD_MAX_AGE_DAYS, 1) + 1)
    User.objects.filter(pk=account.pk).update(password_changed_at=past)


class AccountForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("姓名"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("角色"))
    region = forms.CharField(label=gettext_lazy("所属区域代码"), max_length=12, required=False,
                             help_text=gettext_lazy("科技局、审计员：区或市代码；科技助理：镇街代码"))
    enterprise = forms.CharField(label=gettext_lazy("所属企业（统一社会信用代码）"), max_length=18, required=False)
    agency = forms.ModelChoiceField(label=gettext_lazy("所属服务机构"), queryset=None, required=False)
    bank = forms.ModelChoiceField(label=gettext_lazy("所属银行"), queryset=None, required=False)
    institution = forms.ModelChoiceField(label=gettext_lazy("所属院校/院所"), queryset=None, required=False)

    def __init__(self, *args, actor, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        from kechuang.enterprises.models import Bank, Institution, ServiceAgency

        self.account = account
        self.fields["role"].choices = [(r, Role(r).label) for r in assignable_roles(actor)]
        self.fields["agency"].queryset = ServiceAgency.objects.order_by("name")
        self.fields["bank"].queryset = Bank.objects.order_by("name")
        self.fields["institution"].queryset = Institution.objects.order_by("name")
        if account is not None:
            self.fields["username"].disabled = True

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if self.account is None and User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("该用户名已被使用"))
        return name

    def clean(self):
        from kechuang.enterprises.models import Enterprise
        from kechuang.regions.models import Region

        data = super().clean()
        role = data.get("role")
        need = NEEDS.get(role)
        out = {f: None for f in SCOPE_FIELDS}
        if need == "region":
            code = (data.get("region") or "").strip()
            region = Region.objects.filter(code=code).first() if code else None
            if region is None:
                self.add_error("region", _("请填写有效的区域代码"))
            elif role == Role.TOWN and region.level != "town":
                self.add_error("region", _("科技助理的区域应为镇街"))
            elif role != Role.TOWN and region.level == "town":
                self.add_error("region", _("该角色的区域应为区或市"))
            out["region"] = region
        elif need == "enterprise":
            uscc = (data.get("enterprise") or "").strip().upper()
            ent = Enterprise.objects.filter(uscc=uscc).first() if uscc else None
            if ent is None:
                self.add_error("enterprise", _("未找到该统一社会信用代码的企业"))
            out["enterprise"] = ent
        elif need is not None:
            if data.get(need) is None:
                self.add_error(need, _("请选择该角色所属的单位"))
            out[need] = data.get(need)
        data["scope"] = out
        return data


def _initial(account) -> dict:
    return {"username": account.username, "first_name": account.first_name, "role": account.role,
            "region": account.region_id or "", "enterprise": account.enterprise.uscc if account.enterprise_id else "",
            "agency": account.agency_id, "bank": account.bank_id, "institution": account.institution_id}


def _scope_text(account) -> str:
    for f in SCOPE_FIELDS:
        value = getattr(account, f)
        if value is not None:
            return f"{account._meta.get_field(f).verbose_name}：{value}"
    return "—"


@accounts_required
def account_list(request):
    g = request.GET
    qs = User.objects.select_related("region", "enterprise", "agency", "bank", "institution").order_by("username")
    q = (g.get("q") or "").strip()[:100]
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q))
    if g.get("role") in Role.values:
        qs = qs.filter(role=g["role"])
    if g.get("status") == "active":
        qs = qs.filter(is_active=True)
    elif g.get("status") == "locked":
        qs = qs.filter(is_active=False)
    page = Paginator(qs, 50).get_page(g.get("page"))
    rows = [(u, _scope_text(u), may_manage(request.user, u)) for u in page]
    query = g.copy()
    query.pop("page", None)
    return render(request, "core/accounts.html", {"page": page, "rows": rows, "roles": Role.choices,
                                                  "filters": {"q": q, "role": g.get("role", ""),
                                                              "status": g.get("status", "")},
                                                  "query": query.urlencode()})


def _apply(account, data) -> list[str]:
    """Copy the form onto the account; returns what changed (for the security event)."""
    changed = []
    for field in ("first_name", "role"):
        if getattr(account, field) != data[field]:
            changed.append(f"{field}: {getattr(account, field)} → {data[field]}")
            setattr(account, field, data[field])
    for field, value in data["scope"].items():
        old = getattr(account, f"{field}_id")
        new = value.pk if value is not None else None
        if old != new:
            changed.append(f"{field}: {old or '—'} → {new or '—'}")
            setattr(account, field, value)
    return changed


@accounts_required
def account_new(request):
    form = AccountForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        password = temporary_password()
        with transaction.atomic():
            account = User(username=form.cleaned_data["username"], is_active=True)
            changes = _apply(account, form.cleaned_data)
            account.set_password(password)
            account.save()
            _expire_password(account)
            security_event("account_create", request=request, target=account_label(account), detail="; ".join(changes))
        return render(request, "core/account_password.html", {"account": account, "password": password,
                                                              "created": True})
    return render(request, "core/account_form.html", {"form": form, "account": None})


def _managed(request, pk):
    account = get_object_or_404(User.objects.select_related("enterprise"), pk=pk)
    if not may_manage(request.user, account):
        raise Http404
    return account


@accounts_required
def account_edit(request, pk: int):
    account = _managed(request, pk)
    form = AccountForm(request.POST or None, actor=request.user, account=account, initial=_initial(account))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            changes = _apply(account, form.cleaned_data)
            if changes:
                account.save()
                security_event("account_change", request=request, target=account_label(account),
                               detail="; ".join(changes))
        return redirect("core:accounts")
    return render(request, "core/account_form.html", {"form": form, "account": account})


@accounts_required
def account_action(request, pk: int, action: str):
    """POST lock / unlock / reset (a new temporary password, shown once, to be changed at the next login)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    account = _managed(request, pk)
    if action not in ("lock", "unlock", "reset") or (action == "lock" and account.pk == request.user.pk):
        raise Http404
    with transaction.atomic():
        if action == "reset":
            password = temporary_password()
            account.set_password(password)
            account.save()
            _expire_password(account)
            security_event("password_reset", request=request, target=account_label(account))
        else:
            account.is_active = action == "unlock"
            account.save(update_fields=["is_active"])
            security_event(f"account_{action}", request=request, target=account_label(account))
    if action == "unlock":
        from .security import login_succeeded

        login_succeeded(account.username, "")  # also lift a lockout after failed logins
    if action == "reset":
        return render(request, "core/account_password.html", {"account": account, "password": password,
                                                              "created": False})
    return redirect("core:accounts")
