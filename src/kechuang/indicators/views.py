"""Pages: the dashboard (驾驶舱), the panel, targets, monthly report tasks, the report form, the analysis.

Every table is rendered on the server, so the pages work without JavaScript or the chart library; the dashboard's
charts are drawn on top by static/indicators/dashboard.js from the API's JSON.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import get_language

from kechuang.core.choices import Action, Role
from kechuang.core.errors import ValidationFailed
from kechuang.core.scope import can, get_in_scope
from kechuang.enterprises.models import Enterprise

from . import selectors, services
from .cache import cached, data_version
from .catalog import engine_catalog
from .choices import ReportAction, ReportStatus
from .engine import Period, PeriodError
from .models import EDITABLE, Indicator, MonthlyReport, MonthlyReportTask, Target

#: Headline indicators shown as KPI cards on the dashboard, in this order.
KPI_CODES = ["GDP", "HT_IND_VA", "HT_IND_VA_SHARE", "RD_GDP_RATIO", "TECH_TRADE", "HTE_VALID", "HTE_NET_NEW",
             "TSI_REVENUE"]
DEFAULT_CODE = "GDP"
WAN = Decimal(10000)


def _is_bureau(user) -> bool:
    return user.is_superuser or user.role in (Role.BUREAU, Role.AUDITOR)


def _period(request, name: str = "period", default: Period | None = None) -> Period:
    text = (request.GET.get(name) or "").strip()
    if not text:
        return default or selectors.last_complete_period()
    try:
        return Period.parse(text)
    except PeriodError:
        raise Http404
    # an unparsable period is a bad link; the API answers 422 with the field


def _region(request, action: str = Action.VIEW):
    code = request.GET.get("region") or selectors.default_region_code(request.user)
    return selectors.region_or_404(request.user, code, action)


def _code(request) -> str:
    code = (request.GET.get("code") or DEFAULT_CODE).strip().upper()
    if code not in engine_catalog():
        raise Http404
    return code


def _periods_offered(last: Period, n: int = 48) -> list[Period]:
    return [last - i for i in range(n)]


def _echarts_url() -> str:
    try:
        return static("vendor/echarts/echarts.min.js")
    except ValueError:  # a manifest without the vendored file: the page still works with its tables
        return ""


def _viewable(user, codes) -> set[str]:
    return set(selectors.statistics_regions(user).filter(code__in=list(codes)).values_list("code", flat=True))


def _ancestors(regs, code: str, viewable: set[str]) -> list[tuple[str, str]]:
    out, node = [], regs.tree.parent(code)
    while node is not None and node in viewable:
        out.append((node, regs.name(node)))
        node = regs.tree.parent(node)
    return list(reversed(out))


@login_required
def dashboard(request):
    """驾驶舱: KPI cards, the monthly trend, the ranking among siblings, the breakdown by town; drill-down."""
    region = _region(request)
    period = _period(request)
    code = _code(request)
    version = data_version()
    regs = selectors.regions_of(region.code)
    panel = cached("panel", (region.code, str(period)), lambda: selectors.panel(region.code, period), version=version)
    by_code = {r["code"]: r for r in panel}
    kpis = [by_code[c] for c in KPI_CODES if c in by_code]
    start = Period(period.year - 3, 1)
    trend = cached("trend", (region.code, code, str(start), str(period)),
                   lambda: selectors.trend(region.code, code, start, period), version=version)
    parent = regs.tree.parent(region.code)
    ranking = cached("ranking", (region.code, code, str(period)),
                     lambda: selectors.ranking(region.code, code, period), version=version) if parent else None
    children = regs.tree.children(region.code)
    breakdown = cached("breakdown", (region.code, code, str(period)),
                       lambda: selectors.breakdown(region.code, code, period), version=version) if children else None
    shown = {region.code, *(r["region"] for r in (ranking or {}).get("rows", [])),
             *(r["region"] for r in (breakdown or {}).get("rows", [])), *_all_ancestors(regs, region.code)}
    viewable = _viewable(request.user, shown)
    catalog = engine_catalog()
    return render(request, "indicators/dashboard.html", {
        "region": region, "period": period, "code": code, "indicator": catalog[code], "kpis": kpis,
        "trend": trend, "ranking": ranking, "breakdown": breakdown, "viewable": viewable,
        "ancestors": _ancestors(regs, region.code, viewable), "periods": _periods_offered(selectors.last_complete_period()),
        "indicators": list(catalog), "echarts_url": _echarts_url(),
        "api": {
            "trend": f"{reverse('api:indicators_trend')}?region={region.code}&code={code}&start={start}&end={period}",
            "ranking": f"{reverse('api:indicators_ranking')}?region={region.code}&code={code}&period={period}" if parent else "",
            "breakdown": f"{reverse('api:indicators_breakdown')}?region={region.code}&code={code}&period={period}" if children else "",
            "panel": f"{reverse('api:indicators_panel')}?region={region.code}&period={period}",
        },
    })


def _all_ancestors(regs, code):
    node = regs.tree.parent(code)
    while node is not None:
        yield node
        node = regs.tree.parent(node)


@login_required
def panel_page(request):
    """The full panel of a region: value, growth, share, rank, target, completion, pace, projection."""
    region = _region(request)
    period = _period(request)
    rows = cached("panel", (region.code, str(period)), lambda: selectors.panel(region.code, period))
    return render(request, "indicators/panel.html", {
        "region": region, "period": period, "rows": rows,
        "periods": _periods_offered(selectors.last_complete_period()),
        "can_refresh": request.user.is_superuser or request.user.role == Role.BUREAU,
        "behind": [r for r in rows if r["behind_schedule"]],
    })


@login_required
def refresh_page(request):
    """POST: recount the platform indicators of one month (bureau)."""
    if request.method != "POST" or not (request.user.is_superuser or request.user.role == Role.BUREAU):
        raise Http404
    try:
        period = Period.parse(request.POST.get("period", ""))
    except PeriodError:
        raise Http404
    result = services.indicators_refresh(period.year, period.month)
    messages.success(request, _("已重新统计 %(p)s 的平台指标：新增 %(c)d，更新 %(u)d") % {
        "p": period, "c": result["created"], "u": result["updated"]})
    for code, message in result["failed"].items():
        messages.error(request, f"{code}: {message}")
    return redirect(f"{reverse('indicators:panel')}?region={request.POST.get('region', '')}&period={period}")


@login_required
def targets_page(request):
    """A region's targets for a year: list, and for the bureau a form to add or change one."""
    region = _region(request)
    today = dt.date.today()
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    except ValueError:
        raise Http404
    can_edit = region.code in _viewable_change(request.user, region.code)
    errors, form = {}, {}
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if request.POST.get("delete"):
            target = get_in_scope(Target, request.user, Action.DELETE, pk=request.POST["delete"])
            services.target_delete(user=request.user, target=target)
            messages.success(request, _("已删除目标"))
            return redirect(f"{reverse('indicators:targets')}?region={region.code}&year={year}")
        form = {k: request.POST.get(k, "") for k in ("indicator", "year", "value", "growth_pct", "note")}
        try:
            services.target_save(user=request.user, data={**form, "region": region.code})
            messages.success(request, _("目标已保存"))
            return redirect(f"{reverse('indicators:targets')}?region={region.code}&year={form['year']}")
        except ValidationFailed as exc:
            errors = exc.by_field()
    period = Period(year, 12) if year < today.year else min(selectors.last_complete_period(), Period(year, 12))
    rows = [r for r in selectors.panel(region.code, period) if r["target"] is not None] if year <= today.year else []
    targets = Target.objects.restrict(request.user).filter(region=region, year=year).select_related("indicator") \
        .order_by("indicator__position")
    return render(request, "indicators/targets.html", {
        "region": region, "year": year, "targets": targets, "rows": rows, "period": period, "can_edit": can_edit,
        "errors": errors, "form": form, "indicators": Indicator.objects.order_by("position"),
        "years": list(range(today.year + 1, today.year - 5, -1)),
    })


