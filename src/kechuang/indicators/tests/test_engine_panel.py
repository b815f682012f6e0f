"""The indicator panel: growth, share, rank, ratio formulas, targets, pace and projection.

Every expected value is computed by hand in the comment beside it.
"""

import json
import time
from decimal import Decimal as D

import pytest

from kechuang.indicators.engine import (
    PANEL_KEYS,
    Evaluator,
    Period,
    RegionTree,
    Target,
    build_store,
    competition_rank,
    compute_panel,
    display,
    load_catalog,
    periods_needed,
    time_progress_pct,
    to_json,
    to_jsonable,
)


def _row(code, kind="flow", formula="", unit="亿元"):
    return {"code": code, "name_zh": f"{code}中文", "name_en": code, "unit": unit, "kind": kind,
            "source": "derived" if formula else "statistics", "formula": formula}


CATALOG = load_catalog([
    _row("GDP"),
    _row("IND_VA"),
    _row("HT_IND_VA"),
    _row("HT_IND_VA_SHARE", "ratio", "HT_IND_VA / IND_VA * 100", "%"),
    _row("RD_EXP"),
    _row("RD_GDP_RATIO", "ratio", "RD_EXP / GDP * 100", "%"),
    _row("PAT_APPLY", unit="件"),
    _row("PAT_GRANT", unit="件"),
    _row("TECH_TRADE"),
    _row("HTE_VALID", "stock", unit="家"),
    _row("HTE_NET_NEW", "flow", "HTE_VALID - HTE_VALID(previous December)", "家"),
    _row("RISK_POOL_CLIENTS", "stock", unit="家"),
    _row("RISK_POOL_BALANCE", "stock"),
    _row("RISK_POOL_AVG_BALANCE", "ratio", "RISK_POOL_BALANCE * 10000 / RISK_POOL_CLIENTS", "万元"),
])

# CITY ─┬─ D1 ─┬─ T1
#       │      └─ T2
#       ├─ D2
#       ├─ D3
#       └─ D4   (never has data)
TREE = RegionTree({"CITY": None, "D1": "CITY", "D2": "CITY", "D3": "CITY", "D4": "CITY", "T1": "D1", "T2": "D1"})

NOV25, NOV24, DEC24 = "2025-11", "2024-11", "2024-12"


def panel(rows, region="D1", period=NOV25, **kw):
    return {r["code"]: r for r in compute_panel(CATALOG, build_store(rows), TREE, region, period, **kw)}


class TestShape:
    def test_one_row_per_indicator_in_catalog_order_with_every_key(self):
        rows = compute_panel(CATALOG, {}, TREE, "D1", Period(2025, 11))
        assert [r["code"] for r in rows] == CATALOG.codes
        for r in rows:
            assert tuple(r) == PANEL_KEYS
        gdp = rows[0]
        assert gdp["name"] == "GDP中文" and gdp["unit"] == "亿元" and gdp["kind"] == "flow"
        assert gdp["value"] is None and gdp["yoy_pct"] is None and gdp["rank"] is None and gdp["rank_of"] == 0

    def test_codes_restricts_the_rows(self):
        rows = compute_panel(CATALOG, {}, TREE, "D1", NOV25, codes={"PAT_GRANT", "GDP"})
        assert [r["code"] for r in rows] == ["GDP", "PAT_GRANT"]


