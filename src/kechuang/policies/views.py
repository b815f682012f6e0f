"""Pages of the policies app: policy library, calculator, 免申即享 and awards; competitions, trainings, fairs;
the work-task board. Thin views: reads through selectors (restrict), writes through services."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core.api import xlsx_response
from kechuang.core.choices import Action, Role
from kechuang.core.errors import ValidationFailed
from kechuang.core.scope import can, get_in_scope
from kechuang.enterprises.models import Enterprise, Qualification, valid_on_q
from kechuang.indicators.models import Indicator

from . import forms, selectors, services
from .choices import (
    AwardAction,
    AwardStatus,
    PolicyStatus,
    TaskLine,
    TaskState,
)
from .engine import FACT_LIST, FACTS
from .exports import awards_xlsx, eligible_xlsx
from .models import (
    AchievementFair,
    Attendance,
    Competition,
    Division,
    Entry,
    Lot,
    Policy,
    PolicyAward,
    Round,
    Score,
    Training,
    TrainingSession,
    WorkTask,
)

LIST_ROLES = (Role.BUREAU, Role.TOWN, Role.AUDITOR)


def _is_officer(user) -> bool:
    """Bureau officers, town assistants and auditors see lists over many enterprises; enterprises see themselves."""
    return user.is_authenticated and (user.is_superuser or user.role in LIST_ROLES)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# ----- policies -----------------------------------------------------------------------------------------------------

def policy_list(request):
    """The policy library: public visitors see published policies; the bureau sees its drafts too."""
    g = request.GET
    qs = selectors.policy_list(user=request.user, status=g.get("status") or None, year=_int(g.get("year")),
                               q=(g.get("q") or "").strip()[:100] or None)
    page = Paginator(qs, 30).get_page(g.get("page"))
    return render(request, "policies/policy_list.html", {
        "page": page, "can_add": can(request.user, Policy, Action.ADD), "statuses": PolicyStatus.choices,
        "filters": {"status": g.get("status", ""), "year": g.get("year", ""), "q": g.get("q", "")},
    })


def policy_detail(request, pk: int):
    policy = get_in_scope(Policy.objects.select_related("region"), request.user, Action.VIEW, pk=pk)
    defn = policy.definition()
    awards = selectors.award_totals(selectors.awards_list(user=request.user, policy=policy)) \
        if request.user.is_authenticated else []
    return render(request, "policies/policy_detail.html", {
        "p": policy, "conditions": [(c, c.describe(policy.data_year)) for c in defn.conditions],
        "formula": defn.formula.describe(policy.data_year), "awards": awards,
        "can_edit": can(request.user, Policy, Action.CHANGE) and Policy.objects.restrict(
            request.user, Action.CHANGE).filter(pk=pk).exists(),
        "is_officer": _is_officer(request.user),
        "own_enterprise": getattr(request.user, "enterprise_id", None) if request.user.is_authenticated else None,
    })


def _policy_form_page(request, policy: Policy | None):
    if request.method == "POST":
        form = forms.PolicyForm.from_post(request.POST)
        formula_form = forms.FormulaForm.from_post(request.POST)
        rows, conditions, at = forms.conditions_from_post(request.POST)
        data = form.data()
        data["conditions"], data["formula"] = conditions, formula_form.formula()
        try:
            policy = services.policy_save(user=request.user, data=data, policy=policy)
            messages.success(request, _("政策已保存"))
            return redirect("policies:detail", pk=policy.pk)
        except ValidationFailed as exc:
            form.fail(exc)
            other = formula_form.fail_engine(exc, rows, at)
            form.errors.setdefault("__all__", []).extend(other)
        rows += [{"field": "", "op": "", "value": "", "note": ""}]
    else:
        if policy is None:
            year = timezone.localdate().year
            form = forms.PolicyForm({"year": year, "data_year": year - 1, "reference_date": f"{year}-01-01",
                                     "valid_from": f"{year}-01-01", "valid_to": f"{year}-12-31", "status": "draft"})
            formula_form = forms.FormulaForm({"f_type": "fixed", "f_rounding": "yuan", "f_mode": "bracket"})
            rows = forms.condition_rows([{"field": "district", "op": "eq", "value": request.user.region_id or ""}])
        else:
            form = forms.PolicyForm({
                "title": policy.title, "doc_number": policy.doc_number, "year": policy.year, "data_year": policy.data_year,
                "reference_date": policy.reference_date.isoformat(), "valid_from": policy.valid_from.isoformat(),
                "valid_to": policy.valid_to.isoformat() if policy.valid_to else "", "status": policy.status,
                "budget_wan": forms.plain(policy.budget / forms.WAN) if policy.budget is not None else "",
                "description": policy.description})
            formula_form = forms.FormulaForm.from_formula(policy.formula)
            rows = forms.condition_rows(policy.conditions)
    return render(request, "policies/policy_form.html", {
        "form": form, "formula_form": formula_form, "rows": rows, "policy": policy,
        "fact_choices": forms.FIELD_CHOICES, "op_choices": forms.OP_CHOICES, "facts": FACT_LIST,
        "type_ops": forms.type_ops(),
    })


@login_required
def policy_create(request):
    if not can(request.user, Policy, Action.ADD):
        raise Http404
    return _policy_form_page(request, None)


@login_required
def policy_edit(request, pk: int):
    policy = get_in_scope(Policy, request.user, Action.CHANGE, pk=pk)
    return _policy_form_page(request, policy)


def _eligible_filters(request) -> dict:
    return {"town": (request.GET.get("town") or "").strip()[:12] or None,
            "q": (request.GET.get("q") or "").strip()[:100] or None}


@login_required
def policy_eligible(request, pk: int):
    """免申即享: every eligible enterprise in the user's scope with its computed amount; the bureau proposes awards."""
    if not _is_officer(request.user):
        raise Http404
    policy = get_in_scope(Policy, request.user, Action.VIEW, pk=pk)
    if request.method == "POST":
        if request.POST.get("action") != "propose":
            raise Http404
        policy = get_in_scope(Policy, request.user, Action.CHANGE, pk=pk)  # only the issuing bureau proposes
        try:
            result = services.awards_propose(user=request.user, policy=policy)
            messages.success(request, _("已生成拟奖励 %(n)s 家（已有记录的 %(s)s 家未变动）") % {
                "n": result["created"], "s": result["skipped"]})
        except ValidationFailed as exc:
            messages.error(request, str(exc.errors[0]["message"]))
        return redirect("policies:eligible", pk=pk)
    filters = _eligible_filters(request)
    rows = selectors.eligible_rows(user=request.user, policy=policy, **filters)
    total = sum((r.evaluation.amount for r in rows), start=0)
    keys = [k for k in dict.fromkeys([c["field"] for c in policy.conditions] + [policy.formula.get("base")]) if k]
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    for r in page.object_list:
        r.shown = [_fact_text(k, r.facts.get(k)) for k in keys]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "policies/eligible.html", {
        "p": policy, "page": page, "n": len(rows), "total": total, "filters": filters,
        "columns": [FACTS[k].label_for(policy.data_year) for k in keys], "query": query.urlencode(),
        "can_propose": can(request.user, PolicyAward, Action.ADD) and policy.status == PolicyStatus.PUBLISHED,
        "pending": sum(1 for r in rows if r.award is None),
    })


