"""Interest subsidy: a hand-computed table that the batch must match to the fen, the per-enterprise cap, the
workflow, and the xlsx for approval with exact 2-place numbers."""
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from kechuang.core.errors import ValidationFailed
from kechuang.finance import loans as L
from kechuang.finance import subsidy as S
from kechuang.finance.flows import RoleRefused
from kechuang.finance.models import LedgerEntry, SubsidyAward, SubsidyLine

pytestmark = pytest.mark.django_db

Y0 = 2025  # a fixed, non-leap year, so the day counts below are hand-checkable


@pytest.fixture
def young(make_enterprise, qualify):
    def make(name):
        ent = make_enterprise(name=name, founded_on=dt.date(2023, 1, 1))
        qualify(ent, kind="startup", year=2023, issue=dt.date(2023, 6, 15), expiry=None)
        return ent
    return make


@pytest.fixture
def table(bureau, bank_user, fund, young, loan_walk):
    """Five loans in 2025 and a 2025 policy: ratio 50%, 365-day basis, cap 20,000 per enterprise."""
    x, y, z = young("企业X"), young("企业Y"), young("企业Z")
    a = loan_walk(fund, x, amount="1000000", rate="0.0365", term=12, on=dt.date(Y0, 3, 1))
    L.loan_repay(user=bank_user, loan=a, amount="400000", on=dt.date(Y0, 7, 1))
    L.loan_repay(user=bank_user, loan=a, amount="600000", on=dt.date(Y0, 10, 15))
    loan_walk(fund, y, amount="333333.33", rate="0.0435", term=24, on=dt.date(Y0, 1, 10))
    loan_walk(fund, y, amount="2000000", rate="0.0435", term=12, on=dt.date(Y0, 7, 1))
    d = loan_walk(fund, z, amount="500000", rate="0.04", term=6, on=dt.date(Y0, 2, 1))
    L.loan_mark_overdue(user=bank_user, loan=d, on=dt.date(Y0, 8, 2))
    policy = S.policy_create(user=bureau, data={"year": Y0, "name": "2025年度贴息", "ratio": "0.5", "day_count": 365,
                                                "cap_per_enterprise": "20000"})
    return {"x": x, "y": y, "z": z, "policy": policy}


def test_hand_computed_subsidy_table_matches_to_the_fen(bureau, table):
    batch = S.batch_compute(user=bureau, policy=table["policy"], on=dt.date(Y0 + 1, 1, 20))
    lines = [(ln.enterprise.name, ln.start, ln.end, ln.days, ln.principal, ln.rate, ln.amount)
             for ln in SubsidyLine.objects.filter(batch=batch).select_related("enterprise").order_by("enterprise__name", "start")]
    # Hand arithmetic: amount = principal × rate × days / 365 × 0.5, rounded half-up to the fen once per line.
    # Days count from the disbursement/repayment day up to (not including) the next one ("算头不算尾").
    expected = [
        # X, loan A 1,000,000 at 3.65%: 1 Mar → 1 Jul = 31+30+31+30 = 122 days
        #   1,000,000 × 0.0365 = 36,500; × 122 = 4,453,000; ÷ 365 = 12,200; × 0.5 = 6,100.00
        ("企业X", dt.date(Y0, 3, 1), dt.date(Y0, 7, 1), 122, D("1000000.00"), D("0.0365"), D("6100.00")),
        # X, after repaying 400,000 on 1 Jul: 600,000 until 15 Oct = 31+31+30+14 = 106 days
        #   600,000 × 0.0365 = 21,900; × 106 = 2,321,400; ÷ 365 = 6,360; × 0.5 = 3,180.00 (then repaid in full)
        ("企业X", dt.date(Y0, 7, 1), dt.date(Y0, 10, 15), 106, D("600000.00"), D("0.0365"), D("3180.00")),
        # Y, loan B 333,333.33 at 4.35% from 10 Jan to year end: 365 − 9 = 356 days
        #   333,333.33 × 0.0435 = 14,499.999855; × 356 = 5,161,999.94838; ÷ 365 = 14,142.465612…;
        #   × 0.5 = 7,071.232806… → 7,071.23
        ("企业Y", dt.date(Y0, 1, 10), dt.date(Y0 + 1, 1, 1), 356, D("333333.33"), D("0.0435"), D("7071.23")),
        # Y, loan C 2,000,000 at 4.35% from 1 Jul to year end: 31+31+30+31+30+31 = 184 days
        #   2,000,000 × 0.0435 = 87,000; × 184 = 16,008,000; ÷ 365 = 43,857.534246…; × 0.5 = 21,928.767… → 21,928.77
        ("企业Y", dt.date(Y0, 7, 1), dt.date(Y0 + 1, 1, 1), 184, D("2000000.00"), D("0.0435"), D("21928.77")),
        # Z, loan D 500,000 at 4% from 1 Feb, 6 months, matures 1 Aug (overdue from 2 Aug: no subsidy after
        #   maturity): 28+31+30+31+30+31 = 181 days; 500,000 × 0.04 = 20,000; × 181 = 3,620,000; ÷ 365 =
        #   9,917.808219…; × 0.5 = 4,958.904… → 4,958.90
        ("企业Z", dt.date(Y0, 2, 1), dt.date(Y0, 8, 1), 181, D("500000.00"), D("0.04"), D("4958.90")),
    ]
    assert lines == expected
    awards = {a.enterprise.name: (a.lines_total, a.amount) for a in SubsidyAward.objects.filter(batch=batch).select_related("enterprise")}
    # X: 6,100.00 + 3,180.00 = 9,280.00 (under the cap); Y: 7,071.23 + 21,928.77 = 29,000.00 → capped at 20,000.00
    assert awards == {"企业X": (D("9280.00"), D("9280.00")), "企业Y": (D("29000.00"), D("20000.00")),
                      "企业Z": (D("4958.90"), D("4958.90"))}
    totals = S.batch_totals(batch)
    assert totals["awards_total"] == D("34238.90") and totals["lines_total"] == D("43238.90")