class TestYearOnYear:
    def test_flow_compares_cumulative_jan_nov_with_jan_nov(self):
        r = panel([
            ("D1", "GDP", NOV25, "550"),
            ("D1", "GDP", NOV24, "500"),
            ("D1", "GDP", DEC24, "600"),  # the full year 2024 must NOT be the base
        ])["GDP"]
        # (550 - 500) / 500 * 100 = 10
        assert r["value"] == D(550) and r["previous_value"] == D(500)
        assert r["yoy_pct"] == D(10)
        assert r["yoy_pp"] is None

    def test_decline(self):
        # (450 - 500) / 500 * 100 = -10
        assert panel([("D1", "GDP", NOV25, "450"), ("D1", "GDP", NOV24, "500")])["GDP"]["yoy_pct"] == D(-10)

    def test_missing_previous_year_is_null_not_zero(self):
        r = panel([("D1", "PAT_APPLY", NOV25, "300")])["PAT_APPLY"]
        assert r["value"] == D(300)
        assert r["yoy_pct"] is None

    def test_zero_previous_year_is_null(self):
        r = panel([("D1", "PAT_APPLY", NOV25, "300"), ("D1", "PAT_APPLY", NOV24, "0")])["PAT_APPLY"]
        assert r["yoy_pct"] is None

    def test_missing_current_value_is_null(self):
        assert panel([("D1", "PAT_APPLY", NOV24, "300")])["PAT_APPLY"]["yoy_pct"] is None

    def test_stock_compares_month_end_levels(self):
        r = panel([("D1", "HTE_VALID", "2025-06", "930"), ("D1", "HTE_VALID", "2024-06", "800")], period="2025-06")
        # (930 - 800) / 800 * 100 = 16.25
        assert r["HTE_VALID"]["yoy_pct"] == D("16.25")

    def test_negative_base_keeps_the_direction(self):
        # net new HTE: 2025-06: 930 - 900 = 30; 2024-06: 780 - 800 = -20
        # (30 - (-20)) / |-20| * 100 = 250  (up, although the base is negative)
        r = panel([
            ("D1", "HTE_VALID", "2025-06", "930"), ("D1", "HTE_VALID", "2024-12", "900"),
            ("D1", "HTE_VALID", "2024-06", "780"), ("D1", "HTE_VALID", "2023-12", "800"),
        ], period="2025-06")["HTE_NET_NEW"]
        assert r["value"] == D(30) and r["previous_value"] == D(-20)
        assert r["yoy_pct"] == D(250)


class TestRatios:
    DATA = [
        ("D1", "HT_IND_VA", NOV25, "66"), ("D1", "IND_VA", NOV25, "200"),
        ("D1", "HT_IND_VA", NOV24, "60"), ("D1", "IND_VA", NOV24, "200"),
        ("D2", "HT_IND_VA", NOV25, "40"), ("D2", "IND_VA", NOV25, "100"),
        ("D3", "HT_IND_VA", NOV25, "10"),  # no IND_VA: the ratio is not applicable
    ]

    def test_ratio_from_formula_and_percentage_point_change(self):
        r = panel(self.DATA)["HT_IND_VA_SHARE"]
        # now: 66 / 200 * 100 = 33; a year ago: 60 / 200 * 100 = 30; 33 - 30 = 3 pp
        assert r["value"] == D(33)
        assert r["previous_value"] == D(30)
        assert r["yoy_pp"] == D(3)
        assert r["yoy_pct"] is None  # never a percentage change for a ratio
        assert r["share_pct"] is None  # a ratio has no share of its parent
        assert r["time_progress_pct"] is None and r["projection"] is None

    def test_ratios_are_ranked_from_their_formula(self):
        # D2: 40 / 100 * 100 = 40 > D1's 33; D3 not applicable, D4 no data: 2 ranked
        r = panel(self.DATA)["HT_IND_VA_SHARE"]
        assert (r["rank"], r["rank_of"]) == (2, 2)
        assert panel(self.DATA, region="D3")["HT_IND_VA_SHARE"]["rank"] is None

    def test_stored_ratio_value_wins_over_the_formula(self):
        r = panel(self.DATA + [("D1", "HT_IND_VA_SHARE", NOV25, "35.5")])["HT_IND_VA_SHARE"]
        # stored 35.5 now, formula 30 a year ago: 5.5 pp
        assert r["value"] == D("35.5") and r["yoy_pp"] == D("5.5")

    def test_division_by_zero_gives_none(self):
        r = panel([("D3", "RD_EXP", NOV25, "1"), ("D3", "GDP", NOV25, "0")], region="D3")["RD_GDP_RATIO"]
        assert r["value"] is None and r["yoy_pp"] is None and r["rank"] is None

    def test_previous_year_ratio_missing_gives_null_pp(self):
        r = panel([("D1", "RD_EXP", NOV25, "29"), ("D1", "GDP", NOV25, "1000"), ("D1", "GDP", NOV24, "900")])["RD_GDP_RATIO"]
        # 29 / 1000 * 100 = 2.9; last year RD_EXP missing
        assert r["value"] == D("2.9") and r["yoy_pp"] is None

    def test_ratio_with_a_unit_other_than_percent(self):
        r = panel([("D1", "RISK_POOL_BALANCE", NOV25, "1.2"), ("D1", "RISK_POOL_CLIENTS", NOV25, "40")])["RISK_POOL_AVG_BALANCE"]
        # 1.2 亿元 * 10000 / 40 = 300 万元
        assert r["value"] == D(300)

    def test_ratio_at_a_parent_uses_rolled_up_operands(self):
        data = [("T1", "RD_EXP", NOV25, "3"), ("T2", "RD_EXP", NOV25, "1"), ("D1", "GDP", NOV25, "200")]
        # (3 + 1) / 200 * 100 = 2
        assert panel(data)["RD_GDP_RATIO"]["value"] == D(2)


