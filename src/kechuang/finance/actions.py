"""The registry of workflow steps: (flow, action) → the service that takes it and the inputs it needs.

Pages, the API and the `finance_action` command all dispatch through `run_action`, so every entry point takes the
same transition with the same checks. The services themselves are in vouchers.py, loans.py and subsidy.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Action
from kechuang.core.scope import get_in_scope

from . import loans, subsidy, vouchers
from .flows import FLOWS, available_actions
from .models import Loan, SubsidyBatch, VoucherApplication, VoucherGrant, VoucherOrder, VoucherProgramme


@dataclass(frozen=True)
class Param:
    """One input of a step (besides the note): its name, label, input type and whether it is required."""

    name: str
    label: str
    kind: str = "text"  # text | money | rate | int
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Step:
    service: Callable
    params: tuple[Param, ...] = ()
    note_required: bool = False
    confirm: str = ""  # a question shown before money moves
    danger: bool = False


MONEY_HELP = _("单位：元，最多两位小数")
OBJECT_KW = {"programme": "programme", "application": "application", "grant": "grant", "order": "order",
             "loan": "loan", "batch": "batch"}
MODELS = {"programme": VoucherProgramme, "application": VoucherApplication, "grant": VoucherGrant,
          "order": VoucherOrder, "loan": Loan, "batch": SubsidyBatch}

STEPS: dict[tuple[str, str], Step] = {
    ("programme", "open"): Step(vouchers.programme_open),
    ("programme", "close"): Step(vouchers.programme_close, confirm=_("结束受理后不再接受新申请，确定吗？")),
    ("application", "approve"): Step(vouchers.application_approve, (
        Param("amount", _("批准额度（元）"), "money", help=_("留空按申请额度")),),
        confirm=_("批准后将从预算中发放创新券，确定吗？")),
    ("application", "reject"): Step(vouchers.application_reject, note_required=True, danger=True),
    ("application", "withdraw"): Step(vouchers.application_withdraw, danger=True),
    ("grant", "expire"): Step(vouchers.grant_expire, confirm=_("未使用额度将退回预算，确定吗？"), danger=True),
    ("grant", "cancel"): Step(vouchers.grant_cancel, confirm=_("取消后未使用额度将退回预算，确定吗？"), danger=True),
    ("order", "confirm"): Step(vouchers.order_confirm),
    ("order", "decline"): Step(vouchers.order_decline, note_required=True, danger=True),
    ("order", "cancel"): Step(vouchers.order_cancel, danger=True),
    ("order", "deliver"): Step(vouchers.order_deliver),
    ("order", "approve"): Step(vouchers.order_approve, (
        Param("amount", _("核定兑付额（元）"), "money", help=_("留空按实际服务金额与预占额计算")),)),
    ("order", "return"): Step(vouchers.order_return, note_required=True),
    ("order", "reject"): Step(vouchers.order_reject, note_required=True, danger=True),
    ("order", "publish"): Step(vouchers.order_publish),
    ("order", "pay"): Step(vouchers.order_pay, confirm=_("确认兑付？每笔订单只会支付一次。")),
    ("loan", "check"): Step(loans.loan_check),
    ("loan", "reject"): Step(loans.loan_reject, note_required=True, danger=True),
    ("loan", "assess"): Step(loans.loan_assess),
    ("loan", "decline"): Step(loans.loan_decline, note_required=True, danger=True),
    ("loan", "approve"): Step(loans.loan_approve, (
        Param("limit", _("审批额度（元）"), "money", True), Param("rate", _("年利率"), "rate", True, _("如 0.0365 或 3.65%")),
        Param("term_months", _("期限（月）"), "int", True))),
    ("loan", "disburse"): Step(loans.loan_disburse, (
        Param("amount", _("放款金额（元）"), "money", help=_("留空按审批额度")),)),
    ("loan", "withdraw"): Step(loans.loan_withdraw, danger=True),
    ("loan", "repay"): Step(loans.loan_repay, (Param("amount", _("还本金额（元）"), "money", True),)),
    ("loan", "mark_overdue"): Step(loans.loan_mark_overdue, danger=True),
    ("loan", "cure"): Step(loans.loan_cure),
    ("loan", "declare_default"): Step(loans.loan_declare_default, note_required=True, danger=True),
    ("loan", "compensate"): Step(loans.loan_compensate, confirm=_("按分担比例记录代偿损失，确定吗？"), danger=True),
    ("batch", "submit"): Step(subsidy.batch_submit),
    ("batch", "return"): Step(subsidy.batch_return, note_required=True),
    ("batch", "approve"): Step(subsidy.batch_approve),
    ("batch", "pay"): Step(subsidy.batch_pay, confirm=_("拨付后记入资金台账，确定吗？")),
}
# Steps taken from their own forms (claim with documents, batch compute) or automatically (settle) are not listed.
SPECIAL = {("order", "claim"), ("batch", "compute"), ("loan", "settle")}


# Programmes are public listings, so steps on them need the right to change them (the bureau of their district);
# every other object is private, and seeing it plus the role in the TRANSITIONS table is what a step needs.
SCOPE_ACTION = {"programme": Action.CHANGE}


def get_object(flow: str, user, pk) -> object:
    model = MODELS.get(flow)
    if model is None:
        raise Http404
    return get_in_scope(model, user, SCOPE_ACTION.get(flow, Action.VIEW), pk=pk)


def run_action(user, flow: str, pk, action: str, data: dict, *, on=None):
    """Take one step: the object must be in scope (else 404); the service checks the role and the state."""
    step = STEPS.get((flow, action))
    if step is None:
        raise Http404
    obj = get_object(flow, user, pk)
    kwargs = {OBJECT_KW[flow]: obj, "user": user, "note": str(data.get("note") or "")[:2000]}
    for p in step.params:
        value = data.get(p.name)
        if value is not None and value != "":
            kwargs[p.name] = value if not isinstance(value, str) else value.strip()
        elif p.required:
            kwargs[p.name] = None
    if on is not None:
        kwargs["on"] = on
    return step.service(**kwargs)


def buttons(flow_name: str, obj, user) -> list[dict]:
    """The steps the user may take now, for the page: label, params and flags."""
    flow = FLOWS[flow_name]
    out = []
    for t in available_actions(flow, obj, user):
        step = STEPS.get((flow_name, t.action))
        if step is None:
            continue
        out.append({"action": t.action, "label": gettext(t.label), "params": step.params,
                    "note_required": step.note_required,
                    "confirm": step.confirm, "danger": step.danger})
    return out


__all__ = ["STEPS", "SPECIAL", "Param", "Step", "run_action", "buttons", "get_object", "MODELS"]
