"""API of the statistics: panel, trend, ranking, breakdown (the dashboard's data), targets, monthly reports.

Numbers are exact decimal strings (JSON null where not applicable); the dashboard rounds them for display.
Statistics answers are cached per data version (cache.py), so a dashboard of many charts costs the database
a few primary-key reads.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status

from kechuang.core.api import COMMON_RESPONSES, WRITE_RESPONSES, ErrorOut
from kechuang.core.choices import Action
from kechuang.core.errors import ValidationFailed
from kechuang.core.scope import get_in_scope

from . import selectors, services
from .cache import cached, data_version
from .catalog import engine_catalog
from .choices import ReportAction
from .engine import Period, PeriodError
from .models import Indicator, IndicatorValue, MonthlyReport, MonthlyReportTask, Target
from .serialize import jsonable

router = Router(tags=["indicators"])
JSON = "application/json; charset=utf-8"
MAX_TREND_MONTHS = 240


def _json_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type=JSON)


def _cached_json(kind: str, parts: tuple, compute, version: str | None = None) -> HttpResponse:
    version = version if version is not None else data_version()
    body = cached(f"json:{kind}", parts, lambda: json.dumps(jsonable(compute()), ensure_ascii=False).encode(),
                  version=version)
    return _json_response(body)


def parse_period_arg(text: str | None, name: str = "period", default: Period | None = None) -> Period:
    if not text:
        if default is not None:
            return default
        raise ValidationFailed("请提供统计期（YYYY-MM）", field=name)
    try:
        return Period.parse(text)
    except PeriodError:
        raise ValidationFailed(f"统计期格式应为 YYYY-MM（如 2025-11），实为“{text}”", field=name) from None


def _indicator_code(code: str | None, version: str | None = None) -> str:
    """The code, upper-cased, if the catalog (of the current data version, read once per process) knows it."""
    code = (code or "").strip().upper()
    if not code:
        raise ValidationFailed("请提供指标代码", field="code")
    if code not in engine_catalog(version):
        raise ValidationFailed(f"未知的指标代码：{code}", field="code")
    return code


# -- schemas (for the OpenAPI documentation; decimals travel as strings) ------------------------------------------


class PanelRowOut(Schema):
    code: str
    name: str
    name_en: str
    unit: str
    kind: str
    value: str | None
    previous_value: str | None
    yoy_pct: str | None
    yoy_pp: str | None
    share_pct: str | None
    rank: int | None
    rank_of: int
    target: str | None
    target_growth_pct: str | None
    completion_pct: str | None
    increment_completion_pct: str | None
    time_progress_pct: str | None
    behind_schedule: bool | None
    projection: str | None


class TrendPointOut(Schema):
    period: str
    value: str | None
    previous_value: str | None
    yoy_pct: str | None
    yoy_pp: str | None


class TrendOut(Schema):
    code: str
    name: str
    unit: str
    kind: str
    region: str
    region_name: str
    points: list[TrendPointOut]


class BreakdownRowOut(Schema):
    region: str
    name: str
    level: str | None
    value: str | None
    previous_value: str | None
    yoy_pct: str | None
    yoy_pp: str | None
    share_pct: str | None
    rank: int | None
    rank_of: int
    current: bool | None = None


class BreakdownOut(Schema):
    code: str
    name: str
    unit: str
    kind: str
    period: str
    parent: str
    parent_name: str
    parent_value: str | None
    region: str | None = None
    rows: list[BreakdownRowOut]


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    unit: str
    kind: str
    source: str
    formula: str


class ValueOut(Schema):
    region_id: str
    indicator_id: str
    year: int
    month: int
    value: Decimal
    source: str


class TargetOut(Schema):
    id: int
    region_id: str
    indicator_id: str
    year: int
    value: Decimal | None
    growth_pct: Decimal | None
    note: str


class TargetIn(Schema):
    region: str
    indicator: str
    year: int | str
    value: Decimal | str | None = None
    growth_pct: Decimal | str | None = None
    note: str | None = None


# -- statistics --------------------------------------------------------------------------------------------------


@router.get("/catalog", response={200: list[IndicatorOut], **COMMON_RESPONSES})
def catalog(request):
    """The indicator catalog (code, name, unit, kind flow/stock/ratio, source, formula)."""
    return Indicator.objects.restrict(request.user).order_by("position")


@router.get("/panel", url_name="indicators_panel", response={200: list[PanelRowOut], **WRITE_RESPONSES})
def panel(request, region: str | None = None, period: str | None = None):
    """The panel of a region (DESIGN §7): value, yoy_pct (yoy_pp for ratios), share_pct, rank, target,
    completion_pct, time_progress_pct, behind_schedule and year-end projection per indicator."""
    reg = selectors.region_or_404(request.user, region or selectors.default_region_code(request.user))
    p = parse_period_arg(period, default=selectors.last_complete_period())
    return _cached_json("panel", (reg.code, str(p)), lambda: selectors.panel(reg.code, p))


@router.get("/trend", url_name="indicators_trend", response={200: TrendOut, **WRITE_RESPONSES})
def trend(request, region: str | None = None, code: str = "GDP", start: str | None = None, end: str | None = None,
          freq: str = "month"):
    """One indicator of a region month by month (default: January three years ago to the last complete month);
    ``freq=year``: one point per year (December; the last year so far)."""
    if freq not in ("month", "year"):
        raise ValidationFailed("freq 应为 month 或 year", field="freq")
    reg = selectors.region_or_404(request.user, region or selectors.default_region_code(request.user))
    version = data_version()
    code = _indicator_code(code, version)
    last = parse_period_arg(end, "end", default=selectors.last_complete_period())
    first = parse_period_arg(start, "start", default=Period(last.year - 3, 1))
    if first > last:
        raise ValidationFailed(f"起始期 {first} 晚于截止期 {last}", field="start")
    if last - first >= MAX_TREND_MONTHS:
        raise ValidationFailed(f"区间最长 {MAX_TREND_MONTHS} 个月", field="start")
    return _cached_json("trend", (reg.code, code, str(first), str(last), freq),
                        lambda: selectors.trend(reg.code, code, first, last, yearly=freq == "year"), version)


@router.get("/ranking", url_name="indicators_ranking", response={200: BreakdownOut, **WRITE_RESPONSES})
def ranking(request, region: str | None = None, code: str = "GDP", period: str | None = None):
    """The region among its siblings (e.g. a district among the city's districts), largest first."""
    reg = selectors.region_or_404(request.user, region or selectors.default_region_code(request.user))
    version = data_version()
    code = _indicator_code(code, version)
    p = parse_period_arg(period, default=selectors.last_complete_period())
    if reg.parent_id is None:
        raise Http404
    return _cached_json("ranking", (reg.code, code, str(p)), lambda: selectors.ranking(reg.code, code, p), version)


@router.get("/breakdown", url_name="indicators_breakdown", response={200: BreakdownOut, **WRITE_RESPONSES})
def breakdown(request, region: str | None = None, code: str = "GDP", period: str | None = None):
    """One indicator across the region's children (the towns of a district), with share and rank."""
    reg = selectors.region_or_404(request.user, region or selectors.default_region_code(request.user))
    version = data_version()
    code = _indicator_code(code, version)
    p = parse_period_arg(period, default=selectors.last_complete_period())
    return _cached_json("breakdown", (reg.code, code, str(p)), lambda: selectors.breakdown(reg.code, code, p),
                        version)


@router.get("/values", response={200: list[ValueOut], **WRITE_RESPONSES})
def values(request, region: str | None = None, period: str | None = None):
    """The values stored for one region and month, with their source (imported / platform / derived)."""
    reg = selectors.region_or_404(request.user, region or selectors.default_region_code(request.user))
    p = parse_period_arg(period, default=selectors.last_complete_period())
    return (IndicatorValue.objects.restrict(request.user).filter(region=reg, year=p.year, month=p.month)
            .order_by("indicator__position"))


@router.post("/refresh", response={200: dict, **WRITE_RESPONSES})
def refresh(request, period: str | None = None):
    """Recount the platform indicators of one month for the home city (bureau only)."""
    if not (request.user.is_superuser or request.user.role == "bureau"):
        raise Http404
    p = parse_period_arg(period, default=selectors.last_complete_period())
    result = services.indicators_refresh(p.year, p.month)
    return {**result, "period": str(p)}


@router.get("/targets", response={200: list[TargetOut], **WRITE_RESPONSES})
def list_targets(request, region: str | None = None, year: int | None = None):
    reg = selectors.region_or_404(request.user, region or selectors.default_region_code(request.user))
    year = year or dt.date.today().year
    return Target.objects.restrict(request.user).filter(region=reg, year=year).order_by("indicator__position")


@router.post("/targets", response={200: TargetOut, **WRITE_RESPONSES})
def save_target(request, payload: TargetIn):
    """Create or replace a year's target (a value and/or a growth rate in %) for a region in the caller's scope."""
    data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in payload.dict().items()}
    return services.target_save(user=request.user, data=data)


