"""Import specs: indicator values (DESIGN §7 long format), yearly targets and tech-service monthly reports.

Same rules as every import: every row's errors at once (row, column, code, message), nothing written if any row
fails, re-import updates by the natural key.
"""
from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from kechuang.core.services import acting_user
from kechuang.core.choices import Action
from kechuang.core.fields import parse_decimal, parse_text
from kechuang.core.importing import Column, ImportSpec, RowContext
from kechuang.enterprises.validation import parse_uscc
from kechuang.regions.models import Region

from .cache import data_changed
from .choices import ReportAction, ReportStatus, ValueSource
from .engine import Period, PeriodError
from .models import (EDITABLE, REPORTED, Indicator, IndicatorValue, MonthlyReport, MonthlyReportEvent,
                     MonthlyReportTask, Target)
from .services import WAN, monthly_report_check, parse_growth, parse_value, parse_year, store_value

BATCH = 2000
COUNT_UNITS = ("家", "件", "个", "人", "项")


def parse_region_code(value) -> str:
    code = parse_text(value, max_length=12)
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValueError(f"区划代码应为2、4、6或9位数字，实为“{code}”")
    return code


def parse_period(value) -> Period:
    if hasattr(value, "year") and hasattr(value, "month"):  # a date cell
        return Period(value.year, value.month)
    text = parse_text(value, max_length=20).replace("/", "-").replace(".", "-")
    if len(text) == 6 and text.isdigit():  # 202511
        text = f"{text[:4]}-{text[4:]}"
    if len(text) == 6 and text[4] == "-":  # 2025-1 → 2025-01
        text = f"{text[:5]}0{text[5]}"
    try:
        return Period.parse(text)
    except PeriodError:
        raise ValueError(f"期间格式应为 YYYY-MM（如 2025-11），实为“{value}”") from None


def parse_code(value) -> str:
    return parse_text(value, max_length=40).upper()


class StatisticsScope:
    """Which regions a user may write statistics for: their own subtree (the statistics scope rule) and, because
    share and rank are computed against them, their parent region and the parent's other children (the city and
    the other districts, as published). The command line acts for the bureau of the home region."""

    def __init__(self, user):
        from kechuang.regions.services import home_region_code

        from .selectors import regions_of, statistics_regions

        if user is None:
            own = [home_region_code()]
        else:
            own = None if user.is_superuser else list(
                statistics_regions(user, Action.ADD).filter(code__in=_roots(user)).values_list("code", flat=True))
        self.all = own is None
        self.prefixes = tuple(own or ())
        self.exact: set[str] = set()
        for code in self.prefixes:
            tree = regions_of(code).tree
            parent = tree.parent(code)
            if parent is not None:
                self.exact.add(parent)
                self.exact.update(tree.children(parent))

    def allows(self, code: str) -> bool:
        return self.all or code in self.exact or code.startswith(self.prefixes)


def _roots(user) -> list[str]:
    return [user.region_id] if user is not None and user.region_id else []


