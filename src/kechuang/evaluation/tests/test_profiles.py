"""Profile parsing: every bad input is an error naming its field."""

from decimal import Decimal

import pytest

from kechuang.evaluation.engine import ProfileError, RuleSetNotFound, parse_hte_profile, parse_tsme_profile
from kechuang.evaluation.engine.profiles import read_decimal

from . import builders as b


def field_of(data, parse=parse_hte_profile) -> str:
    with pytest.raises(ProfileError) as exc:
        parse(data)
    return exc.value.field


def test_baseline_parses_to_exact_decimals():
    p = parse_hte_profile(b.hte())
    assert p.fiscal_years[2].net_assets == Decimal("1322.5")
    assert p.staff_total == 450 and p.ip[0].ip_class == "I" and p.ip[0].acquisition == "self"


def test_json_float_goes_through_str_not_binary():
    # Decimal(0.1) would be 0.1000000000000000055511151231257827...; the parser must give exactly 0.1.
    assert read_decimal(0.1, "x") == Decimal("0.1")
    assert read_decimal(1322.5, "x") == Decimal("1322.5")


@pytest.mark.parametrize("path, mutate", [
    ("registration_date", lambda d: d.pop("registration_date")),
    ("staff_total", lambda d: d.pop("staff_total")),
    ("fiscal_years[1].sales", lambda d: d["fiscal_years"][1].pop("sales")),
    ("fiscal_years[2].net_assets", lambda d: d["fiscal_years"][2].pop("net_assets")),
    ("latest_year.hitech_income", lambda d: d["latest_year"].pop("hitech_income")),
    ("ip[0].acquisition", lambda d: d["ip"][0].pop("acquisition")),
    ("ip[0].class", lambda d: d["ip"][0].pop("class")),
    ("transformations", lambda d: d.pop("transformations")),
    ("owns_core_ip", lambda d: d.pop("owns_core_ip")),
])
def test_missing_field_is_named(path, mutate):
    data = b.hte()
    mutate(data)
    assert field_of(data) == path


@pytest.mark.parametrize("path, mutate", [
    ("fiscal_years[1].sales", lambda d: d["fiscal_years"][1].update(sales="lots")),
    ("fiscal_years[0].rd_expense", lambda d: d["fiscal_years"][0].update(rd_expense=True)),
    ("staff_tech", lambda d: d.update(staff_tech=[60])),
    ("application_date", lambda d: d.update(application_date="2025/06/01")),
    ("owns_core_ip", lambda d: d.update(owns_core_ip="yes")),
    ("transformations", lambda d: d.update(transformations=2.5)),
    ("ip[0].class", lambda d: d["ip"][0].update({"class": "III"})),
    ("ip[0].acquisition", lambda d: d["ip"][0].update(acquisition="licence")),
    ("fiscal_years", lambda d: d.update(fiscal_years={"year": 2024})),
    ("latest_year", lambda d: d.update(latest_year=5)),
    ("expert.rd_org", lambda d: d["expert"].update(rd_org=[5, 5, 3])),
    ("fiscal_years[0].sales", lambda d: d["fiscal_years"][0].update(sales="NaN")),
    ("fiscal_years[0].sales", lambda d: d["fiscal_years"][0].update(sales="1.0000001")),
])
def test_wrong_type_is_named(path, mutate):
    data = b.hte()
    mutate(data)
    assert field_of(data) == path


@pytest.mark.parametrize("path, mutate", [
    ("fiscal_years[1].sales", lambda d: d["fiscal_years"][1].update(sales=-1)),
    ("fiscal_years[0].rd_expense", lambda d: d["fiscal_years"][0].update(rd_expense="-0.01")),
    ("latest_year.total_income", lambda d: d["latest_year"].update(total_income=-5)),
    ("staff_total", lambda d: d.update(staff_total=-3)),
    ("transformations", lambda d: d.update(transformations=-1)),
])
def test_negative_amount_is_refused(path, mutate):
    data = b.hte()
    mutate(data)
    assert field_of(data) == path


def test_negative_net_assets_are_allowed():
    data = b.hte()
    data["fiscal_years"][0]["net_assets"] = "-22.3"
    assert parse_hte_profile(data).fiscal_years[0].net_assets == Decimal("-22.3")


