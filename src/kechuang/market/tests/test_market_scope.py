"""Who sees what: enterprises their own, experts what is routed to them, assistants their town, the bureau its
district, the public published listings; the search index follows every change; the commission rule."""
from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.core.choices import Role
from kechuang.core.errors import ValidationFailed
from kechuang.market import search, services
from kechuang.market.models import Demand, ExpertVisit
from kechuang.market.rules import DEFAULT_COMMISSION, commission

from .market_fixtures import *  # noqa: F401,F403
from .market_fixtures import OTHER_DISTRICT_TOWN, TODAY, P


@pytest.fixture
def demands(clerk_a, clerk_b, bureau, make_enterprise, make_user):
    far = make_enterprise(town_id=OTHER_DISTRICT_TOWN, name="海曙公司")
    far_bureau = make_user("hs", Role.BUREAU, region_id="330203")
    a = services.demand_create(user=clerk_a, data={"title": "甲难题", "description": "x"}, submit=True)
    b = services.demand_create(user=clerk_b, data={"title": "乙难题", "description": "x"}, submit=True)
    c = services.demand_create(user=far_bureau, data={"enterprise": far.pk, "title": "海曙难题", "description": "x"},
                               submit=True)
    return a, b, c


def _visible(user):
    return set(Demand.objects.restrict(user).values_list("title", flat=True))


def test_each_role_sees_its_own_demands(demands, clerk_a, clerk_b, assistant_a, assistant_b, bureau, expert_user):
    assert _visible(clerk_a) == {"甲难题"}
    assert _visible(clerk_b) == {"乙难题"}
    assert _visible(assistant_a) == {"甲难题"}
    assert _visible(assistant_b) == {"乙难题"}
    assert _visible(bureau) == {"甲难题", "乙难题"}
    assert _visible(expert_user) == set()


def test_public_sees_published_only(demands, bureau, client):
    a, b, _ = demands
    services.listing_approve(user=bureau, obj=a)
    from django.contrib.auth.models import AnonymousUser

    assert _visible(AnonymousUser()) == {"甲难题"}
    assert client.get(reverse("market:demand", args=[b.pk])).status_code == 404


def test_assistant_sees_visits_of_own_town_only(assistant_a, assistant_b, ent_a, ent_b, expert, bureau, client_as):
    v = services.visit_record(user=bureau, data={"expert": expert.pk, "enterprise": ent_a.pk,
                                                 "visit_date": TODAY.isoformat(), "findings": "问题"})
    assert list(ExpertVisit.objects.restrict(assistant_a)) == [v]
    assert list(ExpertVisit.objects.restrict(assistant_b)) == []
    assert client_as(assistant_b).get(reverse("market:visit", args=[v.pk])).status_code == 404
    assert client_as(assistant_a).get(reverse("market:visit", args=[v.pk])).status_code == 200


def test_town_assistant_posts_for_own_town_only(assistant_a, ent_a, ent_b):
    d = services.demand_create(user=assistant_a, data={"enterprise": ent_a.pk, "title": "代企业发布", "description": "x"})
    assert d.posted_by == assistant_a
    with pytest.raises(ValidationFailed) as exc:
        services.demand_create(user=assistant_a, data={"enterprise": ent_b.pk, "title": "越界", "description": "x"})
    assert exc.value.errors[0]["code"] == "out_of_scope"


def test_deal_and_contract_visible_to_parties_broker_and_bureau(published_demand, broker_user, broker, expert,
                                                                expert_user, clerk_a, clerk_b, make_user, ent_b,
                                                                other_broker, assistant_a, bureau):
    from kechuang.market.models import Deal, TechContract

    (r,) = services.demand_route(user=broker_user, demand=published_demand, experts=[expert])
    a = services.answer_submit(user=expert_user, routing=r, data={"summary": "s", "proposal": "p"})
    services.answer_select(user=clerk_a, answer=a)
    deal = services.deal_open(user=broker_user, answer=a)
    c = services.deal_contract(user=broker_user, deal=deal, data={"type": "service", "contract_total": "1",
                                                                  "tech_amount": "1", "signed_on": TODAY.isoformat()})
    third = make_user("clerk_c", Role.ENTERPRISE, enterprise=None)
    for user, sees in ((clerk_a, True), (clerk_b, True), (broker_user, True), (bureau, True), (assistant_a, True),
                       (expert_user, True), (other_broker.user, False), (third, False)):
        assert Deal.objects.restrict(user).filter(pk=deal.pk).exists() is sees, user.username
        assert TechContract.objects.restrict(user).filter(pk=c.pk).exists() is sees, user.username


