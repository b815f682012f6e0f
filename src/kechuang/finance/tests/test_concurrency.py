"""Concurrent writers on PostgreSQL: the budget is never overspent, a grant never over-redeemed, a settlement paid
once. Every worker is a thread with its own database connection, released at a barrier so they really race.

These tests need real concurrent transactions, so they run on PostgreSQL (the CI runs the whole suite there too);
on SQLite, writers are serialised by BEGIN IMMEDIATE, so there is no race to test.
"""
import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from kechuang.core.errors import ValidationFailed
from kechuang.finance import vouchers as V
from kechuang.finance.ledger import grant_balances, programme_balances
from kechuang.finance.models import LedgerEntry, SettlementClaim, VoucherGrant, VoucherOrder
from kechuang.finance.selectors import programme_report, reconciliation

from .conftest import DOCS, day

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="needs PostgreSQL: concurrent transactions (SQLite serialises writers)")


def race(jobs):
    """Run callables at the same instant, one thread and one database connection each; collect outcomes."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        from django.db import connection as conn

        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", job())
        except ValidationFailed as exc:
            results[i] = ("refused", exc.errors[0]["code"], exc.errors[0]["message"])
        except Exception as exc:  # pragma: no cover - reported by the assertions below
            results[i] = ("error", repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(not t.is_alive() for t in threads), "a worker hung (deadlock?)"
    return results


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_voucher_over_redeem_and_overspend(reference, bureau, ent_a, clerk_a, agency, make_enterprise,
                                                      qualify, programme_factory, grant_factory):
    p = programme_factory(budget="500000", cap="200000")
    grant = grant_factory(p, ent_a, "100000")                       # available now 400,000
    holders = [make_enterprise(name=f"并发企业{i}") for i in range(20)]
    apps = []
    for ent in holders:
        qualify(ent)
        apps.append(V.application_submit(user=bureau, programme=p, enterprise=ent, on=day(2), data={"amount": "50000"}))

    # 20 approvals of 50,000 against 400,000 available (only 8 fit) and 16 orders reserving 30,000 each
    # on a 100,000 grant (only 3 fit), all released at the same instant: 36 workers.
    approve_jobs = [lambda a=a: V.application_approve(user=bureau, application=a, on=day(2, 5)).amount for a in apps]
    order_jobs = [lambda: V.order_create(user=clerk_a, grant=grant, agency=agency, on=day(2, 6), data={
        "category": "testing", "service": "并发检测", "fee": "30000"}).subsidy for _ in range(16)]
    results = race(approve_jobs + order_jobs)
    approvals, orders = results[:20], results[20:]

    assert not [r for r in results if r[0] == "error"], results
    granted = [r[1] for r in approvals if r[0] == "ok"]
    reserved = [r[1] for r in orders if r[0] == "ok"]
    assert len(granted) == 8 and sum(granted) == D("400000.00")
    assert len(reserved) == 3 and sum(reserved) == D("90000.00")
    # every refusal carries a clear reason
    for r in approvals:
        if r[0] == "refused":
            assert r[1] == "budget_exceeded" and r[2].startswith("预算可用余额不足"), r
    for r in orders:
        if r[0] == "refused":
            assert r[1] == "grant_exceeded" and r[2].startswith("创新券余额不足"), r
    assert sum(r[0] == "refused" for r in results) == 12 + 13

    # totals never exceed, and the ledger reconciles afterwards
    b = programme_balances(p)
    assert b.granted == D("500000.00") <= b.budget and b.available == D("0.00")
    g = grant_balances(grant)
    assert g.reserved == D("90000.00") and g.free == D("10000.00")
    assert VoucherGrant.objects.filter(programme=p).count() == 9
    assert VoucherOrder.objects.filter(grant=grant).count() == 3
    report = programme_report(p)
    assert report["balanced"], [c for c in report["checks"] if not c["ok"]]
    assert reconciliation()["balanced"]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_voucher_claims_and_payments_settle_once(reference, bureau, ent_a, clerk_a, agency, agency_user,
                                                            programme, grant_factory, walk):
    grant = grant_factory(programme, ent_a, "100000")
    to_claim = walk(V.order_create(user=clerk_a, grant=grant, agency=agency, on=day(2, 10), data={
        "category": "testing", "service": "检测", "fee": "20000"}), to="delivered")
    to_pay = walk(V.order_create(user=clerk_a, grant=grant, agency=agency, on=day(2, 10), data={
        "category": "testing", "service": "检测", "fee": "30000"}), to="published")
    pay_day = to_pay.publicity_end + dt.timedelta(days=1)

    claim_jobs = [lambda: V.order_claim(user=agency_user, order=to_claim, idempotency_key="double-click-0001",
                                        invoice_amount="20000", documents=DOCS, on=day(3, 20))[1] for _ in range(16)]
    pay_jobs = [lambda: V.order_pay(user=bureau, order=to_pay, on=pay_day).status for _ in range(16)]
    results = race(claim_jobs + pay_jobs)
    claims, pays = results[:16], results[16:]

    assert not [r for r in results if r[0] == "error"], results
    assert all(r[0] == "ok" for r in claims) and sum(r[1] for r in claims) == 1  # one created, 15 replays
    assert SettlementClaim.objects.filter(order=to_claim).count() == 1
    assert sum(r[0] == "ok" for r in pays) == 1
    for r in pays:
        if r[0] == "refused":
            assert r[1] in ("state", "already_paid") and "已兑付" in r[2], r
    assert list(LedgerEntry.objects.filter(order=to_pay, kind="pay").values_list("amount", flat=True)) == [D("30000.00")]
    assert programme_report(programme)["balanced"]