def _viewable_change(user, code) -> set[str]:
    return set(selectors.statistics_regions(user, Action.CHANGE).filter(code=code).values_list("code", flat=True))


# -- monthly reports ------------------------------------------------------------------------------------------


@login_required
def reports_home(request):
    """Tasks (bureau: create one; town assistant: their town's progress; enterprise: its reports)."""
    user = request.user
    if user.role not in (Role.BUREAU, Role.TOWN, Role.ENTERPRISE, Role.AUDITOR) and not user.is_superuser:
        raise Http404
    errors, form = {}, {}
    can_create = user.is_superuser or user.role == Role.BUREAU
    if request.method == "POST":
        if not can_create:
            raise Http404
        form = {k: request.POST.get(k, "") for k in ("region", "period", "deadline", "note")}
        try:
            task = services.report_task_create(user=user, data=form)
            messages.success(request, _("已下达 %(t)s") % {"t": task})
            return redirect("indicators:task", task.pk)
        except ValidationFailed as exc:
            errors = exc.by_field()
    tasks = MonthlyReportTask.objects.restrict(user).select_related("region")
    if user.role == Role.TOWN and user.region_id:
        tasks = tasks.filter(region_id=user.region_id[:6])
    elif user.role == Role.BUREAU and user.region_id and not user.is_superuser:
        tasks = tasks.filter(region__code__startswith=user.region_id)
    elif user.role == Role.ENTERPRISE:
        tasks = tasks.filter(region_id=(user.enterprise.town_id[:6] if user.enterprise_id else "-"))
    tasks = list(tasks.order_by("-year", "-month", "region_id")[:36])
    mine = []
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        reports = {(r.year, r.month): r for r in MonthlyReport.objects.restrict(user).filter(
            enterprise_id=user.enterprise_id)}
        mine = [(t, reports.get((t.year, t.month))) for t in tasks]
    default_period = selectors.last_complete_period()
    nxt = default_period.next()
    return render(request, "indicators/reports.html", {
        "tasks": tasks, "mine": mine, "can_create": can_create, "errors": errors, "form": form,
        "default_region": selectors.default_region_code(user), "default_period": default_period,
        "default_deadline": dt.date(nxt.year, nxt.month, 10), "today": dt.date.today(),
    })


