"""Gathering enterprise data into engine profiles: a handful of queries for any number of enterprises.

Callers pass enterprises they already fetched through `restrict(user, …)`; this module reads those enterprises'
own records (annual data, qualifications, R&D institutions, IP) and hands plain values to the pure engine.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q

from kechuang.enterprises.choices import CLASS_I_KINDS, FilingStatus
from kechuang.enterprises.models import (
    AnnualData,
    Enterprise,
    IPRecord,
    Qualification,
    RDInstitution,
)

from .engine import compute_facts

CHUNK = 900  # stay below SQLite's bound-parameter limits on old builds


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def profiles(enterprises: Iterable[Enterprise], *, year: int, on: dt.date) -> dict[int, dict]:
    """The engine profile of each enterprise (see engine.facts.compute_facts), keyed by enterprise id."""
    out: dict[int, dict] = {}
    for e in enterprises:
        out[e.pk] = {"town": e.town_id, "industry": e.industry_id, "domain": e.domain_id, "above_size": e.above_size,
                     "founded_on": e.founded_on, "annual": {}, "qualifications": [], "rd_levels": [],
                     "ip_class_i_valid": 0}
    ids = list(out)
    for chunk in _chunks(ids):
        for row in AnnualData.objects.filter(enterprise_id__in=chunk, year__in=(year, year - 1)).values(
                "enterprise_id", "year", "staff_total", "staff_tech", "sales", "hitech_income", "rd_expense"):
            out[row.pop("enterprise_id")]["annual"][row.pop("year")] = row
        for row in Qualification.objects.filter(enterprise_id__in=chunk).values(
                "enterprise_id", "kind", "year", "issue_date", "expiry_date", "status"):
            out[row.pop("enterprise_id")]["qualifications"].append(row)
        for eid, level in RDInstitution.objects.filter(enterprise_id__in=chunk, status=FilingStatus.FILED).values_list(
                "enterprise_id", "level"):
            out[eid]["rd_levels"].append(level)
        valid_ip = (Q(granted_on__lte=on) & (Q(expires_on__isnull=True) | Q(expires_on__gte=on)))
        for row in (IPRecord.objects.filter(valid_ip, enterprise_id__in=chunk, kind__in=list(CLASS_I_KINDS))
                    .values("enterprise_id").annotate(n=Count("pk"))):
            out[row["enterprise_id"]]["ip_class_i_valid"] = row["n"]
    return out


def facts_for(enterprises: Iterable[Enterprise], *, year: int, on: dt.date) -> dict[int, dict]:
    """Every catalogue fact of each enterprise for a data year and a reference date."""
    return {eid: compute_facts(p, year=year, on=on) for eid, p in profiles(enterprises, year=year, on=on).items()}
