"""Reads of the marketplace: every query starts from `restrict(user, action)`."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kechuang.core.choices import Action, PublicationStatus, Role
from kechuang.enterprises.models import ServiceAgency

from .choices import ContractStatus
from .models import (Achievement, Answer, Broker, Deal, Demand, Expert, ExpertVisit, MarketEvent, Routing,
                     TechContract)

P = PublicationStatus
MAX_Q = 100


def _q(text: str | None) -> str | None:
    return (text or "").strip()[:MAX_Q] or None


def achievement_list(*, user, q=None, domain=None, maturity=None, cooperation=None, status=None,
                     owner_institution=None) -> QuerySet[Achievement]:
    qs = Achievement.objects.restrict(user, Action.VIEW).select_related("owner_institution", "owner_enterprise",
                                                                        "domain")
    if status:
        qs = qs.filter(status=status)
    if q := _q(q):
        qs = qs.filter(Q(title__icontains=q) | Q(keywords__icontains=q) | Q(description__icontains=q))
    if domain:
        qs = qs.filter(domain__code__startswith=domain)
    if maturity:
        qs = qs.filter(maturity=maturity)
    if cooperation:
        qs = qs.filter(cooperation=cooperation)
    if owner_institution:
        qs = qs.filter(owner_institution_id=owner_institution)
    return qs.order_by("-updated_at", "-pk")


def demand_list(*, user, q=None, domain=None, status=None, town=None, enterprise=None) -> QuerySet[Demand]:
    qs = Demand.objects.restrict(user, Action.VIEW).select_related("enterprise__town", "domain", "broker")
    if status:
        qs = qs.filter(status=status)
    if q := _q(q):
        qs = qs.filter(Q(title__icontains=q) | Q(keywords__icontains=q) | Q(description__icontains=q))
    if domain:
        qs = qs.filter(domain__code__startswith=domain)
    if town:
        qs = qs.filter(enterprise__town__code__startswith=town)
    if enterprise:
        qs = qs.filter(enterprise_id=enterprise)
    return qs.order_by("-updated_at", "-pk")


def expert_list(*, user, q=None, institution=None, domain=None, status=None) -> QuerySet[Expert]:
    qs = Expert.objects.restrict(user, Action.VIEW).select_related("institution", "enterprise", "domain")
    if status:
        qs = qs.filter(status=status)
    if q := _q(q):
        qs = qs.filter(Q(name__icontains=q) | Q(fields__icontains=q) | Q(keywords__icontains=q))
    if institution:
        qs = qs.filter(institution_id=institution)
    if domain:
        qs = qs.filter(domain__code__startswith=domain)
    return qs.order_by("name", "pk")


def agency_list(*, user, q=None, industry=None, voucher=None, status=None) -> QuerySet[ServiceAgency]:
    qs = ServiceAgency.objects.restrict(user, Action.VIEW).select_related("industry", "region")
    if status:
        qs = qs.filter(status=status)
    if q := _q(q):
        qs = qs.filter(Q(name__icontains=q) | Q(services__icontains=q) | Q(qualifications__icontains=q))
    if industry:
        qs = qs.filter(industry__code__startswith=industry)
    if voucher is not None:
        qs = qs.filter(voucher_listed=voucher)
    return qs.order_by("name", "pk")


def review_queue(*, user) -> dict[str, QuerySet]:
    """Listings waiting for the bureau's review (only those inside the officer's scope)."""
    return {
        "achievement": Achievement.objects.restrict(user, Action.CHANGE).filter(status=P.REVIEW)
        .select_related("owner_institution", "owner_enterprise"),
        "demand": Demand.objects.restrict(user, Action.CHANGE).filter(status=P.REVIEW).select_related("enterprise"),
        "expert": Expert.objects.restrict(user, Action.CHANGE).filter(status=P.REVIEW).select_related("institution"),
        "agency": ServiceAgency.objects.restrict(user, Action.CHANGE).filter(status=P.REVIEW),
    }


def routings_for(demand: Demand, user) -> QuerySet[Routing]:
    return Routing.objects.restrict(user, Action.VIEW).filter(demand=demand).select_related("expert__institution")


def answers_for(demand: Demand, user) -> QuerySet[Answer]:
    return Answer.objects.restrict(user, Action.VIEW).filter(demand=demand).select_related("expert__institution")


def my_routings(user) -> QuerySet[Routing]:
    """Problems routed to the expert user (their inbox)."""
    if not user.is_authenticated or not user.expert_id:
        return Routing.objects.none()
    return (Routing.objects.restrict(user, Action.VIEW).filter(expert_id=user.expert_id)
            .select_related("demand__enterprise").order_by("-created_at"))


def answer_list(*, user, status=None) -> QuerySet[Answer]:
    qs = Answer.objects.restrict(user, Action.VIEW).select_related("demand__enterprise", "expert")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def deal_list(*, user, status=None) -> QuerySet[Deal]:
    qs = Deal.objects.restrict(user, Action.VIEW).select_related(
        "broker", "buyer_enterprise", "seller_enterprise", "seller_institution")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def contract_list(*, user, status=None, year=None) -> QuerySet[TechContract]:
    qs = TechContract.objects.restrict(user, Action.VIEW).select_related(
        "seller_enterprise__town", "seller_institution", "buyer_enterprise", "deal")
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(Q(registration_date__year=year) | Q(registration_date__isnull=True, signed_on__year=year))
    return qs.order_by("-signed_on", "-pk")


def visit_list(*, user) -> QuerySet[ExpertVisit]:
    return (ExpertVisit.objects.restrict(user, Action.VIEW).select_related("expert", "enterprise__town")
            .order_by("-visit_date", "-pk"))


def broker_list(*, user) -> QuerySet[Broker]:
    return Broker.objects.restrict(user, Action.VIEW).select_related("user", "region").annotate(
        n_deals=Count("deals"))


def events_for(obj) -> QuerySet[MarketEvent]:
    """The workflow events of an object the caller already fetched in scope (events inherit its scope)."""
    if isinstance(obj, (Achievement, Demand, Expert, ServiceAgency)):
        keys = [f"pub:{type(obj).__name__.lower()}"]
    else:
        keys = [{Routing: "routing", Answer: "answer", Deal: "deal", TechContract: "contract",
                 ExpertVisit: "visit"}[type(obj)]]
    return MarketEvent.objects.filter(workflow__in=keys, object_id=obj.pk).select_related("actor")


def counts(user) -> dict[str, int]:
    """Published listings per library (the marketplace's front page)."""
    return {
        "achievement": Achievement.objects.filter(status=P.PUBLISHED).count(),
        "demand": Demand.objects.filter(status=P.PUBLISHED).count(),
        "expert": Expert.objects.filter(status=P.PUBLISHED).count(),
        "agency": ServiceAgency.objects.filter(status=P.PUBLISHED).count(),
        "registered": TechContract.objects.restrict(user, Action.VIEW).filter(status=ContractStatus.REGISTERED).count()
        if user is not None and user.is_authenticated else 0,
    }


def is_bureau(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.BUREAU))
