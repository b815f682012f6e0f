"""Voucher services: programmes, applications, grants, orders and settlements. One service per transition.

Locking order (always the same, so concurrent writers never deadlock): programme → grant → order. Every check
that guards money (available budget, a holder's cap, a grant's free balance, an order's reservation) is made on
balances summed from the ledger *after* the guarding row is locked, inside the same transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from kechuang.core.choices import Action, Role
from kechuang.core.errors import FieldErrors
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import stamp
from kechuang.enterprises.models import Enterprise, Qualification, ServiceAgency

from . import flows
from .choices import (ORDER_EARLY, ORDER_SETTLING, ApplicationStatus, ClaimStatus, DocumentKind, EntryKind,
                      GrantStatus, OrderStatus, ProgrammeStatus, RelationKind, ServiceCategory)
from .engine.eligibility import Qual, voucher_holder_reasons
from .engine.money import tiered_subsidy
from .flows import APPLICATION_FLOW, GRANT_FLOW, ORDER_FLOW, PROGRAMME_FLOW, RoleRefused, actor_role, check_scope, refuse
from .ledger import grant_balances, holder_granted, lock, order_reserved, post, programme_balances, DuplicateMovement
from .models import (AgencyProfile, AgencyRelation, ClaimDocument, SettlementClaim, VoucherApplication, VoucherGrant,
                     VoucherOrder, VoucherProgramme, VoucherPublicity)
from .validation import (parse_categories, parse_day, parse_holder_kinds, parse_int, parse_key, parse_money,
                         parse_text, parse_tiers_input, today)

ALLOWED_EXTENSIONS = {"pdf", "ofd", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "zip", "txt"}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def require_role(user, roles, what: str) -> str:
    role = actor_role(user)
    if role not in {str(r) for r in roles}:
        raise RoleRefused(f"当前角色无权{what}")
    return role


def _parse(data: dict, parsers: dict, errors: FieldErrors, required=()) -> dict:
    from kechuang.core.services import parse_input

    return parse_input(data, parsers, errors, required=tuple(required))


# ---------------------------------------------------------------------------------------------------- programmes

PROGRAMME_PARSERS = {
    "year": lambda v: parse_int(v, min_value=2000, max_value=2100),
    "name": lambda v: parse_text(v, max_length=200),
    "region": lambda v: parse_text(v, max_length=12),
    "budget": lambda v: parse_money(v, allow_zero=True),
    "annual_cap": parse_money,
    "tiers": parse_tiers_input,
    "holder_kinds": parse_holder_kinds,
    "categories": parse_categories,
    "valid_from": parse_day,
    "valid_until": parse_day,
    "publicity_days": lambda v: parse_int(v, min_value=0, max_value=60),
    "grant_days": lambda v: parse_int(v, min_value=1, max_value=3660),
    "notes": lambda v: parse_text(v, max_length=2000),
}


@transaction.atomic
def programme_create(*, user, data: dict, on: dt.date | None = None) -> VoucherProgramme:
    """Create a year's programme with its rules; its budget is recorded in the ledger at once."""
    require_role(user, {Role.BUREAU, flows.SYSTEM}, "设立创新券方案")
    on = on or today()
    errors = FieldErrors()
    v = _parse(data, PROGRAMME_PARSERS, errors,
               required=("year", "name", "budget", "annual_cap", "tiers", "holder_kinds", "categories"))
    region = v.get("region") or (user.region_id if user is not None else None)
    from kechuang.regions.models import Region
    from kechuang.regions.services import home_region_code

    region = region or home_region_code()
    if not Region.objects.filter(code=region).exists():
        errors.error("region", f"区划代码不存在：{region}", "unknown")
    year = v.get("year")
    if year:
        v.setdefault("valid_from", None)
        v["valid_from"] = v.get("valid_from") or dt.date(year, 1, 1)
        v["valid_until"] = v.get("valid_until") or dt.date(year, 12, 31)
        if v["valid_until"] < v["valid_from"]:
            errors.error("valid_until", "有效期止不能早于有效期起", "invalid")
        if VoucherProgramme.objects.filter(region_id=region, year=year).exists():
            errors.error("year", f"{year}年度方案已存在", "duplicate")
    if v.get("holder_kinds") == []:
        errors.error("holder_kinds", "至少选择一类申领对象", "required")
    if v.get("categories") == []:
        errors.error("categories", "至少选择一类服务", "required")
    errors.raise_if_any()
    p = VoucherProgramme(region_id=region, year=year, name=v["name"], budget=v["budget"], annual_cap=v["annual_cap"],
                         tiers=v["tiers"], holder_kinds=v["holder_kinds"], categories=v["categories"],
                         valid_from=v["valid_from"], valid_until=v["valid_until"],
                         publicity_days=v.get("publicity_days") if v.get("publicity_days") is not None else 5,
                         grant_days=v.get("grant_days"),
                         notes=v.get("notes") or "")
    stamp(p, user).save()
    if user is not None:
        assert_in_scope(user, p, Action.ADD)
    if p.budget > 0:
        post(EntryKind.BUDGET, p.budget, on=on, user=user, region_id=p.region_id, programme=p, memo="年度预算下达")
    flows.record(PROGRAMME_FLOW, p, "create", user, on=on, region_id=p.region_id, note=f"预算 {p.budget} 元")
    return p


