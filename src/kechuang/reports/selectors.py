"""Reads of the reports app: the reports a user may see, the regions and years a user may ask a report for."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from kechuang.core.choices import Action, Role
from kechuang.core.scope import can

from .choices import ReportKind
from .models import Report
from .services import FIRST_YEAR, LEVELS


def report_list(user, *, kind: str | None = None) -> QuerySet[Report]:
    qs = Report.objects.restrict(user, Action.VIEW).select_related("region", "created_by", "job")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-pk")


def may_use(user) -> bool:
    """Whether the reports page exists for the user at all (bureau, town assistants, auditors)."""
    return bool(user and user.is_authenticated and can(user, Report, Action.VIEW))


def kinds_for(user) -> list[str]:
    """The report kinds the user may ask for: the bureau both, a town assistant the quarterly analysis."""
    if not (user and user.is_authenticated and can(user, Report, Action.ADD)):
        return []
    if user.is_superuser or user.role == Role.BUREAU:
        return [ReportKind.ANNUAL, ReportKind.QUARTERLY]
    if user.role == Role.TOWN:
        return [ReportKind.QUARTERLY]
    return []


def regions_for(user, kind: str):
    """Regions the user may ask a report of ``kind`` for: inside the user's region, at the kind's levels."""
    from kechuang.regions.models import Region

    qs = Region.objects.filter(level__in=LEVELS[ReportKind(kind)])
    if user.is_superuser and not user.region_id:
        from kechuang.regions.services import home_region_code

        root = home_region_code()
        return qs.filter(code__startswith=root[:4]).order_by("code") if len(root) == 6 else qs.none()
    if not user.region_id:
        return qs.none()
    if user.role == Role.TOWN:
        return qs.filter(code=user.region_id)
    return qs.filter(code__startswith=user.region_id).order_by("code")


def years(today: dt.date | None = None, n: int = 6) -> list[int]:
    today = today or timezone.localdate()
    return [y for y in range(today.year, today.year - n, -1) if y >= FIRST_YEAR]