def _fact_text(key: str, value) -> str:
    from .engine.conditions import show_actual

    return show_actual(FACTS[key].type, value)


@login_required
def policy_eligible_export(request, pk: int):
    if not _is_officer(request.user):
        raise Http404
    policy = get_in_scope(Policy, request.user, Action.VIEW, pk=pk)
    rows = selectors.eligible_rows(user=request.user, policy=policy, **_eligible_filters(request))
    return xlsx_response(eligible_xlsx(policy, rows), f"policy-{policy.pk}-eligible.xlsx")


@login_required
def award_list(request):
    g = request.GET
    policy = None
    if g.get("policy"):
        policy = get_in_scope(Policy, request.user, Action.VIEW, pk=_int(g.get("policy"), -1))
    status = g.get("status") if g.get("status") in AwardStatus.values else None
    if request.method == "POST":
        if not can(request.user, PolicyAward, Action.CHANGE):
            raise Http404
        action = request.POST.get("action")
        ids = [_int(i) for i in request.POST.getlist("award") if _int(i)]
        awards = list(PolicyAward.objects.restrict(request.user, Action.CHANGE).filter(pk__in=ids).select_related("enterprise"))
        if action not in (AwardAction.APPROVE, AwardAction.PAY) or not awards:
            messages.error(request, _("请选择奖励记录和操作"))
        else:
            result = services.awards_transition_many(user=request.user, awards=awards, action=action,
                                                     payment_ref=request.POST.get("payment_ref", ""))
            messages.success(request, _("已处理 %(n)s 条") % {"n": result["done"]})
            for f in result["failed"][:20]:
                messages.error(request, f"{f['enterprise']}：{f['message']}")
        return redirect(request.get_full_path())
    qs = selectors.awards_list(user=request.user, policy=policy, status=status)
    if g.get("format") == "xlsx":
        return xlsx_response(awards_xlsx(qs), "policy-awards.xlsx")
    page = Paginator(qs, 100).get_page(g.get("page"))
    query = g.copy()
    query.pop("page", None)
    return render(request, "policies/award_list.html", {
        "page": page, "policy": policy, "status": status or "", "statuses": AwardStatus.choices,
        "totals": selectors.award_totals(selectors.awards_list(user=request.user, policy=policy)),
        "can_act": can(request.user, PolicyAward, Action.CHANGE), "query": query.urlencode(),
        "policies": selectors.policy_list(user=request.user) if _is_officer(request.user) else [],
    })


