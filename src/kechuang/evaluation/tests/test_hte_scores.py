"""HTE innovation score: IP sub-items and cap, transformation bands, R&D organisation, growth algorithm, flags."""

from decimal import Decimal
from fractions import Fraction

import pytest

from kechuang.evaluation.engine import ProfileError, evaluate_hte, parse_hte_profile
from kechuang.evaluation.engine.hte import growth_rate, rules
from kechuang.evaluation.engine.results import pick_band
from kechuang.evaluation.engine.rulesets import get_ruleset

from . import builders as b

I_SELF = {"class": "I", "acquisition": "self"}
II_SELF = {"class": "II", "acquisition": "self"}


def run(data):
    return evaluate_hte(parse_hte_profile(data))


def reasons(res, code):
    return [f.reason for f in res.flags if f.code == code]


def test_ranges_without_expert_points():
    # IP: advancement 0–8 + core 0–8 + quantity A 7–8 + acquisition A 1–6 + bonus 0–2 = 8..32, capped at 30.
    # Transformation 15/3 = 5 a year: A 25–30. R&D organisation 0–20. Growth C 5–6 + D 3–4 = 8–10.
    res = run(b.hte_no_expert())
    s = res.scores
    assert (s.ip.min, s.ip.max) == (8, 30)
    assert (s.transformation.min, s.transformation.max) == (25, 30)
    assert (s.rd_org.min, s.rd_org.max) == (0, 20)
    assert (s.growth.min, s.growth.max) == (8, 10)
    assert (res.score_min, res.score_max) == (41, 90)
    assert res.verdict == "borderline" and res.failed_conditions == ("C7",)


@pytest.mark.parametrize("ip, band, points", [
    ([I_SELF], "A", (7, 8)),
    ([II_SELF] * 5, "B", (5, 6)),
    ([II_SELF] * 4, "C", (3, 4)),
    ([II_SELF] * 3, "C", (3, 4)),
    ([II_SELF] * 2, "D", (1, 2)),
    ([II_SELF], "D", (1, 2)),
    ([], "E", (0, 0)),
])
def test_ip_quantity_bands(ip, band, points):
    q = run(b.hte_no_expert(ip=ip)).scores.quantity
    assert (q.band, q.min, q.max) == (band, *points)


def test_class_ii_used_before_does_not_count_but_class_i_may_be_reused():
    used_ii = dict(II_SELF, used_before=True)
    res = run(b.hte_no_expert(ip=[II_SELF] * 4 + [used_ii]))
    assert res.scores.quantity.band == "C"  # 4 counted, not 5
    assert "class_ii_used_before" in reasons(res, "note")
    assert run(b.hte_no_expert(ip=[dict(I_SELF, used_before=True)])).scores.quantity.band == "A"


def test_ip_total_is_capped_at_30():
    data = b.hte()
    data["expert"].update(advancement=8, core_support=8, ip_quantity_points=8, acquisition_points=6,
                          standards_bonus=2)  # 32
    assert run(data).scores.ip.min == 30


def test_acquisition_band_ignores_ip_that_does_not_count():
    # The only self-developed item is a class II already used: the counted IP is transferred only → band B 1–3.
    ip = [dict(II_SELF, used_before=True), {"class": "I", "acquisition": "transfer"}]
    acq = run(b.hte_no_expert(ip=ip)).scores.acquisition
    assert (acq.band, acq.min, acq.max) == ("B", 1, 3)


def test_without_counted_ip_the_ip_sub_items_score_zero():
    data = b.hte(ip=[dict(II_SELF, used_before=True)])
    data["expert"] = {"advancement": 7, "core_support": 6, "acquisition_points": 5}
    res = run(data)
    assert (res.scores.advancement.max, res.scores.core_support.max, res.scores.acquisition.max) == (0, 0, 0)
    assert "expert_points_without_ip" in reasons(res, "note")
    data["expert"]["advancement"] = 9  # still outside 0–8: an error, not ignored
    with pytest.raises(ProfileError) as exc:
        parse_hte_profile(data)
    assert exc.value.field == "expert.advancement"


@pytest.mark.parametrize("count, band, points", [
    (15, "A", (25, 30)), (14, "B", (19, 24)), (12, "B", (19, 24)), (11, "C", (13, 18)), (9, "C", (13, 18)),
    (8, "D", (7, 12)), (6, "D", (7, 12)), (5, "E", (1, 6)), (3, "E", (1, 6)), (2, "F", (0, 0)), (0, "F", (0, 0)),
])
def test_transformation_bands_over_three_years(count, band, points):
    t = run(b.hte_no_expert(transformations=count)).scores.transformation
    assert (t.band, t.min, t.max) == (band, *points)


def test_transformation_average_uses_the_years_operated():
    data = b.hte_no_expert(registration_date="2023-01-05", transformations=9)
    data["fiscal_years"] = data["fiscal_years"][1:]  # 2 years: 9/2 = 4.5 → B
    assert run(data).scores.transformation.band == "B"
    data["transformations"] = 10  # 5 → A
    assert run(data).scores.transformation.band == "A"


