"""Writes of the policies app. Each runs in one transaction, validates with the shared parsers and the engine,
stamps the acting user for the change log and re-checks scope after saving (404 and rollback when outside)."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kechuang.core.choices import Action, Role
from kechuang.core.errors import FieldErrors, ValidationFailed
from kechuang.core.fields import (
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
)
from kechuang.core.scope import assert_in_scope, can, get_in_scope
from kechuang.core.services import parse_input, stamp
from kechuang.core.units import WAN
from kechuang.enterprises.models import Enterprise
from kechuang.regions.services import home_region_code

from . import engine
from .choices import (
    AdvanceRule,
    Aggregation,
    AwardAction,
    AwardStatus,
    EventStatus,
    FairKind,
    LotStatus,
    PolicyStatus,
    RoundStatus,
    TaskLine,
)
from .engine.competition import EntryScores, parse_rule, rank_round
from .engine.values import round_fraction
from .models import (
    AchievementFair,
    Attendance,
    Competition,
    CompetitionAward,
    Division,
    DivisionRule,
    Entry,
    Lot,
    Policy,
    PolicyAward,
    PolicyAwardEvent,
    Round,
    RoundResult,
    Score,
    TaskProgress,
    Training,
    TrainingSession,
    TrainingTarget,
    WorkTask,
)

# ----- shared parsers and helpers ---------------------------------------------------------------------------------

def _text(n: int):
    return lambda v: parse_text(v, max_length=n)


def _year(v) -> int:
    return parse_int(v, min_value=2000, max_value=2100)


def parse_wan_to_yuan(value) -> Decimal:
    """An amount typed in 万元 (at most 6 decimals, i.e. exact to the fen), returned in yuan."""
    wan = parse_decimal(value, min_value=0, places=6)
    return (wan * WAN).quantize(Decimal("0.01"))


def _require(user, model, action: str = Action.ADD) -> None:
    """Refuse (as 'does not exist') a write the user's role may not do on this model anywhere."""
    if user is not None and not can(user, model, action):
        raise Http404


def _own_region(user) -> str:
    """The region new bureau records belong to: the officer's own district (or the home region for the CLI)."""
    if user is not None and user.region_id:
        return user.region_id
    return home_region_code()


def _set(obj, values: dict) -> None:
    """Assign parsed values; a blank optional text becomes '', a blank field with a default keeps its value."""
    for name, value in values.items():
        if value is None:
            field = obj._meta.get_field(name.removesuffix("_id")) if name.endswith("_id") else obj._meta.get_field(name)
            if not field.null:
                if field.get_internal_type() in ("CharField", "TextField", "SlugField"):
                    value = ""
                else:
                    continue
        setattr(obj, name, value)


def _user_name(user) -> str:
    if user is None:
        return "命令行"
    return user.get_full_name() or user.username


def _today() -> dt.date:
    return timezone.localdate()


def _json_arg(raw, field: str, errors: FieldErrors):
    """Conditions and formulas may come as JSON text (forms, spreadsheets) or as structures (the API)."""
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            errors.error(field, f"不是有效的JSON：{exc.msg}（第{exc.lineno}行第{exc.colno}列）", "bad_json")
            return None
    return raw


# ----- policies -----------------------------------------------------------------------------------------------------

POLICY_PARSERS = {
    "title": _text(200),
    "doc_number": _text(100),
    "year": _year,
    "data_year": _year,
    "reference_date": parse_date,
    "valid_from": parse_date,
    "valid_to": parse_date,
    "description": _text(5000),
    "status": lambda v: parse_choice(v, PolicyStatus),
    "budget_wan": parse_wan_to_yuan,
}
POLICY_REQUIRED = ("title", "year", "data_year", "reference_date", "valid_from")
DEFINITION_FIELDS = ("conditions", "formula", "data_year", "reference_date")