@login_required
def award_detail(request, pk: int):
    award = get_in_scope(PolicyAward.objects.select_related("policy", "enterprise__town"), request.user, Action.VIEW, pk=pk)
    form = forms.AwardActionForm()
    if request.method == "POST":
        form = forms.AwardActionForm.from_post(request.POST)
        try:
            services.award_transition(user=request.user, award=award, action=request.POST.get("action", ""),
                                      note=request.POST.get("note", ""), payment_ref=request.POST.get("payment_ref", ""),
                                      paid_on=request.POST.get("paid_on") or None)
            messages.success(request, _("操作成功"))
            return redirect("policies:award", pk=pk)
        except ValidationFailed as exc:
            form.fail(exc)
            award.refresh_from_db()
    actions = services.allowed_actions(request.user, award) if can(request.user, PolicyAward, Action.CHANGE) else []
    return render(request, "policies/award_detail.html", {
        "a": award, "events": award.events.all(), "actions": [(a, AwardAction(a).label) for a in actions],
        "form": form, "explanation": award.explanation, "labels": dict(AwardStatus.choices),
    })


@login_required
def calculator_index(request):
    """Enterprises go straight to their own calculator; officers pick an enterprise in their scope."""
    user = request.user
    if not _is_officer(user):
        if user.enterprise_id:
            return redirect("policies:calculator", enterprise_id=user.enterprise_id)
        raise Http404
    q = (request.GET.get("q") or "").strip()[:100]
    qs = Enterprise.objects.restrict(user, Action.VIEW).select_related("town").order_by("name", "pk")
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "policies/calculator_index.html", {"page": page, "q": q})


@login_required
def calculator(request, enterprise_id: int):
    """Which policies this enterprise qualifies for, why or why not (each condition with its value), and how much."""
    enterprise = get_in_scope(Enterprise.objects.select_related("town"), request.user, Action.VIEW, pk=enterprise_id)
    rows = selectors.calculator(user=request.user, enterprise=enterprise)
    return render(request, "policies/calculator.html", {
        "e": enterprise, "rows": rows, "n_eligible": sum(1 for r in rows if r.evaluation.eligible),
        "total": sum((r.evaluation.amount for r in rows if r.evaluation.eligible), start=0),
    })


# ----- competitions ------------------------------------------------------------------------------------------------

@login_required
def competition_list(request):
    qs = Competition.objects.restrict(request.user, Action.VIEW)
    return render(request, "policies/competition_list.html", {
        "items": qs, "can_add": can(request.user, Competition, Action.ADD), "tab": "competitions"})


def _competition_form_page(request, competition):
    if request.method == "POST":
        form = forms.CompetitionForm.from_post(request.POST)
        try:
            competition = services.competition_save(user=request.user, data=form.data(), competition=competition)
            return redirect("policies:competition", pk=competition.pk)
        except ValidationFailed as exc:
            form.fail(exc)
    elif competition is not None:
        form = forms.CompetitionForm({f.name: getattr(competition, f.name) for f in forms.CompetitionForm.fields})
    else:
        form = forms.CompetitionForm({"year": timezone.localdate().year, "aggregation": "trimmed_mean",
                                      "min_judges": 3, "status": "draft"})
    return render(request, "policies/simple_form.html", {
        "form": form, "title": _("编辑赛事") if competition else _("新建赛事"), "tab": "competitions",
        "back": competition and f"/policies/competitions/{competition.pk}/"})


