"""Property tests: invariants of the scores and minimality of the gap analysis over random profiles."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.evaluation.engine import (
    evaluate_hte, evaluate_tsme, hte_gaps, parse_hte_profile, parse_tsme_profile, tsme_gaps,
)
from kechuang.evaluation.engine.gaps import added_share_needed, hires_needed, numerator_needed
from kechuang.evaluation.engine.numbers import Ratio

CENT = Decimal("0.01")
VERDICT_RANK = {"not_qualified": 0, "borderline": 1, "qualified": 2}


def money(max_value=10**8):
    """An amount in 万元 with 2 decimals, 0 … max_value/100."""
    return st.integers(min_value=0, max_value=max_value).map(lambda n: Decimal(n) / 100)


@st.composite
def tsme_profiles(draw):
    total = draw(st.integers(min_value=1, max_value=600))
    n1 = draw(st.integers(min_value=0, max_value=2))
    n2 = draw(st.integers(min_value=0, max_value=6))
    return {
        "evaluation_date": "2025-07-15",
        "staff_total": total,
        "staff_tech": draw(st.integers(min_value=0, max_value=total)),
        "sales": draw(money(3 * 10**6)),
        "total_assets": draw(money(3 * 10**6)),
        "rd_expense": draw(money(10**5)),
        "cost_expense_total": draw(money(3 * 10**6)),
        "ip": [{"class": "I"}] * n1 + [{"class": "II"}] * n2,
        "resident": True,
        "industry_allowed": True,
        "clean_record": draw(st.booleans()),
        "led_standard_5y": draw(st.booleans()),
    }


@st.composite
def hte_profiles(draw):
    n_years = draw(st.integers(min_value=1, max_value=3))
    years = []
    for i in range(n_years):
        sales = draw(money(5 * 10**6))
        rd = draw(money(5 * 10**5))
        years.append({
            "year": 2025 - n_years + i,
            "sales": str(sales),
            "rd_expense": str(rd),
            "rd_domestic": str(draw(st.integers(min_value=0, max_value=int(rd * 100))) / Decimal(100)),
            "net_assets": str(draw(st.integers(min_value=-10**6, max_value=10**8)) / Decimal(100)),
        })
    total_income = draw(money(5 * 10**6))
    non_taxable = draw(st.integers(min_value=0, max_value=int(total_income * 100))) / Decimal(100)
    hitech = draw(st.integers(min_value=0, max_value=int((total_income - non_taxable) * 100))) / Decimal(100)
    staff = draw(st.integers(min_value=1, max_value=2000))
    ip = draw(st.lists(st.fixed_dictionaries({
        "class": st.sampled_from(["I", "II"]),
        "acquisition": st.sampled_from(["self", "transfer", "gift", "merger"]),
        "used_before": st.booleans(),
    }), max_size=8))
    return {
        "registration_date": draw(st.sampled_from(["2015-03-01", "2024-06-01", "2024-06-02"])) if n_years == 1
        else "2015-03-01",
        "application_date": "2025-06-01",
        "staff_total": staff,
        "staff_tech": draw(st.integers(min_value=0, max_value=staff)),
        "fiscal_years": years,
        "latest_year": {"total_income": str(total_income), "non_taxable_income": str(non_taxable),
                        "hitech_income": str(hitech)},
        "ip": ip,
        "transformations": draw(st.integers(min_value=0, max_value=30)),
        "owns_core_ip": draw(st.booleans()),
        "in_hitech_domain": True,
        "major_incident_last_year": False,
    }


@given(tsme_profiles())
def test_tsme_total_is_even_and_never_59(data):
    res = evaluate_tsme(parse_tsme_profile(data))
    assert res.total % 2 == 0
    assert res.total != 59 and 0 <= res.total <= 100
    assert res.qualified == (res.route != "none")


@given(tsme_profiles(), money(10**6))
def test_tsme_more_rd_never_lowers_a_score(data, extra):
    before = evaluate_tsme(parse_tsme_profile(data))
    # R&D expense is part of the cost-and-expense total, so both grow.
    more = dict(data, rd_expense=Decimal(data["rd_expense"]) + extra,
                cost_expense_total=Decimal(data["cost_expense_total"]) + extra)
    after = evaluate_tsme(parse_tsme_profile(more))
    assert after.scores.rd >= before.scores.rd
    assert after.total >= before.total
    assert after.qualified or not before.qualified


@given(tsme_profiles())
def test_tsme_class_i_ip_never_lowers_a_score(data):
    before = evaluate_tsme(parse_tsme_profile(data))
    after = evaluate_tsme(parse_tsme_profile(dict(data, ip=data["ip"] + [{"class": "I"}])))
    assert after.total >= before.total


@settings(max_examples=200)
@given(hte_profiles(), st.sampled_from(["self", "transfer"]))
def test_hte_class_i_ip_never_lowers_a_score(data, acquisition):
    before = evaluate_hte(parse_hte_profile(data))
    more = dict(data, ip=data["ip"] + [{"class": "I", "acquisition": acquisition}])
    after = evaluate_hte(parse_hte_profile(more))
    assert after.score_min >= before.score_min
    assert after.score_max >= before.score_max
    assert VERDICT_RANK[after.verdict] >= VERDICT_RANK[before.verdict]


@settings(max_examples=200)
@given(hte_profiles(), money(10**6))
def test_hte_more_domestic_rd_never_lowers_a_score_or_fails_c5(data, extra):
    before = evaluate_hte(parse_hte_profile(data))
    years = [dict(fy) for fy in data["fiscal_years"]]
    years[-1]["rd_expense"] = str(Decimal(years[-1]["rd_expense"]) + extra)
    years[-1]["rd_domestic"] = str(Decimal(years[-1]["rd_domestic"]) + extra)
    after = evaluate_hte(parse_hte_profile(dict(data, fiscal_years=years)))
    assert (after.score_min, after.score_max) >= (before.score_min, before.score_max)
    for code in ("C5a", "C5b"):
        assert after.conditions[code].passed or not before.conditions[code].passed
    assert VERDICT_RANK[after.verdict] >= VERDICT_RANK[before.verdict]


@settings(max_examples=200)
@given(hte_profiles())
def test_hte_failed_conditions_are_exactly_the_failing_ones(data):
    res = evaluate_hte(parse_hte_profile(data))
    assert list(res.failed_conditions) == [c for c, cond in res.conditions.items() if not cond.passed]
    if res.verdict == "qualified":
        assert res.failed_conditions == () and res.score_min >= 71
    assert res.score_min <= res.score_max <= 100
    assert len(hte_gaps(parse_hte_profile(data), res)) == len(res.failed_conditions)


# Gap minimality: the needed figure makes the condition hold, one unit less does not.

@given(st.integers(min_value=1, max_value=5000), st.data())
def test_hires_needed_is_the_smallest_integer(total, data):
    tech = data.draw(st.integers(min_value=0, max_value=total))
    ratio = Decimal(data.draw(st.sampled_from(["0.10", "0.15", "0.20", "0.25", "0.30"])))
    k = hires_needed(Decimal(tech), Decimal(total), ratio)
    assert Ratio(Decimal(tech + k), Decimal(total + k)).ge(ratio)
    if k:
        assert not Ratio(Decimal(tech + k - 1), Decimal(total + k - 1)).ge(ratio)


@given(money(), money(), st.sampled_from(["0.03", "0.04", "0.05", "0.06"]))
def test_numerator_needed_is_the_smallest_fen(part, whole, ratio):
    ratio = Decimal(ratio)
    whole = whole + CENT
    x = numerator_needed(part, whole, ratio)
    assert Ratio(part + x, whole).ge(ratio)
    if x:
        assert not Ratio(part + x - CENT, whole).ge(ratio)


@given(money(), money(), st.sampled_from(["0.10", "0.30", "0.60"]))
def test_added_share_needed_is_the_smallest_fen(part, rest, ratio):
    ratio = Decimal(ratio)
    whole = part + rest + CENT
    x = added_share_needed(part, whole, ratio)
    assert Ratio(part + x, whole + x).ge(ratio)
    if x:
        assert not Ratio(part + x - CENT, whole + x - CENT).ge(ratio)


@settings(max_examples=150)
@given(tsme_profiles())
def test_tsme_score_plans_pass_when_applied(data):
    profile = parse_tsme_profile(data)
    res = evaluate_tsme(profile)
    for gap in tsme_gaps(profile, res):
        if gap["code"] != "C5":
            continue
        assert gap["plans"]
        for plan in gap["plans"]:
            n = plan["needed"]
            x = Decimal(n.get("rd_expense", "0"))
            k = n.get("tech_staff", 0)
            applied = dict(
                data,
                staff_tech=data["staff_tech"] + k, staff_total=data["staff_total"] + k,
                rd_expense=Decimal(data["rd_expense"]) + x,
                cost_expense_total=Decimal(data["cost_expense_total"]) + x,
                ip=data["ip"] + [{"class": "I"}] * n.get("class_i", 0) + [{"class": "II"}] * n.get("class_ii", 0),
            )
            after = evaluate_tsme(parse_tsme_profile(applied))
            assert after.total >= 60 and after.scores.tech_staff > 0, plan["message_en"]
