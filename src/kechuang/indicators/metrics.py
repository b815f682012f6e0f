"""Platform indicators counted from the platform's own records — the ``metrics`` hook.

Every app may have a module ``<app>/metrics.py`` exposing::

    METRICS: dict[str, Callable[[list[str], int, int], dict[str, Decimal]]]

mapping an indicator code to a function ``(region_codes, year, month) -> {region_code: value}``. The records
counted for a region are those whose town code starts with the region's code; flows are cumulative from
1 January to the end of the month, stocks are counted on the month's last day. Return a value (0 when nothing
is counted) for every region code asked; units are the catalog's (家, 亿元, 万元, 万平方米 …).
`indicators_refresh` (services.py) stores what the functions return as values with source "platform".

This module also holds the metrics of records that live in the foundation's apps (enterprises, carriers) and of
the monthly reports; an app that later defines one of these codes in its own metrics.py takes precedence.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.db.models import Count, Q, Sum

from .engine import Period

MetricFn = Callable[[list[str], int, int], dict[str, Decimal]]

WAN = Decimal(10000)
YI = Decimal(100000000)


class MetricConflict(RuntimeError):
    """Two apps define the same indicator code."""


def collect_metrics() -> dict[str, MetricFn]:
    """Every app's METRICS (imported like the navigation hook); this app's own only fill the gaps."""
    found: dict[str, tuple[str, MetricFn]] = {}
    own: dict[str, MetricFn] = {}
    for app in apps.get_app_configs():
        if not app.name.startswith("kechuang."):
            continue
        if app.label == "indicators":
            own = dict(METRICS)
            continue
        try:
            module = import_module(f"{app.name}.metrics")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.metrics":
                raise
            continue
        for code, fn in getattr(module, "METRICS", {}).items():
            if code in found:
                raise MetricConflict(f"指标 {code} 同时由 {found[code][0]} 和 {app.label} 的 metrics.py 定义")
            found[code] = (app.label, fn)
    out = {code: fn for code, fn in own.items() if code not in found}
    out.update({code: fn for code, (_, fn) in found.items()})
    return out


# -- helpers every metric uses ----------------------------------------------------------------------------------


def common_prefix(region_codes: Iterable[str]) -> str:
    """The longest code prefix shared by all regions (to narrow the query to the area asked about)."""
    return os.path.commonprefix(list(region_codes))


def by_prefix(per_town: Iterable[tuple[str, object]], region_codes: Iterable[str]) -> dict[str, Decimal]:
    """Add per-town figures up into every region whose code is a prefix of the town's code; 0 where none."""
    out = {code: Decimal(0) for code in region_codes}
    lengths = sorted({len(c) for c in out})
    for town, value in per_town:
        if value is None or not town:
            continue
        v = value if isinstance(value, Decimal) else Decimal(value)
        for n in lengths:
            key = town[:n]
            if key in out:
                out[key] += v
    return out


def _last_day(year: int, month: int) -> dt.date:
    return Period(year, month).last_day()


def _count_enterprises(qs, region_codes, town_path: str = "enterprise__town_id") -> dict[str, Decimal]:
    prefix = common_prefix(region_codes)
    if prefix:
        qs = qs.filter(**{f"{town_path[:-3]}__code__startswith": prefix})
    rows = qs.values(town_path).annotate(n=Count("enterprise_id", distinct=True)).values_list(town_path, "n")
    return by_prefix(rows, region_codes)


# -- enterprises' qualifications --------------------------------------------------------------------------------


def _qualifications(kind: str):
    from kechuang.enterprises.models import Qualification

    return Qualification.objects.filter(kind=kind)