class TestShare:
    def test_share_of_the_parents_own_value(self):
        data = [("CITY", "GDP", NOV25, "2000"), ("D1", "GDP", NOV25, "550"), ("D2", "GDP", NOV25, "900")]
        # 550 / 2000 * 100 = 27.5 (the city's own value, not 550 + 900)
        assert panel(data)["GDP"]["share_pct"] == D("27.5")

    def test_share_of_the_sum_of_children_when_the_parent_has_no_value(self):
        data = [("D1", "PAT_APPLY", NOV25, "300"), ("D2", "PAT_APPLY", NOV25, "500"), ("D3", "PAT_APPLY", NOV25, "200")]
        # 300 / (300 + 500 + 200) * 100 = 30
        assert panel(data)["PAT_APPLY"]["share_pct"] == D(30)
        assert panel(data, region="D2")["PAT_APPLY"]["share_pct"] == D(50)
        assert panel(data, region="D4")["PAT_APPLY"]["share_pct"] is None

    def test_share_of_a_town_when_the_district_is_rolled_up_or_not(self):
        data = [("T1", "TECH_TRADE", NOV25, "3"), ("T2", "TECH_TRADE", NOV25, "5")]
        # 3 / (3 + 5) * 100 = 37.5 either way
        assert panel(data, region="T1")["TECH_TRADE"]["share_pct"] == D("37.5")
        assert panel(data, region="T1", rollup=False)["TECH_TRADE"]["share_pct"] == D("37.5")
        # the district's own value is the towns' sum with roll-up (3 + 5 = 8), absent without
        assert panel(data, region="D1")["TECH_TRADE"]["value"] == D(8)
        assert panel(data, region="D1", rollup=False)["TECH_TRADE"]["value"] is None

    def test_zero_parent_total_gives_none(self):
        data = [("CITY", "PAT_APPLY", NOV25, "0"), ("D1", "PAT_APPLY", NOV25, "0")]
        assert panel(data)["PAT_APPLY"]["share_pct"] is None

    def test_no_parent_no_share_no_rank(self):
        r = panel([("CITY", "GDP", NOV25, "2000")], region="CITY")["GDP"]
        assert r["share_pct"] is None and r["rank"] is None and r["rank_of"] is None

    def test_derived_flow_share_uses_the_formula_at_the_parent(self):
        data = [
            ("CITY", "HTE_VALID", "2025-06", "5000"), ("CITY", "HTE_VALID", "2024-12", "4800"),
            ("D1", "HTE_VALID", "2025-06", "930"), ("D1", "HTE_VALID", "2024-12", "900"),
        ]
        # D1 net new 930 - 900 = 30; city 5000 - 4800 = 200; 30 / 200 * 100 = 15
        assert panel(data, period="2025-06")["HTE_NET_NEW"]["share_pct"] == D(15)


