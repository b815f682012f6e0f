"""Indicator figures from finance records: every RISK_POOL_* code of the catalog and VOUCHER_USED, by region prefix,
flows cumulative from January, stocks on the period's last day, in the catalog's unit."""
import csv
import datetime as dt
from decimal import Decimal as D

import pytest

from kechuang.finance import loans as L
from kechuang.finance.metrics import METRICS
from kechuang.regions.services import DATA_DIR

from .conftest import HOME, TOWN_A, TOWN_B

pytestmark = pytest.mark.django_db
Y0 = 2025


def test_metrics_cover_the_catalog():
    with open(DATA_DIR / "indicators.csv", encoding="utf-8-sig") as f:
        codes = {r["code"] for r in csv.DictReader(f)}
    wanted = {c for c in codes if c.startswith("RISK_POOL_")} | {"VOUCHER_USED"}
    assert set(METRICS) == wanted


@pytest.fixture
def young(make_enterprise, qualify):
    def make(name, town):
        ent = make_enterprise(name=name, town_id=town, founded_on=dt.date(2023, 1, 1))
        qualify(ent, kind="startup", year=2023, issue=dt.date(2023, 6, 15), expiry=None)
        return ent
    return make


def test_risk_pool_figures(bureau, bank_user, fund, young, loan_walk):
    a1, a2, b1 = young("甲一", TOWN_A), young("甲二", TOWN_A), young("乙一", TOWN_B)
    la = loan_walk(fund, a1, amount="1000000", on=dt.date(Y0, 1, 15))          # approved and disbursed in January
    loan_walk(fund, a1, amount="500000", on=dt.date(Y0, 3, 10), to="approved")  # a second approval of the same firm
    lb = loan_walk(fund, a2, amount="2000000", on=dt.date(Y0, 2, 20))
    loan_walk(fund, b1, amount="3000000", on=dt.date(Y0, 4, 5))
    L.loan_repay(user=bank_user, loan=la, amount="1000000", on=dt.date(Y0, 3, 31))   # settled by the end of March
    L.loan_repay(user=bank_user, loan=lb, amount="500000", on=dt.date(Y0, 3, 15))
    codes = [HOME, TOWN_A, TOWN_B]

    ent = METRICS["RISK_POOL_APPROVED_ENT"](codes, Y0, 3)
    assert ent == {HOME: 2, TOWN_A: 2, TOWN_B: 0}           # flow: a1 (twice) and a2 by March; b1 only in April
    assert METRICS["RISK_POOL_APPROVED_ENT"](codes, Y0, 4)[HOME] == 3
    amount = METRICS["RISK_POOL_APPROVED_AMOUNT"](codes, Y0, 3)
    assert amount[TOWN_A] == D("3500000") / D(10) ** 8 == D("0.035")   # 亿元
    # Stocks on 28 February: a1 1,000,000 and a2 2,000,000 outstanding.
    assert METRICS["RISK_POOL_CLIENTS"](codes, Y0, 2) == {HOME: 2, TOWN_A: 2, TOWN_B: 0}
    assert METRICS["RISK_POOL_BALANCE"](codes, Y0, 2)[HOME] == D("0.03")
    # On 31 March a1 is repaid (value date 31 March counts), a2 owes 1,500,000; b1 not yet disbursed.
    assert METRICS["RISK_POOL_CLIENTS"](codes, Y0, 3)[HOME] == 1
    assert METRICS["RISK_POOL_BALANCE"](codes, Y0, 3)[HOME] == D("0.015")
    # April: a2 1,500,000 + b1 3,000,000 = 4,500,000 over 2 clients = 225 万元 each on average.
    assert METRICS["RISK_POOL_AVG_BALANCE"](codes, Y0, 4) == {HOME: D("225.0000"), TOWN_A: D("150.0000"),
                                                              TOWN_B: D("300.0000")}
    assert METRICS["RISK_POOL_AVG_BALANCE"](["330203"], Y0, 4) == {"330203": D("0")}  # no clients: 0, not an error


def test_voucher_used_is_paid_subsidy_in_wan(bureau, clerk_a, agency, programme_factory, grant_factory, ent_a, walk):
    p = programme_factory(year=Y0)
    g = grant_factory(p, ent_a, "100000", on=dt.date(Y0, 2, 1))
    from kechuang.finance import vouchers as V

    o = V.order_create(user=clerk_a, grant=g, agency=agency, on=dt.date(Y0, 2, 10),
                       data={"category": "testing", "service": "检测", "fee": "12345.67"})
    walk(o, to="paid", start=dt.date(Y0, 3, 1))  # paid on 15 March (publish 5 Mar + 10 days)
    assert METRICS["VOUCHER_USED"]([HOME, TOWN_A, TOWN_B], Y0, 2) == {HOME: 0, TOWN_A: 0, TOWN_B: 0}
    used = METRICS["VOUCHER_USED"]([HOME, TOWN_A, TOWN_B], Y0, 3)
    assert used == {HOME: D("1.234567"), TOWN_A: D("1.234567"), TOWN_B: 0}   # 12,345.67 yuan = 1.234567 万元
    assert METRICS["VOUCHER_USED"]([HOME], Y0 + 1, 12) == {HOME: 0}          # flows restart in January
