"""Property tests of the indicator engine (hypothesis)."""

from decimal import Decimal as D

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kechuang.indicators.engine.decimals import CTX
from kechuang.indicators.engine import (
    MonthlyReport,
    Period,
    RegionTree,
    analyse_towns,
    check_monthly_report,
    compute_panel,
    load_catalog,
)

CATALOG = load_catalog([
    {"code": "X", "name_zh": "甲", "name_en": "x", "unit": "件", "kind": "flow", "source": "platform", "formula": ""},
])
P = Period(2025, 11)

amounts = st.decimals(min_value=D("0"), max_value=D("1e12"), places=2, allow_nan=False, allow_infinity=False)
maybe_amounts = st.one_of(st.none(), amounts)


def _tree(n):
    return RegionTree({"P": None, **{f"C{i}": "P" for i in range(n)}})


@given(st.lists(maybe_amounts, min_size=1, max_size=12))
def test_rank_is_within_1_to_n_and_counts_the_larger_values(values):
    tree = _tree(len(values))
    store = {(f"C{i}", "X", P): v for i, v in enumerate(values) if v is not None}
    ranked = [v for v in values if v is not None]
    for i, v in enumerate(values):
        row = compute_panel(CATALOG, store, tree, f"C{i}", P)[0]
        assert row["rank_of"] == len(ranked)
        if v is None:
            assert row["rank"] is None
        else:
            assert 1 <= row["rank"] <= len(ranked)
            assert row["rank"] == 1 + sum(1 for w in ranked if w > v)


@given(st.lists(amounts, min_size=1, max_size=12))
def test_shares_of_all_children_sum_to_100_when_the_parent_has_no_own_value(values):
    tree = _tree(len(values))
    store = {(f"C{i}", "X", P): v for i, v in enumerate(values)}
    shares = [compute_panel(CATALOG, store, tree, f"C{i}", P)[0]["share_pct"] for i in range(len(values))]
    if sum(values) == 0:
        assert all(s is None for s in shares)
    else:
        assert abs(sum(shares) - 100) < D("1e-25")
        assert all(D(0) <= s <= D(100) for s in shares)


@given(base=st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2),
       now=st.decimals(min_value=D("0"), max_value=D("1e10"), places=2))
def test_yoy_rule_matches_its_definition(base, now):
    cur = MonthlyReport(P, {"operating_revenue": now, "value_added": D(0), "staff": D(0), "rd_expense": D(0)})
    last = MonthlyReport(P.previous_year(), {"operating_revenue": base})
    flagged = any(i.code == "yoy_unexplained" for i in check_monthly_report(cur, last_year=last))
    assert flagged is (abs(now - base) / base * 100 > 50)


records = st.lists(
    st.tuples(st.sampled_from(["T1", "T2", "T3", "T4"]), amounts, amounts),
    min_size=1, max_size=20,
)


@settings(max_examples=60)
@given(records)
@example([("T1", D("85536055.25"), D("53.25")), ("T3", D("0.00"), D("85536055.25"))])  # large cancellation
def test_town_contributions_sum_to_100(rows):
    now = [(f"e{i}", town, a) for i, (town, a, _) in enumerate(rows)]
    then = [(f"e{i}", town, b) for i, (town, _, b) in enumerate(rows)]
    out = analyse_towns(now, then)
    inc = out["district"]["increment"]
    assert inc == sum(t["increment"] for t in out["towns"])
    if inc != 0:
        # Each contribution is exact to 34 significant digits; add them in that context (the built-in sum
        # would round to the default 28) and allow for cancellation of large opposite contributions.
        shares = [t["contribution_pct"] for t in out["towns"]]
        total = D(0)
        for c in shares:
            total = CTX.add(total, c)
        scale = max([D(100), *(abs(c) for c in shares)])
        assert abs(total - 100) <= scale * D("1e-30")
    ranks = [t["rank"] for t in out["towns"]]
    assert all(1 <= r <= len(ranks) for r in ranks)


periods = st.builds(Period, st.integers(min_value=2, max_value=9998), st.integers(min_value=1, max_value=12))


@given(periods, st.integers(min_value=-12, max_value=12))
def test_period_round_trips_and_arithmetic_is_consistent(p, n):
    assert Period.parse(str(p)) == p
    assert (p + n) - p == n
    assert (p + n > p) is (n > 0)
    assert p.previous_year() + 12 == p
    assert p.previous_december() < p.year_start() <= p
    assert p.last_day().month == p.month and (p.last_day().replace(day=28) >= p.first_day())


FLOW_STOCK = load_catalog([
    {"code": "F", "name_zh": "流量", "name_en": "f", "unit": "件", "kind": "flow", "source": "platform"},
    {"code": "S", "name_zh": "存量", "name_en": "s", "unit": "家", "kind": "stock", "source": "platform"},
])
positive = st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2)


@given(month=st.integers(1, 12), k=positive)
def test_exactly_on_schedule_is_never_behind(month, k):
    # target 12k, value k × month: completion = month / 12 = time progress, exactly
    p = Period(2025, month)
    store = {("R", "F", p): k * month}
    row = compute_panel(FLOW_STOCK, store, RegionTree({"R": None}), "R", p, targets={"F": k * 12}, codes={"F"})[0]
    assert row["behind_schedule"] is False
    assert row["projection"] == k * 12


@given(month=st.integers(1, 12), dec=positive, value=positive, target=positive)
def test_behind_schedule_agrees_with_the_projection(month, dec, value, target):
    p = Period(2025, month)
    store = {("R", "F", p): value, ("R", "S", p): value, ("R", "S", p.previous_december()): dec}
    rows = compute_panel(FLOW_STOCK, store, RegionTree({"R": None}), "R", p, targets={"F": target, "S": target})
    flow, stock = rows
    assert flow["behind_schedule"] is (value * 12 / month < target)
    assert flow["behind_schedule"] is (flow["completion_pct"] < flow["time_progress_pct"]) or (
        flow["completion_pct"] == flow["time_progress_pct"])
    if target > dec:  # a planned increase: behind exactly when the linear projection misses the target
        exact_projection_short = (value - dec) * 12 < (target - dec) * month
        assert stock["behind_schedule"] is exact_projection_short
