"""Risk-pool services: funds, loan applications and their workflow, repayments, default and compensation.

A loan row is locked for every step that moves money, so concurrent repayments can never take the balance below
zero; the loss on default is split by the fund's shares with the rounding remainder given to one defined party.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from kechuang.core.choices import Action, Role
from kechuang.core.errors import FieldErrors
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import stamp
from kechuang.core.units import YearMonth
from kechuang.enterprises.models import Bank, Enterprise, Qualification

from . import flows
from .choices import EntryKind, LoanStatus, Party
from .engine.eligibility import Qual, borrower_reasons
from .engine.split import split_loss
from .flows import LOAN_FLOW, RoleRefused, actor_role, check_scope, refuse
from .ledger import DuplicateMovement, loan_balances, lock, post
from .models import Loan, RiskPoolFund
from .validation import (parse_holder_kinds, parse_int, parse_money, parse_rate, parse_share, parse_text, today)
from .vouchers import require_role

IN_PROGRESS = (LoanStatus.SUBMITTED, LoanStatus.CHECKED, LoanStatus.ASSESSED, LoanStatus.APPROVED)

FUND_PARSERS = {
    "name": lambda v: parse_text(v, max_length=200),
    "region": lambda v: parse_text(v, max_length=12),
    "city_share": parse_share,
    "district_share": parse_share,
    "bank_share": parse_share,
    "remainder_party": lambda v: parse_text(v, max_length=10),
    "holder_kinds": parse_holder_kinds,
    "max_age_years": lambda v: parse_int(v, min_value=1, max_value=50),
    "max_loan": parse_money,
}


@transaction.atomic
def fund_create(*, user, data: dict, banks: list[Bank] | None = None) -> RiskPoolFund:
    """Set up a risk-pool fund with its shares (e.g. city 4 : district 4 : bank 2) and its partner banks."""
    require_role(user, {Role.BUREAU, flows.SYSTEM}, "设立风险池")
    errors = FieldErrors()
    from kechuang.core.services import parse_input
    from kechuang.regions.services import home_region_code

    v = parse_input(data, FUND_PARSERS, errors, required=("name", "max_loan"))
    party = v.get("remainder_party") or Party.DISTRICT
    if party not in Party.values:
        errors.error("remainder_party", "尾差承担方应为 city、district 或 bank", "invalid")
    shares = [v.get(k) if v.get(k) is not None else Decimal(d) for k, d in
              (("city_share", "4"), ("district_share", "4"), ("bank_share", "2"))]
    if sum(shares) <= 0:
        errors.error("city_share", "分担份额之和应大于0", "invalid")
    errors.raise_if_any()
    fund = RiskPoolFund(name=v["name"], region_id=v.get("region") or (user.region_id if user else None) or home_region_code(),
                        city_share=shares[0], district_share=shares[1], bank_share=shares[2], remainder_party=party,
                        holder_kinds=v.get("holder_kinds") if v.get("holder_kinds") is not None else ["startup"],
                        max_age_years=v.get("max_age_years") if "max_age_years" in v else 5, max_loan=v["max_loan"])
    stamp(fund, user).save()
    if banks:
        fund.banks.set(banks)
    if user is not None:
        assert_in_scope(user, fund, Action.ADD)
    return fund


def borrower_check(fund: RiskPoolFund, enterprise: Enterprise, on: dt.date) -> list[str]:
    quals = [Qual(q.kind, q.year, q.issue_date, q.expiry_date, q.status == "revoked")
             for q in Qualification.objects.filter(enterprise=enterprise, kind__in=fund.holder_kinds or [])]
    return borrower_reasons(quals=quals, kinds=list(fund.holder_kinds or []), founded_on=enterprise.founded_on, on=on,
                            max_age_years=fund.max_age_years, in_region=enterprise.town_id.startswith(fund.region_id))


LOAN_PARSERS = {
    "amount": parse_money,
    "term_months": lambda v: parse_int(v, min_value=1, max_value=60),
    "purpose": lambda v: parse_text(v, max_length=2000),
}


@transaction.atomic
def loan_apply(*, user, fund: RiskPoolFund, enterprise: Enterprise, bank: Bank, data: dict,
               on: dt.date | None = None) -> Loan:
    """An enterprise applies to a partner bank under the fund; eligibility (startup on file, age …) has reasons."""
    require_role(user, {Role.ENTERPRISE, Role.BUREAU}, "申请风险池贷款")
    check_scope(user, enterprise)
    if actor_role(user) == Role.ENTERPRISE and user.enterprise_id != enterprise.pk:
        raise RoleRefused("只能为本企业申请")
    on = on or today()
    errors = FieldErrors()
    from kechuang.core.services import parse_input

    v = parse_input(data, LOAN_PARSERS, errors, required=("amount", "term_months"))
    if not fund.active:
        errors.error("fund", "该风险池暂停受理", "closed")
    if not fund.banks.filter(pk=bank.pk).exists():
        errors.error("bank", f"“{bank.name}”不是该风险池的合作银行", "not_partner")
    if v.get("amount") is not None and v["amount"] > fund.max_loan:
        errors.error("amount", f"超过单户贷款上限（{fund.max_loan}元）", "limit")
    for reason in borrower_check(fund, enterprise, on):
        errors.error("enterprise", reason, "not_eligible")
    if Loan.objects.filter(fund=fund, enterprise=enterprise, status__in=IN_PROGRESS).exists():
        errors.error("fund", "已有在审的风险池贷款申请", "duplicate")
    errors.raise_if_any()
    loan = Loan(fund=fund, enterprise=enterprise, bank=bank, amount_requested=v["amount"], term_requested=v["term_months"],
                purpose=v.get("purpose") or "", applied_on=on)
    stamp(loan, user).save()
    flows.record(LOAN_FLOW, loan, "apply", user, on=on, region_id=enterprise.town_id, enterprise_id=enterprise.pk,
                 bank_id=bank.pk, note=f"申请 {loan.amount_requested} 元，{loan.term_requested} 个月")
    return loan


def _loan_step(action: str, *, user, loan: Loan, on=None, note: str = "", before=None, note_required=False) -> Loan:
    on = on or today()
    with transaction.atomic():
        check_scope(user, loan)
        ln = lock(Loan, loan.pk, ("enterprise", "fund"))
        t = flows.check(LOAN_FLOW, ln, action, user)
        if note_required and not note.strip():
            refuse("note", "required", "请填写理由")
        if before is not None:
            before(ln, on)
        flows.apply(LOAN_FLOW, ln, action, user, on=on, note=note, transition=t, region_id=ln.enterprise.town_id,
                    enterprise_id=ln.enterprise_id, bank_id=ln.bank_id)
        return ln


def loan_check(*, user, loan, note: str = "", on=None):
    """The district's first check passes; the application goes to the bank."""
    def run(ln, on):
        reasons = borrower_check(ln.fund, ln.enterprise, ln.applied_on)
        if reasons:
            refuse("enterprise", "not_eligible", "；".join(reasons))
        ln.check_note = note
    return _loan_step("check", user=user, loan=loan, note=note, on=on, before=run)