class TestRank:
    def test_ties_share_a_rank_and_skip_the_next(self):
        data = [("D1", "PAT_GRANT", NOV25, "80"), ("D2", "PAT_GRANT", NOV25, "80"), ("D3", "PAT_GRANT", NOV25, "50")]
        # 80, 80, 50 → 1, 1, 3; D4 has no value: not ranked, not counted
        got = {r: panel(data, region=r)["PAT_GRANT"] for r in ("D1", "D2", "D3", "D4")}
        assert [(got[r]["rank"], got[r]["rank_of"]) for r in ("D1", "D2", "D3", "D4")] == [(1, 3), (1, 3), (3, 3), (None, 3)]

    def test_rank_by_exact_value(self):
        data = [("D1", "GDP", NOV25, "550.001"), ("D2", "GDP", NOV25, "550")]
        assert panel(data)["GDP"]["rank"] == 1 and panel(data, region="D2")["GDP"]["rank"] == 2

    def test_competition_rank_helper(self):
        vals = [D(5), D(9), D(5), None, D(1)]
        assert competition_rank(D(9), vals) == (1, 4)
        assert competition_rank(D(5), vals) == (2, 4)
        assert competition_rank(D(1), vals) == (4, 4)
        assert competition_rank(None, vals) == (None, 4)

    def test_rank_of_a_town_uses_rolled_up_siblings_only_at_its_level(self):
        data = [("T1", "PAT_GRANT", NOV25, "7"), ("T2", "PAT_GRANT", NOV25, "9")]
        assert (panel(data, region="T1")["PAT_GRANT"]["rank"], panel(data, region="T2")["PAT_GRANT"]["rank"]) == (2, 1)


class TestTargets:
    GDP = [("D1", "GDP", NOV25, "550"), ("D1", "GDP", DEC24, "600")]

    def test_completion_equal_to_time_progress_is_not_behind(self):
        r = panel(self.GDP, targets={"GDP": Target(value=D(600))})["GDP"]
        # completion 550 / 600 * 100 = 91.666…; time progress 11 / 12 * 100 = 91.666… — exactly equal
        assert r["target"] == D(600)
        assert r["completion_pct"] == r["time_progress_pct"]
        assert display(r["time_progress_pct"], 20) == "91.66666666666666666667"
        assert r["behind_schedule"] is False
        # implied growth of the target over last year's 600: 0 %
        assert r["target_growth_pct"] == D(0)

    def test_completion_below_time_progress_is_behind(self):
        data = [("D1", "GDP", NOV25, "549")]
        r = panel(data, targets={"GDP": D(600)})["GDP"]  # a bare Decimal is an absolute target
        # 549 / 600 * 100 = 91.5 < 91.666…
        assert r["completion_pct"] == D("91.5")
        assert r["behind_schedule"] is True
        assert r["target_growth_pct"] is None  # no December value to compare with

    def test_target_as_growth_rate(self):
        r = panel(self.GDP, targets={"GDP": Target(growth_pct=D(8))})["GDP"]
        # 600 * (1 + 8 / 100) = 648; 550 / 648 * 100 = 84.876…; behind 91.666…
        assert r["target"] == D(648)
        assert r["target_growth_pct"] == D(8)
        assert display(r["completion_pct"], 20) == "84.87654320987654320988"
        assert r["behind_schedule"] is True

    def test_absolute_target_implies_a_growth_rate(self):
        r = panel(self.GDP, targets={"GDP": Target(value=D(660))})["GDP"]
        # (660 - 600) / 600 * 100 = 10
        assert r["target_growth_pct"] == D(10)

    def test_growth_target_without_last_december_has_no_target(self):
        r = panel([("D1", "GDP", NOV25, "550")], targets={"GDP": Target(growth_pct=D(8))})["GDP"]
        assert r["target"] is None and r["completion_pct"] is None and r["behind_schedule"] is None

    def test_no_target(self):
        r = panel(self.GDP)["GDP"]
        assert r["target"] is None and r["completion_pct"] is None and r["behind_schedule"] is None
        assert display(r["time_progress_pct"], 2) == "91.67"  # shown anyway: it is the period's

    def test_stock_behind_when_the_increment_trails_the_calendar(self):
        data = [("D1", "HTE_VALID", "2025-06", "930"), ("D1", "HTE_VALID", "2024-12", "900")]
        r = panel(data, period="2025-06", targets={"HTE_VALID": D(1000)})["HTE_VALID"]
        # completion 930 / 1000 * 100 = 93; time 6 / 12 * 100 = 50
        # increment (930 - 900) / (1000 - 900) * 100 = 30 < 50 → behind
        assert r["completion_pct"] == D(93) and r["time_progress_pct"] == D(50)
        assert r["increment_completion_pct"] == D(30)
        assert r["behind_schedule"] is True
        # projection 900 + (930 - 900) * 12 / 6 = 960 (< 1000, consistent with behind)
        assert r["projection"] == D(960)

    def test_stock_on_the_line_is_not_behind(self):
        data = [("D1", "HTE_VALID", "2025-06", "950"), ("D1", "HTE_VALID", "2024-12", "900")]
        r = panel(data, period="2025-06", targets={"HTE_VALID": D(1000)})["HTE_VALID"]
        # (950 - 900) / (1000 - 900) * 100 = 50 = time progress; projection 900 + 50 * 2 = 1000
        assert r["increment_completion_pct"] == D(50)
        assert r["behind_schedule"] is False
        assert r["projection"] == D(1000)

    def test_stock_target_equal_to_last_december(self):
        data = [("D1", "HTE_VALID", "2025-06", "899"), ("D1", "HTE_VALID", "2024-12", "900")]
        r = panel(data, period="2025-06", targets={"HTE_VALID": D(900)})["HTE_VALID"]
        assert r["behind_schedule"] is True and r["increment_completion_pct"] is None

    def test_stock_planned_decrease(self):
        # pool to shrink from 100 to 80; at March 98: achieved -2 of planned -20 → 10 % < 25 % → behind
        data = [("D1", "HTE_VALID", "2025-03", "98"), ("D1", "HTE_VALID", "2024-12", "100")]
        r = panel(data, period="2025-03", targets={"HTE_VALID": D(80)})["HTE_VALID"]
        assert r["increment_completion_pct"] == D(10) and r["behind_schedule"] is True

    def test_ratio_target_has_completion_but_no_pace(self):
        data = [("D1", "RD_EXP", NOV25, "29"), ("D1", "GDP", NOV25, "1000")]
        r = panel(data, targets={"RD_GDP_RATIO": D("3.2")})["RD_GDP_RATIO"]
        # 2.9 / 3.2 * 100 = 90.625
        assert r["completion_pct"] == D("90.625")
        assert r["time_progress_pct"] is None and r["behind_schedule"] is None