@transaction.atomic
def policy_save(*, user, data: dict, policy: Policy | None = None) -> Policy:
    """Create or change a policy; conditions and formula are validated by the engine, every error at once.

    Once a policy has awards (other than rejected ones), its conditions, formula, data year and reference date are
    frozen: a different rule is a new policy, so that what was approved stays explainable.
    """
    _require(user, Policy, Action.ADD if policy is None else Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, POLICY_PARSERS, errors, required=POLICY_REQUIRED, partial=policy is not None)
    if "budget_wan" in values:
        values["budget"] = values.pop("budget_wan")
    conditions = _json_arg(data["conditions"], "conditions", errors) if "conditions" in data else (
        policy.conditions if policy else [])
    formula = _json_arg(data["formula"], "formula", errors) if "formula" in data else (policy.formula if policy else None)
    if formula is None and not errors.failed:
        errors.error("formula", "此项为必填项", "required")
    defn = None
    if not errors.failed:
        try:
            defn = engine.parse_definition(conditions or [], formula)
        except engine.DefinitionError as exc:
            for e in exc.errors:
                errors.error(e["field"], e["message"], e["code"])
    merged = {f: values.get(f, getattr(policy, f, None)) for f in ("year", "data_year", "valid_from", "valid_to")}
    if merged["year"] and merged["data_year"] and merged["data_year"] > merged["year"]:
        errors.error("data_year", f"数据年度（{merged['data_year']}）不能晚于政策年度（{merged['year']}）", "invalid")
    if merged["valid_from"] and merged["valid_to"] and merged["valid_to"] < merged["valid_from"]:
        errors.error("valid_to", "有效期止不能早于有效期起", "invalid")
    if policy is not None and any(f in data for f in DEFINITION_FIELDS):
        changed = (defn is not None and (defn.to_json()["conditions"] != policy.conditions
                                         or defn.to_json()["formula"] != policy.formula)) or any(
            f in values and values[f] != getattr(policy, f) for f in ("data_year", "reference_date"))
        if changed and policy.awards.exclude(status=AwardStatus.REJECTED).exists():
            errors.error("conditions", "该政策已有奖励记录，条件、公式、数据年度和判定日不能再修改；如需调整请发布新政策", "locked")
    errors.raise_if_any()
    if policy is None:
        policy = Policy(region_id=_own_region(user))
    _set(policy, values)
    if defn is not None:
        policy.conditions = defn.to_json()["conditions"]
        policy.formula = defn.to_json()["formula"]
    stamp(policy, user).save()
    if user is not None:
        assert_in_scope(user, policy, Action.CHANGE)
    return policy


# ----- awards (免申即享) -------------------------------------------------------------------------------------------

TRANSITIONS = {
    # (from, action): (to, roles)
    (AwardStatus.PROPOSED, AwardAction.APPROVE): (AwardStatus.APPROVED, {Role.BUREAU}),
    (AwardStatus.PROPOSED, AwardAction.REJECT): (AwardStatus.REJECTED, {Role.BUREAU}),
    (AwardStatus.APPROVED, AwardAction.PAY): (AwardStatus.PAID, {Role.BUREAU}),
    (AwardStatus.APPROVED, AwardAction.REJECT): (AwardStatus.REJECTED, {Role.BUREAU}),
    (AwardStatus.REJECTED, AwardAction.REOPEN): (AwardStatus.PROPOSED, {Role.BUREAU}),
}


def allowed_actions(user, award: PolicyAward) -> list[str]:
    """The workflow actions this user may take on this award now (for buttons)."""
    if user is None or not user.is_authenticated:
        return []
    return [action for (state, action), (_, roles) in TRANSITIONS.items()
            if state == award.status and (user.is_superuser or user.role in roles)]


@transaction.atomic
def awards_propose(*, user, policy: Policy, rows=None) -> dict:
    """Turn the eligible list into proposed awards (one per enterprise; existing awards are left as they are)."""
    from .selectors import eligible_rows

    _require(user, PolicyAward, Action.ADD)
    if policy.status != PolicyStatus.PUBLISHED:
        raise ValidationFailed("只有已发布的政策才能生成拟奖励名单", field="policy")
    rows = eligible_rows(user=user, policy=policy) if rows is None else rows
    existing = set(PolicyAward.objects.filter(policy=policy).values_list("enterprise_id", flat=True))
    now = timezone.now()
    awards = [PolicyAward(policy=policy, enterprise=r.enterprise, amount=r.evaluation.amount,
                          status=AwardStatus.PROPOSED, explanation=r.evaluation.to_json(), created_at=now,
                          updated_at=now)
              for r in rows if r.evaluation.eligible and r.enterprise.pk not in existing]
    hist_user = user if user is not None and user.is_authenticated else None
    created = bulk_create_with_history(awards, PolicyAward, batch_size=500, default_user=hist_user,
                                       default_change_reason="免申即享：生成拟奖励名单")
    if len(awards) and (not created or created[0].pk is None):  # databases that do not return ids
        created = list(PolicyAward.objects.filter(policy=policy, enterprise_id__in=[a.enterprise_id for a in awards]))
    events = [PolicyAwardEvent(award=a, action="propose", from_status="", to_status=AwardStatus.PROPOSED,
                               user=hist_user, user_name=_user_name(user), note="按政策条件自动生成",
                               created_at=now, updated_at=now) for a in created]
    bulk_create_with_history(events, PolicyAwardEvent, batch_size=500, default_user=hist_user)
    return {"created": len(created), "skipped": len(rows) - len(created),
            "total": sum((a.amount for a in created), Decimal("0.00"))}


