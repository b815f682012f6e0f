"""Authorisation matrix rules for the marketplace pages and API (see kechuang/authz.py).

The world gets marketplace objects of enterprise A in town A: a published achievement of enterprise A and one of
the matrix university, a draft achievement of enterprise A; a published problem of enterprise A routed to the
matrix expert and answered, a second one routed and not yet answered, a draft one; a deal (contracted, with its
contract) and an open deal brokered by the matrix agency's user (registered as a technology broker); a contract
the bureau recorded directly and accepted; an expert visit to enterprise A.

Published listings (the four libraries) are public: 200 for anyone, anonymous included. Drafts, routings, answers,
deals, contracts and visits belong to their parties, the town of enterprise A and the bureau of its district;
outside scope is 404. A role that sees an object but may not take a step gets 403 with the reason.
"""
import datetime as dt

from kechuang.authz import LOGIN, UNAUTH, Route, everyone

SIGNED_IN = ("bureau", "other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert", "agency", "bank")
PAGES_200 = {"anonymous": LOGIN, **{r: 200 for r in SIGNED_IN}}
API_200 = {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}}
PUBLIC = everyone(200)
TODAY = dt.date.today()


def world(w) -> None:
    from kechuang.core.choices import PublicationStatus as P
    from kechuang.market import services as s
    from kechuang.market.models import Broker, CommissionRule, Expert

    bureau, clerk, expert_user = w.users["bureau"], w.users["enterprise_a"], w.users["expert"]
    w.mk_broker = Broker.objects.create(user=w.users["agency"], name="矩阵经纪", region_id="330212",
                                        certificate_no="JJ-MATRIX")
    w.mk_expert = Expert.objects.create(name="矩阵专家", institution=w.institution, user=expert_user, title="教授",
                                        fields="注塑成型", keywords="注塑", phone="13800000009",
                                        email="m@matrix.edu.cn", status=P.PUBLISHED)

    def publish(obj):
        return s.listing_approve(user=bureau, obj=obj)

    w.mk_ach = publish(s.achievement_create(user=clerk, data={"title": "矩阵注塑工艺", "description": "改性工艺",
                                                              "maturity": "pilot"}, submit=True))
    w.mk_ach_inst = publish(s.achievement_create(user=bureau, data={
        "title": "矩阵大学专利", "description": "一种材料", "owner_institution": w.institution.pk}, submit=True))
    w.mk_ach_draft = s.achievement_create(user=clerk, data={"title": "矩阵草稿成果", "description": "草稿"})

    def demand(title, submit=True):
        d = s.demand_create(user=clerk, data={"title": title, "description": "注塑件翘曲"}, submit=submit)
        return publish(d) if submit else d

    w.mk_demand = demand("矩阵难题甲")
    (w.mk_routing_answered,) = s.demand_route(user=bureau, demand=w.mk_demand, experts=[w.mk_expert])
    w.mk_answer = s.answer_submit(user=expert_user, routing=w.mk_routing_answered,
                                  data={"summary": "方案", "proposal": "玻纤增强"})
    w.mk_demand2 = demand("矩阵难题乙")
    (w.mk_routing,) = s.demand_route(user=bureau, demand=w.mk_demand2, experts=[w.mk_expert])
    w.mk_demand_draft = demand("矩阵草稿难题", submit=False)

    w.mk_deal = s.deal_open(user=bureau, achievement=w.mk_ach_inst, buyer=w.ent_a, broker=w.mk_broker)
    w.mk_contract = s.deal_contract(user=bureau, deal=w.mk_deal, data={
        "type": "transfer", "contract_total": "10", "tech_amount": "10", "signed_on": TODAY.isoformat()})
    w.mk_deal_open = s.deal_open(user=bureau, achievement=w.mk_ach_inst, buyer=w.ent_a, broker=w.mk_broker,
                                 title="矩阵洽谈")
    w.mk_contract_direct = s.contract_submit(user=bureau, data={
        "title": "矩阵直登合同", "type": "service", "contract_total": "5", "tech_amount": "5",
        "signed_on": TODAY.isoformat(), "seller_enterprise": w.ent_a.pk, "buyer_name": "外地某公司"})
    w.mk_contract_direct = s.contract_accept(user=bureau, contract=w.mk_contract_direct)
    w.mk_visit = s.visit_record(user=bureau, data={"expert": w.mk_expert.pk, "enterprise": w.ent_a.pk,
                                                   "visit_date": TODAY.isoformat(), "findings": "模具温控问题"})
    w.mk_rule = CommissionRule.objects.create(name="矩阵佣金", rate="0.01", valid_from=dt.date(2020, 1, 1))