@router.delete("/targets/{int:target_id}", response={204: None, **COMMON_RESPONSES})
def delete_target(request, target_id: int):
    target = get_in_scope(Target, request.user, Action.DELETE, pk=target_id)
    services.target_delete(user=request.user, target=target)
    return Status(204, None)


# -- monthly reports ------------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    region_id: str
    year: int
    month: int
    deadline: dt.date
    note: str


class TaskIn(Schema):
    region: str
    period: str
    deadline: str
    note: str | None = None


class ReportOut(Schema):
    id: int
    task_id: int
    enterprise_id: int
    enterprise_name: str
    town_id: str
    year: int
    month: int
    operating_revenue: Decimal | None
    value_added: Decimal | None
    staff: int | None
    rd_expense: Decimal | None
    explanation: str
    status: str
    submitted_at: dt.datetime | None
    first_submitted_at: dt.datetime | None
    review_note: str

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_town_id(obj):
        return obj.enterprise.town_id


class IssueOut(Schema):
    field: str
    code: str
    message: str
    level: str


class ReportSavedOut(Schema):
    report: ReportOut
    issues: list[IssueOut]


class ReportIn(Schema):
    """Money in 万元 (cumulative from January), staff at month end; ``submit`` reports it (with every check)."""

    task_id: int
    enterprise_id: int
    operating_revenue: Decimal | str | None = None
    value_added: Decimal | str | None = None
    staff: int | Decimal | str | None = None
    rd_expense: Decimal | str | None = None
    explanation: str | None = None
    submit: bool = False


