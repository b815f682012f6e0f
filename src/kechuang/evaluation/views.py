"""Evaluation pages: self-assessment, district runs and candidate lists, pool batches, validity. Thin views:
reads go through selectors (restrict), writes through services; no rule logic here."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.core.api import xlsx_response
from kechuang.core.choices import Action, Role
from kechuang.core.errors import ValidationFailed
from kechuang.core.fields import parse_date
from kechuang.core.scope import get_in_scope
from kechuang.enterprises.models import Enterprise
from kechuang.regions.choices import RegionLevel
from kechuang.regions.models import Region
from kechuang.regions.services import home_region_code

from . import present, selectors, services, workflow
from .assess import assess_hte, assess_startup, assess_tsme
from .choices import HTE_CODES, BatchStatus, CandidateReason, EntryStatus, Verdict
from .engine import ProfileError, ruleset_for
from .engine.profiles import EXPERT_INT_FIELDS
from .exports import entries_xlsx, publication_xlsx, results_xlsx
from .models import AssessmentInput
from .profiles import load_facts


def _day(request, name: str = "date") -> dt.date:
    raw = request.GET.get(name)
    if raw:
        try:
            return parse_date(raw)
        except ValueError:
            messages.error(request, _("日期格式不正确，已按今天计算"))
    return dt.date.today()


def _fail(request, exc: ValidationFailed) -> None:
    for e in exc.errors:
        messages.error(request, f"{e['field']}: {e['message']}" if e["field"] != "__all__" else e["message"])


def _is_bureau(user) -> bool:
    return workflow.may(user, workflow.BUREAU)


# ---------------------------------------------------------------------------------------------------------------
# Overview


@login_required
def overview(request):
    """Office roles: the latest run, the ladder figures and the ways in; an enterprise goes to its self-assessment."""
    user = request.user
    if not selectors.is_office(user):
        if user.role == Role.ENTERPRISE and user.enterprise_id:
            return redirect("evaluation:hte", pk=user.enterprise_id)
        raise Http404
    run = selectors.latest_run(user)
    today = dt.date.today()
    return render(request, "evaluation/overview.html", {
        "run": run, "summary": selectors.run_summary(user, run) if run else None,
        "valid": selectors.valid_hte_count(user, today), "expiring": selectors.hte_expiring(user, today.year, today),
        "batches": selectors.batches_visible(user)[:5], "can_run": services._run_roles(user),
        "today": today,
    })


# ---------------------------------------------------------------------------------------------------------------
# Self-assessment


EXPERT_LABELS = {
    "advancement": gettext_lazy("技术先进程度（0–8）"), "core_support": gettext_lazy("核心支持作用（0–8）"),
    "ip_quantity_points": gettext_lazy("知识产权数量得分"), "acquisition_points": gettext_lazy("知识产权获得方式得分"),
    "standards_bonus": gettext_lazy("参与标准制定加分（0–2）"), "transformation_points": gettext_lazy("科技成果转化得分"),
    "net_assets_growth_points": gettext_lazy("净资产增长率得分"), "sales_growth_points": gettext_lazy("销售收入增长率得分"),
}


def _input_form_data(post) -> dict:
    data = {"transformations": post.get("transformations", ""),
            "major_incident_last_year": "1" if post.get("major_incident_last_year") else "0"}
    if "expert_advancement" in post:
        expert = {name: post.get(f"expert_{name}", "") for name in EXPERT_INT_FIELDS}
        expert["rd_org"] = [post.get(f"expert_rd_org_{i}", "") for i in range(4)]
        data["expert"] = expert
    return data


@login_required
def hte_assessment(request, pk: int):
    """高企自评: every condition with value, threshold, comparator and clause; score range; verdict; gaps."""
    user = request.user
    ent = get_in_scope(Enterprise.objects.select_related("town", "domain"), user, Action.VIEW, pk=pk)
    # The enterprise is in scope; whether this role may write its assessment input is the model's scope rule
    # (the service re-checks the saved row with assert_in_scope).
    can_edit = user.is_superuser or AssessmentInput.scope.allowed(user.role, Action.CHANGE)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        try:
            services.assessment_input_save(user=user, enterprise=ent, data=_input_form_data(request.POST))
            messages.success(request, _("自评补充信息已保存"))
            return redirect(request.get_full_path())
        except ValidationFailed as exc:
            _fail(request, exc)
    day = _day(request)
    facts = load_facts([ent.pk], day)[ent.pk]
    expert = (facts.inputs.expert if facts.inputs else None) or {}
    org = list(expert.get("rd_org") or [None] * 4)
    ctx = {"e": ent, "day": day, "can_edit": can_edit, "can_expert": _is_bureau(user), "inputs": facts.inputs,
           "expert_fields": [{"name": n, "label": EXPERT_LABELS[n], "value": expert.get(n)} for n in EXPERT_INT_FIELDS],
           "rd_org_values": org, "office": selectors.is_office(user),
           "pool_status": selectors.pool_status_of(user, ent) if selectors.is_office(user) else None,
           "can_add_to_pool": workflow.may(user, workflow.MANAGE_ROLES)}
    try:
        a = assess_hte(facts, day, home=home_region_code())
    except ProfileError as exc:
        ctx["error"] = exc
        return render(request, "evaluation/hte.html", ctx)
    r = a.result
    ctx.update({
        "a": a, "r": r, "verdict_label": Verdict(r.verdict).label,
        "verdict_class": present.VERDICT_CLASS[r.verdict],
        "conditions": present.condition_rows("hte", r.conditions),
        "scores": present.hte_score_rows(r.scores),
        "flags": present.flag_rows(r.flags),
        "gaps": present.gap_rows(a.gaps()),
        "notes": [n.text for n in a.notes],
        "years": a.profile.fiscal_years, "latest": a.profile.latest_year,
        "ruleset": r.ruleset, "pool": a.pool if selectors.is_office(user) else None,
    })
    return render(request, "evaluation/hte.html", ctx)


@login_required
def tsme_assessment(request, pk: int):
    """科小自评 on the previous fiscal year's data."""
    ent = get_in_scope(Enterprise.objects.select_related("town"), request.user, Action.VIEW, pk=pk)
    day = _day(request)
    ctx = {"e": ent, "day": day}
    try:
        a = assess_tsme(load_facts([ent.pk], day)[ent.pk], day)
    except ProfileError as exc:
        ctx["error"] = exc
        return render(request, "evaluation/tsme.html", ctx)
    r = a.result
    ctx.update({
        "a": a, "r": r, "conditions": present.condition_rows("tsme", r.conditions),
        "flags": present.flag_rows(r.flags), "gaps": present.gap_rows(a.gaps()),
        "notes": [n.text for n in a.notes], "ruleset": r.ruleset, "s": r.scores,
        "score_rows": present.tsme_score_rows(r),
    })
    return render(request, "evaluation/tsme.html", ctx)