@transaction.atomic
def award_transition(*, user, award: PolicyAward, action: str, note: str = "", payment_ref: str = "",
                     paid_on: dt.date | str | None = None) -> PolicyAward:
    """Move an award one step (approve, pay, reject, reopen), checked against TRANSITIONS and audited.

    The status change is a compare-and-set on the row, so two clerks paying the same award at once cannot both
    succeed: a paid award is never paid twice.
    """
    award = get_in_scope(PolicyAward.objects.select_for_update(of=("self",)), user, Action.CHANGE, pk=award.pk) if user is not None \
        else PolicyAward.objects.select_for_update().get(pk=award.pk)
    errors = FieldErrors()
    step = TRANSITIONS.get((award.status, action))
    if action not in AwardAction.values:
        errors.error("action", f"未知的操作“{action}”", "unknown_action")
    elif award.status == AwardStatus.PAID and action == AwardAction.PAY:
        errors.error("action", f"该奖励已于{award.paid_on:%Y-%m-%d}拨付（凭证号 {award.payment_ref}），不能重复拨付",
                     "already_paid")
    elif step is None:
        errors.error("action", f"当前状态“{AwardStatus(award.status).label}”不能执行“{AwardAction(action).label}”",
                     "bad_transition")
    elif user is not None and not (user.is_superuser or user.role in step[1]):
        raise Http404
    note = parse_text(note or "", max_length=1000)
    if action == AwardAction.REJECT and not note:
        errors.error("note", "不予奖励须说明理由", "required")
    day = None
    if action == AwardAction.PAY:
        payment_ref = parse_text(payment_ref or "", max_length=60)
        if not payment_ref:
            errors.error("payment_ref", "请填写拨付凭证号", "required")
        try:
            day = parse_date(paid_on, not_future=True, today=_today()) if paid_on else _today()
        except ValueError as exc:
            errors.error("paid_on", str(exc), "invalid")
    errors.raise_if_any()
    before, after = award.status, step[0]
    if not PolicyAward.objects.filter(pk=award.pk, status=before).update(status=after):
        raise ValidationFailed("该奖励的状态已被他人更改，请刷新后重试", field="action")
    award.status = after
    if action == AwardAction.PAY:
        award.payment_ref, award.paid_on = payment_ref, day
    if note:
        award.note = note
    stamp(award, user, reason=AwardAction(action).label).save()
    ev = PolicyAwardEvent(award=award, action=action, from_status=before, to_status=after,
                          user=user if user is not None and user.is_authenticated else None,
                          user_name=_user_name(user), note=note or (f"凭证号 {payment_ref}" if payment_ref else ""))
    stamp(ev, user).save()
    return award


def awards_transition_many(*, user, awards, action: str, note: str = "", payment_ref: str = "") -> dict:
    """Apply one action to several awards, each in its own audited step; returns what happened to each."""
    done, failed = 0, []
    for award in awards:
        try:
            award_transition(user=user, award=award, action=action, note=note, payment_ref=payment_ref)
            done += 1
        except ValidationFailed as exc:
            failed.append({"award": award.pk, "enterprise": str(award.enterprise), "message": str(exc)})
    return {"done": done, "failed": failed}


# ----- competitions ------------------------------------------------------------------------------------------------

COMPETITION_PARSERS = {
    "title": _text(200),
    "year": _year,
    "organiser": _text(200),
    "description": _text(5000),
    "aggregation": lambda v: parse_choice(v, Aggregation),
    "min_judges": lambda v: parse_int(v, min_value=1, max_value=50),
    "status": lambda v: parse_choice(v, EventStatus),
}


def _has_closed_round(competition: Competition) -> bool:
    return competition.pk is not None and competition.rounds.filter(status=RoundStatus.CLOSED).exists()


@transaction.atomic
def competition_save(*, user, data: dict, competition: Competition | None = None) -> Competition:
    """Create or change a competition; the scoring method is frozen once a round has been closed."""
    _require(user, Competition, Action.ADD if competition is None else Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, COMPETITION_PARSERS, errors, required=("title", "year"), partial=competition is not None)
    if competition is not None and _has_closed_round(competition):
        for f in ("aggregation", "min_judges"):
            if f in values and values[f] != getattr(competition, f):
                errors.error(f, "已有轮次结束评分，计分方式和最少评委数不能再修改", "locked")
    errors.raise_if_any()
    if competition is None:
        competition = Competition(region_id=_own_region(user))
    _set(competition, values)
    stamp(competition, user).save()
    if user is not None:
        assert_in_scope(user, competition, Action.CHANGE)
    return competition


@transaction.atomic
def division_save(*, user, competition: Competition, data: dict) -> Division:
    """Add a division (or rename one, matched by its code)."""
    _require(user, Competition, Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, {"code": _text(30), "name": _text(60), "order": lambda v: parse_int(v, max_value=999)},
                         errors, required=("code", "name"))
    code = values.get("code")
    if code and not all(c.isalnum() or c in "-_" for c in code):
        errors.error("code", "代码只能包含字母、数字、-和_", "invalid")
    errors.raise_if_any()
    div = Division.objects.filter(competition=competition, code=code).first() or Division(competition=competition, code=code)
    div.name = values["name"]
    if values.get("order") is not None:
        div.order = values["order"]
    elif div.pk is None:
        div.order = (competition.divisions.aggregate(m=Max("order"))["m"] or 0) + 1
    stamp(div, user).save()
    if user is not None:
        assert_in_scope(user, div, Action.CHANGE)
    return div


