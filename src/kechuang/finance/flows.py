"""The workflows of tech finance, each a TRANSITIONS table declared once, and the one helper that applies them.

Every transition is taken by its own service (vouchers.py, loans.py, subsidy.py), which locks the row, calls
`apply()` — role check, state check, status change, event row — and then moves money through the ledger.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_noop
from django.http import Http404

from kechuang.core.choices import Action, Role
from kechuang.core.errors import ValidationFailed
from kechuang.core.services import stamp

from .choices import ApplicationStatus as AS
from .choices import BatchStatus as BS
from .choices import GrantStatus as GS
from .choices import LoanStatus as LS
from .choices import OrderStatus as OS
from .choices import ProgrammeStatus as PS
from .engine.flow import SYSTEM, Flow, FlowRefused, Transition

B, T, E, A, K = Role.BUREAU, Role.TOWN, Role.ENTERPRISE, Role.AGENCY, Role.BANK


def _t(source, action, target, roles, label) -> Transition:
    return Transition(str(source), action, str(target), frozenset(str(r) for r in roles), label)


def _states(choices) -> dict[str, str]:
    return {c: str(label) for c, label in choices.choices}


PROGRAMME_FLOW = Flow("programme", (
    _t(PS.DRAFT, "open", PS.OPEN, {B, SYSTEM}, gettext_noop("开始受理")),
    _t(PS.OPEN, "close", PS.CLOSED, {B}, gettext_noop("结束受理")),
), _states(PS))

APPLICATION_FLOW = Flow("application", (
    _t(AS.SUBMITTED, "approve", AS.APPROVED, {B}, gettext_noop("批准发券")),
    _t(AS.SUBMITTED, "reject", AS.REJECTED, {B}, gettext_noop("不予批准")),
    _t(AS.SUBMITTED, "withdraw", AS.WITHDRAWN, {E}, gettext_noop("撤回申请")),
), _states(AS))

GRANT_FLOW = Flow("grant", (
    _t(GS.ACTIVE, "expire", GS.EXPIRED, {B, SYSTEM}, gettext_noop("到期收回")),
    _t(GS.ACTIVE, "cancel", GS.CANCELLED, {B, E}, gettext_noop("取消创新券")),
), _states(GS))

ORDER_FLOW = Flow("order", (
    _t(OS.PLACED, "confirm", OS.CONFIRMED, {A}, gettext_noop("确认接单")),
    _t(OS.PLACED, "decline", OS.DECLINED, {A}, gettext_noop("拒绝接单")),
    _t(OS.PLACED, "cancel", OS.CANCELLED, {E, B, SYSTEM}, gettext_noop("取消订单")),
    _t(OS.CONFIRMED, "cancel", OS.CANCELLED, {E, B, SYSTEM}, gettext_noop("取消订单")),
    _t(OS.CONFIRMED, "deliver", OS.DELIVERED, {A}, gettext_noop("服务完成")),
    _t(OS.DELIVERED, "claim", OS.CLAIMED, {A, E}, gettext_noop("提交结算申请")),
    _t(OS.CLAIMED, "approve", OS.APPROVED, {B}, gettext_noop("审核通过")),
    _t(OS.CLAIMED, "return", OS.DELIVERED, {B}, gettext_noop("退回补正")),
    _t(OS.CLAIMED, "reject", OS.REJECTED, {B}, gettext_noop("不予结算")),
    _t(OS.APPROVED, "publish", OS.PUBLISHED, {B}, gettext_noop("公示")),
    _t(OS.PUBLISHED, "pay", OS.PAID, {B}, gettext_noop("兑付")),
    _t(OS.PUBLISHED, "reject", OS.REJECTED, {B}, gettext_noop("不予结算")),
), _states(OS))

LOAN_FLOW = Flow("loan", (
    _t(LS.SUBMITTED, "check", LS.CHECKED, {B}, gettext_noop("初审通过")),
    _t(LS.SUBMITTED, "reject", LS.REJECTED, {B}, gettext_noop("初审不通过")),
    _t(LS.CHECKED, "assess", LS.ASSESSED, {K}, gettext_noop("评估通过")),
    _t(LS.CHECKED, "decline", LS.DECLINED, {K}, gettext_noop("不予贷款")),
    _t(LS.ASSESSED, "decline", LS.DECLINED, {K}, gettext_noop("不予贷款")),
    _t(LS.ASSESSED, "approve", LS.APPROVED, {K}, gettext_noop("审批")),
    _t(LS.APPROVED, "disburse", LS.DISBURSED, {K}, gettext_noop("放款")),
    _t(LS.SUBMITTED, "withdraw", LS.WITHDRAWN, {E}, gettext_noop("撤回申请")),
    _t(LS.CHECKED, "withdraw", LS.WITHDRAWN, {E}, gettext_noop("撤回申请")),
    _t(LS.ASSESSED, "withdraw", LS.WITHDRAWN, {E}, gettext_noop("撤回申请")),
    _t(LS.APPROVED, "withdraw", LS.WITHDRAWN, {E}, gettext_noop("撤回申请")),
    _t(LS.DISBURSED, "repay", LS.DISBURSED, {K}, gettext_noop("登记还款")),
    _t(LS.OVERDUE, "repay", LS.OVERDUE, {K}, gettext_noop("登记还款")),
    _t(LS.DISBURSED, "settle", LS.SETTLED, {K, SYSTEM}, gettext_noop("结清")),
    _t(LS.OVERDUE, "settle", LS.SETTLED, {K, SYSTEM}, gettext_noop("结清")),
    _t(LS.DISBURSED, "mark_overdue", LS.OVERDUE, {K, SYSTEM}, gettext_noop("报告逾期")),
    _t(LS.OVERDUE, "cure", LS.DISBURSED, {K}, gettext_noop("逾期已清偿")),
    _t(LS.OVERDUE, "declare_default", LS.DEFAULTED, {K, B}, gettext_noop("认定违约")),
    _t(LS.DEFAULTED, "compensate", LS.COMPENSATED, {B}, gettext_noop("风险池代偿")),
), _states(LS))

BATCH_FLOW = Flow("batch", (
    _t(BS.DRAFT, "compute", BS.DRAFT, {B}, gettext_noop("测算")),
    _t(BS.DRAFT, "submit", BS.SUBMITTED, {B}, gettext_noop("报审")),
    _t(BS.SUBMITTED, "return", BS.DRAFT, {B}, gettext_noop("退回重算")),
    _t(BS.SUBMITTED, "approve", BS.APPROVED, {B}, gettext_noop("批准")),
    _t(BS.APPROVED, "pay", BS.PAID, {B}, gettext_noop("拨付")),
), _states(BS))

FLOWS = {f.name: f for f in (PROGRAMME_FLOW, APPLICATION_FLOW, GRANT_FLOW, ORDER_FLOW, LOAN_FLOW, BATCH_FLOW)}


class RoleRefused(PermissionDenied):
    """The caller's role may not take this transition (HTTP 403 with the reason); outside scope is 404 instead."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def actor_role(user) -> str:
    """The role a transition is checked against: 'system' for scheduled work, bureau for superusers."""
    if user is None:
        return SYSTEM
    if user.is_superuser:
        return Role.BUREAU
    return user.role


