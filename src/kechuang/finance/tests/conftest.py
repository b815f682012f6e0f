"""Fixtures of the finance tests: a programme with the usual rules, listed agencies and banks with their staff,
qualified enterprises, a risk pool, and helpers that walk an order or a loan through its workflow."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.conftest import HOME, OTHER_DISTRICT_TOWN, TOWN_A, TOWN_B

YEAR = dt.date.today().year
D = Decimal


def day(month: int, dd: int = 1) -> dt.date:
    return dt.date(YEAR, month, dd)


@pytest.fixture
def qualify():
    """Give an enterprise a qualification (default: a tech-SME registration valid all year)."""
    from kechuang.enterprises.models import Qualification

    def make(ent, kind="tsme", year=YEAR, issue=None, expiry=...):
        return Qualification.objects.create(enterprise=ent, kind=kind, year=year, issue_date=issue or dt.date(year, 1, 1),
                                            expiry_date=dt.date(year + 1, 3, 31) if expiry is ... else expiry)
    return make


@pytest.fixture
def agency(db):
    from kechuang.enterprises.models import ServiceAgency

    return ServiceAgency.objects.create(name="宁波测试检测有限公司", region_id=HOME, voucher_listed=True,
                                        uscc="91330212MA2TEST01X")


@pytest.fixture
def agency_b(db):
    from kechuang.enterprises.models import ServiceAgency

    return ServiceAgency.objects.create(name="宁波另一咨询有限公司", region_id=HOME, voucher_listed=True)


@pytest.fixture
def unlisted_agency(db):
    from kechuang.enterprises.models import ServiceAgency

    return ServiceAgency.objects.create(name="未入库机构", region_id=HOME, voucher_listed=False)


@pytest.fixture
def agency_user(make_user, agency):
    return make_user("agency_a", "agency", agency=agency)


@pytest.fixture
def agency_b_user(make_user, agency_b):
    return make_user("agency_b", "agency", agency=agency_b)


@pytest.fixture
def bank(db):
    from kechuang.enterprises.models import Bank

    return Bank.objects.create(name="测试银行鄞州支行")


@pytest.fixture
def bank_b(db):
    from kechuang.enterprises.models import Bank

    return Bank.objects.create(name="另一银行")


@pytest.fixture
def bank_user(make_user, bank):
    return make_user("bank_a", "bank", bank=bank)


@pytest.fixture
def bank_b_user(make_user, bank_b):
    return make_user("bank_b", "bank", bank=bank_b)


@pytest.fixture
def other_bureau(make_user):
    return make_user("haishu_officer", "bureau", region_id="330203")


@pytest.fixture
def clerk_b(make_user, ent_b):
    return make_user("clerk_b", "enterprise", enterprise=ent_b)


@pytest.fixture
def programme_factory(bureau):
    from kechuang.finance import vouchers

    def make(budget="1000000", cap="200000", tiers="50000:1\n:0.5", holders=("tsme", "startup"), year=YEAR, **extra):
        p = vouchers.programme_create(user=bureau, on=dt.date(year, 1, 2), data={
            "year": year, "name": f"{year}年度创新券", "budget": budget, "annual_cap": cap, "tiers": tiers,
            "holder_kinds": list(holders), "categories": ["testing", "consulting", "ip", "design"], **extra})
        return vouchers.programme_open(user=bureau, programme=p, on=dt.date(year, 1, 3))
    return make


@pytest.fixture
def programme(programme_factory):
    return programme_factory()


@pytest.fixture
def grant_factory(bureau, qualify):
    """An approved grant for an enterprise (qualified as a tech SME first)."""
    from kechuang.finance import vouchers

    def make(programme, ent, amount="100000", on=None):
        if not ent.qualifications.filter(kind="tsme", year=programme.year).exists():
            qualify(ent, year=programme.year)
        on = on or dt.date(programme.year, 2, 1)
        app = vouchers.application_submit(user=bureau, programme=programme, enterprise=ent, on=on,
                                          data={"amount": amount})
        return vouchers.application_approve(user=bureau, application=app, on=on + dt.timedelta(days=2))
    return make


@pytest.fixture
def grant(programme, ent_a, grant_factory):
    return grant_factory(programme, ent_a)


DOCS = [{"kind": k, "reference": f"{k}-ref-001"} for k in ("contract", "invoice", "payment", "report")]


@pytest.fixture
def walk(bureau, agency_user):
    """Walk an order through its workflow up to a state: confirmed, delivered, claimed, approved, published, paid."""
    from kechuang.finance import vouchers

    steps = ["confirmed", "delivered", "claimed", "approved", "published", "paid"]

    def go(order, to="paid", start=None, invoice=None, agency_actor=None):
        actor = agency_actor or agency_user
        d = start or day(3)
        begin = {"placed": 0, "confirmed": 1, "delivered": 2, "claimed": 3, "approved": 4, "published": 5}[order.status]
        for s in steps[begin:]:
            if s == "confirmed":
                order = vouchers.order_confirm(user=actor, order=order, on=d)
            elif s == "delivered":
                order = vouchers.order_deliver(user=actor, order=order, on=d)
            elif s == "claimed":
                vouchers.order_claim(user=actor, order=order, idempotency_key=f"key-{order.pk}-0001",
                                     invoice_amount=invoice or order.fee, documents=DOCS, on=d)
            elif s == "approved":
                order = vouchers.order_approve(user=bureau, order=order, on=d)
            elif s == "published":
                order = vouchers.order_publish(user=bureau, order=order, on=d)
            elif s == "paid":
                order = vouchers.order_pay(user=bureau, order=order, on=d + dt.timedelta(days=10))
            order.refresh_from_db()
            d += dt.timedelta(days=1)
            if s == to:
                break
        return order
    return go


@pytest.fixture
def fund(bureau, bank, bank_b):
    from kechuang.finance import loans

    return loans.fund_create(user=bureau, banks=[bank, bank_b], data={
        "name": "风险池", "city_share": "4", "district_share": "4", "bank_share": "2", "remainder_party": "district",
        "holder_kinds": ["startup"], "max_age_years": 5, "max_loan": "5000000"})


@pytest.fixture
def startup(make_enterprise, qualify):
    """A startup on file, founded two years before the test year."""
    ent = make_enterprise(town_id=TOWN_A, name="宁波初创科技有限公司", founded_on=dt.date(YEAR - 2, 3, 1))
    qualify(ent, kind="startup", year=YEAR - 1, issue=dt.date(YEAR - 1, 6, 15), expiry=None)
    return ent


@pytest.fixture
def loan_walk(bureau, bank_user):
    """Apply for a loan and walk it to disbursement (or stop earlier): returns the loan."""
    from kechuang.finance import loans

    def go(fund, ent, amount="1000000", rate="0.0365", term=12, on=None, to="disbursed", bank_actor=None):
        bank_actor = bank_actor or bank_user
        on = on or day(2)
        loan = loans.loan_apply(user=bureau, fund=fund, enterprise=ent, bank=bank_actor.bank, on=on,
                                data={"amount": amount, "term_months": term})
        steps = [("checked", lambda ln: loans.loan_check(user=bureau, loan=ln, on=on)),
                 ("assessed", lambda ln: loans.loan_assess(user=bank_actor, loan=ln, on=on)),
                 ("approved", lambda ln: loans.loan_approve(user=bank_actor, loan=ln, limit=amount, rate=rate,
                                                            term_months=term, on=on)),
                 ("disbursed", lambda ln: loans.loan_disburse(user=bank_actor, loan=ln, on=on))]
        for state, step in steps:
            loan = step(loan)
            if state == to:
                break
        return loan
    return go


@pytest.fixture
def startup_clerk(make_user, startup):
    return make_user("startup_clerk", "enterprise", enterprise=startup)


__all__ = ["YEAR", "D", "day", "DOCS", "HOME", "TOWN_A", "TOWN_B", "OTHER_DISTRICT_TOWN"]
