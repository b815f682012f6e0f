"""Writes of the marketplace. Each service runs in one transaction, validates with the shared parsers, checks the
acting user's role through the workflow tables (`workflow.py`), writes an event row for every transition, stamps
the change log and keeps the search index in step (on commit)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from kechuang.core.choices import Action, PublicationStatus, Role
from kechuang.core.errors import FieldErrors, ValidationFailed
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import parse_input, stamp
from kechuang.enterprises.models import Enterprise, Institution, ServiceAgency
from kechuang.regions.models import HitechDomain, Region
from kechuang.regions.services import home_region_code

from . import search, workflow as wf
from .choices import AnswerStatus, ContractStatus, DealStatus, RoutingStatus, VisitStatus
from .models import (Achievement, Answer, Broker, CommissionRule, Deal, Demand, Expert, ExpertVisit, Routing,
                     TechContract)
from .rules import DEFAULT_COMMISSION, Commission, contract_amount_errors
from .validation import (ACHIEVEMENT_PARSERS, ANSWER_PARSERS, BROKER_PARSERS, COMMISSION_PARSERS, CONTRACT_PARSERS,
                         DEMAND_PARSERS, EXPERT_PARSERS, NEGOTIABLE, REGISTER_PARSERS, VISIT_PARSERS)

NotAllowed = wf.NotAllowed
P = PublicationStatus


# -- helpers ---------------------------------------------------------------------------------------------------

def _today() -> dt.date:
    return timezone.localdate()


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _bureau_prefix(user) -> str | None:
    """The region prefix an officer acts for ('' for a superuser, the home district for the command line)."""
    if user is None:
        return home_region_code()
    if user.is_superuser:
        return ""
    if user.role == Role.BUREAU and user.region_id:
        return user.region_id
    return None


def broker_of(user) -> Broker | None:
    if not _authenticated(user):
        return None
    b = Broker.objects.filter(user=user, active=True).first()
    return b


def _roles(user, obj) -> set[str]:
    """The user's relation roles on obj; the command line (user None) acts as the home bureau."""
    return {"bureau"} if user is None else wf.actor_roles(user, obj)


def _apply(machine: wf.Machine, obj, action: str, *, user, note: str = "", roles: set[str] | None = None,
           system: bool = False) -> wf.Transition:
    """Check and apply one transition to a saved object, then write its event row."""
    state = getattr(obj, machine.field)
    roles = {"system"} if system else (roles if roles is not None else _roles(user, obj))
    t, role = wf.check(machine, action, state, roles, note=note)
    setattr(obj, machine.field, t.target)
    stamp(obj, user if not system else None, f"{machine.name}:{action}").save()
    wf.record(machine, obj, t, state, user=None if system else user, role=role, note=note)
    return t


def _create(machine: wf.Machine, obj, *, user, roles: set[str] | None = None, note: str = "") -> None:
    """Creation as the transition from NEW: check the role on the unsaved object, save, write the event."""
    roles = roles if roles is not None else _roles(user, obj)
    t, role = wf.check(machine, machine.transitions[0].action, wf.NEW, roles, note=note)
    setattr(obj, machine.field, t.target)
    stamp(obj, user, f"{machine.name}:{t.action}").save()
    wf.record(machine, obj, t, wf.NEW, user=user, role=role, note=note)


def _fk(values: dict, name: str, model, errors: FieldErrors, label: str, **filters):
    """Replace an id in values by the object, reporting an unknown id on the field."""
    pk = values.get(name)
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, **filters).first()
    if obj is None:
        errors.error(name, f"未知的{label}：{pk}", "unknown")
    return obj


def _domain(values: dict, errors: FieldErrors) -> None:
    code = values.get("domain")
    if code and not HitechDomain.objects.filter(code=code).exists():
        errors.error("domain", f"未知的高新技术领域代码：{code}", "unknown_domain")


def _after_save(user, obj, action=Action.VIEW) -> None:
    if _authenticated(user):
        assert_in_scope(user, obj, action)


# -- publication workflow (achievements, problems, experts, agencies) -------------------------------------------

def _listing_transition(*, user, obj, action: str, note: str = ""):
    if isinstance(obj, (Achievement, Demand)) and action in ("approve", "reject"):
        obj.review_note = note[:500] if action == "reject" else ""
    _apply(wf.PUBLICATION, obj, action, user=user, note=note)
    search.refresh(obj)
    return obj


