"""Reads for the statistics: fetch what the engine needs in a handful of queries, let the engine compute.

Every entry point takes a region the caller has already been allowed to see (`region_or_404`). The panel of
a region also reads its parent's and its siblings' values — published aggregate statistics — because share
and rank are defined against them.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from kechuang.core.choices import Action
from kechuang.regions.models import Region

from .catalog import engine_catalog
from .engine import (Catalog, Evaluator, Period, RegionTree, compute_panel, competition_rank, periods_needed)
from .engine import Target as EngineTarget
from .engine.catalog import RATIO
from .engine.decimals import CTX, HUNDRED
from .models import STATISTICS_SCOPE, IndicatorValue, Target

# -- regions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regions:
    """A province's regions: the hierarchy for the engine plus names and levels for display."""

    tree: RegionTree
    names: dict[str, str]
    levels: dict[str, str]

    def name(self, code: str) -> str:
        return self.names.get(code, code)


_REGIONS: dict[str, tuple[float, Regions]] = {}
_REGIONS_TTL = 600.0  # reference data change only with `kechuang init`; re-read now and then anyway


def regions_of(code: str) -> Regions:
    """The hierarchy of the province containing ``code``, read once per process (one query)."""
    province = code[:2]
    now = time.monotonic()
    hit = _REGIONS.get(province)
    if hit is not None and now - hit[0] < _REGIONS_TTL:
        return hit[1]
    rows = list(Region.objects.filter(code__startswith=province).values_list("code", "parent_id", "name", "level"))
    regs = Regions(
        tree=RegionTree({c: (p if p and p.startswith(province) else None) for c, p, _, _ in rows}),
        names={c: n for c, _, n, _ in rows},
        levels={c: lv for c, _, _, lv in rows},
    )
    _REGIONS[province] = (now, regs)
    return regs


def _rebase(q: Q, prefix: str) -> Q:
    """The same filter with ``prefix`` stripped from every lookup (to apply a related-model rule to Region)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_rebase(child, prefix))
        else:
            lookup, value = child
            out.children.append((lookup[len(prefix):] if lookup.startswith(prefix) else lookup, value))
    return out


def statistics_regions(user, action: str = Action.VIEW):
    """Regions whose statistics (values, targets, panels) the user may act on: the values' scope rule on Region."""
    q = STATISTICS_SCOPE.q(user, action)
    if q is None:
        return Region.objects.none()
    return Region.objects.filter(_rebase(q, "region__"))


_ALLOWED: dict[tuple, Region | None] = {}


def region_or_404(user, code: str | None, action: str = Action.VIEW) -> Region:
    """The region if the user may see its statistics, else Http404 (outside scope does not exist).

    The answer depends only on the user's role, region and superuser flag (and the static regions), so it is
    remembered per process: the dashboard's many API calls skip the query.
    """
    if not code:
        raise Http404
    key = (getattr(user, "pk", None) is not None and user.is_authenticated, getattr(user, "role", None),
           getattr(user, "region_id", None), getattr(user, "is_superuser", False), str(code), action)
    if key in _ALLOWED:
        region = _ALLOWED[key]
    else:
        region = statistics_regions(user, action).filter(code=str(code)).first()
        if len(_ALLOWED) > 10000:
            _ALLOWED.clear()
        _ALLOWED[key] = region
    if region is None:
        raise Http404
    return region


def default_region_code(user) -> str | None:
    """The region a user's statistics pages open on: their own region (the home region for a superuser)."""
    if user.is_superuser and not user.region_id:
        from kechuang.regions.services import home_region_code

        return home_region_code()
    return user.region_id


def last_complete_period(today: dt.date | None = None) -> Period:
    """The latest month whose figures can be complete: the month before today."""
    today = today or timezone.localdate()
    return Period.from_date(today).previous()


# -- values ---------------------------------------------------------------------------------------------------


def _dependencies(catalog: Catalog, codes: Iterable[str]) -> set[str]:
    """The codes plus every code their formulas read, transitively."""
    out: set[str] = set()
    todo = list(codes)
    while todo:
        code = todo.pop()
        if code in out:
            continue
        out.add(code)
        d = catalog.get(code)
        if d is not None and d.compiled is not None:
            todo.extend(d.compiled.codes)
    return out


