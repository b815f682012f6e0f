"""Stored data → evaluator profiles: yuan to 万元 exactly, the right years and IP, a constant number of queries."""
import datetime as dt
from decimal import Decimal

import pytest

from kechuang.evaluation.assess import assess_hte, assess_tsme
from kechuang.evaluation.engine import ProfileError, parse_hte_profile
from kechuang.evaluation.profiles import facts_for, hte_profile_data, load_facts, tsme_profile_data, wan

from .conftest import DAY, add_annual, add_ip, add_qual, yuan

pytestmark = pytest.mark.django_db


def test_yuan_becomes_exact_wan_without_rounding():
    assert wan(Decimal("12345678.90")) == Decimal("1234.56789")
    assert wan(Decimal("12345678.91")) == Decimal("1234.567891")  # a single fen survives
    assert wan(Decimal("0.01")) == Decimal("0.000001")
    assert str(wan(Decimal("40000000.00"))) == "4000.000000"


def test_profile_carries_stored_yuan_as_exact_wan(make_enterprise, domain):
    ent = make_enterprise(domain_id=domain)
    for y in (2023, 2024):
        add_annual(ent, y)
    add_annual(ent, 2025, sales=Decimal("12345678.91"), rd_expense=Decimal("987654.32"), rd_domestic=Decimal("0.01"),
               total_income=Decimal("20000000.05"), non_taxable_income=Decimal("0.05"), hitech_income=Decimal("1.00"))
    data = hte_profile_data(facts_for(ent, DAY), DAY)
    last = data["fiscal_years"][-1]
    assert last["sales"] == Decimal("1234.567891")
    assert last["rd_expense"] == Decimal("98.765432")
    assert last["rd_domestic"] == Decimal("0.000001")
    assert data["latest_year"] == {"total_income": Decimal("2000.000005"), "non_taxable_income": Decimal("0.000005"),
                                   "hitech_income": Decimal("0.0001")}
    profile = parse_hte_profile(data)  # the engine accepts them as they are (6 places at most)
    assert profile.fiscal_years[-1].sales == Decimal("1234.567891")
    assert profile.latest_year.income == Decimal("2000")


def test_float_trap_net_assets_growth_is_exactly_15_percent(good):
    # 10,000,000 → 11,500,000 → 13,225,000 yuan is 1000 → 1150 → 1322.5 万元: growth exactly 15%, band C.
    a = assess_hte(facts_for(good, DAY), DAY)
    assert [fy.net_assets for fy in a.profile.fiscal_years] == [Decimal("1000"), Decimal("1150"), Decimal("1322.5")]
    assert a.result.scores.net_assets.band == "C"


def test_fiscal_years_are_the_latest_consecutive_ones_before_the_application_year(make_enterprise):
    ent = make_enterprise(founded_on=dt.date(2021, 7, 1))
    for y in (2020, 2022, 2024, 2025, 2026):  # 2020 precedes founding, 2026 is the application year
        add_annual(ent, y)
    data = hte_profile_data(facts_for(ent, DAY), DAY)
    assert [fy["year"] for fy in data["fiscal_years"]] == [2024, 2025]  # the gap at 2023 ends the run


def test_latest_year_figures_and_staff_come_from_the_last_fiscal_year(make_enterprise):
    ent = make_enterprise()
    add_annual(ent, 2024, staff_total=80, staff_tech=8)
    add_annual(ent, 2025, staff_total=120, staff_tech=30, hitech_income=yuan("3500"))
    data = hte_profile_data(facts_for(ent, DAY), DAY)
    assert (data["staff_total"], data["staff_tech"]) == (120, 30)
    assert data["latest_year"]["hitech_income"] == Decimal("3500")


def test_no_annual_data_names_the_missing_field(make_enterprise):
    ent = make_enterprise()
    add_annual(ent, 2026)  # only the application year itself
    with pytest.raises(ProfileError) as exc:
        hte_profile_data(facts_for(ent, DAY), DAY)
    assert exc.value.field == "fiscal_years"


def test_ip_valid_on_the_day_with_class_and_reuse(make_enterprise):
    ent = make_enterprise()
    add_annual(ent, 2025)
    add_ip(ent, "invention", "A1")
    add_ip(ent, "utility_model", "A2", used_in_hte=True)
    add_ip(ent, "software", "A3", acquisition="transfer")
    add_ip(ent, "design", "A4", expires_on=dt.date(2026, 5, 31))  # expired the day before
    add_ip(ent, "utility_model", "A5", granted_on=dt.date(2026, 6, 2))  # granted after the day
    data = hte_profile_data(facts_for(ent, DAY), DAY)
    assert sorted((i["class"], i["acquisition"], i["used_before"]) for i in data["ip"]) == [
        ("I", "self", False), ("II", "self", True), ("II", "transfer", False)]
    assert data["owns_core_ip"] is True
    tsme = tsme_profile_data(facts_for(ent, DAY), DAY)
    assert sorted(i["class"] for i in tsme["ip"]) == ["I", "II", "II"]  # no reuse rule for tech SMEs


def test_domain_and_inputs_fill_c3_c8_and_transformations(make_enterprise, domain):
    from kechuang.evaluation.models import AssessmentInput

    ent = make_enterprise(domain_id=None)
    add_annual(ent, 2025)
    data = hte_profile_data(facts_for(ent, DAY), DAY)
    assert data["in_hitech_domain"] is False and data["transformations"] == 0
    assert data["major_incident_last_year"] is False
    AssessmentInput.objects.create(enterprise=ent, transformations=7, major_incident_last_year=True)
    data = hte_profile_data(facts_for(ent, DAY), DAY)
    assert data["transformations"] == 7 and data["major_incident_last_year"] is True