@transaction.atomic
def listing_submit(*, user, obj, note: str = ""):
    """Owner (or bureau) sends a draft listing to the bureau's review."""
    return _listing_transition(user=user, obj=obj, action="submit", note=note)


@transaction.atomic
def listing_withdraw(*, user, obj, note: str = ""):
    return _listing_transition(user=user, obj=obj, action="withdraw", note=note)


@transaction.atomic
def listing_approve(*, user, obj, note: str = ""):
    """The bureau publishes a listing under review; from now on anonymous visitors see it."""
    return _listing_transition(user=user, obj=obj, action="approve", note=note)


@transaction.atomic
def listing_reject(*, user, obj, note: str = ""):
    """The bureau sends a listing back to its owner with a reason."""
    return _listing_transition(user=user, obj=obj, action="reject", note=note)


@transaction.atomic
def listing_close(*, user, obj, note: str = ""):
    return _listing_transition(user=user, obj=obj, action="close", note=note)


@transaction.atomic
def listing_reopen(*, user, obj, note: str = ""):
    return _listing_transition(user=user, obj=obj, action="reopen", note=note)


LISTING_SERVICES = {"submit": listing_submit, "withdraw": listing_withdraw, "approve": listing_approve,
                    "reject": listing_reject, "close": listing_close, "reopen": listing_reopen}


def listing_transition(*, user, obj, action: str, note: str = ""):
    service = LISTING_SERVICES.get(action)
    if service is None:
        raise ValidationFailed([{"field": "action", "code": "unknown_action", "message": f"未知的操作“{action}”"}])
    return service(user=user, obj=obj, note=note)


# -- achievements ----------------------------------------------------------------------------------------------

def _duplicate_achievement(title: str, inst, ent, exclude_pk=None) -> Achievement | None:
    qs = Achievement.objects.filter(title=title)
    qs = qs.filter(owner_institution=inst) if inst is not None else qs.filter(owner_enterprise=ent)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _achievement_owner(user, values: dict, errors: FieldErrors):
    """Who may list an achievement for which owner: experts for their institution, enterprises for themselves,
    town assistants for enterprises of their town, the bureau for anyone of its district or any institution."""
    inst = _fk(values, "owner_institution", Institution, errors, "院校/院所")
    ent = _fk(values, "owner_enterprise", Enterprise, errors, "企业")
    if errors.failed:
        return None, None
    if _authenticated(user) and not user.is_superuser:
        if user.role == Role.EXPERT:
            if not user.institution_id:
                raise NotAllowed("您的账号未关联院校/院所，不能发布成果")
            if ent is not None or (inst is not None and inst.pk != user.institution_id):
                errors.error("owner_institution", "只能发布本单位的成果", "out_of_scope")
            return Institution.objects.get(pk=user.institution_id), None
        if user.role == Role.ENTERPRISE:
            if not user.enterprise_id:
                raise NotAllowed("您的账号未关联企业")
            if inst is not None or (ent is not None and ent.pk != user.enterprise_id):
                errors.error("owner_enterprise", "只能发布本企业的成果", "out_of_scope")
            return None, Enterprise.objects.get(pk=user.enterprise_id)
        if user.role == Role.TOWN:
            if inst is not None or ent is None or ent.town_id != user.region_id:
                errors.error("owner_enterprise", "科技助理只能为本镇街企业发布成果", "out_of_scope")
            return None, ent
        if user.role != Role.BUREAU:
            raise NotAllowed("您的角色不能发布技术成果")
    if (inst is None) == (ent is None):
        errors.error("owner_institution", "请指定权属院校/院所或权属企业（二选一）", "required")
        return None, None
    prefix = _bureau_prefix(user)
    if ent is not None and prefix is not None and not ent.town_id.startswith(prefix):
        errors.error("owner_enterprise", f"企业 {ent.name} 不在本局辖区内", "out_of_scope")
    return inst, ent


def _price(values: dict) -> None:
    if "price" in values:
        price = values.pop("price")
        values["price_negotiable"] = price is None or price == NEGOTIABLE
        values["price"] = None if values["price_negotiable"] else price