def loan_reject(*, user, loan, note: str = "", on=None):
    def run(ln, on):
        ln.check_note = note
    return _loan_step("reject", user=user, loan=loan, note=note, on=on, before=run, note_required=True)


def loan_assess(*, user, loan, note: str = "", on=None):
    def run(ln, on):
        ln.assess_note = note
    return _loan_step("assess", user=user, loan=loan, note=note, on=on, before=run)


def loan_decline(*, user, loan, note: str = "", on=None):
    def run(ln, on):
        ln.assess_note = note
    return _loan_step("decline", user=user, loan=loan, note=note, on=on, before=run, note_required=True)


def loan_withdraw(*, user, loan, note: str = "", on=None):
    return _loan_step("withdraw", user=user, loan=loan, note=note, on=on)


def loan_approve(*, user, loan, limit, rate, term_months, note: str = "", on=None):
    """The bank approves a limit, an annual rate and a term (the limit at most the fund's per-borrower maximum)."""
    def run(ln, on):
        errors = FieldErrors()
        values = {}
        for name, parse, raw in (("limit", parse_money, limit), ("rate", parse_rate, rate),
                                 ("term_months", lambda x: parse_int(x, min_value=1, max_value=60), term_months)):
            try:
                values[name] = parse(raw)
            except (ValueError, TypeError) as exc:
                errors.error(name, str(exc) if raw not in (None, "") else "此项为必填项", "invalid")
        if "limit" in values and values["limit"] > ln.fund.max_loan:
            errors.error("limit", f"超过单户贷款上限（{ln.fund.max_loan}元）", "limit")
        errors.raise_if_any()
        ln.approved_limit, ln.rate, ln.term_months = values["limit"], values["rate"], values["term_months"]
        ln.approved_on = on
    return _loan_step("approve", user=user, loan=loan, note=note, on=on, before=run)


def _add_months(day: dt.date, months: int) -> dt.date:
    ym = YearMonth(day.year, day.month).add_months(months)
    last = ym.last_day.day
    return dt.date(ym.year, ym.month, min(day.day, last))