@login_required
def competition_create(request):
    if not can(request.user, Competition, Action.ADD):
        raise Http404
    return _competition_form_page(request, None)


@login_required
def competition_edit(request, pk: int):
    return _competition_form_page(request, get_in_scope(Competition, request.user, Action.CHANGE, pk=pk))


@login_required
def competition_detail(request, pk: int, forms_override: dict | None = None):
    comp = get_in_scope(Competition.objects.select_related("region"), request.user, Action.VIEW, pk=pk)
    manage = Competition.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists()
    ctx = selectors.competition_detail(user=request.user, competition=comp)
    div_choices = [(d.code, d.name) for d in ctx["divisions"]]
    entries = Entry.objects.restrict(request.user, Action.VIEW).filter(competition=comp).select_related("division")
    f = {"division": forms.DivisionForm(), "round": forms.RoundForm({"number": comp.rounds.count() + 1, "rule": "top_n"}),
         "entry": forms.EntryForm(), "prize": forms.PrizeForm()}
    f.update(forms_override or {})
    f["entry"].set_choices("division", div_choices)
    f["prize"].set_choices("entry", [("", "——")] + [(e.pk, f"{e.division.name} · {e}") for e in entries])
    return render(request, "policies/competition_detail.html", {
        "c": comp, "manage": manage, "tab": "competitions", "forms": f, "entries": entries,
        "rule_form": forms.DivisionRuleForm(), **ctx})


@login_required
@require_POST
def competition_post(request, pk: int, what: str):
    """The small forms of the competition page: add a division, a round, an entry or a prize."""
    comp = get_in_scope(Competition, request.user, Action.CHANGE, pk=pk)
    form_cls = {"division": forms.DivisionForm, "round": forms.RoundForm, "entry": forms.EntryForm,
                "prize": forms.PrizeForm}.get(what)
    if form_cls is None:
        raise Http404
    form = form_cls({f.name: request.POST.get(form_cls.prefix + f.name, "") for f in form_cls.fields})
    try:
        if what == "division":
            services.division_save(user=request.user, competition=comp, data=form.data())
        elif what == "round":
            services.round_save(user=request.user, competition=comp, data=form.data())
        elif what == "entry":
            services.entry_save(user=request.user, competition=comp, data=form.data())
        else:
            entry = get_in_scope(Entry, request.user, Action.CHANGE, pk=_int(form.values.get("entry"), -1))
            services.competition_award_save(user=request.user, competition=comp, entry=entry,
                                            prize=form.values.get("prize"), amount_wan=form.values.get("amount_wan"))
        messages.success(request, _("已保存"))
        return redirect("policies:competition", pk=pk)
    except ValidationFailed as exc:
        form.fail(exc)
        return competition_detail(request, pk, forms_override={what: form})


@login_required
def round_scores(request, pk: int):
    """Score entry grid for one round: entries × judges; a blank judge column adds a judge."""
    rnd = get_in_scope(Round.objects.select_related("competition"), request.user, Action.CHANGE, pk=pk)
    participants = list(selectors.round_participants(rnd))
    existing = {(s.entry_id, s.judge): s.score for s in Score.objects.filter(round=rnd)}
    judges = sorted({j for _, j in existing})
    errors: list[str] = []
    if request.method == "POST":
        judges_posted = [request.POST.get(f"judge-{i}", "").strip() for i in range(len(judges) + 3)]
        sheet = []
        for e in participants:
            for i, judge in enumerate(judges_posted):
                raw = request.POST.get(f"s-{e.pk}-{i}", "").strip()
                if raw:
                    sheet.append((e, judge, raw))
        try:
            n = services.round_scores_save(user=request.user, round=rnd, scores=sheet)
            messages.success(request, _("已保存 %(n)s 个评分") % {"n": n})
            return redirect("policies:round_scores", pk=pk)
        except ValidationFailed as exc:
            errors = [e["message"] for e in exc.errors]
            # show the sheet as typed, so nothing has to be entered twice
            columns = judges_posted
            grid = [{"entry": e, "cells": [(i, request.POST.get(f"s-{e.pk}-{i}", "")) for i in range(len(columns))]}
                    for e in participants]
    if not errors:
        columns = judges + ["", "", ""]
        grid = [{"entry": e, "cells": [(i, existing.get((e.pk, j), "")) for i, j in enumerate(columns)]}
                for e in participants]
    return render(request, "policies/round_scores.html", {
        "r": rnd, "c": rnd.competition, "columns": list(enumerate(columns)), "grid": grid, "errors": errors,
        "tab": "competitions"})


