"""Gap analysis: the numbers that would make a failing profile pass, rounded up to the unit shown."""

from decimal import Decimal

from kechuang.evaluation.engine import (
    evaluate_hte, evaluate_tsme, hte_gaps, parse_hte_profile, parse_tsme_profile, tsme_gaps,
)

from . import builders as b


def gaps_of(data):
    profile = parse_hte_profile(data)
    return {g["code"]: g for g in hte_gaps(profile)}


def test_qualified_profiles_have_no_gaps():
    assert hte_gaps(parse_hte_profile(b.hte())) == []
    assert tsme_gaps(parse_tsme_profile(b.tsme())) == []


def test_c5a_message_and_amount():
    # Σsales 53000, ΣR&D 1859 → 3.5075%; latest sales 20000 is still the 4% band: 0.04 × 53000 − 1859 = 261.
    data = b.hte(fiscal_years=b.years((16000, 600, 600, 1000), (17000, 600, 600, 1150), (20000, 659, 659, 1322.5)))
    gap = gaps_of(data)["C5a"]
    assert gap["message_zh"].startswith("研发费用占比 3.51%，低于 4%：近三年还需增加研发费用 261万元")
    assert "RMB 2,610,000" in gap["message_en"]
    assert gap["needed"]["rd_expense"] == "261"
    # Band-crossing nuance: 1 fen more latest-year sales would move it to the 3% band, which 1859 already meets
    # (0.03 × 53000.01 = 1590.0003).
    (alt,) = gap["alternatives"]
    assert alt["latest_sales_increase"] == "0.01" and alt["band_threshold"] == "0.03" and alt["rd_expense"] == "0"


def test_c5a_amount_is_rounded_up_to_the_fen():
    # Σsales 10000 (latest 4000 → 5%), ΣR&D 487.654: needs 500 − 487.654 = 12.346 → 12.35万元, not 12.34.
    data = b.hte_no_expert(
        fiscal_years=b.years((3000, 100, 100, 1000), (3000, 100, 100, 1150), (4000, "287.654", "287.654", 1322.5)))
    gap = gaps_of(data)["C5a"]
    assert gap["needed"]["rd_expense"] == "12.35"
    assert "12.35万元" in gap["message_zh"]
    assert gap["alternatives"] == []  # 5000万 is 1000万 away: more than 20% of 4000万, no crossing offered


def test_c5a_and_c5b_together_need_domestic_rd():
    # ΣR&D 1620 of which 840 domestic, Σsales 49500 (4%): C5a needs 360, C5b needs (972 − 840)/0.4 = 330.
    data = b.hte(fiscal_years=b.years((15000, 520, 280, 1000), (16500, 540, 280, 1150), (18000, 560, 280, 1322.5)))
    gaps = gaps_of(data)
    assert gaps["C5a"]["needed"]["rd_expense"] == "360"
    assert gaps["C5a"]["needed"]["domestic_rd_for_c5a_and_c5b"] == "360"
    assert gaps["C5b"]["needed"]["domestic_rd_expense"] == "330"


def test_c4_smallest_number_of_new_tech_staff():
    # 9/91 = 9.89%: one hire gives 10/92 = 10.9%.
    gap = gaps_of(b.hte(staff_total=91, staff_tech=9))["C4"]
    assert gap["needed"] == {"tech_staff": 1}
    assert "需再增加 1 名科技人员" in gap["message_zh"]
    # 40/450: (45 − 40)/0.9 = 5.6 → 6 (45/455 = 9.89% is not enough, 46/456 = 10.09% is).
    assert gaps_of(b.hte(staff_tech=40))["C4"]["needed"] == {"tech_staff": 6}


def test_c6_new_or_reclassified_hitech_income():
    data = b.hte()
    data["latest_year"]["hitech_income"] = 14000  # of 25800: 54.26%
    gap = gaps_of(data)["C6"]
    assert gap["needed"] == {"new_hitech_income": "3700", "reclassified_income": "1480"}
    assert "54.26%" in gap["message_zh"]


def test_c1_days_to_wait():
    data = b.hte(registration_date="2024-06-10")
    data["fiscal_years"] = data["fiscal_years"][-1:]
    data["expert"] = {}
    gap = gaps_of(data)["C1"]
    assert gap["needed"] == {"days": 9, "earliest_application_date": "2025-06-10"}


def test_c7_levers():
    gap = gaps_of(b.hte_no_expert())["C7"]  # 41..90
    assert gap["needed"] == {"points_conservative": 30, "points_optimistic": 0}
    levers = {lv["item"]: lv for lv in gap["levers"]}
    assert levers["rd_org"]["gain_min"] == 20
    assert levers["advancement"]["gain_min"] == 8
    assert "ip_quantity" not in levers  # already band A with a class I item