@transaction.atomic
def programme_budget_add(*, user, programme: VoucherProgramme, amount, note: str = "",
                         on: dt.date | None = None) -> VoucherProgramme:
    """Add budget (a supplementary allocation) to a programme: one BUDGET movement, and the declared total grows."""
    require_role(user, {Role.BUREAU, flows.SYSTEM}, "追加预算")
    check_scope(user, programme, Action.CHANGE)  # a public listing: only its own bureau may change it
    try:
        amount = parse_money(amount)
    except ValueError as exc:
        refuse("amount", "invalid", str(exc))
    on = on or today()
    p = lock(VoucherProgramme, programme.pk)
    if p.status == ProgrammeStatus.CLOSED:
        refuse("status", "state", "方案已结束，不能追加预算")
    p.budget += amount
    stamp(p, user, reason="budget_add").save()
    post(EntryKind.BUDGET, amount, on=on, user=user, region_id=p.region_id, programme=p, memo=note or "追加预算")
    flows.record(PROGRAMME_FLOW, p, "budget_add", user, on=on, region_id=p.region_id, note=f"追加 {amount} 元 {note}")
    return p


def _programme_transition(action: str, *, user, programme, on=None, note: str = ""):
    with transaction.atomic():
        check_scope(user, programme, Action.CHANGE)
        p = lock(VoucherProgramme, programme.pk)
        flows.apply(PROGRAMME_FLOW, p, action, user, on=on or today(), note=note, region_id=p.region_id)
        return p


def programme_open(*, user, programme, on=None, note: str = ""):
    return _programme_transition("open", user=user, programme=programme, on=on, note=note)


def programme_close(*, user, programme, on=None, note: str = ""):
    return _programme_transition("close", user=user, programme=programme, on=on, note=note)


# ---------------------------------------------------------------------------------------------------- eligibility

def holder_reasons(programme: VoucherProgramme, enterprise: Enterprise, on: dt.date) -> list[str]:
    quals = [Qual(q.kind, q.year, q.issue_date, q.expiry_date, q.status == "revoked")
             for q in Qualification.objects.filter(enterprise=enterprise, kind__in=programme.holder_kinds)]
    return voucher_holder_reasons(quals=quals, kinds=list(programme.holder_kinds), year=programme.year, on=on,
                                  in_region=enterprise.town_id.startswith(programme.region_id))


def relation_reasons(agency: ServiceAgency, enterprise: Enterprise) -> list[str]:
    """Why an agency may not serve a holder: an explicit relation, the same legal representative, or itself."""
    reasons = []
    for rel in AgencyRelation.objects.filter(agency=agency, enterprise=enterprise):
        reasons.append(f"服务机构与企业存在关联关系（{RelationKind(rel.kind).label}）")
    if agency.uscc and agency.uscc == enterprise.uscc:
        reasons.append("服务机构与企业为同一主体")
    profile = AgencyProfile.objects.filter(agency=agency).first()
    if profile and profile.legal_rep and enterprise.legal_rep and profile.legal_rep.strip() == enterprise.legal_rep.strip():
        reasons.append("服务机构与企业为同一法定代表人")
    return reasons


# ---------------------------------------------------------------------------------------------------- applications