class IndicatorValueImport(ImportSpec):
    """Indicator values in long format: region, period, indicator, value (flows cumulative from January)."""

    kind = "indicator_values"
    label = "指标数值"
    columns = [
        Column("region_code", "区划代码", parse_region_code, required=True, aliases=("region", "区域代码"),
               example="330212", help="6位区县代码、4位地市代码或9位镇街代码"),
        Column("period", "期间", parse_period, required=True, aliases=("统计期", "月份"), example="2025-11",
               help="YYYY-MM；流量指标填1月起累计值，存量指标填月末值"),
        Column("indicator_code", "指标代码", parse_code, required=True, aliases=("indicator", "code"),
               example="GDP", help="见指标目录"),
        Column("value", "数值", parse_value, required=True, aliases=("值",), example="1234.56",
               help="按指标目录的单位填写（亿元、家、件、%）"),
    ]

    def prepare(self, rows):
        codes = {r.get("region_code") for r in rows if r.get("region_code")}
        self.regions = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.scope = StatisticsScope(self.user)
        periods = {r["period"] for r in rows if isinstance(r.get("period"), Period)}
        self.existing = {}
        if periods and codes:
            qs = IndicatorValue.objects.filter(
                region_id__in=codes, year__in={p.year for p in periods}, month__in={p.month for p in periods},
                indicator_id__in={r.get("indicator_code") for r in rows if r.get("indicator_code")})
            for obj in qs.iterator(chunk_size=5000):
                self.existing[(obj.region_id, obj.indicator_id, Period(obj.year, obj.month))] = obj
        self.seen: dict[tuple, int] = {}
        self.current = Period.from_date(timezone.localdate())

    def clean_row(self, values, ctx: RowContext):
        region, period, code, value = (values.get(k) for k in ("region_code", "period", "indicator_code", "value"))
        if region:
            if region not in self.regions:
                ctx.error("region_code", f"未知的区划代码：{region}", "unknown_region")
            elif not self.scope.allows(region):
                ctx.error("region_code", f"区域 {region} 不在您的管辖范围内", "out_of_scope")
        if isinstance(period, Period) and period > self.current:
            ctx.error("period", f"期间 {period} 晚于当前月份", "future_period")
        indicator = self.indicators.get(code) if code else None
        if code and indicator is None:
            ctx.error("indicator_code", f"未知的指标代码：{code}", "unknown_indicator")
        if indicator is not None and isinstance(value, Decimal):
            if indicator.unit in COUNT_UNITS and value != value.to_integral_value():
                ctx.error("value", f"{indicator.name_zh}以“{indicator.unit}”计，应为整数（实为{value}）", "not_integer")
            if value < 0 and not indicator.formula:
                ctx.error("value", f"{indicator.name_zh}不能为负数（实为{value}）", "negative")
        if region and isinstance(period, Period) and code:
            key = (region, code, period)
            if key in self.seen:
                ctx.error("indicator_code", f"与第{self.seen[key]}行重复（{region} {period} {code}）", "duplicate")
            else:
                self.seen[key] = ctx.row
        return values

    def apply(self, rows):
        now = timezone.now()
        new, changed = [], []
        for r in rows:
            p: Period = r["period"]
            value = store_value(r["value"])
            obj = self.existing.get((r["region_code"], r["indicator_code"], p))
            if obj is None:
                new.append(IndicatorValue(region_id=r["region_code"], indicator_id=r["indicator_code"], year=p.year,
                                          month=p.month, value=value, source=ValueSource.IMPORTED,
                                          created_at=now, updated_at=now))
            elif obj.value != value or obj.source != ValueSource.IMPORTED:
                obj.value, obj.source, obj.updated_at = value, ValueSource.IMPORTED, now
                changed.append(obj)
        user = acting_user(self.user)
        if new:
            bulk_create_with_history(new, IndicatorValue, batch_size=BATCH, default_user=user,
                                     default_change_reason="import:indicator_values")
        if changed:
            bulk_update_with_history(changed, IndicatorValue, ["value", "source", "updated_at"], batch_size=BATCH,
                                     default_user=user, default_change_reason="import:indicator_values")
        data_changed()
        return len(new), len(changed)


class TargetImport(ImportSpec):
    """Yearly targets per region and indicator: an absolute value and/or a growth rate (%)."""

    kind = "targets"
    label = "年度目标"
    columns = [
        Column("region_code", "区划代码", parse_region_code, required=True, aliases=("region",), example="330212"),
        Column("year", "年度", parse_year, required=True, example=2026),
        Column("indicator_code", "指标代码", parse_code, required=True, aliases=("indicator", "code"),
               example="TECH_TRADE"),
        Column("value", "目标值", parse_value, aliases=("target",), example="60",
               help="按指标目录的单位；与目标增速至少填一项"),
        Column("growth_pct", "目标增速", parse_growth, aliases=("目标增速%", "growth"), example="12",
               help="较上年末增长的百分比，如 12 表示增长12%"),
        Column("note", "说明", lambda v: parse_text(v, max_length=200), example="技术交易额突破60亿元，增长12%"),
    ]

    def prepare(self, rows):
        from .selectors import statistics_regions

        codes = {r.get("region_code") for r in rows if r.get("region_code")}
        self.regions = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
        if self.user is None:
            from kechuang.regions.services import home_region_code

            home = home_region_code()
            self.writable = {c for c in self.regions if c.startswith(home)}
        else:
            self.writable = set(statistics_regions(self.user, Action.ADD).filter(code__in=codes)
                                .values_list("code", flat=True))
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        years = {r.get("year") for r in rows if r.get("year")}
        self.existing = {(t.region_id, t.indicator_id, t.year): t
                         for t in Target.objects.filter(region_id__in=codes, year__in=years)}
        self.seen: dict[tuple, int] = {}

    def clean_row(self, values, ctx):
        region, code = values.get("region_code"), values.get("indicator_code")
        if region:
            if region not in self.regions:
                ctx.error("region_code", f"未知的区划代码：{region}", "unknown_region")
            elif region not in self.writable:
                ctx.error("region_code", f"区域 {region} 不在您的管辖范围内", "out_of_scope")
        indicator = self.indicators.get(code) if code else None
        if code and indicator is None:
            ctx.error("indicator_code", f"未知的指标代码：{code}", "unknown_indicator")
        if values.get("value") is None and values.get("growth_pct") is None and not ctx.failed:
            ctx.error("value", "目标值和目标增速至少填写一项", "required")
        if indicator is not None and indicator.kind == "ratio" and values.get("growth_pct") is not None \
                and values.get("value") is None:
            ctx.error("growth_pct", "比率类指标请填写目标值（增速目标不适用）", "ratio_growth")
        key = (region, code, values.get("year"))
        if all(key):
            if key in self.seen:
                ctx.error("indicator_code", f"与第{self.seen[key]}行重复", "duplicate")
            else:
                self.seen[key] = ctx.row
        return values

    def apply(self, rows):
        now = timezone.now()
        new, changed = [], []
        for r in rows:
            value = store_value(r["value"]) if r.get("value") is not None else None
            obj = self.existing.get((r["region_code"], r["indicator_code"], r["year"]))
            if obj is None:
                obj = Target(region_id=r["region_code"], indicator_id=r["indicator_code"], year=r["year"],
                             created_at=now)
                new.append(obj)
            else:
                changed.append(obj)
            obj.value, obj.growth_pct, obj.note, obj.updated_at = value, r.get("growth_pct"), r.get("note") or "", now
        user = acting_user(self.user)
        if new:
            bulk_create_with_history(new, Target, batch_size=BATCH, default_user=user,
                                     default_change_reason="import:targets")
        if changed:
            bulk_update_with_history(changed, Target, ["value", "growth_pct", "note", "updated_at"], batch_size=BATCH,
                                     default_user=user, default_change_reason="import:targets")
        data_changed()
        return len(new), len(changed)


