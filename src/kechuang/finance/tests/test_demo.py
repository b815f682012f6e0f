"""The demo: a year of voucher and loan activity at the demo agency and bank, a subsidy batch, a grant the demo
enterprise can order against, and a reconciliation that balances."""
import datetime as dt
import random

import pytest

from kechuang.finance.models import Loan, SubsidyBatch, VoucherGrant, VoucherOrder, VoucherProgramme
from kechuang.finance.ledger import grant_balances
from kechuang.finance.selectors import reconciliation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_ctx(monkeypatch):
    from kechuang.enterprises import demo as enterprise_demo
    from kechuang.web.demo import DemoContext

    ctx = DemoContext(size="small", rng=random.Random(5), today=dt.date.today(), home="330212", city="3302")
    monkeypatch.setitem(enterprise_demo.SIZES, "tiny_finance", (300, 0))
    ctx.size = "tiny_finance"
    enterprise_demo.load(ctx)
    return ctx


def test_demo_has_a_year_of_activity_and_balances(demo_ctx):
    from kechuang.finance import demo

    demo.load(demo_ctx)
    today = demo_ctx.today
    assert set(VoucherProgramme.objects.values_list("year", flat=True)) == {today.year - 1, today.year}
    report = reconciliation()
    assert report["balanced"], [c for r in report["programmes"] + report["funds"] for c in r["checks"] if not c["ok"]]
    last = report["programmes"][0]["balances"]
    assert last["settled"] > 0 and last["expired"] > 0 and last["cancelled"] > 0
    assert VoucherGrant.objects.filter(status="expired").exists() and VoucherGrant.objects.filter(status="cancelled").exists()
    agency = demo_ctx.users["agency"].agency
    assert VoucherOrder.objects.filter(agency=agency, status="paid").exists()
    clerk = demo_ctx.users["enterprise"]
    mine = VoucherGrant.objects.filter(enterprise=clerk.enterprise, status="active", valid_until__gte=today)
    assert mine.exists() and grant_balances(mine.first()).free > 0
    bank = demo_ctx.users["bank"].bank
    statuses = set(Loan.objects.filter(bank=bank).values_list("status", flat=True))
    assert {"disbursed", "overdue"} <= statuses or {"settled", "overdue"} <= statuses, statuses
    assert Loan.objects.filter(status="compensated").exists()
    assert SubsidyBatch.objects.filter(policy__year=today.year - 1).exists() or today < dt.date(today.year, 1, 20)
