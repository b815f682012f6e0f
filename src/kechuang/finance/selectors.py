"""Reads of tech finance: every list starts from `restrict(user, action)`; the reconciliation report sums the ledger."""
from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet

from kechuang.core.choices import Action

from .choices import Book, EntryKind, GrantStatus, LoanStatus, OrderStatus
from .engine.ledger import LoanBalances, VoucherBalances, loan_checks, voucher_checks
from .ledger import exact_sums, exact_total, grants_balances
from .models import (LedgerEntry, Loan, RiskPoolFund, SubsidyBatch, VoucherApplication, VoucherGrant, VoucherOrder,
                     VoucherProgramme)

ZERO = Decimal("0.00")


def programmes(user) -> QuerySet[VoucherProgramme]:
    return VoucherProgramme.objects.restrict(user, Action.VIEW).select_related("region").order_by("-year", "pk")


def applications(user, *, programme=None, status=None) -> QuerySet[VoucherApplication]:
    qs = VoucherApplication.objects.restrict(user, Action.VIEW).select_related("enterprise", "programme")
    if programme:
        qs = qs.filter(programme=programme)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-applied_on", "-pk")


def grants(user, *, programme=None, status=None) -> QuerySet[VoucherGrant]:
    qs = VoucherGrant.objects.restrict(user, Action.VIEW).select_related("enterprise", "programme")
    if programme:
        qs = qs.filter(programme=programme)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-granted_on", "-pk")


def orders(user, *, programme=None, status=None, grant=None) -> QuerySet[VoucherOrder]:
    qs = VoucherOrder.objects.restrict(user, Action.VIEW).select_related("enterprise", "agency", "grant", "programme")
    if programme:
        qs = qs.filter(programme=programme)
    if status:
        qs = qs.filter(status=status)
    if grant:
        qs = qs.filter(grant=grant)
    return qs.order_by("-ordered_on", "-pk")


def loans(user, *, status=None, bank=None) -> QuerySet[Loan]:
    qs = Loan.objects.restrict(user, Action.VIEW).select_related("enterprise", "bank", "fund")
    if status:
        qs = qs.filter(status=status)
    if bank:
        qs = qs.filter(bank=bank)
    return qs.order_by("-applied_on", "-pk")


def ledger(user, *, book=None, kind=None, programme=None, grant=None, order=None, loan=None) -> QuerySet[LedgerEntry]:
    qs = LedgerEntry.objects.restrict(user, Action.VIEW).select_related("enterprise", "agency", "bank")
    for name, value in (("book", book), ("kind", kind), ("programme", programme), ("grant", grant), ("order", order),
                        ("loan", loan)):
        if value:
            qs = qs.filter(**{name: value})
    return qs.order_by("-pk")


# ---------------------------------------------------------------------------------------------------- reconciliation

def programme_report(programme: VoucherProgramme) -> dict:
    """The voucher reconciliation of one programme, everything summed from the ledger (and checked against rows)."""
    sums = exact_sums(LedgerEntry.objects.filter(book=Book.VOUCHER, programme=programme), "kind")
    b = VoucherBalances.from_sums(sums)
    grants_sum = exact_total(VoucherGrant.objects.filter(programme=programme))
    checks = voucher_checks(b, declared_budget=programme.budget, grants_sum=grants_sum)
    ids = list(VoucherGrant.objects.filter(programme=programme).values_list("pk", flat=True))
    per_grant = grants_balances(ids)
    bad_grants = [gid for gid, gb in per_grant.items() if gb.free < 0 or gb.reserved < 0 or gb.settled > gb.granted]
    from .engine.ledger import Check

    checks.append(Check("grants_not_over_redeemed", "每张创新券：兑付 + 占用 ≤ 发放额（逐券核对）",
                        Decimal(len(bad_grants)), Decimal(0)))
    # Grants that are no longer active must hold nothing free (their rest went back to the budget).
    closed = set(VoucherGrant.objects.filter(programme=programme).exclude(status=GrantStatus.ACTIVE).values_list("pk", flat=True))
    leaked = [gid for gid in closed if per_grant[gid].free != 0]
    checks.append(Check("closed_grants_returned", "已过期/已取消的创新券未使用额已全部退回预算", Decimal(len(leaked)), Decimal(0)))
    counts = dict(VoucherOrder.objects.filter(programme=programme).values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "programme": {"id": programme.pk, "year": programme.year, "name": programme.name, "region": programme.region_id},
        "balances": b.as_dict(),
        "checks": [c.as_dict() for c in checks],
        "balanced": all(c.ok for c in checks),
        "grants": len(ids),
        "orders": {s: counts.get(s, 0) for s in OrderStatus.values},
    }