def _wan(value) -> Decimal:
    """A monthly report amount in 万元 (sign and size are checked with the other report checks)."""
    return parse_decimal(value, min_value=None, places=6, max_digits=14)


def _staff(value) -> Decimal:
    return parse_decimal(value, min_value=None)


class MonthlyReportImport(ImportSpec):
    """Monthly reports collected on paper or in a spreadsheet, imported as submitted (报送) reports; the same
    checks as the form (cumulative values never fall, ±50% needs an explanation, no negatives)."""

    kind = "monthly_reports"
    label = "科技服务业月报"
    columns = [
        Column("uscc", "统一社会信用代码", parse_uscc, required=True),
        Column("period", "期间", parse_period, required=True, aliases=("统计期", "月份"), example="2025-11"),
        Column("operating_revenue", "营业收入", _wan, required=True, example="1234.5",
               help="万元，1月起累计"),
        Column("value_added", "增加值", _wan, required=True, example="456.7", help="万元，1月起累计"),
        Column("staff", "从业人员", _staff, required=True, example=85, help="人，期末数"),
        Column("rd_expense", "研发费用", _wan, required=True, example="98.1", help="万元，1月起累计"),
        Column("explanation", "情况说明", lambda v: parse_text(v, max_length=2000),
               help="同比增减超过50%或增加值大于营业收入时必填"),
    ]

    def prepare(self, rows):
        from kechuang.enterprises.models import Enterprise

        usccs = {r.get("uscc") for r in rows if r.get("uscc")}
        self.enterprises = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=usccs)}
        if self.user is None:
            from kechuang.regions.services import home_region_code

            home = home_region_code()
            self.writable = {e.pk for e in self.enterprises.values() if e.town_id.startswith(home)}
        else:
            self.writable = set(Enterprise.objects.restrict(self.user, Action.VIEW).filter(uscc__in=usccs)
                                .values_list("pk", flat=True))
            if not MonthlyReport.scope.allowed(self.user.role, Action.ADD) and not self.user.is_superuser:
                self.writable = set()
        periods = {r["period"] for r in rows if isinstance(r.get("period"), Period)}
        self.tasks = {}
        for t in MonthlyReportTask.objects.filter(year__in={p.year for p in periods}):
            self.tasks[(t.region_id, Period(t.year, t.month))] = t
        ids = [e.pk for e in self.enterprises.values()]
        years = {p.year for p in periods} | {p.year - 1 for p in periods}
        self.existing, self.reported = {}, {}
        for r in MonthlyReport.objects.filter(enterprise_id__in=ids, year__in=years):
            key = (r.enterprise_id, Period(r.year, r.month))
            self.existing[key] = r
            if r.status in REPORTED:
                self.reported[key] = r
        # The file's own rows serve as previous months / last years for each other.
        self.in_file = {(r.get("uscc"), r.get("period")): r for r in rows if r.get("uscc") and r.get("period")}
        self.seen: dict[tuple, int] = {}

    def _task(self, enterprise, period):
        for (region, p), task in self.tasks.items():
            if p == period and enterprise.town_id.startswith(region):
                return task
        return None

    def clean_row(self, values, ctx):
        uscc, period = values.get("uscc"), values.get("period")
        ent = self.enterprises.get(uscc) if uscc else None
        if uscc and ent is None:
            ctx.error("uscc", f"企业 {uscc} 尚未登记，请先导入企业名录", "unknown_enterprise")
        elif ent is not None and ent.pk not in self.writable:
            ctx.error("uscc", f"企业 {uscc} 不在您的管辖范围内", "out_of_scope")
        if ent is None or not isinstance(period, Period) or ctx.failed:
            return values
        key = (ent.pk, period)
        if key in self.seen:
            ctx.error("period", f"与第{self.seen[key]}行重复（同一企业同一期间）", "duplicate")
            return values
        self.seen[key] = ctx.row
        task = self._task(ent, period)
        if task is None:
            ctx.error("period", f"{period} 尚未下达月报任务", "no_task")
            return values
        old = self.existing.get(key)
        if old is not None and old.status not in EDITABLE:
            ctx.error("period", f"该企业 {period} 的月报已{old.get_status_display()}，不能通过导入修改", "locked")
            return values
        blocking = self._check(ent, period, values)
        for issue in blocking:
            ctx.error(issue["field"], issue["message"], issue["code"])
        values.update({"enterprise": ent, "task": task, "existing": old})
        return values

    def _check(self, ent, period: Period, values) -> list[dict]:
        """The form's checks, with the previous month and last year taken from this file where present."""
        prev, last = period.previous(), period.previous_year()
        comparisons = (
            _FileReport.of(self.in_file.get((ent.uscc, prev)), prev) or self.reported.get((ent.pk, prev)),
            _FileReport.of(self.in_file.get((ent.uscc, last)), last) or self.reported.get((ent.pk, last)),
        )
        data = {k: values.get(k) for k in ("operating_revenue", "value_added", "staff", "rd_expense")}
        blocking, _ = monthly_report_check(enterprise_id=ent.pk, period=period, data=data,
                                           explanation=values.get("explanation") or "", submit=True,
                                           comparisons=comparisons)
        return blocking

    def apply(self, rows):
        now = timezone.now()
        user = acting_user(self.user)
        new, changed, events = [], [], []
        for r in rows:
            old = r["existing"]
            obj = old or MonthlyReport(task=r["task"], enterprise=r["enterprise"], year=r["period"].year,
                                       month=r["period"].month, created_at=now)
            before = obj.status if old is not None else ""
            for name in ("operating_revenue", "value_added", "rd_expense"):
                setattr(obj, name, (r[name] * WAN).quantize(Decimal("0.01")))
            obj.staff = int(r["staff"])
            obj.explanation = r.get("explanation") or ""
            obj.status = ReportStatus.SUBMITTED
            obj.submitted_by, obj.submitted_at = user, now
            obj.first_submitted_at = obj.first_submitted_at or now
            obj.updated_at = now
            (changed if old is not None else new).append(obj)
            events.append((obj, before))
        if new:
            bulk_create_with_history(new, MonthlyReport, batch_size=BATCH, default_user=user,
                                     default_change_reason="import:monthly_reports")
        if changed:
            bulk_update_with_history(changed, MonthlyReport, [
                "operating_revenue", "value_added", "staff", "rd_expense", "explanation", "status", "submitted_by",
                "submitted_at", "first_submitted_at", "updated_at"], batch_size=BATCH, default_user=user,
                default_change_reason="import:monthly_reports")
        MonthlyReportEvent.objects.bulk_create([
            MonthlyReportEvent(report=o, action=ReportAction.SUBMIT, from_status=before, to_status=o.status,
                               user=user, note="导入") for o, before in events], batch_size=BATCH)
        return len(new), len(changed)


class _FileReport:
    """A row of the import file standing in for a stored report in the comparisons (money already in 万元)."""

    def __init__(self, values: dict, period: Period):
        self.year, self.month = period.year, period.month
        self.explanation = values.get("explanation") or ""
        self.status = ReportStatus.SUBMITTED
        for name in ("operating_revenue", "value_added", "rd_expense"):
            v = values.get(name)
            setattr(self, name, v * WAN if isinstance(v, Decimal) else None)
        staff = values.get("staff")
        self.staff = int(staff) if isinstance(staff, Decimal) and staff == staff.to_integral_value() else None

    @classmethod
    def of(cls, values: dict | None, period: Period):
        if values is None or values.get("__failed__"):
            return None
        return cls(values, period)


__all__ = ["IndicatorValueImport", "MonthlyReportImport", "TargetImport"]
