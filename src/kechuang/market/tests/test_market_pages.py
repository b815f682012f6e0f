"""Marketplace pages: public listings and search without login, HTML escaped, scope answers 404, role → 403."""
import pytest
from django.urls import reverse

from kechuang.core.choices import Role
from kechuang.market import services
from kechuang.market.models import Achievement, Demand

from .market_fixtures import *  # noqa: F401,F403
from .market_fixtures import TODAY, P

XSS = '<script>alert("x")</script>注塑翘曲'


@pytest.fixture
def xss_achievement(institution, bureau):
    a = services.achievement_create(user=bureau, data={"title": XSS, "description": "注塑 <b>翘曲</b> 控制方法",
                                                       "owner_institution": institution.pk, "keywords": "注塑"},
                                    submit=True)
    services.listing_approve(user=bureau, obj=a)
    return a


@pytest.fixture
def draft_achievement(institution, bureau):
    return services.achievement_create(user=bureau, data={"title": "未发布的草稿成果", "description": "草稿",
                                                          "owner_institution": institution.pk})


def test_public_library_pages_work_without_login(client, xss_achievement, draft_achievement, published_demand, expert):
    for name in ("market:home", "market:achievements", "market:demands", "market:experts", "market:agencies"):
        resp = client.get(reverse(name))
        assert resp.status_code == 200, name
    body = client.get(reverse("market:achievements")).content.decode()
    assert "未发布的草稿成果" not in body
    assert client.get(reverse("market:achievement", args=[xss_achievement.pk])).status_code == 200
    assert client.get(reverse("market:demand", args=[published_demand.pk])).status_code == 200
    assert client.get(reverse("market:expert", args=[expert.pk])).status_code == 200


def test_unpublished_listing_answers_404_to_the_public(client, draft_achievement, clerk_a):
    assert client.get(reverse("market:achievement", args=[draft_achievement.pk])).status_code == 404
    d = services.demand_create(user=clerk_a, data={"title": "待审难题", "description": "x"}, submit=True)
    assert client.get(reverse("market:demand", args=[d.pk])).status_code == 404
    assert client.get(f"/api/market/demands/{d.pk}").status_code == 404