ROUND_PARSERS = {
    "number": lambda v: parse_int(v, min_value=1, max_value=20),
    "name": _text(60),
    "date": parse_date,
    "rule": lambda v: parse_choice(v, AdvanceRule),
    "top_n": lambda v: parse_int(v, min_value=1, max_value=100000),
    "threshold": lambda v: parse_decimal(v, min_value=0, places=2),
}


def _rule_errors(values: dict, errors: FieldErrors, prefix: str = "") -> None:
    sub = engine.Collector()
    parse_rule(values.get("rule"), values.get("top_n"), values.get("threshold"), sub, prefix="rule")
    for e in sub.errors:
        field = {"rule.kind": "rule", "rule.n": "top_n", "rule.threshold": "threshold"}.get(e["field"], e["field"])
        errors.error(prefix + field, e["message"], e["code"])


@transaction.atomic
def round_save(*, user, competition: Competition, data: dict, round: Round | None = None) -> Round:
    """Add or change a round and its advancement rule; a closed round cannot change."""
    _require(user, Competition, Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, ROUND_PARSERS, errors, required=("number", "name", "rule"), partial=round is not None)
    if round is not None and round.status == RoundStatus.CLOSED:
        errors.error("status", "该轮已结束评分，不能修改；如需更正请先重新开放", "locked")
    merged = {k: values.get(k, getattr(round, k, None)) for k in ("rule", "top_n", "threshold")}
    if not errors.failed:
        _rule_errors(merged, errors)
    number = values.get("number")
    if number and Round.objects.filter(competition=competition, number=number).exclude(pk=getattr(round, "pk", None)).exists():
        errors.error("number", f"第{number}轮已存在", "duplicate")
    errors.raise_if_any()
    round = round or Round(competition=competition)
    _set(round, values)
    if round.rule != AdvanceRule.TOP_N:
        round.top_n = None
    if round.rule != AdvanceRule.THRESHOLD:
        round.threshold = None
    stamp(round, user).save()
    if user is not None:
        assert_in_scope(user, round, Action.CHANGE)
    return round


@transaction.atomic
def division_rule_save(*, user, round: Round, division: Division, data: dict) -> DivisionRule | None:
    """Give one division its own rule for a round (an empty rule removes the override)."""
    _require(user, Competition, Action.CHANGE)
    if division.competition_id != round.competition_id:
        raise Http404
    if round.status == RoundStatus.CLOSED:
        raise ValidationFailed("该轮已结束评分，不能修改晋级规则", field="rule")
    existing = DivisionRule.objects.filter(round=round, division=division).first()
    if not data.get("rule"):
        if existing:
            stamp(existing, user).delete()
        return None
    errors = FieldErrors()
    values = parse_input(data, {k: ROUND_PARSERS[k] for k in ("rule", "top_n", "threshold")}, errors, required=("rule",))
    if not errors.failed:
        _rule_errors(values, errors)
    errors.raise_if_any()
    rule = existing or DivisionRule(round=round, division=division)
    rule.rule, rule.top_n, rule.threshold = values["rule"], values.get("top_n"), values.get("threshold")
    stamp(rule, user).save()
    if user is not None:
        assert_in_scope(user, rule, Action.CHANGE)
    return rule


def _enterprise_by_key(user, key, errors: FieldErrors, field: str = "enterprise") -> Enterprise | None:
    """An enterprise inside the user's scope, given by id or USCC; out of scope reads as unknown."""
    if key in (None, ""):
        return None
    qs = Enterprise.objects.restrict(user, Action.VIEW) if user is not None else Enterprise.objects.all()
    text = str(key).strip()
    ent = qs.filter(pk=int(text)).first() if text.isdigit() and len(text) < 18 else qs.filter(uscc=text.upper()).first()
    if ent is None:
        errors.error(field, f"在您的管辖范围内找不到企业“{text}”", "unknown_enterprise")
    return ent


@transaction.atomic
def entry_save(*, user, competition: Competition, data: dict) -> Entry:
    """Enter a project: division by code, an enterprise of the district (by id or USCC) or just a team name."""
    _require(user, Competition, Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, {"division": _text(30), "team": _text(200), "project": _text(200),
                                "origin": _text(60)}, errors, required=("division", "project"))
    ent = _enterprise_by_key(user, data.get("enterprise"), errors)
    division = None
    if values.get("division"):
        division = competition.divisions.filter(code=values["division"]).first()
        if division is None and str(values["division"]).isdigit():
            division = competition.divisions.filter(pk=int(values["division"])).first()
        if division is None:
            errors.error("division", f"本赛事没有赛区“{values['division']}”", "unknown_division")
    team = values.get("team") or (ent.name if ent else None)
    if not team:
        errors.error("team", "请填写参赛主体或选择参赛企业", "required")
    if competition.rounds.filter(number=1, status=RoundStatus.CLOSED).exists():
        errors.error("project", "初赛已结束评分，不能再报名", "closed")
    if team and values.get("project") and Entry.objects.filter(competition=competition, team=team,
                                                              project=values["project"]).exists():
        errors.error("project", "该项目已报名", "duplicate")
    errors.raise_if_any()
    entry = Entry(competition=competition, division=division, enterprise=ent, team=team, project=values["project"],
                  origin=values.get("origin") or "")
    stamp(entry, user).save()
    if user is not None:
        assert_in_scope(user, entry, Action.CHANGE)
    return entry


