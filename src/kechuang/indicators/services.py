"""Writes for the statistics: platform refresh, targets, monthly report tasks and the monthly report workflow.

Every write runs in one transaction, names the acting user on the change log, re-checks scope after saving and
bumps the statistics' version token (cache.py) when it changes what a panel shows.
"""
from __future__ import annotations

import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kechuang.core.choices import Action, Role
from kechuang.core.errors import FieldErrors, ValidationFailed
from kechuang.core.fields import is_blank, parse_date, parse_decimal, parse_int, parse_text
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import stamp
from kechuang.regions.choices import RegionLevel
from kechuang.regions.models import Region

from .bulk import insert_values
from .cache import data_changed
from .choices import ReportAction, ReportStatus, ValueSource
from .engine import FIELDS, Issue, Period
from .engine import MonthlyReport as EngineReport
from .engine import check_monthly_report
from .engine.decimals import CTX
from .metrics import collect_metrics
from .models import (EDITABLE, REPORTED, Indicator, IndicatorValue, MonthlyReport, MonthlyReportEvent,
                     MonthlyReportTask, Target, transition_for)

logger = logging.getLogger(__name__)
SIX_PLACES = Decimal("0.000001")
WAN = Decimal(10000)
MONEY_FIELDS = ("operating_revenue", "value_added", "rd_expense")


def store_value(value: Decimal) -> Decimal:
    """A value as stored: 6 decimals, rounded half-up (exact for every figure entered by hand or imported)."""
    return value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


# -- platform refresh --------------------------------------------------------------------------------------------


def refresh_regions(city: str | None = None) -> list[str]:
    """The home city's districts and towns (the regions platform indicators are materialised for)."""
    from kechuang.regions.services import home_region_code

    city = city or home_region_code()[:4]
    return list(Region.objects.filter(code__startswith=city, level__in=[RegionLevel.DISTRICT, RegionLevel.TOWN])
                .order_by("code").values_list("code", flat=True))


@transaction.atomic
def indicators_refresh(year: int, month: int, region_codes: list[str] | None = None, *,
                       codes: list[str] | None = None) -> dict[str, int]:
    """Count every platform indicator (all apps' METRICS) for one month and store the values (source platform).

    Imported values are official statistics and are never overwritten by a platform count. Values are stored to
    6 decimals (亿元 to the 100 yuan). Returns the numbers of values created, updated and unchanged.
    """
    period = Period(year, month)
    regions = list(region_codes) if region_codes is not None else refresh_regions()
    metrics = collect_metrics()
    known = set(Indicator.objects.filter(code__in=list(metrics)).values_list("code", flat=True))
    wanted = [c for c in metrics if c in known and (codes is None or c in codes)]
    existing = {
        (r, c): (pk, v, s) for pk, r, c, v, s in IndicatorValue.objects.filter(
            indicator_id__in=wanted, year=year, month=month, region_id__in=regions,
        ).values_list("pk", "region_id", "indicator_id", "value", "source")
    }
    now = timezone.now()
    new, changed, same = [], [], 0
    failed: dict[str, str] = {}
    for code in wanted:
        try:
            with transaction.atomic():  # a savepoint: one app's failing metric must not abort the others
                counted = metrics[code](regions, period.year, period.month)
        except Exception as exc:  # noqa: BLE001 - reported to the caller, logged, never silently dropped
            logger.exception("metric %s failed for %s", code, period)
            failed[code] = f"{type(exc).__name__}: {exc}"
            continue
        for region, value in counted.items():
            if value is None:
                continue
            value = store_value(Decimal(value))
            hit = existing.get((region, code))
            if hit is None:
                new.append((region, code, year, month, value, ValueSource.PLATFORM, ""))
            elif hit[2] == ValueSource.IMPORTED:
                same += 1
            elif hit[1] != value:
                changed.append(IndicatorValue(pk=hit[0], value=value, source=ValueSource.PLATFORM, updated_at=now))
            else:
                same += 1
    # Machine counts are reproducible from the records, so they are written without change-log rows.
    insert_values(new)
    IndicatorValue.objects.bulk_update(changed, ["value", "source", "updated_at"], batch_size=2000)
    if new or changed:
        data_changed()
    return {"created": len(new), "updated": len(changed), "unchanged": same, "codes": len(wanted), "failed": failed}


def indicators_refresh_range(start: Period, end: Period, region_codes: list[str] | None = None, *,
                             codes: list[str] | None = None, progress=None) -> dict[str, int]:
    """`indicators_refresh` for every month from ``start`` to ``end``; ``progress(period, result)`` per month."""
    total = {"created": 0, "updated": 0, "unchanged": 0, "months": 0, "failed": {}}
    regions = region_codes if region_codes is not None else refresh_regions()
    for p in Period.range(start, end):
        result = indicators_refresh(p.year, p.month, regions, codes=codes)
        for k in ("created", "updated", "unchanged"):
            total[k] += result[k]
        for code, message in result["failed"].items():
            total["failed"].setdefault(code, f"{p}: {message}")
        total["months"] += 1
        if progress is not None:
            progress(p, result)
    return total