def loan_disburse(*, user, loan, amount=None, note: str = "", on=None):
    """Disburse at most the approved limit; the maturity date follows from the term."""
    def run(ln, on):
        value = ln.approved_limit if amount in (None, "") else _money("amount", amount)
        if value > ln.approved_limit:
            refuse("amount", "limit", f"放款金额不能超过审批额度（{ln.approved_limit}元）")
        post(EntryKind.DISBURSE, value, on=on, user=user, region_id=ln.enterprise.town_id, fund_id=ln.fund_id, loan=ln,
             enterprise_id=ln.enterprise_id, bank_id=ln.bank_id, key=f"loan-disburse:{ln.pk}", memo=f"{ln.number} 放款")
        ln.disbursed_on = on
        ln.maturity_date = _add_months(on, ln.term_months)
    return _loan_step("disburse", user=user, loan=loan, note=note, on=on, before=run)


def _money(field, raw) -> Decimal:
    try:
        return parse_money(raw)
    except (ValueError, TypeError) as exc:
        refuse(field, "invalid", str(exc) if raw not in (None, "") else "此项为必填项")


def loan_repay(*, user, loan, amount, note: str = "", on=None) -> Loan:
    """Record a principal repayment (never more than the balance); the loan is settled when the balance reaches 0."""
    on = on or today()
    with transaction.atomic():
        check_scope(user, loan)
        ln = lock(Loan, loan.pk, ("enterprise",))
        t = flows.check(LOAN_FLOW, ln, "repay", user)
        value = _money("amount", amount)
        balance = loan_balances(ln).balance
        if value > balance:
            refuse("amount", "over_repaid", f"还款金额超过贷款余额（余额{balance}元）")
        post(EntryKind.REPAY, value, on=on, user=user, region_id=ln.enterprise.town_id, fund_id=ln.fund_id, loan=ln,
             enterprise_id=ln.enterprise_id, bank_id=ln.bank_id, memo=f"{ln.number} 还本")
        flows.apply(LOAN_FLOW, ln, "repay", user, on=on, note=note or f"还本 {value} 元，余额 {balance - value} 元",
                    transition=t, region_id=ln.enterprise.town_id, enterprise_id=ln.enterprise_id, bank_id=ln.bank_id)
        if balance - value == 0:
            ln.settled_on = on
            ln.overdue_since = None
            flows.apply(LOAN_FLOW, ln, "settle", user, on=on, note="余额为0，自动结清", region_id=ln.enterprise.town_id,
                        enterprise_id=ln.enterprise_id, bank_id=ln.bank_id)
        return ln


def loan_mark_overdue(*, user, loan, note: str = "", on=None):
    def run(ln, on):
        if loan_balances(ln).balance <= 0:
            refuse("status", "no_balance", "贷款余额为0，不能报告逾期")
        ln.overdue_since = on
    return _loan_step("mark_overdue", user=user, loan=loan, note=note, on=on, before=run)


def loan_cure(*, user, loan, note: str = "", on=None):
    def run(ln, on):
        ln.overdue_since = None
    return _loan_step("cure", user=user, loan=loan, note=note, on=on, before=run)


def loan_declare_default(*, user, loan, note: str = "", on=None):
    def run(ln, on):
        ln.defaulted_on = on
    return _loan_step("declare_default", user=user, loan=loan, note=note, on=on, before=run, note_required=True)


def loan_compensate(*, user, loan, note: str = "", on=None) -> Loan:
    """The risk pool compensates: the outstanding principal is the loss, split city : district : bank exactly."""
    def run(ln, on):
        loss = loan_balances(ln).balance
        if loss <= 0:
            refuse("status", "no_balance", "贷款余额为0，无需代偿")
        fund = ln.fund
        parts = split_loss(loss, fund.shares, fund.remainder_party)
        for party, amount in parts.items():
            if amount <= 0:
                continue
            try:
                post(EntryKind.LOSS, amount, on=on, user=user, region_id=ln.enterprise.town_id, fund_id=fund.pk, loan=ln,
                     party=party, enterprise_id=ln.enterprise_id, bank_id=ln.bank_id, key=f"loan-loss:{ln.pk}:{party}",
                     memo=f"{ln.number} 损失分担（{Party(party).label}）")
            except DuplicateMovement:
                refuse("loan", "already_compensated", "该贷款已代偿")
        ln.compensated_on = on
    return _loan_step("compensate", user=user, loan=loan, note=note, on=on, before=run)


def loans_mark_overdue_due(*, user=None, on: dt.date | None = None) -> dict:
    """Mark every loan past maturity with a balance as overdue (the nightly/CLI job)."""
    on = on or today()
    qs = Loan.objects.filter(status=LoanStatus.DISBURSED, maturity_date__lt=on)
    if user is not None:
        qs = qs.restrict(user, Action.VIEW)
    n = 0
    for ln in qs.order_by("pk"):
        if loan_balances(ln).balance > 0:
            loan_mark_overdue(user=user, loan=ln, on=on, note=f"到期日{ln.maturity_date}未结清")
            n += 1
    return {"overdue": n}