def _fetch(regions: set[str], periods: set[Period], codes: set[str] | None) -> dict:
    years = {p.year for p in periods}
    months = {p.month for p in periods}
    qs = IndicatorValue.objects.filter(region_id__in=regions, year__in=years)
    if len(months) < 12:
        qs = qs.filter(month__in=months)
    if codes is not None:
        qs = qs.filter(indicator_id__in=codes)
    store = {}
    for region, code, year, month, value in qs.values_list("region_id", "indicator_id", "year", "month", "value"):
        p = Period(year, month)
        if p in periods:
            store[(region, code, p)] = value.normalize()
    return store


def load_values(regs: Regions, seeds: Iterable[str], periods: Iterable[Period], *, catalog: Catalog,
                codes: Iterable[str] | None = None) -> dict:
    """The value store for ``seeds`` at ``periods``; where an additive value is missing at a region, its
    children's values are fetched too (one more query per level), so that the engine can roll them up."""
    periods = set(periods)
    wanted = None if codes is None else _dependencies(catalog, codes)
    leaves = [d.code for d in catalog if d.kind != RATIO and d.compiled is None and (wanted is None or d.code in wanted)]
    tree = regs.tree
    store: dict = {}
    fetched: set[str] = set()
    todo, need = set(seeds), wanted
    while todo:
        store.update(_fetch(todo, periods, need))
        fetched |= todo
        round_, todo, need = todo, set(), set()
        for region in round_:
            kids = [k for k in tree.children(region) if k not in fetched]
            if not kids:
                continue
            missing = {c for c in leaves if any((region, c, p) not in store for p in periods)}
            if missing:
                todo.update(kids)
                need |= missing
    return store


class PrunedTree:
    """The hierarchy without the branches that hold no value at all (e.g. the other cities of the province when
    only this city's statistics are loaded): their roll-ups are empty anyway, so the engine need not visit them."""

    __slots__ = ("_tree", "_keep")

    def __init__(self, tree: RegionTree, store: dict):
        self._tree = tree
        keep: set[str] = set()
        for region, _, _ in store:
            node = region
            while node is not None and node not in keep:
                keep.add(node)
                node = tree.parent(node)
        self._keep = keep

    def parent(self, code: str) -> str | None:
        return self._tree.parent(code)

    def children(self, code: str):
        return [k for k in self._tree.children(code) if k in self._keep]


def targets_for(region: str, year: int) -> dict[str, EngineTarget]:
    """The year's targets of a region for the engine (one query)."""
    out = {}
    for code, value, growth in Target.objects.filter(region_id=region, year=year).values_list(
            "indicator_id", "value", "growth_pct"):
        out[code] = EngineTarget(value=value.normalize() if value is not None else None,
                                 growth_pct=growth.normalize() if growth is not None else None)
    return out


# -- panel, ranking, breakdown, trend --------------------------------------------------------------------------


