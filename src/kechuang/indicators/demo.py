"""Demo statistics: 3+ years of monthly values for every indicator, targets, and tech-service monthly reports.

* statistics indicators (GDP, patents …) for the city, its districts and towns, imported-style: town figures with
  a plausible yearly growth and season, districts and the city as their sums;
* platform indicators from `indicators_refresh` over the platform's demo records (qualifications, carriers,
  accepted monthly reports); platform indicators whose module has not landed yet get synthetic stand-in values
  (source "platform", so the module's own refresh replaces them);
* targets for the current year for the home district; monthly report tasks for every district and month, with
  the last month's reports partly late, unreviewed or missing.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from kechuang.enterprises.models import Enterprise
from kechuang.regions.models import Region

from .cache import data_changed
from .choices import ReportAction, ReportStatus, ValueSource
from .bulk import insert_values
from .engine import Period
from .metrics import collect_metrics
from .models import (Indicator, MonthlyReport, MonthlyReportEvent, MonthlyReportTask, Target)
from .selectors import TSI_DIVISIONS
from .services import indicators_refresh, refresh_regions

#: Relative size of Ningbo's districts (鄞州 = 1); other cities get random sizes.
SIZES = {"330203": 0.75, "330205": 0.45, "330206": 0.95, "330211": 0.6, "330212": 1.0, "330213": 0.35,
         "330225": 0.35, "330226": 0.4, "330281": 0.75, "330282": 0.9}
#: Share of a year's flow reached by the end of each month (Spring Festival makes February light).
CUMULATIVE = [0.07, 0.125, 0.21, 0.292, 0.377, 0.467, 0.55, 0.633, 0.72, 0.805, 0.893, 1.0]
#: code -> (yearly flow or year-end stock of a district of size 1 in the first year, yearly growth, decimals)
SERIES = {
    "GDP": (2800, 0.060, 4), "IND_VA": (1100, 0.065, 4), "HT_IND_VA": (640, 0.090, 4),
    "HT_IND_OUTPUT": (2600, 0.090, 4), "HT_IND_INVEST": (260, 0.080, 4), "IND_RD_EXP": (70, 0.100, 4),
    "RD_EXP": (88, 0.095, 4), "PAT_APPLY": (14000, 0.040, 0), "PAT_GRANT": (9800, 0.030, 0),
    "INV_PAT_APPLY": (4200, 0.070, 0), "INV_PAT_GRANT": (1300, 0.080, 0), "TSI_VA": (95, 0.110, 4),
    # platform indicators whose modules may not have landed (stand-ins)
    "TECH_TRADE": (62, 0.150, 4), "HTE_APPLIED": (160, 0.080, 0), "VOUCHER_USED": (3200, 0.120, 2),
    "RISK_POOL_APPROVED_ENT": (85, 0.100, 0), "RISK_POOL_APPROVED_AMOUNT": (8.5, 0.120, 4),
    "RISK_POOL_CLIENTS": (130, 0.090, 0), "RISK_POOL_BALANCE": (11, 0.110, 4),
    "IP_ADV_ENT": (16, 0.080, 0), "IP_MGMT_CERT": (65, 0.120, 0),
}
#: HTE applications are filed in May–July.
SEASONS = {"HTE_APPLIED": [0, 0, 0, 0, 0.2, 0.7, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]}


def _q(value: float, places: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def load(ctx) -> None:
    rng = ctx.rng
    end = Period.from_date(ctx.today).previous()
    start = Period(ctx.today.year - (2 if ctx.size == "tiny" else 3), 1)  # tiny (browser tests): two years less work
    months = list(Period.range(start, end))
    regions = list(Region.objects.filter(code__startswith=ctx.city).values_list("code", "parent_id", "level"))
    districts = sorted(c for c, _, lv in regions if lv == "district")
    towns_of: dict[str, list[str]] = {d: [] for d in districts}
    for c, p, lv in regions:
        if lv == "town" and p in towns_of:
            towns_of[p].append(c)
    catalog = {i.code: i for i in Indicator.objects.all()}
    metrics = collect_metrics()

    size = {d: SIZES.get(d, rng.uniform(0.3, 1.0)) for d in districts}
    weight = {}
    for d, towns in towns_of.items():
        raw = {t: rng.lognormvariate(0, 0.6) for t in towns}
        total = sum(raw.values()) or 1
        weight.update({t: v / total for t, v in raw.items()})

    rows: list[tuple] = []
    synthetic = [c for c in SERIES if c in catalog and (catalog[c].source == "statistics" or
                                                          (catalog[c].source == "platform" and c not in metrics))]
    for code in synthetic:
        ind = catalog[code]
        base, growth, places = SERIES[code]
        season = SEASONS.get(code, CUMULATIVE)
        stock = ind.kind == "stock"
        source = ValueSource.IMPORTED if ind.source == "statistics" else ValueSource.PLATFORM
        note = "" if source == ValueSource.IMPORTED else "演示数据（所属模块上线后由平台统计替换）"
        district_sum: dict[tuple[str, Period], Decimal] = {}
        for d, towns in towns_of.items():
            g_d = growth + rng.uniform(-0.03, 0.03)
            for t in towns:
                w = weight[t] * rng.lognormvariate(0, 0.25)
                level = {}  # year -> yearly flow, or the year-end stock
                for y in range(start.year - 1, end.year + 1):
                    n = y - start.year
                    level[y] = base * size[d] * w * (1 + g_d) ** n * rng.uniform(0.97, 1.03)
                for p in months:
                    if stock:
                        v = level[p.year - 1] + (level[p.year] - level[p.year - 1]) * p.month / 12
                    else:
                        v = level[p.year] * season[p.month - 1]
                    value = _q(v, places)
                    rows.append((t, code, p.year, p.month, value, source, note))
                    district_sum[(d, p)] = district_sum.get((d, p), Decimal(0)) + value
        city_sum: dict[Period, Decimal] = {}
        for (d, p), value in district_sum.items():
            rows.append((d, code, p.year, p.month, value, source, note))
            city_sum[p] = city_sum.get(p, Decimal(0)) + value
        if source == ValueSource.IMPORTED:  # the city's own published figure; platform figures roll up
            for p, value in city_sum.items():
                rows.append((ctx.city, code, p.year, p.month, value, source, ""))
    insert_values(rows)
    ctx.log(f"{len(rows)} 个统计指标数值（{len(months)} 个月，{start}–{end}）")

    n_reports = _monthly_reports(ctx, months, districts)
    ctx.log(f"{n_reports} 份科技服务业月报")

    created = 0
    own = [c for c in metrics if c in catalog and _owned_here(metrics[c])]
    later = [c for c in metrics if c in catalog and c not in own]
    regions = refresh_regions()
    for p in months:
        created += indicators_refresh(p.year, p.month, regions, codes=own)["created"]
    ctx.log(f"{created} 个平台指标数值（{', '.join(own)}）")
    if later:
        # Other apps' demos (market, finance …) run after this one and add the records their metrics count:
        # recount those codes once the whole demo has been committed.
        transaction.on_commit(lambda: _refresh_later(ctx, months, later))
    else:
        _targets(ctx, end)
    data_changed()


def _owned_here(fn) -> bool:
    return getattr(fn, "__module__", "").startswith("kechuang.indicators")


def _refresh_later(ctx, months: list[Period], codes: list[str]) -> None:
    from .services import indicators_refresh_range

    try:
        total = indicators_refresh_range(months[0], months[-1], codes=codes)
    except Exception as exc:  # noqa: BLE001 - the demo itself is committed; say what is missing
        ctx.log(f"平台指标 {', '.join(codes)} 统计失败：{exc}")
        return
    ctx.log(f"{total['created']} 个其他模块的平台指标数值（{', '.join(codes)}）"
            + (f"；失败：{', '.join(total['failed'])}" if total["failed"] else ""))
    with transaction.atomic():
        _targets(ctx, months[-1])  # some targets are set from last December's platform values
        data_changed()


def _targets(ctx, end: Period) -> None:
    """This year's targets for the home district: growth rates and absolute values, some behind schedule."""
    from .selectors import load_values, regions_of
    from .catalog import engine_catalog
    from .engine import Evaluator

    year = ctx.today.year
    dec = Period(year - 1, 12)
    catalog = engine_catalog()
    regs = regions_of(ctx.home)
    store = load_values(regs, {ctx.home}, [dec, end], catalog=catalog)
    ev = Evaluator(catalog, store, regs.tree)
    plan = [  # code, growth %, absolute (None: from growth), note
        ("GDP", Decimal("6.5"), None, "地区生产总值增长6.5%"),
        ("HT_IND_VA", Decimal("10"), None, "高新技术产业增加值增长10%"),
        ("HT_IND_VA_SHARE", None, "ratio+1.5", "高新技术产业增加值占比提高1.5个百分点"),
        ("RD_GDP_RATIO", None, "ratio+0.2", "R&D经费支出占比达到目标"),
        ("TECH_TRADE", Decimal("15"), "round", "技术交易额突破目标，增长15%"),
        ("HTE_VALID", None, "stock+12", "有效高新技术企业数净增12%"),
        ("HTE_NET_NEW", None, "count", "净增高新技术企业"),
        ("PAT_GRANT", Decimal("3"), None, "专利授权量增长3%"),
        ("INV_PAT_GRANT", Decimal("12"), None, "发明专利授权量增长12%"),
        ("TSI_REVENUE", Decimal("20"), None, "规上科技服务业营业收入增长20%"),
        ("CARRIERS", None, "stock+2", "新增双创载体2家"),
        ("INCUBATION_AREA", Decimal("8"), None, "孵化面积增长8%"),
    ]
    out = []
    for code, growth, how, note in plan:
        if code not in catalog:
            continue
        base = ev.value(ctx.home, code, dec)
        if (base is None or base.is_zero()) and how != "count":
            continue
        value = None
        if how == "round" and base is not None:
            value = (base * (1 + growth / 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        elif how and how.startswith("ratio+") and base is not None:
            value = (base + Decimal(how[6:])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        elif how == "stock+12":
            value = (base * Decimal("1.12")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        elif how == "stock+2":
            value = base + 2
        elif how == "count":
            hte = ev.value(ctx.home, "HTE_VALID", dec)
            value = (hte * Decimal("0.12")).quantize(Decimal("1"), rounding=ROUND_HALF_UP) if hte else Decimal(30)
        out.append(Target(indicator_id=code, region_id=ctx.home, year=year, value=value,
                          growth_pct=growth if how in (None, "round") else None, note=note))
    Target.objects.bulk_create(out)
    ctx.log(f"{len(out)} 项{year}年目标（{ctx.home}）")


def _monthly_reports(ctx, months: list[Period], districts: list[str]) -> int:
    """Tasks for every district and month, each reporter's cumulative figures; the last month partly
    unreviewed, late and missing; this month's task open."""
    from django.db.models import Q

    rng = ctx.rng
    now = timezone.now()
    tsi = Q()
    for d in TSI_DIVISIONS:
        tsi |= Q(industry__code__startswith=d)
    reporters = list(Enterprise.objects.filter(tsi, above_size=True, town__code__startswith=ctx.city)
                     .order_by("pk").values_list("pk", "town_id"))
    clerk = ctx.users.get("enterprise")
    if clerk is not None and clerk.enterprise_id and clerk.enterprise_id not in {e for e, _ in reporters}:
        reporters.append((clerk.enterprise_id, clerk.enterprise.town_id))
    officer = ctx.users.get("bureau")
    current = Period.from_date(ctx.today)
    last = months[-1]

    tasks: dict[tuple[str, Period], MonthlyReportTask] = {}
    task_rows = []
    for d in districts:
        for p in [*months, current]:
            nxt = p.next()
            task_rows.append(MonthlyReportTask(region_id=d, year=p.year, month=p.month,
                                               deadline=dt.date(nxt.year, nxt.month, 10),
                                               note="请于次月10日前报送1月至本月累计数（金额单位：万元）",
                                               created_at=now, updated_at=now))
    MonthlyReportTask.objects.bulk_create(task_rows)
    for t in MonthlyReportTask.objects.filter(region_id__in=districts):
        tasks[(t.region_id, Period(t.year, t.month))] = t

    tz = timezone.get_current_timezone()
    reports: list[MonthlyReport] = []
    for ent, town in reporters:
        district = town[:6]
        revenue = rng.lognormvariate(math.log(4000), 0.8)  # 万元 a year
        va_share = rng.uniform(0.25, 0.45)
        rd_share = rng.uniform(0.03, 0.09)
        staff = rng.randint(60, 400)
        growth = rng.uniform(-0.08, 0.3)
        is_clerk = clerk is not None and ent == clerk.enterprise_id
        joined = months[0] if not is_clerk else Period(last.year, 1)
        for p in months:
            if p < joined:
                continue
            if is_clerk and p == last:
                continue  # the demo enterprise login has this month to submit
            task = tasks.get((district, p))
            if task is None:
                continue
            yearly = revenue * (1 + growth) ** (p.year - months[0].year)
            cum = yearly * CUMULATIVE[p.month - 1]
            deadline = task.deadline
            on_time = dt.datetime.combine(deadline - dt.timedelta(days=rng.randint(0, 8)), dt.time(10), tz)
            status, submitted, reviewed = ReportStatus.ACCEPTED, on_time, on_time + dt.timedelta(days=2)
            if p == last:
                roll = rng.random()
                if roll < 0.15:
                    continue  # missing
                if roll < 0.3:
                    submitted = dt.datetime.combine(deadline + dt.timedelta(days=rng.randint(1, 5)), dt.time(15), tz)
                    if submitted > now:
                        submitted = now
                if roll < 0.55:
                    status, reviewed = ReportStatus.SUBMITTED, None
            reports.append(MonthlyReport(
                task=task, enterprise_id=ent, year=p.year, month=p.month,
                operating_revenue=_q(cum * 10000, 2), value_added=_q(cum * va_share * 10000, 2),
                staff=staff + rng.randint(-3, 3), rd_expense=_q(cum * rd_share * 10000, 2),
                status=status, submitted_at=submitted, first_submitted_at=submitted, reviewed_at=reviewed,
                submitted_by=None, reviewed_by=officer if reviewed else None, created_at=now, updated_at=now))
    MonthlyReport.objects.bulk_create(reports, batch_size=5000)
    ids = {(e, y, m): pk for pk, e, y, m in MonthlyReport.objects.values_list("pk", "enterprise_id", "year", "month")}
    events = []
    recent = months[-3]
    for r in reports:
        if Period(r.year, r.month) < recent:
            continue  # older months stand for history collected before the platform: no workflow events
        pk = r.pk or ids[(r.enterprise_id, r.year, r.month)]
        events.append(MonthlyReportEvent(report_id=pk, action=ReportAction.SUBMIT, from_status=ReportStatus.DRAFT,
                                         to_status=ReportStatus.SUBMITTED))
        if r.status == ReportStatus.ACCEPTED:
            events.append(MonthlyReportEvent(report_id=pk, action=ReportAction.ACCEPT,
                                             from_status=ReportStatus.SUBMITTED, to_status=ReportStatus.ACCEPTED,
                                             user=officer))
    MonthlyReportEvent.objects.bulk_create(events, batch_size=5000)
    return len(reports)
