"""Reads for enterprises: every query starts from `restrict(user, action)`."""
from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from kechuang.core.choices import Action

from .choices import LADDER, QualificationKind
from .models import Enterprise, Qualification, valid_on_q


def enterprise_list(*, user, town: str | None = None, industry: str | None = None,
                    qualification: str | None = None, q: str | None = None, above_size: bool | None = None,
                    on: dt.date | None = None) -> QuerySet[Enterprise]:
    """Enterprises the user may see, filtered by town (or district prefix), industry prefix, valid qualification."""
    qs = Enterprise.objects.restrict(user, Action.VIEW).select_related("town", "industry")
    if town:
        qs = qs.filter(town__code__startswith=town)
    if industry:
        qs = qs.filter(industry__code__startswith=industry)
    if above_size is not None:
        qs = qs.filter(above_size=above_size)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
    if qualification:
        day = on or dt.date.today()
        qs = qs.filter(Exists(Qualification.objects.filter(valid_on_q(day), enterprise=OuterRef("pk"), kind=qualification)))
    return qs


def ladder(enterprise: Enterprise, user) -> list[dict]:
    """The enterprise's qualification ladder over time: one entry per rung with every record, oldest first."""
    quals = list(Qualification.objects.restrict(user).filter(enterprise=enterprise).order_by("issue_date"))
    today = dt.date.today()
    rungs = []
    for kind in LADDER:
        records = [q for q in quals if q.kind == kind]
        rungs.append({
            "kind": kind, "label": QualificationKind(kind).label, "records": records,
            "current": any(q.valid_on(today) for q in records), "reached": bool(records),
        })
    others = [q for q in quals if q.kind not in LADDER]
    return rungs + ([{"kind": "other", "label": "其他", "records": others, "current": False, "reached": bool(others)}]
                    if others else [])


def current_rung(enterprise_ids, day: dt.date | None = None) -> dict[int, str]:
    """The highest ladder rung each enterprise holds on a day (for lists), in one query."""
    day = day or dt.date.today()
    order = {k: i for i, k in enumerate(LADDER)}
    best: dict[int, str] = {}
    for eid, kind in (Qualification.objects.filter(valid_on_q(day), enterprise_id__in=list(enterprise_ids),
                                                   kind__in=LADDER).values_list("enterprise_id", "kind")):
        if eid not in best or order[kind] > order[best[eid]]:
            best[eid] = kind
    return best