@transaction.atomic
def achievement_create(*, user, data: dict, submit: bool = False) -> Achievement:
    """List an achievement as a draft (or send it straight to review); same owner + title is refused."""
    errors = FieldErrors()
    values = parse_input(data, ACHIEVEMENT_PARSERS, errors, required=("title", "description"))
    inst, ent = _achievement_owner(user, values, errors)
    _domain(values, errors)
    title = values.get("title")
    if title and (inst or ent) and not errors.failed:
        dup = _duplicate_achievement(title, inst, ent)
        if dup is not None:
            errors.error("title", f"{inst or ent}已发布过同名成果“{title}”（{dup.get_status_display()}），请勿重复发布",
                         "duplicate")
    errors.raise_if_any()
    values.pop("owner_institution", None)
    values.pop("owner_enterprise", None)
    _price(values)
    values.setdefault("price_negotiable", True)
    obj = Achievement(owner_institution=inst, owner_enterprise=ent, posted_by=user if _authenticated(user) else None,
                      region_id=ent.town_id if ent is not None else home_region_code(),
                      domain_id=values.pop("domain", None),
                      **{k: v for k, v in values.items() if v is not None})
    try:
        with transaction.atomic():
            _create(wf.PUBLICATION, obj, user=user, roles={"owner", "bureau"})
    except IntegrityError:
        raise ValidationFailed([{"field": "title", "code": "duplicate", "message": f"同名成果“{title}”已存在，请勿重复发布"}])
    if submit:
        _apply(wf.PUBLICATION, obj, "submit", user=user, roles={"owner"})
    _after_save(user, obj)
    search.refresh(obj)
    return obj


@transaction.atomic
def achievement_update(*, user, achievement: Achievement, data: dict) -> Achievement:
    """Owners edit drafts; the bureau may correct a listing in any state."""
    roles = _roles(user, achievement)
    if "bureau" not in roles and not ("owner" in roles and achievement.status == P.DRAFT):
        raise NotAllowed("只有草稿可以修改；已提交的成果请先撤回" if "owner" in roles else "您无权修改该成果")
    errors = FieldErrors()
    values = parse_input(data, ACHIEVEMENT_PARSERS, errors, required=("title", "description"), partial=True)
    values.pop("owner_institution", None)
    values.pop("owner_enterprise", None)
    _domain(values, errors)
    title = values.get("title")
    if title and _duplicate_achievement(title, achievement.owner_institution, achievement.owner_enterprise,
                                        achievement.pk):
        errors.error("title", f"已存在同名成果“{title}”，请勿重复发布", "duplicate")
    errors.raise_if_any()
    _price(values)
    if "domain" in values:
        achievement.domain_id = values.pop("domain")
    for k, v in values.items():
        if v is not None or k == "price":
            setattr(achievement, k, v)
    stamp(achievement, user).save()
    _after_save(user, achievement)
    search.refresh(achievement)
    return achievement


# -- problems (demands) ----------------------------------------------------------------------------------------

def _demand_enterprise(user, values: dict, errors: FieldErrors, *, via_visit: ExpertVisit | None = None):
    """Which enterprise a user may post a problem for; returns (enterprise, broker acting, or None)."""
    if via_visit is not None:
        return via_visit.enterprise, broker_of(user)
    ent = _fk(values, "enterprise", Enterprise, errors, "企业")
    if errors.failed:
        return None, None
    if not _authenticated(user) or user.is_superuser:
        if ent is None:
            errors.error("enterprise", "请指定企业", "required")
        elif _bureau_prefix(user) and not ent.town_id.startswith(_bureau_prefix(user)):
            errors.error("enterprise", f"企业 {ent.name} 不在本局辖区内", "out_of_scope")
        return ent, None
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        if ent is not None and ent.pk != user.enterprise_id:
            errors.error("enterprise", "只能为本企业发布难题", "out_of_scope")
        return Enterprise.objects.get(pk=user.enterprise_id), None
    broker = broker_of(user)
    if ent is None:
        errors.error("enterprise", "请指定企业", "required")
        return None, None
    if user.role == Role.TOWN and ent.town_id == user.region_id:
        return ent, None
    if user.role == Role.BUREAU and user.region_id and ent.town_id.startswith(user.region_id):
        return ent, None
    if broker is not None and ent.town_id.startswith(broker.region_id):
        return ent, broker
    if user.role in (Role.TOWN, Role.BUREAU) or broker is not None:
        errors.error("enterprise", f"企业 {ent.name} 不在您的服务范围内", "out_of_scope")
        return None, None
    raise NotAllowed("您的角色不能发布技术难题")


def _check_deadline(values: dict, errors: FieldErrors) -> None:
    if values.get("deadline") and values["deadline"] < _today():
        errors.error("deadline", "期望解决日期不能早于今天", "invalid")


