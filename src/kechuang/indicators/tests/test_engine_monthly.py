"""Checks of the tech-service industry monthly report (科技服务业月报) and the per-town analysis.

Inclusiveness chosen (see kechuang.indicators.engine.monthly): a year-on-year change of exactly
±50 % passes without explanation, anything beyond (50.01 %) needs one; a cumulative value equal to
last month's passes, lower is refused; zero passes, negative is refused.
"""

from decimal import Decimal as D

import pytest

from kechuang.indicators.engine import MonthlyReport, Period, analyse_towns, check_monthly_report, has_errors

NOV = Period(2025, 11)


def report(period=NOV, explanation="", **values):
    base = {"operating_revenue": "1000", "value_added": "300", "staff": "50", "rd_expense": "80"}
    base.update(values)
    return MonthlyReport(period, base, explanation)


def codes(issues):
    return [(i.level, i.field, i.code) for i in issues]


def test_a_clean_submission_has_no_issues():
    assert check_monthly_report(report(), report(Period(2025, 10)), report(Period(2024, 11))) == []
    assert check_monthly_report(report()) == []


class TestValues:
    def test_negative_refused_zero_allowed(self):
        issues = check_monthly_report(report(rd_expense="-0.01"))
        assert codes(issues) == [("error", "rd_expense", "negative")]
        assert "研发费用" in issues[0].message_zh and "negative" in issues[0].message_en
        assert check_monthly_report(report(rd_expense="0")) == []

    def test_missing_and_invalid(self):
        issues = check_monthly_report(MonthlyReport(NOV, {"operating_revenue": "abc", "value_added": " ", "staff": 1.5}))
        assert codes(issues) == [
            ("error", "operating_revenue", "invalid"),
            ("error", "value_added", "required"),
            ("error", "staff", "invalid"),  # a float is refused, never guessed
            ("error", "rd_expense", "required"),
        ]
        assert has_errors(issues)

    def test_staff_must_be_whole(self):
        assert codes(check_monthly_report(report(staff="50.5"))) == [("error", "staff", "not_integer")]
        assert check_monthly_report(report(staff="50.0")) == []

    def test_value_added_above_revenue_is_a_warning(self):
        issues = check_monthly_report(report(value_added="1000.01"))
        assert codes(issues) == [("warning", "value_added", "value_added_exceeds_revenue")]
        assert not has_errors(issues)
        assert check_monthly_report(report(value_added="1000")) == []  # equal is fine


class TestCumulative:
    def test_lower_than_last_month_is_refused(self):
        issues = check_monthly_report(report(operating_revenue="999.99"), report(Period(2025, 10)))
        assert codes(issues) == [("error", "operating_revenue", "below_previous_month")]
        assert "累计" in issues[0].message_zh
        assert issues[0].params == {"value": D("999.99"), "previous": D("1000")}

    def test_equal_to_last_month_is_allowed(self):
        # no revenue in November: Jan–Nov equals Jan–Oct
        assert check_monthly_report(report(), report(Period(2025, 10))) == []

    def test_staff_is_a_stock_and_may_fall(self):
        assert check_monthly_report(report(staff="40"), report(Period(2025, 10), staff="50")) == []

    def test_january_starts_a_new_cumulation(self):
        jan = report(Period(2025, 1), operating_revenue="90", value_added="20", rd_expense="5")
        dec = report(Period(2024, 12), operating_revenue="1200", value_added="360", rd_expense="95")
        assert check_monthly_report(jan, dec) == []

    def test_every_cumulative_field_is_checked(self):
        issues = check_monthly_report(report(value_added="299", rd_expense="79"), report(Period(2025, 10)))
        assert codes(issues) == [("error", "value_added", "below_previous_month"), ("error", "rd_expense", "below_previous_month")]

    def test_wrong_comparison_periods_are_a_programming_error(self):
        with pytest.raises(ValueError):
            check_monthly_report(report(), report(Period(2025, 9)))
        with pytest.raises(ValueError):
            check_monthly_report(report(), last_year=report(Period(2024, 10)))


class TestYearOnYear:
    LAST = report(Period(2024, 11), operating_revenue="100", value_added="10")

    @pytest.mark.parametrize(
        "now,needs_explanation",
        [
            ("150", False),  # (150 - 100) / 100 = +50 %: on the limit, allowed
            ("150.01", True),  # +50.01 %
            ("50", False),  # -50 %: on the limit, allowed
            ("49.99", True),  # -50.01 %
            ("100", False),
            ("0", True),  # -100 %
        ],
    )
    def test_limit_is_inclusive(self, now, needs_explanation):
        issues = check_monthly_report(report(operating_revenue=now, value_added="10"), last_year=self.LAST)
        got = [i for i in issues if i.code == "yoy_unexplained"]
        assert bool(got) is needs_explanation
        if got:
            assert got[0].field == "operating_revenue" and got[0].level == "error"
            assert "情况说明" in got[0].message_zh

    def test_message_shows_the_rounded_change(self):
        [issue] = check_monthly_report(report(operating_revenue="150.01", value_added="10"), last_year=self.LAST)
        # (150.01 - 100) / 100 * 100 = 50.01
        assert "同比增长50.01%" in issue.message_zh and "+50.01%" in issue.message_en
        assert issue.params["yoy_pct"] == D("50.01")

    def test_explanation_turns_the_error_into_a_warning(self):
        issues = check_monthly_report(report(operating_revenue="300", value_added="10", explanation="新签大额合同"), last_year=self.LAST)
        assert codes(issues) == [("warning", "operating_revenue", "yoy_large")]
        assert not has_errors(issues)

    def test_blank_explanation_is_no_explanation(self):
        issues = check_monthly_report(report(operating_revenue="300", value_added="10", explanation="  \n"), last_year=self.LAST)
        assert codes(issues) == [("error", "operating_revenue", "yoy_unexplained")]

    def test_from_zero_needs_explanation_and_zero_to_zero_does_not(self):
        last = report(Period(2024, 11), rd_expense="0")
        issues = check_monthly_report(report(), last_year=last)
        assert codes(issues) == [("error", "rd_expense", "yoy_unexplained")]
        assert "上年同期为0" in issues[0].message_zh and issues[0].params["yoy_pct"] is None
        assert check_monthly_report(report(rd_expense="0"), last_year=last) == []

    def test_staff_is_checked_too(self):
        # (76 - 50) / 50 = +52 %
        issues = check_monthly_report(report(staff="76"), last_year=report(Period(2024, 11)))
        assert codes(issues) == [("error", "staff", "yoy_unexplained")]

    def test_missing_last_year_field_skips_the_check(self):
        last = MonthlyReport(Period(2024, 11), {"operating_revenue": "1"})
        issues = check_monthly_report(report(), last_year=last)
        assert codes(issues) == [("error", "operating_revenue", "yoy_unexplained")]  # only the field present

    def test_issue_to_dict_is_json_friendly(self):
        [issue] = check_monthly_report(report(operating_revenue="150.01", value_added="10"), last_year=self.LAST)
        d = issue.to_dict()
        assert d["params"]["yoy_pct"] == "50.01" and d["code"] == "yoy_unexplained" and d["field"] == "operating_revenue"


