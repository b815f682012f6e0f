"""Tech-SME evaluation: size limits, the three indicators at each band edge, pass rule, direct route, site checks."""

import pytest

from kechuang.evaluation.engine import evaluate_tsme, evaluate_tsme_data, parse_tsme_profile

from . import builders as b


def run(data):
    return evaluate_tsme(parse_tsme_profile(data))


def test_baseline():
    res = run(b.tsme())
    assert res.qualified and res.route == "score"
    assert (res.scores.tech_staff, res.scores.rd, res.scores.ip, res.total) == (16, 50, 30, 96)
    assert res.scores.rd_option_used == 1


# (二) size limits, all inclusive.
@pytest.mark.parametrize("changes, code, passed", [
    ({"staff_total": 500}, "C2a", True), ({"staff_total": 501}, "C2a", False),
    ({"sales": 20000}, "C2b", True), ({"sales": "20000.01"}, "C2b", False),
    ({"total_assets": 20000}, "C2c", True), ({"total_assets": "20000.01"}, "C2c", False),
])
def test_size_limits(changes, code, passed):
    res = run(b.tsme(**changes))
    assert res.conditions[code].passed is passed
    assert (code in res.failed_conditions) is not passed
    if not passed:
        assert not res.qualified and res.route == "none"


@pytest.mark.parametrize("tech, points", [
    (30, 20), ("29.99", 16), (29, 16), (25, 16), (24, 12), (20, 12), (19, 8), (15, 8), (14, 4), (10, 4), (9, 0),
    ("9.99", 0),
])
def test_tech_staff_bands(tech, points):
    assert run(b.tsme(staff_total=100, staff_tech=tech)).scores.tech_staff == points


@pytest.mark.parametrize("rd, points", [
    (600, 50), ("599.99", 40), (500, 40), ("499.99", 30), (400, 30), ("399.99", 20), (300, 20), ("299.99", 10),
    (200, 10), ("199.99", 0),
])
def test_rd_option_1_bands(rd, points):
    # Sales 10000; the cost total is so large that option 2 scores 0.
    res = run(b.tsme(sales=10000, cost_expense_total=900000, rd_expense=rd))
    assert res.scores.rd == points
    assert res.scores.rd_option_used == 1


@pytest.mark.parametrize("rd, points", [
    (300, 50), ("299.99", 40), (250, 40), ("249.99", 30), (200, 30), ("199.99", 20), (150, 20), ("149.99", 10),
    (100, 10), ("99.99", 0),
])
def test_rd_option_2_bands(rd, points):
    # Cost total 1000; sales 20000 keep option 1 at most 1.5% (0 points).
    res = run(b.tsme(sales=20000, cost_expense_total=1000, rd_expense=rd))
    assert res.scores.rd == points
    assert res.scores.rd_option_used == (2 if points else 1)


def test_rd_uses_the_better_option():
    # Option 1: 250/10000 = 2.5% → 10; option 2: 250/1000 = 25% → 40.
    res = run(b.tsme(sales=10000, cost_expense_total=1000, rd_expense=250))
    assert (res.scores.rd, res.scores.rd_option_used) == (40, 2)
    out = res.to_dict()
    assert out["score_detail"]["rd"]["option_1"]["points"] == 10
    assert out["score_detail"]["rd"]["option_2"]["points"] == 40


@pytest.mark.parametrize("ip, points", [
    ([{"class": "I"}], 30), ([{"class": "II"}] * 5, 24), ([{"class": "II"}] * 4, 24), ([{"class": "II"}] * 3, 18),
    ([{"class": "II"}] * 2, 12), ([{"class": "II"}], 6), ([], 0),
])
def test_ip_bands(ip, points):
    assert run(b.tsme(ip=ip)).scores.ip == points


def test_total_60_passes_and_58_fails():
    # tech 8/80 = 10% → 4; R&D 7.5% → 50; one class II → 6: total 60.
    res = run(b.tsme(staff_tech=8, ip=[{"class": "II"}]))
    assert res.total == 60 and res.qualified and res.route == "score"
    # R&D 4% → 30; four class II → 24: 4 + 30 + 24 = 58.
    res = run(b.tsme(staff_tech=8, rd_expense=160, ip=[{"class": "II"}] * 4))
    assert res.total == 58 and not res.qualified
    assert res.failed_conditions == ("C5",)