APPLICATION_PARSERS = {
    "amount": parse_money,
    "purpose": lambda v: parse_text(v, max_length=2000),
    "categories": parse_categories,
}


@transaction.atomic
def application_submit(*, user, programme: VoucherProgramme, enterprise: Enterprise, data: dict,
                       on: dt.date | None = None) -> VoucherApplication:
    """An enterprise (or the bureau for it) applies for a voucher; eligibility is checked with reasons."""
    require_role(user, {Role.ENTERPRISE, Role.BUREAU}, "申请创新券")
    check_scope(user, enterprise)
    if user is not None and actor_role(user) == Role.ENTERPRISE and user.enterprise_id != enterprise.pk:
        raise RoleRefused("只能为本企业申请")
    on = on or today()
    programme = VoucherProgramme.objects.get(pk=programme.pk)  # the current status, not a caller's stale copy
    errors = FieldErrors()
    v = _parse(data, APPLICATION_PARSERS, errors, required=("amount",))
    if programme.status != ProgrammeStatus.OPEN:
        errors.error("programme", f"方案“{programme.name}”未在受理期", "closed")
    elif not (programme.valid_from <= on <= programme.valid_until):
        errors.error("programme", f"申请日期{on}不在方案有效期（{programme.valid_from}–{programme.valid_until}）内", "closed")
    for reason in holder_reasons(programme, enterprise, on):
        errors.error("enterprise", reason, "not_eligible")
    amount = v.get("amount")
    if amount is not None:
        left = programme.annual_cap - holder_granted(programme, enterprise)
        if amount > left:
            errors.error("amount", f"超过每户年度上限：上限{programme.annual_cap}元，已获{programme.annual_cap - left}元，"
                                   f"本次最多可申请{max(left, Decimal(0))}元", "cap_exceeded")
    bad = [c for c in (v.get("categories") or []) if c not in programme.categories]
    if bad:
        errors.error("categories", "本方案不支持以下服务类别：" + "、".join(str(ServiceCategory(c).label) for c in bad),
                     "category")
    if VoucherApplication.objects.filter(programme=programme, enterprise=enterprise,
                                         status=ApplicationStatus.SUBMITTED).exists():
        errors.error("programme", "已有待审核的申请，请等待审核结果", "duplicate")
    errors.raise_if_any()
    app = VoucherApplication(programme=programme, enterprise=enterprise, amount=amount, purpose=v.get("purpose") or "",
                             categories=v.get("categories") or [], applied_on=on)
    stamp(app, user).save()
    flows.record(APPLICATION_FLOW, app, "submit", user, on=on, region_id=enterprise.town_id, enterprise_id=enterprise.pk,
                 note=f"申请 {amount} 元")
    return app


def application_approve(*, user, application: VoucherApplication, amount=None, note: str = "",
                        on: dt.date | None = None) -> VoucherGrant:
    """Grant a voucher: refused with a reason when it would overspend the budget or exceed the holder's cap."""
    on = on or today()
    with transaction.atomic():
        check_scope(user, application)
        programme = lock(VoucherProgramme, application.programme_id)  # serialises every grant of the programme
        app = lock(VoucherApplication, application.pk, ("enterprise",))
        t = flows.check(APPLICATION_FLOW, app, "approve", user)
        if amount in (None, ""):
            amount = app.amount
        else:
            try:
                amount = parse_money(amount)
            except ValueError as exc:
                refuse("amount", "invalid", str(exc))
        if amount > app.amount:
            refuse("amount", "invalid", f"批准额度不能超过申请额度（{app.amount}元）")
        if programme.status != ProgrammeStatus.OPEN:
            refuse("programme", "closed", f"方案“{programme.name}”未在受理期")
        enterprise = app.enterprise
        reasons = holder_reasons(programme, enterprise, app.applied_on)  # eligibility as of the application day
        if reasons:
            refuse("enterprise", "not_eligible", "；".join(reasons))
        got = holder_granted(programme, enterprise)
        if got + amount > programme.annual_cap:
            refuse("amount", "cap_exceeded", f"超过每户年度上限：上限{programme.annual_cap}元，已获{got}元，本次{amount}元")
        available = programme_balances(programme).available
        if amount > available:
            refuse("amount", "budget_exceeded", f"预算可用余额不足：可用{available}元，本次需{amount}元")
        grant = VoucherGrant(application=app, programme=programme, enterprise=enterprise, amount=amount, granted_on=on,
                             valid_until=programme.grant_valid_until(on))
        stamp(grant, user).save()
        post(EntryKind.GRANT, amount, on=on, user=user, region_id=enterprise.town_id, programme=programme, grant=grant,
             enterprise=enterprise, key=f"grant:{app.pk}", memo=f"发放创新券 {grant.number}")
        app.decided_on = on
        app.decision_note = note
        flows.apply(APPLICATION_FLOW, app, "approve", user, on=on, note=note or f"批准 {amount} 元", transition=t,
                    region_id=enterprise.town_id, enterprise_id=enterprise.pk)
        flows.record(GRANT_FLOW, grant, "issue", user, on=on, region_id=enterprise.town_id, enterprise_id=enterprise.pk,
                     note=f"{amount} 元，有效期至 {grant.valid_until}")
        return grant