def test_tsme_profile_uses_previous_year_and_ladder(make_enterprise):
    from kechuang.enterprises.models import RDInstitution

    ent = make_enterprise()
    add_annual(ent, 2025, total_assets=yuan("6000.5"), cost_expense_total=yuan("3500"))
    add_qual(ent, "hte", 2024, dt.date(2024, 12, 1), dt.date(2027, 11, 30))
    add_qual(ent, "tsme", 2025, dt.date(2025, 6, 1), dt.date(2026, 3, 31))
    RDInstitution.objects.create(enterprise=ent, name="省级研究院", type="research_institute", level="provincial",
                                 approved_on=dt.date(2024, 7, 1))
    data = tsme_profile_data(facts_for(ent, DAY), DAY)
    assert data["total_assets"] == Decimal("6000.5")
    assert data["hte_certificate_valid_until"] == dt.date(2027, 11, 30)
    assert data["provincial_rd_institution"] is True
    assert data["first_evaluation"] is False
    a = assess_tsme(facts_for(ent, DAY), DAY)
    assert a.result.route == "score"  # 20% staff, 6% R&D, class I IP: 12 + 50 + 30 (score beats direct)


def test_unknown_transformations_widen_the_optimistic_score(good):
    from kechuang.evaluation.models import AssessmentInput

    a = assess_hte(facts_for(good, DAY), DAY)
    assert not a.transformations_known
    assert a.base.score_max <= 70 < a.result.score_max  # 0 transformations could never reach 71
    assert a.result.score_max == a.base.score_max + 30
    assert a.result.score_min == a.base.score_min
    assert a.result.verdict == "borderline" and "C7" in a.result.failed_conditions
    assert "transformations_unknown" in [f.reason for f in a.result.flags]
    AssessmentInput.objects.create(enterprise=good, transformations=15)
    known = assess_hte(facts_for(good, DAY), DAY)
    assert known.transformations_known and known.result is known.base
    assert known.result.scores.transformation.band == "A"


def test_hard_condition_failure_stays_not_qualified_whatever_the_range(far):
    a = assess_hte(facts_for(far, DAY), DAY)
    assert a.result.verdict == "not_qualified" and "C4" in a.result.failed_conditions


def test_expert_points_that_no_longer_fit_are_dropped_with_a_note(good):
    from kechuang.evaluation.models import AssessmentInput

    AssessmentInput.objects.create(enterprise=good, expert={"ip_quantity_points": 3})  # band A allows 7–8 only
    a = assess_hte(facts_for(good, DAY), DAY)
    assert "expert_points_dropped" in [n.code for n in a.notes]
    AssessmentInput.objects.filter(enterprise=good).update(expert={"ip_quantity_points": 8, "advancement": 6})
    a = assess_hte(facts_for(good, DAY), DAY)
    assert a.result.scores.quantity.min == 8 and a.result.scores.advancement.min == 6


def test_batch_loader_runs_a_constant_number_of_queries(make_hte, django_assert_num_queries):
    few = [make_hte(f"宁波少{i}有限公司").pk for i in range(2)]
    many = few + [make_hte(f"宁波多{i}有限公司").pk for i in range(6)]
    with django_assert_num_queries(6):
        facts = load_facts(few, DAY)
    with django_assert_num_queries(6):
        facts = load_facts(many, DAY)
    assert all(len(facts[pk].annual) == 3 and len(facts[pk].ip) == 1 for pk in many)


def test_direct_builder_equals_the_contract_reader(make_hte, make_enterprise):
    """The batch builds profiles directly; they must be exactly what the engine reads from the contract JSON."""
    import datetime as dt

    from kechuang.evaluation.models import AssessmentInput
    from kechuang.evaluation.profiles import hte_profile

    ents = [make_hte("宁波一致甲"), make_hte("宁波一致乙", rd="180", tech=5), make_hte("宁波一致丙", years=(2025,))]
    young = make_enterprise(founded_on=dt.date(2024, 9, 1))
    add_annual(young, 2024, net_assets=Decimal("-5.00"), rd_expense=Decimal("0"), rd_domestic=Decimal("0"))
    add_annual(young, 2025)
    add_ip(young, "software", used_in_hte=True)
    add_qual(young, "hte", 2025, dt.date(2025, 12, 1), dt.date(2028, 11, 30))
    AssessmentInput.objects.create(enterprise=ents[0], transformations=4, expert={"advancement": 6, "rd_org": [5, None, 3, 2]})
    for ent in ents + [young]:
        f = facts_for(ent, DAY)
        assert hte_profile(f, DAY) == parse_hte_profile(hte_profile_data(f, DAY))


@pytest.mark.parametrize("change, field", [
    ({"hitech_income": yuan("4100")}, "latest_year.hitech_income"),  # > income − non-taxable (4100 − 1)
    ({"rd_domestic": yuan("300")}, "fiscal_years[0].rd_domestic"),
    ({"sales": Decimal("-1.00")}, "fiscal_years[0].sales"),
    ({"staff_total": 0, "staff_tech": 0}, "staff_total"),
])
def test_inconsistent_stored_data_is_refused_by_both_builders(make_enterprise, change, field):
    from kechuang.evaluation.profiles import hte_profile

    ent = make_enterprise()
    add_annual(ent, 2025, non_taxable_income=yuan("1"), **change)
    f = facts_for(ent, DAY)
    for build in (lambda: hte_profile(f, DAY), lambda: parse_hte_profile(hte_profile_data(f, DAY))):
        with pytest.raises(ProfileError) as exc:
            build()
        assert exc.value.field == field
