"""API of the policies app (mounted at /api/policies/): policies, the calculator, 免申即享 and awards, events,
work tasks and the counts for the annual report. Every read goes through restrict(); outside scope answers 404.
Amounts: formula JSON and award amounts in yuan; fields named *_wan in 万元."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api import AUTH_RESPONSES, COMMON_RESPONSES, WRITE_RESPONSES, Pagination, xlsx_response
from kechuang.core.choices import Action, Role
from kechuang.core.errors import ValidationFailed
from kechuang.core.scope import get_in_scope
from kechuang.enterprises.models import Enterprise

from . import selectors, services
from .engine import FACT_LIST, KINDS, MODES, OPS, TYPE_OPS
from .engine.values import round_fraction
from .exports import eligible_xlsx
from .models import (
    AchievementFair,
    Competition,
    Entry,
    Lot,
    Policy,
    PolicyAward,
    Round,
    Training,
    TrainingSession,
    WorkTask,
)

router = Router(tags=["policies"])


# ----- schemas ------------------------------------------------------------------------------------------------------

class PolicyOut(Schema):
    id: int
    title: str
    doc_number: str
    region_id: str
    year: int
    data_year: int
    reference_date: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    status: str
    description: str
    conditions: list[dict]
    formula: dict
    budget: Decimal | None


class PolicyIn(Schema):
    """Conditions: [{field, op, value, note?}] over the fact catalogue (GET /facts); money values in yuan.
    Formula: {type: fixed|share|tiered, amount|base, rate, cap, mode, tiers, rounding: yuan|fen}, amounts in yuan."""

    title: str | None = None
    doc_number: str | None = None
    year: int | str | None = None
    data_year: int | str | None = None
    reference_date: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    description: str | None = None
    status: str | None = None
    budget_wan: str | Decimal | None = None
    conditions: list[Any] | str | None = None
    formula: dict | str | None = None


class PolicyFilter(Schema):
    status: str | None = None
    year: int | None = None
    q: str | None = None


class ConditionResultOut(Schema):
    index: int
    field: str
    label: str
    text: str
    actual: Any = None
    actual_text: str
    passed: bool
    reason: str
    note: str = ""


class EvaluationOut(Schema):
    eligible: bool
    amount: Decimal | None
    conditions: list[ConditionResultOut]
    steps: list[str]
    reasons: list[str]


class CalculatorRowOut(Schema):
    policy_id: int
    policy_title: str
    doc_number: str
    status: str
    evaluation: EvaluationOut
    award_status: str | None
    award_id: int | None


class EligibleOut(Schema):
    enterprise_id: int
    uscc: str
    name: str
    town_id: str
    amount: Decimal
    steps: list[str]
    award_status: str | None


class AwardOut(Schema):
    id: int
    policy_id: int
    enterprise_id: int
    enterprise_name: str
    amount: Decimal
    status: str
    payment_ref: str
    paid_on: dt.date | None
    note: str

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name


class AwardActionIn(Schema):
    action: str
    note: str = ""
    payment_ref: str = ""
    paid_on: str | None = None


class ProposeOut(Schema):
    created: int
    skipped: int
    total: Decimal


class CompetitionOut(Schema):
    id: int
    title: str
    year: int
    organiser: str
    aggregation: str
    min_judges: int
    status: str


class RoundResultOut(Schema):
    entry_id: int
    team: str
    project: str
    division: str
    aggregate: Decimal | None
    rank: int | None
    advanced: bool | None


class RoundOut(Schema):
    id: int
    number: int
    name: str
    status: str
    rule: str
    top_n: int | None
    threshold: Decimal | None
    results: list[RoundResultOut]


class CompetitionDetailOut(CompetitionOut):
    divisions: list[dict]
    rounds: list[RoundOut]
    awards: list[dict]


class ScoreIn(Schema):
    entry_id: int
    judge: str
    score: str | Decimal


class TrainingOut(Schema):
    id: int
    title: str
    year: int
    status: str
    sessions: int
    attendances: int
    enterprises: int
    targets: int
    reached: int
    reach_pct: Decimal | None


class LotOut(Schema):
    id: int
    number: str
    title: str
    seller: str
    buyer: str
    starting_price: Decimal
    hammer_price: Decimal | None
    status: str
    premium_pct: Decimal | None


class FairOut(Schema):
    id: int
    title: str
    kind: str
    date: dt.date
    status: str
    lots: list[LotOut]


class TaskOut(Schema):
    id: int
    year: int
    code: str
    title: str
    line: str
    owner_unit: str
    owner_person: str
    region_id: str
    deadline: dt.date
    indicator_id: str | None
    target_value: Decimal | None
    target_text: str
    progress: int
    actual_value: Decimal | None
    state: str

    @staticmethod
    def resolve_state(obj):
        return obj.state(timezone.localdate())


class TaskIn(Schema):
    year: int | str | None = None
    code: str | None = None
    title: str | None = None
    line: str | None = None
    owner_unit: str | None = None
    owner_person: str | None = None
    deadline: str | None = None
    region: str | None = None
    indicator: str | None = None
    target_value: str | Decimal | None = None
    target_text: str | None = None


class ProgressIn(Schema):
    percent: int | str
    note: str
    actual_value: str | Decimal | None = None
    reported_on: str | None = None


class ProgressOut(Schema):
    id: int
    percent: int
    note: str
    actual_value: Decimal | None
    reported_on: dt.date
    reporter_name: str


class TaskFilter(Schema):
    year: int | None = None
    line: str | None = None
    owner_unit: str | None = None


# ----- helpers ------------------------------------------------------------------------------------------------------

def _officer(request) -> None:
    u = request.user
    if not (u.is_superuser or u.role in (Role.BUREAU, Role.TOWN, Role.AUDITOR)):
        raise Http404


def _payload(payload: Schema) -> dict:
    data = payload.dict(exclude_unset=True)
    return {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in data.items()}


def _pct(fraction) -> Decimal | None:
    return None if fraction is None else round_fraction(fraction * 100, 4)


# ----- policies -----------------------------------------------------------------------------------------------------

@router.get("/facts", response=list[dict], auth=None)
def facts(request):
    """The fact catalogue conditions may use, with each fact's type and allowed comparisons; formula kinds."""
    return [{"key": f.key, "label": f.label_for(None), "type": f.type, "help": f.help,
             "ops": {o: OPS[o] for o in TYPE_OPS[f.type]}} for f in FACT_LIST] + [
        {"key": "__formula__", "kinds": KINDS, "modes": MODES, "rounding": {"yuan": "元", "fen": "分"}}]