# ---------------------------------------------------------------------------------------------------------------
# Runs and candidate lists


def _result_filters(request) -> dict:
    g = request.GET
    cand = g.get("candidate")
    return {
        "verdict": g.get("verdict") or None,
        "candidate": True if cand == "1" else (False if cand == "0" else None),
        "town": g.get("town") or None,
        "failed": g.get("failed") or None,
        "reason": g.get("reason") or None,
        "q": (g.get("q") or "").strip()[:100] or None,
        "sort": g.get("sort") or None,
    }


def _scope_regions(user):
    """Regions a user may start a run for: their district and its towns (bureau), their own town (assistant)."""
    if user.is_superuser and not user.region_id:
        code = home_region_code()
    else:
        code = user.region_id or "-"
    if user.role == Role.TOWN and not user.is_superuser:
        return Region.objects.filter(code=code)
    return Region.objects.filter(code__startswith=code, level__in=[RegionLevel.DISTRICT, RegionLevel.TOWN,
                                                                   RegionLevel.CITY]).order_by("code")


@login_required
def runs(request):
    user = request.user
    selectors.require_office(user)
    if request.method == "POST":
        try:
            run = services.evaluation_run_start(user=user, region=request.POST.get("region") or None,
                                                on=request.POST.get("on") or None)
        except ValidationFailed as exc:
            _fail(request, exc)
            return redirect("evaluation:runs")
        run = services.evaluation_run_execute(run.pk)
        messages.success(request, _("评价完成：%(n)s 家企业，培育库候选 %(c)s 家") % {"n": run.total, "c": run.candidates})
        return redirect("evaluation:run", pk=run.pk)
    page = Paginator(selectors.runs_visible(user).order_by("-created_at", "-pk"), 20).get_page(request.GET.get("page"))
    return render(request, "evaluation/runs.html", {
        "page": page, "can_run": services._run_roles(user), "regions": _scope_regions(user),
        "today": dt.date.today(),
    })


