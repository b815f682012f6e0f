"""The pure arithmetic: tiers, balances and identities, the loss split, the interest subsidy, the state machines."""
import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.finance.engine import interest, ledger, money, split
from kechuang.finance.engine.eligibility import Qual, age_ok, borrower_reasons, holder_kinds_met
from kechuang.finance.engine.flow import Flow, FlowRefused, Transition

TIERS = money.parse_tiers([{"upto": "50000", "ratio": "1"}, {"upto": None, "ratio": "0.5"}])


@pytest.mark.parametrize("fee, subsidy", [
    ("0.01", "0.01"),
    ("30000", "30000.00"),
    ("50000", "50000.00"),           # the bound itself is in the 100% band
    ("50000.01", "50000.01"),        # 50,000 + 0.01 × 0.5 = 50,000.005 → half-up 50,000.01
    ("50000.02", "50000.01"),        # 50,000 + 0.02 × 0.5 = 50,000.01
    ("80000", "65000.00"),           # 50,000 + 30,000 × 0.5
    ("80000.01", "65000.01"),        # 50,000 + 30,000.01 × 0.5 = 65,000.005 → 65,000.01
    ("250000", "150000.00"),
])
def test_tiered_subsidy_bands(fee, subsidy):
    assert money.tiered_subsidy(D(fee), TIERS) == D(subsidy)


def test_three_tiers_and_a_closed_top():
    tiers = money.parse_tiers([{"upto": "10000", "ratio": "1"}, {"upto": "60000", "ratio": "0.6"},
                               {"upto": "100000", "ratio": "0.3"}])
    # 10,000 + 50,000 × 0.6 + 40,000 × 0.3 = 52,000; the part above 100,000 gets nothing (no open tier).
    assert money.tiered_subsidy(D("150000"), tiers) == D("52000.00")


@pytest.mark.parametrize("raw, message", [
    ([], "至少"),
    ([{"upto": "100", "ratio": "1.2"}], "0到1"),
    ([{"upto": "100", "ratio": "1"}, {"upto": "50", "ratio": "0.5"}], "大于上一档"),
    ([{"upto": None, "ratio": "1"}, {"upto": "50", "ratio": "0.5"}], "最后一档"),
])
def test_bad_tiers_are_refused_with_a_reason(raw, message):
    with pytest.raises(ValueError, match=message):
        money.parse_tiers(raw)


def test_tiers_read_as_chinese_text():
    assert money.describe_tiers(TIERS) == "5万元（含）以内100%；超出5万元部分50%"


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money.dec(0.1)


def test_voucher_balances_and_identities():
    moves = [("budget", D("1000000")), ("grant", D("100000")), ("grant", D("50000")), ("reserve", D("60000")),
             ("release", D("5000")), ("pay", D("55000")), ("reserve", D("20000")), ("cancel", D("50000")),
             ("expire", D("10000"))]
    b = ledger.VoucherBalances.of(moves)
    assert b.granted == D("150000") and b.settled == D("55000") and b.reserved == D("20000")
    assert b.outstanding == D("150000") - D("55000") - D("50000") - D("10000") == D("35000")
    assert b.free == D("15000")
    assert b.available == D("1000000") - D("150000") + D("60000") == D("910000")
    checks = ledger.voucher_checks(b, declared_budget=D("1000000"), grants_sum=D("150000"))
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_overspent_and_over_redeemed_books_fail_the_checks():
    over = ledger.VoucherBalances.of([("budget", D("100")), ("grant", D("150"))])
    assert not {c.name: c.ok for c in ledger.voucher_checks(over)}["not_overspent"]
    redeemed = ledger.VoucherBalances.of([("budget", D("100")), ("grant", D("100")), ("reserve", D("120"))])
    assert not {c.name: c.ok for c in ledger.voucher_checks(redeemed)}["not_over_redeemed"]
    assert not {c.name: c.ok for c in ledger.voucher_checks(ledger.VoucherBalances(), declared_budget=D(1))}["declared_budget"]


def test_ledger_amounts_must_be_positive():
    with pytest.raises(ValueError):
        ledger.VoucherBalances.of([("grant", D("0"))])


@pytest.mark.parametrize("loss, expected", [
    # 333,333.33 × 4/10 = 133,333.332 → 133,333.33 (twice); × 2/10 = 66,666.666 → 66,666.66;
    # 133,333.33 + 133,333.33 + 66,666.66 = 333,333.32, so the 0.01 remainder goes to the district.
    ("333333.33", {"city": "133333.33", "district": "133333.34", "bank": "66666.66"}),
    ("1000000.00", {"city": "400000.00", "district": "400000.00", "bank": "200000.00"}),
    ("0.01", {"city": "0.00", "district": "0.01", "bank": "0.00"}),
    ("0.00", {"city": "0.00", "district": "0.00", "bank": "0.00"}),
])
def test_compensation_split_is_exact(loss, expected):
    parts = split.split_loss(D(loss), {"city": D(4), "district": D(4), "bank": D(2)}, "district")
    assert {k: str(v) for k, v in parts.items()} == expected
    assert sum(parts.values()) == D(loss)


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=0, max_value=10**12),
       shares=st.lists(st.integers(min_value=0, max_value=1000), min_size=3, max_size=3).filter(lambda s: sum(s) > 0),
       remainder=st.sampled_from(["city", "district", "bank"]))
def test_compensation_split_always_sums_to_the_loss(cents, shares, remainder):
    loss = D(cents) / 100
    weights = dict(zip(["city", "district", "bank"], (D(s) for s in shares)))
    parts = split.split_loss(loss, weights, remainder)
    assert sum(parts.values()) == loss
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts.values())
    for party, part in parts.items():
        exact = loss * weights[party] / sum(weights.values())
        # each party is less than a fen below its exact share; only the remainder party may be above it (< 3 fen)
        assert exact - D("0.01") < part
        assert part <= exact if party != remainder else part < exact + D("0.03")


