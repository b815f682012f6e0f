"""Indicator figures derived from finance records (indicators.csv: VOUCHER_USED and every RISK_POOL_* code).

Each function takes (region_codes, year, month) and returns {region_code: Decimal}, counting records whose
enterprise's town code starts with the region code. Flows are cumulative from 1 January to the period's last day;
stocks are taken on the last day. Values are exact Decimals in the catalog's unit:

    VOUCHER_USED               万元  flow   voucher subsidies paid (PAY movements by value date)
    RISK_POOL_APPROVED_ENT     家    flow   distinct enterprises with a loan approved in the period
    RISK_POOL_APPROVED_AMOUNT  亿元  flow   approved limits of loans approved in the period
    RISK_POOL_CLIENTS          家    stock  distinct enterprises with a positive risk-pool balance on the last day
    RISK_POOL_BALANCE          亿元  stock  risk-pool loan balance on the last day (disbursed − repaid − loss)
    RISK_POOL_AVG_BALANCE      万元  ratio  balance (万元) / clients, rounded half-up to 0.0001 万元 (1 yuan);
                                            0 when there are no clients
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal


from .choices import Book, EntryKind
from .ledger import exact_sums
from .models import LedgerEntry, Loan

WAN = Decimal(10000)
YI = Decimal(100000000)
ZERO = Decimal(0)


def _bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _by_prefix(rows, codes: list[str]) -> dict[str, Decimal]:
    """Fold (town_code, value) rows into each requested region code by prefix."""
    out = {c: Decimal(0) for c in codes}
    for town, value in rows:
        for c in codes:
            if town.startswith(c):
                out[c] += value
    return out


def _distinct_by_prefix(pairs, codes: list[str]) -> dict[str, Decimal]:
    """Count distinct enterprises per region code from (town_code, enterprise_id) pairs."""
    seen: dict[str, set] = {c: set() for c in codes}
    for town, ent in pairs:
        for c in codes:
            if town.startswith(c):
                seen[c].add(ent)
    return {c: Decimal(len(s)) for c, s in seen.items()}


def _prefix_filter(codes: list[str], path: str):
    from django.db.models import Q

    q = Q()
    for c in codes:
        q |= Q(**{f"{path}__startswith": c})
    return q


def voucher_used(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    start, end = _bounds(year, month)
    qs = LedgerEntry.objects.filter(_prefix_filter(region_codes, "enterprise__town__code"), book=Book.VOUCHER,
                                    kind=EntryKind.PAY, value_date__gte=start, value_date__lte=end)
    rows = exact_sums(qs, "enterprise__town").items()
    return {c: v / WAN for c, v in _by_prefix(rows, region_codes).items()}


def _approved(region_codes, year, month):
    start, end = _bounds(year, month)
    return Loan.objects.filter(_prefix_filter(region_codes, "enterprise__town__code"), approved_on__gte=start,
                               approved_on__lte=end, approved_limit__isnull=False)


def risk_pool_approved_ent(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    pairs = _approved(region_codes, year, month).values_list("enterprise__town", "enterprise_id")
    return _distinct_by_prefix(pairs, region_codes)


def risk_pool_approved_amount(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    rows = exact_sums(_approved(region_codes, year, month), "enterprise__town", field="approved_limit").items()
    return {c: v / YI for c, v in _by_prefix(rows, region_codes).items()}


def _balances_on(region_codes, year, month) -> list[tuple[str, int, Decimal]]:
    """(town, enterprise, balance) per loan on the period's last day, from the ledger's value dates."""
    _, end = _bounds(year, month)
    sums: dict[int, dict] = {}
    qs = LedgerEntry.objects.filter(_prefix_filter(region_codes, "enterprise__town__code"), book=Book.LOAN, value_date__lte=end)
    for (loan_id, ent_id, town, kind), total in exact_sums(qs, "loan_id", "enterprise_id", "enterprise__town", "kind").items():
        s = sums.setdefault(loan_id, {"town": town, "ent": ent_id, "bal": Decimal(0)})
        s["bal"] += total if kind == EntryKind.DISBURSE else -total
    return [(s["town"], s["ent"], s["bal"]) for s in sums.values()]


def risk_pool_clients(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    return _distinct_by_prefix([(t, e) for t, e, b in _balances_on(region_codes, year, month) if b > 0], region_codes)


def risk_pool_balance(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    rows = [(t, b) for t, e, b in _balances_on(region_codes, year, month) if b > 0]
    return {c: v / YI for c, v in _by_prefix(rows, region_codes).items()}


def risk_pool_avg_balance(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    loans = [(t, e, b) for t, e, b in _balances_on(region_codes, year, month) if b > 0]
    balance = _by_prefix([(t, b) for t, e, b in loans], region_codes)
    clients = _distinct_by_prefix([(t, e) for t, e, b in loans], region_codes)
    return {c: ((balance[c] / WAN / clients[c]).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
                if clients[c] else Decimal(0)) for c in region_codes}


METRICS = {
    "VOUCHER_USED": voucher_used,
    "RISK_POOL_APPROVED_ENT": risk_pool_approved_ent,
    "RISK_POOL_APPROVED_AMOUNT": risk_pool_approved_amount,
    "RISK_POOL_CLIENTS": risk_pool_clients,
    "RISK_POOL_BALANCE": risk_pool_balance,
    "RISK_POOL_AVG_BALANCE": risk_pool_avg_balance,
}
