"""The API by role: anonymous callers are refused, every list is scoped, writes are refused outside the role, and
list endpoints do a bounded number of queries however many enterprises there are."""
import pytest

from kechuang.policies import selectors, services

from .conftest import RD_POLICY, TOWN_A, annual

pytestmark = pytest.mark.django_db

LISTS = ["/api/policies/policies", "/api/policies/awards", "/api/policies/competitions", "/api/policies/trainings",
         "/api/policies/fairs", "/api/policies/tasks"]


def test_anonymous_callers_are_refused(client, rd_policy, ent_a):
    for url in LISTS + [f"/api/policies/calculator/{ent_a.pk}", f"/api/policies/policies/{rd_policy.pk}/eligible",
                        "/api/policies/counts?region=330212&year=2025"]:
        assert client.get(url).status_code == 401, url
    assert client.get("/api/policies/facts").status_code == 200  # the catalogue is public


def test_every_list_answers_for_every_role(client_as, bureau, assistant_a, clerk_a, rd_policy):
    for user in (bureau, assistant_a, clerk_a):
        c = client_as(user)
        for url in LISTS:
            assert c.get(url).status_code == 200, (user.username, url)


def test_tasks_api_scope_and_validation(client_as, bureau, assistant_a):
    c = client_as(bureau)
    r = c.post("/api/policies/tasks", {"year": 2025, "code": "T1", "title": "走访", "line": "subjects",
                                       "owner_unit": "下应街道", "deadline": "2025-06-30", "region": TOWN_A},
               content_type="application/json")
    assert r.status_code == 201
    task_id = r.json()["id"]
    bad = c.post("/api/policies/tasks", {"year": 2025, "code": "T1", "title": "x", "line": "nope", "owner_unit": "u",
                                         "deadline": "2027-01-01", "region": TOWN_A}, content_type="application/json")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["detail"]} == {"line", "code", "deadline"}
    town = client_as(assistant_a)
    assert [t["id"] for t in town.get("/api/policies/tasks").json()] == [task_id]
    r = town.post(f"/api/policies/tasks/{task_id}/progress", {"percent": 40, "note": "已走访20家"},
                  content_type="application/json")
    assert r.status_code == 201 and r.json()["reporter_name"] == "assistant_a"
    assert town.patch(f"/api/policies/tasks/{task_id}", {"title": "改名"}, content_type="application/json").status_code == 404


def test_counts_endpoint_for_the_bureau(client_as, bureau, assistant_a):
    r = client_as(bureau).get("/api/policies/counts?region=330212&year=2025")
    assert r.status_code == 200 and r.json()["awards_paid_amount"] == "0.00"
    assert client_as(assistant_a).get("/api/policies/counts?region=330212001&year=2025").status_code == 404


def test_eligible_list_query_count_does_not_grow_with_enterprises(bureau, make_enterprise, django_assert_max_num_queries):
    policy = services.policy_save(user=bureau, data=dict(RD_POLICY))

    def add(n):
        for _ in range(n):
            e = make_enterprise(town_id=TOWN_A)
            annual(e, 2023, "100.00")
            annual(e, 2024, "200.00")

    add(3)
    with django_assert_max_num_queries(8):
        assert len(selectors.eligible_rows(user=bureau, policy=policy)) == 3
    add(30)
    with django_assert_max_num_queries(8):
        assert len(selectors.eligible_rows(user=bureau, policy=policy)) == 33


def test_enterprise_page_links_to_its_calculator(client_as, bureau, ent_a):
    page = client_as(bureau).get(f"/enterprises/{ent_a.pk}/").content.decode()
    assert f"/policies/calculator/{ent_a.pk}/" in page
