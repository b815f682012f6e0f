"""Loan-interest subsidy: policies, the yearly batch (compute → submit → approve → pay) and its xlsx for approval.

Each line: principal × annual rate × days / basis × ratio, rounded to the fen half-up **once** at the end of the
line; an enterprise's award is the sum of its rounded lines, capped per enterprise and year. See engine/interest.py.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from kechuang.core.choices import Action, Role
from kechuang.core.errors import FieldErrors
from kechuang.core.exporting import write_xlsx
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import parse_input, stamp

from . import flows
from .choices import Book, EntryKind, LoanStatus
from .engine.interest import capped, segments, subsidy_lines
from .flows import BATCH_FLOW, check_scope, refuse
from .ledger import DuplicateMovement, exact_total, lock, post
from .models import LedgerEntry, Loan, SubsidyAward, SubsidyBatch, SubsidyLine, SubsidyPolicy
from .validation import parse_int, parse_money, parse_rate, parse_ratio, parse_text, today
from .vouchers import require_role

ZERO = Decimal("0.00")
ROUNDING_NOTE = ("计算规则：每条明细 = 本金 × 年利率 × 天数 ÷ 计息基础（360或365天）× 贴息比例；"
                 "天数按实际日历天数，算头不算尾（放款日计息、还款日不计息）；"
                 "每条明细在计算结束时按四舍五入保留到分，仅舍入一次；企业合计 = 各明细之和，超过每户年度上限的按上限核定。")

POLICY_PARSERS = {
    "year": lambda v: parse_int(v, min_value=2000, max_value=2100),
    "name": lambda v: parse_text(v, max_length=200),
    "region": lambda v: parse_text(v, max_length=12),
    "ratio": parse_ratio,
    "day_count": lambda v: parse_int(v, min_value=360, max_value=365),
    "cap_per_enterprise": parse_money,
    "rate_cap": parse_rate,
}


@transaction.atomic
def policy_create(*, user, data: dict) -> SubsidyPolicy:
    require_role(user, {Role.BUREAU, flows.SYSTEM}, "设立贴息政策")
    from kechuang.regions.services import home_region_code

    errors = FieldErrors()
    v = parse_input(data, POLICY_PARSERS, errors, required=("year", "name", "ratio", "cap_per_enterprise"))
    if v.get("day_count") not in (None, 360, 365):
        errors.error("day_count", "计息基础应为360或365", "invalid")
    region = v.get("region") or (user.region_id if user else None) or home_region_code()
    if v.get("year") and SubsidyPolicy.objects.filter(region_id=region, year=v["year"]).exists():
        errors.error("year", f"{v['year']}年度贴息政策已存在", "duplicate")
    errors.raise_if_any()
    p = SubsidyPolicy(region_id=region, year=v["year"], name=v["name"], ratio=v["ratio"],
                      day_count=v.get("day_count") or 360, cap_per_enterprise=v["cap_per_enterprise"],
                      rate_cap=v.get("rate_cap"))
    stamp(p, user).save()
    if user is not None:
        assert_in_scope(user, p, Action.ADD)
    return p


def loan_lines(loan: Loan, policy: SubsidyPolicy, repayments: list[tuple[dt.date, Decimal]], disbursed: Decimal):
    """The subsidy lines of one loan in the policy's year (engine arithmetic on the loan's ledger movements)."""
    if loan.disbursed_on is None or not loan.rate:
        return []
    start, end = dt.date(policy.year, 1, 1), dt.date(policy.year + 1, 1, 1)
    stops = [d for d in (loan.maturity_date, loan.overdue_since, loan.defaulted_on) if d is not None]
    segs = segments(disbursed_on=loan.disbursed_on, amount=disbursed, repayments=repayments, period_start=start,
                    period_end=end, stop=min(stops) if stops else None)
    return subsidy_lines(segs=segs, rate=loan.rate, basis=policy.day_count, ratio=policy.ratio, rate_cap=policy.rate_cap)


@transaction.atomic
def batch_compute(*, user, policy: SubsidyPolicy, on: dt.date | None = None) -> SubsidyBatch:
    """(Re)compute the year's batch from every disbursed risk-pool loan in the policy's region (draft only)."""
    require_role(user, {Role.BUREAU, flows.SYSTEM}, "测算贴息")
    check_scope(user, policy)
    on = on or today()
    batch, _ = SubsidyBatch.objects.get_or_create(policy=policy)
    batch = lock(SubsidyBatch, batch.pk)
    t = flows.check(BATCH_FLOW, batch, "compute", user)
    batch.lines.all().delete()
    batch.awards.all().delete()
    year_start, year_end = dt.date(policy.year, 1, 1), dt.date(policy.year, 12, 31)
    loans = (Loan.objects.filter(enterprise__town__code__startswith=policy.region_id, disbursed_on__isnull=False,
                                 disbursed_on__lte=year_end)
             .exclude(settled_on__lt=year_start).select_related("enterprise", "bank").order_by("enterprise_id", "pk"))
    loans = list(loans)
    moves: dict[int, dict] = {ln.pk: {"disbursed": ZERO, "repay": []} for ln in loans}
    for e in (LedgerEntry.objects.filter(book=Book.LOAN, loan_id__in=list(moves), kind__in=[EntryKind.DISBURSE, EntryKind.REPAY])
              .values("loan_id", "kind", "value_date", "amount")):
        if e["kind"] == EntryKind.DISBURSE:
            moves[e["loan_id"]]["disbursed"] += e["amount"]
        else:
            moves[e["loan_id"]]["repay"].append((e["value_date"], e["amount"]))
    lines, totals = [], {}
    for ln in loans:
        for line in loan_lines(ln, policy, moves[ln.pk]["repay"], moves[ln.pk]["disbursed"]):
            lines.append(SubsidyLine(batch=batch, loan=ln, enterprise_id=ln.enterprise_id, bank_id=ln.bank_id,
                                     start=line.start, end=line.end, days=line.days, principal=line.principal,
                                     rate=line.rate, basis=line.basis, ratio=line.ratio, amount=line.amount))
            totals[ln.enterprise_id] = totals.get(ln.enterprise_id, ZERO) + line.amount
    cap = policy.cap_per_enterprise
    awards = [SubsidyAward(batch=batch, enterprise_id=eid, lines_total=total, cap=cap, amount=capped(total, cap))
              for eid, total in totals.items()]
    who = user if user is not None and user.pk else None
    if lines:
        bulk_create_with_history(lines, SubsidyLine, batch_size=1000, default_user=who, default_change_reason="compute")
    if awards:
        bulk_create_with_history(awards, SubsidyAward, batch_size=1000, default_user=who, default_change_reason="compute")
    batch.computed_on = on
    flows.apply(BATCH_FLOW, batch, "compute", user, on=on, transition=t, region_id=policy.region_id,
                note=f"{len(lines)} 条明细，{len(totals)} 户，合计 {sum((capped(t_, cap) for t_ in totals.values()), ZERO)} 元")
    return batch


def _batch_step(action: str, *, user, batch, on=None, note: str = "", before=None) -> SubsidyBatch:
    on = on or today()
    with transaction.atomic():
        check_scope(user, batch)
        b = lock(SubsidyBatch, batch.pk)
        t = flows.check(BATCH_FLOW, b, action, user)
        if before is not None:
            before(b, on)
        flows.apply(BATCH_FLOW, b, action, user, on=on, note=note, transition=t, region_id=b.policy.region_id)
        return b


def batch_submit(*, user, batch, note: str = "", on=None):
    def run(b, on):
        if not b.awards.exists():
            refuse("batch", "empty", "批次没有贴息明细，请先测算")
    return _batch_step("submit", user=user, batch=batch, note=note, on=on, before=run)


def batch_return(*, user, batch, note: str = "", on=None):
    return _batch_step("return", user=user, batch=batch, note=note, on=on)


def batch_approve(*, user, batch, note: str = "", on=None):
    def run(b, on):
        b.approved_on = on
    return _batch_step("approve", user=user, batch=batch, note=note, on=on, before=run)


def batch_pay(*, user, batch, note: str = "", on=None):
    """Pay every award of the approved batch: one SUBSIDY movement per enterprise, each with its idempotency key."""
    def run(b, on):
        for award in b.awards.select_related("enterprise").filter(amount__gt=0):
            try:
                post(EntryKind.SUBSIDY, award.amount, on=on, user=user, region_id=award.enterprise.town_id, batch=b,
                     enterprise_id=award.enterprise_id, key=f"subsidy:{b.pk}:{award.enterprise_id}",
                     memo=f"{b.policy.year}年度贷款贴息")
            except DuplicateMovement:
                refuse("batch", "already_paid", "该批次已拨付")
        b.paid_on = on
    return _batch_step("pay", user=user, batch=batch, note=note, on=on, before=run)


def batch_totals(batch: SubsidyBatch) -> dict:
    lines = exact_total(SubsidyLine.objects.filter(batch=batch))
    awards = exact_total(SubsidyAward.objects.filter(batch=batch))
    paid = exact_total(LedgerEntry.objects.filter(batch=batch, kind=EntryKind.SUBSIDY))
    return {"lines_total": lines, "awards_total": awards, "paid": paid, "enterprises": batch.awards.count(),
            "lines": batch.lines.count()}


def batch_xlsx(batch: SubsidyBatch, user=None) -> bytes:
    """The batch for approval: a summary per enterprise, every loan-period line, and the rounding rule. Amounts are
    Decimals written as exact numbers with 2 decimal places."""
    awards = SubsidyAward.objects.filter(batch=batch)
    lines = SubsidyLine.objects.filter(batch=batch)
    if user is not None:
        awards = awards.restrict(user, Action.VIEW)
        lines = lines.restrict(user, Action.VIEW)
    awards = awards.select_related("enterprise__town").order_by("enterprise__name", "pk")
    lines = lines.select_related("enterprise", "loan", "bank").order_by("enterprise__name", "loan_id", "start")
    policy = batch.policy
    summary = [(i, a.enterprise.name, a.enterprise.uscc, a.enterprise.town.name, a.lines_total, a.cap, a.amount)
               for i, a in enumerate(awards, start=1)]
    total = sum((r[6] for r in summary), ZERO)
    summary.append(("", "合计", "", "", sum((r[4] for r in summary), ZERO), None, total))
    detail = [(ln.enterprise.name, ln.loan.number, ln.bank.name, ln.start, ln.end - dt.timedelta(days=1), ln.days,
               ln.principal, ln.rate, ln.basis, ln.ratio, ln.amount) for ln in lines]
    about = [("政策", policy.name), ("年度", policy.year), ("贴息比例", policy.ratio), ("计息基础（天）", policy.day_count),
             ("每户年度上限（元）", policy.cap_per_enterprise), ("贴息利率上限", policy.rate_cap if policy.rate_cap else "不限"),
             ("批次状态", batch.get_status_display()), ("合计（元）", total), ("说明", ROUNDING_NOTE)]
    return write_xlsx([
        ("企业汇总", ["序号", "企业名称", "统一社会信用代码", "镇街", "明细合计（元）", "每户上限（元）", "核定贴息额（元）"], summary),
        ("贴息明细", ["企业名称", "贷款编号", "贷款银行", "起息日", "止息日（含）", "天数", "本金（元）", "计算年利率",
                      "计息基础", "贴息比例", "贴息额（元）"], detail),
        ("说明", ["项目", "内容"], about),
    ])


__all__ = ["policy_create", "batch_compute", "batch_submit", "batch_return", "batch_approve", "batch_pay",
           "batch_totals", "batch_xlsx", "loan_lines", "ROUNDING_NOTE", "LoanStatus"]
