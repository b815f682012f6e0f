"""Every marketplace workflow as an explicit state machine: states and transitions declared once, here.

A transition names the states it leaves from, the state it leads to and the *relation roles* allowed to take it.
Relation roles are what the acting user is to the object (see `actor_roles`): ``bureau`` (an officer whose
district holds it), ``owner`` (who lists it), ``enterprise`` (staff of the problem's enterprise), ``town`` (the
assistant of its town), ``broker`` (the broker in charge), ``expert`` (the expert concerned) and ``system``
(taken by the platform itself as a consequence of another transition). Services call `apply()`, which checks
the state and the role and writes a `MarketEvent` row.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from kechuang.core.choices import PublicationStatus as P
from kechuang.core.choices import Role
from kechuang.core.errors import ValidationFailed

from .choices import AnswerStatus as A
from .choices import ContractStatus as C
from .choices import DealStatus as D
from .choices import RoutingStatus as R
from .choices import VisitStatus as V

NEW = ""  # the "state" before an object exists: creation is a transition too


class NotAllowed(Exception):
    """The user may see the object but has no role that may take this transition (the API answers 403)."""

    def __init__(self, message: str, code: str = "role"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    roles: frozenset
    label: str
    needs_note: bool = False  # a reason is required (rejections)


def T(action, sources, target, roles, label, needs_note=False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), label, needs_note)


@dataclass(frozen=True)
class Machine:
    name: str
    transitions: tuple[Transition, ...]
    field: str = "status"

    def get(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise ValidationFailed([{"field": "action", "code": "unknown_action",
                                 "message": f"未知的操作“{action}”"}])

    def actions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]


PUBLICATION = Machine("publication", (
    T("create", {NEW}, P.DRAFT, {"owner", "bureau"}, _("新建草稿")),
    T("submit", {P.DRAFT}, P.REVIEW, {"owner", "bureau"}, _("提交审核")),
    T("withdraw", {P.REVIEW}, P.DRAFT, {"owner", "bureau"}, _("撤回")),
    T("approve", {P.REVIEW}, P.PUBLISHED, {"bureau"}, _("审核通过并发布")),
    T("reject", {P.REVIEW}, P.DRAFT, {"bureau"}, _("退回修改"), needs_note=True),
    T("close", {P.PUBLISHED}, P.CLOSED, {"owner", "bureau"}, _("关闭")),
    T("reopen", {P.CLOSED}, P.REVIEW, {"owner", "bureau"}, _("重新提交")),
))

ROUTING = Machine("routing", (
    T("route", {NEW}, R.ROUTED, {"bureau", "broker"}, _("推送给专家")),
    T("answer", {R.ROUTED}, R.ANSWERED, {"expert"}, _("答复")),
    T("decline", {R.ROUTED}, R.DECLINED, {"expert"}, _("谢绝")),
))

ANSWER = Machine("answer", (
    T("submit", {NEW}, A.SUBMITTED, {"expert"}, _("提交答复")),
    T("shortlist", {A.SUBMITTED}, A.SHORTLISTED, {"enterprise", "broker"}, _("入围")),
    T("select", {A.SUBMITTED, A.SHORTLISTED}, A.SELECTED, {"enterprise"}, _("选定")),
    T("decline", {A.SUBMITTED, A.SHORTLISTED}, A.DECLINED, {"enterprise", "system"}, _("不予选用")),
    T("withdraw", {A.SUBMITTED, A.SHORTLISTED}, A.WITHDRAWN, {"expert"}, _("撤回")),
))

DEAL = Machine("deal", (
    T("open", {NEW}, D.OPEN, {"bureau", "broker"}, _("立项洽谈")),
    T("contract", {D.OPEN}, D.CONTRACTED, {"broker", "bureau"}, _("签订合同并申请登记")),
    T("complete", {D.CONTRACTED}, D.COMPLETED, {"system"}, _("合同已登记，成交")),
    T("resume", {D.CONTRACTED}, D.OPEN, {"system"}, _("合同未予登记，继续洽谈")),
    T("cancel", {D.OPEN}, D.CANCELLED, {"broker", "bureau"}, _("终止"), needs_note=True),
))

CONTRACT = Machine("contract", (
    T("submit", {NEW}, C.SUBMITTED, {"broker", "bureau"}, _("申请认定登记")),
    T("accept", {C.SUBMITTED}, C.ACCEPTED, {"bureau"}, _("受理")),
    T("register", {C.ACCEPTED}, C.REGISTERED, {"bureau"}, _("认定登记")),
    T("reject", {C.SUBMITTED, C.ACCEPTED}, C.REJECTED, {"bureau"}, _("未予登记"), needs_note=True),
))

VISIT = Machine("visit", (
    T("record", {NEW}, V.RECORDED, {"bureau", "town", "expert", "broker"}, _("记录问诊")),
    T("spawn", {V.RECORDED}, V.SPAWNED, {"bureau", "town", "expert", "broker"}, _("形成难题")),
))

MACHINES = {m.name: m for m in (PUBLICATION, ROUTING, ANSWER, DEAL, CONTRACT, VISIT)}


# -- who the user is to an object ----------------------------------------------------------------------------

def _broker_of(user):
    if user is None or not user.is_authenticated:
        return None
    b = getattr(user, "broker_profile", None)
    return b if b is not None and b.active else None


def _is_bureau_for(user, *towns) -> bool:
    """An officer (or superuser) whose district contains one of the towns (None towns: the whole bureau)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if user.role != Role.BUREAU or not user.region_id:
        return False
    towns = [t for t in towns if t]
    return not towns or any(str(t).startswith(user.region_id) for t in towns)