def panel(region: str, period: Period, *, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The indicator panel (DESIGN §7) of a region: value, growth, share, rank, target and pace per indicator."""
    catalog = engine_catalog()
    regs = regions_of(region)
    parent = regs.tree.parent(region)
    seeds = {region}
    if parent is not None:
        seeds |= {parent, *regs.tree.children(parent)}
    store = load_values(regs, seeds, periods_needed(period), catalog=catalog, codes=codes)
    rows = compute_panel(catalog, store, PrunedTree(regs.tree, store), region, period,
                         targets=targets_for(region, period.year), codes=codes)
    return rows


def _growth(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    if value is None or base is None or base.is_zero():
        return None
    return CTX.divide(CTX.multiply(CTX.subtract(value, base), HUNDRED), abs(base))


def breakdown(parent: str, code: str, period: Period) -> dict[str, Any]:
    """One indicator across a region's children (towns of a district, districts of a city): value, growth,
    share of the parent and rank (1 = largest, ties share a rank), largest first."""
    catalog = engine_catalog()
    d = catalog.get(code)
    if d is None:
        raise KeyError(code)
    regs = regions_of(parent)
    kids = list(regs.tree.children(parent))
    previous = period.previous_year()
    periods = {period, previous, period.previous_december(), previous.previous_december()}
    store = load_values(regs, {parent, *kids}, periods, catalog=catalog, codes=[code])
    ev = Evaluator(catalog, store, PrunedTree(regs.tree, store))
    total = ev.total(parent, code, period)
    values = {k: ev.value(k, code, period) for k in kids}
    rows = []
    for k in kids:
        v = values[k]
        prev = ev.value(k, code, previous)
        rank, rank_of = competition_rank(v, values.values())
        share = None
        if d.kind != RATIO and v is not None and total is not None and not total.is_zero():
            share = CTX.divide(CTX.multiply(v, HUNDRED), total)
        rows.append({
            "region": k, "name": regs.name(k), "level": regs.levels.get(k), "value": v, "previous_value": prev,
            "yoy_pct": None if d.kind == RATIO else _growth(v, prev),
            "yoy_pp": CTX.subtract(v, prev) if d.kind == RATIO and v is not None and prev is not None else None,
            "share_pct": share, "rank": rank, "rank_of": rank_of,
        })
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["region"]))
    return {
        "code": code, "name": d.name_zh, "name_en": d.name_en, "unit": d.unit, "kind": d.kind, "period": str(period),
        "parent": parent, "parent_name": regs.name(parent), "parent_value": total, "rows": rows,
    }


def ranking(region: str, code: str, period: Period) -> dict[str, Any]:
    """The region among its siblings (the breakdown of its parent), with the region marked."""
    regs = regions_of(region)
    parent = regs.tree.parent(region)
    if parent is None:
        raise Http404
    out = breakdown(parent, code, period)
    out["region"] = region
    for row in out["rows"]:
        row["current"] = row["region"] == region
    return out


def trend(region: str, code: str, start: Period, end: Period, *, yearly: bool = False) -> dict[str, Any]:
    """One indicator of a region month by month (flows cumulative from January), with year-on-year change;
    ``yearly``: one point per year (December, and ``end`` for the last year: the year so far)."""
    catalog = engine_catalog()
    d = catalog.get(code)
    if d is None:
        raise KeyError(code)
    regs = regions_of(region)
    if yearly:
        months = [Period(y, 12) for y in range(start.year, end.year)] + [end]
    else:
        months = list(Period.range(start, end))
    periods = set(months)
    for p in months:
        periods |= {p.previous_year(), p.previous_december(), p.previous_year().previous_december()}
    store = load_values(regs, {region}, periods, catalog=catalog, codes=[code])
    ev = Evaluator(catalog, store, PrunedTree(regs.tree, store))
    points = []
    for p in months:
        v = ev.value(region, code, p)
        prev = ev.value(region, code, p.previous_year())
        points.append({
            "period": str(p), "value": v, "previous_value": prev,
            "yoy_pct": None if d.kind == RATIO else _growth(v, prev),
            "yoy_pp": CTX.subtract(v, prev) if d.kind == RATIO and v is not None and prev is not None else None,
        })
    return {"code": code, "name": d.name_zh, "name_en": d.name_en, "unit": d.unit, "kind": d.kind, "region": region,
            "region_name": regs.name(region), "points": points}


def latest_period(region: str) -> Period | None:
    """The latest month with any stored value at the region (one query), or None."""
    row = (IndicatorValue.objects.filter(region_id=region).order_by("-year", "-month")
           .values_list("year", "month").first())
    return Period(*row) if row else None


# -- monthly reports ----------------------------------------------------------------------------------------------

#: GB/T 4754-2017 divisions of the tech-service industry as the monthly report covers it (《国家科技服务业统计分类
#: （2018）》 in outline): 65 software and IT services, 73 R&D, 74 professional technical services, 75 technology
#: promotion and application services.
TSI_DIVISIONS = ("65", "73", "74", "75")


def _tsi_q(prefix: str = "") -> Q:
    q = Q()
    for d in TSI_DIVISIONS:
        q |= Q(**{f"{prefix}industry__code__startswith": d})
    return q


def expected_reporters(user, task, *, town: str | None = None):
    """Enterprises that should report for a task, within the user's scope: above-size tech-service enterprises of
    the task's region, plus every enterprise that has reported to any task of the same year (the roster)."""
    from kechuang.enterprises.models import Enterprise

    from .models import MonthlyReport

    prefix = town or task.region_id
    roster = MonthlyReport.objects.filter(year=task.year, enterprise__town__code__startswith=prefix).values("enterprise_id")
    qs = Enterprise.objects.restrict(user, Action.VIEW).filter(town__code__startswith=prefix).filter(
        (_tsi_q() & Q(above_size=True)) | Q(pk__in=roster))
    return qs.select_related("town")


def task_status(user, task, *, today: dt.date | None = None) -> dict[str, Any]:
    """Who has reported for a task, who is late and who is missing, with town and district totals (3 queries).

    Totals add up accepted reports only (what feeds TSI_REVENUE); money in yuan.
    """
    from .models import REPORTED, MonthlyReport
    from .choices import ReportStatus

    today = today or timezone.localdate()
    overdue = today > task.deadline
    enterprises = list(expected_reporters(user, task).order_by("town_id", "name"))
    reports = {r.enterprise_id: r for r in MonthlyReport.objects.restrict(user, Action.VIEW).filter(task=task)}
    towns: dict[str, dict[str, Any]] = {}
    rows = []
    sums = ("operating_revenue", "value_added", "staff", "rd_expense")

    def blank(code, name):
        return {"town": code, "name": name, "expected": 0, "reported": 0, "accepted": 0, "late": 0, "missing": 0,
                **{k: Decimal(0) for k in sums}}

    district = blank(task.region_id, "")
    for e in enterprises:
        r = reports.get(e.pk)
        t = towns.setdefault(e.town_id, blank(e.town_id, e.town.name))
        reported = r is not None and r.status in REPORTED
        late = r is not None and r.first_submitted_at is not None and r.late(task.deadline)
        state = r.status if r is not None else "missing"
        rows.append({"enterprise": e, "report": r, "state": state, "reported": reported, "late": late,
                     "overdue": not reported and overdue})
        for agg in (t, district):
            agg["expected"] += 1
            agg["reported"] += reported
            agg["late"] += late
            agg["missing"] += not reported
            if r is not None and r.status == ReportStatus.ACCEPTED:
                agg["accepted"] += 1
                for k in sums:
                    v = getattr(r, k)
                    if v is not None:
                        agg[k] += v
    return {"task": task, "overdue": overdue, "rows": rows,
            "towns": sorted(towns.values(), key=lambda t: t["town"]), "district": district}


ANALYSIS_FIELDS = {"operating_revenue": "营业收入", "value_added": "增加值", "rd_expense": "研发费用",
                   "staff": "从业人员"}


def quarterly_analysis(user, region: str, year: int, quarter: int, field: str = "operating_revenue") -> dict:
    """Per town of a district: the quarter's cumulative total (Jan – quarter end) of accepted reports, growth
    against a year earlier, share, rank and contribution to the district's growth (the engine's analyse_towns).
    Money in 万元."""
    from kechuang.regions.choices import RegionLevel

    from .choices import ReportStatus
    from .engine import analyse_towns
    from .models import MonthlyReport

    if field not in ANALYSIS_FIELDS:
        raise KeyError(field)
    month = quarter * 3
    qs = MonthlyReport.objects.restrict(user, Action.VIEW).filter(
        status=ReportStatus.ACCEPTED, month=month, year__in=[year, year - 1],
        enterprise__town__code__startswith=region, **{f"{field}__isnull": False})
    current, previous = [], []
    for ent, town, y, v in qs.values_list("enterprise_id", "enterprise__town_id", "year", field):
        v = Decimal(v) if field == "staff" else v / 10000
        (current if y == year else previous).append((ent, town, v))
    towns = list(Region.objects.filter(level=RegionLevel.TOWN, code__startswith=region).order_by("code")
                 .values_list("code", "name"))
    result = analyse_towns(current, previous, towns=[c for c, _ in towns])
    names = dict(towns)
    for row in result["towns"]:
        row["name"] = names.get(row["town"], row["town"])
    result.update({"region": region, "year": year, "quarter": quarter, "field": field,
                   "field_label": ANALYSIS_FIELDS[field], "unit": "人" if field == "staff" else "万元"})
    return result
