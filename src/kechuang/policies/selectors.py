"""Reads of the policies app: every query starts from `restrict(user, action)`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kechuang.core.choices import Action
from kechuang.core.scope import can
from kechuang.enterprises.models import Enterprise

from .choices import (
    AwardStatus,
    EventStatus,
    FairKind,
    LotStatus,
    PolicyStatus,
    RoundStatus,
    TaskLine,
    TaskState,
)
from .engine import Evaluation, evaluate
from .engine.events import premium_rate, share, time_progress
from .engine.values import round_fraction
from .facts import facts_for
from .models import (
    AchievementFair,
    Attendance,
    Competition,
    CompetitionAward,
    Entry,
    Lot,
    Policy,
    PolicyAward,
    Round,
    RoundResult,
    Score,
    Training,
    TrainingSession,
    TrainingTarget,
    WorkTask,
)

# ----- policies -----------------------------------------------------------------------------------------------------

def policy_list(*, user, status: str | None = None, year: int | None = None, q: str | None = None) -> QuerySet[Policy]:
    qs = Policy.objects.restrict(user, Action.VIEW).select_related("region")
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(doc_number__icontains=q))
    return qs


def can_manage_policies(user) -> bool:
    return can(user, Policy, Action.CHANGE)


@dataclass
class CalcRow:
    """One policy's outcome for one enterprise (the calculator)."""

    policy: Policy
    evaluation: Evaluation
    award: PolicyAward | None