SORT_COLUMNS = [("name", gettext_lazy("企业名称")), ("town", gettext_lazy("镇街")), ("verdict", gettext_lazy("结论")),
                ("score_min", gettext_lazy("保守分")), ("score_max", gettext_lazy("乐观分")), ("failed", gettext_lazy("未满足")),
                ("tech", gettext_lazy("科技人员占比")), ("rd", gettext_lazy("研发占比")), ("hitech", gettext_lazy("高新收入占比")),
                ("sales", gettext_lazy("销售收入"))]


@login_required
def run_detail(request, pk: int):
    """A run's results (the candidate list with `candidate=1`), filterable, sortable, exportable."""
    user = request.user
    run = selectors.run_get(user, pk)
    filters = _result_filters(request)
    qs = selectors.result_list(user, run, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    current = filters["sort"] or ""
    columns = [{"key": k, "label": label, "dir": "-" if current == k else "",
                "active": current.lstrip("-") == k} for k, label in SORT_COLUMNS]
    return render(request, "evaluation/run.html", {
        "run": run, "page": page, "filters": filters, "query": query.urlencode(), "sort_query": sort_query.urlencode(),
        "summary": selectors.run_summary(user, run), "columns": columns, "codes": HTE_CODES,
        "verdicts": Verdict.choices, "reasons": CandidateReason.choices,
        "towns": Region.objects.filter(level=RegionLevel.TOWN, code__startswith=run.region_id).order_by("code"),
        "job": run.job,
    })


@login_required
def run_progress(request, pk: int):
    """The progress fragment polled by htmx while a run is executing elsewhere (a worker)."""
    run = selectors.run_get(request.user, pk)
    return render(request, "evaluation/_progress.html", {"run": run, "job": run.job})


@login_required
def run_export(request, pk: int):
    run = selectors.run_get(request.user, pk)
    filters = _result_filters(request)
    qs = selectors.result_list(request.user, run, **filters)
    name = "candidates" if filters["candidate"] else "results"
    return xlsx_response(results_xlsx(run, qs), f"evaluation-{run.pk}-{name}.xlsx")


@login_required
def candidates(request):
    """The cultivation-pool candidate list of the latest run in the user's scope."""
    selectors.require_office(request.user)
    run = selectors.latest_run(request.user)
    if run is None:
        messages.info(request, _("尚无评价结果，请先运行批量评价"))
        return redirect("evaluation:runs")
    return redirect(reverse("evaluation:run", args=[run.pk]) + "?candidate=1")


# ---------------------------------------------------------------------------------------------------------------
# Pool batches


@login_required
def pool_list(request):
    user = request.user
    selectors.require_office(user)
    if request.method == "POST":
        try:
            batch = services.pool_batch_create(user=user, data=request.POST.dict())
        except ValidationFailed as exc:
            _fail(request, exc)
            return redirect("evaluation:pool")
        messages.success(request, _("已创建批次：%(name)s") % {"name": batch.name})
        return redirect("evaluation:batch", pk=batch.pk)
    year = dt.date.today().year
    return render(request, "evaluation/pool_list.html", {
        "batches": selectors.batches_visible(user), "can_manage": _is_bureau(user), "year": year,
        "suggested": _("%(y)s年第一批") % {"y": year},
    })


@login_required
def batch_detail(request, pk: int):
    user = request.user
    batch = selectors.batch_get(user, pk)
    status = request.GET.get("status") or None
    entries = selectors.entry_list(user, batch, status)
    bureau = _is_bureau(user)
    return render(request, "evaluation/batch.html", {
        "batch": batch, "entries": entries, "counts": selectors.batch_counts(user, batch), "status": status,
        "statuses": EntryStatus.choices, "can_manage": bureau and batch.status == BatchStatus.OPEN,
        "batch_actions": workflow.allowed_actions(workflow.BATCH_TRANSITIONS, batch.status, user),
        "events": selectors.batch_events(user, batch).order_by("-at", "-pk")[:30] if bureau else [],
        "run": batch.source_run,
    })


@login_required
@require_POST
def batch_action(request, pk: int, action: str):
    """propose | add | publish | reopen | close on a batch (bureau; a role refusal answers 403)."""
    user = request.user
    batch = selectors.batch_get(user, pk)
    try:
        if action == "propose":
            n = services.pool_batch_propose(user=user, batch=batch)
            messages.success(request, _("已从最新评价结果中提出 %(n)s 家候选企业") % {"n": n})
        elif action == "add":
            ent = get_in_scope(Enterprise, user, Action.VIEW, uscc=(request.POST.get("uscc") or "").strip().upper())
            services.pool_entry_add(user=user, batch=batch, enterprise=ent, note=request.POST.get("note", ""))
            messages.success(request, _("已添加：%(name)s") % {"name": ent.name})
        else:
            services.pool_batch_transition(user=user, batch=batch, action=action,
                                           reason=request.POST.get("reason", ""))
            messages.success(request, _("操作已完成"))
    except ValidationFailed as exc:
        _fail(request, exc)
    return redirect("evaluation:batch", pk=batch.pk)


@login_required
@require_POST
def entry_action(request, pk: int, action: str):
    """approve | reject | reconsider an entry (bureau only; a town assistant gets 403, outside scope 404)."""
    entry = selectors.entry_get(request.user, pk)
    try:
        services.pool_entry_transition(user=request.user, entry=entry, action=action,
                                       reason=request.POST.get("reason", ""))
        messages.success(request, _("%(name)s：操作已完成") % {"name": entry.enterprise.name})
    except ValidationFailed as exc:
        _fail(request, exc)
    return redirect(reverse("evaluation:batch", args=[entry.batch_id]) + f"#entry-{entry.pk}")


@login_required
def batch_publication(request, pk: int):
    batch = selectors.batch_get(request.user, pk)
    return xlsx_response(publication_xlsx(batch, selectors.entry_list(request.user, batch)),
                         f"pool-{batch.year}-{batch.pk}-publication.xlsx")


@login_required
def batch_entries_export(request, pk: int):
    batch = selectors.batch_get(request.user, pk)
    return xlsx_response(entries_xlsx(batch, selectors.entry_list(request.user, batch)),
                         f"pool-{batch.year}-{batch.pk}-entries.xlsx")


@login_required
def pool_conversion(request):
    """Conversion pool → HTE per batch over the years, with a member drill-down."""
    user = request.user
    selectors.require_office(user)
    members = None
    year, batch = request.GET.get("year"), request.GET.get("batch")
    if year and year.isdigit() and batch is not None:
        members = selectors.pool_members(user, int(year), batch)
    return render(request, "evaluation/conversion.html", {
        "rows": selectors.pool_conversion(user), "members": members, "year": year, "batch": batch,
    })


# ---------------------------------------------------------------------------------------------------------------
# Validity


@login_required
def validity(request):
    """Certificates expiring this year, valid HTE count on a date, tech-SME registrations, startup filings."""
    user = request.user
    selectors.require_office(user)
    today = dt.date.today()
    year = int(request.GET["year"]) if (request.GET.get("year") or "").isdigit() else today.year
    day = _day(request)
    expiring = selectors.hte_expiring(user, year, today)
    for row in expiring:
        zh, en = selectors.EXPIRY_STATUS[row["status"]]
        row["status_label"] = present.pick(zh, en)
    startup_rs = ruleset_for("startup", today)
    prospects = Paginator(selectors.startup_prospects(user, today), 20).get_page(request.GET.get("page"))
    facts = load_facts([e.pk for e in prospects.object_list], today)
    screened = []
    for e in prospects.object_list:
        res = assess_startup(facts[e.pk], today)
        screened.append({"e": e, "eligible": res["eligible"], "failed": res["failed_conditions"]})
    return render(request, "evaluation/validity.html", {
        "year": year, "day": day, "today": today, "expiring": expiring,
        "valid": selectors.valid_hte_count(user, day),
        "tsme": selectors.tsme_per_year(user), "startups": selectors.startup_filings_per_year(user),
        "prospects": prospects, "screened": screened, "startup_rs": startup_rs,
        "startup_conditions": startup_rs.data["conditions"],
        "due": sum(1 for r in expiring if r["status"] == "due"),
        "clawback": sum(1 for r in expiring if r["status"] == "clawback"),
    })