@transaction.atomic
def demand_create(*, user, data: dict, submit: bool = False, visit: ExpertVisit | None = None) -> Demand:
    """Post a problem for an enterprise (by its staff, its town assistant, a broker or the bureau)."""
    errors = FieldErrors()
    values = parse_input(data, DEMAND_PARSERS, errors, required=("title", "description"))
    ent, broker = _demand_enterprise(user, values, errors, via_visit=visit)
    _domain(values, errors)
    _check_deadline(values, errors)
    title = values.get("title")
    if ent is not None and title and Demand.objects.filter(enterprise=ent, title=title).exists():
        dup = Demand.objects.filter(enterprise=ent, title=title).first()
        errors.error("title", f"{ent.name}已发布过同名难题“{title}”（{dup.get_status_display()}），请勿重复发布",
                     "duplicate")
    errors.raise_if_any()
    values.pop("enterprise", None)
    obj = Demand(enterprise=ent, broker=broker, visit=visit, posted_by=user if _authenticated(user) else None,
                 domain_id=values.pop("domain", None), **{k: v for k, v in values.items() if v is not None})
    try:
        with transaction.atomic():
            _create(wf.PUBLICATION, obj, user=user, roles={"owner"})
    except IntegrityError:
        raise ValidationFailed([{"field": "title", "code": "duplicate", "message": f"同名难题“{title}”已存在，请勿重复发布"}])
    if submit:
        _apply(wf.PUBLICATION, obj, "submit", user=user, roles={"owner"})
    _after_save(user, obj)
    search.refresh(obj)
    return obj


@transaction.atomic
def demand_update(*, user, demand: Demand, data: dict) -> Demand:
    roles = _roles(user, demand)
    if "bureau" not in roles and not ("owner" in roles and demand.status == P.DRAFT):
        raise NotAllowed("只有草稿可以修改；已提交的难题请先撤回" if "owner" in roles else "您无权修改该难题")
    errors = FieldErrors()
    values = parse_input(data, DEMAND_PARSERS, errors, required=("title", "description"), partial=True)
    values.pop("enterprise", None)
    _domain(values, errors)
    _check_deadline(values, errors)
    title = values.get("title")
    if title and Demand.objects.filter(enterprise=demand.enterprise, title=title).exclude(pk=demand.pk).exists():
        errors.error("title", f"已存在同名难题“{title}”，请勿重复发布", "duplicate")
    errors.raise_if_any()
    if "domain" in values:
        demand.domain_id = values.pop("domain")
    for k, v in values.items():
        if v is None and k not in ("budget", "deadline"):
            v = "" if k == "keywords" else getattr(demand, k)
        setattr(demand, k, v)
    stamp(demand, user).save()
    _after_save(user, demand)
    search.refresh(demand)
    return demand


# -- experts ---------------------------------------------------------------------------------------------------

@transaction.atomic
def expert_create(*, user, data: dict, submit: bool = False, link_user=None) -> Expert:
    """Add an expert to the talent pool: the bureau for anyone, an expert user for their own profile."""
    errors = FieldErrors()
    values = parse_input(data, EXPERT_PARSERS, errors, required=("name",))
    inst = _fk(values, "institution", Institution, errors, "院校/院所")
    ent = _fk(values, "enterprise", Enterprise, errors, "企业")
    _domain(values, errors)
    is_bureau = not _authenticated(user) or user.is_superuser or user.role == Role.BUREAU
    if not is_bureau:
        if user.role != Role.EXPERT:
            raise NotAllowed("只有科技局或专家本人可以登记专家")
        if Expert.objects.filter(user=user).exists():
            raise NotAllowed("您已登记过专家信息，请修改原信息")
        link_user = user
        if user.institution_id:
            inst = Institution.objects.get(pk=user.institution_id)
    if link_user is not None and Expert.objects.filter(user=link_user).exists():
        errors.error("user", "该用户已关联其他专家", "duplicate")
    name = values.get("name")
    if name and Expert.objects.filter(name=name, institution=inst, enterprise=ent).exists():
        errors.error("name", f"{inst or ent or '专家库'}已有同名专家“{name}”，请勿重复登记", "duplicate")
    errors.raise_if_any()
    for k in ("institution", "enterprise"):
        values.pop(k, None)
    obj = Expert(institution=inst, enterprise=ent, user=link_user, posted_by=user if _authenticated(user) else None,
                 domain_id=values.pop("domain", None), **{k: v for k, v in values.items() if v is not None})
    _create(wf.PUBLICATION, obj, user=user, roles={"owner"})
    if submit:
        _apply(wf.PUBLICATION, obj, "submit", user=user, roles={"owner"})
    _after_save(user, obj)
    search.refresh(obj)
    return obj