def test_split_refuses_sub_fen_losses_and_unknown_remainder_party():
    with pytest.raises(ValueError):
        split.split_loss(D("1.005"), {"city": D(1)}, "city")
    with pytest.raises(ValueError):
        split.split_loss(D("1"), {"city": D(1)}, "bank")


def test_interest_segments_follow_repayments():
    segs = interest.segments(disbursed_on=dt.date(2025, 3, 1), amount=D("1000000"),
                             repayments=[(dt.date(2025, 7, 1), D("400000")), (dt.date(2025, 10, 15), D("600000"))],
                             period_start=dt.date(2025, 1, 1), period_end=dt.date(2026, 1, 1))
    assert [(s.start, s.end, s.days, s.principal) for s in segs] == [
        (dt.date(2025, 3, 1), dt.date(2025, 7, 1), 122, D("1000000")),
        (dt.date(2025, 7, 1), dt.date(2025, 10, 15), 106, D("600000")),
    ]


def test_interest_segments_clip_to_the_year_and_stop():
    segs = interest.segments(disbursed_on=dt.date(2024, 11, 1), amount=D("500000"), repayments=[
        (dt.date(2024, 12, 1), D("100000"))], period_start=dt.date(2025, 1, 1), period_end=dt.date(2026, 1, 1),
        stop=dt.date(2025, 4, 1))
    # Principal on 1 January is 400,000 (repaid before the year); accrual stops on 1 April (overdue).
    assert [(s.start, s.end, s.days, s.principal) for s in segs] == [(dt.date(2025, 1, 1), dt.date(2025, 4, 1), 90, D("400000"))]


def test_line_amount_rounds_once_half_up():
    # 100,000.00 × 0.0435 × 1 / 360 × 0.5 = 6.041666… → 6.04 ; × 3 days = 18.125 → 18.13 (not 3 × 6.04 = 18.12)
    assert interest.line_amount(D("100000"), D("0.0435"), 1, 360, D("0.5")) == D("6.04")
    assert interest.line_amount(D("100000"), D("0.0435"), 3, 360, D("0.5")) == D("18.13")
    with pytest.raises(ValueError):
        interest.line_amount(D("1"), D("0.01"), 1, 366, D("1"))


def test_rate_cap_lowers_the_rate_used():
    segs = [interest.Segment(dt.date(2025, 1, 1), dt.date(2025, 1, 11), D("360000"))]
    (line,) = interest.subsidy_lines(segs=segs, rate=D("0.06"), basis=360, ratio=D("0.5"), rate_cap=D("0.0345"))
    # 360,000 × 0.0345 × 10 / 360 × 0.5 = 172.50
    assert line.rate == D("0.0345") and line.amount == D("172.50")
    assert interest.capped(D("100"), D("80")) == D("80") and interest.capped(D("70"), D("80")) == D("70")


def test_eligibility_reasons():
    tsme = Qual("tsme", 2025, dt.date(2025, 5, 1), dt.date(2026, 3, 31))
    assert holder_kinds_met([tsme], ["tsme"], year=2025, on=dt.date(2025, 6, 1)) == ["tsme"]
    assert holder_kinds_met([tsme], ["tsme"], year=2025, on=dt.date(2025, 4, 1)) == []  # not yet registered
    revoked = Qual("startup", 2024, dt.date(2024, 1, 1), None, revoked=True)
    assert holder_kinds_met([revoked], ["startup"], year=2025, on=dt.date(2025, 6, 1)) == []
    assert age_ok(dt.date(2020, 6, 1), dt.date(2025, 6, 1), 5) and not age_ok(dt.date(2020, 6, 1), dt.date(2025, 6, 2), 5)
    assert age_ok(dt.date(2020, 2, 29), dt.date(2025, 2, 28), 5)
    reasons = borrower_reasons(quals=[], kinds=["startup"], founded_on=dt.date(2015, 1, 1), on=dt.date(2025, 1, 1),
                               max_age_years=5, in_region=False)
    assert len(reasons) == 3 and any("5年" in r for r in reasons)


FLOW = Flow("demo", (Transition("a", "go", "b", frozenset({"bureau"}), "前进"),
                     Transition("b", "back", "a", frozenset({"agency"}), "退回")), {"a": "甲", "b": "乙"})


def test_flow_checks_role_then_state():
    assert FLOW.check("a", "go", "bureau").target == "b"
    with pytest.raises(FlowRefused) as e:
        FLOW.check("a", "go", "enterprise")
    assert e.value.kind == "role"
    with pytest.raises(FlowRefused) as e:
        FLOW.check("b", "go", "bureau")
    assert e.value.kind == "state" and "乙" in e.value.message
    with pytest.raises(FlowRefused) as e:
        FLOW.check("a", "fly", "bureau")
    assert e.value.kind == "action"
    assert [t.action for t in FLOW.available("b", "agency")] == ["back"]


def test_flow_tables_are_declared_once_and_consistent():
    from kechuang.finance.actions import SPECIAL, STEPS
    from kechuang.finance.flows import FLOWS

    with pytest.raises(ValueError):
        Flow("x", (Transition("a", "go", "b", frozenset()), Transition("a", "go", "c", frozenset())))
    for flow in FLOWS.values():
        for t in flow.transitions:
            assert t.roles, (flow.name, t.action)
            # every transition has a service (a registered step, or one of the special forms)
            assert (flow.name, t.action) in STEPS or (flow.name, t.action) in SPECIAL, (flow.name, t.action)