def test_c7_levers_for_ip_and_transformations():
    data = b.hte()
    data["ip"] = [{"class": "II", "acquisition": "self"}] * 2       # quantity D
    data["transformations"] = 8                                      # 2.67 a year: D
    data["expert"].pop("ip_quantity_points")
    data["expert"].pop("transformation_points")
    levers = {(lv["item"], tuple(lv["needed"].items())): lv for lv in gaps_of(data)["C7"]["levers"]}
    # One class I lifts quantity from D (1–2) to A (7–8): +6 on both ends.
    assert levers[("ip_quantity", (("class_i", 1),))]["gain_min"] == 6
    # One more class II (3 in all) reaches C (3–4): +2.
    assert levers[("ip_quantity", (("class_ii", 1),))]["gain_min"] == 2
    # 3 a year needs 9 over 3 years: 1 more, D (7–12) → C (13–18): +6.
    assert levers[("transformation", (("transformations", 1),))]["gain_min"] == 6


def test_tsme_size_gap():
    gaps = tsme_gaps(parse_tsme_profile(b.tsme(staff_total=520)))
    assert gaps[0]["code"] == "C2a" and gaps[0]["needed"] == {"excess": "20"}


def apply_plan(data, needed):
    data = dict(data)
    k = needed.get("tech_staff", 0)
    data["staff_tech"] = Decimal(str(data["staff_tech"])) + k
    data["staff_total"] = Decimal(str(data["staff_total"])) + k
    x = Decimal(needed.get("rd_expense", "0"))
    data["rd_expense"] = Decimal(str(data["rd_expense"])) + x
    data["cost_expense_total"] = Decimal(str(data["cost_expense_total"])) + x  # R&D is part of the cost total
    data["ip"] = (data["ip"] + [{"class": "I"}] * needed.get("class_i", 0)
                  + [{"class": "II"}] * needed.get("class_ii", 0))
    return data


def test_tsme_score_plans_each_pass_when_applied():
    data = b.tsme(staff_tech=6, rd_expense=90, ip=[{"class": "II"}])  # 0 + 10 + 6 = 16
    (gap,) = tsme_gaps(parse_tsme_profile(data))
    assert gap["code"] == "C5" and gap["needed"] == {"points": 44, "tech_staff_nonzero": True}
    assert gap["plans"]
    # The cheapest plan first: 3 hires (9/83 = 10.8%) and R&D to 6% of sales (240 − 90 = 150).
    assert gap["plans"][0]["needed"]["tech_staff"] == 3
    assert gap["plans"][0]["needed"]["rd_expense"] == "150"
    for plan in gap["plans"]:
        res = evaluate_tsme(parse_tsme_profile(apply_plan(data, plan["needed"])))
        assert res.qualified, plan["message_en"]
        assert res.total >= plan["total"]


def test_tsme_rd_gap_option_2_counts_rd_in_the_cost_total():
    # Tech 30/80 → 20, no IP, R&D 50 over cost 1000 (5%) and sales 20000 (0.25%): total 20.
    # R&D at 40 points reaches 60: option 2 needs 25%, (250 − 50)/0.75 = 266.666… → 266.67 (rounded up);
    # option 1 would need 5% of sales, 1000 − 50 = 950.
    data = b.tsme(sales=20000, cost_expense_total=1000, rd_expense=50, staff_tech=30, ip=[])
    (gap,) = tsme_gaps(parse_tsme_profile(data))
    plan = gap["plans"][0]
    assert plan["scores"] == {"tech_staff": 20, "rd": 40, "ip": 0}
    assert plan["needed"] == {"rd_expense_option_1": "950", "rd_expense_option_2": "266.67", "rd_expense": "266.67"}
    assert "成本费用" in plan["message_zh"]
    after = b.tsme(sales=20000, cost_expense_total="1266.67", rd_expense="316.67", staff_tech=30, ip=[])
    assert evaluate_tsme(parse_tsme_profile(after)).scores.rd == 40
    before = b.tsme(sales=20000, cost_expense_total="1266.66", rd_expense="316.66", staff_tech=30, ip=[])
    assert evaluate_tsme(parse_tsme_profile(before)).scores.rd == 30


def test_gap_after_applying_c4_c5a_c6_needs_passes():
    data = b.hte(staff_tech=40)
    data["latest_year"]["hitech_income"] = 14000
    data["fiscal_years"] = b.years((15000, 520, 520, 1000), (16500, 540, 540, 1150), (18000, 560, 560, 1322.5))
    gaps = gaps_of(data)
    fixed = b.hte()
    fixed["fiscal_years"] = data["fiscal_years"]
    fixed["fiscal_years"][2]["rd_expense"] = str(560 + Decimal(gaps["C5a"]["needed"]["rd_expense"]))
    fixed["fiscal_years"][2]["rd_domestic"] = fixed["fiscal_years"][2]["rd_expense"]
    fixed["staff_tech"] = 40 + gaps["C4"]["needed"]["tech_staff"]
    fixed["staff_total"] = 450 + gaps["C4"]["needed"]["tech_staff"]
    x = Decimal(gaps["C6"]["needed"]["new_hitech_income"])
    fixed["latest_year"] = {"total_income": 26000 + x, "non_taxable_income": 200, "hitech_income": 14000 + x}
    assert evaluate_hte(parse_hte_profile(fixed)).verdict == "qualified"