def test_average_between_zero_and_one_is_band_f_with_manual_review():
    res = run(b.hte_no_expert(transformations=2))  # 2/3 a year
    assert (res.scores.transformation.min, res.scores.transformation.max) == (0, 0)
    assert "transformations_below_one_per_year" in reasons(res, "manual_review")
    assert "transformations_below_one_per_year" not in reasons(run(b.hte_no_expert(transformations=0)),
                                                               "manual_review")


def test_experts_may_use_band_e_when_average_is_below_one():
    data = b.hte(transformations=2)
    data["expert"]["transformation_points"] = 6
    assert run(data).scores.transformation.min == 6
    data["expert"]["transformation_points"] = 7
    with pytest.raises(ProfileError) as exc:
        parse_hte_profile(data)
    assert exc.value.field == "expert.transformation_points"


def test_rd_org_partial_expert_points():
    data = b.hte()
    data["expert"]["rd_org"] = [6, None, 4, None]
    s = run(data).scores.rd_org
    assert (s.min, s.max) == (10, 20)


# Growth: the float trap. In binary floating point this is 0.1499999999999999 (band D); exactly it is 15%.
def test_float_trap_net_assets_growth_is_exactly_15_percent():
    assert 0.5 * (1150 / 1000 + 1322.5 / 1150) - 1 < 0.15  # the trap the engine must avoid
    rate = growth_rate([Decimal(1000), Decimal(1150), Decimal("1322.5")])
    assert rate.ge(Decimal("0.15")) and not rate.gt(Decimal("0.15"))
    net = run(b.hte_no_expert()).scores.net_assets
    assert (net.band, net.min, net.max) == ("C", 5, 6)


def test_a_hair_below_15_percent_is_band_d():
    data = b.hte_no_expert()
    data["fiscal_years"][2]["net_assets"] = "1322.49"
    assert run(data).scores.net_assets.band == "D"


GROWTH = rules(get_ruleset("hte-2016")).growth


@pytest.mark.parametrize("v2, band", [
    ("135", "A"), ("134.99", "B"), ("125", "B"), ("124.99", "C"), ("115", "C"), ("114.99", "D"),
    ("105", "D"), ("104.99", "E"), ("100.01", "E"), ("100", "F"), ("90", "F"),
])
def test_growth_band_edges(v2, band):
    rate = growth_rate([Decimal(100), Decimal(v2)])  # two years: v2/v1 − 1
    assert pick_band(GROWTH, rate).band == band


@pytest.mark.parametrize("values, expected", [
    (["0", "100", "120"], Fraction(1, 5)),     # first year 0: the last two years only
    (["100", "0", "120"], None),               # second year 0: 0 points
    (["-22.3", "58.4", "70"], Fraction(700, 584) - 1),  # negative counts as 0 → last two years
    (["0", "120"], None),                      # two years from 0: not measurable
    (["120"], None),                           # one year: not measurable
    (["100", "110", "121"], Fraction(1, 10)),  # (1.1 + 1.1)/2 − 1
])
def test_growth_zero_and_negative_conventions(values, expected):
    rate = growth_rate([Decimal(v) for v in values])
    if expected is None:
        assert rate is None and pick_band(GROWTH, rate).band == "F"
    else:
        assert rate.fraction() == expected


def test_negative_net_assets_are_flagged_for_review():
    data = b.hte_no_expert()
    data["fiscal_years"][0]["net_assets"] = "-22.3"
    res = run(data)
    assert "negative_net_assets" in reasons(res, "manual_review")
    # 1150 → 1322.5 over the last two years: exactly 15% → C
    assert res.scores.net_assets.band == "C"


def test_growth_is_the_sum_of_both_rates():
    data = b.hte_no_expert()
    data["fiscal_years"][1]["sales"] = 0  # second-year sales 0 → sales growth 0 points
    s = run(data).scores
    assert (s.sales.min, s.sales.max) == (0, 0)
    assert (s.growth.min, s.growth.max) == (5, 6)


def test_fewer_fiscal_years_than_operated_is_flagged():
    data = b.hte_no_expert()
    data["fiscal_years"] = data["fiscal_years"][1:]
    assert "fewer_fiscal_years" in reasons(run(data), "manual_review")


@pytest.mark.parametrize("issued, reason", [
    ("2022-06-01", "expired"),            # valid until 2025-05-31, applying 2025-06-01
    ("2022-12-14", "expiry_year"),        # valid until 2025-12-13: expiry year
    ("2023-06-02", "certificate_valid"),  # valid until 2026-06-01
])
def test_renewal_hints(issued, reason):
    res = run(b.hte(certificate_issue_date=issued))
    assert reasons(res, "renewal") == [reason]


def test_data_ending_before_the_latest_fiscal_year_is_evaluated_and_flagged():
    # The DESIGN §6 example: one fiscal year, 2022, for a 2025 application.
    data = b.hte_no_expert(fiscal_years=b.years((18000, 560, 480, 10000)))
    data["fiscal_years"][0]["year"] = 2022
    res = run(data)
    assert "fiscal_years_not_latest" in reasons(res, "manual_review")
    assert res.conditions["C5a"].detail["years"] == [2022]
    assert "fewer_fiscal_years" in reasons(res, "manual_review")  # 2020–2022 were operated