class TestProjectionAndProgress:
    def test_flow_projection_at_the_current_pace(self):
        # 550 * 12 / 11 = 600
        assert panel([("D1", "GDP", NOV25, "550")])["GDP"]["projection"] == D(600)
        # March: 30 * 12 / 3 = 120
        assert panel([("D1", "GDP", "2025-03", "30")], period="2025-03")["GDP"]["projection"] == D(120)

    def test_december_projection_is_the_value(self):
        assert panel([("D1", "GDP", "2025-12", "610")], period="2025-12")["GDP"]["projection"] == D(610)

    def test_stock_projection_needs_last_december(self):
        assert panel([("D1", "HTE_VALID", "2025-06", "930")], period="2025-06")["HTE_VALID"]["projection"] is None

    @pytest.mark.parametrize("month,expected", [
        (1, "8.33333333333333333333"),  # 1 / 12 * 100
        (3, "25.00000000000000000000"),
        (6, "50.00000000000000000000"),
        (11, "91.66666666666666666667"),  # 11 / 12 * 100
        (12, "100.00000000000000000000"),
    ])
    def test_time_progress(self, month, expected):
        assert display(time_progress_pct(Period(2025, month)), 20) == expected


class TestInputs:
    def test_period_may_be_a_string_or_a_period(self):
        data = build_store([("D1", "GDP", NOV25, "550")])
        assert compute_panel(CATALOG, data, TREE, "D1", "2025-11") == compute_panel(CATALOG, data, TREE, "D1", Period(2025, 11))

    def test_build_store_refuses_floats_and_duplicates(self):
        with pytest.raises(TypeError):
            build_store([("D1", "GDP", NOV25, 550.0)])
        with pytest.raises(ValueError):
            build_store([("D1", "GDP", NOV25, "1"), ("D1", "GDP", Period(2025, 11), "2")])
        assert build_store([("D1", "GDP", NOV25, None)]) == {}

    def test_a_plain_dict_store_and_a_shared_evaluator(self):
        store = {("D1", "GDP", Period(2025, 11)): D(550), ("D2", "GDP", Period(2025, 11)): D(450)}
        ev = Evaluator(CATALOG, store, TREE)
        one = compute_panel(CATALOG, ev, None, "D1", NOV25)
        two = compute_panel(CATALOG, ev, None, "D2", NOV25)
        # 550 / (550 + 450) * 100 = 55
        assert one[0]["share_pct"] == D(55) and two[0]["share_pct"] == D(45)

    def test_tree_from_children_and_errors(self):
        t = RegionTree.from_children({"C": ["A", "B"], "A": ["A1"]})
        assert t.parent("A1") == "A" and t.parent("C") is None and list(t.children("C")) == ["A", "B"]
        assert t.children("nowhere") == () and t.parent("nowhere") is None
        with pytest.raises(ValueError):
            RegionTree({"A": "B", "B": "A"})
        with pytest.raises(ValueError):
            RegionTree.from_children({"C": ["A"], "D": ["A"]})

    def test_periods_needed(self):
        assert [str(p) for p in periods_needed(Period(2025, 11))] == ["2023-12", "2024-11", "2024-12", "2025-11"]
        assert [str(p) for p in periods_needed(Period(2025, 12))] == ["2023-12", "2024-12", "2025-12"]


