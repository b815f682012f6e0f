"""Reads of the evaluation app. Every query starts from `restrict(user, action)`; nothing filters scope by hand."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.http import Http404

from kechuang.core.choices import Role
from kechuang.enterprises.choices import QualificationKind, QualificationStatus
from kechuang.enterprises.models import Enterprise, Qualification, valid_on_q

from .choices import HTE_CODES, EntryStatus, RunStatus, Verdict
from .engine import ruleset_for
from .engine.results import add_years
from .models import EvaluationResult, EvaluationRun, PoolBatch, PoolEntry, PoolEvent

OFFICE_ROLES = (Role.BUREAU, Role.TOWN, Role.AUDITOR)


def is_office(user) -> bool:
    """Bureau, town assistant or auditor: the roles that see lists of other enterprises."""
    return user is not None and user.is_authenticated and (user.is_superuser or user.role in OFFICE_ROLES)


def require_office(user) -> None:
    if not is_office(user):
        raise Http404


# ---------------------------------------------------------------------------------------------------------------
# Runs and results


def _needs_child_door(user) -> bool:
    """A town assistant's own scope holds only runs/batches of their town; district ones are reached through
    the rows (results, entries) inside their town. Other roles' scope already covers their runs."""
    return user is not None and user.is_authenticated and not user.is_superuser and user.role == Role.TOWN


def runs_visible(user) -> QuerySet[EvaluationRun]:
    """Runs the user may see: their own scope's runs, plus, for a town assistant, runs holding results inside
    their town (the district run, through their town's share of it)."""
    qs = EvaluationRun.objects.restrict(user)
    if _needs_child_door(user):
        own = EvaluationRun.objects.restrict(user).values("pk")
        via_results = EvaluationResult.objects.restrict(user).values("run_id")
        qs = EvaluationRun.objects.filter(Q(pk__in=own) | Q(pk__in=via_results))
    return qs.select_related("region", "job")


def run_get(user, pk: int) -> EvaluationRun:
    run = runs_visible(user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def latest_run(user) -> EvaluationRun | None:
    return runs_visible(user).filter(status=RunStatus.DONE).order_by("-created_at", "-pk").first()


SORTS = {
    "name": "enterprise__name", "town": "town_id", "score_min": "score_min", "score_max": "score_max",
    "verdict": "verdict", "failed": "failed_count", "tech": "tech_ratio", "rd": "rd_ratio",
    "domestic": "domestic_ratio", "hitech": "hitech_ratio", "sales": "latest_sales", "ip1": "ip_class_i",
}


def result_list(user, run: EvaluationRun, *, verdict: str | None = None, candidate: bool | None = None,
                town: str | None = None, failed: str | None = None, q: str | None = None,
                reason: str | None = None, sort: str | None = None) -> QuerySet[EvaluationResult]:
    """A run's results inside the user's scope, filtered and sorted (`sort` is a key of SORTS, '-' = descending)."""
    qs = (EvaluationResult.objects.restrict(user).filter(run=run)
          .select_related("enterprise", "town"))
    if verdict in Verdict.values:
        qs = qs.filter(verdict=verdict)
    if candidate is not None:
        qs = qs.filter(candidate=candidate)
    if town:
        qs = qs.filter(town__code__startswith=town)
    if failed in HTE_CODES:
        qs = qs.filter(failed_codes__contains=f",{failed},")
    if reason:
        qs = qs.filter(candidate_reason=reason)
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__uscc__icontains=q.upper()))
    key = (sort or "").lstrip("-")
    if key in SORTS:
        column = F(SORTS[key])  # NULLs (no data) last in both directions, on every database
        qs = qs.order_by(column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True),
                         "enterprise_id")
    else:
        # Candidates first, then those missing the fewest conditions, then the best scores.
        qs = qs.order_by("-candidate", "failed_count", "-score_max", "-score_min", "enterprise_id")
    return qs