def test_html_in_listings_is_escaped(client, xss_achievement):
    for url in (reverse("market:achievements"), reverse("market:achievement", args=[xss_achievement.pk]),
                reverse("market:home"), reverse("market:search") + "?q=注塑"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;" in body, url
    body = client.get(reverse("market:achievement", args=[xss_achievement.pk])).content.decode()
    assert "<b>翘曲</b>" not in body and "&lt;b&gt;翘曲&lt;/b&gt;" in body


def test_public_search_finds_published_listings_with_highlights(client, xss_achievement, draft_achievement):
    resp = client.get(reverse("market:search"), {"q": "注塑 翘曲"})
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "<mark>" in body and "&lt;script&gt;" in body
    assert "未发布的草稿成果" not in body
    api = client.get("/api/market/search", {"q": "注塑"}).json()
    assert [h["id"] for h in api["hits"]] == [xss_achievement.pk]
    assert "<mark>" in api["hits"][0]["title_html"] and "&lt;script&gt;" in api["hits"][0]["title_html"]


def test_empty_and_very_long_queries_get_a_clear_answer(client, xss_achievement):
    body = client.get(reverse("market:search"), {"q": "   "}).content.decode()
    assert "查询内容为空" in body
    resp = client.get("/api/market/search", {"q": ""})
    assert resp.status_code == 422 and "查询内容为空" in resp.json()["detail"]
    long = "注塑" + "测" * 9998
    resp = client.get("/api/market/search", {"q": long})
    assert resp.status_code == 200
    assert any("过长" in w for w in resp.json()["warnings"])
    assert "过长" in client.get(reverse("market:search"), {"q": long}).content.decode()


def test_match_page_shows_explained_matches(client_as, published_demand, xss_achievement, expert, broker_user, broker):
    client = client_as(broker_user)
    resp = client.get(reverse("market:demand_match", args=[published_demand.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "<mark>" in body and "匹配度" in body
    assert "&lt;script&gt;" in body and "<script>alert" not in body
    assert f'name="experts" value="{expert.pk}"' in body  # the broker can route from here


def test_match_page_of_a_problem_outside_scope_answers_404(client_as, clerk_b, make_user, ent_a):
    d = services.demand_create(user=make_user("c2", Role.ENTERPRISE, enterprise=ent_a),
                               data={"title": "内部难题", "description": "x"})
    client = client_as(clerk_b)
    for name in ("market:demand", "market:demand_match", "market:demand_edit"):
        assert client.get(reverse(name, args=[d.pk])).status_code == 404, name


def test_enterprise_posts_a_problem_through_the_page(client_as, clerk_a):
    client = client_as(clerk_a)
    resp = client.post(reverse("market:demand_new"), {"title": "电机噪声", "description": "降低电机噪声", "submit": "1"})
    d = Demand.objects.get(title="电机噪声")
    assert resp.status_code == 302 and d.status == P.REVIEW and d.enterprise_id == clerk_a.enterprise_id
    resp = client.post(reverse("market:demand_new"), {"title": "电机噪声", "description": "again"})
    assert resp.status_code == 200 and "请勿重复发布" in resp.content.decode()


def test_wrong_role_on_a_page_action_is_refused_with_403(client_as, clerk_a):
    d = services.demand_create(user=clerk_a, data={"title": "待审", "description": "x"}, submit=True)
    client = client_as(clerk_a)
    resp = client.post(reverse("market:listing_do", args=["demands", d.pk, "approve"]))
    assert resp.status_code == 403 and "无权" in resp.content.decode()
    d.refresh_from_db()
    assert d.status == P.REVIEW


def test_bureau_approves_through_the_page(client_as, bureau, clerk_a):
    d = services.demand_create(user=clerk_a, data={"title": "待审", "description": "x"}, submit=True)
    client = client_as(bureau)
    assert "待审" in client.get(reverse("market:review")).content.decode()
    resp = client.post(reverse("market:listing_do", args=["demands", d.pk, "approve"]))
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == P.PUBLISHED


def test_review_queue_is_for_the_bureau_only(client_as, clerk_a):
    assert client_as(clerk_a).get(reverse("market:review")).status_code == 404


def test_expert_contact_is_private(client, client_as, expert, clerk_a, bureau, expert_user):
    url = reverse("market:expert", args=[expert.pk])
    assert "13800000001" not in client.get(url).content.decode()
    assert "13800000001" not in client_as(clerk_a).get(url).content.decode()
    assert client.get(f"/api/market/experts/{expert.pk}").json()["phone"] is None
    assert "13800000001" in client_as(bureau).get(url).content.decode()
    assert "13800000001" in client_as(expert_user).get(url).content.decode()


def test_workspace_pages_render_for_every_role(client_as, bureau, clerk_a, assistant_a, expert_user, broker_user,
                                               broker, expert, published_demand):
    services.demand_route(user=broker_user, demand=published_demand, experts=[expert])
    for user in (bureau, clerk_a, assistant_a, expert_user, broker_user):
        client = client_as(user)
        for name in ("market:mine", "market:deals", "market:contracts", "market:visits"):
            resp = client.get(reverse(name))
            assert resp.status_code == 200, (user.username, name)
    body = client_as(expert_user).get(reverse("market:mine")).content.decode()
    assert published_demand.title in body


def test_expert_answers_through_the_page(client_as, bureau, published_demand, expert, expert_user):
    (r,) = services.demand_route(user=bureau, demand=published_demand, experts=[expert])
    client = client_as(expert_user)
    assert client.get(reverse("market:answer_new", args=[r.pk])).status_code == 200
    resp = client.post(reverse("market:answer_new", args=[r.pk]), {"summary": "方案", "proposal": "详细方案",
                                                                    "quote": "abc"})
    assert resp.status_code == 200 and "应为数值" in resp.content.decode()
    resp = client.post(reverse("market:answer_new", args=[r.pk]), {"summary": "方案", "proposal": "详细方案"})
    assert resp.status_code == 302
    assert published_demand.answers.count() == 1


def test_answer_and_contract_steps_work_through_their_pages(client_as, bureau, clerk_a, published_demand, expert,
                                                            expert_user, ent_a):
    """answers/<id>/do/<action>/ and contracts/<id>/do/<action>/ reach their own views (not the listings' one)."""
    (r,) = services.demand_route(user=bureau, demand=published_demand, experts=[expert])
    a = services.answer_submit(user=expert_user, routing=r, data={"summary": "方案", "proposal": "详细方案"})
    resp = client_as(clerk_a).post(reverse("market:answer_do", args=[a.pk, "select"]))
    assert resp.status_code == 302 and resp["Location"] == reverse("market:demand", args=[published_demand.pk])
    a.refresh_from_db()
    assert a.status == "selected"
    c = services.contract_submit(user=bureau, data={"title": "合同", "type": "技术服务", "contract_total": "5",
                                                     "tech_amount": "5", "signed_on": TODAY.isoformat(),
                                                     "seller_enterprise": ent_a.pk, "buyer_name": "外地公司"})
    resp = client_as(bureau).post(reverse("market:contract_do", args=[c.pk, "accept"]))
    assert resp.status_code == 302
    c.refresh_from_db()
    assert c.status == "accepted"


def test_contract_pages_outside_scope_answer_404(client_as, clerk_b, bureau, ent_a, other_bureau):
    c = services.contract_submit(user=bureau, data={"title": "合同", "type": "技术服务", "contract_total": "5",
                                                     "tech_amount": "5", "signed_on": TODAY.isoformat(),
                                                     "seller_enterprise": ent_a.pk, "buyer_name": "外地公司"})
    assert client_as(bureau).get(reverse("market:contract", args=[c.pk])).status_code == 200
    for user in (clerk_b, other_bureau):
        assert client_as(user).get(reverse("market:contract", args=[c.pk])).status_code == 404
        assert client_as(user).post(reverse("market:contract_do", args=[c.pk, "accept"])).status_code == 404


def test_achievement_listing_by_an_expert(client_as, expert_user, institution):
    client = client_as(expert_user)
    resp = client.post(reverse("market:achievement_new"), {"title": "新型复合材料", "description": "一种复合材料",
                                                           "price": "面议", "maturity": "pilot"})
    a = Achievement.objects.get(title="新型复合材料")
    assert resp.status_code == 302 and a.owner_institution == institution and a.price_negotiable
    assert a.status == P.DRAFT
