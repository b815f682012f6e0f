"""The workflow end to end through the API, role refusals (403), scope (404) and bad input (422)."""
import json
from decimal import Decimal

import pytest

from kechuang.core.choices import Role
from kechuang.market import services
from kechuang.market.models import Demand

from .market_fixtures import *  # noqa: F401,F403
from .market_fixtures import TODAY, TOWN_B, P


def _post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def test_workflow_end_to_end_through_the_api(client, clerk_a, bureau, broker_user, broker, expert, expert_user):
    # the enterprise posts a problem and sends it to review
    client.force_login(clerk_a)
    r = _post(client, "/api/market/demands", {"title": "注塑件翘曲变形控制", "description": "汽车内饰注塑件翘曲变形严重",
                                              "budget": "50", "keywords": "注塑，翘曲", "submit": True})
    assert r.status_code == 201, r.content
    demand_id = r.json()["id"]
    assert r.json()["status"] == "review" and r.json()["budget"] == "500000.00"
    # the bureau approves
    client.force_login(bureau)
    r = _post(client, f"/api/market/demands/{demand_id}/transitions/approve")
    assert r.status_code == 200 and r.json()["to_state"] == "published"
    # the broker sees the engine's proposals and routes to the expert
    client.force_login(broker_user)
    r = client.get(f"/api/market/demands/{demand_id}/matches")
    assert r.status_code == 200
    assert expert.pk in [h["id"] for h in r.json()["experts"]["hits"]]
    hit = next(h for h in r.json()["experts"]["hits"] if h["id"] == expert.pk)
    assert hit["matched_terms"] and "<mark>" in hit["title_html"]
    r = _post(client, f"/api/market/demands/{demand_id}/routings", {"expert_ids": [expert.pk], "note": "请支持"})
    assert r.status_code == 201, r.content
    routing_id = r.json()[0]["id"]
    # the expert answers
    client.force_login(expert_user)
    assert [x["id"] for x in client.get("/api/market/routings").json()["items"]] == [routing_id]
    r = _post(client, f"/api/market/routings/{routing_id}/answer", {"summary": "改性+模流", "proposal": "玻纤增强改性",
                                                                     "quote": "30", "duration_days": 60})
    assert r.status_code == 201, r.content
    answer_id = r.json()["id"]
    # the enterprise shortlists and selects
    client.force_login(clerk_a)
    assert [a["id"] for a in client.get(f"/api/market/demands/{demand_id}/answers").json()] == [answer_id]
    assert _post(client, f"/api/market/answers/{answer_id}/transitions/shortlist").json()["status"] == "shortlisted"
    assert _post(client, f"/api/market/answers/{answer_id}/transitions/select").json()["status"] == "selected"
    # the broker opens the deal and submits the contract
    client.force_login(broker_user)
    r = _post(client, "/api/market/deals", {"answer_id": answer_id})
    assert r.status_code == 201, r.content
    deal_id = r.json()["id"]
    assert r.json()["broker_id"] == broker.pk
    r = _post(client, f"/api/market/deals/{deal_id}/contract", {"type": "技术开发", "contract_total": "40",
                                                                "tech_amount": "35.5", "signed_on": TODAY.isoformat()})
    assert r.status_code == 201, r.content
    contract_id = r.json()["id"]
    # the bureau accepts and registers
    client.force_login(bureau)
    assert _post(client, f"/api/market/contracts/{contract_id}/accept").json()["status"] == "accepted"
    r = _post(client, f"/api/market/contracts/{contract_id}/register",
              {"registration_no": "3302122025000999", "registration_date": TODAY.isoformat()})
    assert r.status_code == 200 and r.json()["status"] == "registered"
    deal = client.get(f"/api/market/deals/{deal_id}").json()
    assert deal["status"] == "completed" and deal["commission"] == "3550.00"
    r = client.get("/api/market/metrics/tech-trade", {"region": "330212", "period": TODAY.strftime("%Y-%m")})
    assert r.status_code == 200 and Decimal(r.json()["value_yi"]) == Decimal("0.00355")
    r = client.get("/api/market/metrics/tech-trade", {"region": TOWN_B, "period": TODAY.strftime("%Y-%m")})
    assert Decimal(r.json()["value_yi"]) == Decimal("0.00355")
    history = client.get(f"/api/market/contracts/{contract_id}/history").json()
    assert [e["action"] for e in history] == ["submit", "accept", "register"]
    # the enterprise sees its contract; the expert sees their answer
    client.force_login(clerk_a)
    assert [c["id"] for c in client.get("/api/market/contracts").json()["items"]] == [contract_id]


def test_wrong_role_answers_403_and_changes_nothing(client, clerk_a, published_demand, expert):
    client.force_login(clerk_a)
    r = _post(client, f"/api/market/demands/{published_demand.pk}/routings", {"expert_ids": [expert.pk]})
    assert r.status_code == 403 and "只有科技局" in r.json()["detail"]
    assert published_demand.routings.count() == 0
    r = _post(client, f"/api/market/demands/{published_demand.pk}/transitions/close")
    assert r.status_code == 200  # the owner may close it