def test_batch_workflow_pays_once_into_the_ledger(bureau, clerk_a, make_user, table):
    from django.http import Http404

    batch = S.batch_compute(user=bureau, policy=table["policy"])
    with pytest.raises(Http404):
        S.batch_submit(user=clerk_a, batch=batch)  # an enterprise does not see the batch at all
    auditor = make_user("auditor", "auditor", region_id="330212")
    with pytest.raises(RoleRefused):
        S.batch_submit(user=auditor, batch=batch)  # an auditor sees it but may not submit it
    batch = S.batch_submit(user=bureau, batch=batch)
    with pytest.raises(ValidationFailed):
        S.batch_compute(user=bureau, policy=table["policy"])  # no recomputing once submitted
    with pytest.raises(ValidationFailed):
        S.batch_pay(user=bureau, batch=batch)  # not approved yet
    batch = S.batch_approve(user=bureau, batch=batch)
    batch = S.batch_pay(user=bureau, batch=batch)
    paid = dict(LedgerEntry.objects.filter(batch=batch, kind="subsidy").values_list("enterprise__name", "amount"))
    assert paid == {"企业X": D("9280.00"), "企业Y": D("20000.00"), "企业Z": D("4958.90")}
    with pytest.raises(ValidationFailed):
        S.batch_pay(user=bureau, batch=batch)
    assert LedgerEntry.objects.filter(batch=batch).count() == 3


def test_xlsx_for_approval_has_exact_decimal_cells(bureau, table):
    batch = S.batch_compute(user=bureau, policy=table["policy"])
    wb = load_workbook(io.BytesIO(S.batch_xlsx(batch, bureau)))
    summary = wb["企业汇总"]
    rows = {r[1].value: r for r in summary.iter_rows(min_row=2) if r[1].value}
    y = rows["企业Y"]
    assert [D(str(c.value)) for c in y[4:7]] == [D("29000.00"), D("20000.00"), D("20000.00")]
    assert all(c.number_format == "0.00" for c in y[4:7])
    assert D(str(rows["合计"][6].value)) == D("34238.90")
    detail = list(wb["贴息明细"].iter_rows(min_row=2, values_only=True))
    amounts = sorted(D(str(r[10])) for r in detail)
    assert amounts == sorted([D("6100.00"), D("3180.00"), D("7071.23"), D("21928.77"), D("4958.90")])
    first = next(r for r in wb["贴息明细"].iter_rows(min_row=2) if r[0].value == "企业Y" and r[5].value == 356)
    assert first[6].number_format == "0.00" and D(str(first[6].value)) == D("333333.33")
    assert "四舍五入" in "".join(str(c.value) for row in wb["说明"].iter_rows() for c in row)


def test_rate_cap_and_360_basis(bureau, bank_user, fund, young, loan_walk):
    ent = young("企业W")
    loan_walk(fund, ent, amount="360000", rate="0.06", term=12, on=dt.date(Y0, 12, 22))
    policy = S.policy_create(user=bureau, data={"year": Y0, "name": "贴息", "ratio": "50%", "day_count": 360,
                                                "cap_per_enterprise": "100000", "rate_cap": "0.0345"})
    batch = S.batch_compute(user=bureau, policy=policy)
    (line,) = SubsidyLine.objects.filter(batch=batch)
    # 22 Dec → 1 Jan = 10 days at the capped rate 3.45%: 360,000 × 0.0345 × 10 / 360 × 0.5 = 172.50
    assert (line.days, line.rate, line.amount) == (10, D("0.0345"), D("172.50"))