@login_required
@require_POST
def round_action(request, pk: int, action: str):
    rnd = get_in_scope(Round.objects.select_related("competition"), request.user, Action.CHANGE, pk=pk)
    try:
        if action == "close":
            services.round_close(user=request.user, round=rnd)
            messages.success(request, _("评分已结束，晋级名单已生成"))
        elif action == "reopen":
            services.round_reopen(user=request.user, round=rnd)
            messages.success(request, _("已重新开放评分"))
        elif action == "rule":
            division = get_in_scope(Division, request.user, Action.CHANGE, pk=_int(request.POST.get("division"), -1))
            services.division_rule_save(user=request.user, round=rnd, division=division, data={
                k: request.POST.get(k, "") for k in ("rule", "top_n", "threshold") if request.POST.get(k, "") != ""})
            messages.success(request, _("赛区晋级规则已保存"))
        else:
            raise Http404
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, e["message"])
    return redirect("policies:competition", pk=rnd.competition_id)


# ----- trainings ---------------------------------------------------------------------------------------------------

@login_required
def training_list(request):
    items = list(Training.objects.restrict(request.user, Action.VIEW))
    for t in items:
        t.reach = selectors.training_reach(t)
    return render(request, "policies/training_list.html", {
        "items": items, "can_add": can(request.user, Training, Action.ADD), "tab": "trainings"})


def _simple_page(request, form_cls, save, obj, title, tab, back, initial):
    if request.method == "POST":
        form = form_cls.from_post(request.POST)
        try:
            obj = save(form.data(), obj)
            return redirect(obj.get_absolute_url())
        except ValidationFailed as exc:
            form.fail(exc)
    elif obj is not None:
        form = form_cls({f.name: getattr(obj, f.name, "") for f in form_cls.fields})
    else:
        form = form_cls(initial)
    return render(request, "policies/simple_form.html", {"form": form, "title": title, "tab": tab, "back": back})


@login_required
def training_create(request):
    if not can(request.user, Training, Action.ADD):
        raise Http404
    return _simple_page(request, forms.TrainingForm,
                        lambda data, obj: services.training_save(user=request.user, data=data), None, _("新建培训"),
                        "trainings", None, {"year": timezone.localdate().year, "status": "draft"})


@login_required
def training_edit(request, pk: int):
    obj = get_in_scope(Training, request.user, Action.CHANGE, pk=pk)
    return _simple_page(request, forms.TrainingForm,
                        lambda data, o: services.training_save(user=request.user, data=data, training=o), obj,
                        _("编辑培训"), "trainings", obj.get_absolute_url(), {})


@login_required
def training_detail(request, pk: int, forms_override: dict | None = None):
    t = get_in_scope(Training, request.user, Action.VIEW, pk=pk)
    manage = Training.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists()
    sessions = list(t.sessions.all())
    attendance = {}
    for a in Attendance.objects.restrict(request.user, Action.VIEW).filter(session__training=t).select_related("enterprise"):
        attendance.setdefault(a.session_id, []).append(a)
    for s in sessions:
        s.visible_attendance = attendance.get(s.pk, [])
    f = {"session": forms.SessionForm(), "targets": forms.TargetsForm(), "attendance": forms.AttendanceForm()}
    f.update(forms_override or {})
    return render(request, "policies/training_detail.html", {
        "t": t, "sessions": sessions, "reach": selectors.training_reach(t), "manage": manage, "forms": f,
        "can_register": can(request.user, Attendance, Action.ADD), "tab": "trainings",
        "attendance_error_session": (forms_override or {}).get("attendance_session")})


