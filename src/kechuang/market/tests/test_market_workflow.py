"""The problem → answer → deal → contract workflow through the services, with a role check on every step."""
from decimal import Decimal

import pytest

from kechuang.core.errors import ValidationFailed
from kechuang.market import services
from kechuang.market.choices import AnswerStatus, ContractStatus, DealStatus, RoutingStatus
from kechuang.market.metrics import METRICS, tech_trade
from kechuang.market.models import CommissionRule, MarketEvent
from kechuang.market.workflow import NotAllowed

from .market_fixtures import *  # noqa: F401,F403
from .market_fixtures import TODAY, TOWN_A, TOWN_B, P


def _events(obj, workflow):
    return list(MarketEvent.objects.filter(workflow=workflow, object_id=obj.pk).values_list("action", flat=True))


@pytest.fixture
def answered(published_demand, broker, broker_user, expert, expert2, expert_user, expert2_user):
    """A published problem routed by the broker to two experts who both answered."""
    routings = services.demand_route(user=broker_user, demand=published_demand, experts=[expert, expert2],
                                     note="请两位专家看看")
    a1 = services.answer_submit(user=expert_user, routing=routings[0],
                                data={"summary": "材料改性+模流分析", "proposal": "采用玻纤增强改性并优化浇口位置。",
                                      "quote": "30", "duration_days": 60})
    a2 = services.answer_submit(user=expert2_user, routing=routings[1],
                                data={"summary": "视觉检测翘曲", "proposal": "在线检测剔除不良品。"})
    return published_demand, a1, a2


def test_end_to_end_problem_to_registered_contract_feeds_tech_trade(answered, clerk_a, broker_user, bureau, broker):
    demand, a1, a2 = answered
    assert demand.broker_id == broker.pk  # the broker who routed a free problem took it on
    services.answer_shortlist(user=clerk_a, answer=a1)
    services.answer_select(user=clerk_a, answer=a1, note="方案可行")
    a2.refresh_from_db()
    assert a1.status == AnswerStatus.SELECTED and a2.status == AnswerStatus.DECLINED
    assert _events(a2, "answer") == ["submit", "decline"]

    deal = services.deal_open(user=broker_user, answer=a1)
    assert deal.broker == broker and deal.buyer_enterprise == demand.enterprise
    assert deal.seller_enterprise == a1.expert.enterprise  # the expert's company sells
    contract = services.deal_contract(user=broker_user, deal=deal, data={
        "type": "development", "contract_total": "40", "tech_amount": "35.5", "signed_on": TODAY.isoformat()})
    deal.refresh_from_db()
    assert deal.status == DealStatus.CONTRACTED and contract.status == ContractStatus.SUBMITTED
    assert contract.contract_total == Decimal("400000.00") and contract.tech_amount == Decimal("355000.00")

    year, month = TODAY.year, TODAY.month
    assert tech_trade(["330212"], year, month)["330212"] == 0  # not registered yet: does not count
    services.contract_accept(user=bureau, contract=contract)
    services.contract_register(user=bureau, contract=contract,
                               data={"registration_no": "3302122025000123", "registration_date": TODAY.isoformat()})
    contract.refresh_from_db()
    deal.refresh_from_db()
    assert contract.status == ContractStatus.REGISTERED
    assert deal.status == DealStatus.COMPLETED
    assert deal.commission == Decimal("3550.00")  # default rule: 1 % of the technology amount
    values = METRICS["TECH_TRADE"](["330212", TOWN_B, TOWN_A, "330203"], year, month)
    assert values == {"330212": Decimal("0.00355"), TOWN_B: Decimal("0.00355"), TOWN_A: Decimal(0),
                      "330203": Decimal(0)}
    assert _events(contract, "contract") == ["submit", "accept", "register"]
    assert _events(deal, "deal") == ["open", "contract", "complete"]