def _is_town_for(user, town) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.TOWN and town and user.region_id == town)


def actor_roles(user, obj) -> set[str]:
    """The relation roles the user holds on a marketplace object (or an enterprises.ServiceAgency)."""
    from kechuang.enterprises.models import ServiceAgency

    from .models import Achievement, Answer, Deal, Demand, Expert, ExpertVisit, Routing, TechContract

    roles: set[str] = set()
    if user is None or not user.is_authenticated:
        return roles
    broker = _broker_of(user)
    if isinstance(obj, Achievement):
        if _is_bureau_for(user, obj.region_id):
            roles.add("bureau")
        if (obj.posted_by_id == user.pk
                or (obj.owner_enterprise_id and user.role == Role.ENTERPRISE and user.enterprise_id == obj.owner_enterprise_id)
                or (obj.owner_institution_id and user.role == Role.EXPERT and user.institution_id == obj.owner_institution_id)):
            roles.add("owner")
    elif isinstance(obj, Demand):
        town = obj.enterprise.town_id
        if _is_bureau_for(user, town):
            roles.add("bureau")
        if user.role == Role.ENTERPRISE and user.enterprise_id == obj.enterprise_id:
            roles.update({"enterprise", "owner"})
        if _is_town_for(user, town):
            roles.update({"town", "owner"})
        if obj.posted_by_id == user.pk:
            roles.add("owner")
        if broker is not None and (obj.broker_id is None or obj.broker_id == broker.pk):
            roles.add("broker")
            if obj.broker_id == broker.pk:
                roles.add("owner")
    elif isinstance(obj, Expert):
        if _is_bureau_for(user):
            roles.add("bureau")
        if (obj.user_id and obj.user_id == user.pk) or obj.posted_by_id == user.pk:
            roles.add("owner")
    elif isinstance(obj, ServiceAgency):
        if _is_bureau_for(user):
            roles.add("bureau")
        if user.role == Role.AGENCY and user.agency_id == obj.pk:
            roles.add("owner")
    elif isinstance(obj, Routing):
        roles |= actor_roles(user, obj.demand) & {"bureau", "broker", "enterprise", "town"}
        if user.expert_id and user.expert_id == obj.expert_id:
            roles.add("expert")
    elif isinstance(obj, Answer):
        roles |= actor_roles(user, obj.demand) & {"bureau", "broker", "enterprise", "town"}
        if user.expert_id and user.expert_id == obj.expert_id:
            roles.add("expert")
    elif isinstance(obj, Deal):
        if _is_bureau_for(user, obj.buyer_enterprise.town_id,
                          obj.seller_enterprise.town_id if obj.seller_enterprise_id else None):
            roles.add("bureau")
        if broker is not None and obj.broker_id == broker.pk:
            roles.add("broker")
    elif isinstance(obj, TechContract):
        towns = [e.town_id for e in (obj.seller_enterprise, obj.buyer_enterprise) if e is not None]
        if _is_bureau_for(user, *towns) if towns else _is_bureau_for(user):
            roles.add("bureau")
        if broker is not None and obj.deal_id and obj.deal.broker_id == broker.pk:
            roles.add("broker")
    elif isinstance(obj, ExpertVisit):
        town = obj.enterprise.town_id
        if _is_bureau_for(user, town):
            roles.add("bureau")
        if _is_town_for(user, town):
            roles.add("town")
        if user.expert_id and user.expert_id == obj.expert_id:
            roles.add("expert")
        if broker is not None:
            roles.add("broker")
    return roles