@login_required
@require_POST
def training_post(request, pk: int, what: str):
    if what == "attendance":
        session = get_in_scope(TrainingSession, request.user, Action.VIEW, pk=_int(request.POST.get("session"), -1),
                               training_id=pk)
        form = forms.AttendanceForm.from_post(request.POST)
        try:
            services.attendance_add(user=request.user, session=session, data=form.data())
            messages.success(request, _("已登记参训"))
            return redirect("policies:training", pk=pk)
        except ValidationFailed as exc:
            form.fail(exc)
            return training_detail(request, pk, forms_override={"attendance": form, "attendance_session": session.pk})
    t = get_in_scope(Training, request.user, Action.CHANGE, pk=pk)
    if what == "session":
        form = forms.SessionForm({f.name: request.POST.get("session-" + f.name, "") for f in forms.SessionForm.fields})
        try:
            services.session_save(user=request.user, training=t, data=form.data())
            return redirect("policies:training", pk=pk)
        except ValidationFailed as exc:
            form.fail(exc)
            return training_detail(request, pk, forms_override={"session": form})
    if what == "targets":
        qs = Enterprise.objects.restrict(request.user, Action.VIEW)
        kind = request.POST.get("targets-qualification") or ""
        town = (request.POST.get("targets-town") or "").strip()
        usccs = [u.strip().upper() for u in (request.POST.get("targets-usccs") or "").split() if u.strip()]
        if usccs:
            qs = qs.filter(uscc__in=usccs)
        elif kind:
            day = timezone.localdate()
            qs = qs.filter(pk__in=Qualification.objects.filter(valid_on_q(day), kind=kind).values("enterprise_id"))
        else:
            messages.error(request, _("请选择资质或填写信用代码"))
            return redirect("policies:training", pk=pk)
        if town:
            qs = qs.filter(town__code__startswith=town)
        n = services.training_targets_add(user=request.user, training=t, enterprises=list(qs.values_list("pk", flat=True)))
        messages.success(request, _("新增目标企业 %(n)s 家") % {"n": n})
        return redirect("policies:training", pk=pk)
    raise Http404


# ----- fairs and auctions ------------------------------------------------------------------------------------------

@login_required
def fair_list(request):
    items = list(AchievementFair.objects.restrict(request.user, Action.VIEW))
    for f in items:
        f.stats = selectors.fair_stats(f)
    return render(request, "policies/fair_list.html", {
        "items": items, "can_add": can(request.user, AchievementFair, Action.ADD), "tab": "fairs"})


@login_required
def fair_create(request):
    if not can(request.user, AchievementFair, Action.ADD):
        raise Http404
    return _simple_page(request, forms.FairForm, lambda data, obj: services.fair_save(user=request.user, data=data),
                        None, _("新建成果发布/拍卖活动"), "fairs", None, {"kind": "auction", "status": "draft"})


@login_required
def fair_edit(request, pk: int):
    obj = get_in_scope(AchievementFair, request.user, Action.CHANGE, pk=pk)
    return _simple_page(request, forms.FairForm, lambda data, o: services.fair_save(user=request.user, data=data, fair=o),
                        obj, _("编辑活动"), "fairs", obj.get_absolute_url(), {})


@login_required
def fair_detail(request, pk: int, forms_override: dict | None = None):
    fair = get_in_scope(AchievementFair, request.user, Action.VIEW, pk=pk)
    f = {"lot": forms.LotForm(), "result": forms.LotResultForm({"status": "sold"})}
    f.update(forms_override or {})
    lots = list(Lot.objects.restrict(request.user, Action.VIEW).filter(fair=fair))
    for lot in lots:
        lot.hammer_wan = forms.plain(lot.hammer_price / forms.WAN) if lot.hammer_price is not None else ""
    return render(request, "policies/fair_detail.html", {
        "f": fair, "lots": lots,
        "stats": selectors.fair_stats(fair), "tab": "fairs", "forms": f,
        "manage": AchievementFair.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists(),
        "result_lot": (forms_override or {}).get("result_lot")})