@transaction.atomic
def expert_update(*, user, expert: Expert, data: dict) -> Expert:
    roles = _roles(user, expert)
    if not roles & {"bureau", "owner"}:
        raise NotAllowed("只有科技局或专家本人可以修改专家信息")
    errors = FieldErrors()
    values = parse_input(data, EXPERT_PARSERS, errors, required=("name",), partial=True)
    if "bureau" not in roles:
        values.pop("institution", None)
        values.pop("enterprise", None)
    for name, model, label in (("institution", Institution, "院校/院所"), ("enterprise", Enterprise, "企业")):
        if name in values:
            values[name] = _fk(values, name, model, errors, label)
    _domain(values, errors)
    errors.raise_if_any()
    if "domain" in values:
        expert.domain_id = values.pop("domain")
    for k, v in values.items():
        setattr(expert, k, v if v is not None or k in ("institution", "enterprise") else "")
    stamp(expert, user).save()
    search.refresh(expert)
    return expert


def can_see_contact(user, expert: Expert) -> bool:
    """An expert's phone and e-mail are private: the bureau and the expert only."""
    if not _authenticated(user):
        return False
    return user.is_superuser or user.role == Role.BUREAU or (expert.user_id is not None and expert.user_id == user.pk)


# -- routing and answers ---------------------------------------------------------------------------------------

@transaction.atomic
def demand_route(*, user, demand: Demand, experts: list[Expert], note: str = "") -> list[Routing]:
    """The bureau or a broker routes a published problem to chosen experts (a free broker takes it on)."""
    roles = _roles(user, demand)
    errors = FieldErrors()
    if not roles & {"bureau", "broker"}:
        raise NotAllowed("只有科技局或负责该难题的技术经纪人可以推送难题")
    if demand.status != P.PUBLISHED:
        errors.error("demand", "只有已发布的难题才能推送给专家", "bad_state")
    if not experts:
        errors.error("experts", "请至少选择一位专家", "required")
    seen = set(demand.routings.values_list("expert_id", flat=True))
    for e in experts:
        if e.status != P.PUBLISHED:
            errors.error("experts", f"专家 {e.name} 未在人才库发布", "not_published")
        elif e.pk in seen:
            errors.error("experts", f"已推送给专家 {e.name}", "duplicate")
        seen.add(e.pk)
    errors.raise_if_any()
    broker = broker_of(user)
    if "broker" in roles and demand.broker_id is None and broker is not None and "bureau" not in roles:
        demand.broker = broker  # the broker who routes a free problem takes it on
        stamp(demand, user, "broker takes the problem").save(update_fields=["broker", "updated_at"])
    out = []
    for e in experts:
        r = Routing(demand=demand, expert=e, note=(note or "")[:500], routed_by=user)
        _create(wf.ROUTING, r, user=user, roles=roles & {"bureau", "broker"}, note=note)
        out.append(r)
    return out


@transaction.atomic
def routing_decline(*, user, routing: Routing, note: str = "") -> Routing:
    _apply(wf.ROUTING, routing, "decline", user=user, note=note)
    return routing


def _selected(demand: Demand) -> Answer | None:
    return demand.answers.filter(status=AnswerStatus.SELECTED).first()


@transaction.atomic
def answer_submit(*, user, routing: Routing, data: dict) -> Answer:
    """The routed expert answers: the routing becomes answered and the answer is submitted to the enterprise."""
    roles = _roles(user, routing)
    wf.check(wf.ROUTING, "answer", routing.status, roles)
    errors = FieldErrors()
    values = parse_input(data, ANSWER_PARSERS, errors, required=("summary", "proposal"))
    demand = routing.demand
    if demand.status != P.PUBLISHED:
        errors.error("demand", "该难题已不在征集中", "bad_state")
    elif _selected(demand) is not None:
        errors.error("demand", "企业已选定方案，不再接收答复", "bad_state")
    errors.raise_if_any()
    _apply(wf.ROUTING, routing, "answer", user=user, roles=roles)
    answer = Answer(demand=demand, expert=routing.expert, routing=routing,
                    **{k: v for k, v in values.items() if v is not None})
    _create(wf.ANSWER, answer, user=user, roles=roles)
    return answer


@transaction.atomic
def answer_shortlist(*, user, answer: Answer, note: str = "") -> Answer:
    _apply(wf.ANSWER, answer, "shortlist", user=user, note=note)
    return answer


