"""API of the technology marketplace (mounted at /api/market/).

Public (no login): the published libraries and search. Everything else needs a session; objects outside the
caller's scope answer 404, a transition the caller's role may not take answers 403, invalid input 422.
Amounts are sent in 万元 (numbers or decimal strings, as in the import templates) and returned in yuan.
"""

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api import (AUTH_RESPONSES, COMMON_RESPONSES, QUERY_RESPONSES, WRITE_RESPONSES, ErrorOut,
                               ObjectId, Pagination, ValidationErrorOut, Year, api)
from kechuang.core.choices import Action, PublicationStatus, Role
from kechuang.core.scope import get_in_scope
from kechuang.core.units import YearMonth
from kechuang.enterprises.models import Enterprise, ServiceAgency

from . import search, selectors, services
from .metrics import tech_trade
from .models import (Achievement, Answer, Broker, CommissionRule, Deal, Demand, Expert, ExpertVisit, Routing,
                     TechContract)
from .workflow import NotAllowed

router = Router(tags=["market"])
FORBIDDEN = {403: ErrorOut}
W = {**WRITE_RESPONSES, **FORBIDDEN}


@api.exception_handler(NotAllowed)
def _not_allowed(request, exc: NotAllowed):
    return api.create_response(request, {"detail": exc.message}, status=403)


