"""Cultivation-pool candidates: borderline HTE cases and near misses within the pool rule set's margins."""

from decimal import Decimal

from kechuang.evaluation.engine import parse_hte_profile, pool_candidate

from . import builders as b


def pool(data, **kw):
    return pool_candidate(parse_hte_profile(data), **kw)


def c5a_at(total_rd):
    """Baseline with ΣR&D over Σsales 49500 in the 4% band (latest 18000)."""
    rd = Decimal(total_rd)
    return b.hte(fiscal_years=b.years((15000, 0, 0, 1000), (16500, 0, 0, 1150), (18000, rd, rd, "1322.5")))


def test_borderline_is_a_candidate():
    out = pool(b.hte_no_expert())
    assert out["candidate"] and out["reason"] == "borderline" and out["hte_verdict"] == "borderline"


def test_qualified_is_not_a_candidate_by_default():
    out = pool(b.hte())
    assert not out["candidate"] and out["blocking"] == ["qualified"]


def test_rd_ratio_within_one_point():
    # 3% of 49500 = 1485: exactly 1 percentage point below 4%.
    out = pool(c5a_at(1485))
    assert out["candidate"] and out["reason"] == "near_miss"
    assert out["near_misses"][0]["code"] == "C5a" and out["near_misses"][0]["short_by"] == "0.01"
    out = pool(c5a_at("1484.99"))
    assert not out["candidate"] and out["blocking"] == ["C5a"]


def test_score_within_ten_points():
    data = b.hte()
    data["expert"]["rd_org"] = [1, 1, 0, 0]  # 26 + 25 + 2 + 8 = 61: 10 short of 71
    out = pool(data)
    assert out["candidate"] and out["near_misses"] == [{"code": "C7", "short_by": 10, "margin": 10}]
    data["expert"]["rd_org"] = [1, 0, 0, 0]  # 60: 11 short
    assert not pool(data)["candidate"]


def test_young_enterprise_within_the_age_margin():
    data = b.hte(registration_date="2024-11-28")  # 185 days before 2025-06-01: 180 short
    data["fiscal_years"] = data["fiscal_years"][-1:]
    data["expert"] = {**data["expert"], "transformation_points": None, "net_assets_growth_points": None,
                      "sales_growth_points": None}
    data["transformations"] = 5
    out = pool(data)
    assert {m["code"] for m in out["near_misses"]} >= {"C1"} and "C1" not in out["blocking"]
    data["registration_date"] = "2024-11-29"  # 184 days
    assert "C1" in pool(data)["blocking"]


def test_required_conditions_and_district_rules_block():
    assert pool(b.hte_no_expert(owns_core_ip=False))["blocking"] == ["C2"]
    assert pool(b.hte_no_expert(), registered_in_district=False)["blocking"] == ["not_in_district"]
    assert pool(b.hte_no_expert(), holds_valid_hte=True)["blocking"] == ["holds_valid_hte"]