def hte_valid(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """有效高新技术企业数: enterprises holding an HTE certificate valid on the month's last day (expiry day counts)."""
    from kechuang.enterprises.choices import QualificationKind
    from kechuang.enterprises.models import valid_on_q

    day = _last_day(year, month)
    return _count_enterprises(_qualifications(QualificationKind.HTE).filter(valid_on_q(day)), region_codes)


def startup_new(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """新增创新型初创企业备案数: filings dated 1 January – month end (revoked filings do not count)."""
    from kechuang.enterprises.choices import QualificationKind, QualificationStatus

    qs = _qualifications(QualificationKind.STARTUP).filter(
        issue_date__gte=dt.date(year, 1, 1), issue_date__lte=_last_day(year, month)
    ).exclude(status=QualificationStatus.REVOKED)
    return _count_enterprises(qs, region_codes)


def startup_total(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """创新型初创企业备案总数: filings on file on the month's last day."""
    from kechuang.enterprises.choices import QualificationKind
    from kechuang.enterprises.models import valid_on_q

    day = _last_day(year, month)
    return _count_enterprises(_qualifications(QualificationKind.STARTUP).filter(valid_on_q(day)), region_codes)


def tsme_registered(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """科技型中小企业入库数: registrations of the evaluation year issued by the month's end."""
    from kechuang.enterprises.choices import QualificationKind, QualificationStatus

    qs = _qualifications(QualificationKind.TSME).filter(year=year, issue_date__lte=_last_day(year, month)) \
        .exclude(status=QualificationStatus.REVOKED)
    return _count_enterprises(qs, region_codes)


def hte_pool(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """高企培育库在库企业数: pool entries valid on the month's last day. An entry marked "exited" carries no exit
    date other than its expiry, so it is not counted at all."""
    from kechuang.enterprises.choices import QualificationKind, QualificationStatus
    from kechuang.enterprises.models import valid_on_q

    day = _last_day(year, month)
    qs = _qualifications(QualificationKind.POOL).filter(valid_on_q(day)).exclude(status=QualificationStatus.EXITED)
    return _count_enterprises(qs, region_codes)


# -- R&D institutions and carriers -----------------------------------------------------------------------------


def _rd_institutions(region_codes, year, month, q: Q) -> dict[str, Decimal]:
    from kechuang.enterprises.choices import FilingStatus
    from kechuang.enterprises.models import RDInstitution

    qs = RDInstitution.objects.filter(q, status=FilingStatus.FILED, approved_on__lte=_last_day(year, month))
    prefix = common_prefix(region_codes)
    if prefix:
        qs = qs.filter(enterprise__town__code__startswith=prefix)
    rows = qs.values("enterprise__town_id").annotate(n=Count("pk")).values_list("enterprise__town_id", "n")
    return by_prefix(rows, region_codes)


def rd_institutions_city_up(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """市级以上企业研发机构数: filed institutions of municipal, provincial or national level approved by month end
    (academician workstations are counted separately)."""
    from kechuang.enterprises.choices import Level, RDInstitutionType

    q = Q(level__in=[Level.MUNICIPAL, Level.PROVINCIAL, Level.NATIONAL]) & ~Q(type=RDInstitutionType.ACADEMICIAN_WS)
    return _rd_institutions(region_codes, year, month, q)


def academician_workstations(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """院士工作站数: filed academician workstations approved by month end."""
    from kechuang.enterprises.choices import RDInstitutionType

    return _rd_institutions(region_codes, year, month, Q(type=RDInstitutionType.ACADEMICIAN_WS))


def _carriers(region_codes, year, month):
    from kechuang.carriers.models import Carrier

    qs = Carrier.objects.filter(recognised_on__lte=_last_day(year, month))
    prefix = common_prefix(region_codes)
    if prefix:
        qs = qs.filter(town__code__startswith=prefix)
    return qs


def carriers(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """双创平台载体数: maker spaces, incubators, accelerators and 星创天地 recognised by month end."""
    rows = _carriers(region_codes, year, month).values("town_id").annotate(n=Count("pk")).values_list("town_id", "n")
    return by_prefix(rows, region_codes)


def incubation_area(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """孵化总面积 in 万平方米: the incubation area (m²) of carriers recognised by month end, / 10,000."""
    rows = _carriers(region_codes, year, month).values("town_id").annotate(a=Sum("area")).values_list("town_id", "a")
    return {code: v / WAN for code, v in by_prefix(rows, region_codes).items()}


# -- monthly reports ------------------------------------------------------------------------------------------


def tsi_revenue(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """规上科技服务业营业收入 in 亿元: accepted monthly reports' revenue (already cumulative from January)."""
    from .choices import ReportStatus
    from .models import MonthlyReport

    qs = MonthlyReport.objects.filter(year=year, month=month, status=ReportStatus.ACCEPTED,
                                      operating_revenue__isnull=False)
    prefix = common_prefix(region_codes)
    if prefix:
        qs = qs.filter(enterprise__town__code__startswith=prefix)
    rows = qs.values("enterprise__town_id").annotate(s=Sum("operating_revenue")) \
        .values_list("enterprise__town_id", "s")
    return {code: v / YI for code, v in by_prefix(rows, region_codes).items()}


METRICS: dict[str, MetricFn] = {
    "HTE_VALID": hte_valid,
    "STARTUP_NEW": startup_new,
    "STARTUP_TOTAL": startup_total,
    "TSME_REG": tsme_registered,
    "HTE_POOL": hte_pool,
    "RD_INST_CITY_UP": rd_institutions_city_up,
    "ACADEMICIAN_WS": academician_workstations,
    "CARRIERS": carriers,
    "INCUBATION_AREA": incubation_area,
    "TSI_REVENUE": tsi_revenue,
}