@pytest.mark.parametrize("path, mutate", [
    ("fiscal_years[1].year", lambda d: d["fiscal_years"][1].update(year=2022)),       # not consecutive
    ("fiscal_years[2].year", lambda d: [fy.update(year=fy["year"] + 1) for fy in d["fiscal_years"]]),  # 2025
    ("fiscal_years", lambda d: d["fiscal_years"].insert(0, dict(d["fiscal_years"][0], year=2021))),  # 4 years
    ("fiscal_years", lambda d: d.update(fiscal_years=[])),
    ("fiscal_years[0].rd_domestic", lambda d: d["fiscal_years"][0].update(rd_domestic=601)),
    ("staff_tech", lambda d: d.update(staff_tech=451)),
    ("staff_total", lambda d: d.update(staff_total=0, staff_tech=0)),
    ("latest_year.hitech_income", lambda d: d["latest_year"].update(hitech_income=25801)),
    ("latest_year.non_taxable_income", lambda d: d["latest_year"].update(non_taxable_income=26001)),
    ("application_date", lambda d: d.update(application_date="2015-02-01")),
    ("fiscal_years[0].year", lambda d: d.update(registration_date="2023-01-10")),  # data before registration
])
def test_inconsistent_input_is_named(path, mutate):
    data = b.hte()
    mutate(data)
    assert field_of(data) == path


def test_hitech_income_may_equal_total_income():
    data = b.hte()
    data["latest_year"]["hitech_income"] = 25800  # 26000 − 200
    parse_hte_profile(data)


@pytest.mark.parametrize("field, value", [
    ("advancement", 9), ("core_support", 9), ("standards_bonus", 3),
    ("ip_quantity_points", 6),       # one class I: band A allows 7–8
    ("acquisition_points", 7),       # self-developed: band A allows 1–6
    ("acquisition_points", 0),
    ("transformation_points", 24),   # average 5: band A allows 25–30
    ("net_assets_growth_points", 7), # exactly 15%: band C allows 5–6
    ("sales_growth_points", 5),      # 9.5%: band D allows 3–4
])
def test_expert_points_outside_their_band(field, value):
    data = b.hte()
    data["expert"][field] = value
    assert field_of(data) == f"expert.{field}"


def test_acquisition_band_b_when_ip_only_transferred():
    data = b.hte()
    data["ip"][0]["acquisition"] = "transfer"
    data["expert"]["acquisition_points"] = 3
    parse_hte_profile(data)
    data["expert"]["acquisition_points"] = 4  # band B (受让、受赠、并购 only) allows 1–3
    assert field_of(data) == "expert.acquisition_points"


@pytest.mark.parametrize("index, value", [(0, 7), (1, 7), (2, 5), (3, 5), (0, -1)])
def test_rd_org_items_have_their_own_maxima(index, value):
    data = b.hte()
    data["expert"]["rd_org"][index] = value
    assert field_of(data) == f"expert.rd_org[{index}]"


def test_rd_org_maxima_are_accepted():
    data = b.hte()
    data["expert"]["rd_org"] = [6, 6, 4, 4]
    parse_hte_profile(data)


def test_application_before_the_first_rule_set():
    data = b.hte(registration_date="2010-01-01", application_date="2015-06-01")
    data["fiscal_years"] = b.years((100, 10, 10, 100), (100, 10, 10, 100), (100, 10, 10, 100))
    for i, fy in enumerate(data["fiscal_years"]):
        fy["year"] = 2012 + i
    with pytest.raises(RuleSetNotFound) as exc:
        parse_hte_profile(data)
    assert exc.value.field == "application_date"


@pytest.mark.parametrize("path, mutate", [
    ("evaluation_date", lambda d: d.pop("evaluation_date")),
    ("sales", lambda d: d.update(sales="x")),
    ("total_assets", lambda d: d.update(total_assets=-1)),
    ("cost_expense_total", lambda d: d.pop("cost_expense_total")),
    ("ip[0].class", lambda d: d.update(ip=[{"class": "trademark"}])),
    ("resident", lambda d: d.update(resident=None)),
    ("hte_certificate_valid_until", lambda d: d.update(hte_certificate_valid_until="soon")),
    ("staff_tech", lambda d: d.update(staff_tech=81)),
    ("led_standard_5y", lambda d: d.update(led_standard_5y=1)),
])
def test_tsme_bad_input_is_named(path, mutate):
    data = b.tsme()
    mutate(data)
    assert field_of(data, parse_tsme_profile) == path