def policies_for_enterprise(*, user, enterprise: Enterprise, today: dt.date | None = None) -> list[Policy]:
    """Policies the user may see that apply to the enterprise's district and are in force (drafts for the bureau)."""
    today = today or timezone.localdate()
    statuses = [PolicyStatus.PUBLISHED] + ([PolicyStatus.DRAFT] if can_manage_policies(user) else [])
    qs = Policy.objects.restrict(user, Action.VIEW).filter(status__in=statuses, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    return [p for p in qs.order_by("-year", "title") if enterprise.town_id.startswith(p.region_id)]


def calculator(*, user, enterprise: Enterprise, today: dt.date | None = None) -> list[CalcRow]:
    """Every applicable policy for one enterprise: whether it qualifies, why or why not, and the estimated amount.

    The enterprise must already have been fetched through `get_in_scope` by the caller.
    """
    policies = policies_for_enterprise(user=user, enterprise=enterprise, today=today)
    awards = {a.policy_id: a for a in PolicyAward.objects.restrict(user, Action.VIEW).filter(enterprise=enterprise)}
    facts_cache: dict[tuple, dict] = {}
    rows = []
    for p in policies:
        key = (p.data_year, p.reference_date)
        if key not in facts_cache:
            facts_cache[key] = facts_for([enterprise], year=p.data_year, on=p.reference_date)[enterprise.pk]
        rows.append(CalcRow(policy=p, evaluation=evaluate(p.definition(), facts_cache[key]), award=awards.get(p.pk)))
    rows.sort(key=lambda r: (not r.evaluation.eligible, -(r.evaluation.amount or 0), r.policy.title))
    return rows


@dataclass
class EligibleRow:
    """An enterprise on a policy's 免申即享 list, with its facts, evaluation and award (if any)."""

    enterprise: Enterprise
    facts: dict
    evaluation: Evaluation
    award: PolicyAward | None


def eligible_rows(*, user, policy: Policy, town: str | None = None, q: str | None = None,
                  include_ineligible: bool = False) -> list[EligibleRow]:
    """Enterprises in the user's scope (and the policy's district) that qualify, with computed amounts."""
    # The command line (user None) acts for the bureau that issued the policy.
    base = Enterprise.objects.all() if user is None else Enterprise.objects.restrict(user, Action.VIEW)
    qs = base.filter(town__code__startswith=policy.region_id).select_related("town")
    if town:
        qs = qs.filter(town__code__startswith=town)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
    enterprises = list(qs)
    facts = facts_for(enterprises, year=policy.data_year, on=policy.reference_date)
    awards_qs = PolicyAward.objects.all() if user is None else PolicyAward.objects.restrict(user, Action.VIEW)
    awards = {a.enterprise_id: a for a in awards_qs.filter(policy=policy)}
    defn = policy.definition()
    rows = []
    for e in enterprises:
        ev = evaluate(defn, facts[e.pk])
        if ev.eligible or include_ineligible:
            rows.append(EligibleRow(enterprise=e, facts=facts[e.pk], evaluation=ev, award=awards.get(e.pk)))
    rows.sort(key=lambda r: (-(r.evaluation.amount or 0), r.enterprise.name, r.enterprise.pk))
    return rows


def awards_list(*, user, policy: Policy | None = None, status: str | None = None) -> QuerySet[PolicyAward]:
    qs = PolicyAward.objects.restrict(user, Action.VIEW).select_related("policy", "enterprise__town")
    if policy is not None:
        qs = qs.filter(policy=policy)
    if status:
        qs = qs.filter(status=status)
    return qs


def award_totals(qs: QuerySet[PolicyAward]) -> list[dict]:
    """Count and amount per status, in workflow order."""
    data = {r["status"]: r for r in qs.order_by().values("status").annotate(n=Count("pk"), amount=Sum("amount"))}
    return [{"status": s, "label": AwardStatus(s).label, "n": data.get(s, {}).get("n", 0),
             "amount": data.get(s, {}).get("amount") or Decimal("0.00")} for s in AwardStatus.values]


# ----- competitions ------------------------------------------------------------------------------------------------

def round_participants(round: Round) -> QuerySet[Entry]:
    """Round 1: every entry; later rounds: the entries that advanced from the previous round (once it is closed)."""
    qs = Entry.objects.filter(competition_id=round.competition_id).select_related("division", "enterprise")
    prev = Round.objects.filter(competition_id=round.competition_id, number__lt=round.number).order_by("-number").first()
    if prev is None:
        return qs
    if prev.status != RoundStatus.CLOSED:
        return qs.none()
    return qs.filter(results__round=prev, results__advanced=True)


def competition_detail(*, user, competition: Competition) -> dict:
    """Divisions, and per round and division: participants with their scores (bureau) or results (everyone)."""
    divisions = list(competition.divisions.all())
    see_scores = can(user, Score, Action.VIEW)
    rounds = []
    for rnd in competition.rounds.all().prefetch_related("division_rules"):
        overrides = {o.division_id: o for o in rnd.division_rules.all()}
        results = {r.entry_id: r for r in RoundResult.objects.restrict(user, Action.VIEW).filter(round=rnd)}
        scores: dict[int, list] = {}
        judges: set[str] = set()
        if see_scores:
            for s in Score.objects.restrict(user, Action.VIEW).filter(round=rnd):
                scores.setdefault(s.entry_id, []).append(s)
                judges.add(s.judge)
        visible = set(Entry.objects.restrict(user, Action.VIEW).filter(competition=competition).values_list("pk", flat=True))
        participants = [e for e in round_participants(rnd) if e.pk in visible]
        per_division = []
        for d in divisions:
            entries = [e for e in participants if e.division_id == d.pk]
            rows = [{"entry": e, "scores": sorted(scores.get(e.pk, []), key=lambda s: s.judge),
                     "result": results.get(e.pk)} for e in entries]
            rows.sort(key=lambda r: (r["result"].rank if r["result"] else 10 ** 6, r["entry"].team))
            o = overrides.get(d.pk)
            rule = _rule_text(o.rule, o.top_n, o.threshold) if o else _rule_text(rnd.rule, rnd.top_n, rnd.threshold)
            per_division.append({"division": d, "rows": rows, "rule": rule, "override": o is not None,
                                 "advanced": sum(1 for r in rows if r["result"] and r["result"].advanced)})
        rounds.append({"round": rnd, "divisions": per_division, "judges": sorted(judges),
                       "n_participants": len(participants)})
    for this, nxt in zip(rounds, rounds[1:] + [None]):
        # a closed round may be reopened only while the next one has no scores (services.round_reopen)
        this["can_reopen"] = this["round"].status == RoundStatus.CLOSED and (
            nxt is None or (nxt["round"].status != RoundStatus.CLOSED and not nxt["round"].scores.exists()))
    awards = list(CompetitionAward.objects.restrict(user, Action.VIEW).filter(competition=competition)
                  .select_related("entry__division"))
    counts = dict(Entry.objects.restrict(user, Action.VIEW).filter(competition=competition).order_by()
                  .values_list("division_id").annotate(n=Count("pk")))
    for d in divisions:
        d.n_entries = counts.get(d.pk, 0)
    return {"divisions": divisions, "rounds": rounds, "awards": awards, "see_scores": see_scores,
            "n_entries": sum(counts.values())}


def _rule_text(rule: str, top_n, threshold) -> str:
    if rule == "top_n":
        return f"前{top_n}名晋级（并列同进）"
    if rule == "threshold":
        return f"得分≥{threshold}晋级"
    return "全部晋级"


# ----- trainings and fairs -----------------------------------------------------------------------------------------

def training_reach(training: Training) -> dict:
    """Sessions, attendances (person-times), enterprises reached, target enterprises and the share reached.

    Counts only, computed over all of the training's records (an aggregate, not a listing of other towns' firms).
    """
    att = Attendance.objects.filter(session__training=training)
    targets = TrainingTarget.objects.filter(training=training)
    target_ids = set(targets.values_list("enterprise_id", flat=True))
    attended = set(att.values_list("enterprise_id", flat=True).distinct())
    reached = len(target_ids & attended)
    return {"sessions": TrainingSession.objects.filter(training=training).count(), "attendances": att.count(),
            "enterprises": len(attended), "targets": len(target_ids), "reached": reached,
            "share": share(reached, len(target_ids))}


def fair_stats(fair: AchievementFair) -> dict:
    """Lots listed and sold, starting and hammer totals of the sold lots, and the overall premium rate."""
    lots = list(fair.lots.all())
    sold = [lot for lot in lots if lot.status == LotStatus.SOLD]
    start = sum((lot.starting_price for lot in sold), Decimal("0.00"))
    hammer = sum((lot.hammer_price for lot in sold), Decimal("0.00"))
    return {"lots": len(lots), "sold": len(sold), "start": start, "hammer": hammer,
            "premium": premium_rate(start, hammer) if sold else None}


# ----- work tasks --------------------------------------------------------------------------------------------------

def task_list(*, user, year: int | None = None, line: str | None = None, owner_unit: str | None = None,
              region: str | None = None) -> QuerySet[WorkTask]:
    qs = WorkTask.objects.restrict(user, Action.VIEW).select_related("indicator", "region")
    if year:
        qs = qs.filter(year=year)
    if line:
        qs = qs.filter(line=line)
    if owner_unit:
        qs = qs.filter(owner_unit__icontains=owner_unit)
    if region:
        qs = qs.filter(region__code__startswith=region)
    return qs


def task_board(*, user, year: int, today: dt.date | None = None, state: str | None = None, **filters) -> dict:
    """Tasks grouped by line of work (in the plan's order), each with its state; counts per state."""
    today = today or timezone.localdate()
    tasks = list(task_list(user=user, year=year, **filters).order_by("deadline", "code"))
    for t in tasks:
        t.state_code = t.state(today)
        t.state_label = TaskState(t.state_code).label
    counts = {s: sum(1 for t in tasks if t.state_code == s) for s in TaskState.values}
    if state:
        tasks = [t for t in tasks if t.state_code == state]
    groups = []
    for line in TaskLine:
        items = [t for t in tasks if t.line == line.value]
        if items:
            groups.append({"line": line.value, "label": line.label, "tasks": items,
                           "avg": round_fraction(Fraction(sum(t.progress for t in items), len(items)), 0),
                           "overdue": sum(1 for t in items if t.state_code == TaskState.OVERDUE)})
    return {"groups": groups, "counts": counts, "total": sum(counts.values()),
            "time_progress": round_fraction(time_progress(year, today) * 100, 0), "today": today}


# ----- counts for the annual report --------------------------------------------------------------------------------

def event_counts(*, region: str, year: int, today: dt.date | None = None) -> dict:
    """Counts for the annual work summary of a region (a district or city code prefix) and a year.

    Events count when organised by a region under `region` (codes starting with it); policy awards count by the
    enterprise's town and the payment date; tasks by their responsible region. Money in yuan (Decimal).
    """
    today = today or timezone.localdate()
    visible = (EventStatus.PUBLISHED, EventStatus.FINISHED)
    inside = {"region__code__startswith": region}
    comps = Competition.objects.filter(year=year, status__in=visible, **inside)
    trainings = Training.objects.filter(year=year, status__in=visible, **inside)
    att = Attendance.objects.filter(session__training__in=trainings)
    fairs = AchievementFair.objects.filter(date__year=year, status__in=visible, **inside)
    lots = Lot.objects.filter(fair__in=fairs)
    sold = lots.filter(status=LotStatus.SOLD).aggregate(n=Count("pk"), start=Sum("starting_price"),
                                                        hammer=Sum("hammer_price"))
    paid = PolicyAward.objects.filter(status=AwardStatus.PAID, paid_on__year=year,
                                      enterprise__town__code__startswith=region).aggregate(n=Count("pk"), amount=Sum("amount"))
    tasks = list(WorkTask.objects.filter(year=year, **inside))
    states = [t.state(today) for t in tasks]
    targets = TrainingTarget.objects.filter(training__in=trainings)
    target_pairs = set(targets.values_list("training_id", "enterprise_id"))
    reached_pairs = set(att.values_list("session__training_id", "enterprise_id").distinct())
    premium = premium_rate(sold["start"], sold["hammer"]) if sold["n"] else None
    return {
        "region": region, "year": year,
        "policies_published": Policy.objects.filter(year=year, status=PolicyStatus.PUBLISHED, **inside).count(),
        "awards_paid": paid["n"], "awards_paid_amount": paid["amount"] or Decimal("0.00"),
        "competitions": comps.count(),
        "competition_entries": Entry.objects.filter(competition__in=comps).count(),
        "competition_awards": CompetitionAward.objects.filter(competition__in=comps).count(),
        "trainings": trainings.count(),
        "training_sessions": TrainingSession.objects.filter(training__in=trainings).count(),
        "training_attendances": att.count(),
        "training_enterprises": att.values("enterprise_id").distinct().count(),
        "training_targets": len(target_pairs),
        "training_targets_reached": len(target_pairs & reached_pairs),
        "fairs": fairs.filter(kind=FairKind.FAIR).count(),
        "auctions": fairs.filter(kind=FairKind.AUCTION).count(),
        "lots": lots.count(), "lots_sold": sold["n"],
        "lots_start_amount": sold["start"] or Decimal("0.00"), "lots_hammer_amount": sold["hammer"] or Decimal("0.00"),
        "lots_premium_rate": round_fraction(premium, 6) if premium is not None else None,
        "tasks": len(tasks), "tasks_done": sum(1 for s in states if s in (TaskState.DONE, TaskState.DONE_LATE)),
        "tasks_overdue": sum(1 for s in states if s == TaskState.OVERDUE),
    }