@login_required
def task_detail(request, pk: int):
    """A task's progress: per town expected, reported, late, missing and totals; enterprises with their state."""
    task = get_in_scope(MonthlyReportTask.objects.select_related("region"), request.user, Action.VIEW, pk=pk)
    if request.user.role == Role.ENTERPRISE and not request.user.is_superuser:
        if not request.user.enterprise_id:
            raise Http404
        return redirect("indicators:report_form", task.pk, request.user.enterprise_id)
    if request.user.role not in (Role.BUREAU, Role.TOWN, Role.AUDITOR) and not request.user.is_superuser:
        raise Http404
    status = selectors.task_status(request.user, task)
    return render(request, "indicators/task.html", {
        "task": task, "status": status, "can_fill": can(request.user, MonthlyReport, Action.ADD),
        "can_review": request.user.is_superuser or request.user.role == Role.BUREAU,
    })


def _wan(v):
    return None if v is None else f"{(v / WAN).normalize():f}"


@login_required
def report_form(request, task_pk: int, enterprise_pk: int):
    """The submission form (enterprise or its town assistant): the engine's checks as messages naming the field."""
    task = get_in_scope(MonthlyReportTask.objects.select_related("region"), request.user, Action.VIEW, pk=task_pk)
    enterprise = get_in_scope(Enterprise.objects.select_related("town"), request.user, Action.VIEW, pk=enterprise_pk)
    if not (request.user.is_superuser or MonthlyReport.scope.allowed(request.user.role, Action.ADD)):
        raise Http404
    if not enterprise.town_id.startswith(task.region_id):
        raise Http404
    report = MonthlyReport.objects.restrict(request.user).filter(enterprise=enterprise, year=task.year,
                                                                 month=task.month).first()
    period = Period(task.year, task.month)
    prev, last = services.comparison_reports(enterprise.pk, period)
    errors: dict[str, list[str]] = {}
    issues: list[dict] = []
    fields = ("operating_revenue", "value_added", "staff", "rd_expense", "explanation")
    if report is not None:
        form = {"operating_revenue": _wan(report.operating_revenue), "value_added": _wan(report.value_added),
                "staff": report.staff, "rd_expense": _wan(report.rd_expense), "explanation": report.explanation}
    else:
        form = dict.fromkeys(fields, "")
    if request.method == "POST":
        if report is not None and report.status not in EDITABLE:
            raise Http404
        form = {k: request.POST.get(k, "") for k in fields}
        submit = request.POST.get("action") == "submit"
        try:
            report, issues = services.monthly_report_save(user=request.user, task=task, enterprise=enterprise,
                                                          data=form, submit=submit)
            if submit:
                messages.success(request, _("月报已报送"))
            else:
                messages.success(request, _("草稿已保存"))
            if not issues:
                return redirect("indicators:report_form", task.pk, enterprise.pk)
        except ValidationFailed as exc:
            issues = _localised(exc.errors)
            errors = ValidationFailed(issues).by_field()
    return render(request, "indicators/report_form.html", {
        "task": task, "enterprise": enterprise, "report": report, "form": form, "errors": errors,
        "issues": _localised(issues), "prev": prev, "last": last, "period": period,
        "editable": report is None or report.status in EDITABLE,
        "labels": {"operating_revenue": _("营业收入"), "value_added": _("增加值"), "staff": _("从业人员"),
                   "rd_expense": _("研发费用"), "explanation": _("情况说明")},
        "events": report.events.select_related("user") if report is not None else [],
        "can_review": request.user.is_superuser or request.user.role in (Role.BUREAU, Role.TOWN),
    })