def run_summary(user, run: EvaluationRun) -> dict[str, Any]:
    """Counts of a run inside the user's scope (a town assistant sees their town's share of a district run)."""
    qs = EvaluationResult.objects.restrict(user).filter(run=run)
    agg = qs.aggregate(
        total=Count("pk"), candidates=Count("pk", filter=Q(candidate=True)),
        **{f"v_{v}": Count("pk", filter=Q(verdict=v)) for v in Verdict.values},
        **{f"f_{c}": Count("pk", filter=Q(failed_codes__contains=f",{c},")) for c in HTE_CODES},
    )
    return {
        "total": agg["total"],
        "verdicts": [(v, Verdict(v).label, agg[f"v_{v}"]) for v in Verdict.values],
        "candidates": agg["candidates"],
        "fails": {c: agg[f"f_{c}"] for c in HTE_CODES},
    }


# ---------------------------------------------------------------------------------------------------------------
# Pool batches


def batches_visible(user) -> QuerySet[PoolBatch]:
    """Batches of the user's scope, plus, for a town assistant, batches holding entries inside their town."""
    qs = PoolBatch.objects.restrict(user)
    if _needs_child_door(user):
        own = PoolBatch.objects.restrict(user).values("pk")
        via_entries = PoolEntry.objects.restrict(user).values("batch_id")
        qs = PoolBatch.objects.filter(Q(pk__in=own) | Q(pk__in=via_entries))
    return qs.select_related("region")