def check(machine: Machine, action: str, state: str, roles: set[str], *, note: str = "") -> tuple[Transition, str]:
    """The transition for this action from this state, if one of the roles may take it; else NotAllowed /
    ValidationFailed with a clear Chinese message. Returns (transition, the role used)."""
    t = machine.get(action)
    if state not in t.sources:
        label = _state_label(state)
        raise ValidationFailed([{"field": "status", "code": "bad_state",
                                 "message": f"当前状态为“{label}”，不能执行“{t.label}”"}])
    allowed = t.roles & roles
    if not allowed:
        raise NotAllowed(f"您无权执行“{t.label}”（需要：{'、'.join(sorted(ROLE_LABELS.get(r, r) for r in t.roles))}）")
    if t.needs_note and not (note or "").strip():
        raise ValidationFailed([{"field": "note", "code": "required", "message": f"“{t.label}”须填写原因"}])
    role = next(r for r in ROLE_ORDER if r in allowed)
    return t, role


ROLE_ORDER = ("bureau", "broker", "enterprise", "town", "expert", "owner", "system")
# Chinese labels (messages are Chinese); pages show gettext(label)
ROLE_LABELS = {"bureau": gettext_noop("科技局"), "broker": gettext_noop("技术经纪人"), "enterprise": gettext_noop("企业"),
               "town": gettext_noop("科技助理"), "expert": gettext_noop("专家"), "owner": gettext_noop("发布方"),
               "system": gettext_noop("系统")}


def _state_label(state: str) -> str:
    from .choices import AnswerStatus, ContractStatus, DealStatus, RoutingStatus, VisitStatus

    if state == NEW:
        return "新建"
    for choices in (P, AnswerStatus, ContractStatus, DealStatus, RoutingStatus, VisitStatus):
        if state in choices.values:
            return str(choices(state).label)
    return state


def record(machine: Machine, obj, t: Transition, from_state: str, *, user, role: str, note: str = "") -> None:
    """Write the event row of a transition that was just applied to obj."""
    from .models import MarketEvent

    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    MarketEvent.objects.create(
        workflow=_workflow_key(machine, obj), object_id=obj.pk, action=t.action, from_state=from_state,
        to_state=t.target, actor=actor, actor_name=(actor.get_full_name() or actor.username) if actor else "系统",
        actor_role=role, note=(note or "")[:500])


def _workflow_key(machine: Machine, obj) -> str:
    """Publication events are kept per library (achievement/demand/expert/agency); others per machine."""
    if machine is PUBLICATION:
        return f"pub:{type(obj).__name__.lower()}"
    return machine.name


def available(machine: Machine, obj, user) -> list[Transition]:
    """Transitions the user could take on obj now (for buttons); system transitions are never offered."""
    state = getattr(obj, machine.field)
    roles = actor_roles(user, obj)
    return [t for t in machine.actions_from(state) if (t.roles - {"system"}) & roles]
