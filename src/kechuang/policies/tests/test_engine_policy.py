"""The pure policy engine: conditions over facts, award formulas, exact rounding, clear definition errors."""
import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

import pytest

from kechuang.policies.engine import (
    DefinitionError,
    compute,
    compute_facts,
    evaluate,
    parse_conditions,
    parse_definition,
    parse_formula,
)
from kechuang.policies.engine.conditions import check
from kechuang.policies.engine.industry import SECTIONS, section_of

ON = dt.date(2025, 6, 30)


def facts(**over):
    profile = {"town": "330212001", "industry": "3971", "domain": "10101", "above_size": True,
               "founded_on": dt.date(2015, 7, 1),
               "annual": {2024: {"staff_total": 120, "staff_tech": 30, "sales": D("50000000.00"),
                                 "hitech_income": D("30000000.00"), "rd_expense": D("3000000.00")},
                          2023: {"rd_expense": D("2500000.00")}},
               "qualifications": [
                   {"kind": "tsme", "year": 2023, "issue_date": dt.date(2023, 5, 1), "expiry_date": dt.date(2024, 3, 31), "status": "valid"},
                   {"kind": "tsme", "year": 2025, "issue_date": dt.date(2025, 5, 1), "expiry_date": dt.date(2026, 3, 31), "status": "valid"},
                   {"kind": "hte", "year": 2021, "issue_date": dt.date(2021, 12, 1), "expiry_date": dt.date(2024, 11, 30), "status": "expired"},
                   {"kind": "hte", "year": 2024, "issue_date": dt.date(2024, 12, 1), "expiry_date": dt.date(2027, 11, 30), "status": "valid"},
                   {"kind": "pool", "year": 2020, "issue_date": dt.date(2020, 5, 1), "expiry_date": None, "status": "revoked"},
               ],
               "rd_levels": ["district", "provincial"], "ip_class_i_valid": 3}
    profile.update(over)
    return compute_facts(profile, year=2024, on=ON)


def one(field, op, value=None, f=None):
    cond = parse_conditions([{"field": field, "op": op, "value": value}])[0]
    return check(cond, f or facts(), 2024)


def test_facts_are_computed_exactly():
    f = facts()
    assert f["district"] == "330212" and f["industry_section"] == "C"
    assert f["age_years"] == 9  # founded 2015-07-01, on 2025-06-30: one day short of 10 full years
    assert f["rd_growth"] == D("500000.00")
    assert f["rd_growth_rate"] == Fraction(1, 5)  # 500,000 / 2,500,000
    assert f["rd_ratio"] == Fraction(3, 50)  # 3,000,000 / 50,000,000
    assert f["qualifications"] == {"tsme", "hte"}  # the pool entry was revoked, the 2021 HTE certificate expired
    assert f["hte_first_year"] == 2021 and f["tsme_first_year"] == 2023 and f["pool_first_year"] is None
    assert f["rd_institution_rank"] == 3 and f["ip_class_i"] == 3


def test_missing_previous_year_leaves_growth_empty_and_fails_comparisons():
    f = facts(annual={2024: {"rd_expense": D("100.00"), "sales": D(0)}})
    assert f["rd_growth"] is None and f["rd_growth_rate"] is None and f["rd_ratio"] is None
    r = one("rd_growth", "gte", "0", f)
    assert not r.passed and r.reason == "缺少数据" and r.actual_text == "无数据"
    assert one("rd_growth", "is_null", None, f).passed


@pytest.mark.parametrize("field,op,value,expected", [
    ("rd_growth", "gt", "500000", False),     # equal is not greater
    ("rd_growth", "gte", "500000", True),     # inclusive
    ("rd_growth", "between", "500000,500000", True),
    ("rd_growth_rate", "gte", "20%", True),   # exactly 20 %
    ("rd_growth_rate", "gt", "0.2", False),
    ("rd_ratio", "lt", "0.06", False),        # exactly 6 %
    ("staff", "lte", 120, True),
    ("above_size", "eq", "是", True),
    ("industry", "prefix", "39,40", True),
    ("industry_section", "in", "c,m", True),   # section letters are case-insensitive
    ("town", "not_in", "330212002", True),
    ("qualifications", "includes", "hte", True),
    ("qualifications", "includes", ["hte", "pool"], False),
    ("qualifications", "excludes", "pool", True),
    ("hte_first_year", "eq", 2024, False),    # first certified 2021; 2024 was a re-certification
    ("tsme_first_year", "in", "2022,2023", True),
    ("age_years", "gte", 10, False),
])
def test_condition_operators(field, op, value, expected):
    assert one(field, op, value).passed is expected


def test_ratio_display_keeps_the_true_side_of_the_threshold():
    f = facts(annual={2024: {"rd_expense": D("2999999.99"), "sales": D("50000000.00")}, 2023: {"rd_expense": D(1)}})
    r = one("rd_ratio", "gte", "6%", f)
    assert not r.passed
    assert r.actual_text != "6.00%" and r.actual_text.startswith("5.99999")