class TestTownAnalysis:
    # Jan–Sep 2025 against Jan–Sep 2024, operating revenue in 万元
    NOW = [("e1", "T1", "100"), ("e2", "T1", "50"), ("e3", "T2", "80"), ("e4", "T3", "150"), ("e6", "T4", "10")]
    THEN = [("e1", "T1", "90"), ("e2", "T1", "40"), ("e3", "T2", "100"), ("e4", "T3", "120"), ("e5", "T2", "20")]

    def test_totals_growth_rank_and_contribution(self):
        out = analyse_towns(self.NOW, self.THEN)
        dist = out["district"]
        # now 100 + 50 + 80 + 150 + 10 = 390; then 90 + 40 + 100 + 120 + 20 = 370
        assert dist["total"] == D(390) and dist["previous_total"] == D(370)
        assert dist["increment"] == D(20)
        assert dist["growth_pct"].quantize(D("0.0001")) == D("5.4054")  # 20 / 370 * 100 = 5.4054…
        towns = {t["town"]: t for t in out["towns"]}
        # T1: 150 vs 130 → +20, 20 / 130 * 100 = 15.38…, contribution 20 / 20 * 100 = 100
        assert towns["T1"]["total"] == D(150) and towns["T1"]["increment"] == D(20)
        assert towns["T1"]["contribution_pct"] == D(100)
        # T2: 80 vs 100 + 20 = 120 → -40; -40 / 120 * 100 = -33.33…; contribution -40 / 20 * 100 = -200
        assert towns["T2"]["increment"] == D(-40) and towns["T2"]["contribution_pct"] == D(-200)
        # T3: 150 vs 120 → +30 = +25 %; contribution 150
        assert towns["T3"]["growth_pct"] == D(25) and towns["T3"]["contribution_pct"] == D(150)
        # T4: new, 10 vs nothing → growth null, increment 10, contribution 50
        assert towns["T4"]["growth_pct"] is None and towns["T4"]["contribution_pct"] == D(50)
        # 100 - 200 + 150 + 50 = 100
        assert sum(t["contribution_pct"] for t in towns.values()) == D(100)
        # ranks by total: T1 150, T3 150 (tie), T2 80, T4 10 → 1, 1, 3, 4; returned in rank order
        assert [(t["town"], t["rank"]) for t in out["towns"]] == [("T1", 1), ("T3", 1), ("T2", 3), ("T4", 4)]
        assert towns["T1"]["share_pct"].quantize(D("0.01")) == D("38.46")  # 150 / 390

    def test_matched_only_uses_enterprises_in_both_years(self):
        out = analyse_towns(self.NOW, self.THEN, matched_only=True)
        # e5 (gone) and e6 (new) drop out: now 380, then 350, +30
        assert out["district"]["total"] == D(380) and out["district"]["previous_total"] == D(350)
        towns = {t["town"]: t for t in out["towns"]}
        # T2: 80 vs 100 = -20 %
        assert towns["T2"]["growth_pct"] == D(-20)
        assert "T4" not in towns

    def test_listed_towns_without_records_are_unranked(self):
        out = analyse_towns(self.NOW, self.THEN, towns=["T9"])
        t9 = out["towns"][-1]
        assert t9["town"] == "T9" and t9["total"] is None and t9["rank"] is None and t9["rank_of"] == 4
        assert t9["increment"] == D(0) and t9["contribution_pct"] == D(0) and t9["enterprises"] == 0

    def test_moved_enterprise_counts_in_its_current_town(self):
        out = analyse_towns([("e1", "T2", "110")], [("e1", "T1", "100")])
        towns = {t["town"]: t for t in out["towns"]}
        assert set(towns) == {"T2"} and towns["T2"]["growth_pct"] == D(10)

    def test_no_district_growth_gives_null_contribution(self):
        out = analyse_towns([("e1", "T1", "110"), ("e2", "T2", "90")], [("e1", "T1", "100"), ("e2", "T2", "100")])
        assert all(t["contribution_pct"] is None for t in out["towns"])

    def test_duplicate_enterprise_and_float_refused(self):
        with pytest.raises(ValueError):
            analyse_towns([("e1", "T1", "1"), ("e1", "T1", "2")], [])
        with pytest.raises(TypeError):
            analyse_towns([("e1", "T1", 1.0)], [])