@login_required
@require_POST
def fair_post(request, pk: int, what: str):
    fair = get_in_scope(AchievementFair, request.user, Action.CHANGE, pk=pk)
    if what == "lot":
        form = forms.LotForm({f.name: request.POST.get("lot-" + f.name, "") for f in forms.LotForm.fields})
        try:
            services.lot_save(user=request.user, fair=fair, data=form.data())
            return redirect("policies:fair", pk=pk)
        except ValidationFailed as exc:
            return fair_detail(request, pk, forms_override={"lot": form.fail(exc)})
    if what == "result":
        lot = get_in_scope(Lot, request.user, Action.CHANGE, pk=_int(request.POST.get("lot"), -1), fair=fair)
        form = forms.LotResultForm.from_post(request.POST)
        try:
            services.lot_result(user=request.user, lot=lot, data=form.data())
            return redirect("policies:fair", pk=pk)
        except ValidationFailed as exc:
            return fair_detail(request, pk, forms_override={"result": form.fail(exc), "result_lot": lot.pk})
    raise Http404


# ----- work tasks --------------------------------------------------------------------------------------------------

@login_required
def task_board(request):
    """挂图作战: the year's tasks grouped by line of work, with progress and overdue flags."""
    if not can(request.user, WorkTask, Action.VIEW):
        raise Http404
    g = request.GET
    year = _int(g.get("year"), timezone.localdate().year)
    line = g.get("line") if g.get("line") in TaskLine.values else None
    state = g.get("state") if g.get("state") in TaskState.values else None
    board = selectors.task_board(user=request.user, year=year, line=line, state=state,
                                 owner_unit=(g.get("owner_unit") or "").strip()[:50] or None)
    return render(request, "policies/task_board.html", {
        **board, "year": year, "filters": {"line": line or "", "state": state or "", "owner_unit": g.get("owner_unit", "")},
        "lines": TaskLine.choices, "states": TaskState.choices, "can_add": _is_bureau(request.user),
        "state_counts": [(s, label, board["counts"][s]) for s, label in TaskState.choices],
    })


def _is_bureau(user) -> bool:
    return user.is_superuser or user.role == Role.BUREAU


def _indicator_choices():
    return [("", "——")] + [(i.code, f"{i.code} {i.name_zh}（{i.unit}）") for i in Indicator.objects.all()]


def _task_form_page(request, task):
    if not _is_bureau(request.user):
        raise Http404
    if request.method == "POST":
        form = forms.TaskForm.from_post(request.POST)
        data = form.data()
        try:
            task = services.task_save(user=request.user, data=data, task=task)
            return redirect("policies:task", pk=task.pk)
        except ValidationFailed as exc:
            form.fail(exc)
    elif task is not None:
        form = forms.TaskForm({f.name: getattr(task, f.name + ("_id" if f.name in ("indicator", "region") else ""), "")
                               for f in forms.TaskForm.fields})
    else:
        form = forms.TaskForm({"year": timezone.localdate().year, "line": "subjects"})
    form.set_choices("indicator", _indicator_choices())
    return render(request, "policies/simple_form.html", {
        "form": form, "title": _("编辑任务") if task else _("新建任务"), "tab": "tasks",
        "back": task.get_absolute_url() if task else None})


@login_required
def task_create(request):
    return _task_form_page(request, None)


@login_required
def task_edit(request, pk: int):
    return _task_form_page(request, get_in_scope(WorkTask, request.user, Action.CHANGE, pk=pk))


@login_required
def task_detail(request, pk: int):
    task = get_in_scope(WorkTask.objects.select_related("indicator", "region"), request.user, Action.VIEW, pk=pk)
    can_report = WorkTask.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists()
    form = forms.ProgressForm({"percent": task.progress, "reported_on": timezone.localdate().isoformat()})
    if request.method == "POST":
        if not can_report:
            raise Http404
        form = forms.ProgressForm.from_post(request.POST)
        try:
            services.task_progress_add(user=request.user, task=task, data=form.data())
            messages.success(request, _("进度已更新"))
            return redirect("policies:task", pk=pk)
        except ValidationFailed as exc:
            form.fail(exc)
    today = timezone.localdate()
    state = task.state(today)
    return render(request, "policies/task_detail.html", {
        "t": task, "updates": task.updates.all(), "form": form, "can_report": can_report,
        "state": state, "state_label": TaskState(state).label, "can_edit": _is_bureau(request.user), "tab": "tasks",
        "days_overdue": max(0, (today - task.deadline).days)})
