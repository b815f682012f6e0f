"""Ningbo innovative-startup filing rule (configurable rule set startup-ningbo-2013)."""

import pytest

from kechuang.evaluation.engine import ProfileError, evaluate_startup, parse_startup_profile

from . import builders as b


def run(data):
    return evaluate_startup(parse_startup_profile(data))


def test_baseline_is_eligible_with_the_manual_criterion_flagged():
    out = run(b.startup())
    assert out["eligible"] and out["failed_conditions"] == []
    assert [f["reason"] for f in out["flags"]] == ["S4"]


@pytest.mark.parametrize("filing, eligible", [("2025-03-01", True), ("2025-03-02", False), ("2025-02-28", True)])
def test_age_at_most_five_years(filing, eligible):
    out = run(b.startup(registration_date="2020-03-01", filing_date=filing))
    assert out["eligible"] is eligible
    assert ("age_over_limit" in [f["reason"] for f in out["flags"]]) is not eligible


@pytest.mark.parametrize("staff, rd, eligible", [(20, 2, True), (21, 2, False), (30, 3, True), (30, "2.99", False)])
def test_rd_staff_share_ten_percent_inclusive(staff, rd, eligible):
    assert run(b.startup(staff_total=staff, rd_staff_college=rd))["eligible"] is eligible


def test_ip_or_business_model_and_domain_or_catalogue():
    assert run(b.startup(core_ip=False, new_business_model=True))["eligible"]
    assert run(b.startup(core_ip=False, new_business_model=False))["failed_conditions"] == ["S3a"]
    assert run(b.startup(in_hitech_domain=False, in_local_catalog=True))["eligible"]
    assert run(b.startup(in_hitech_domain=False))["failed_conditions"] == ["S5"]
    assert run(b.startup(leader_in_founding_team=False))["failed_conditions"] == ["S2"]


def test_bad_input_names_the_field():
    data = b.startup()
    del data["leader_in_founding_team"]
    with pytest.raises(ProfileError) as exc:
        parse_startup_profile(data)
    assert exc.value.field == "leader_in_founding_team"