class NoteIn(Schema):
    note: str | None = None


class TaskTownOut(Schema):
    town: str
    name: str
    expected: int
    reported: int
    accepted: int
    late: int
    missing: int
    operating_revenue: Decimal
    value_added: Decimal
    staff: Decimal
    rd_expense: Decimal


class TaskEnterpriseOut(Schema):
    enterprise_id: int
    name: str
    town_id: str
    state: str
    late: bool
    overdue: bool


class TaskStatusOut(Schema):
    task: TaskOut
    overdue: bool
    district: TaskTownOut
    towns: list[TaskTownOut]
    enterprises: list[TaskEnterpriseOut]


def _forbidden(exc: PermissionDenied):
    return Status(403, {"detail": str(exc) or "无权执行此操作"})


@router.get("/report-tasks", response={200: list[TaskOut], **COMMON_RESPONSES})
def list_tasks(request, year: int | None = None):
    """Monthly report tasks (every signed-in user may read them; the bureau creates them)."""
    qs = MonthlyReportTask.objects.restrict(request.user)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-month", "region_id")[:500]


@router.post("/report-tasks", response={201: TaskOut, 403: ErrorOut, **WRITE_RESPONSES})
def create_task(request, payload: TaskIn):
    if not MonthlyReportTask.scope.allowed(request.user.role, Action.ADD) and not request.user.is_superuser:
        return Status(403, {"detail": "仅科技局可下达月报任务"})
    return Status(201, services.report_task_create(user=request.user, data=payload.dict()))


@router.get("/report-tasks/{int:task_id}/status", response={200: TaskStatusOut, **COMMON_RESPONSES})
def task_status(request, task_id: int):
    """Who has reported, who is late or missing, per town, with town and district totals (accepted, yuan)."""
    if not (request.user.is_superuser or request.user.role in ("bureau", "town", "auditor")):
        raise Http404
    task = get_in_scope(MonthlyReportTask, request.user, Action.VIEW, pk=task_id)
    st = selectors.task_status(request.user, task)
    return {
        "task": task, "overdue": st["overdue"], "district": st["district"], "towns": st["towns"],
        "enterprises": [{"enterprise_id": r["enterprise"].pk, "name": r["enterprise"].name,
                         "town_id": r["enterprise"].town_id, "state": r["state"], "late": r["late"],
                         "overdue": r["overdue"]} for r in st["rows"]],
    }