def test_definition_errors_name_every_condition_at_once():
    with pytest.raises(DefinitionError) as exc:
        parse_definition([
            {"field": "rd_growth", "op": "gt", "value": "0"},
            {"field": "sales", "op": "gte", "value": "12.345"},
            {"field": "nonsense", "op": "eq", "value": 1},
            {"field": "qualifications", "op": "includes", "value": "gold"},
            {"field": "industry", "op": "gt", "value": "39"},
            {"field": "rd_growth", "op": "between", "value": "9,1"},
        ], {"type": "share", "base": "rd_growth", "rate": "150%", "cap": "0.5"})
    errors = {e["field"]: e["message"] for e in exc.value.errors}
    assert set(errors) == {"conditions[1].value", "conditions[2].field", "conditions[3].value", "conditions[4].op",
                           "conditions[5].value", "formula.rate", "formula.cap"}
    assert errors["conditions[1].value"].startswith("第2条条件（数据年度销售收入）")
    assert "未知的数据项" in errors["conditions[2].field"]
    assert "下限不能大于上限" in errors["conditions[5].value"]
    assert "精确到元" in errors["formula.cap"]


def test_normalised_definition_round_trips():
    d = parse_definition([{"field": "rd_growth_rate", "op": "gte", "value": "10%"},
                          {"field": "qualifications", "op": "includes", "value": "tsme"}],
                         {"type": "share", "base": "rd_growth", "rate": "10%", "cap": "500000"})
    j = d.to_json()
    assert j["conditions"][0]["value"] == "0.1" and j["conditions"][1]["value"] == ["tsme"]
    assert j["formula"] == {"type": "share", "rounding": "yuan", "base": "rd_growth", "rate": "0.1", "cap": "500000"}
    assert parse_definition(j["conditions"], j["formula"]).to_json() == j


@pytest.mark.parametrize("base,expected", [
    # bracket: the highest tier whose lower bound ≤ base applies to the whole base
    ("999999.99", D(0)),           # below the first tier (1,000,000) → 0
    ("1000000.00", D(50000)),      # exactly on the bound → that tier's amount
    ("4999999.99", D(50000)),
    ("5000000.00", D(100000)),     # 5,000,000 × 2 % = 100,000
    ("7777777.77", D(155556)),     # 7,777,777.77 × 2 % = 155,555.5554 → 155,556 (yuan, half-up)
    ("20000000.00", D(300000)),    # 20,000,000 × 2 % = 400,000 → cap 300,000
])
def test_tiered_bracket_formula(base, expected):
    f = parse_formula({"type": "tiered", "base": "rd_expense", "mode": "bracket", "cap": "300000",
                       "tiers": [{"min": "1000000", "amount": "50000"}, {"min": "5000000", "rate": "0.02"}]})
    assert compute(f, {"rd_expense": D(base)}).amount == expected


def test_progressive_formula_applies_each_rate_to_its_slice():
    f = parse_formula({"type": "tiered", "base": "rd_growth", "mode": "progressive", "rounding": "fen",
                       "tiers": [{"min": "0", "rate": "0.1"}, {"min": "1000000", "rate": "0.05"}]})
    # 1,000,000 × 10 % + (1,234,567.89 − 1,000,000) × 5 % = 100,000 + 11,728.3945 = 111,728.3945 → 111,728.39
    r = compute(f, {"rd_growth": D("1234567.89")})
    assert r.amount == D("111728.39")
    assert any("四舍五入" in s for s in r.steps)
    assert compute(f, {"rd_growth": D(-5)}).amount == 0


def test_progressive_tiers_refuse_fixed_amounts_and_need_increasing_bounds():
    with pytest.raises(DefinitionError) as exc:
        parse_formula({"type": "tiered", "base": "sales", "mode": "progressive",
                       "tiers": [{"min": "100", "rate": "0.1"}, {"min": "100", "rate": "0.2"}, {"min": "200", "amount": "5"}]})
    fields = [e["field"] for e in exc.value.errors]
    assert fields == ["formula.tiers[1].min", "formula.tiers[2].amount"]


def test_fixed_formula_and_zero_award_is_not_eligible():
    d = parse_definition([], {"type": "fixed", "amount": "10000"})
    assert evaluate(d, facts()).amount == D(10000)
    share = parse_definition([], {"type": "share", "base": "rd_growth", "rate": "0.1"})
    ev = evaluate(share, facts(annual={2024: {"rd_expense": D("104.99")}, 2023: {"rd_expense": D("100.00")}}))
    # 4.99 × 10 % = 0.499 → 0 yuan: nothing to award, so not eligible
    assert not ev.eligible and "奖励金额为0" in ev.reasons[-1]


def test_every_condition_is_explained_even_after_a_failure():
    d = parse_definition([{"field": "district", "op": "eq", "value": "330203"},
                          {"field": "rd_growth", "op": "gt", "value": "0"}], {"type": "fixed", "amount": "1"})
    ev = evaluate(d, facts())
    assert [c.passed for c in ev.conditions] == [False, True]
    assert ev.amount is None and "所属区县代码 等于 330203" in ev.reasons[0]


def test_industry_sections_cover_every_division_of_the_reference_table():
    import csv
    from pathlib import Path

    from kechuang.regions.services import DATA_DIR

    with open(Path(DATA_DIR) / "gbt4754_2017_industry.csv", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["level"] == "2":
                assert section_of(row["code"]) == row["section"], row
    assert [s[0] for s in SECTIONS] == list("ABCDEFGHIJKLMNOPQRST")


def test_qualification_kinds_match_the_enterprises_app():
    from kechuang.enterprises.choices import QualificationKind
    from kechuang.policies.engine import QUALIFICATION_KINDS

    assert set(QUALIFICATION_KINDS) == set(QualificationKind.values)


def test_engine_imports_no_django():
    import subprocess
    import sys

    code = ("import sys; import kechuang.policies.engine, kechuang.policies.engine.competition, "
            "kechuang.policies.engine.events; "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