def _application_close(action: str, *, user, application, note: str, on=None, note_required=False):
    on = on or today()
    with transaction.atomic():
        check_scope(user, application)
        app = lock(VoucherApplication, application.pk, ("enterprise",))
        t = flows.check(APPLICATION_FLOW, app, action, user)
        if note_required and not note.strip():
            refuse("note", "required", "请填写理由")
        app.decided_on = on
        app.decision_note = note
        flows.apply(APPLICATION_FLOW, app, action, user, on=on, note=note, transition=t,
                    region_id=app.enterprise.town_id, enterprise_id=app.enterprise_id)
        return app


def application_reject(*, user, application, note: str = "", on=None):
    return _application_close("reject", user=user, application=application, note=note, on=on, note_required=True)


def application_withdraw(*, user, application, note: str = "", on=None):
    return _application_close("withdraw", user=user, application=application, note=note, on=on)


# ---------------------------------------------------------------------------------------------------- grants

def _return_to_budget(grant: VoucherGrant, amount: Decimal, *, user, on, memo: str) -> None:
    """Money freed on a grant that is no longer active goes straight back to the budget (expired or cancelled)."""
    if amount <= 0:
        return
    kind = EntryKind.EXPIRE if grant.status == GrantStatus.EXPIRED else EntryKind.CANCEL
    post(kind, amount, on=on, user=user, region_id=grant.enterprise.town_id, programme_id=grant.programme_id,
         grant=grant, enterprise_id=grant.enterprise_id, memo=memo)


def _release(order: VoucherOrder, grant: VoucherGrant, amount: Decimal, *, user, on, memo: str) -> None:
    if amount <= 0:
        return
    post(EntryKind.RELEASE, amount, on=on, user=user, region_id=order.enterprise.town_id, programme_id=order.programme_id,
         grant=grant, order=order, enterprise_id=order.enterprise_id, agency_id=order.agency_id, memo=memo)
    if grant.status != GrantStatus.ACTIVE:
        _return_to_budget(grant, amount, user=user, on=on, memo=f"{memo}（创新券已{grant.get_status_display()}，退回预算）")


def _cancel_early_orders(grant: VoucherGrant, *, user, on, note: str) -> int:
    n = 0
    for order_id in grant.orders.filter(status__in=ORDER_EARLY).values_list("pk", flat=True):
        order = lock(VoucherOrder, order_id, ("enterprise",))
        t = flows.check(ORDER_FLOW, order, "cancel", user)
        reserved = order_reserved(order)
        _release(order, grant, reserved, user=user, on=on, memo=f"订单 {order.number} 取消")
        flows.apply(ORDER_FLOW, order, "cancel", user, on=on, note=note, transition=t, region_id=order.enterprise.town_id,
                    enterprise_id=order.enterprise_id, agency_id=order.agency_id)
        n += 1
    return n


