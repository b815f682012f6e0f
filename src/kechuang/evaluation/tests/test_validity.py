"""Validity: valid HTE count on a date (expiry day counts), certificates expiring this year, tech-SME and startup."""
import datetime as dt

import pytest

from kechuang.conftest import TOWN_A, TOWN_B

from .conftest import add_annual, add_qual

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(make_enterprise):
    a = make_enterprise(name="宁波高企甲", town_id=TOWN_A)
    b = make_enterprise(name="宁波高企乙", town_id=TOWN_B)
    add_qual(a, "hte", 2023, dt.date(2023, 12, 1), dt.date(2026, 11, 30), number="GR202333001")
    add_qual(b, "hte", 2024, dt.date(2024, 12, 8), dt.date(2027, 12, 7), number="GR202433002")
    return a, b


def test_valid_hte_count_on_the_boundary_dates(bureau, certified):
    from kechuang.evaluation.selectors import valid_hte_count

    assert valid_hte_count(bureau, dt.date(2023, 11, 30))["count"] == 0  # the day before issue
    assert valid_hte_count(bureau, dt.date(2023, 12, 1))["count"] == 1  # the issue day
    assert valid_hte_count(bureau, dt.date(2026, 11, 30))["count"] == 2  # the expiry day still counts
    assert valid_hte_count(bureau, dt.date(2026, 12, 1))["count"] == 1  # the day after does not


def test_valid_count_api_with_date_parameter_and_scope(client_as, bureau, assistant_a, clerk_a, certified):
    c = client_as(bureau)
    out = c.get("/api/evaluation/hte/valid-count?date=2026-11-30").json()
    assert out["count"] == 2 and out["date"] == "2026-11-30"
    assert {t["town"]: t["count"] for t in out["by_town"]} == {TOWN_A: 1, TOWN_B: 1}
    assert c.get("/api/evaluation/hte/valid-count?date=2026-12-01").json()["count"] == 1
    r = c.get("/api/evaluation/hte/valid-count?date=30/11/2026x")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "date"
    assert client_as(assistant_a).get("/api/evaluation/hte/valid-count?date=2026-11-30").json()["count"] == 1
    assert client_as(clerk_a).get("/api/evaluation/hte/valid-count").status_code == 404


def test_revoked_certificate_never_counts(bureau, make_enterprise):
    from kechuang.evaluation.selectors import valid_hte_count

    ent = make_enterprise()
    add_qual(ent, "hte", 2024, dt.date(2024, 12, 1), dt.date(2027, 11, 30), status="revoked")
    assert valid_hte_count(bureau, dt.date(2025, 6, 1))["count"] == 0


def test_certificates_expiring_this_year_with_renewal_and_claw_back(bureau, make_enterprise):
    from kechuang.evaluation.selectors import hte_expiring

    due, renewed, late = (make_enterprise(name=n) for n in ("宁波待认定", "宁波已重新认定", "宁波逾期"))
    add_qual(due, "hte", 2023, dt.date(2023, 12, 1), dt.date(2026, 11, 30))
    add_qual(renewed, "hte", 2023, dt.date(2023, 12, 1), dt.date(2026, 11, 30))
    add_qual(renewed, "hte", 2026, dt.date(2026, 12, 15), dt.date(2029, 12, 14))
    add_qual(late, "hte", 2023, dt.date(2023, 12, 1), dt.date(2026, 11, 30))
    add_qual(late, "hte", 2027, dt.date(2027, 2, 1), dt.date(2030, 1, 31))  # re-certified only after 31 December
    rows = {r["enterprise"].pk: r for r in hte_expiring(bureau, 2026, today=dt.date(2026, 10, 1))}
    assert set(rows) == {due.pk, renewed.pk, late.pk}  # the 2026 renewal itself expires in 2029
    assert rows[due.pk]["status"] == "due" and rows[due.pk]["tax_clawback_risk"]
    assert rows[due.pk]["days_to_deadline"] == 91
    assert rows[renewed.pk]["status"] == "renewed" and not rows[renewed.pk]["tax_clawback_risk"]
    assert rows[late.pk]["status"] == "due"
    after = {r["enterprise"].pk: r["status"] for r in hte_expiring(bureau, 2026, today=dt.date(2027, 1, 5))}
    assert after == {due.pk: "clawback", renewed.pk: "renewed", late.pk: "clawback"}


def test_expiring_api_and_page(client_as, bureau, assistant_a, make_enterprise):
    year = dt.date.today().year
    a = make_enterprise(name="宁波今年到期甲", town_id=TOWN_A)
    b = make_enterprise(name="宁波今年到期乙", town_id=TOWN_B)
    for ent in (a, b):
        add_qual(ent, "hte", year - 3, dt.date(year - 3, 1, 1), dt.date(year, 12, 31))
    rows = client_as(bureau).get(f"/api/evaluation/hte/expiring?year={year}").json()
    assert {r["enterprise"] for r in rows} == {a.name, b.name}
    assert all(r["renewal_due"] and r["tax_clawback_risk"] and r["status"] == "due" for r in rows)
    html = client_as(assistant_a).get("/evaluation/validity/").content.decode()
    assert a.name in html and b.name not in html and "重新认定" in html


def test_tsme_registrations_per_year(client_as, bureau, make_enterprise):
    a, b = make_enterprise(), make_enterprise()
    add_qual(a, "tsme", 2024, dt.date(2024, 6, 1))
    add_qual(a, "tsme", 2025, dt.date(2025, 6, 1))
    add_qual(b, "tsme", 2025, dt.date(2025, 7, 1))
    out = client_as(bureau).get("/api/evaluation/tsme/registrations").json()
    assert out == [{"year": 2025, "count": 2, "new": 1}, {"year": 2024, "count": 1, "new": 1}]


def test_startup_filings_and_prescreen_under_the_local_rule(client_as, bureau, make_enterprise):
    today = dt.date.today()
    young = make_enterprise(name="宁波初创有限公司", founded_on=today - dt.timedelta(days=400), domain_id="10101")
    add_annual(young, today.year - 1, staff_total=10, staff_tech=3)
    old = make_enterprise(name="宁波老牌有限公司", founded_on=dt.date(2010, 1, 1))
    filed = make_enterprise(name="宁波已备案有限公司", founded_on=today - dt.timedelta(days=300))
    add_qual(filed, "startup", today.year, today)
    html = client_as(bureau).get("/evaluation/validity/").content.decode()
    assert young.name in html and old.name not in html and filed.name not in html
    assert "startup-ningbo-2013" in html


@pytest.mark.parametrize("url", ["/evaluation/validity/", "/evaluation/", "/evaluation/pool/",
                                 "/evaluation/pool/conversion/", "/evaluation/runs/",
                                 "/api/evaluation/hte/expiring", "/api/evaluation/tsme/registrations",
                                 "/api/evaluation/pool/conversion", "/api/evaluation/pool/batches"])
def test_office_pages_are_not_for_other_roles(client_as, make_user, url):
    from kechuang.core.choices import Role

    expert = make_user("prof", Role.EXPERT)
    assert client_as(expert).get(url).status_code == 404