# -- targets -----------------------------------------------------------------------------------------------------


def _writable_region(user, code, errors, field="region") -> Region | None:
    from .selectors import statistics_regions

    if is_blank(code):
        errors.error(field, "请选择区域", "required")
        return None
    code = str(code).strip()
    region = Region.objects.filter(code=code).first()
    if region is None:
        errors.error(field, f"未知的行政区划代码：{code}", "unknown_region")
        return None
    if user is not None and not statistics_regions(user, Action.CHANGE).filter(code=code).exists():
        errors.error(field, f"区域 {code} {region.name} 不在您的管辖范围内", "out_of_scope")
        return None
    return region


def parse_year(value) -> int:
    return parse_int(value, min_value=2000, max_value=2100)


def parse_growth(value) -> Decimal:
    d = parse_decimal(value, min_value=Decimal(-100), places=4, max_digits=12)
    return d


def parse_value(value) -> Decimal:
    return parse_decimal(value, min_value=None, places=6, max_digits=24)


@transaction.atomic
def target_save(*, user, data: dict) -> Target:
    """Create or replace a year's target of one indicator at one region (a value and/or a growth rate in %)."""
    errors = FieldErrors()
    region = _writable_region(user, data.get("region"), errors)
    code = str(data.get("indicator") or "").strip()
    indicator = Indicator.objects.filter(code=code).first() if code else None
    if not code:
        errors.error("indicator", "请选择指标", "required")
    elif indicator is None:
        errors.error("indicator", f"未知的指标代码：{code}", "unknown_indicator")
    values: dict[str, Any] = {}
    for name, parse in (("year", parse_year), ("value", parse_value), ("growth_pct", parse_growth)):
        raw = data.get(name)
        if is_blank(raw):
            values[name] = None
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            errors.error(name, str(exc), "invalid")
    if values.get("year") is None and "year" not in {e["field"] for e in errors.items}:
        errors.error("year", "请填写年度", "required")
    if values.get("value") is None and values.get("growth_pct") is None and not any(
            e["field"] in ("value", "growth_pct") for e in errors.items):
        errors.error("value", "目标值和目标增速至少填写一项", "required")
    try:
        note = parse_text(data.get("note") or "", max_length=200)
    except ValueError as exc:
        errors.error("note", str(exc), "invalid")
        note = ""
    if indicator is not None and indicator.kind == "ratio" and values.get("growth_pct") is not None \
            and values.get("value") is None:
        errors.error("growth_pct", "比率类指标请填写目标值（增速目标不适用）", "ratio_growth")
    errors.raise_if_any()
    target = Target.objects.filter(indicator=indicator, region=region, year=values["year"]).first() \
        or Target(indicator=indicator, region=region, year=values["year"])
    created = target.pk is None
    target.value = store_value(values["value"]) if values["value"] is not None else None
    target.growth_pct = values["growth_pct"]
    target.note = note
    stamp(target, user).save()
    if user is not None:
        assert_in_scope(user, target, Action.ADD if created else Action.CHANGE)
    data_changed()
    return target


@transaction.atomic
def target_delete(*, user, target: Target) -> None:
    if user is not None:
        assert_in_scope(user, target, Action.DELETE)
    stamp(target, user).delete()
    data_changed()


# -- monthly report tasks ---------------------------------------------------------------------------------------


@transaction.atomic
def report_task_create(*, user, data: dict) -> MonthlyReportTask:
    """Open a month's tech-service report collection for a district, due after the month has ended."""
    errors = FieldErrors()
    region = _writable_region(user, data.get("region"), errors)
    if region is not None and region.level not in (RegionLevel.DISTRICT, RegionLevel.CITY):
        errors.error("region", "月报任务应下达到区县（或市）", "not_district")
    period = None
    try:
        period = Period.parse(str(data.get("period") or ""))
    except ValueError:
        errors.error("period", f"统计期格式应为 YYYY-MM，实为“{data.get('period') or ''}”", "invalid")
    deadline = None
    if is_blank(data.get("deadline")):
        errors.error("deadline", "请填写报送截止日期", "required")
    else:
        try:
            deadline = parse_date(data["deadline"])
        except ValueError as exc:
            errors.error("deadline", str(exc), "invalid")
    if period is not None and deadline is not None and deadline <= period.last_day():
        errors.error("deadline", f"截止日期应晚于统计期末（{period.last_day().isoformat()}）", "deadline_too_early")
    if period is not None and region is not None and \
            MonthlyReportTask.objects.filter(region=region, year=period.year, month=period.month).exists():
        errors.error("period", f"{region.name}{period.year}年{period.month}月的月报任务已存在", "duplicate")
    try:
        note = parse_text(data.get("note") or "", max_length=2000)
    except ValueError as exc:
        errors.error("note", str(exc), "invalid")
        note = ""
    errors.raise_if_any()
    task = MonthlyReportTask(region=region, year=period.year, month=period.month, deadline=deadline, note=note)
    stamp(task, user).save()
    if user is not None:
        assert_in_scope(user, task, Action.ADD)
    return task