@transaction.atomic
def score_save(*, user, round: Round, entry: Entry, judge, score) -> Score:
    """Record (or correct) one judge's score of one entry in an open round the entry takes part in."""
    from .selectors import round_participants

    _require(user, Score, Action.ADD)
    errors = FieldErrors()
    values = parse_input({"judge": judge, "score": score},
                         {"judge": _text(60), "score": lambda v: parse_decimal(v, min_value=0, places=2)},
                         errors, required=("judge", "score"))
    if values.get("score") is not None and values["score"] > 100:
        errors.error("score", f"评分应在0–100之间（实为{values['score']}）", "invalid")
    if round.status != RoundStatus.OPEN:
        errors.error("round", "该轮已结束评分", "closed")
    elif entry.competition_id != round.competition_id or not round_participants(round).filter(pk=entry.pk).exists():
        errors.error("entry", f"“{entry}”不在本轮参赛名单中", "not_in_round")
    errors.raise_if_any()
    row = Score.objects.filter(round=round, entry=entry, judge=values["judge"]).first() or Score(
        round=round, entry=entry, judge=values["judge"])
    row.score = values["score"]
    stamp(row, user).save()
    if user is not None:
        assert_in_scope(user, row, Action.CHANGE)
    return row


@transaction.atomic
def round_scores_save(*, user, round: Round, scores: list[tuple]) -> int:
    """Record many (entry, judge, score) cells at once (a judges' sheet): every cell is checked, and nothing is
    written if any cell is wrong; existing cells of the same judge are corrected. Returns the cells written."""
    from .selectors import round_participants

    _require(user, Score, Action.ADD)
    errors = FieldErrors()
    if round.status != RoundStatus.OPEN:
        raise ValidationFailed("该轮已结束评分", field="round")
    allowed = set(round_participants(round).values_list("pk", flat=True))
    cells: dict[tuple[int, str], Decimal] = {}
    for entry, judge, score in scores:
        where = f"{entry.team} / {judge or '（未填评委）'}"
        try:
            name = parse_text(judge or "", max_length=60)
            if not name:
                raise ValueError("请填写评委姓名")
            value = parse_decimal(score, min_value=0, places=2)
            if value > 100:
                raise ValueError(f"评分应在0–100之间（实为{value}）")
        except ValueError as exc:
            errors.error("scores", f"{where}：{exc}", "invalid")
            continue
        if entry.pk not in allowed:
            errors.error("scores", f"“{entry}”不在本轮参赛名单中", "not_in_round")
            continue
        cells[(entry.pk, name)] = value
    errors.raise_if_any()
    existing = {(s.entry_id, s.judge): s for s in Score.objects.filter(round=round, entry_id__in={k[0] for k in cells})}
    now = timezone.now()
    new, changed = [], []
    for (eid, judge), value in cells.items():
        row = existing.get((eid, judge))
        if row is None:
            new.append(Score(round=round, entry_id=eid, judge=judge, score=value, created_at=now, updated_at=now))
        elif row.score != value:
            row.score, row.updated_at = value, now
            changed.append(row)
    hist_user = user if user is not None and user.is_authenticated else None
    bulk_create_with_history(new, Score, batch_size=500, default_user=hist_user)
    if changed:
        from simple_history.utils import bulk_update_with_history

        bulk_update_with_history(changed, Score, ["score", "updated_at"], batch_size=500, default_user=hist_user)
    return len(new) + len(changed)


def round_rules(round: Round) -> dict:
    """The engine rule of each division for this round: the division's override, else the round's rule."""
    base = parse_rule(round.rule, round.top_n, round.threshold)
    rules = {d.pk: base for d in round.competition.divisions.all()}
    for o in round.division_rules.all():
        rules[o.division_id] = parse_rule(o.rule, o.top_n, o.threshold)
    return rules


@transaction.atomic
def round_close(*, user, round: Round) -> list[RoundResult]:
    """Aggregate, rank per division and decide advancement; refuses while any entry lacks scores."""
    from .selectors import round_participants

    _require(user, Round, Action.CHANGE)
    round = Round.objects.select_for_update(of=("self",)).select_related("competition").get(pk=round.pk)
    comp = round.competition
    if round.status == RoundStatus.CLOSED:
        raise ValidationFailed("该轮已结束评分", field="round")
    prev = Round.objects.filter(competition=comp, number__lt=round.number).order_by("-number").first()
    if prev is not None and prev.status != RoundStatus.CLOSED:
        raise ValidationFailed(f"请先结束上一轮（{prev.name}）的评分", field="round")
    entries = list(round_participants(round))
    if not entries:
        raise ValidationFailed("本轮没有参赛项目", field="round")
    scores: dict[int, list[Decimal]] = {}
    for eid, s in Score.objects.filter(round=round).values_list("entry_id", "score"):
        scores.setdefault(eid, []).append(s)
    outcome = rank_round([EntryScores(e.pk, e.division_id, tuple(scores.get(e.pk, ()))) for e in entries],
                         comp.aggregation, round_rules(round), min_scores=comp.min_judges)
    if not outcome.complete:
        names = {e.pk: str(e) for e in entries}
        raise ValidationFailed([{"field": "scores", "code": "incomplete",
                                 "message": f"“{names[eid]}”只有{got}个评分，至少需要{need}个"}
                                for eid, got, need in outcome.incomplete])
    now = timezone.now()
    results = [RoundResult(round=round, entry_id=r.entry, aggregate=round_fraction(r.aggregate, 4), rank=r.rank,
                           advanced=r.advanced, n_scores=r.n_scores, created_at=now, updated_at=now)
               for r in outcome.results]
    hist_user = user if user is not None and user.is_authenticated else None
    bulk_create_with_history(results, RoundResult, batch_size=500, default_user=hist_user)
    round.status = RoundStatus.CLOSED
    stamp(round, user, reason="结束评分").save()
    return results