def test_search_index_follows_publication(clerk_a, bureau, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = services.demand_create(user=clerk_a, data={"title": "超声波焊接强度不足", "description": "塑料件超声波焊接"},
                                   submit=True)
    assert search.search("超声波焊接").hits == []  # under review: not findable
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_approve(user=bureau, obj=d)
    assert [h.obj.pk for h in search.search("超声波焊接").hits] == [d.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.demand_update(user=bureau, demand=d, data={"title": "激光焊接气孔"})
    assert search.search("超声波焊接 强度").hits == [] or search.search("激光焊接").hits[0].obj.pk == d.pk
    assert [h.obj.pk for h in search.search("激光焊接").hits] == [d.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_close(user=clerk_a, obj=d)
    assert search.search("激光焊接").hits == []


def test_search_falls_back_to_plain_matching_without_the_engine(monkeypatch, bureau, institution):
    a = services.achievement_create(user=bureau, data={"title": "<i>石墨烯</i>导热膜", "description": "高导热石墨烯薄膜",
                                                       "owner_institution": institution.pk}, submit=True)
    services.listing_approve(user=bureau, obj=a)
    monkeypatch.setattr(search, "_engine_class", lambda: None)
    res = search.search("石墨烯 导热")
    assert res.engine == "plain" and [h.obj.pk for h in res.hits] == [a.pk]
    assert "<mark>石墨烯</mark>" in res.hits[0].title_html and "&lt;i&gt;" in res.hits[0].title_html
    assert search.search("").error


@pytest.mark.parametrize("amount,rate,cap,expected", [
    ("355000.00", "0.01", "100000.00", "3550.00"),
    ("20000000.00", "0.01", "100000.00", "100000.00"),   # capped
    ("10000000.00", "0.01", "100000.00", "100000.00"),   # exactly at the cap
    ("12345.67", "0.01", None, "123.46"),                # half-up to the fen (123.4567)
    ("50.50", "0.01", None, "0.51"),                     # 0.505 rounds up, not to even
    ("0.00", "0.02", "1.00", "0.00"),
])
def test_commission_rule(amount, rate, cap, expected):
    assert commission(Decimal(amount), Decimal(rate), None if cap is None else Decimal(cap)) == Decimal(expected)


def test_default_commission_is_one_percent_capped():
    assert DEFAULT_COMMISSION.amount(Decimal("30000000")) == Decimal("100000.00")
    with pytest.raises(ValueError):
        commission(Decimal("-1"), Decimal("0.01"), None)


def test_duplicate_achievement_refused_per_owner_not_across_owners(bureau, institution, other_institution, ent_a):
    services.achievement_create(user=bureau, data={"title": "同名", "description": "x", "owner_institution": institution.pk})
    with pytest.raises(ValidationFailed) as exc:
        services.achievement_create(user=bureau, data={"title": "同名", "description": "y",
                                                       "owner_institution": institution.pk})
    assert "请勿重复发布" in exc.value.errors[0]["message"]
    services.achievement_create(user=bureau, data={"title": "同名", "description": "x",
                                                   "owner_institution": other_institution.pk})
    services.achievement_create(user=bureau, data={"title": "同名", "description": "x", "owner_enterprise": ent_a.pk})


def test_expert_cannot_list_for_another_institution_or_enterprise_for_another(expert_user, other_institution, clerk_a,
                                                                              ent_b):
    with pytest.raises(ValidationFailed):
        services.achievement_create(user=expert_user, data={"title": "t", "description": "d",
                                                            "owner_institution": other_institution.pk})
    with pytest.raises(ValidationFailed):
        services.achievement_create(user=clerk_a, data={"title": "t", "description": "d", "owner_enterprise": ent_b.pk})


def test_bank_cannot_post_problems(make_user, ent_a):
    from kechuang.market.workflow import NotAllowed

    with pytest.raises(NotAllowed):
        services.demand_create(user=make_user("bank1", Role.BANK), data={"enterprise": ent_a.pk, "title": "t",
                                                                        "description": "d"})