def test_tech_score_zero_fails_whatever_the_total():
    res = run(b.tsme(staff_tech=7))  # 8.75% → 0; total 0 + 50 + 30 = 80
    assert res.total == 80
    assert not res.qualified and res.route == "none" and res.failed_conditions == ("C5",)


@pytest.mark.parametrize("ground", ["provincial_rd_institution", "national_award_top3_5y", "led_standard_5y"])
def test_direct_route_bypasses_the_score(ground):
    res = run(b.tsme(staff_tech=7, **{ground: True}))
    assert res.qualified and res.route == "direct"
    assert res.failed_conditions == ()
    assert res.direct_grounds == (ground,)


@pytest.mark.parametrize("valid_until, direct", [("2025-07-15", True), ("2025-07-14", False), ("2028-01-01", True)])
def test_hte_certificate_must_be_valid_on_the_evaluation_date(valid_until, direct):
    res = run(b.tsme(staff_tech=7, hte_certificate_valid_until=valid_until))
    assert res.qualified is direct
    assert res.route == ("direct" if direct else "none")


def test_direct_route_does_not_bypass_size_or_integrity():
    res = run(b.tsme(staff_total=501, hte_certificate_valid_until="2027-01-01"))
    assert not res.qualified and res.route == "none" and res.failed_conditions == ("C2a",)
    res = run(b.tsme(clean_record=False, led_standard_5y=True))
    assert not res.qualified and res.failed_conditions == ("C4",)


def test_score_route_is_reported_when_both_routes_hold():
    res = run(b.tsme(led_standard_5y=True))
    assert res.route == "score" and res.direct_grounds == ("led_standard_5y",)


def test_every_failing_condition_is_reported():
    res = run(b.tsme(resident=False, staff_total=600, sales=30000, total_assets=30000, industry_allowed=False,
                     clean_record=False, staff_tech=10))
    assert res.failed_conditions == ("C1", "C2a", "C2b", "C2c", "C3", "C4", "C5")


def site_reasons(data):
    return [f.reason for f in run(data).flags if f.code == "site_check"]


@pytest.mark.parametrize("changes, flagged", [
    ({"staff_total": 5, "staff_tech": 1}, True),
    ({"staff_total": 6, "staff_tech": 1}, False),
])
def test_site_check_small_staff(changes, flagged):
    assert ("staff_at_most_5" in site_reasons(b.tsme(**changes))) is flagged


@pytest.mark.parametrize("total, tech, flagged", [(50, 45, True), (50, 44, False), (49, 49, False), (200, 180, True)])
def test_site_check_high_tech_ratio(total, tech, flagged):
    assert ("high_tech_staff_ratio" in site_reasons(b.tsme(staff_total=total, staff_tech=tech))) is flagged


def test_site_check_record_and_first_evaluation_do_not_reject():
    res = run(b.tsme(first_evaluation=True, record_issue_3y=True))
    assert res.qualified
    assert {f.reason for f in res.flags} == {"first_evaluation", "record_issue_3y"}


def test_rule_set_by_evaluation_date():
    # 查账征收 became part of (一) with the 2022 guideline.
    assert run(b.tsme(evaluation_date="2021-07-01", audit_collection=False)).conditions["C1"].passed
    res = run(b.tsme(audit_collection=False))
    assert res.ruleset.id == "tsme-2022" and not res.conditions["C1"].passed


def test_output_contract():
    out = evaluate_tsme_data(b.tsme())
    assert out["qualified"] is True and out["route"] == "score" and out["total"] == 96
    assert out["scores"] == {"tech_staff": 16, "rd": 50, "ip": 30}
    assert out["rd_option_used"] == 1 and out["failed_conditions"] == []
    assert out["conditions"]["C2a"]["clause"] == "《科技型中小企业评价办法》第六条（二）"
    assert out["ruleset"] == "tsme-2022"
