"""HTE conditions C1–C8 at every threshold: exactly on it and one step either side; verdicts; every failure."""

from decimal import Decimal

import pytest

from kechuang.evaluation.engine import evaluate_hte, evaluate_hte_data, parse_hte_profile

from . import builders as b


def run(data):
    return evaluate_hte(parse_hte_profile(data))


def test_baseline_qualifies_with_hand_computed_score():
    res = run(b.hte())
    assert res.verdict == "qualified"
    assert res.failed_conditions == ()
    assert (res.score_min, res.score_max) == (75, 75)


# C1: 365 days or more ("一年以上" includes one year).
@pytest.mark.parametrize("registered, passed", [
    ("2024-06-01", True),   # 2024-06-01 → 2025-06-01 = 365 days
    ("2024-06-02", False),  # 364 days
    ("2024-05-31", True),   # 366 days
])
def test_c1_days(registered, passed):
    data = b.hte(registration_date=registered)
    data["fiscal_years"] = data["fiscal_years"][-1:]
    data["expert"] = {}
    res = run(data)
    assert res.conditions["C1"].passed is passed
    assert ("C1" in res.failed_conditions) is not passed


def test_c1_counts_the_leap_day():
    # 2023-06-02 → 2024-06-01 spans 29 Feb 2024: 365 days.
    data = b.hte(registration_date="2023-06-02", application_date="2024-06-01")
    data["fiscal_years"] = [dict(b.HTE["fiscal_years"][0], year=2023)]
    data["expert"] = {}
    assert run(data).conditions["C1"].value == 365


# C4: technology staff ≥ 10% of total staff.
@pytest.mark.parametrize("tech, passed", [(45, True), (44, False), (46, True), ("44.99", False)])
def test_c4_tech_ratio(tech, passed):
    assert run(b.hte(staff_tech=tech)).conditions["C4"].passed is passed


def c5_years(latest_sales, total_sales, total_rd):
    """Three fiscal years with the given latest sales, total sales and total R&D (all domestic)."""
    latest_sales, total_sales, total_rd = Decimal(latest_sales), Decimal(total_sales), Decimal(total_rd)
    first = (total_sales - latest_sales) / 2
    rows = [(first, 0, 0, 1000), (first, 0, 0, 1000), (latest_sales, total_rd, total_rd, 1000)]
    return b.years(*rows)


# C5a: the band is picked on the latest year's sales; the ratio is over the 3-year totals.
@pytest.mark.parametrize("latest, threshold", [
    ("5000", "0.05"), ("5000.01", "0.04"), ("4999.99", "0.05"),
    ("20000", "0.04"), ("20000.01", "0.03"), ("19999.99", "0.04"),
])
def test_c5a_sales_band_edges(latest, threshold):
    data = b.hte_no_expert(fiscal_years=c5_years(latest, "30000", "3000"))
    assert run(data).conditions["C5a"].threshold == Decimal(threshold)


@pytest.mark.parametrize("latest, total_sales, total_rd, passed", [
    ("5000", "12000", "600", True),        # exactly 5%
    ("5000", "12000", "599.99", False),    # a fen below 5%
    ("5000", "12000", "600.01", True),
    ("18000", "50000", "2000", True),      # exactly 4%
    ("18000", "50000", "1999.99", False),
    ("30000", "80000", "2400", True),      # exactly 3%
    ("30000", "80000", "2399.99", False),
    ("5000.01", "12000.01", "480.0004", True),  # 4% band once over 5000万: 0.04 × 12000.01 = 480.0004
    ("5000.01", "12000.01", "480.0003", False),
])
def test_c5a_ratio_edges(latest, total_sales, total_rd, passed):
    data = b.hte_no_expert(fiscal_years=c5_years(latest, total_sales, total_rd))
    assert run(data).conditions["C5a"].passed is passed


def test_c5a_uses_the_years_operated_when_fewer_than_three():
    data = b.hte_no_expert(registration_date="2023-01-05")
    data["fiscal_years"] = b.years((1000, 50, 50, 100), (3000, 140, 140, 200))  # 190/4000 = 4.75% < 5%
    cond = run(data).conditions["C5a"]
    assert cond.threshold == Decimal("0.05") and not cond.passed
    assert cond.detail["total_sales"] == 4000 and cond.detail["total_rd"] == 190


# C5b: domestic R&D ≥ 60% of all R&D.
@pytest.mark.parametrize("domestic, passed", [("1260", True), ("1259.99", False), ("1260.01", True)])
def test_c5b_domestic_share(domestic, passed):
    data = b.hte()
    dom = Decimal(domestic)  # of 2100 total; 60% is 1260
    data["fiscal_years"][0]["rd_domestic"] = "600"
    data["fiscal_years"][1]["rd_domestic"] = str(dom - 600)
    data["fiscal_years"][2]["rd_domestic"] = "0"
    assert run(data).conditions["C5b"].passed is passed


