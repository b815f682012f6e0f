"""Must show: pages for policies, events and tasks respect role scope (an enterprise sees only its own calculator;
another enterprise's calculator answers 404), plus the forms' error paths and the public policy library."""
from decimal import Decimal as D

import pytest

from kechuang.policies import services
from kechuang.policies.models import Policy, PolicyAward

from .conftest import RD_POLICY, TOWN_A, annual

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(bureau, rd_policy, ent_a, ent_b):
    annual(ent_a, 2023, "1000000.00")
    annual(ent_a, 2024, "1500000.00")   # growth 500,000 × 10 % = 50,000
    annual(ent_b, 2023, "1000000.00")
    annual(ent_b, 2024, "1200000.00")   # growth 200,000 × 10 % = 20,000
    draft = services.policy_save(user=bureau, data=dict(RD_POLICY, title="内部草稿政策", status="draft"))
    return rd_policy, draft


def test_enterprise_sees_only_its_own_calculator(client_as, clerk_a, ent_a, ent_b, data):
    c = client_as(clerk_a)
    assert c.get("/policies/calculator/")["Location"] == f"/policies/calculator/{ent_a.pk}/"
    own = c.get(f"/policies/calculator/{ent_a.pk}/")
    body = own.content.decode()
    assert own.status_code == 200 and "研发投入增量补助" in body and "50,000元" in body
    assert "内部草稿政策" not in body  # drafts are the bureau's
    assert c.get(f"/policies/calculator/{ent_b.pk}/").status_code == 404
    assert c.get(f"/api/policies/calculator/{ent_b.pk}").status_code == 404
    api = c.get(f"/api/policies/calculator/{ent_a.pk}").json()
    assert [(r["policy_title"], r["evaluation"]["amount"]) for r in api] == [("研发投入增量补助", "50000")]
    assert c.get(f"/policies/{data[0].pk}/eligible/").status_code == 404
    assert c.get(f"/api/policies/policies/{data[0].pk}/eligible").status_code == 404


def test_enterprise_sees_only_its_own_awards(client_as, bureau, clerk_a, ent_a, ent_b, data):
    services.awards_propose(user=bureau, policy=data[0])
    c = client_as(clerk_a)
    items = c.get("/api/policies/awards").json()["items"]
    assert [i["enterprise_id"] for i in items] == [ent_a.pk]
    other = PolicyAward.objects.get(enterprise=ent_b)
    assert c.get(f"/policies/awards/{other.pk}/").status_code == 404
    assert c.get(f"/api/policies/awards/{other.pk}").status_code == 404
    page = c.get("/policies/awards/").content.decode()
    assert ent_a.name in page and ent_b.name not in page


def test_town_assistant_calculator_scope(client_as, assistant_a, ent_a, ent_b, data):
    c = client_as(assistant_a)
    assert c.get(f"/policies/calculator/{ent_a.pk}/").status_code == 200
    assert c.get(f"/policies/calculator/{ent_b.pk}/").status_code == 404
    listing = c.get("/policies/calculator/?q=宁波").content.decode()
    assert ent_a.name in listing and ent_b.name not in listing


def test_bureau_of_another_district_cannot_see_ours(client_as, other_bureau, ent_a, data):
    c = client_as(other_bureau)
    assert c.get(f"/policies/calculator/{ent_a.pk}/").status_code == 404
    assert c.get(f"/policies/{data[1].pk}/").status_code == 404           # our draft
    assert c.get(f"/policies/{data[0].pk}/edit/").status_code == 404       # our published policy: view only
    assert c.get("/api/policies/counts?region=330212&year=2025").status_code == 404


def test_public_library_shows_published_policies_only(client, data):
    published, draft = data
    page = client.get("/policies/").content.decode()
    assert published.title in page and draft.title not in page
    assert client.get(f"/policies/{published.pk}/").status_code == 200
    assert client.get(f"/policies/{draft.pk}/").status_code == 404
    assert client.get("/policies/calculator/").status_code == 302
    assert client.get("/api/policies/policies").status_code == 401


def test_bureau_pages(client_as, bureau, ent_a, ent_b, data):
    c = client_as(bureau)
    for url in ("/policies/", "/policies/new/", f"/policies/{data[0].pk}/", f"/policies/{data[0].pk}/edit/",
                f"/policies/{data[0].pk}/eligible/", "/policies/awards/", "/policies/calculator/",
                f"/policies/calculator/{ent_b.pk}/", "/policies/competitions/", "/policies/trainings/",
                "/policies/fairs/", "/policies/tasks/", "/policies/tasks/new/", "/policies/competitions/new/"):
        assert c.get(url).status_code == 200, url
    r = c.post(f"/policies/{data[0].pk}/eligible/", {"action": "propose"})
    assert r.status_code == 302 and PolicyAward.objects.filter(policy=data[0]).count() == 2