def grant_expire(*, user, grant: VoucherGrant, on: dt.date | None = None, note: str = "") -> Decimal:
    """After its validity, a grant lapses: orders not yet delivered are cancelled, the unused rest returns to the budget.

    Orders already delivered keep their reservation and may still be settled; if they are later rejected, the freed
    amount returns to the budget at once. Returns the amount returned now.
    """
    on = on or today()
    with transaction.atomic():
        check_scope(user, grant)
        g = lock(VoucherGrant, grant.pk, ("enterprise",))
        t = flows.check(GRANT_FLOW, g, "expire", user)
        if on <= g.valid_until:
            refuse("valid_until", "not_due", f"创新券有效期至{g.valid_until}，尚未到期")
        _cancel_early_orders(g, user=user, on=on, note="创新券到期，未完成服务的订单自动取消")
        free = grant_balances(g).free
        if free > 0:
            post(EntryKind.EXPIRE, free, on=on, user=user, region_id=g.enterprise.town_id, programme_id=g.programme_id,
                 grant=g, enterprise_id=g.enterprise_id, memo=f"创新券 {g.number} 到期收回")
        flows.apply(GRANT_FLOW, g, "expire", user, on=on, note=note or f"收回 {free} 元", transition=t,
                    region_id=g.enterprise.town_id, enterprise_id=g.enterprise_id)
        return free


def grants_expire_due(*, user, on: dt.date | None = None, programme=None) -> dict:
    """Expire every active grant whose validity ended before `on` (the nightly/CLI job); each in its own transaction."""
    on = on or today()
    qs = VoucherGrant.objects.filter(status=GrantStatus.ACTIVE, valid_until__lt=on)
    if user is not None:
        qs = qs.restrict(user, Action.VIEW)
    if programme is not None:
        qs = qs.filter(programme=programme)
    count, total = 0, Decimal("0.00")
    for g in qs.order_by("pk"):
        total += grant_expire(user=user, grant=g, on=on)
        count += 1
    return {"expired": count, "returned": total}


def grant_cancel(*, user, grant: VoucherGrant, note: str = "", on: dt.date | None = None) -> Decimal:
    """Cancel a grant (the holder gives it up, or the bureau withdraws it); its unused rest returns to the budget."""
    on = on or today()
    with transaction.atomic():
        check_scope(user, grant)
        g = lock(VoucherGrant, grant.pk, ("enterprise",))
        t = flows.check(GRANT_FLOW, g, "cancel", user)
        if actor_role(user) == Role.BUREAU and not note.strip():
            refuse("note", "required", "请填写取消理由")
        if g.orders.filter(status__in=ORDER_SETTLING).exists():
            refuse("status", "settling", "有订单已完成服务、正在结算，不能取消创新券")
        _cancel_early_orders(g, user=user, on=on, note="创新券取消，订单随之取消")
        free = grant_balances(g).free
        if free > 0:
            post(EntryKind.CANCEL, free, on=on, user=user, region_id=g.enterprise.town_id, programme_id=g.programme_id,
                 grant=g, enterprise_id=g.enterprise_id, memo=f"创新券 {g.number} 取消收回")
        flows.apply(GRANT_FLOW, g, "cancel", user, on=on, note=note or f"收回 {free} 元", transition=t,
                    region_id=g.enterprise.town_id, enterprise_id=g.enterprise_id)
        return free


# ---------------------------------------------------------------------------------------------------- orders

ORDER_PARSERS = {
    "category": lambda v: parse_categories(v)[0] if parse_categories(v) else None,
    "service": lambda v: parse_text(v, max_length=200),
    "fee": parse_money,
}