def test_tech_trade_counts_registration_dates_from_january_to_period_end(answered, clerk_a, broker_user, bureau):
    demand, a1, _ = answered
    services.answer_select(user=clerk_a, answer=a1)
    deal = services.deal_open(user=broker_user, answer=a1)
    c = services.deal_contract(user=broker_user, deal=deal, data={
        "type": "transfer", "contract_total": "100", "tech_amount": "100", "signed_on": "2024-12-20"})
    services.contract_accept(user=bureau, contract=c)
    services.contract_register(user=bureau, contract=c, data={"registration_no": "R-1", "registration_date": "2025-03-31"})
    assert tech_trade(["330212"], 2025, 2)["330212"] == 0
    assert tech_trade(["330212"], 2025, 3)["330212"] == Decimal("0.01")
    assert tech_trade(["330212"], 2025, 12)["330212"] == Decimal("0.01")
    assert tech_trade(["330212"], 2024, 12)["330212"] == 0
    assert tech_trade(["330212"], 2026, 3)["330212"] == 0  # a new year starts from zero


def test_rejected_contract_does_not_count_and_deal_resumes(answered, clerk_a, broker_user, bureau):
    demand, a1, _ = answered
    services.answer_select(user=clerk_a, answer=a1)
    deal = services.deal_open(user=broker_user, answer=a1)
    c = services.deal_contract(user=broker_user, deal=deal, data={
        "type": "service", "contract_total": "10", "tech_amount": "8", "signed_on": TODAY.isoformat()})
    with pytest.raises(ValidationFailed) as exc:
        services.contract_reject(user=bureau, contract=c, note="")
    assert exc.value.errors[0]["field"] == "note"
    services.contract_reject(user=bureau, contract=c, note="非技术合同")
    c.refresh_from_db()
    deal.refresh_from_db()
    assert c.status == ContractStatus.REJECTED and c.rejection_reason == "非技术合同"
    assert deal.status == DealStatus.OPEN
    assert tech_trade(["330212"], TODAY.year, 12)["330212"] == 0


# -- role checks: every transition refuses the wrong role --------------------------------------------------------

def test_only_bureau_approves_a_listing(clerk_a, assistant_a, bureau):
    d = services.demand_create(user=clerk_a, data={"title": "难题", "description": "描述"}, submit=True)
    assert d.status == P.REVIEW
    for user in (clerk_a, assistant_a):
        with pytest.raises(NotAllowed):
            services.listing_approve(user=user, obj=d)
    services.listing_approve(user=bureau, obj=d)
    assert d.status == P.PUBLISHED
    assert _events(d, "pub:demand") == ["create", "submit", "approve"]


def test_bureau_of_another_district_cannot_approve(clerk_a, other_bureau):
    d = services.demand_create(user=clerk_a, data={"title": "难题", "description": "描述"}, submit=True)
    with pytest.raises(NotAllowed):
        services.listing_approve(user=other_bureau, obj=d)


def test_reject_needs_a_reason_and_returns_to_draft(clerk_a, bureau):
    d = services.demand_create(user=clerk_a, data={"title": "难题", "description": "描述"}, submit=True)
    with pytest.raises(ValidationFailed):
        services.listing_reject(user=bureau, obj=d, note=" ")
    services.listing_reject(user=bureau, obj=d, note="描述不清")
    assert d.status == P.DRAFT and d.review_note == "描述不清"


def test_wrong_state_is_refused_with_a_clear_message(clerk_a, bureau):
    d = services.demand_create(user=clerk_a, data={"title": "难题", "description": "描述"})
    with pytest.raises(ValidationFailed) as exc:
        services.listing_approve(user=bureau, obj=d)
    assert "草稿" in exc.value.errors[0]["message"]


def test_only_bureau_or_broker_routes(published_demand, clerk_a, assistant_a, expert_user, expert):
    for user in (clerk_a, assistant_a, expert_user):
        with pytest.raises(NotAllowed):
            services.demand_route(user=user, demand=published_demand, experts=[expert])


def test_another_brokers_problem_cannot_be_routed(published_demand, broker_user, broker, other_broker, expert,
                                                  expert2):
    services.demand_route(user=broker_user, demand=published_demand, experts=[expert])
    with pytest.raises(NotAllowed):
        services.demand_route(user=other_broker.user, demand=published_demand, experts=[expert2])


def test_unpublished_problem_cannot_be_routed(clerk_a, bureau, expert):
    d = services.demand_create(user=clerk_a, data={"title": "难题", "description": "描述"}, submit=True)
    with pytest.raises(ValidationFailed):
        services.demand_route(user=bureau, demand=d, experts=[expert])