def _data(payload: Schema) -> dict:
    """Payload values as the shared parsers expect them (Decimals as strings, unset fields left out)."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in payload.dict(exclude_unset=True).items()}


# -- schemas ---------------------------------------------------------------------------------------------------

class AchievementOut(Schema):
    id: int
    title: str
    description: str
    owner_institution_id: int | None
    owner_enterprise_id: int | None
    owner_name: str
    domain_id: str | None
    maturity: str
    ip_type: str
    cooperation: str
    price: Decimal | None
    price_negotiable: bool
    international: bool
    keywords: str
    status: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner_name(obj):
        return str(obj.owner or "")


class AchievementIn(Schema):
    title: str | None = None
    description: str | None = None
    owner_institution: int | None = None
    owner_enterprise: int | None = None
    domain: str | None = None
    maturity: str | None = None
    ip_type: str | None = None
    cooperation: str | None = None
    price: Decimal | str | None = None
    international: bool | str | None = None
    keywords: str | None = None
    submit: bool = False


class DemandOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    title: str
    description: str
    budget: Decimal | None
    deadline: dt.date | None
    domain_id: str | None
    cooperation: str
    keywords: str
    status: str
    broker_id: int | None
    visit_id: int | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name


class DemandIn(Schema):
    enterprise: int | None = None
    title: str | None = None
    description: str | None = None
    budget: Decimal | str | None = None
    deadline: str | None = None
    domain: str | None = None
    cooperation: str | None = None
    keywords: str | None = None
    submit: bool = False


class ExpertOut(Schema):
    id: int
    name: str
    institution_id: int | None
    enterprise_id: int | None
    organisation: str
    title: str
    research_fields: str
    keywords: str
    bio: str
    domain_id: str | None
    status: str
    phone: str | None = None
    email: str | None = None


class ExpertIn(Schema):
    name: str | None = None
    institution: int | None = None
    enterprise: int | None = None
    title: str | None = None
    research_fields: str | None = None
    keywords: str | None = None
    bio: str | None = None
    domain: str | None = None
    phone: str | None = None
    email: str | None = None
    submit: bool = False


class AgencyOut(Schema):
    id: int
    name: str
    region_id: str | None
    industry_id: str | None
    services: str
    qualifications: str
    voucher_listed: bool
    status: str


class NoteIn(Schema):
    note: str = ""


class HitOut(Schema):
    kind: str
    id: int
    rank: int
    score: float
    title: str
    matched_terms: list[str]
    title_html: str
    snippet_html: str


class SearchOut(Schema):
    query: str
    engine: str
    error: str | None
    warnings: list[str]
    took_ms: float
    hits: list[HitOut]


class MatchesOut(Schema):
    demand_id: int
    achievements: SearchOut
    experts: SearchOut
    agencies: SearchOut


class RoutingIn(Schema):
    expert_ids: list[int]
    note: str = ""


class RoutingOut(Schema):
    id: int
    demand_id: int
    demand_title: str
    expert_id: int
    expert_name: str
    status: str
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_demand_title(obj):
        return obj.demand.title

    @staticmethod
    def resolve_expert_name(obj):
        return obj.expert.name


class AnswerIn(Schema):
    summary: str | None = None
    proposal: str | None = None
    quote: Decimal | str | None = None
    duration_days: int | str | None = None


class AnswerOut(Schema):
    id: int
    demand_id: int
    expert_id: int
    expert_name: str
    routing_id: int
    summary: str
    proposal: str
    quote: Decimal | None
    duration_days: int | None
    status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_expert_name(obj):
        return obj.expert.name


class DealIn(Schema):
    answer_id: int | None = None
    achievement_id: int | None = None
    buyer_id: int | None = None
    broker_id: int | None = None
    title: str = ""
    note: str = ""


class DealOut(Schema):
    id: int
    title: str
    broker_id: int
    broker_name: str
    demand_id: int | None
    answer_id: int | None
    achievement_id: int | None
    seller_enterprise_id: int | None
    seller_institution_id: int | None
    buyer_enterprise_id: int
    status: str
    commission: Decimal | None
    created_at: dt.datetime

    @staticmethod
    def resolve_broker_name(obj):
        return obj.broker.name


class ContractIn(Schema):
    title: str | None = None
    type: str | None = None
    contract_total: Decimal | str | None = None
    tech_amount: Decimal | str | None = None
    signed_on: str | None = None
    seller_enterprise: int | None = None
    seller_institution: int | None = None
    buyer_enterprise: int | None = None
    buyer_name: str | None = None


class RegisterIn(Schema):
    registration_no: str | None = None
    registration_date: str | None = None
    tech_amount: Decimal | str | None = None


class ContractOut(Schema):
    id: int
    deal_id: int | None
    title: str
    type: str
    seller_enterprise_id: int | None
    seller_institution_id: int | None
    buyer_enterprise_id: int | None
    buyer_name: str
    contract_total: Decimal
    tech_amount: Decimal
    signed_on: dt.date
    status: str
    registration_no: str
    registration_date: dt.date | None
    rejection_reason: str


class VisitIn(Schema):
    expert: int | None = None
    enterprise: int | None = None
    visit_date: str | None = None
    findings: str | None = None


class VisitOut(Schema):
    id: int
    expert_id: int
    enterprise_id: int
    visit_date: dt.date
    findings: str
    status: str


class BrokerIn(Schema):
    user: int | None = None
    name: str | None = None
    organisation: str | None = None
    certificate_no: str | None = None
    region: str | None = None


class BrokerOut(Schema):
    id: int
    user_id: int
    name: str
    organisation: str
    certificate_no: str
    region_id: str
    active: bool


class CommissionRuleIn(Schema):
    name: str | None = None
    rate: Decimal | str | None = None
    cap: Decimal | str | None = None
    valid_from: str | None = None


class CommissionRuleOut(Schema):
    id: int
    name: str
    rate: Decimal
    cap: Decimal | None
    valid_from: dt.date


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor_name: str
    actor_role: str
    note: str
    created_at: dt.datetime


class TechTradeOut(Schema):
    region: str
    period: str
    value_yi: Decimal


class ListFilter(Schema):
    q: str | None = None
    domain: str | None = None
    status: str | None = None


def _expert_out(e: Expert, user) -> dict:
    visible = services.can_see_contact(user, e)
    return {"id": e.pk, "name": e.name, "institution_id": e.institution_id, "enterprise_id": e.enterprise_id,
            "organisation": e.organisation, "title": e.title, "research_fields": e.fields, "keywords": e.keywords,
            "bio": e.bio, "domain_id": e.domain_id, "status": e.status,
            "phone": e.phone if visible else None, "email": e.email if visible else None}


def _expert_data(payload: ExpertIn) -> dict:
    data = _data(payload)
    if "research_fields" in data:
        data["fields"] = data.pop("research_fields")
    return data


# -- public libraries and search -------------------------------------------------------------------------------

@router.get("/achievements", response={200: list[AchievementOut], **QUERY_RESPONSES}, auth=None)
@paginate(Pagination, page_size=50)
def list_achievements(request, filters: Query[ListFilter], maturity: str | None = None,
                      cooperation: str | None = None):
    """Published achievements (anyone), plus the caller's own and, for the bureau, those of its district."""
    return selectors.achievement_list(user=request.user, maturity=maturity, cooperation=cooperation,
                                      **filters.dict())