def check_scope(user, obj, action: str = Action.VIEW) -> None:
    """Objects outside the caller's scope do not exist for them (404), whatever the role."""
    if user is None:
        return
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise Http404


def refuse(field: str, code: str, message: str):
    raise ValidationFailed([{"field": field, "code": code, "message": message}])


def check(flow: Flow, obj, action: str, user) -> Transition:
    """Role first (403), then state (422): a refused request always carries its reason."""
    try:
        return flow.check(obj.status, action, actor_role(user))
    except FlowRefused as exc:
        if exc.kind == "role":
            raise RoleRefused(exc.message) from None
        refuse("status", exc.kind, exc.message)


def apply(flow: Flow, obj, action: str, user, *, on: dt.date, note: str = "", region_id: str,
          enterprise_id=None, agency_id=None, bank_id=None, transition: Transition | None = None,
          extra_update: tuple[str, ...] = ()) -> Transition:
    """Take a transition on a locked row: check, set the status, save (audited) and write the event row."""
    from .models import FlowEvent

    t = transition or check(flow, obj, action, user)
    old = obj.status
    obj.status = t.target
    stamp(obj, user, reason=f"{flow.name}:{action}")
    obj.save()
    FlowEvent.objects.create(
        flow=flow.name, object_id=obj.pk, from_state=old, action=action, to_state=t.target,
        actor=user if user is not None and user.pk else None, actor_role=actor_role(user), note=note[:2000],
        on=on, enterprise_id=enterprise_id, agency_id=agency_id, bank_id=bank_id, region_id=region_id)
    return t


def record(flow: Flow, obj, action: str, user, *, on: dt.date, note: str = "", region_id: str, from_state: str = "",
           enterprise_id=None, agency_id=None, bank_id=None) -> None:
    """An event row for a creation (no prior state) or a step that keeps the state (a repayment)."""
    from .models import FlowEvent

    FlowEvent.objects.create(
        flow=flow.name, object_id=obj.pk, from_state=from_state, action=action, to_state=obj.status,
        actor=user if user is not None and user.pk else None, actor_role=actor_role(user), note=note[:2000],
        on=on, enterprise_id=enterprise_id, agency_id=agency_id, bank_id=bank_id, region_id=region_id)


def available_actions(flow: Flow, obj, user) -> list[Transition]:
    """The transitions the user's role may take from the object's current state (buttons on pages)."""
    if user is None or not user.is_authenticated:
        return []
    return flow.available(obj.status, actor_role(user))