def order_create(*, user, grant: VoucherGrant, agency: ServiceAgency, data: dict,
                 on: dt.date | None = None) -> VoucherOrder:
    """Order a service from a listed agency; the subsidy (by the programme's tiers) is reserved on the grant.

    Refused with a reason when the agency is not listed, related to the holder, or lacks the category; when the
    category is not supported; or when the grant's free balance cannot cover the subsidy (no over-redemption).
    """
    require_role(user, {Role.ENTERPRISE, Role.BUREAU}, "使用创新券下单")
    on = on or today()
    check_scope(user, grant)
    errors = FieldErrors()
    v = _parse(data, ORDER_PARSERS, errors, required=("category", "service", "fee"))
    grant = VoucherGrant.objects.select_related("programme", "enterprise").get(pk=grant.pk)
    programme = grant.programme
    enterprise = grant.enterprise
    if not agency.voucher_listed or agency.status != "published":
        errors.error("agency", f"“{agency.name}”不是创新券服务机构", "not_listed")
    for reason in relation_reasons(agency, enterprise):
        errors.error("agency", reason, "related")
    category = v.get("category")
    if category and category not in programme.categories:
        errors.error("category", f"本方案不支持“{ServiceCategory(category).label}”类服务", "category")
    profile = AgencyProfile.objects.filter(agency=agency).first()
    if category and profile and profile.categories and category not in profile.categories:
        errors.error("category", f"“{agency.name}”未登记承接“{ServiceCategory(category).label}”类服务", "category")
    if not (programme.valid_from <= on <= grant.valid_until):
        errors.error("grant", f"下单日期{on}不在创新券有效期（至{grant.valid_until}）内", "expired")
    subsidy = None
    if v.get("fee") is not None:
        subsidy = tiered_subsidy(v["fee"], programme.tier_list())
        if subsidy <= 0:
            errors.error("fee", "按本方案补助比例，该金额无可补助部分", "invalid")
    errors.raise_if_any()
    with transaction.atomic():
        g = lock(VoucherGrant, grant.pk)  # serialises every reservation on this grant
        if g.status != GrantStatus.ACTIVE:
            refuse("grant", "state", f"创新券{g.get_status_display()}，不能下单")
        free = grant_balances(g).free
        if subsidy > free:
            refuse("fee", "grant_exceeded", f"创新券余额不足：可用{free}元，本次需预占{subsidy}元")
        order = VoucherOrder(grant=g, programme_id=g.programme_id, enterprise_id=g.enterprise_id, agency=agency,
                             category=category, service=v["service"], fee=v["fee"], subsidy=subsidy, ordered_on=on)
        stamp(order, user).save()
        post(EntryKind.RESERVE, subsidy, on=on, user=user, region_id=enterprise.town_id, programme_id=g.programme_id,
             grant=g, order=order, enterprise_id=g.enterprise_id, agency=agency, memo=f"订单 {order.number} 预占")
        flows.record(ORDER_FLOW, order, "place", user, on=on, region_id=enterprise.town_id, enterprise_id=enterprise.pk,
                     agency_id=agency.pk, note=f"服务金额 {order.fee} 元，预占 {subsidy} 元")
        return order


def _order_step(action: str, *, user, order: VoucherOrder, on=None, note: str = "", before=None, lock_grant=False,
                note_required=False) -> VoucherOrder:
    """Lock (grant →) order, check the transition, run `before(order, grant)` for its money, then apply it."""
    on = on or today()
    with transaction.atomic():
        check_scope(user, order)
        grant = lock(VoucherGrant, order.grant_id, ("enterprise",)) if lock_grant else None
        o = lock(VoucherOrder, order.pk, ("enterprise", "agency", "programme"))
        t = flows.check(ORDER_FLOW, o, action, user)
        if note_required and not note.strip():
            refuse("note", "required", "请填写理由")
        if before is not None:
            before(o, grant, on)
        flows.apply(ORDER_FLOW, o, action, user, on=on, note=note, transition=t, region_id=o.enterprise.town_id,
                    enterprise_id=o.enterprise_id, agency_id=o.agency_id)
        return o


def order_confirm(*, user, order, note: str = "", on=None):
    return _order_step("confirm", user=user, order=order, note=note, on=on)


def _release_all(user, memo):
    def run(o, grant, on):
        _release(o, grant, order_reserved(o), user=user, on=on, memo=f"订单 {o.number} {memo}")
    return run


def order_decline(*, user, order, note: str = "", on=None):
    return _order_step("decline", user=user, order=order, note=note, on=on, lock_grant=True, note_required=True,
                       before=_release_all(user, "机构拒单"))


def order_cancel(*, user, order, note: str = "", on=None):
    return _order_step("cancel", user=user, order=order, note=note, on=on, lock_grant=True,
                       before=_release_all(user, "取消"))


def order_deliver(*, user, order, note: str = "", on=None):
    def run(o, grant, on):
        o.delivered_on = on
    return _order_step("deliver", user=user, order=order, note=note, on=on, before=run)