@transaction.atomic
def answer_select(*, user, answer: Answer, note: str = "") -> Answer:
    """The enterprise selects one answer; the other open answers are declined by the platform."""
    if _selected(answer.demand) not in (None, answer):
        raise ValidationFailed([{"field": "answer", "code": "already_selected", "message": "该难题已选定其他方案"}])
    _apply(wf.ANSWER, answer, "select", user=user, note=note)
    for other in answer.demand.answers.exclude(pk=answer.pk).filter(
            status__in=[AnswerStatus.SUBMITTED, AnswerStatus.SHORTLISTED]):
        _apply(wf.ANSWER, other, "decline", user=user, system=True, note="企业已选定其他方案")
    return answer


@transaction.atomic
def answer_decline(*, user, answer: Answer, note: str = "") -> Answer:
    _apply(wf.ANSWER, answer, "decline", user=user, note=note)
    return answer


@transaction.atomic
def answer_withdraw(*, user, answer: Answer, note: str = "") -> Answer:
    _apply(wf.ANSWER, answer, "withdraw", user=user, note=note)
    return answer


ANSWER_SERVICES = {"shortlist": answer_shortlist, "select": answer_select, "decline": answer_decline,
                   "withdraw": answer_withdraw}


# -- deals and contracts ---------------------------------------------------------------------------------------

@transaction.atomic
def deal_open(*, user, answer: Answer | None = None, achievement: Achievement | None = None,
              buyer: Enterprise | None = None, broker: Broker | None = None, title: str = "",
              note: str = "") -> Deal:
    """A broker (or the bureau, naming a broker) opens a deal from a selected answer or a published achievement."""
    errors = FieldErrors()
    own = broker_of(user)
    if broker is None:
        broker = own
    if broker is None:
        errors.error("broker", "请指定负责的技术经纪人", "required")
    elif not broker.active:
        errors.error("broker", f"技术经纪人 {broker.name} 已不在册", "inactive")
    seller_ent = seller_inst = None
    if answer is not None:
        if answer.status != AnswerStatus.SELECTED:
            errors.error("answer", "只能对企业选定的答复立项", "bad_state")
        if Deal.objects.filter(answer=answer).exclude(status=DealStatus.CANCELLED).exists():
            errors.error("answer", "该答复已有成交项目", "duplicate")
        buyer = answer.demand.enterprise
        seller_ent, seller_inst = answer.expert.enterprise, answer.expert.institution
        if seller_ent is None and seller_inst is None:
            errors.error("answer", f"专家 {answer.expert.name} 未关联单位，无法确定卖方", "no_seller")
        title = title or answer.demand.title
    elif achievement is not None:
        if achievement.status != P.PUBLISHED:
            errors.error("achievement", "只能对已发布的成果立项", "bad_state")
        if buyer is None:
            errors.error("buyer", "请指定买方企业", "required")
        seller_ent, seller_inst = achievement.owner_enterprise, achievement.owner_institution
        title = title or achievement.title
    else:
        errors.error("answer", "请指定选定的答复或技术成果", "required")
    if buyer is not None and seller_ent is not None and buyer.pk == seller_ent.pk:
        errors.error("buyer", "买方与卖方不能是同一企业", "invalid")
    errors.raise_if_any()
    deal = Deal(broker=broker, title=title[:200], demand=answer.demand if answer else None, answer=answer,
                achievement=achievement, seller_enterprise=seller_ent, seller_institution=seller_inst,
                buyer_enterprise=buyer, note=note or "")
    roles = _roles(user, deal)
    if own is not None and broker.pk == own.pk:
        roles.add("broker")
    if "bureau" not in roles and answer is not None and answer.demand.broker_id not in (None, broker.pk):
        raise NotAllowed("该难题由其他技术经纪人负责")
    _create(wf.DEAL, deal, user=user, roles=roles)
    _after_save(user, deal)
    return deal


@transaction.atomic
def deal_cancel(*, user, deal: Deal, note: str = "") -> Deal:
    _apply(wf.DEAL, deal, "cancel", user=user, note=note)
    return deal


def _contract_values(data: dict, errors: FieldErrors, *, required=("title", "type", "contract_total", "tech_amount",
                                                                   "signed_on")) -> dict:
    values = parse_input(data, CONTRACT_PARSERS, errors, required=required)
    for f, msg in contract_amount_errors(values.get("contract_total"), values.get("tech_amount")):
        errors.error(f, msg, "invalid")
    return values