@transaction.atomic
def round_reopen(*, user, round: Round) -> Round:
    """Reopen a closed round to correct scores, as long as the next round has not started scoring."""
    _require(user, Round, Action.CHANGE)
    nxt = Round.objects.filter(competition=round.competition_id, number__gt=round.number).order_by("number").first()
    if nxt is not None and (nxt.scores.exists() or nxt.status == RoundStatus.CLOSED):
        raise ValidationFailed(f"下一轮（{nxt.name}）已开始评分，不能重新开放本轮", field="round")
    round.results.all().delete()
    round.status = RoundStatus.OPEN
    stamp(round, user, reason="重新开放评分").save()
    return round


@transaction.atomic
def competition_award_save(*, user, competition: Competition, entry: Entry, prize, amount_wan=None) -> CompetitionAward:
    """Give (or change) an entry's prize."""
    _require(user, CompetitionAward, Action.ADD)
    if entry.competition_id != competition.pk:
        raise Http404
    errors = FieldErrors()
    values = parse_input({"prize": prize, "amount_wan": amount_wan},
                         {"prize": _text(60), "amount_wan": parse_wan_to_yuan}, errors, required=("prize",))
    errors.raise_if_any()
    award = CompetitionAward.objects.filter(competition=competition, entry=entry).first() or CompetitionAward(
        competition=competition, entry=entry)
    award.prize, award.amount = values["prize"], values.get("amount_wan")
    stamp(award, user).save()
    if user is not None:
        assert_in_scope(user, award, Action.CHANGE)
    return award


# ----- trainings ---------------------------------------------------------------------------------------------------

TRAINING_PARSERS = {
    "title": _text(200), "year": _year, "organiser": _text(200), "description": _text(5000),
    "target_note": _text(200), "status": lambda v: parse_choice(v, EventStatus),
}


@transaction.atomic
def training_save(*, user, data: dict, training: Training | None = None) -> Training:
    _require(user, Training, Action.ADD if training is None else Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, TRAINING_PARSERS, errors, required=("title", "year"), partial=training is not None)
    errors.raise_if_any()
    training = training or Training(region_id=_own_region(user))
    _set(training, values)
    stamp(training, user).save()
    if user is not None:
        assert_in_scope(user, training, Action.CHANGE)
    return training


@transaction.atomic
def session_save(*, user, training: Training, data: dict) -> TrainingSession:
    _require(user, Training, Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, {"date": parse_date, "place": _text(200), "topic": _text(200), "speaker": _text(100)},
                         errors, required=("date", "topic"))
    if values.get("date") and values["date"].year != training.year:
        errors.error("date", f"场次日期应在培训年度（{training.year}年）内", "invalid")
    errors.raise_if_any()
    session = TrainingSession(training=training)
    _set(session, values)
    stamp(session, user).save()
    if user is not None:
        assert_in_scope(user, session, Action.CHANGE)
    return session


@transaction.atomic
def training_targets_add(*, user, training: Training, enterprises) -> int:
    """Add target enterprises (already restricted to the user's scope); returns how many were new."""
    _require(user, Training, Action.CHANGE)
    existing = set(training.targets.values_list("enterprise_id", flat=True))
    now = timezone.now()
    rows = [TrainingTarget(training=training, enterprise_id=eid, created_at=now, updated_at=now)
            for eid in {e if isinstance(e, int) else e.pk for e in enterprises} - existing]
    hist_user = user if user is not None and user.is_authenticated else None
    bulk_create_with_history(rows, TrainingTarget, batch_size=1000, default_user=hist_user)
    return len(rows)