def order_claim(*, user, order: VoucherOrder, idempotency_key, invoice_amount, documents: list[dict],
                note: str = "", on: dt.date | None = None) -> tuple[SettlementClaim, bool]:
    """Submit the settlement claim with its documents. Returns (claim, created).

    The same idempotency key sent again returns the first claim unchanged (created=False): a double click, a
    retried request or a resent form never makes a second claim, and a second payment is impossible anyway.
    """
    on = on or today()
    errors = FieldErrors()
    try:
        key = parse_key(idempotency_key)
    except ValueError as exc:
        refuse("idempotency_key", "invalid", str(exc))
    with transaction.atomic():
        check_scope(user, order)
        o = lock(VoucherOrder, order.pk, ("enterprise",))  # serialises submissions: the key lookup is reliable
        existing = SettlementClaim.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.order_id != o.pk:
                refuse("idempotency_key", "key_reused", "该幂等键已用于另一笔结算申请")
            return existing, False
        t = flows.check(ORDER_FLOW, o, "claim", user)
        try:
            amount = parse_money(invoice_amount)
        except ValueError as exc:
            errors.error("invoice_amount", str(exc), "invalid")
            amount = None
        if amount is not None and amount > o.fee:
            errors.error("invoice_amount", f"实际服务金额不能超过订单金额（{o.fee}元）", "invalid")
        docs = _check_documents(documents, errors)
        errors.raise_if_any()
        claim = SettlementClaim(order=o, idempotency_key=key, invoice_amount=amount, note=note[:2000], submitted_on=on,
                                submitted_by=user if user is not None and user.pk else None)
        stamp(claim, user).save()
        for d in docs:
            doc = ClaimDocument(claim=claim, kind=d["kind"], reference=d.get("reference") or "")
            upload = d.get("file")
            if upload is not None:
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                doc.name = (upload.name or "")[-200:]
                doc.size = upload.size or 0
                doc.sha256 = digest.hexdigest()
                doc.file.save(doc.name or "document", upload, save=False)
            stamp(doc, user).save()
        flows.apply(ORDER_FLOW, o, "claim", user, on=on, note=note or f"实际服务金额 {amount} 元", transition=t,
                    region_id=o.enterprise.town_id, enterprise_id=o.enterprise_id, agency_id=o.agency_id)
        return claim, True


def _check_documents(documents: list[dict], errors: FieldErrors) -> list[dict]:
    """Each of contract, invoice, payment proof and result report must be given as a file or a reference."""
    by_kind: dict[str, dict] = {}
    limit = min(MAX_DOCUMENT_BYTES, getattr(settings, "KECHUANG_UPLOAD_MAX_BYTES", MAX_DOCUMENT_BYTES))
    for d in documents or []:
        kind = d.get("kind")
        if kind not in DocumentKind.values:
            errors.error("documents", f"未知材料类型：{kind}", "invalid")
            continue
        upload = d.get("file")
        reference = (d.get("reference") or "").strip()[:300]
        if upload is None and not reference:
            continue
        if upload is not None:
            name = upload.name or ""
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext not in ALLOWED_EXTENSIONS:
                errors.error(kind, f"{DocumentKind(kind).label}：不支持的文件类型“{ext or '无扩展名'}”", "file_type")
                continue
            if (upload.size or 0) > limit:
                errors.error(kind, f"{DocumentKind(kind).label}：文件超过{limit // (1024 * 1024)}MB", "file_size")
                continue
            if not upload.size:
                errors.error(kind, f"{DocumentKind(kind).label}：文件为空", "file_empty")
                continue
        by_kind[kind] = {"kind": kind, "file": upload, "reference": reference}
    for kind, label in DocumentKind.choices:
        if kind not in by_kind and not any(e["field"] == kind for e in errors.items):
            errors.error(kind, f"缺少{label}（上传文件或填写编号）", "required")
    return list(by_kind.values())


def _latest_claim(o: VoucherOrder) -> SettlementClaim:
    claim = o.claims.filter(status=ClaimStatus.SUBMITTED).order_by("-pk").first()
    if claim is None:
        refuse("claim", "missing", "没有待审核的结算申请")
    return claim


def order_approve(*, user, order, amount=None, note: str = "", on=None):
    """Approve the claim: the subsidy is the tiered amount of the actual fee, at most the reservation; the rest is freed."""
    def run(o, grant, on):
        claim = _latest_claim(o)
        ceiling = min(tiered_subsidy(claim.invoice_amount, o.programme.tier_list()), o.subsidy)
        if amount in (None, ""):
            approved = ceiling
        else:
            try:
                approved = parse_money(amount)
            except ValueError as exc:
                refuse("amount", "invalid", str(exc))
            if approved > ceiling:
                refuse("amount", "invalid", f"核定兑付额不能超过{ceiling}元（按实际服务金额与预占额计算）")
        reserved = order_reserved(o)
        _release(o, grant, reserved - approved, user=user, on=on, memo=f"订单 {o.number} 核定后释放差额")
        o.approved_subsidy = approved
        claim.status = ClaimStatus.APPROVED
        claim.approved_amount = approved
        claim.review_note = note
        stamp(claim, user).save()
    return _order_step("approve", user=user, order=order, note=note, on=on, lock_grant=True, before=run)