def _localised(issues: list[dict]) -> list[dict]:
    """The engine words every check in Chinese and English: show the English one on English pages."""
    if not (get_language() or "").startswith("en"):
        return issues
    return [{**i, "message": i.get("message_en") or i["message"]} for i in issues]


@login_required
def report_action(request, pk: int):
    """POST accept / return / reopen of a report (state machine in models.TRANSITIONS)."""
    if request.method != "POST":
        raise Http404
    report = get_in_scope(MonthlyReport.objects.select_related("task", "enterprise"), request.user, Action.VIEW, pk=pk)
    action = request.POST.get("action", "")
    if action not in (ReportAction.ACCEPT, ReportAction.RETURN, ReportAction.REOPEN):
        raise Http404
    try:
        services.monthly_report_transition(user=request.user, report=report, action=action,
                                           note=request.POST.get("note", ""))
        messages.success(request, _("已%(a)s") % {"a": ReportAction(action).label})
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, e["message"])
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("indicators:report_form", report.task_id, report.enterprise_id)


@login_required
def analysis_page(request):
    """Quarterly analysis per town (bureau): total, growth, share, rank and contribution to the district's growth."""
    if not _is_bureau(request.user):
        raise Http404
    region = _region(request)
    last = selectors.last_complete_period()
    default_q = last.quarter if last.is_quarter_end else (last.quarter - 1 or 4)
    default_y = last.year if (last.is_quarter_end or last.quarter > 1) else last.year - 1
    try:
        year = int(request.GET.get("year") or default_y)
        quarter = int(request.GET.get("quarter") or default_q)
    except ValueError:
        raise Http404
    field = request.GET.get("field") or "operating_revenue"
    if quarter not in (1, 2, 3, 4) or field not in selectors.ANALYSIS_FIELDS:
        raise Http404
    result = selectors.quarterly_analysis(request.user, region.code, year, quarter, field)
    return render(request, "indicators/analysis.html", {
        "region": region, "year": year, "quarter": quarter, "field": field, "result": result,
        "fields": selectors.ANALYSIS_FIELDS.items(), "years": range(dt.date.today().year, dt.date.today().year - 6, -1),
    })


__all__ = ["ReportStatus"]