def test_routing_twice_to_the_same_expert_is_refused(published_demand, bureau, expert):
    services.demand_route(user=bureau, demand=published_demand, experts=[expert])
    with pytest.raises(ValidationFailed):
        services.demand_route(user=bureau, demand=published_demand, experts=[expert])


def test_only_the_routed_expert_answers(published_demand, bureau, expert, expert2_user, clerk_a):
    (r,) = services.demand_route(user=bureau, demand=published_demand, experts=[expert])
    for user in (expert2_user, clerk_a, bureau):
        with pytest.raises(NotAllowed):
            services.answer_submit(user=user, routing=r, data={"summary": "x", "proposal": "y"})


def test_expert_declines_a_routing(published_demand, bureau, expert, expert_user):
    (r,) = services.demand_route(user=bureau, demand=published_demand, experts=[expert])
    services.routing_decline(user=expert_user, routing=r, note="不在研究方向")
    assert r.status == RoutingStatus.DECLINED
    with pytest.raises(ValidationFailed):
        services.answer_submit(user=expert_user, routing=r, data={"summary": "x", "proposal": "y"})


def test_only_the_enterprise_selects(answered, broker_user, expert_user, bureau, clerk_b, assistant_a):
    _, a1, _ = answered
    for user in (broker_user, expert_user, bureau, clerk_b, assistant_a):
        with pytest.raises(NotAllowed):
            services.answer_select(user=user, answer=a1)
    services.answer_shortlist(user=broker_user, answer=a1)  # a broker may shortlist for the enterprise
    assert a1.status == AnswerStatus.SHORTLISTED


def test_expert_withdraws_only_own_answer(answered, expert_user, expert2_user):
    _, a1, a2 = answered
    with pytest.raises(NotAllowed):
        services.answer_withdraw(user=expert_user, answer=a2)
    services.answer_withdraw(user=expert2_user, answer=a2)
    assert a2.status == AnswerStatus.WITHDRAWN


def test_deal_needs_a_selected_answer_and_a_broker(answered, broker_user, clerk_a, bureau, broker):
    _, a1, _ = answered
    with pytest.raises(ValidationFailed):
        services.deal_open(user=broker_user, answer=a1)  # not selected yet
    services.answer_select(user=clerk_a, answer=a1)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_open(user=bureau, answer=a1)  # the bureau must name a broker
    assert exc.value.errors[0]["field"] == "broker"
    with pytest.raises(NotAllowed):
        services.deal_open(user=clerk_a, answer=a1, broker=broker)
    deal = services.deal_open(user=bureau, answer=a1, broker=broker)
    assert deal.broker == broker
    with pytest.raises(ValidationFailed):
        services.deal_open(user=broker_user, answer=a1)  # one deal per answer


def test_only_bureau_registers_contracts(answered, clerk_a, broker_user, bureau, clerk_b, expert_user):
    _, a1, _ = answered
    services.answer_select(user=clerk_a, answer=a1)
    deal = services.deal_open(user=broker_user, answer=a1)
    with pytest.raises(NotAllowed):
        services.deal_contract(user=clerk_a, deal=deal, data={"type": "development", "contract_total": "1",
                                                              "tech_amount": "1", "signed_on": TODAY.isoformat()})
    c = services.deal_contract(user=broker_user, deal=deal, data={
        "type": "development", "contract_total": "1", "tech_amount": "1", "signed_on": TODAY.isoformat()})
    for user in (broker_user, clerk_a, clerk_b, expert_user):
        with pytest.raises(NotAllowed):
            services.contract_accept(user=user, contract=c)
    services.contract_accept(user=bureau, contract=c)
    for user in (broker_user, clerk_b):
        with pytest.raises(NotAllowed):
            services.contract_register(user=user, contract=c, data={"registration_no": "X1",
                                                                    "registration_date": TODAY.isoformat()})