@router.get("/reports", response={200: list[ReportOut], **COMMON_RESPONSES})
def list_reports(request, task_id: int | None = None, status: str | None = None):
    """Monthly reports within the caller's scope (an enterprise: its own; a town assistant: their town's)."""
    qs = MonthlyReport.objects.restrict(request.user).select_related("enterprise")
    if task_id:
        qs = qs.filter(task_id=task_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-year", "-month", "enterprise__name")[:2000]


@router.get("/reports/{int:report_id}", response={200: ReportOut, **COMMON_RESPONSES})
def get_report(request, report_id: int):
    return get_in_scope(MonthlyReport.objects.select_related("enterprise"), request.user, Action.VIEW, pk=report_id)


@router.post("/reports", response={200: ReportSavedOut, **WRITE_RESPONSES})
def save_report(request, payload: ReportIn):
    """Save (``submit``: report) an enterprise's figures; 422 lists every blocking check with its field."""
    from kechuang.enterprises.models import Enterprise

    task = get_in_scope(MonthlyReportTask, request.user, Action.VIEW, pk=payload.task_id)
    enterprise = get_in_scope(Enterprise, request.user, Action.VIEW, pk=payload.enterprise_id)
    if not (request.user.is_superuser or MonthlyReport.scope.allowed(request.user.role, Action.ADD)):
        raise Http404
    data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in payload.dict().items()}
    report, issues = services.monthly_report_save(user=request.user, task=task, enterprise=enterprise, data=data,
                                                  submit=payload.submit)
    return {"report": report, "issues": issues}


def _transition(request, report_id: int, action: str, note: str | None):
    report = get_in_scope(MonthlyReport.objects.select_related("enterprise", "task"), request.user, Action.VIEW,
                          pk=report_id)
    try:
        return services.monthly_report_transition(user=request.user, report=report, action=action, note=note or "")
    except PermissionDenied as exc:
        return _forbidden(exc)


@router.post("/reports/{int:report_id}/submit", response={200: ReportOut, 403: ErrorOut, **WRITE_RESPONSES})
def submit_report(request, report_id: int):
    return _transition(request, report_id, ReportAction.SUBMIT, "")


@router.post("/reports/{int:report_id}/accept", response={200: ReportOut, 403: ErrorOut, **WRITE_RESPONSES})
def accept_report(request, report_id: int, payload: NoteIn | None = None):
    return _transition(request, report_id, ReportAction.ACCEPT, payload.note if payload else "")


@router.post("/reports/{int:report_id}/return", response={200: ReportOut, 403: ErrorOut, **WRITE_RESPONSES})
def return_report(request, report_id: int, payload: NoteIn):
    return _transition(request, report_id, ReportAction.RETURN, payload.note)


@router.post("/reports/{int:report_id}/reopen", response={200: ReportOut, 403: ErrorOut, **WRITE_RESPONSES})
def reopen_report(request, report_id: int, payload: NoteIn | None = None):
    return _transition(request, report_id, ReportAction.REOPEN, payload.note if payload else "")


@router.get("/reports-analysis", response={200: dict, **WRITE_RESPONSES})
def analysis(request, region: str | None = None, year: int | None = None, quarter: int | None = None,
             field: str = "operating_revenue"):
    """The quarter's per-town analysis of accepted reports: total, growth, share, rank, contribution (bureau)."""
    if not (request.user.is_superuser or request.user.role in ("bureau", "auditor")):
        raise Http404
    reg = selectors.region_or_404(request.user, region or selectors.default_region_code(request.user))
    last = selectors.last_complete_period()
    year = year or last.year
    quarter = quarter if quarter is not None else max(1, (last.month // 3) or 1)
    if quarter not in (1, 2, 3, 4):
        raise ValidationFailed("季度应为1–4", field="quarter")
    if field not in selectors.ANALYSIS_FIELDS:
        raise ValidationFailed(f"字段应为 {', '.join(selectors.ANALYSIS_FIELDS)}", field="field")
    return jsonable(selectors.quarterly_analysis(request.user, reg.code, year, quarter, field))