def test_enterprise_cannot_approve_its_own_problem(client, clerk_a):
    client.force_login(clerk_a)
    d = _post(client, "/api/market/demands", {"title": "t", "description": "d", "submit": True}).json()
    r = _post(client, f"/api/market/demands/{d['id']}/transitions/approve")
    assert r.status_code == 403
    assert Demand.objects.get(pk=d["id"]).status == P.REVIEW


def test_api_scope_answers_404(client, clerk_a, clerk_b, make_user, ent_a, assistant_b, other_bureau, expert2_user,
                               bureau, expert):
    d = services.demand_create(user=clerk_a, data={"title": "甲的难题", "description": "x"}, submit=True)
    for user in (clerk_b, assistant_b, other_bureau, expert2_user):
        client.force_login(user)
        assert client.get(f"/api/market/demands/{d.pk}").status_code == 404, user.username
        assert client.get(f"/api/market/demands/{d.pk}/answers").status_code == 404
        assert client.get(f"/api/market/demands/{d.pk}/matches").status_code == 404
        assert client.patch(f"/api/market/demands/{d.pk}", data="{}", content_type="application/json").status_code == 404
        assert _post(client, f"/api/market/demands/{d.pk}/transitions/approve").status_code == 404
        assert all(x["id"] != d.pk for x in client.get("/api/market/demands").json()["items"])
    client.force_login(other_bureau)
    assert client.get("/api/market/metrics/tech-trade", {"region": "330212", "period": "2025-01"}).status_code == 404


def test_routed_expert_sees_the_problem_others_do_not(client, bureau, clerk_a, expert, expert_user, expert2_user):
    d = services.demand_create(user=clerk_a, data={"title": "难题", "description": "x"}, submit=True)
    services.listing_approve(user=bureau, obj=d)
    (r,) = services.demand_route(user=bureau, demand=d, experts=[expert])
    client.force_login(expert2_user)
    assert client.get(f"/api/market/routings/{r.pk}/history").status_code == 404
    assert _post(client, f"/api/market/routings/{r.pk}/answer", {"summary": "a", "proposal": "b"}).status_code == 404
    client.force_login(expert_user)
    assert client.get(f"/api/market/routings/{r.pk}/history").status_code == 200


def test_answers_are_visible_to_the_enterprise_and_their_expert_only(client, bureau, published_demand, expert,
                                                                     expert_user, expert2, expert2_user, clerk_b):
    r1, r2 = services.demand_route(user=bureau, demand=published_demand, experts=[expert, expert2])
    a1 = services.answer_submit(user=expert_user, routing=r1, data={"summary": "a", "proposal": "b"})
    client.force_login(expert2_user)
    assert client.get(f"/api/market/answers/{a1.pk}").status_code == 404
    assert client.get(f"/api/market/demands/{published_demand.pk}/answers").json() == []
    client.force_login(clerk_b)
    assert client.get(f"/api/market/answers/{a1.pk}").status_code == 404


def test_bad_input_answers_422_with_every_field(client, clerk_a):
    client.force_login(clerk_a)
    r = _post(client, "/api/market/demands", {"title": "", "description": "x" * 10001, "budget": "-1",
                                              "deadline": "2001-01-01", "domain": "99999"})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["detail"]}
    assert {"title", "description", "budget", "deadline", "domain"} <= fields


def test_duplicate_listing_is_refused_with_a_clear_message(client, clerk_a, expert_user):
    client.force_login(clerk_a)
    assert _post(client, "/api/market/demands", {"title": "同名难题", "description": "x"}).status_code == 201
    r = _post(client, "/api/market/demands", {"title": " 同名难题 ", "description": "y"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["code"] == "duplicate" and "请勿重复发布" in r.json()["detail"][0]["message"]
    client.force_login(expert_user)
    assert _post(client, "/api/market/achievements", {"title": "同名成果", "description": "x"}).status_code == 201
    r = _post(client, "/api/market/achievements", {"title": "同名成果", "description": "y"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "duplicate"


def test_public_api_lists_only_published(client, clerk_a, published_demand):
    services.demand_create(user=clerk_a, data={"title": "草稿难题", "description": "x"})
    items = client.get("/api/market/demands").json()["items"]
    assert [d["id"] for d in items] == [published_demand.pk]
    assert client.get("/api/market/achievements").status_code == 200
    assert client.get("/api/market/deals").status_code == 401  # workflow data needs a login


def test_bureau_registers_a_broker_through_the_api(client, bureau, make_user, other_bureau):
    u = make_user("new_broker", Role.TOWN, region_id="330212001")
    client.force_login(other_bureau)
    r = _post(client, "/api/market/brokers", {"user": u.pk, "name": "孙经纪", "region": "330212"})
    assert r.status_code == 422  # not its district
    client.force_login(bureau)
    r = _post(client, "/api/market/brokers", {"user": u.pk, "name": "孙经纪", "region": "330212"})
    assert r.status_code == 201
    assert _post(client, "/api/market/brokers", {"user": u.pk, "name": "孙", "region": "330212"}).status_code == 422
    client.force_login(u)
    assert _post(client, "/api/market/brokers", {"user": u.pk, "name": "x", "region": "330212"}).status_code == 403