def test_policy_form_shows_errors_on_the_right_condition_row(client_as, bureau):
    c = client_as(bureau)
    post = {"title": "新政策", "year": "2025", "data_year": "2024", "reference_date": "2025-06-30",
            "valid_from": "2025-01-01", "status": "draft", "cond-count": "3",
            "cond-0-field": "district", "cond-0-op": "eq", "cond-0-value": "330212",
            "cond-1-field": "", "cond-1-op": "", "cond-1-value": "",
            "cond-2-field": "sales", "cond-2-op": "prefix", "cond-2-value": "1",
            "f_type": "share", "f_base": "rd_growth", "f_rate": "10%", "f_cap_wan": "50", "f_rounding": "yuan"}
    r = c.post("/policies/new/", post)
    body = r.content.decode()
    assert r.status_code == 200 and "第2条条件（数据年度销售收入）" in body  # the engine's 2nd condition is row 3
    assert not Policy.objects.filter(title="新政策").exists()
    post.update({"cond-2-op": "gte", "cond-2-value": "2000"})  # 2,000 万元
    r = c.post("/policies/new/", post)
    assert r.status_code == 302
    p = Policy.objects.get(title="新政策")
    assert p.conditions[1] == {"field": "sales", "op": "gte", "value": "20000000"}
    assert p.formula == {"type": "share", "rounding": "yuan", "base": "rd_growth", "rate": "0.1", "cap": "500000"}
    assert c.get(f"/policies/{p.pk}/edit/").content.decode().count('value="2000"') == 1  # shown back in 万元


def test_policy_api_validation(client_as, bureau, assistant_a):
    c = client_as(bureau)
    r = c.post("/api/policies/policies", dict(RD_POLICY, conditions=[{"field": "rd_growth", "op": "gt", "value": "x"}],
                                              formula={"type": "tiered", "base": "rd_growth", "tiers": []}),
               content_type="application/json")
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["detail"]}
    assert fields == {"conditions[0].value", "formula.tiers"}
    r = c.post("/api/policies/policies", dict(RD_POLICY, data_year=2026, valid_to="2024-12-31"), content_type="application/json")
    assert {e["field"] for e in r.json()["detail"]} == {"data_year", "valid_to"}
    ok = c.post("/api/policies/policies", RD_POLICY, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["region_id"] == "330212"
    assert c.get("/api/policies/facts").status_code == 200
    assert client_as(assistant_a).post("/api/policies/policies", RD_POLICY, content_type="application/json").status_code == 404


def test_fixed_award_for_first_hte_certification(bureau, ent_a, ent_b, make_enterprise):
    import datetime as dt

    from kechuang.policies.selectors import eligible_rows
    from kechuang.tests_support import QualificationFactory

    recert = make_enterprise(town_id=TOWN_A, name="重新认定公司")
    QualificationFactory(enterprise=ent_a, kind="hte", year=2024, issue_date=dt.date(2024, 12, 1),
                         expiry_date=dt.date(2027, 11, 30))
    QualificationFactory(enterprise=recert, kind="hte", year=2021, issue_date=dt.date(2021, 12, 1),
                         expiry_date=dt.date(2024, 11, 30))
    QualificationFactory(enterprise=recert, kind="hte", year=2024, issue_date=dt.date(2024, 12, 1),
                         expiry_date=dt.date(2027, 11, 30))
    policy = services.policy_save(user=bureau, data={
        "title": "首次认定高企奖励", "year": 2025, "data_year": 2024, "reference_date": "2025-06-30",
        "valid_from": "2025-01-01", "status": "published",
        "conditions": [{"field": "hte_first_year", "op": "eq", "value": 2024},
                       {"field": "qualifications", "op": "includes", "value": "hte"}],
        "formula": {"type": "fixed", "amount": "200000"}})
    rows = eligible_rows(user=bureau, policy=policy)
    assert [(r.enterprise.name, r.evaluation.amount) for r in rows] == [(ent_a.name, D(200000))]


def test_clearing_an_optional_field_on_the_edit_page_clears_it(client_as, bureau, rd_policy):
    c = client_as(bureau)
    page = c.get(f"/policies/{rd_policy.pk}/edit/").content.decode()
    assert "鄞科〔2025〕8号" in page
    post = {"title": rd_policy.title, "doc_number": "", "year": "2025", "data_year": "2024",
            "reference_date": "2025-06-30", "valid_from": "2025-01-01", "valid_to": "", "status": "published",
            "budget_wan": "", "description": "", "cond-count": "2",
            "cond-0-field": "district", "cond-0-op": "eq", "cond-0-value": "330212",
            "cond-1-field": "rd_growth", "cond-1-op": "gt", "cond-1-value": "0",
            "f_type": "share", "f_base": "rd_growth", "f_rate": "10%", "f_cap_wan": "50", "f_rounding": "yuan"}
    assert c.post(f"/policies/{rd_policy.pk}/edit/", post).status_code == 302
    rd_policy.refresh_from_db()
    assert rd_policy.doc_number == "" and rd_policy.formula["cap"] == "500000"
    assert rd_policy.conditions[1] == {"field": "rd_growth", "op": "gt", "value": "0"}  # 0 万元 → "0" yuan
