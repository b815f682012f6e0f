"""Marketplace pages. The four libraries and the search are public (published listings only for anonymous
visitors); every workflow step is a POST to a thin view that calls the same service as the API."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core.choices import Action, PublicationStatus, Role
from kechuang.core.errors import ValidationFailed
from kechuang.core.scope import get_in_scope
from kechuang.enterprises.models import Enterprise, ServiceAgency

from . import forms, search, selectors, services
from . import workflow as wf
from .choices import AnswerStatus, ContractType, Cooperation, DealStatus, ListingKind, Maturity
from .models import (Achievement, Answer, Broker, Deal, Demand, Expert, ExpertVisit, Routing, TechContract)
from .workflow import NotAllowed

P = PublicationStatus
MAX_QUERY = 10000  # longer input is cut here; the search itself reports anything over its own limit


def _page(request, qs, per_page: int = 20):
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _refused(request, exc: NotAllowed):
    return render(request, "market/refused.html", {"message": exc.message}, status=403)


def _run(request, fn, *, ok: str, back: str, then=None):
    """Call a service for a POSTed action: success → message + redirect (to `then(result)` or back);
    invalid input → the messages + back; a role that may not do it → 403."""
    try:
        result = fn()
    except NotAllowed as exc:
        return _refused(request, exc)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, e["message"])
        return redirect(back)
    messages.success(request, ok)
    return redirect(then(result) if then else back)


def _form(request, *, title, fields, values, errors=None, action_label=None, intro="", show_submit=False,
          subject=""):
    errors = dict(errors or {})
    known = {f.name for f in fields}
    general = [m for k, ms in errors.items() if k not in known for m in ms]  # e.g. a role or state message
    if general:
        errors["__all__"] = general
    return render(request, "market/form.html", {
        "title": title, "subject": subject, "fields": fields, "values": values, "errors": errors or {}, "intro": intro,
        "action_label": action_label or _("保存"), "show_submit": show_submit})


def _buttons(machine, obj, user, url_name, *args) -> list[dict]:
    """Transition buttons the user may press on obj (each a POST form)."""
    return [{"action": t.action, "label": t.label, "needs_note": t.needs_note,
             "url": reverse(url_name, args=[*args, t.action])} for t in wf.available(machine, obj, user)]


# -- front page and search -------------------------------------------------------------------------------------

def home(request):
    user = request.user
    return render(request, "market/home.html", {
        "counts": selectors.counts(user),
        "achievements": selectors.achievement_list(user=None)[:6],
        "demands": selectors.demand_list(user=None)[:6],
        "kinds": ListingKind.choices,
    })


def search_page(request):
    q = (request.GET.get("q") or "")[:MAX_QUERY]
    kind = request.GET.get("kind") or ""
    result = None
    if "q" in request.GET:
        result = search.search(q, user=request.user, kinds=[kind] if kind else None, top=20)
    return render(request, "market/search.html", {"q": q, "kind": kind, "result": result,
                                                  "kinds": ListingKind.choices})


# -- achievements ----------------------------------------------------------------------------------------------

def achievement_list(request):
    g = request.GET
    filters = {"q": g.get("q"), "domain": g.get("domain") or None, "maturity": g.get("maturity") or None,
               "cooperation": g.get("cooperation") or None, "status": g.get("status") or None}
    page, query = _page(request, selectors.achievement_list(user=request.user, **filters))
    return render(request, "market/achievement_list.html", {
        "page": page, "query": query, "filters": filters, "maturities": Maturity.choices,
        "cooperations": Cooperation.choices, "statuses": P.choices,
        "can_add": request.user.is_authenticated and request.user.role in (Role.BUREAU, Role.EXPERT, Role.ENTERPRISE,
                                                                           Role.TOWN)})


def achievement_detail(request, pk: int):
    a = get_in_scope(Achievement.objects.select_related("owner_institution", "owner_enterprise", "domain"),
                     request.user, Action.VIEW, pk=pk)
    roles = wf.actor_roles(request.user, a)
    return render(request, "market/achievement_detail.html", {
        "a": a, "buttons": _buttons(wf.PUBLICATION, a, request.user, "market:listing_do", "achievements", a.pk),
        "events": selectors.events_for(a) if roles else [],
        "can_edit": "bureau" in roles or ("owner" in roles and a.status == P.DRAFT),
        "can_deal": a.status == P.PUBLISHED and (services.broker_of(request.user) is not None or "bureau" in roles),
    })


@login_required
def achievement_new(request):
    fields = forms.ACHIEVEMENT_FIELDS
    if request.user.role == Role.BUREAU or request.user.is_superuser or request.user.role == Role.TOWN:
        fields = fields + [forms.Field("owner_institution", _("权属院校/院所ID"), "number"),
                           forms.Field("owner_enterprise", _("权属企业ID"), "number")]
    values, errors = {}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, fields)
        try:
            a = services.achievement_create(user=request.user, data=values, submit=bool(request.POST.get("submit")))
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("成果已保存"))
            return redirect("market:achievement", a.pk)
    return _form(request, title=_("发布技术成果"), fields=fields, values=values, errors=errors,
                 action_label=_("保存草稿"), show_submit=True)


@login_required
def achievement_edit(request, pk: int):
    a = get_in_scope(Achievement, request.user, Action.VIEW, pk=pk)
    values, errors = forms.initial(a, forms.ACHIEVEMENT_FIELDS), {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.ACHIEVEMENT_FIELDS)
        try:
            services.achievement_update(user=request.user, achievement=a, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("已保存"))
            return redirect("market:achievement", a.pk)
    return _form(request, title=_("修改技术成果"), fields=forms.ACHIEVEMENT_FIELDS, values=values, errors=errors)


# -- listings' publication workflow ----------------------------------------------------------------------------

LIBRARIES = {"achievements": (Achievement, "market:achievement"), "demands": (Demand, "market:demand"),
             "experts": (Expert, "market:expert"), "agencies": (ServiceAgency, "market:agency")}


@login_required
@require_POST
def listing_do(request, library: str, pk: int, action: str):
    model, detail = LIBRARIES.get(library, (None, None))
    if model is None:
        raise Http404
    obj = get_in_scope(model, request.user, Action.VIEW, pk=pk)
    back = reverse(detail, args=[pk])
    return _run(request, lambda: services.listing_transition(user=request.user, obj=obj, action=action,
                                                             note=request.POST.get("note", "")),
                ok=_("操作成功"), back=back)


@login_required
def review(request):
    if not selectors.is_bureau(request.user):
        raise Http404
    return render(request, "market/review.html", {"queue": selectors.review_queue(user=request.user)})


# -- problems --------------------------------------------------------------------------------------------------

def demand_list(request):
    g = request.GET
    filters = {"q": g.get("q"), "domain": g.get("domain") or None, "status": g.get("status") or None,
               "town": g.get("town") or None}
    page, query = _page(request, selectors.demand_list(user=request.user, **filters))
    return render(request, "market/demand_list.html", {
        "page": page, "query": query, "filters": filters, "statuses": P.choices,
        "can_add": request.user.is_authenticated})


def demand_detail(request, pk: int):
    d = get_in_scope(Demand.objects.select_related("enterprise__town", "domain", "broker", "visit"),
                     request.user, Action.VIEW, pk=pk)
    user = request.user
    roles = wf.actor_roles(user, d)
    routings = list(selectors.routings_for(d, user)) if user.is_authenticated else []
    answers = list(selectors.answers_for(d, user)) if user.is_authenticated else []
    for a in answers:
        a.buttons = _buttons(wf.ANSWER, a, user, "market:answer_do", a.pk)
        a.can_deal = a.status == AnswerStatus.SELECTED and bool(roles & {"bureau", "broker"})
    for r in routings:
        r.mine = bool(user.is_authenticated and user.expert_id == r.expert_id and r.status == "routed")
    return render(request, "market/demand_detail.html", {
        "d": d, "roles": roles, "routings": routings, "answers": answers,
        "buttons": _buttons(wf.PUBLICATION, d, user, "market:listing_do", "demands", d.pk),
        "events": selectors.events_for(d) if roles else [],
        "deals": selectors.deal_list(user=user).filter(demand=d) if user.is_authenticated else [],
        "can_edit": "bureau" in roles or ("owner" in roles and d.status == P.DRAFT),
        "can_match": user.is_authenticated,
    })


def _demand_fields(user):
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return forms.DEMAND_FIELDS
    return [forms.Field("enterprise", _("企业ID"), "number", required=True,
                        help=_("本镇街/本区企业的ID，见企业名录"))] + forms.DEMAND_FIELDS


@login_required
def demand_new(request):
    fields = _demand_fields(request.user)
    values, errors = {"enterprise": request.GET.get("enterprise", "")}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, fields)
        try:
            d = services.demand_create(user=request.user, data=values, submit=bool(request.POST.get("submit")))
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("难题已保存"))
            return redirect("market:demand", d.pk)
    return _form(request, title=_("发布技术难题"), fields=fields, values=values, errors=errors,
                 action_label=_("保存草稿"), show_submit=True,
                 intro=_("提交审核后，科技局审核通过即在难题库公开，并推送给匹配的专家。"))


@login_required
def demand_edit(request, pk: int):
    d = get_in_scope(Demand, request.user, Action.VIEW, pk=pk)
    values, errors = forms.initial(d, forms.DEMAND_FIELDS), {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.DEMAND_FIELDS)
        try:
            services.demand_update(user=request.user, demand=d, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("已保存"))
            return redirect("market:demand", d.pk)
    return _form(request, title=_("修改技术难题"), fields=forms.DEMAND_FIELDS, values=values, errors=errors)


@login_required
def demand_match(request, pk: int):
    """What the engine proposes for a problem, explained: score, matched terms highlighted; experts routable."""
    d = get_in_scope(Demand.objects.select_related("enterprise", "domain"), request.user, Action.VIEW, pk=pk)
    roles = wf.actor_roles(request.user, d)
    results = search.proposals(d, user=request.user, top=8)
    routed = set(d.routings.values_list("expert_id", flat=True))
    return render(request, "market/match.html", {
        "d": d, "results": results, "routed": routed,
        "sections": [(ListingKind.ACHIEVEMENT.label, results["achievement"]),
                     (ListingKind.EXPERT.label, results["expert"]), (ListingKind.AGENCY.label, results["agency"])],
        "can_route": bool(roles & {"bureau", "broker"}) and d.status == P.PUBLISHED,
    })


@login_required
@require_POST
def demand_route(request, pk: int):
    d = get_in_scope(Demand, request.user, Action.VIEW, pk=pk)
    ids = [int(x) for x in request.POST.getlist("experts") if x.isdigit()]
    experts = list(Expert.objects.filter(pk__in=ids))
    back = reverse("market:demand_match", args=[pk])
    return _run(request, lambda: services.demand_route(user=request.user, demand=d, experts=experts,
                                                       note=request.POST.get("note", "")),
                ok=_("已推送给所选专家"), back=back, then=lambda _r: reverse("market:demand", args=[pk]))


# -- answers ---------------------------------------------------------------------------------------------------

@login_required
def answer_new(request, routing_pk: int):
    r = get_in_scope(Routing.objects.select_related("demand__enterprise", "expert"), request.user, Action.VIEW,
                     pk=routing_pk)
    values, errors = {}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.ANSWER_FIELDS)
        try:
            services.answer_submit(user=request.user, routing=r, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("答复已提交"))
            return redirect("market:demand", r.demand_id)
    return _form(request, title=_("答复难题"), subject=r.demand.title, fields=forms.ANSWER_FIELDS,
                 values=values, errors=errors, action_label=_("提交答复"), intro=r.demand.description)


@login_required
@require_POST
def routing_decline(request, pk: int):
    r = get_in_scope(Routing.objects.select_related("demand", "expert"), request.user, Action.VIEW, pk=pk)
    return _run(request, lambda: services.routing_decline(user=request.user, routing=r,
                                                          note=request.POST.get("note", "")),
                ok=_("已谢绝"), back=reverse("market:mine"))


@login_required
@require_POST
def answer_do(request, pk: int, action: str):
    a = get_in_scope(Answer.objects.select_related("demand__enterprise", "expert"), request.user, Action.VIEW, pk=pk)
    service = services.ANSWER_SERVICES.get(action)
    if service is None:
        raise Http404
    back = reverse("market:demand", args=[a.demand_id])
    return _run(request, lambda: service(user=request.user, answer=a, note=request.POST.get("note", "")),
                ok=_("操作成功"), back=back)


# -- experts and agencies --------------------------------------------------------------------------------------

def expert_list(request):
    g = request.GET
    filters = {"q": g.get("q"), "domain": g.get("domain") or None, "status": g.get("status") or None}
    page, query = _page(request, selectors.expert_list(user=request.user, **filters))
    return render(request, "market/expert_list.html", {"page": page, "query": query, "filters": filters,
                                                       "statuses": P.choices})


def expert_detail(request, pk: int):
    e = get_in_scope(Expert.objects.select_related("institution", "enterprise", "domain"), request.user,
                     Action.VIEW, pk=pk)
    roles = wf.actor_roles(request.user, e)
    return render(request, "market/expert_detail.html", {
        "e": e, "contact": services.can_see_contact(request.user, e),
        "buttons": _buttons(wf.PUBLICATION, e, request.user, "market:listing_do", "experts", e.pk),
        "events": selectors.events_for(e) if roles else [], "can_edit": bool(roles & {"bureau", "owner"})})


@login_required
def expert_new(request):
    values, errors = {}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.EXPERT_FIELDS)
        try:
            e = services.expert_create(user=request.user, data=values, submit=bool(request.POST.get("submit")))
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("专家信息已保存"))
            return redirect("market:expert", e.pk)
    return _form(request, title=_("登记专家"), fields=forms.EXPERT_FIELDS, values=values, errors=errors,
                 action_label=_("保存草稿"), show_submit=True)


@login_required
def expert_edit(request, pk: int):
    e = get_in_scope(Expert, request.user, Action.VIEW, pk=pk)
    values, errors = forms.initial(e, forms.EXPERT_FIELDS), {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.EXPERT_FIELDS)
        try:
            services.expert_update(user=request.user, expert=e, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("已保存"))
            return redirect("market:expert", e.pk)
    return _form(request, title=_("修改专家信息"), fields=forms.EXPERT_FIELDS, values=values, errors=errors)


def agency_list(request):
    g = request.GET
    voucher = {"1": True, "0": False}.get(g.get("voucher", ""))
    filters = {"q": g.get("q"), "industry": g.get("industry") or None, "voucher": voucher}
    page, query = _page(request, selectors.agency_list(user=request.user, **filters))
    return render(request, "market/agency_list.html", {"page": page, "query": query, "filters": filters,
                                                       "voucher": g.get("voucher", "")})


def agency_detail(request, pk: int):
    a = get_in_scope(ServiceAgency.objects.select_related("industry", "region"), request.user, Action.VIEW, pk=pk)
    roles = wf.actor_roles(request.user, a)
    return render(request, "market/agency_detail.html", {
        "a": a, "buttons": _buttons(wf.PUBLICATION, a, request.user, "market:listing_do", "agencies", a.pk),
        "events": selectors.events_for(a) if roles else [], "contact": "bureau" in roles or "owner" in roles})


# -- deals and contracts ---------------------------------------------------------------------------------------

@login_required
def deal_list(request):
    page, query = _page(request, selectors.deal_list(user=request.user, status=request.GET.get("status") or None))
    return render(request, "market/deal_list.html", {"page": page, "query": query, "statuses": DealStatus.choices})


@login_required
@require_POST
def deal_new(request):
    user = request.user
    answer_id, achievement_id = request.POST.get("answer"), request.POST.get("achievement")
    answer = get_in_scope(Answer.objects.select_related("demand__enterprise", "expert"), user, Action.VIEW,
                          pk=answer_id) if answer_id else None
    achievement = get_in_scope(Achievement, user, Action.VIEW, pk=achievement_id) if achievement_id else None
    buyer = Enterprise.objects.filter(pk=request.POST.get("buyer") or 0).first()
    broker = Broker.objects.filter(pk=request.POST.get("broker") or 0).first()
    back = reverse("market:demand", args=[answer.demand_id]) if answer else (
        reverse("market:achievement", args=[achievement.pk]) if achievement else reverse("market:deals"))
    return _run(request, lambda: services.deal_open(user=user, answer=answer, achievement=achievement, buyer=buyer,
                                                    broker=broker, note=request.POST.get("note", "")),
                ok=_("已立项"), back=back, then=lambda deal: reverse("market:deal", args=[deal.pk]))


@login_required
def deal_detail(request, pk: int):
    deal = get_in_scope(Deal.objects.select_related("broker", "buyer_enterprise", "seller_enterprise",
                                                    "seller_institution", "demand", "answer", "achievement",
                                                    "commission_rule"), request.user, Action.VIEW, pk=pk)
    roles = wf.actor_roles(request.user, deal)
    return render(request, "market/deal_detail.html", {
        "deal": deal, "events": selectors.events_for(deal),
        "contracts": selectors.contract_list(user=request.user).filter(deal=deal),
        "can_contract": deal.status == DealStatus.OPEN and bool(roles & {"broker", "bureau"}),
        "can_cancel": deal.status == DealStatus.OPEN and bool(roles & {"broker", "bureau"})})


@login_required
def deal_contract(request, pk: int):
    deal = get_in_scope(Deal.objects.select_related("broker", "buyer_enterprise"), request.user, Action.VIEW, pk=pk)
    values, errors = {"title": deal.title}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.CONTRACT_FIELDS)
        try:
            c = services.deal_contract(user=request.user, deal=deal, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("合同已提交认定登记"))
            return redirect("market:contract", c.pk)
    return _form(request, title=_("签订技术合同"), subject=deal.title, fields=forms.CONTRACT_FIELDS,
                 values=values, errors=errors, action_label=_("提交认定登记"))


@login_required
@require_POST
def deal_cancel(request, pk: int):
    deal = get_in_scope(Deal, request.user, Action.VIEW, pk=pk)
    return _run(request, lambda: services.deal_cancel(user=request.user, deal=deal, note=request.POST.get("note", "")),
                ok=_("已终止"), back=reverse("market:deal", args=[pk]))


@login_required
def contract_list(request):
    status = request.GET.get("status") or None
    year = request.GET.get("year")
    qs = selectors.contract_list(user=request.user, status=status, year=int(year) if (year or "").isdigit() else None)
    page, query = _page(request, qs)
    return render(request, "market/contract_list.html", {
        "page": page, "query": query, "statuses": TechContract._meta.get_field("status").choices,
        "types": ContractType.choices, "status": status, "year": year or "",
        "can_add": selectors.is_bureau(request.user)})


@login_required
def contract_new(request):
    if not selectors.is_bureau(request.user):
        raise Http404
    values, errors = {}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.DIRECT_CONTRACT_FIELDS)
        try:
            c = services.contract_submit(user=request.user, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("合同已登记受理申请"))
            return redirect("market:contract", c.pk)
    return _form(request, title=_("录入技术合同"), fields=forms.DIRECT_CONTRACT_FIELDS, values=values, errors=errors)


@login_required
def contract_detail(request, pk: int):
    c = get_in_scope(TechContract.objects.select_related("deal__broker", "seller_enterprise", "seller_institution",
                                                         "buyer_enterprise"), request.user, Action.VIEW, pk=pk)
    roles = wf.actor_roles(request.user, c)
    return render(request, "market/contract_detail.html", {
        "c": c, "events": selectors.events_for(c), "bureau": "bureau" in roles,
        "register_fields": forms.REGISTER_FIELDS})


@login_required
@require_POST
def contract_do(request, pk: int, action: str):
    c = get_in_scope(TechContract.objects.select_related("deal__broker", "seller_enterprise", "buyer_enterprise"),
                     request.user, Action.VIEW, pk=pk)
    user, post = request.user, request.POST
    calls = {
        "accept": lambda: services.contract_accept(user=user, contract=c, note=post.get("note", "")),
        "register": lambda: services.contract_register(user=user, contract=c,
                                                       data=forms.collect(post, forms.REGISTER_FIELDS)),
        "reject": lambda: services.contract_reject(user=user, contract=c, note=post.get("note", "")),
    }
    if action not in calls:
        raise Http404
    return _run(request, calls[action], ok=_("操作成功"), back=reverse("market:contract", args=[pk]))


# -- visits, brokers, my work ----------------------------------------------------------------------------------

@login_required
def visit_list(request):
    page, query = _page(request, selectors.visit_list(user=request.user))
    return render(request, "market/visit_list.html", {"page": page, "query": query})


@login_required
def visit_new(request):
    values, errors = {"enterprise": request.GET.get("enterprise", "")}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.VISIT_FIELDS)
        try:
            v = services.visit_record(user=request.user, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("问诊记录已保存"))
            return redirect("market:visit", v.pk)
    return _form(request, title=_("记录技术问诊"), fields=forms.VISIT_FIELDS, values=values, errors=errors)


@login_required
def visit_detail(request, pk: int):
    v = get_in_scope(ExpertVisit.objects.select_related("expert", "enterprise"), request.user, Action.VIEW, pk=pk)
    values, errors = {"title": f"{v.enterprise.name}技术问诊难题", "description": v.findings}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.DEMAND_FIELDS)
        try:
            d = services.visit_spawn_demand(user=request.user, visit=v, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("已形成难题并提交审核"))
            return redirect("market:demand", d.pk)
    roles = wf.actor_roles(request.user, v)
    return render(request, "market/visit_detail.html", {
        "v": v, "events": selectors.events_for(v), "fields": forms.DEMAND_FIELDS, "values": values,
        "errors": errors, "can_spawn": v.status == "recorded" and bool(roles - {"system"}),
        "demands": selectors.demand_list(user=request.user).filter(visit=v)})


@login_required
def broker_list(request):
    if not selectors.is_bureau(request.user) and services.broker_of(request.user) is None:
        raise Http404
    values, errors = {}, {}
    if request.method == "POST":
        values = forms.collect(request.POST, forms.BROKER_FIELDS)
        try:
            services.broker_register(user=request.user, data=values)
        except NotAllowed as exc:
            return _refused(request, exc)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("技术经纪人已登记"))
            return redirect("market:brokers")
    return render(request, "market/broker_list.html", {
        "brokers": selectors.broker_list(user=request.user), "fields": forms.BROKER_FIELDS, "values": values,
        "errors": errors, "can_add": selectors.is_bureau(request.user)})


@login_required
def mine(request):
    """My marketplace work, by role: problems and answers, routed problems, deals, the review queue."""
    user = request.user
    ctx = {"broker": services.broker_of(user), "is_bureau": selectors.is_bureau(user)}
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        ctx["demands"] = selectors.demand_list(user=user, enterprise=user.enterprise_id)[:50]
        ctx["answers"] = selectors.answer_list(user=user)[:50]
        ctx["contracts"] = selectors.contract_list(user=user)[:50]
    if user.expert_id:
        ctx["routings"] = selectors.my_routings(user)[:50]
        ctx["my_answers"] = selectors.answer_list(user=user).filter(expert_id=user.expert_id)[:50]
    if user.role == Role.TOWN:
        ctx["demands"] = selectors.demand_list(user=user, town=user.region_id)[:50]
        ctx["visits"] = selectors.visit_list(user=user)[:20]
    if ctx["broker"] is not None:
        ctx["deals"] = selectors.deal_list(user=user).filter(broker=ctx["broker"])[:50]
        ctx["broker_demands"] = Demand.objects.restrict(user).filter(broker=ctx["broker"])[:50]
    if ctx["is_bureau"]:
        ctx["queue"] = {k: v.count() for k, v in selectors.review_queue(user=user).items()}
        ctx["contracts_pending"] = selectors.contract_list(user=user).filter(status__in=["submitted", "accepted"])[:50]
    return render(request, "market/mine.html", ctx)