def test_contract_amounts_and_registration_are_validated(answered, clerk_a, broker_user, bureau):
    _, a1, _ = answered
    services.answer_select(user=clerk_a, answer=a1)
    deal = services.deal_open(user=broker_user, answer=a1)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_contract(user=broker_user, deal=deal, data={
            "type": "咨询", "contract_total": "10", "tech_amount": "12", "signed_on": "2099-01-01"})
    fields = {e["field"] for e in exc.value.errors}
    assert {"type", "signed_on"} <= fields
    with pytest.raises(ValidationFailed) as exc:
        services.deal_contract(user=broker_user, deal=deal, data={
            "type": "技术咨询", "contract_total": "10", "tech_amount": "12", "signed_on": "2025-01-10"})
    assert exc.value.errors[0]["field"] == "tech_amount"
    c = services.deal_contract(user=broker_user, deal=deal, data={
        "type": "技术咨询", "contract_total": "10", "tech_amount": "10", "signed_on": "2025-01-10"})
    with pytest.raises(ValidationFailed):  # not accepted yet
        services.contract_register(user=bureau, contract=c, data={"registration_no": "A", "registration_date": "2025-02-01"})
    services.contract_accept(user=bureau, contract=c)
    with pytest.raises(ValidationFailed) as exc:
        services.contract_register(user=bureau, contract=c, data={"registration_date": "2025-01-01"})
    assert {e["field"] for e in exc.value.errors} == {"registration_no", "registration_date"}


# -- commission ---------------------------------------------------------------------------------------------------

def test_commission_rule_valid_on_registration_date_applies_with_cap(answered, clerk_a, broker_user, bureau):
    services.commission_rule_create(user=bureau, data={"name": "2025 规则", "rate": "0.02", "cap": "1",
                                                       "valid_from": "2025-01-01"})
    services.commission_rule_create(user=bureau, data={"name": "2099 规则", "rate": "0.5", "valid_from": "2099-01-01"})
    _, a1, _ = answered
    services.answer_select(user=clerk_a, answer=a1)
    deal = services.deal_open(user=broker_user, answer=a1)
    c = services.deal_contract(user=broker_user, deal=deal, data={
        "type": "development", "contract_total": "100", "tech_amount": "80", "signed_on": "2025-05-01"})
    services.contract_accept(user=bureau, contract=c)
    services.contract_register(user=bureau, contract=c, data={"registration_no": "R9", "registration_date": "2025-05-20"})
    deal.refresh_from_db()
    # 2 % of 800,000 yuan is 16,000, capped at 1 万元
    assert deal.commission == Decimal("10000.00")
    assert deal.commission_rule == CommissionRule.objects.get(name="2025 规则")


def test_only_bureau_sets_commission_rules(broker_user):
    with pytest.raises(NotAllowed):
        services.commission_rule_create(user=broker_user, data={"name": "x", "rate": "0.01", "valid_from": "2025-01-01"})


# -- expert visits ------------------------------------------------------------------------------------------------

def test_visit_spawns_a_problem_in_review(assistant_a, ent_a, expert, bureau):
    visit = services.visit_record(user=assistant_a, data={"expert": expert.pk, "enterprise": ent_a.pk,
                                                         "visit_date": TODAY.isoformat(),
                                                         "findings": "注塑车间良率低，翘曲严重"})
    demand = services.visit_spawn_demand(user=assistant_a, visit=visit, data={"title": "翘曲良率提升"})
    visit.refresh_from_db()
    assert demand.visit == visit and demand.enterprise == ent_a and demand.status == P.REVIEW
    assert demand.description == "注塑车间良率低，翘曲严重"
    assert visit.status == "spawned"
    with pytest.raises(ValidationFailed):  # a visit spawns one problem
        services.visit_spawn_demand(user=assistant_a, visit=visit, data={"title": "再来一个"})


def test_assistant_cannot_record_a_visit_in_another_town(assistant_b, ent_a, expert):
    with pytest.raises(NotAllowed):
        services.visit_record(user=assistant_b, data={"expert": expert.pk, "enterprise": ent_a.pk,
                                                     "visit_date": TODAY.isoformat(), "findings": "x"})


def test_enterprise_cannot_record_visits(clerk_a, ent_a, expert):
    with pytest.raises(NotAllowed):
        services.visit_record(user=clerk_a, data={"expert": expert.pk, "enterprise": ent_a.pk,
                                                 "visit_date": TODAY.isoformat(), "findings": "x"})