def _api(path):
    return f"/api/market{path}"


# Who may see enterprise A's own (unpublished) things: the enterprise, its town assistant, the district's bureau.
OWN_A = {"bureau": 200, "town_a": 200, "enterprise_a": 200}
# A routed problem, its answer, routings: also the routed expert (and the bureau/town/enterprise).
ROUTED = {**OWN_A, "expert": 200}
# A deal (buyer enterprise A, seller the university, broker the agency's user).
DEAL = {**OWN_A, "agency": 200}
# A brokered contract: its parties (enterprise A, the university's expert), the broker, the town, the bureau.
CONTRACT = {**OWN_A, "agency": 200, "expert": 200}

ROUTES = [
    # ---- public pages
    Route("market:home", PUBLIC),
    Route("market:search", PUBLIC),
    Route("market:achievements", PUBLIC),
    Route("market:demands", PUBLIC),
    Route("market:experts", PUBLIC),
    Route("market:agencies", PUBLIC),
    Route("market:achievement", PUBLIC, params=lambda w: {"pk": w.mk_ach.pk}, note="a published achievement"),
    Route("market:achievement", {"anonymous": 404, **OWN_A}, params=lambda w: {"pk": w.mk_ach_draft.pk},
          note="a draft: its owner, the town and the bureau only"),
    Route("market:demand", PUBLIC, params=lambda w: {"pk": w.mk_demand.pk}),
    Route("market:demand", {"anonymous": 404, **OWN_A}, params=lambda w: {"pk": w.mk_demand_draft.pk}),
    Route("market:expert", PUBLIC, params=lambda w: {"pk": w.mk_expert.pk}),
    Route("market:agency", PUBLIC, params=lambda w: {"pk": w.agency.pk}),

    # ---- signed-in pages
    Route("market:mine", PAGES_200),
    Route("market:review", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200}),
    Route("market:achievement_new", PAGES_200, note="the form; who may save is the service's rule (403)"),
    Route("POST market:achievement_new", {"anonymous": LOGIN, "bureau": 302, "other_bureau": 200, "town_a": 302,
                                          "town_b": 200, "enterprise_a": 302, "enterprise_b": 302, "expert": 302,
                                          "agency": 403, "bank": 403},
          data=lambda w: {"title": "矩阵新成果", "description": "x", "owner_enterprise": w.ent_a.pk},
          note="the bureau/town of another place get the form back with the error; agencies and banks 403"),
    Route("market:achievement_edit", {"anonymous": LOGIN, **OWN_A}, params=lambda w: {"pk": w.mk_ach_draft.pk}),
    Route("POST market:achievement_edit", {"anonymous": LOGIN, "bureau": 302, "town_a": 403, "enterprise_a": 302},
          params=lambda w: {"pk": w.mk_ach_draft.pk}, data=lambda w: {"title": "矩阵改名", "description": "y"}),
    Route("market:demand_new", PAGES_200),
    Route("market:demand_edit", {"anonymous": LOGIN, **OWN_A}, params=lambda w: {"pk": w.mk_demand_draft.pk}),
    Route("POST market:demand_edit", {"anonymous": LOGIN, **{r: 302 for r in OWN_A}},
          params=lambda w: {"pk": w.mk_demand_draft.pk}, data=lambda w: {"title": "矩阵改名难题", "description": "y"}),
    Route("market:demand_match", {"anonymous": LOGIN, **{r: 200 for r in SIGNED_IN}},
          params=lambda w: {"pk": w.mk_demand.pk}, note="a published problem: everyone signed in sees proposals"),
    Route("market:demand_match", {"anonymous": LOGIN, **OWN_A}, params=lambda w: {"pk": w.mk_demand_draft.pk}),
    Route("POST market:demand_route", {"anonymous": LOGIN, "bureau": 302, "agency": 302, **{
        r: 403 for r in ("other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert", "bank")}},
          params=lambda w: {"pk": w.mk_demand2.pk}, data=lambda w: {"experts": [str(w.mk_expert.pk)]},
          note="published: everyone sees it; only the bureau and a broker route (the duplicate is a message)"),
    Route("POST market:demand_route", {"anonymous": LOGIN, "bureau": 302, "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_demand_draft.pk}, data=lambda w: {"experts": [str(w.mk_expert.pk)]}),
    Route("market:expert_new", PAGES_200),
    Route("market:expert_edit", PAGES_200, params=lambda w: {"pk": w.mk_expert.pk},
          note="a published expert is public; saving is for the bureau and the expert (403 for others)"),
    Route("POST market:expert_edit", {"anonymous": LOGIN, "bureau": 302, "other_bureau": 302, "expert": 302},
          default=403, params=lambda w: {"pk": w.mk_expert.pk}, data=lambda w: {"name": "矩阵专家"}),
    Route("POST market:listing_do", {"anonymous": LOGIN, "bureau": 302, "town_a": 302, "enterprise_a": 302},
          params=lambda w: {"library": "demands", "pk": w.mk_demand_draft.pk, "action": "submit"}),
    Route("POST market:listing_do", {"anonymous": LOGIN, "bureau": 302, "enterprise_a": 302}, default=403,
          params=lambda w: {"library": "achievements", "pk": w.mk_ach.pk, "action": "close"},
          note="a published achievement: its owner and the bureau close it, the others who see it (the town "
               "assistant included: it only reads achievements) get 403"),
    Route("market:answer_new", {"anonymous": LOGIN, **ROUTED}, params=lambda w: {"routing_pk": w.mk_routing.pk}),
    Route("POST market:answer_new", {"anonymous": LOGIN, "expert": 302, "bureau": 403, "town_a": 403,
                                     "enterprise_a": 403},
          params=lambda w: {"routing_pk": w.mk_routing.pk}, data=lambda w: {"summary": "答", "proposal": "方案"}),
    Route("POST market:routing_decline", {"anonymous": LOGIN, "expert": 302, "bureau": 403, "town_a": 403,
                                          "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_routing.pk}),
    Route("POST market:answer_do", {"anonymous": LOGIN, "enterprise_a": 302, "bureau": 403, "town_a": 403,
                                    "expert": 403},
          params=lambda w: {"pk": w.mk_answer.pk, "action": "select"}),
    Route("market:deals", PAGES_200),
    Route("POST market:deal_new", {"anonymous": LOGIN, "bureau": 302, "agency": 302}, default=403,
          data=lambda w: {"achievement": w.mk_ach_inst.pk, "buyer": w.ent_a.pk, "broker": w.mk_broker.pk}),
    Route("market:deal", {"anonymous": LOGIN, **DEAL}, params=lambda w: {"pk": w.mk_deal.pk}),
    Route("market:deal_contract", {"anonymous": LOGIN, **DEAL}, params=lambda w: {"pk": w.mk_deal_open.pk}),
    Route("POST market:deal_contract", {"anonymous": LOGIN, "bureau": 302, "agency": 302, "town_a": 403,
                                        "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_deal_open.pk},
          data=lambda w: {"type": "service", "contract_total": "3", "tech_amount": "3",
                          "signed_on": TODAY.isoformat()}),
    Route("POST market:deal_cancel", {"anonymous": LOGIN, "bureau": 302, "agency": 302, "town_a": 403,
                                      "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_deal_open.pk}, data=lambda w: {"note": "不谈了"}),
    Route("market:contracts", PAGES_200),
    Route("market:contract_new", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200}),
    Route("market:contract", {"anonymous": LOGIN, **CONTRACT}, params=lambda w: {"pk": w.mk_contract.pk}),
    Route("market:contract", {"anonymous": LOGIN, **OWN_A}, params=lambda w: {"pk": w.mk_contract_direct.pk},
          note="a contract the bureau recorded directly: seller enterprise A"),
    Route("POST market:contract_do", {"anonymous": LOGIN, "bureau": 302, "town_a": 403, "enterprise_a": 403,
                                      "agency": 403, "expert": 403},
          params=lambda w: {"pk": w.mk_contract.pk, "action": "accept"}),
    Route("market:visits", PAGES_200),
    Route("market:visit_new", PAGES_200),
    Route("market:visit", {"anonymous": LOGIN, **ROUTED}, params=lambda w: {"pk": w.mk_visit.pk},
          note="the visited enterprise, the visiting expert, the town, the bureau (a broker sees the visits it "
               "recorded)"),
    Route("market:brokers", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200, "agency": 200}),

    # ---- API: public libraries and search
    Route("GET /api/market/achievements", PUBLIC),
    Route("GET /api/market/achievements/{pk}", PUBLIC, params=lambda w: {"pk": w.mk_ach.pk}),
    Route("GET /api/market/achievements/{pk}", {"anonymous": 404, **OWN_A}, params=lambda w: {"pk": w.mk_ach_draft.pk}),
    Route("GET /api/market/demands", PUBLIC),
    Route("GET /api/market/demands/{pk}", PUBLIC, params=lambda w: {"pk": w.mk_demand.pk}),
    Route("GET /api/market/demands/{pk}", {"anonymous": 404, **OWN_A}, params=lambda w: {"pk": w.mk_demand_draft.pk}),
    Route("GET /api/market/experts", PUBLIC),
    Route("GET /api/market/experts/{pk}", PUBLIC, params=lambda w: {"pk": w.mk_expert.pk}),
    Route("GET /api/market/agencies", PUBLIC),
    Route("GET /api/market/agencies/{pk}", PUBLIC, params=lambda w: {"pk": w.agency.pk}),
    Route("GET /api/market/search", PUBLIC, params=lambda w: {"_query": {"q": "注塑"}}),

    # ---- API: listings
    Route("POST /api/market/achievements", {"anonymous": UNAUTH, "bureau": 201, "town_a": 201, "enterprise_a": 201,
                                            "other_bureau": 422, "town_b": 422, "enterprise_b": 422, "expert": 422,
                                            "agency": 403, "bank": 403},
          data=lambda w: {"title": "矩阵接口成果", "description": "x", "owner_enterprise": w.ent_a.pk},
          note="enterprise A's achievement: out of scope for the others is a field error naming the owner"),
    Route("PATCH /api/market/achievements/{pk}", {"anonymous": UNAUTH, "bureau": 200, "town_a": 403,
                                                  "enterprise_a": 200},
          params=lambda w: {"pk": w.mk_ach_draft.pk}, data=lambda w: {"keywords": "注塑"}),
    Route("POST /api/market/demands", {"anonymous": UNAUTH, "bureau": 201, "town_a": 201, "enterprise_a": 201,
                                       "other_bureau": 422, "town_b": 422, "enterprise_b": 422, "agency": 201,
                                       "expert": 403, "bank": 403},
          data=lambda w: {"enterprise": w.ent_a.pk, "title": "矩阵接口难题", "description": "x"},
          note="the agency's user is a broker of the district: it posts for the district's enterprises"),
    Route("PATCH /api/market/demands/{pk}", {"anonymous": UNAUTH, **OWN_A},
          params=lambda w: {"pk": w.mk_demand_draft.pk}, data=lambda w: {"keywords": "翘曲"}),
    Route("POST /api/market/experts", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 201, "expert": 403},
          default=403, data=lambda w: {"name": "矩阵新专家"},
          note="the bureau adds experts; an expert user who has a profile already is refused"),
    Route("PATCH /api/market/experts/{pk}", {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200, "expert": 200},
          default=403, params=lambda w: {"pk": w.mk_expert.pk}, data=lambda w: {"title": "研究员"}),
    Route("POST /api/market/achievements/{pk}/transitions/{action}",
          {"anonymous": UNAUTH, "bureau": 200, "enterprise_a": 200}, default=403,
          params=lambda w: {"pk": w.mk_ach.pk, "action": "close"}),
    Route("GET /api/market/achievements/{pk}/events", {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}},
          params=lambda w: {"pk": w.mk_ach.pk}),
    Route("POST /api/market/demands/{pk}/transitions/{action}",
          {"anonymous": UNAUTH, "bureau": 200, "town_a": 200, "enterprise_a": 200},
          params=lambda w: {"pk": w.mk_demand_draft.pk, "action": "submit"}),
    Route("GET /api/market/demands/{pk}/events", {"anonymous": UNAUTH, **OWN_A},
          params=lambda w: {"pk": w.mk_demand_draft.pk}),
    Route("POST /api/market/experts/{pk}/transitions/{action}",
          {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200, "expert": 200}, default=403,
          params=lambda w: {"pk": w.mk_expert.pk, "action": "close"}),
    Route("GET /api/market/experts/{pk}/events", API_200, params=lambda w: {"pk": w.mk_expert.pk}),
    Route("POST /api/market/agencies/{pk}/transitions/{action}",
          {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200, "agency": 200}, default=403,
          params=lambda w: {"pk": w.agency.pk, "action": "close"}),
    Route("GET /api/market/agencies/{pk}/events", API_200, params=lambda w: {"pk": w.agency.pk}),

    # ---- API: problem → routing → answers
    Route("GET /api/market/demands/{pk}/matches", API_200, params=lambda w: {"pk": w.mk_demand.pk}),
    Route("POST /api/market/demands/{pk}/routings",
          {"anonymous": UNAUTH, "bureau": 422, "agency": 422}, default=403,
          params=lambda w: {"pk": w.mk_demand2.pk}, data=lambda w: {"expert_ids": [w.mk_expert.pk]},
          note="already routed to that expert: the bureau and the broker get the field error, others 403"),
    Route("GET /api/market/demands/{pk}/routings", API_200, params=lambda w: {"pk": w.mk_demand.pk},
          note="a published problem; the list holds only the routings the caller may see"),
    Route("GET /api/market/routings", API_200),
    Route("POST /api/market/routings/{pk}/decline", {"anonymous": UNAUTH, "expert": 200, "bureau": 403,
                                                     "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_routing.pk}),
    Route("POST /api/market/routings/{pk}/answer", {"anonymous": UNAUTH, "expert": 201, "bureau": 403,
                                                    "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_routing.pk}, data=lambda w: {"summary": "答", "proposal": "方案"}),
    Route("GET /api/market/routings/{pk}/history", {"anonymous": UNAUTH, **ROUTED},
          params=lambda w: {"pk": w.mk_routing.pk}),
    Route("GET /api/market/demands/{pk}/answers", API_200, params=lambda w: {"pk": w.mk_demand.pk}),
    Route("GET /api/market/answers", API_200),
    Route("GET /api/market/answers/{pk}", {"anonymous": UNAUTH, **ROUTED}, params=lambda w: {"pk": w.mk_answer.pk}),
    Route("POST /api/market/answers/{pk}/transitions/{action}",
          {"anonymous": UNAUTH, "enterprise_a": 200, "bureau": 403, "town_a": 403, "expert": 403},
          params=lambda w: {"pk": w.mk_answer.pk, "action": "shortlist"}),
    Route("GET /api/market/answers/{pk}/history", {"anonymous": UNAUTH, **ROUTED},
          params=lambda w: {"pk": w.mk_answer.pk}),

    # ---- API: deals and contracts
    Route("GET /api/market/deals", API_200),
    Route("POST /api/market/deals", {"anonymous": UNAUTH, "bureau": 201, "agency": 201}, default=403,
          data=lambda w: {"achievement_id": w.mk_ach_inst.pk, "buyer_id": w.ent_a.pk, "broker_id": w.mk_broker.pk}),
    Route("GET /api/market/deals/{pk}", {"anonymous": UNAUTH, **DEAL}, params=lambda w: {"pk": w.mk_deal.pk}),
    Route("POST /api/market/deals/{pk}/cancel", {"anonymous": UNAUTH, "bureau": 200, "agency": 200, "town_a": 403,
                                                 "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_deal_open.pk}, data=lambda w: {"note": "不谈了"}),
    Route("POST /api/market/deals/{pk}/contract", {"anonymous": UNAUTH, "bureau": 201, "agency": 201,
                                                   "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_deal_open.pk},
          data=lambda w: {"type": "service", "contract_total": "3", "tech_amount": "3",
                          "signed_on": TODAY.isoformat()}),
    Route("GET /api/market/deals/{pk}/history", {"anonymous": UNAUTH, **DEAL}, params=lambda w: {"pk": w.mk_deal.pk}),
    Route("GET /api/market/contracts", API_200),
    Route("POST /api/market/contracts", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 422}, default=403,
          data=lambda w: {"title": "矩阵接口合同", "type": "service", "contract_total": "2", "tech_amount": "2",
                          "signed_on": TODAY.isoformat(), "seller_enterprise": w.ent_a.pk, "buyer_name": "某公司"},
          note="another district's bureau: both parties outside its district is a field error"),
    Route("GET /api/market/contracts/{pk}", {"anonymous": UNAUTH, **CONTRACT},
          params=lambda w: {"pk": w.mk_contract.pk}),
    Route("POST /api/market/contracts/{pk}/accept", {"anonymous": UNAUTH, "bureau": 200, "town_a": 403,
                                                     "enterprise_a": 403, "agency": 403, "expert": 403},
          params=lambda w: {"pk": w.mk_contract.pk}),
    Route("POST /api/market/contracts/{pk}/register", {"anonymous": UNAUTH, "bureau": 200, "town_a": 403,
                                                       "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_contract_direct.pk},
          data=lambda w: {"registration_no": "DJ-MATRIX", "registration_date": TODAY.isoformat()},
          note="an accepted contract: only the bureau registers it"),
    Route("POST /api/market/contracts/{pk}/register", {"anonymous": UNAUTH, "bureau": 422, "town_a": 422,
                                                       "enterprise_a": 422, "agency": 422, "expert": 422},
          params=lambda w: {"pk": w.mk_contract.pk}, data=lambda w: {"registration_no": "DJ-MATRIX"},
          note="a submitted contract is accepted before it is registered: the state is checked before the role"),
    Route("POST /api/market/contracts/{pk}/reject", {"anonymous": UNAUTH, "bureau": 200, "town_a": 403,
                                                     "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_contract_direct.pk}, data=lambda w: {"note": "材料不全"}),
    Route("GET /api/market/contracts/{pk}/history", {"anonymous": UNAUTH, **CONTRACT},
          params=lambda w: {"pk": w.mk_contract.pk}),

    # ---- API: visits, brokers, commission rules, metric
    Route("GET /api/market/visits", API_200),
    Route("POST /api/market/visits", {"anonymous": UNAUTH, "bureau": 201, "town_a": 201, "expert": 201,
                                      "agency": 201}, default=403,
          data=lambda w: {"expert": w.mk_expert.pk, "enterprise": w.ent_a.pk, "visit_date": TODAY.isoformat(),
                          "findings": "问诊"}),
    Route("POST /api/market/visits/{pk}/demand", {"anonymous": UNAUTH, "bureau": 201, "town_a": 201, "expert": 201,
                                                  "enterprise_a": 403},
          params=lambda w: {"pk": w.mk_visit.pk}, data=lambda w: {"title": "问诊难题"}),
    Route("GET /api/market/visits/{pk}/history", {"anonymous": UNAUTH, **ROUTED},
          params=lambda w: {"pk": w.mk_visit.pk}),
    Route("GET /api/market/brokers", API_200, note="each sees the brokers of its scope (possibly none)"),
    Route("POST /api/market/brokers", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 422}, default=403,
          data=lambda w: {"user": w.users["bank"].pk, "name": "矩阵新经纪", "region": "330212"}),
    Route("GET /api/market/commission-rules", API_200),
    Route("POST /api/market/commission-rules", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 201},
          default=403, data=lambda w: {"name": "新规则", "rate": "0.02", "valid_from": "2031-01-01"}),
    Route("GET /api/market/metrics/tech-trade", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"_query": {"region": "330212", "period": "2025-06"}}),
]