class TestJson:
    def test_decimals_become_strings_and_none_null(self):
        rows = compute_panel(CATALOG, build_store([("D1", "GDP", NOV25, "550"), ("D1", "GDP", NOV24, "500")]),
                             TREE, "D1", NOV25, codes={"GDP", "HT_IND_VA_SHARE"})
        out = json.loads(to_json(rows))
        assert out[0]["code"] == "GDP" and out[0]["value"] == "550" and out[0]["yoy_pct"] == "10"
        # the city has no GDP and D1 is its only district with one: 550 / 550 * 100
        assert out[0]["share_pct"] == "100" and out[0]["rank"] == 1 and out[0]["rank_of"] == 1
        assert out[1]["value"] is None and out[1]["yoy_pp"] is None
        assert out[0]["time_progress_pct"].startswith("91.6666666")

    def test_places_round_half_up_and_no_exponents(self):
        rows = [{"a": D("91.666666"), "b": D("1E+2"), "c": D("-0.001"), "d": None, "e": True, "f": Period(2025, 1)}]
        assert to_jsonable(rows, places=2) == [{"a": "91.67", "b": "100.00", "c": "0.00", "d": None, "e": True, "f": "2025-01"}]
        assert to_jsonable(rows)[0]["b"] == "100"
        assert to_json([{"n": "名"}]) == '[{"n": "名"}]'


def _big_fixture():
    """A city of 10 districts × 15 towns, 40 indicators (30 flow/stock, 10 ratios), data at towns
    and districts for the four periods the panel reads."""
    rows = []
    for i in range(30):
        rows.append(_row(f"F{i}", "flow" if i % 2 else "stock"))
    for i in range(10):
        rows.append(_row(f"R{i}", "ratio", f"F{i} / F{i + 10} * 100", "%"))
    catalog = load_catalog(rows)
    parent_of = {"CITY": None}
    store = {}
    periods = periods_needed(Period(2025, 11))
    for d in range(10):
        dist = f"D{d}"
        parent_of[dist] = "CITY"
        for t in range(15):
            town = f"{dist}T{t}"
            parent_of[town] = dist
            for i in range(30):
                for k, p in enumerate(periods):
                    store[(town, f"F{i}", p)] = D(100 + d * 7 + t * 3 + i + k)
        for i in range(0, 30, 3):  # some district figures are stored, the rest roll up
            for p in periods:
                store[(dist, f"F{i}", p)] = D(5000 + d + i)
    return catalog, store, RegionTree(parent_of)


def test_panel_for_a_district_is_fast():
    catalog, store, tree = _big_fixture()
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        rows = compute_panel(catalog, store, tree, "D3", Period(2025, 11), targets={"F1": D(9000)})
        best = min(best, time.perf_counter() - start)
    assert len(rows) == 40 and rows[0]["rank_of"] == 10 and rows[1]["share_pct"] is not None
    assert best < 0.010, f"panel took {best * 1000:.2f} ms"