@transaction.atomic
def deal_contract(*, user, deal: Deal, data: dict) -> TechContract:
    """The deal's contract is signed and submitted for 认定登记; the deal waits for the registration."""
    roles = _roles(user, deal)
    wf.check(wf.DEAL, "contract", deal.status, roles)
    errors = FieldErrors()
    data = {"title": deal.title, **data}
    values = _contract_values(data, errors)
    errors.raise_if_any()
    values.pop("buyer_name", None)
    contract = TechContract(deal=deal, seller_enterprise=deal.seller_enterprise,
                            seller_institution=deal.seller_institution, buyer_enterprise=deal.buyer_enterprise,
                            buyer_name=deal.buyer_enterprise.name, submitted_by=user if _authenticated(user) else None,
                            **values)
    _create(wf.CONTRACT, contract, user=user, roles=roles & {"broker", "bureau"})
    _apply(wf.DEAL, deal, "contract", user=user, roles=roles)
    _after_save(user, contract)
    return contract


@transaction.atomic
def contract_submit(*, user, data: dict) -> TechContract:
    """The bureau records a contract signed outside the marketplace for registration (seller in its district)."""
    prefix = _bureau_prefix(user)
    if prefix is None:
        raise NotAllowed("只有科技局可以直接登记技术合同")
    errors = FieldErrors()
    values = _contract_values(data, errors)
    seller = _fk({"s": data.get("seller_enterprise")}, "s", Enterprise, errors, "卖方企业") \
        if data.get("seller_enterprise") else None
    inst = _fk({"i": data.get("seller_institution")}, "i", Institution, errors, "卖方院校/院所") \
        if data.get("seller_institution") else None
    buyer = _fk({"b": data.get("buyer_enterprise")}, "b", Enterprise, errors, "买方企业") \
        if data.get("buyer_enterprise") else None
    if (seller is None) == (inst is None) and not errors.failed:
        errors.error("seller_enterprise", "请指定卖方企业或卖方院校/院所（二选一）", "required")
    if buyer is None and not values.get("buyer_name"):
        errors.error("buyer_name", "请指定买方", "required")
    if seller is not None and not seller.town_id.startswith(prefix) and \
            (buyer is None or not buyer.town_id.startswith(prefix)):
        errors.error("seller_enterprise", "合同双方均不在本局辖区内", "out_of_scope")
    errors.raise_if_any()
    values["buyer_name"] = values.get("buyer_name") or (buyer.name if buyer else "")
    contract = TechContract(seller_enterprise=seller, seller_institution=inst, buyer_enterprise=buyer,
                            submitted_by=user if _authenticated(user) else None, **values)
    _create(wf.CONTRACT, contract, user=user, roles={"bureau"})
    _after_save(user, contract)
    return contract


@transaction.atomic
def contract_accept(*, user, contract: TechContract, note: str = "") -> TechContract:
    """受理: the registry accepts the application (registration due within 30 days, RULES §3.3)."""
    contract.accepted_on = _today()
    _apply(wf.CONTRACT, contract, "accept", user=user, note=note)
    return contract


def commission_rule_on(day: dt.date) -> tuple[CommissionRule | None, Commission]:
    rule = CommissionRule.objects.filter(valid_from__lte=day).order_by("-valid_from", "-pk").first()
    if rule is None:
        return None, DEFAULT_COMMISSION
    return rule, Commission(rate=rule.rate, cap=rule.cap)


@transaction.atomic
def contract_register(*, user, contract: TechContract, data: dict) -> TechContract:
    """认定登记: registration number and date, the verified technology amount; the deal is done and the
    broker's commission is computed with the rule valid on the registration date."""
    roles = _roles(user, contract)
    wf.check(wf.CONTRACT, "register", contract.status, roles)
    errors = FieldErrors()
    values = parse_input(data, REGISTER_PARSERS, errors, required=("registration_no", "registration_date"))
    no, day = values.get("registration_no"), values.get("registration_date")
    if no and TechContract.objects.filter(registration_no=no).exclude(pk=contract.pk).exists():
        errors.error("registration_no", f"登记编号 {no} 已被使用", "duplicate")
    if day and day < contract.signed_on:
        errors.error("registration_date", "登记日期不能早于合同签订日期", "invalid")
    tech = values.get("tech_amount")
    if tech is not None:
        for f, msg in contract_amount_errors(contract.contract_total, tech):
            errors.error(f, msg, "invalid")
    errors.raise_if_any()
    contract.registration_no = no
    contract.registration_date = day
    if tech is not None:
        contract.tech_amount = tech
    _apply(wf.CONTRACT, contract, "register", user=user, roles=roles)
    deal = contract.deal
    if deal is not None:
        rule, commission = commission_rule_on(day)
        deal.commission = commission.amount(contract.tech_amount)
        deal.commission_rule = rule
        _apply(wf.DEAL, deal, "complete", user=user, system=True, note=f"登记编号 {no}")
    return contract