@router.get("/achievements/{int:pk}", response={200: AchievementOut, 404: ErrorOut}, auth=None)
def get_achievement(request, pk: int):
    return get_in_scope(Achievement.objects.select_related("owner_institution", "owner_enterprise"),
                        request.user, Action.VIEW, pk=pk)


@router.get("/demands", response={200: list[DemandOut], **QUERY_RESPONSES}, auth=None)
@paginate(Pagination, page_size=50)
def list_demands(request, filters: Query[ListFilter], town: str | None = None):
    return selectors.demand_list(user=request.user, town=town, **filters.dict())


@router.get("/demands/{int:pk}", response={200: DemandOut, 404: ErrorOut}, auth=None)
def get_demand(request, pk: int):
    return get_in_scope(Demand.objects.select_related("enterprise"), request.user, Action.VIEW, pk=pk)


@router.get("/experts", response={200: list[ExpertOut], **QUERY_RESPONSES}, auth=None)
@paginate(Pagination, page_size=50)
def list_experts(request, filters: Query[ListFilter], institution: ObjectId | None = None):
    qs = selectors.expert_list(user=request.user, institution=institution, **filters.dict())
    return [_expert_out(e, request.user) for e in qs]


@router.get("/experts/{int:pk}", response={200: ExpertOut, 404: ErrorOut}, auth=None)
def get_expert(request, pk: int):
    e = get_in_scope(Expert.objects.select_related("institution", "enterprise"), request.user, Action.VIEW, pk=pk)
    return _expert_out(e, request.user)


@router.get("/agencies", response={200: list[AgencyOut], **QUERY_RESPONSES}, auth=None)
@paginate(Pagination, page_size=50)
def list_agencies(request, q: str | None = None, industry: str | None = None, voucher: bool | None = None,
                  status: str | None = None):
    return selectors.agency_list(user=request.user, q=q, industry=industry, voucher=voucher, status=status)


@router.get("/agencies/{int:pk}", response={200: AgencyOut, 404: ErrorOut}, auth=None)
def get_agency(request, pk: int):
    return get_in_scope(ServiceAgency, request.user, Action.VIEW, pk=pk)


@router.get("/search", response={200: SearchOut, 422: ErrorOut | ValidationErrorOut}, auth=None)
def search_listings(request, q: str = "", kind: str | None = None, top: int = 10):
    """Ranked, explained matches among published listings (kind: achievement, demand, expert, agency)."""
    kinds = [k for k in (kind or "").split(",") if k] or None
    result = search.search(q, user=request.user, kinds=kinds, top=top)
    if result.error:
        return Status(422, {"detail": result.error})
    return result.as_dict()


# -- listings: create, edit, publication workflow ----------------------------------------------------------------

@router.post("/achievements", response={201: AchievementOut, **W})
def create_achievement(request, payload: AchievementIn):
    data = _data(payload)
    submit = bool(data.pop("submit", False))
    return Status(201, services.achievement_create(user=request.user, data=data, submit=submit))


@router.patch("/achievements/{int:pk}", response={200: AchievementOut, **W})
def update_achievement(request, pk: int, payload: AchievementIn):
    obj = get_in_scope(Achievement, request.user, Action.VIEW, pk=pk)
    data = _data(payload)
    data.pop("submit", None)
    return services.achievement_update(user=request.user, achievement=obj, data=data)


@router.post("/demands", response={201: DemandOut, **W})
def create_demand(request, payload: DemandIn):
    data = _data(payload)
    submit = bool(data.pop("submit", False))
    return Status(201, services.demand_create(user=request.user, data=data, submit=submit))


@router.patch("/demands/{int:pk}", response={200: DemandOut, **W})
def update_demand(request, pk: int, payload: DemandIn):
    obj = get_in_scope(Demand, request.user, Action.VIEW, pk=pk)
    data = _data(payload)
    data.pop("submit", None)
    return services.demand_update(user=request.user, demand=obj, data=data)


