"""Faults: the settlement run (`finance_pay_published`) killed with SIGKILL in the middle leaves no half settlement.

Each order is paid in its own transaction (ledger entry, order status and paid date, event row, change log). The
child process is killed once it has paid at least one order (on PostgreSQL: while it holds an open transaction
that has written); afterwards every order is either completely paid or not at all, the ledger reconciles, and a
second run pays exactly the rest, each order once. Runs on SQLite (a file copy of the test database) and
PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from kechuang.core.tests.test_faults import KECHUANG, ChildDatabase, kill_when_writing

from .conftest import day

pytestmark = pytest.mark.django_db(transaction=True)

N_ORDERS = 10


def _published_orders(bureau, clerk_a, agency, grant, walk) -> list:
    from kechuang.finance import vouchers

    orders = []
    for i in range(N_ORDERS):
        o = vouchers.order_create(user=clerk_a, grant=grant, agency=agency, on=day(3), data={
            "category": "testing", "service": f"断电测试服务{i}", "fee": "1000"})
        orders.append(walk(o, to="published", start=day(3)))
    assert all(o.status == "published" for o in orders)
    return orders


def _state(db: ChildDatabase) -> dict:
    q = db.scalar
    return {
        "paid_orders": q("SELECT count(*) FROM finance_voucherorder WHERE status = 'paid'"),
        "paid_dates": q("SELECT count(*) FROM finance_voucherorder WHERE paid_on IS NOT NULL"),
        "pay_entries": q("SELECT count(*) FROM finance_ledgerentry WHERE kind = 'pay'"),
        "paid_order_entries": q("SELECT count(DISTINCT order_id) FROM finance_ledgerentry WHERE kind = 'pay'"),
        "pay_events": q("SELECT count(*) FROM finance_flowevent WHERE flow = 'order' AND action = 'pay'"),
        "paid_history": q("SELECT count(*) FROM finance_historicalvoucherorder WHERE status = 'paid'"),
        "mismatched": q("SELECT count(*) FROM finance_voucherorder o WHERE (o.status = 'paid') <> EXISTS ("
                        "SELECT 1 FROM finance_ledgerentry e WHERE e.order_id = o.id AND e.kind = 'pay')"),
    }


def _reconcile(db: ChildDatabase) -> tuple[bool, str]:
    """The ledger reconciliation (budget = granted + available; granted = settled + outstanding + …)."""
    if db.vendor == "postgresql":  # the same database as this process
        from kechuang.finance.selectors import reconciliation

        report = reconciliation(None)
        return report["balanced"], str(report)
    out = subprocess.run([KECHUANG, "manage", "finance_reconcile"], env=db.env, capture_output=True, text=True,
                         timeout=120)
    return out.returncode == 0, out.stdout + out.stderr


def test_settlement_run_killed_midway_leaves_no_half_settlement(reference, tmp_path, bureau, clerk_a, agency,
                                                                 agency_user, grant, walk):
    _published_orders(bureau, clerk_a, agency, grant, walk)
    db = ChildDatabase(tmp_path)  # after the set-up: on SQLite this copies the database to a file
    pay_day = (day(5, 1)).isoformat()
    cmd = [KECHUANG, "manage", "finance_pay_published", "--user", bureau.username, "--on", pay_day]

    def started():
        paid = db.scalar("SELECT count(*) FROM finance_ledgerentry WHERE kind = 'pay'")
        # On PostgreSQL wait until the next order's transaction has written too, so the kill lands inside it.
        return paid >= 1 and (db.vendor != "postgresql" or db.writing())

    proc = subprocess.Popen(cmd, env=db.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kill_when_writing(proc, db, marker=started)
    db.others_gone()
    assert db.integrity_ok()

    s = _state(db)
    assert 1 <= s["paid_orders"] < N_ORDERS, f"the run was not killed mid-way: {s}"
    assert s["mismatched"] == 0
    assert s["paid_orders"] == s["paid_dates"] == s["pay_entries"] == s["paid_order_entries"] == s["pay_events"] \
        == s["paid_history"], s
    balanced, report = _reconcile(db)
    assert balanced, report

    again = subprocess.run(cmd, env=db.env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    assert f"已兑付 {N_ORDERS - s['paid_orders']} 笔" in again.stdout
    s2 = _state(db)
    assert s2["paid_orders"] == s2["pay_entries"] == s2["paid_order_entries"] == s2["pay_events"] == N_ORDERS, s2
    assert s2["mismatched"] == 0
    assert db.scalar("SELECT count(*) FROM finance_voucherorder WHERE paid_on = %s", (dt.date.fromisoformat(pay_day).isoformat(),)) == N_ORDERS
    balanced, report = _reconcile(db)
    assert balanced, report
    db.close()
