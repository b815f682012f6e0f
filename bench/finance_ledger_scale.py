"""Reading a large ledger: the reconciliation report, per-grant balances for a list page, and the RISK_POOL_* /
VOUCHER_USED indicator figures for a year, on a district-sized (or larger) book.

    python bench/finance_ledger_scale.py [--grants 5000] [--orders-per-grant 3] [--loans 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_finance_bench python bench/finance_ledger_scale.py

The book is written with bulk inserts that follow the services' arithmetic (so it reconciles); only the reads are
timed. Prints JSON figures.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
from _finance_setup import setup_database, world  # noqa: E402


def build(n_grants: int, per_grant: int, n_loans: int, year: int, seed: int = 7) -> int:
    from kechuang.core.uscc import make_uscc
    from kechuang.enterprises.models import Bank, Enterprise
    from kechuang.finance import loans as L
    from kechuang.finance.models import LedgerEntry, Loan, VoucherApplication, VoucherGrant, VoucherOrder
    from kechuang.regions.models import Region

    rng = random.Random(seed)
    w = world(0, budget=str(200000 * n_grants), cap="200000")
    p, agency = w["programme"], w["agency"]
    towns = list(Region.objects.filter(code__startswith="330212", level="town").values_list("code", flat=True))
    ents = Enterprise.objects.bulk_create([
        Enterprise(uscc=make_uscc("330212", 61000000 + i), name=f"规模企业{i}", town_id=rng.choice(towns),
                   founded_on=dt.date(year - 2, 1, 1)) for i in range(max(n_grants, n_loans))])
    apps = VoucherApplication.objects.bulk_create([
        VoucherApplication(programme=p, enterprise=e, amount=Decimal(100000), applied_on=dt.date(year, 1, 10),
                           status="approved") for e in ents[:n_grants]])
    grants = VoucherGrant.objects.bulk_create([
        VoucherGrant(application=a, programme=p, enterprise=a.enterprise, amount=Decimal(100000),
                     granted_on=dt.date(year, 1, 15), valid_until=dt.date(year, 12, 31)) for a in apps])
    entries = []
    orders = []
    for g in grants:
        town = g.enterprise.town_id
        entries.append(LedgerEntry(book="voucher", kind="grant", amount=g.amount, value_date=g.granted_on, programme=p,
                                   grant=g, enterprise=g.enterprise, region_id=town))
        for k in range(per_grant):
            orders.append(VoucherOrder(grant=g, programme=p, enterprise=g.enterprise, agency=agency, category="testing",
                                       service="检测", fee=Decimal(20000), subsidy=Decimal(20000),
                                       status="paid" if k % 2 == 0 else "placed", ordered_on=dt.date(year, 2, 1)))
    VoucherOrder.objects.bulk_create(orders, batch_size=2000)
    for o in orders:
        town = o.enterprise.town_id
        month = rng.randint(2, 12)
        entries.append(LedgerEntry(book="voucher", kind="reserve", amount=o.subsidy, value_date=dt.date(year, 2, 1),
                                   programme=p, grant=o.grant, order=o, enterprise=o.enterprise, agency=agency, region_id=town))
        if o.status == "paid":
            entries.append(LedgerEntry(book="voucher", kind="pay", amount=o.subsidy, value_date=dt.date(year, month, 15),
                                       programme=p, grant=o.grant, order=o, enterprise=o.enterprise, agency=agency,
                                       region_id=town, idempotency_key=f"voucher-pay:{o.pk}"))
    bureau = w["bureau"]
    bank = Bank.objects.create(name="规模银行")
    fund = L.fund_create(user=bureau, banks=[bank], data={"name": "规模风险池", "holder_kinds": "", "max_loan": "5000000"})
    loans = Loan.objects.bulk_create([
        Loan(fund=fund, enterprise=e, bank=bank, amount_requested=Decimal(1200000), term_requested=12,
             applied_on=dt.date(year, 1, 5), status="disbursed", approved_limit=Decimal(1200000), rate=Decimal("0.0365"),
             term_months=12, approved_on=dt.date(year, rng.randint(1, 6), 10), disbursed_on=dt.date(year, 1, 20))
        for e in ents[:n_loans]])
    for ln in loans:
        town = ln.enterprise.town_id
        entries.append(LedgerEntry(book="loan", kind="disburse", amount=Decimal(1200000), value_date=ln.disbursed_on,
                                   fund=fund, loan=ln, enterprise=ln.enterprise, bank=bank, region_id=town))
        for m in range(2, 2 + rng.randint(0, 11)):
            entries.append(LedgerEntry(book="loan", kind="repay", amount=Decimal(100000), value_date=dt.date(year, m, 20),
                                       fund=fund, loan=ln, enterprise=ln.enterprise, bank=bank, region_id=town))
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    return len(entries)


def timed(fn, repeat=3):
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        ms = (time.perf_counter() - t) * 1000
        best = ms if best is None else min(best, ms)
    return round(best, 1), value


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grants", type=int, default=5000)
    ap.add_argument("--orders-per-grant", type=int, default=3)
    ap.add_argument("--loans", type=int, default=1000)
    args = ap.parse_args()
    label = setup_database()
    year = dt.date.today().year
    t = time.perf_counter()
    n = build(args.grants, args.orders_per_grant, args.loans, year)
    build_s = time.perf_counter() - t
    from kechuang.finance.ledger import grants_balances
    from kechuang.finance.metrics import METRICS
    from kechuang.finance.models import VoucherGrant, VoucherProgramme
    from kechuang.finance.selectors import programme_report, reconciliation
    from kechuang.regions.models import Region

    p = VoucherProgramme.objects.get()
    codes = ["330212"] + list(Region.objects.filter(code__startswith="330212", level="town")
                              .values_list("code", flat=True)[:20])
    out = {"database": label, "ledger_entries": n, "build_s": round(build_s, 1)}
    out["programme_report_ms"], report = timed(lambda: programme_report(p))
    out["balanced"] = report["balanced"]
    out["full_reconciliation_ms"], full = timed(lambda: reconciliation())
    out["full_balanced"] = full["balanced"]
    ids = list(VoucherGrant.objects.order_by("pk").values_list("pk", flat=True)[:50])
    out["grant_page_balances_ms"], _ = timed(lambda: grants_balances(ids), repeat=5)
    for code, fn in METRICS.items():
        out[f"metric_{code}_12_months_ms"], _ = timed(lambda fn=fn: [fn(codes, year, m) for m in range(1, 13)], repeat=1)
    out["voucher_used_dec_home_wan"] = str(METRICS["VOUCHER_USED"](["330212"], year, 12)["330212"])
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0 if report["balanced"] and full["balanced"] else 1


if __name__ == "__main__":
    sys.exit(main())