# -- monthly reports --------------------------------------------------------------------------------------------


def _role(user) -> str:
    if user is None or user.is_superuser:
        return Role.BUREAU
    return user.role


def _to_wan(report: MonthlyReport | None) -> EngineReport | None:
    """A stored report as the engine sees it: money in 万元 (as typed), staff as a count."""
    if report is None:
        return None
    values = {}
    for name in FIELDS:
        v = getattr(report, name)
        if v is None:
            continue
        values[name] = (v / WAN).normalize(CTX) if name in MONEY_FIELDS else Decimal(v)
    return EngineReport(period=Period(report.year, report.month), values=values, explanation=report.explanation)


def comparison_reports(enterprise_id: int, period: Period) -> tuple[MonthlyReport | None, MonthlyReport | None]:
    """The enterprise's reported (submitted or accepted) figures of the previous month and a year earlier."""
    prev, last = period.previous(), period.previous_year()
    found = {(r.year, r.month): r for r in MonthlyReport.objects.filter(
        enterprise_id=enterprise_id, status__in=REPORTED,
    ).filter(year__in=[prev.year, last.year], month__in=[prev.month, last.month])}
    return found.get((prev.year, prev.month)), found.get((last.year, last.month))


#: Errors that block even saving a draft (the figure itself is unusable).
DRAFT_BLOCKING = frozenset({"invalid", "negative", "not_integer", "too_precise", "too_large"})


def _issue_dict(i: Issue) -> dict:
    return {"field": i.field or "__all__", "code": i.code, "message": i.message_zh, "message_en": i.message_en,
            "level": i.level}


def monthly_report_check(*, enterprise_id: int, period: Period, data: dict, explanation: str = "",
                         submit: bool = True, comparisons: tuple | None = None) -> tuple[list[dict], list[dict]]:
    """The engine's checks of a submission as (blocking errors, other issues), each naming its field.

    A draft is blocked only by unusable figures; a submission by every error, and a warning needs an
    explanation (情况说明). ``comparisons`` = (previous month, same month last year) as report-like objects
    (money in yuan); read from the database when not given.
    """
    raw = {name: data.get(name) for name in FIELDS}
    prev, last = comparisons if comparisons is not None else comparison_reports(enterprise_id, period)
    issues = check_monthly_report(EngineReport(period=period, values=raw, explanation=explanation or ""),
                                  _to_wan(prev), _to_wan(last))
    extra: list[dict] = []
    bad = {i.field for i in issues if i.level == "error"}
    for name in MONEY_FIELDS:
        v = raw.get(name)
        if name in bad or is_blank(v):
            continue
        try:
            parse_decimal(v, min_value=None, places=6, max_digits=14)
        except ValueError as exc:
            code = "too_precise" if "小数" in str(exc) else "too_large"
            extra.append({"field": name, "code": code, "message": f"{str(exc)}（单位：万元）", "level": "error"})
    all_issues = [_issue_dict(i) for i in issues] + extra
    if submit:
        blocking = [i for i in all_issues if i["level"] == "error"]
        warnings = [i for i in all_issues if i["level"] == "warning"]
        if warnings and not (explanation or "").strip() and not blocking:
            blocking.append({"field": "explanation", "code": "explanation_required", "level": "error",
                             "message": "存在需核实的数据（" + "；".join(w["message"] for w in warnings)
                             + "），请填写情况说明后再报送",
                             "message_en": "Some figures need checking (" + "; ".join(
                                 w.get("message_en") or w["message"] for w in warnings)
                             + "): fill in the explanation before submitting"})
        rest = [i for i in all_issues if i not in blocking]
    else:
        blocking = [i for i in all_issues if i["level"] == "error" and i["code"] in DRAFT_BLOCKING]
        rest = [i for i in all_issues if i not in blocking]
    return blocking, rest


def _event(report, action, from_status, user, note="") -> None:
    MonthlyReportEvent.objects.create(report=report, action=action, from_status=from_status or "",
                                      to_status=report.status, note=note,
                                      user=user if user is not None and user.is_authenticated else None)