# C6: high-tech income ≥ 60% of total income (收入总额 − 不征税收入).
@pytest.mark.parametrize("hitech, passed", [("15480", True), ("15479.99", False), ("15480.01", True)])
def test_c6_hitech_share(hitech, passed):
    data = b.hte()
    data["latest_year"]["hitech_income"] = hitech  # of 26000 − 200 = 25800; 60% is 15480
    assert run(data).conditions["C6"].passed is passed


def test_c6_denominator_subtracts_non_taxable_income():
    data = b.hte()
    data["latest_year"] = {"total_income": 10000, "non_taxable_income": 0, "hitech_income": 5999}
    assert not run(data).conditions["C6"].passed
    data["latest_year"]["non_taxable_income"] = 2  # 5999 / 9998 = 60.0%
    assert run(data).conditions["C6"].passed


# C7: the innovation score must exceed 70; 70 fails, 71 passes.
@pytest.mark.parametrize("rd_org, total, verdict", [
    ([5, 5, 1, 1], 71, "qualified"),    # 26 + 25 + 12 + 8
    ([5, 5, 1, 0], 70, "not_qualified"),
    ([5, 5, 2, 1], 72, "qualified"),
])
def test_c7_score_70_fails_71_passes(rd_org, total, verdict):
    data = b.hte()
    data["expert"]["rd_org"] = rd_org
    res = run(data)
    assert (res.score_min, res.score_max) == (total, total)
    assert res.verdict == verdict
    assert res.conditions["C7"].passed is (total > 70)


def test_borderline_when_only_the_optimistic_score_passes():
    data = b.hte()
    data["expert"]["rd_org"] = [5, 5, 1, None]  # 70 + [0, 4] → 70..74
    res = run(data)
    assert (res.score_min, res.score_max) == (70, 74)
    assert res.verdict == "borderline"
    assert res.failed_conditions == ("C7",)


def test_not_qualified_when_a_hard_condition_fails_even_with_a_high_score():
    res = run(b.hte(staff_tech=44))
    assert res.score_min == 75
    assert res.verdict == "not_qualified"
    assert res.failed_conditions == ("C4",)


def test_c2_needs_declared_ownership_and_some_ip():
    assert not run(b.hte(owns_core_ip=False)).conditions["C2"].passed
    data = b.hte(ip=[])
    data["expert"] = {}
    assert not run(data).conditions["C2"].passed


def test_c3_and_c8_booleans():
    assert run(b.hte(in_hitech_domain=False)).failed_conditions == ("C3",)
    assert run(b.hte(major_incident_last_year=True)).failed_conditions == ("C8",)


def test_every_failing_condition_is_reported_at_once():
    data = {
        "registration_date": "2024-06-10", "application_date": "2025-06-01",   # 356 days
        "staff_total": 100, "staff_tech": 5,                                     # 5%
        "fiscal_years": [{"year": 2024, "sales": 1000, "rd_expense": 10, "rd_domestic": 1, "net_assets": 50}],
        "latest_year": {"total_income": 1000, "non_taxable_income": 0, "hitech_income": 100},
        "ip": [], "transformations": 0,
        "owns_core_ip": False, "in_hitech_domain": False, "major_incident_last_year": True,
    }
    res = evaluate_hte_data(data)
    assert res["verdict"] == "not_qualified"
    assert res["failed_conditions"] == ["C1", "C2", "C3", "C4", "C5a", "C5b", "C6", "C7", "C8"]
    assert all(not c["passed"] for c in res["conditions"].values())


def test_output_contract():
    out = evaluate_hte_data(b.hte())
    assert set(out) >= {"verdict", "failed_conditions", "score_min", "score_max", "conditions", "scores", "flags",
                        "ruleset"}
    c5a = out["conditions"]["C5a"]
    assert c5a["clause"] == "《高新技术企业认定管理办法》第十一条（五）"
    assert c5a["label"] and c5a["comparator"] == ">=" and c5a["threshold"] == "0.04"
    assert c5a["value"] == "0.042424"  # 2100 / 49500 = 0.0424242…
    assert out["conditions"]["C4"]["value"] == "0.133333"
    assert out["conditions"]["C7"] == {**out["conditions"]["C7"], "value": 75, "threshold": 70, "comparator": ">"}
    assert out["ruleset"] == "hte-2016"
    for indicator in ("ip", "transformation", "rd_org", "growth"):
        assert {"min", "max"} <= set(out["scores"][indicator])


def test_output_has_no_floats():
    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        else:
            assert not isinstance(node, (float, Decimal)), node
    data = b.hte_no_expert()
    data["fiscal_years"][0]["sales"] = 15000.5
    walk(evaluate_hte_data(data))


def test_displayed_ratio_never_rounds_onto_the_threshold():
    # 4999.999/100000 = 4.999999% rounds to 0.050000 at 6 places: the shown value must stay below 5%.
    data = b.hte_no_expert(fiscal_years=c5_years("5000", "100000", "4999.999"))
    out = evaluate_hte_data(data)["conditions"]["C5a"]
    assert out["passed"] is False
    assert Decimal(out["value"]) < Decimal("0.05")