@transaction.atomic
def contract_reject(*, user, contract: TechContract, note: str = "") -> TechContract:
    """未予登记 with the reason; a brokered deal goes back to negotiation."""
    contract.rejection_reason = (note or "")[:500]
    _apply(wf.CONTRACT, contract, "reject", user=user, note=note)
    if contract.deal is not None and contract.deal.status == DealStatus.CONTRACTED:
        _apply(wf.DEAL, contract.deal, "resume", user=user, system=True, note="合同未予登记")
    return contract


# -- expert visits ---------------------------------------------------------------------------------------------

@transaction.atomic
def visit_record(*, user, data: dict) -> ExpertVisit:
    """Record a 技术问诊 visit: by the bureau, the town's assistant, a broker or the visiting expert."""
    errors = FieldErrors()
    values = parse_input(data, VISIT_PARSERS, errors, required=("expert", "enterprise", "visit_date", "findings"))
    expert = _fk(values, "expert", Expert, errors, "专家")
    ent = _fk(values, "enterprise", Enterprise, errors, "企业")
    errors.raise_if_any()
    visit = ExpertVisit(expert=expert, enterprise=ent, visit_date=values["visit_date"], findings=values["findings"],
                        recorded_by=user if _authenticated(user) else None)
    roles = _roles(user, visit)
    _create(wf.VISIT, visit, user=user, roles=roles)
    _after_save(user, visit)
    return visit


@transaction.atomic
def visit_spawn_demand(*, user, visit: ExpertVisit, data: dict, submit: bool = True) -> Demand:
    """Turn a visit's findings into a problem of the visited enterprise (sent to review by default)."""
    roles = _roles(user, visit)
    wf.check(wf.VISIT, "spawn", visit.status, roles)
    data = {"title": f"{visit.enterprise.name}技术问诊难题", "description": visit.findings, **data}
    demand = demand_create(user=user, data=data, submit=submit, visit=visit)
    _apply(wf.VISIT, visit, "spawn", user=user, roles=roles, note=f"难题 #{demand.pk}")
    return demand


# -- brokers and commission rules ------------------------------------------------------------------------------

@transaction.atomic
def broker_register(*, user, data: dict) -> Broker:
    """The bureau registers a technology broker (a user of any role) for a region of its district."""
    prefix = _bureau_prefix(user)
    if prefix is None:
        raise NotAllowed("只有科技局可以登记技术经纪人")
    from django.contrib.auth import get_user_model

    errors = FieldErrors()
    values = parse_input(data, BROKER_PARSERS, errors, required=("user", "name", "region"))
    account = _fk(values, "user", get_user_model(), errors, "用户")
    region = values.get("region")
    if region and not Region.objects.filter(code=region).exists():
        errors.error("region", f"未知的区划代码：{region}", "unknown_region")
    elif region and not region.startswith(prefix):
        errors.error("region", f"区域 {region} 不在本局辖区内", "out_of_scope")
    if account is not None and Broker.objects.filter(user=account).exists():
        errors.error("user", "该用户已是技术经纪人", "duplicate")
    errors.raise_if_any()
    broker = Broker(user=account, name=values["name"], region_id=region,
                    organisation=values.get("organisation") or "", certificate_no=values.get("certificate_no") or "")
    stamp(broker, user).save()
    return broker


@transaction.atomic
def commission_rule_create(*, user, data: dict) -> CommissionRule:
    if _bureau_prefix(user) is None:
        raise NotAllowed("只有科技局可以设置佣金规则")
    errors = FieldErrors()
    values = parse_input(data, COMMISSION_PARSERS, errors, required=("name", "rate", "valid_from"))
    if values.get("rate") is not None and values["rate"] > 1:
        errors.error("rate", "佣金比例应在0到1之间（如 0.01 表示 1%）", "invalid")
    errors.raise_if_any()
    rule = CommissionRule(**values)
    stamp(rule, user).save()
    return rule