@transaction.atomic
def attendance_add(*, user, session: TrainingSession, data: dict) -> Attendance:
    """Register an attendee of an enterprise in the user's scope (town assistants: their own town's enterprises)."""
    _require(user, Attendance, Action.ADD)
    errors = FieldErrors()
    values = parse_input(data, {"attendee": _text(60), "position": _text(60)}, errors, required=("attendee",))
    if not data.get("enterprise"):
        errors.error("enterprise", "此项为必填项", "required")
    ent = _enterprise_by_key(user, data.get("enterprise"), errors)
    if ent and values.get("attendee") and Attendance.objects.filter(session=session, enterprise=ent,
                                                                   attendee=values["attendee"]).exists():
        errors.error("attendee", "该人员已登记参训", "duplicate")
    errors.raise_if_any()
    row = Attendance(session=session, enterprise=ent, attendee=values["attendee"], position=values.get("position") or "")
    stamp(row, user).save()
    if user is not None:
        assert_in_scope(user, row, Action.ADD)
    return row


@transaction.atomic
def attendance_add_many(*, user, session: TrainingSession, rows: list[dict]) -> int:
    """Register a sign-in sheet: every row is checked (enterprise in the user's scope, attendee named, no
    duplicates) and nothing is written if any row is wrong. Returns the rows written."""
    _require(user, Attendance, Action.ADD)
    errors = FieldErrors()
    scope = Enterprise.objects.restrict(user, Action.VIEW) if user is not None else Enterprise.objects.all()
    keys = {str(r.get("enterprise", "")).strip() for r in rows}
    by_id = {str(pk): pk for pk in scope.filter(pk__in=[int(k) for k in keys if k.isdigit() and len(k) < 18])
             .values_list("pk", flat=True)}
    by_uscc = dict(scope.filter(uscc__in=[k.upper() for k in keys if len(k) == 18]).values_list("uscc", "pk"))
    seen = set(Attendance.objects.filter(session=session).values_list("enterprise_id", "attendee"))
    now = timezone.now()
    new = []
    for i, r in enumerate(rows, start=1):
        key = str(r.get("enterprise", "")).strip()
        eid = by_id.get(key) or by_uscc.get(key.upper())
        name = str(r.get("attendee") or "").strip()[:60]
        if eid is None:
            errors.error("enterprise", f"第{i}行：在您的管辖范围内找不到企业“{key}”", "unknown_enterprise")
        elif not name:
            errors.error("attendee", f"第{i}行：请填写参训人员", "required")
        elif (eid, name) in seen:
            errors.error("attendee", f"第{i}行：{name} 已登记参训", "duplicate")
        else:
            seen.add((eid, name))
            new.append(Attendance(session=session, enterprise_id=eid, attendee=name,
                                  position=str(r.get("position") or "").strip()[:60], created_at=now, updated_at=now))
    errors.raise_if_any()
    bulk_create_with_history(new, Attendance, batch_size=1000,
                             default_user=user if user is not None and user.is_authenticated else None)
    return len(new)


# ----- fairs and auctions ------------------------------------------------------------------------------------------

FAIR_PARSERS = {
    "title": _text(200), "kind": lambda v: parse_choice(v, FairKind), "date": parse_date, "place": _text(200),
    "organiser": _text(200), "description": _text(5000), "status": lambda v: parse_choice(v, EventStatus),
}


@transaction.atomic
def fair_save(*, user, data: dict, fair: AchievementFair | None = None) -> AchievementFair:
    _require(user, AchievementFair, Action.ADD if fair is None else Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, FAIR_PARSERS, errors, required=("title", "kind", "date"), partial=fair is not None)
    errors.raise_if_any()
    fair = fair or AchievementFair(region_id=_own_region(user))
    _set(fair, values)
    stamp(fair, user).save()
    if user is not None:
        assert_in_scope(user, fair, Action.CHANGE)
    return fair


@transaction.atomic
def lot_save(*, user, fair: AchievementFair, data: dict) -> Lot:
    """List a lot (starting price in 万元); its result is recorded with `lot_result`."""
    _require(user, AchievementFair, Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, {"number": _text(20), "title": _text(200), "seller": _text(200),
                                "starting_price_wan": parse_wan_to_yuan},
                         errors, required=("number", "title", "seller", "starting_price_wan"))
    if values.get("starting_price_wan") is not None and values["starting_price_wan"] <= 0:
        errors.error("starting_price_wan", "起拍价应大于0", "invalid")
    if values.get("number") and Lot.objects.filter(fair=fair, number=values["number"]).exists():
        errors.error("number", f"拍品号 {values['number']} 已存在", "duplicate")
    errors.raise_if_any()
    lot = Lot(fair=fair, number=values["number"], title=values["title"], seller=values["seller"],
              starting_price=values["starting_price_wan"])
    stamp(lot, user).save()
    if user is not None:
        assert_in_scope(user, lot, Action.CHANGE)
    return lot