@router.post("/experts", response={201: ExpertOut, **W})
def create_expert(request, payload: ExpertIn):
    data = _expert_data(payload)
    submit = bool(data.pop("submit", False))
    e = services.expert_create(user=request.user, data=data, submit=submit)
    return Status(201, _expert_out(e, request.user))


@router.patch("/experts/{int:pk}", response={200: ExpertOut, **W})
def update_expert(request, pk: int, payload: ExpertIn):
    e = get_in_scope(Expert, request.user, Action.VIEW, pk=pk)
    data = _expert_data(payload)
    data.pop("submit", None)
    return _expert_out(services.expert_update(user=request.user, expert=e, data=data), request.user)


def _listing_endpoints(library: str, model) -> None:
    """Publication workflow of one library: POST …/{id}/transitions/{action} and GET …/{id}/events."""

    def transition(request, pk: int, action: str, payload: NoteIn):
        obj = get_in_scope(model, request.user, Action.VIEW, pk=pk)
        services.listing_transition(user=request.user, obj=obj, action=action, note=payload.note)
        return selectors.events_for(obj).last()

    def events(request, pk: int):
        return selectors.events_for(get_in_scope(model, request.user, Action.VIEW, pk=pk))

    transition.__name__ = f"{library}_transition"
    events.__name__ = f"{library}_events"
    transition.__doc__ = "Publication workflow: submit, withdraw, approve, reject (with a note), close, reopen."
    router.post(f"/{library}/{{int:pk}}/transitions/{{action}}", response={200: EventOut, **W})(transition)
    router.get(f"/{library}/{{int:pk}}/events", response={200: list[EventOut], **COMMON_RESPONSES})(events)


for _library, _model in (("achievements", Achievement), ("demands", Demand), ("experts", Expert),
                         ("agencies", ServiceAgency)):
    _listing_endpoints(_library, _model)


# -- problem → routing → answers -------------------------------------------------------------------------------

@router.get("/demands/{int:pk}/matches", response={200: MatchesOut, **COMMON_RESPONSES})
def demand_matches(request, pk: int, top: int = 5):
    """What the engine proposes for a problem: achievements, experts and agencies with matched terms."""
    demand = get_in_scope(Demand, request.user, Action.VIEW, pk=pk)
    res = search.proposals(demand, user=request.user, top=max(1, min(top, 20)))
    return {"demand_id": demand.pk, "achievements": res["achievement"].as_dict(),
            "experts": res["expert"].as_dict(), "agencies": res["agency"].as_dict()}


@router.post("/demands/{int:pk}/routings", response={201: list[RoutingOut], **W})
def route_demand(request, pk: int, payload: RoutingIn):
    demand = get_in_scope(Demand, request.user, Action.VIEW, pk=pk)
    experts = list(Expert.objects.filter(pk__in=payload.expert_ids))
    missing = set(payload.expert_ids) - {e.pk for e in experts}
    if missing:
        from kechuang.core.errors import ValidationFailed

        raise ValidationFailed([{"field": "expert_ids", "code": "unknown",
                                 "message": f"未知的专家：{', '.join(map(str, sorted(missing)))}"}])
    return Status(201, services.demand_route(user=request.user, demand=demand, experts=experts, note=payload.note))


@router.get("/demands/{int:pk}/routings", response={200: list[RoutingOut], **COMMON_RESPONSES})
def demand_routings(request, pk: int):
    demand = get_in_scope(Demand, request.user, Action.VIEW, pk=pk)
    return selectors.routings_for(demand, request.user).select_related("demand", "expert")