@router.get("/policies", response={200: list[PolicyOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_policies(request, filters: Query[PolicyFilter]):
    return selectors.policy_list(user=request.user, **filters.dict())


@router.get("/policies/{int:policy_id}", response={200: PolicyOut, **COMMON_RESPONSES})
def get_policy(request, policy_id: int):
    return get_in_scope(Policy, request.user, Action.VIEW, pk=policy_id)


@router.post("/policies", response={201: PolicyOut, **WRITE_RESPONSES})
def create_policy(request, payload: PolicyIn):
    return Status(201, services.policy_save(user=request.user, data=_payload(payload)))


@router.patch("/policies/{int:policy_id}", response={200: PolicyOut, **WRITE_RESPONSES})
def update_policy(request, policy_id: int, payload: PolicyIn):
    policy = get_in_scope(Policy, request.user, Action.CHANGE, pk=policy_id)
    return services.policy_save(user=request.user, data=_payload(payload), policy=policy)


def _calc_row(r) -> dict:
    return {"policy_id": r.policy.pk, "policy_title": r.policy.title, "doc_number": r.policy.doc_number,
            "status": r.policy.status, "evaluation": r.evaluation.to_json(),
            "award_status": r.award.status if r.award else None, "award_id": r.award.pk if r.award else None}


@router.get("/calculator/{int:enterprise_id}", response={200: list[CalculatorRowOut], **COMMON_RESPONSES})
def calculator(request, enterprise_id: int):
    """Every applicable policy for one enterprise in the caller's scope: qualifies or not, each condition, amount."""
    ent = get_in_scope(Enterprise, request.user, Action.VIEW, pk=enterprise_id)
    return [_calc_row(r) for r in selectors.calculator(user=request.user, enterprise=ent)]


@router.get("/policies/{int:policy_id}/eligible", response={200: list[EligibleOut], **COMMON_RESPONSES})
def eligible(request, policy_id: int, town: str | None = None):
    """免申即享: eligible enterprises in the caller's scope with computed amounts (officers only)."""
    _officer(request)
    policy = get_in_scope(Policy, request.user, Action.VIEW, pk=policy_id)
    return [{"enterprise_id": r.enterprise.pk, "uscc": r.enterprise.uscc, "name": r.enterprise.name,
             "town_id": r.enterprise.town_id, "amount": r.evaluation.amount, "steps": r.evaluation.steps,
             "award_status": r.award.status if r.award else None}
            for r in selectors.eligible_rows(user=request.user, policy=policy, town=town)]


@router.get("/policies/{int:policy_id}/eligible.xlsx", response={200: None, **COMMON_RESPONSES})
def eligible_export(request, policy_id: int, town: str | None = None):
    _officer(request)
    policy = get_in_scope(Policy, request.user, Action.VIEW, pk=policy_id)
    rows = selectors.eligible_rows(user=request.user, policy=policy, town=town)
    return xlsx_response(eligible_xlsx(policy, rows), f"policy-{policy.pk}-eligible.xlsx")


@router.post("/policies/{int:policy_id}/awards/propose", response={200: ProposeOut, **WRITE_RESPONSES})
def propose_awards(request, policy_id: int):
    policy = get_in_scope(Policy, request.user, Action.CHANGE, pk=policy_id)
    return services.awards_propose(user=request.user, policy=policy)


@router.get("/awards", response={200: list[AwardOut], **COMMON_RESPONSES})
@paginate(Pagination, page_size=100)
def list_awards(request, policy: int | None = None, status: str | None = None):
    p = get_in_scope(Policy, request.user, Action.VIEW, pk=policy) if policy else None
    return selectors.awards_list(user=request.user, policy=p, status=status)


@router.get("/awards/{int:award_id}", response={200: AwardOut, **COMMON_RESPONSES})
def get_award(request, award_id: int):
    return get_in_scope(PolicyAward.objects.select_related("enterprise"), request.user, Action.VIEW, pk=award_id)


@router.post("/awards/{int:award_id}/transition", response={200: AwardOut, **WRITE_RESPONSES})
def transition_award(request, award_id: int, payload: AwardActionIn):
    """approve | pay (payment_ref required) | reject (note required) | reopen; each step audited."""
    award = get_in_scope(PolicyAward, request.user, Action.CHANGE, pk=award_id)
    return services.award_transition(user=request.user, award=award, **payload.dict())


# ----- events -------------------------------------------------------------------------------------------------------

@router.get("/competitions", response={200: list[CompetitionOut], **AUTH_RESPONSES})
def list_competitions(request):
    return Competition.objects.restrict(request.user, Action.VIEW)


@router.get("/competitions/{int:competition_id}", response={200: CompetitionDetailOut, **COMMON_RESPONSES})
def get_competition(request, competition_id: int):
    """A competition with its divisions, each round's results (rank within division, advanced) and awards."""
    comp = get_in_scope(Competition, request.user, Action.VIEW, pk=competition_id)
    ctx = selectors.competition_detail(user=request.user, competition=comp)
    rounds = []
    for R in ctx["rounds"]:
        rnd = R["round"]
        results = []
        for D in R["divisions"]:
            for row in D["rows"]:
                res = row["result"]
                results.append({"entry_id": row["entry"].pk, "team": row["entry"].team, "project": row["entry"].project,
                                "division": D["division"].code, "aggregate": res.aggregate if res else None,
                                "rank": res.rank if res else None, "advanced": res.advanced if res else None})
        rounds.append({"id": rnd.pk, "number": rnd.number, "name": rnd.name, "status": rnd.status, "rule": rnd.rule,
                       "top_n": rnd.top_n, "threshold": rnd.threshold, "results": results})
    return {**{f: getattr(comp, f) for f in ("id", "title", "year", "organiser", "aggregation", "min_judges", "status")},
            "divisions": [{"id": d.pk, "code": d.code, "name": d.name, "entries": d.n_entries} for d in ctx["divisions"]],
            "rounds": rounds,
            "awards": [{"entry_id": a.entry_id, "team": a.entry.team, "prize": a.prize,
                        "amount": format(a.amount, "f") if a.amount is not None else None} for a in ctx["awards"]]}


@router.post("/rounds/{int:round_id}/scores", response={200: dict, **WRITE_RESPONSES})
def save_score(request, round_id: int, payload: ScoreIn):
    rnd = get_in_scope(Round, request.user, Action.CHANGE, pk=round_id)
    entry = get_in_scope(Entry, request.user, Action.VIEW, pk=payload.entry_id, competition_id=rnd.competition_id)
    s = services.score_save(user=request.user, round=rnd, entry=entry, judge=payload.judge, score=str(payload.score))
    return {"id": s.pk, "entry_id": entry.pk, "judge": s.judge, "score": format(s.score, "f")}


@router.post("/rounds/{int:round_id}/close", response={200: list[RoundResultOut], **WRITE_RESPONSES})
def close_round(request, round_id: int):
    """Aggregate, rank within each division and apply the advancement rule; 422 while scores are missing."""
    rnd = get_in_scope(Round, request.user, Action.CHANGE, pk=round_id)
    results = services.round_close(user=request.user, round=rnd)
    entries = {e.pk: e for e in Entry.objects.filter(pk__in=[r.entry_id for r in results]).select_related("division")}
    return [{"entry_id": r.entry_id, "team": entries[r.entry_id].team, "project": entries[r.entry_id].project,
             "division": entries[r.entry_id].division.code, "aggregate": r.aggregate, "rank": r.rank,
             "advanced": r.advanced} for r in results]


@router.get("/trainings", response={200: list[TrainingOut], **AUTH_RESPONSES})
def list_trainings(request):
    out = []
    for t in Training.objects.restrict(request.user, Action.VIEW):
        reach = selectors.training_reach(t)
        out.append({"id": t.pk, "title": t.title, "year": t.year, "status": t.status,
                    **{k: reach[k] for k in ("sessions", "attendances", "enterprises", "targets", "reached")},
                    "reach_pct": _pct(reach["share"])})
    return out


class AttendanceIn(Schema):
    enterprise: str
    attendee: str
    position: str = ""


@router.post("/sessions/{int:session_id}/attendance", response={201: dict, **WRITE_RESPONSES})
def add_attendance(request, session_id: int, payload: AttendanceIn):
    """Register an attendee of an enterprise in the caller's scope (town assistants: their town's enterprises)."""
    session = get_in_scope(TrainingSession, request.user, Action.VIEW, pk=session_id)
    a = services.attendance_add(user=request.user, session=session, data=payload.dict())
    return Status(201, {"id": a.pk, "enterprise_id": a.enterprise_id, "attendee": a.attendee})


def _lot(lot: Lot) -> dict:
    return {"id": lot.pk, "number": lot.number, "title": lot.title, "seller": lot.seller, "buyer": lot.buyer,
            "starting_price": lot.starting_price, "hammer_price": lot.hammer_price, "status": lot.status,
            "premium_pct": _pct(lot.premium)}


@router.get("/fairs", response={200: list[FairOut], **AUTH_RESPONSES})
def list_fairs(request):
    return [{"id": f.pk, "title": f.title, "kind": f.kind, "date": f.date, "status": f.status,
             "lots": [_lot(lot) for lot in Lot.objects.restrict(request.user, Action.VIEW).filter(fair=f)]}
            for f in AchievementFair.objects.restrict(request.user, Action.VIEW)]


@router.get("/fairs/{int:fair_id}", response={200: FairOut, **COMMON_RESPONSES})
def get_fair(request, fair_id: int):
    f = get_in_scope(AchievementFair, request.user, Action.VIEW, pk=fair_id)
    return {"id": f.pk, "title": f.title, "kind": f.kind, "date": f.date, "status": f.status,
            "lots": [_lot(lot) for lot in Lot.objects.restrict(request.user, Action.VIEW).filter(fair=f)]}


# ----- work tasks ---------------------------------------------------------------------------------------------------

@router.get("/tasks", response={200: list[TaskOut], **AUTH_RESPONSES})
def list_tasks(request, filters: Query[TaskFilter]):
    return selectors.task_list(user=request.user, **filters.dict())


@router.get("/tasks/{int:task_id}", response={200: TaskOut, **COMMON_RESPONSES})
def get_task(request, task_id: int):
    return get_in_scope(WorkTask, request.user, Action.VIEW, pk=task_id)


@router.post("/tasks", response={201: TaskOut, **WRITE_RESPONSES})
def create_task(request, payload: TaskIn):
    return Status(201, services.task_save(user=request.user, data=_payload(payload)))


@router.patch("/tasks/{int:task_id}", response={200: TaskOut, **WRITE_RESPONSES})
def update_task(request, task_id: int, payload: TaskIn):
    task = get_in_scope(WorkTask, request.user, Action.CHANGE, pk=task_id)
    return services.task_save(user=request.user, data=_payload(payload), task=task)


@router.get("/tasks/{int:task_id}/progress", response={200: list[ProgressOut], **COMMON_RESPONSES})
def list_progress(request, task_id: int):
    task = get_in_scope(WorkTask, request.user, Action.VIEW, pk=task_id)
    return task.updates.all()


@router.post("/tasks/{int:task_id}/progress", response={201: ProgressOut, **WRITE_RESPONSES})
def add_progress(request, task_id: int, payload: ProgressIn):
    task = get_in_scope(WorkTask, request.user, Action.CHANGE, pk=task_id)
    return Status(201, services.task_progress_add(user=request.user, task=task, data=_payload(payload)))


# ----- counts -------------------------------------------------------------------------------------------------------

@router.get("/counts", response={200: dict, **COMMON_RESPONSES})
def counts(request, region: str | None = None, year: int | None = None):
    """Counts for the annual report of a region (default: the caller's) and a year (default: this year); bureau
    officers and auditors, within their own region."""
    u = request.user
    region = region or u.region_id or ""
    year = year or timezone.localdate().year
    if not 1900 <= year <= 2100:
        raise ValidationFailed(f"年度应在 1900–2100 之间，实为 {year}", field="year")
    if not (u.is_superuser or (u.role in (Role.BUREAU, Role.AUDITOR) and u.region_id and region.startswith(u.region_id))):
        raise Http404
    data = selectors.event_counts(region=region, year=year)
    return {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in data.items()}