@transaction.atomic
def lot_result(*, user, lot: Lot, data: dict) -> Lot:
    """Record a sale (hammer price in 万元, buyer) or no sale; at an auction the hammer price is at least the start."""
    _require(user, AchievementFair, Action.CHANGE)
    errors = FieldErrors()
    values = parse_input(data, {"status": lambda v: parse_choice(v, LotStatus), "hammer_price_wan": parse_wan_to_yuan,
                                "buyer": _text(200)}, errors, required=("status",))
    ent = _enterprise_by_key(user, data.get("buyer_enterprise"), errors, "buyer_enterprise")
    status = values.get("status")
    hammer = values.get("hammer_price_wan")
    if status == LotStatus.SOLD:
        if hammer is None:
            errors.error("hammer_price_wan", "成交须填写成交价", "required")
        elif lot.fair.kind == FairKind.AUCTION and hammer < lot.starting_price:
            errors.error("hammer_price_wan", f"拍卖成交价不能低于起拍价（{lot.starting_price / WAN}万元）", "below_start")
        if not (values.get("buyer") or ent):
            errors.error("buyer", "成交须填写受让方", "required")
    elif hammer is not None:
        errors.error("hammer_price_wan", "未成交的拍品不能有成交价", "invalid")
    errors.raise_if_any()
    lot.status = status
    lot.hammer_price = hammer if status == LotStatus.SOLD else None
    lot.buyer_enterprise = ent if status == LotStatus.SOLD else None
    lot.buyer = (values.get("buyer") or (ent.name if ent else "")) if status == LotStatus.SOLD else ""
    stamp(lot, user).save()
    if user is not None:
        assert_in_scope(user, lot, Action.CHANGE)
    return lot


# ----- work tasks --------------------------------------------------------------------------------------------------

def _indicator(code):
    from kechuang.indicators.models import Indicator

    text = parse_text(code, max_length=40)
    if not Indicator.objects.filter(code=text).exists():
        raise ValueError(f"未知的指标代码“{text}”")
    return text


TASK_PARSERS = {
    "year": _year, "code": _text(20), "title": _text(300), "line": lambda v: parse_choice(v, TaskLine),
    "owner_unit": _text(100), "owner_person": _text(60), "deadline": parse_date, "indicator": _indicator,
    "target_value": lambda v: parse_decimal(v, min_value=None, places=4, max_digits=20), "target_text": _text(300),
    "region": _text(12),
}


@transaction.atomic
def task_save(*, user, data: dict, task: WorkTask | None = None) -> WorkTask:
    """Create or change a task of the work plan (bureau only); `region` may name a town of the district."""
    if user is not None and not (user.is_superuser or user.role == Role.BUREAU):
        raise Http404
    errors = FieldErrors()
    values = parse_input(data, TASK_PARSERS, errors, required=("year", "code", "title", "line", "owner_unit", "deadline"),
                         partial=task is not None)
    own = _own_region(user)
    region = values.pop("region", None) or (task.region_id if task else own)
    if not str(region).startswith(own) and not (user is not None and user.is_superuser):
        errors.error("region", f"责任辖区 {region} 不在您的管辖范围内", "out_of_scope")
    else:
        from kechuang.regions.models import Region

        if not Region.objects.filter(code=region).exists():
            errors.error("region", f"未知的区划代码“{region}”", "unknown_region")
    year = values.get("year", getattr(task, "year", None))
    code = values.get("code", getattr(task, "code", None))
    if year and code and WorkTask.objects.filter(region_id=region, year=year, code=code).exclude(
            pk=getattr(task, "pk", None)).exists():
        errors.error("code", f"{year}年任务编号 {code} 已存在", "duplicate")
    deadline = values.get("deadline")
    if deadline and year and deadline.year not in (year, year + 1):
        errors.error("deadline", f"完成时限应在{year}年（或次年）内", "invalid")
    errors.raise_if_any()
    task = task or WorkTask()
    task.region_id = region
    if "indicator" in values:
        values["indicator_id"] = values.pop("indicator")
    _set(task, values)
    stamp(task, user).save()
    if user is not None:
        assert_in_scope(user, task, Action.CHANGE)
    return task


@transaction.atomic
def task_progress_add(*, user, task: WorkTask, data: dict) -> TaskProgress:
    """Report progress (percent and a note, optionally the value reached); the task shows its latest report."""
    if user is not None:
        task = get_in_scope(WorkTask.objects.select_for_update(of=("self",)), user, Action.CHANGE, pk=task.pk)
    errors = FieldErrors()
    today = _today()
    values = parse_input(data, {
        "percent": lambda v: parse_int(v, min_value=0, max_value=100),
        "note": _text(2000),
        "actual_value": lambda v: parse_decimal(v, min_value=None, places=4, max_digits=20),
        "reported_on": lambda v: parse_date(v, not_future=True, today=today),
    }, errors, required=("percent", "note"))
    errors.raise_if_any()
    row = TaskProgress(task=task, percent=values["percent"], note=values["note"],
                       actual_value=values.get("actual_value"), reported_on=values.get("reported_on") or today,
                       reported_by=user if user is not None and user.is_authenticated else None,
                       reporter_name=_user_name(user))
    stamp(row, user).save()
    latest = task.updates.order_by("-reported_on", "-pk").first()
    task.progress = latest.percent
    if latest.actual_value is not None:
        task.actual_value = latest.actual_value
    task.completed_on = latest.reported_on if latest.percent >= 100 else None
    stamp(task, user, reason="进度更新").save()
    if user is not None:
        assert_in_scope(user, row, Action.ADD)
    return row