def fund_report(fund: RiskPoolFund) -> dict:
    sums = exact_sums(LedgerEntry.objects.filter(book=Book.LOAN, fund=fund), "kind")
    b = LoanBalances.from_sums(sums)
    by_party = exact_sums(LedgerEntry.objects.filter(book=Book.LOAN, fund=fund, kind=EntryKind.LOSS), "party")
    checks = loan_checks(b)
    per_loan: dict = {}
    for (lid, kind), total in exact_sums(LedgerEntry.objects.filter(book=Book.LOAN, fund=fund), "loan_id", "kind").items():
        per_loan.setdefault(lid, {})[kind] = total
    negative = [lid for lid, s in per_loan.items() if LoanBalances.from_sums(s).balance < 0]
    from .engine.ledger import Check

    checks.append(Check("loans_not_negative", "每笔贷款余额 ≥ 0（逐笔核对）", Decimal(len(negative)), Decimal(0)))
    compensated = set(Loan.objects.filter(fund=fund, status=LoanStatus.COMPENSATED).values_list("pk", flat=True))
    open_after = [lid for lid in compensated if LoanBalances.from_sums(per_loan.get(lid, {})).balance != 0]
    checks.append(Check("compensated_closed", "已代偿贷款：损失分担合计恰等于代偿时余额", Decimal(len(open_after)), Decimal(0)))
    return {
        "fund": {"id": fund.pk, "name": fund.name, "shares": {k: v for k, v in fund.shares.items()},
                 "remainder_party": fund.remainder_party},
        "balances": {"disbursed": b.disbursed, "repaid": b.repaid, "loss": b.loss, "balance": b.balance,
                     "loss_by_party": by_party},
        "checks": [c.as_dict() for c in checks],
        "balanced": all(c.ok for c in checks),
    }


def batch_report(batch: SubsidyBatch) -> dict:
    from .subsidy import batch_totals

    t = batch_totals(batch)
    from .engine.ledger import Check

    checks = [Check("awards_capped", "核定贴息额合计 ≤ 明细合计", min(t["lines_total"] - t["awards_total"], ZERO), ZERO)]
    if batch.status == "paid":
        checks.append(Check("paid", "已拨付 = 核定贴息额合计", t["paid"], t["awards_total"]))
    else:
        checks.append(Check("not_paid", "未拨付批次无拨付记录", t["paid"], ZERO))
    return {"batch": {"id": batch.pk, "year": batch.policy.year, "status": batch.status}, "totals": t,
            "checks": [c.as_dict() for c in checks], "balanced": all(c.ok for c in checks)}


def reconciliation(user=None, *, year: int | None = None) -> dict:
    """The whole report: every voucher programme, risk-pool fund and subsidy batch the user may see."""
    progs, funds = VoucherProgramme.objects.all(), RiskPoolFund.objects.all()
    if user is not None:
        # Programmes and funds are public listings; what a user may reconcile is the money they may see in the ledger.
        visible = LedgerEntry.objects.restrict(user, Action.VIEW)
        progs = progs.filter(pk__in=visible.filter(programme__isnull=False).values("programme_id"))
        funds = funds.filter(pk__in=visible.filter(fund__isnull=False).values("fund_id"))
    batches = SubsidyBatch.objects.all() if user is None else SubsidyBatch.objects.restrict(user, Action.VIEW)
    if year:
        progs = progs.filter(year=year)
        batches = batches.filter(policy__year=year)
    out = {
        "programmes": [programme_report(p) for p in progs.order_by("year", "pk")],
        "funds": [fund_report(f) for f in funds.order_by("pk")],
        "subsidy_batches": [batch_report(b) for b in batches.select_related("policy").order_by("policy__year")],
    }
    out["balanced"] = all(r["balanced"] for part in ("programmes", "funds", "subsidy_batches") for r in out[part])
    return out


def jsonable(value):
    """Decimals as strings (money is never a float), recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