def batch_get(user, pk: int) -> PoolBatch:
    batch = batches_visible(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def pool_status_of(user, enterprise: Enterprise) -> dict[str, Any]:
    """For an enterprise's self-assessment page: the pool entries it has in batches the user sees, and the open
    batches of its district it could be added to (none when an entry of that year is already live)."""
    entries = list(PoolEntry.objects.restrict(user).filter(enterprise=enterprise)
                   .select_related("batch").order_by("-batch__year", "-pk"))
    live_years = {e.batch.year for e in entries if e.status != EntryStatus.REJECTED}
    open_batches = [b for b in batches_visible(user).filter(status="open").order_by("-year", "pk")
                    if b.region_id and enterprise.town_id and enterprise.town_id.startswith(b.region_id)
                    and b.year not in live_years]
    return {"entries": entries, "open_batches": open_batches}


def entry_list(user, batch: PoolBatch, status: str | None = None) -> QuerySet[PoolEntry]:
    qs = (PoolEntry.objects.restrict(user).filter(batch=batch)
          .select_related("enterprise", "enterprise__town", "enterprise__domain", "decided_by", "qualification"))
    if status in EntryStatus.values:
        qs = qs.filter(status=status)
    # Pending decisions first, then approved, then rejected; within each the best scores first.
    pending_first = Case(When(status=EntryStatus.PROPOSED, then=0), When(status=EntryStatus.APPROVED, then=1),
                         default=2)
    return qs.order_by(pending_first, "-score_max", "-score_min", "enterprise__name", "pk")


def entry_get(user, pk: int) -> PoolEntry:
    entry = PoolEntry.objects.restrict(user).select_related("batch", "enterprise").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def batch_counts(user, batch: PoolBatch) -> dict[str, int]:
    by = dict(PoolEntry.objects.restrict(user).filter(batch=batch).values_list("status").annotate(n=Count("pk")))
    return {s: by.get(s, 0) for s in EntryStatus.values} | {"total": sum(by.values())}


def batch_events(user, batch: PoolBatch) -> QuerySet[PoolEvent]:
    return PoolEvent.objects.restrict(user).filter(batch=batch).select_related("entry__enterprise")


def pool_conversion(user) -> list[dict[str, Any]]:
    """Per pool batch (year and name), how many members later obtained an HTE certificate, and when.

    Built from the qualifications themselves, so batches imported from before the platform count too. A member
    converts with its first HTE certificate issued on or after its pool entry date.
    """
    pool = (Qualification.objects.restrict(user).filter(kind=QualificationKind.POOL)
            .exclude(status=QualificationStatus.REVOKED)
            .values_list("enterprise_id", "year", "batch", "issue_date"))
    hte: dict[int, list[dt.date]] = defaultdict(list)
    for eid, issued in (Qualification.objects.restrict(user).filter(kind=QualificationKind.HTE)
                        .exclude(status=QualificationStatus.REVOKED).values_list("enterprise_id", "issue_date")):
        hte[eid].append(issued)
    groups: dict[tuple[int, str], dict[str, Any]] = {}
    for eid, year, batch, entered in pool:
        g = groups.setdefault((year, batch or ""), {"year": year, "batch": batch or "", "members": 0, "converted": 0,
                                                    "by_lag": [0, 0, 0, 0], "days": 0, "by_year": defaultdict(int)})
        g["members"] += 1
        later = sorted(d for d in hte.get(eid, ()) if d >= entered)
        if later:
            first = later[0]
            g["converted"] += 1
            g["by_lag"][min(first.year - year, 3) if first.year >= year else 0] += 1
            g["days"] += (first - entered).days
            g["by_year"][first.year] += 1
    out = []
    for key in sorted(groups, reverse=True):
        g = groups[key]
        g["rate"] = (Decimal(g["converted"] * 100) / g["members"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        g["avg_days"] = round(g["days"] / g["converted"]) if g["converted"] else None
        g["by_year"] = sorted(g["by_year"].items())
        out.append(g)
    return out


def pool_members(user, year: int, batch: str) -> list[dict[str, Any]]:
    """Members of one pool batch with their first HTE certificate after entry (the conversion drill-down)."""
    first_hte = (Qualification.objects.filter(kind=QualificationKind.HTE, enterprise=OuterRef("enterprise_id"),
                                              issue_date__gte=OuterRef("issue_date"))
                 .exclude(status=QualificationStatus.REVOKED).order_by("issue_date").values("issue_date")[:1])
    qs = (Qualification.objects.restrict(user).filter(kind=QualificationKind.POOL, year=year, batch=batch)
          .exclude(status=QualificationStatus.REVOKED).select_related("enterprise", "enterprise__town")
          .annotate(hte_on=Subquery(first_hte)).order_by("enterprise__name"))
    return [{"enterprise": q.enterprise, "entered": q.issue_date, "hte_on": q.hte_on,
             "days": (q.hte_on - q.issue_date).days if q.hte_on else None} for q in qs]


# ---------------------------------------------------------------------------------------------------------------
# Validity: HTE certificates, tech-SME registrations, startup filings


def valid_hte(user, day: dt.date) -> QuerySet[Qualification]:
    return Qualification.objects.restrict(user).filter(valid_on_q(day), kind=QualificationKind.HTE)


def valid_hte_count(user, day: dt.date, *, town: str | None = None) -> dict[str, Any]:
    """Enterprises holding a valid HTE certificate on `day` (the expiry day counts, the day after does not)."""
    qs = valid_hte(user, day)
    if town:
        qs = qs.filter(enterprise__town__code__startswith=town)
    by_town = list(qs.values("enterprise__town_id", "enterprise__town__name")
                   .annotate(n=Count("enterprise", distinct=True)).order_by("enterprise__town_id"))
    return {
        "date": day,
        "count": qs.values("enterprise").distinct().count(),
        "by_town": [{"town": r["enterprise__town_id"], "name": r["enterprise__town__name"], "count": r["n"]}
                    for r in by_town],
    }


def hte_expiring(user, year: int, today: dt.date | None = None) -> list[dict[str, Any]]:
    """HTE certificates whose validity ends in `year`: re-certification (重新认定) due, and the tax claw-back risk.

    In the expiry year tax is prepaid at 15% until re-certified; without a new certificate by 31 December the
    difference must be paid back (国家税务总局公告2017年第24号, RULES §1.7).
    """
    today = today or dt.date.today()
    deadline = dt.date(year, 12, 31)
    renewal = (Qualification.objects.filter(kind=QualificationKind.HTE, enterprise=OuterRef("enterprise_id"),
                                            issue_date__gt=OuterRef("issue_date"))
               .exclude(status=QualificationStatus.REVOKED).order_by("issue_date").values("issue_date")[:1])
    qs = (Qualification.objects.restrict(user)
          .filter(kind=QualificationKind.HTE, expiry_date__year=year)
          .exclude(status=QualificationStatus.REVOKED)
          .select_related("enterprise", "enterprise__town")
          .annotate(renewed_on=Subquery(renewal))
          .order_by("expiry_date", "enterprise__name"))
    out = []
    for q in qs:
        renewed = q.renewed_on is not None and q.renewed_on <= deadline
        if renewed:
            status = "renewed"
        elif today <= deadline:
            status = "due"
        else:
            status = "clawback"
        out.append({
            "q": q, "enterprise": q.enterprise, "renewed_on": q.renewed_on, "status": status,
            "renewal_due": not renewed, "tax_clawback_risk": not renewed,
            "expired": today > q.expiry_date, "days_to_expiry": (q.expiry_date - today).days,
            "days_to_deadline": (deadline - today).days,
        })
    return out


EXPIRY_STATUS = {
    "renewed": ("已重新认定", "Re-certified"),
    "due": ("待重新认定（年底前未通过须补缴税款）", "Re-certification due (tax claw-back if not by 31 Dec)"),
    "clawback": ("期满当年未通过重新认定：须补缴税款", "Not re-certified in the expiry year: tax to be paid back"),
}


def tsme_per_year(user) -> list[dict[str, Any]]:
    """Tech-SME registrations (入库登记) per evaluation year, with how many were first-time registrations."""
    first: dict[int, int] = {}
    rows = (Qualification.objects.restrict(user).filter(kind=QualificationKind.TSME)
            .exclude(status=QualificationStatus.REVOKED).values_list("enterprise_id", "year").order_by("year"))
    per_year: dict[int, set[int]] = defaultdict(set)
    for eid, year in rows:
        per_year[year].add(eid)
        first.setdefault(eid, year)
    new = defaultdict(int)
    for year in first.values():
        new[year] += 1
    return [{"year": y, "count": len(ids), "new": new[y]} for y, ids in sorted(per_year.items(), reverse=True)]


def startup_filings_per_year(user) -> list[dict[str, Any]]:
    return list(Qualification.objects.restrict(user).filter(kind=QualificationKind.STARTUP)
                .exclude(status=QualificationStatus.REVOKED).values("year")
                .annotate(count=Count("enterprise", distinct=True)).order_by("-year"))


def startup_prospects(user, day: dt.date) -> QuerySet[Enterprise]:
    """Enterprises young enough for the innovative-startup filing (age limit from the rule set) without one."""
    rs = ruleset_for("startup", day)
    years = int(rs.data["conditions"]["S1"]["max_age_years"])
    earliest = add_years(day, -years)
    filed = Qualification.objects.filter(kind=QualificationKind.STARTUP, enterprise=OuterRef("pk"))
    return (Enterprise.objects.restrict(user).filter(founded_on__gte=earliest, founded_on__lte=day)
            .exclude(Exists(filed)).select_related("town").order_by("-founded_on", "pk"))


def enterprise_results(user, enterprise: Enterprise, limit: int = 5) -> list[EvaluationResult]:
    """The latest batch results of one enterprise (office roles only; an enterprise sees no batch results)."""
    return list(EvaluationResult.objects.restrict(user).filter(enterprise=enterprise, run__status=RunStatus.DONE)
                .select_related("run").order_by("-run__created_at")[:limit])