@router.get("/routings", response={200: list[RoutingOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_routings(request):
    """Problems routed to the caller (an expert), or those the caller may see."""
    return Routing.objects.restrict(request.user, Action.VIEW).select_related("demand", "expert").order_by("-pk")


@router.post("/routings/{int:pk}/decline", response={200: RoutingOut, **W})
def decline_routing(request, pk: int, payload: NoteIn):
    r = get_in_scope(Routing.objects.select_related("demand", "expert"), request.user, Action.VIEW, pk=pk)
    return services.routing_decline(user=request.user, routing=r, note=payload.note)


@router.post("/routings/{int:pk}/answer", response={201: AnswerOut, **W})
def submit_answer(request, pk: int, payload: AnswerIn):
    r = get_in_scope(Routing.objects.select_related("demand__enterprise", "expert"), request.user, Action.VIEW, pk=pk)
    return Status(201, services.answer_submit(user=request.user, routing=r, data=_data(payload)))


@router.get("/demands/{int:pk}/answers", response={200: list[AnswerOut], **COMMON_RESPONSES})
def demand_answers(request, pk: int):
    demand = get_in_scope(Demand, request.user, Action.VIEW, pk=pk)
    return selectors.answers_for(demand, request.user)


@router.get("/answers", response={200: list[AnswerOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_answers(request, status: str | None = None):
    return selectors.answer_list(user=request.user, status=status)


@router.get("/answers/{int:pk}", response={200: AnswerOut, **COMMON_RESPONSES})
def get_answer(request, pk: int):
    return get_in_scope(Answer.objects.select_related("expert"), request.user, Action.VIEW, pk=pk)


@router.post("/answers/{int:pk}/transitions/{action}", response={200: AnswerOut, **W})
def answer_transition(request, pk: int, action: str, payload: NoteIn):
    """shortlist / select (the enterprise), decline, withdraw (the expert)."""
    a = get_in_scope(Answer.objects.select_related("demand__enterprise", "expert"), request.user, Action.VIEW, pk=pk)
    service = services.ANSWER_SERVICES.get(action)
    if service is None:
        raise Http404
    return service(user=request.user, answer=a, note=payload.note)


# -- deals and contracts ---------------------------------------------------------------------------------------

@router.get("/deals", response={200: list[DealOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_deals(request, status: str | None = None):
    return selectors.deal_list(user=request.user, status=status)


@router.get("/deals/{int:pk}", response={200: DealOut, **COMMON_RESPONSES})
def get_deal(request, pk: int):
    return get_in_scope(Deal.objects.select_related("broker"), request.user, Action.VIEW, pk=pk)


@router.post("/deals", response={201: DealOut, **W})
def open_deal(request, payload: DealIn):
    """A broker (or the bureau naming a broker) opens a deal from a selected answer or an achievement."""
    user = request.user
    answer = (get_in_scope(Answer.objects.select_related("demand__enterprise", "expert"), user, Action.VIEW,
                           pk=payload.answer_id) if payload.answer_id else None)
    achievement = get_in_scope(Achievement, user, Action.VIEW, pk=payload.achievement_id) \
        if payload.achievement_id else None
    buyer = Enterprise.objects.filter(pk=payload.buyer_id).first() if payload.buyer_id else None
    if payload.buyer_id and buyer is None:
        raise Http404
    broker = Broker.objects.filter(pk=payload.broker_id).first() if payload.broker_id else None
    if payload.broker_id and broker is None:
        raise Http404
    deal = services.deal_open(user=user, answer=answer, achievement=achievement, buyer=buyer, broker=broker,
                              title=payload.title, note=payload.note)
    return Status(201, deal)


@router.post("/deals/{int:pk}/cancel", response={200: DealOut, **W})
def cancel_deal(request, pk: int, payload: NoteIn):
    deal = get_in_scope(Deal.objects.select_related("broker"), request.user, Action.VIEW, pk=pk)
    return services.deal_cancel(user=request.user, deal=deal, note=payload.note)


@router.post("/deals/{int:pk}/contract", response={201: ContractOut, **W})
def deal_contract(request, pk: int, payload: ContractIn):
    deal = get_in_scope(Deal.objects.select_related("broker", "buyer_enterprise"), request.user, Action.VIEW, pk=pk)
    return Status(201, services.deal_contract(user=request.user, deal=deal, data=_data(payload)))


@router.get("/contracts", response={200: list[ContractOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_contracts(request, status: str | None = None, year: Year | None = None):
    return selectors.contract_list(user=request.user, status=status, year=year)


@router.get("/contracts/{int:pk}", response={200: ContractOut, **COMMON_RESPONSES})
def get_contract(request, pk: int):
    return get_in_scope(TechContract, request.user, Action.VIEW, pk=pk)


@router.post("/contracts", response={201: ContractOut, **W})
def submit_contract(request, payload: ContractIn):
    """The bureau records a contract signed outside the marketplace for 认定登记."""
    return Status(201, services.contract_submit(user=request.user, data=_data(payload)))


def _contract(request, pk):
    return get_in_scope(TechContract.objects.select_related("deal__broker", "seller_enterprise", "buyer_enterprise"),
                        request.user, Action.VIEW, pk=pk)


@router.post("/contracts/{int:pk}/accept", response={200: ContractOut, **W})
def accept_contract(request, pk: int, payload: NoteIn):
    return services.contract_accept(user=request.user, contract=_contract(request, pk), note=payload.note)


@router.post("/contracts/{int:pk}/register", response={200: ContractOut, **W})
def register_contract(request, pk: int, payload: RegisterIn):
    return services.contract_register(user=request.user, contract=_contract(request, pk), data=_data(payload))


@router.post("/contracts/{int:pk}/reject", response={200: ContractOut, **W})
def reject_contract(request, pk: int, payload: NoteIn):
    return services.contract_reject(user=request.user, contract=_contract(request, pk), note=payload.note)


def _history_endpoint(name: str, model) -> None:
    def history(request, pk: int):
        return selectors.events_for(get_in_scope(model, request.user, Action.VIEW, pk=pk))

    history.__name__ = f"{name}_history"
    history.__doc__ = "Event rows of the workflow (inside the caller's scope)."
    router.get(f"/{name}/{{int:pk}}/history", response={200: list[EventOut], **COMMON_RESPONSES})(history)


for _name, _model in (("deals", Deal), ("contracts", TechContract), ("answers", Answer), ("routings", Routing),
                      ("visits", ExpertVisit)):
    _history_endpoint(_name, _model)


# -- visits, brokers, commission rules, metric -----------------------------------------------------------------

@router.get("/visits", response={200: list[VisitOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_visits(request):
    return selectors.visit_list(user=request.user)


@router.post("/visits", response={201: VisitOut, **W})
def record_visit(request, payload: VisitIn):
    return Status(201, services.visit_record(user=request.user, data=_data(payload)))


@router.post("/visits/{int:pk}/demand", response={201: DemandOut, **W})
def visit_demand(request, pk: int, payload: DemandIn):
    visit = get_in_scope(ExpertVisit.objects.select_related("enterprise", "expert"), request.user, Action.VIEW, pk=pk)
    data = _data(payload)
    submit = bool(data.pop("submit", True))
    data.pop("enterprise", None)
    return Status(201, services.visit_spawn_demand(user=request.user, visit=visit, data=data, submit=submit))


@router.get("/brokers", response={200: list[BrokerOut], **AUTH_RESPONSES})
def list_brokers(request):
    return selectors.broker_list(user=request.user)


@router.post("/brokers", response={201: BrokerOut, **W})
def register_broker(request, payload: BrokerIn):
    return Status(201, services.broker_register(user=request.user, data=_data(payload)))


@router.get("/commission-rules", response={200: list[CommissionRuleOut], **AUTH_RESPONSES})
def list_commission_rules(request):
    return CommissionRule.objects.restrict(request.user, Action.VIEW)


@router.post("/commission-rules", response={201: CommissionRuleOut, **W})
def create_commission_rule(request, payload: CommissionRuleIn):
    return Status(201, services.commission_rule_create(user=request.user, data=_data(payload)))


@router.get("/metrics/tech-trade", response={200: TechTradeOut, **COMMON_RESPONSES})
def tech_trade_value(request, region: str, period: str):
    """TECH_TRADE (亿元) of a region inside the caller's district, cumulative from January to the period."""
    user = request.user
    if not (user.is_superuser or (user.role == Role.BUREAU and user.region_id and region.startswith(user.region_id))):
        raise Http404
    try:
        ym = YearMonth.parse(period)
    except ValueError as exc:
        return Status(422, {"detail": [{"field": "period", "code": "invalid", "message": str(exc)}]})
    return {"region": region, "period": str(ym), "value_yi": tech_trade([region], ym.year, ym.month)[region]}


__all__ = ["router", "PublicationStatus"]