def order_return(*, user, order, note: str = "", on=None):
    """Send the claim back for correction; the order returns to 'delivered' and a new claim may be submitted."""
    def run(o, grant, on):
        claim = _latest_claim(o)
        claim.status = ClaimStatus.RETURNED
        claim.review_note = note
        stamp(claim, user).save()
    return _order_step("return", user=user, order=order, note=note, on=on, note_required=True, before=run)


def order_reject(*, user, order, note: str = "", on=None):
    """Refuse the settlement for good: the reservation is released (to the grant, or to the budget if it lapsed)."""
    def run(o, grant, on):
        for claim in o.claims.filter(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.APPROVED]):
            claim.status = ClaimStatus.REJECTED
            claim.review_note = note
            stamp(claim, user).save()
        for pub in VoucherPublicity.objects.filter(order=o, withdrawn=False):
            pub.withdrawn = True
            stamp(pub, user).save()
        _release(o, grant, order_reserved(o), user=user, on=on, memo=f"订单 {o.number} 不予结算")
    return _order_step("reject", user=user, order=order, note=note, on=on, lock_grant=True, note_required=True,
                       before=run)


def order_publish(*, user, order, note: str = "", on=None):
    """Put the approved settlement under public notice for the programme's publicity days."""
    def run(o, grant, on):
        days = o.programme.publicity_days
        o.publicity_start = on
        o.publicity_end = on + dt.timedelta(days=max(days, 1) - 1) if days else on - dt.timedelta(days=1)
        VoucherPublicity.objects.create(order=o, programme_id=o.programme_id, enterprise_name=o.enterprise.name,
                                        agency_name=o.agency.name, category=o.category, service=o.service,
                                        amount=o.approved_subsidy, start=on, end=max(o.publicity_end, on))
    return _order_step("publish", user=user, order=order, note=note, on=on, before=run)


def order_pay(*, user, order, note: str = "", on=None):
    """Pay the approved subsidy after the publicity period, exactly once (a unique idempotency key per order)."""
    def run(o, grant, on):
        if o.publicity_end is not None and on <= o.publicity_end:
            refuse("publicity_end", "publicity", f"公示期至{o.publicity_end}，期满后方可兑付")
        reserved = order_reserved(o)
        amount = o.approved_subsidy
        if amount is None or amount <= 0 or amount > reserved:
            refuse("amount", "over_redeemed", f"兑付额{amount}元超过订单占用额{reserved}元")
        try:
            post(EntryKind.PAY, amount, on=on, user=user, region_id=o.enterprise.town_id, programme_id=o.programme_id,
                 grant=grant, order=o, enterprise_id=o.enterprise_id, agency_id=o.agency_id,
                 key=f"voucher-pay:{o.pk}", memo=f"订单 {o.number} 兑付（收款方：{o.agency.name}）")
        except DuplicateMovement:
            refuse("order", "already_paid", "该订单已兑付，不会重复支付")
        o.paid_on = on
    return _order_step("pay", user=user, order=order, note=note, on=on, lock_grant=True, before=run)


def orders_pay_due(*, user, on: dt.date | None = None, programme=None) -> dict:
    """Pay every published order whose publicity period has ended (the CLI step); each in its own transaction."""
    on = on or today()
    qs = VoucherOrder.objects.filter(status=OrderStatus.PUBLISHED, publicity_end__lt=on)
    if user is not None:
        qs = qs.restrict(user, Action.VIEW)
    if programme is not None:
        qs = qs.filter(programme=programme)
    count, total = 0, Decimal("0.00")
    for o in qs.order_by("pk"):
        o = order_pay(user=user, order=o, on=on)
        count += 1
        total += o.approved_subsidy
    return {"paid": count, "amount": total}


__all__ = [name for name in dir() if name.startswith(("programme_", "application_", "grant_", "grants_", "order_", "orders_"))]