@transaction.atomic
def monthly_report_save(*, user, task: MonthlyReportTask, enterprise, data: dict,
                        submit: bool = False) -> tuple[MonthlyReport, list[dict]]:
    """Save (and with ``submit`` report) one enterprise's figures for a task's month; money in 万元 in, yuan stored.

    Returns the report and the issues that did not block (warnings, hints). Raises ValidationFailed with every
    blocking issue, each naming its field.
    """
    period = Period(task.year, task.month)
    if not enterprise.town_id.startswith(task.region_id):
        raise ValidationFailed(f"企业不属于{task}的填报区域", field="enterprise")
    report = (MonthlyReport.objects.select_for_update().filter(enterprise=enterprise, year=task.year,
                                                               month=task.month).first())
    if report is not None and report.status not in EDITABLE:
        raise ValidationFailed(f"月报状态为“{report.get_status_display()}”，不能修改", field="status")
    explanation = data.get("explanation") or ""
    errors = FieldErrors()
    try:
        explanation = parse_text(explanation, max_length=2000)
    except ValueError as exc:
        errors.error("explanation", str(exc), "invalid")
    errors.raise_if_any()
    blocking, rest = monthly_report_check(enterprise_id=enterprise.pk, period=period, data=data,
                                          explanation=explanation, submit=submit)
    if blocking:
        raise ValidationFailed(blocking)
    created = report is None
    if created:
        report = MonthlyReport(task=task, enterprise=enterprise, year=task.year, month=task.month)
    before = report.status
    for name in FIELDS:
        raw = data.get(name)
        if is_blank(raw):
            setattr(report, name, None)
        elif name in MONEY_FIELDS:
            setattr(report, name, (parse_decimal(raw, min_value=None) * WAN).quantize(Decimal("0.01")))
        else:
            setattr(report, name, int(parse_decimal(raw, min_value=None)))
    report.explanation = explanation
    if submit:
        now = timezone.now()
        report.status = ReportStatus.SUBMITTED
        report.submitted_by = user if user is not None and user.is_authenticated else None
        report.submitted_at = now
        report.first_submitted_at = report.first_submitted_at or now
    stamp(report, user).save()
    if user is not None:
        assert_in_scope(user, report, Action.ADD if created else Action.CHANGE)
    _event(report, ReportAction.SUBMIT if submit else ReportAction.SAVE, None if created else before, user)
    return report, rest


@transaction.atomic
def monthly_report_transition(*, user, report: MonthlyReport, action: str, note: str = "") -> MonthlyReport:
    """Accept, return or reopen a report (submitting goes through `monthly_report_save`, which runs the checks).

    Raises PermissionDenied when the caller's role may not take the step, ValidationFailed when the report's
    state does not allow it. Accepting or reopening updates TSI_REVENUE for the month.
    """
    if action == ReportAction.SUBMIT:
        data = {name: (getattr(report, name) / WAN if name in MONEY_FIELDS and getattr(report, name) is not None
                       else getattr(report, name)) for name in FIELDS}
        data["explanation"] = report.explanation
        return monthly_report_save(user=user, task=report.task, enterprise=report.enterprise, data=data,
                                   submit=True)[0]
    step = transition_for(report.status, action)
    if step is None:
        raise ValidationFailed(f"月报状态为“{report.get_status_display()}”，不能执行“{ReportAction(action).label}”",
                               field="status")
    to_status, roles = step
    if _role(user) not in roles:
        raise PermissionDenied(f"您的角色不能执行“{ReportAction(action).label}”")
    note = (note or "").strip()
    if action == ReportAction.RETURN and not note:
        raise ValidationFailed("退回时请填写退回原因", field="note")
    if len(note) > 2000:
        raise ValidationFailed("长度不能超过2000个字符", field="note")
    before = report.status
    report.status = to_status
    report.reviewed_by = user if user is not None and user.is_authenticated else None
    report.reviewed_at = timezone.now()
    report.review_note = note
    stamp(report, user).save()
    if user is not None:
        assert_in_scope(user, report, Action.CHANGE)
    _event(report, action, before, user, note)
    if ReportStatus.ACCEPTED in (before, to_status):
        indicators_refresh(report.year, report.month, codes=["TSI_REVENUE"])
    return report


def task_is_open(task: MonthlyReportTask, today: dt.date | None = None) -> bool:
    """Whether the task's deadline has not passed yet."""
    return (today or timezone.localdate()) <= task.deadline


__all__ = [
    "PermissionDenied", "ValidationFailed", "indicators_refresh", "indicators_refresh_range", "monthly_report_check",
    "monthly_report_save", "monthly_report_transition", "report_task_create", "target_delete", "target_save",
]
