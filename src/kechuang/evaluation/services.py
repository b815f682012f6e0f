"""Writes of the evaluation app: assessment inputs, district evaluation runs, cultivation-pool batches.

Every write runs in a transaction, checks the acting user's role and scope, and leaves an audit trail
(simple-history rows naming the user; PoolEvent rows for workflow steps).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from kechuang.core.choices import Action, Role
from kechuang.core.errors import FieldErrors, ValidationFailed
from kechuang.core.fields import is_blank, parse_bool, parse_date, parse_int, parse_text
from kechuang.core.models import Job, JobStatus
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import stamp
from kechuang.enterprises.choices import QualificationKind
from kechuang.enterprises.models import Enterprise, Qualification, valid_on_q
from kechuang.regions.choices import RegionLevel
from kechuang.regions.models import Region
from kechuang.regions.services import home_region_code

from . import workflow
from .assess import assess_hte
from .choices import BatchStatus, EntrySource, EntryStatus, RunStatus, Verdict
from .engine import ProfileError, get_ruleset, ruleset_for
from .engine.hte import counted_ip
from .engine.numbers import Ratio
from .engine.profiles import EXPERT_INT_FIELDS
from .engine.results import add_years
from .models import AssessmentInput, EvaluationResult, EvaluationRun, PoolBatch, PoolEntry, PoolEvent
from .profiles import facts_for, load_facts

CHUNK = 2000
RATIO_CAP = Decimal("999999")
CENT = Decimal("0.01")
JOB_KIND = "evaluation_run"


# ---------------------------------------------------------------------------------------------------------------
# Assessment input (what the stored data lacks)


def _may_enter_expert_points(user) -> bool:
    return user is not None and (user.is_superuser or user.role == Role.BUREAU)


@transaction.atomic
def assessment_input_save(*, user, enterprise: Enterprise, data: dict[str, Any], day: dt.date | None = None
                          ) -> AssessmentInput:
    """Save the transformations count, the incident declaration and (bureau only) expert points.

    Expert points are checked against their bands on the enterprise's current data, with the engine's parser.
    """
    errors = FieldErrors()
    row = AssessmentInput.objects.filter(enterprise=enterprise).first() or AssessmentInput(enterprise=enterprise)
    if "transformations" in data:
        raw = data["transformations"]
        if is_blank(raw):
            row.transformations = None
        else:
            try:
                row.transformations = parse_int(raw, min_value=0, max_value=10000)
            except ValueError as exc:
                errors.error("transformations", str(exc))
    if "major_incident_last_year" in data:
        try:
            row.major_incident_last_year = False if is_blank(data["major_incident_last_year"]) else parse_bool(
                data["major_incident_last_year"])
        except ValueError as exc:
            errors.error("major_incident_last_year", str(exc))
    if "expert" in data:
        expert = _expert_points(data.get("expert") or {}, errors)
        if expert != (row.expert or {}) and not _may_enter_expert_points(user):
            errors.error("expert", "专家评分仅可由科技局录入", "forbidden")
        elif not errors.failed:
            row.expert = expert
            row.expert_by = user if expert else None
    errors.raise_if_any()
    if row.expert:
        _check_expert_bands(enterprise, row, day or dt.date.today(), errors)
        errors.raise_if_any()
    stamp(row, user).save()
    if user is not None:
        assert_in_scope(user, row, Action.CHANGE)
    return row


def _expert_points(raw: Any, errors: FieldErrors) -> dict[str, Any]:
    """Whole numbers ≥ 0 per expert item; `rd_org` is four of them (blank = not judged)."""
    if not isinstance(raw, dict):
        errors.error("expert", "应为对象")
        return {}
    out: dict[str, Any] = {}
    for name in EXPERT_INT_FIELDS:
        value = raw.get(name)
        if is_blank(value):
            continue
        try:
            out[name] = parse_int(value, min_value=0, max_value=100)
        except ValueError as exc:
            errors.error(f"expert.{name}", str(exc))
    org = raw.get("rd_org")
    if org not in (None, "", []):
        if not isinstance(org, (list, tuple)) or len(org) != 4:
            errors.error("expert.rd_org", "应为4项评分 [m1, m2, m3, m4]")
        else:
            items = []
            for i, value in enumerate(org):
                try:
                    items.append(None if is_blank(value) else parse_int(value, min_value=0, max_value=100))
                except ValueError as exc:
                    errors.error(f"expert.rd_org[{i}]", str(exc))
            if any(v is not None for v in items):
                out["rd_org"] = items
    return out


def _check_expert_bands(enterprise: Enterprise, row: AssessmentInput, day: dt.date, errors: FieldErrors) -> None:
    from .engine import parse_hte_profile
    from .profiles import InputRow, hte_profile_data

    facts = facts_for(enterprise, day)
    facts.inputs = InputRow(enterprise.pk, row.transformations, row.major_incident_last_year, row.expert)
    try:
        data = hte_profile_data(facts, day)
    except ProfileError:
        return  # no annual data yet: the bands are checked when it is evaluated
    try:
        parse_hte_profile(data)
    except ProfileError as exc:
        errors.error(exc.field, exc.message, "out_of_band" if exc.field.startswith("expert") else "invalid")


# ---------------------------------------------------------------------------------------------------------------
# District evaluation runs


def _run_roles(user) -> bool:
    return user is None or user.is_superuser or user.role in (Role.BUREAU, Role.TOWN)


@transaction.atomic
def evaluation_run_start(*, user, region: str | None = None, on: dt.date | str | None = None) -> EvaluationRun:
    """Create a run (and its progress Job) for every enterprise of a district or town inside the user's scope."""
    if not _run_roles(user):
        raise PermissionDenied("仅科技局或科技助理可以发起批量评价")
    errors = FieldErrors()
    code = region or (user.region_id if user is not None and user.region_id else home_region_code())
    reg = Region.objects.filter(code=code).first()
    if reg is None:
        errors.error("region", f"未知的区域代码：{code}", "unknown")
    elif reg.level not in (RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.TOWN):
        errors.error("region", "评价范围应为地市、区县或镇街", "invalid")
    day = dt.date.today()
    if on not in (None, ""):
        try:
            day = parse_date(on)
        except ValueError as exc:
            errors.error("on", str(exc))
    if not errors.failed:
        try:
            ruleset_for("hte", day, field_name="on")
            ruleset_for("pool", day, field_name="on")
        except ProfileError as exc:
            errors.error("on", exc.message)
    errors.raise_if_any()
    job = Job.objects.create(kind=JOB_KIND, params={"region": code, "on": day.isoformat()}, created_by=user,
                             message="排队中")
    run = EvaluationRun(region=reg, on_date=day, job=job, created_by=user,
                        hte_ruleset=ruleset_for("hte", day).id, pool_ruleset=ruleset_for("pool", day).id)
    stamp(run, user).save()
    if user is not None:
        assert_in_scope(user, run, Action.ADD)
    return run


def run_enterprises(run: EvaluationRun):
    """The enterprises a run covers: those of its region that its creator may see (all of them for the system)."""
    qs = Enterprise.objects.restrict(run.created_by) if run.created_by_id else Enterprise.objects.all()
    return qs.filter(town__code__startswith=run.region_id)


def evaluation_run_execute(run_id: int, *, chunk: int = CHUNK, progress=None) -> EvaluationRun:
    """Evaluate every enterprise of the run from stored data, chunk by chunk, updating the Job's progress.

    Callable from a Celery task (it takes an id and commits per chunk, so progress is visible while it runs).
    On failure the partial results are removed and the run and job are marked failed.
    """
    started = time.perf_counter()
    run = EvaluationRun.objects.select_related("created_by").get(pk=run_id)
    day, home = run.on_date, home_region_code()
    rulesets = get_ruleset(run.hte_ruleset), get_ruleset(run.pool_ruleset)
    ids = list(run_enterprises(run).order_by("pk").values_list("pk", flat=True))
    EvaluationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, total=len(ids))
    if run.job_id:
        Job.objects.filter(pk=run.job_id).update(status=JobStatus.RUNNING, total=len(ids), progress=0,
                                                 message="评价中")
    counts: Counter = Counter()
    done = 0

    def store(rows: list[dict[str, Any]]) -> None:
        nonlocal done
        for row in rows:
            counts[row["verdict"]] += 1
            counts["candidates"] += row["candidate"]
        with transaction.atomic():
            insert_results(rows)
        done += len(rows)
        if run.job_id:
            Job.objects.filter(pk=run.job_id).update(progress=done)
        if progress is not None:
            progress(done, len(ids))

    try:
        EvaluationResult.objects.filter(run=run).delete()
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            facts = load_facts(part, day, tsme=False)
            store([result_row(run.pk, facts[pk], day, home, rulesets) for pk in part])
    except Exception as exc:
        EvaluationResult.objects.filter(run=run).delete()
        EvaluationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(exc)[:2000],
                                                       finished_at=timezone.now())
        if run.job_id:
            Job.objects.filter(pk=run.job_id).update(status=JobStatus.FAILED, message=str(exc)[:2000],
                                                     finished_at=timezone.now())
        raise
    seconds = Decimal(str(round(time.perf_counter() - started, 2)))
    EvaluationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE, qualified=counts[Verdict.QUALIFIED], borderline=counts[Verdict.BORDERLINE],
        not_qualified=counts[Verdict.NOT_QUALIFIED], no_data=counts[Verdict.NO_DATA],
        candidates=counts["candidates"], seconds=seconds, finished_at=timezone.now())
    if run.job_id:
        Job.objects.filter(pk=run.job_id).update(
            status=JobStatus.DONE, progress=len(ids), finished_at=timezone.now(), message="已完成",
            result={"run": run.pk, "total": len(ids), "candidates": counts["candidates"]})
    run.refresh_from_db()
    return run


def evaluation_run(*, user, region: str | None = None, on=None) -> EvaluationRun:
    """Start and execute a run in this process (the embedded default; a Celery worker would call execute)."""
    run = evaluation_run_start(user=user, region=region, on=on)
    return evaluation_run_execute(run.pk)


def _ratio(value) -> Decimal | None:
    if not isinstance(value, Ratio):
        return None
    return min(value.rounded(6), RATIO_CAP)


RESULT_COLUMNS = (
    "run_id", "enterprise_id", "town_id", "verdict", "score_min", "score_max", "failed_codes", "failed_count",
    "candidate", "candidate_reason", "near_misses", "blocking", "flags", "tech_ratio", "rd_ratio", "rd_threshold",
    "domestic_ratio", "hitech_ratio", "latest_sales", "ip_class_i", "ip_class_ii", "transformations_known",
    "holds_hte", "is_tsme", "in_pool", "error",
)
JSON_COLUMNS = ("near_misses", "blocking", "flags")


def result_row(run_id: int, f, day: dt.date, home: str, rulesets=(None, None)) -> dict[str, Any]:
    """One enterprise's result as column values (written by `insert_results`), under the run's rule sets."""
    holds_hte, is_tsme = f.holds("hte", day), f.holds("tsme", day)
    in_pool = f.holds("pool", day)
    row = dict.fromkeys(RESULT_COLUMNS)
    row.update(run_id=run_id, enterprise_id=f.id, town_id=f.town_id, holds_hte=holds_hte, is_tsme=is_tsme,
               in_pool=in_pool, failed_codes="", failed_count=0, candidate=False, candidate_reason="",
               near_misses=[], blocking=[], flags=[], ip_class_i=0, ip_class_ii=0, transformations_known=False,
               error="")
    try:
        a = assess_hte(f, day, home=home, notes=False, hte_ruleset=rulesets[0], pool_ruleset=rulesets[1])
    except ProfileError as exc:
        row.update(verdict=Verdict.NO_DATA.value, error=f"{exc.field}: {exc.message}"[:300])
        return row
    r, pool = a.result, a.pool
    c = r.conditions
    n1, n2, _ = counted_ip(a.profile)
    candidate = pool["candidate"] and not in_pool
    failed = r.failed_conditions
    row.update(
        verdict=r.verdict, score_min=r.score_min, score_max=r.score_max,
        failed_codes=f",{','.join(failed)}," if failed else "", failed_count=len(failed),
        candidate=candidate, candidate_reason=pool["reason"] if candidate else "",
        near_misses=pool["near_misses"], blocking=list(pool["blocking"]) + (["in_pool"] if in_pool else []),
        flags=[fl.reason for fl in r.flags],
        tech_ratio=_ratio(c["C4"].value), rd_ratio=_ratio(c["C5a"].value), rd_threshold=c["C5a"].threshold,
        domestic_ratio=_ratio(c["C5b"].value), hitech_ratio=_ratio(c["C6"].value),
        latest_sales=a.profile.fiscal_years[-1].sales.scaleb(4).quantize(CENT),
        ip_class_i=min(n1, 32767), ip_class_ii=min(n2, 32767), transformations_known=a.transformations_known,
    )
    return row


def insert_results(rows: list[dict[str, Any]]) -> None:
    """Write result rows: COPY on PostgreSQL, one executemany per 1,000 rows elsewhere.

    The ORM's bulk_create spends most of a 60,000-row run building model instances and preparing each field;
    the values here are already database-ready (exact Decimals, booleans, JSON text), so they go straight in.
    """
    if not rows:
        return
    qn = connection.ops.quote_name
    table, columns = qn(EvaluationResult._meta.db_table), ", ".join(qn(c) for c in RESULT_COLUMNS)
    json_at = [(RESULT_COLUMNS.index(c), c) for c in JSON_COLUMNS]
    values = []
    for row in rows:
        value = [row[c] for c in RESULT_COLUMNS]
        for i, c in json_at:
            value[i] = json.dumps(row[c], ensure_ascii=False)
        values.append(value)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(RESULT_COLUMNS))})"
        for start in range(0, len(values), 1000):
            cursor.executemany(sql, values[start:start + 1000])


# ---------------------------------------------------------------------------------------------------------------
# Cultivation-pool batches


def _event(batch: PoolBatch, user, action: str, source: str = "", target: str = "", reason: str = "",
           entry: PoolEntry | None = None) -> PoolEvent:
    name = ""
    if user is not None:
        name = user.get_full_name() or user.username
    return PoolEvent.objects.create(batch=batch, entry=entry, action=action, from_state=source, to_state=target,
                                    reason=reason, user=user if user is not None and user.pk else None,
                                    user_name=name)


def _require_manager(user) -> None:
    if not workflow.may(user, workflow.MANAGE_ROLES):
        raise PermissionDenied("仅科技局可以管理培育库批次")


@transaction.atomic
def pool_batch_create(*, user, data: dict[str, Any]) -> PoolBatch:
    """Open a batch (year, name, optional issue date) for the bureau's district."""
    _require_manager(user)
    errors = FieldErrors()
    year = name = issue = None
    try:
        year = parse_int(data.get("year"), min_value=2000, max_value=2100) if not is_blank(data.get("year")) else None
        if year is None:
            errors.error("year", "此项为必填项", "required")
    except ValueError as exc:
        errors.error("year", str(exc))
    try:
        name = parse_text(data.get("name") or "", max_length=60)
        if not name:
            errors.error("name", "此项为必填项", "required")
    except ValueError as exc:
        errors.error("name", str(exc))
    if not is_blank(data.get("issue_date")):
        try:
            issue = parse_date(data["issue_date"])
        except ValueError as exc:
            errors.error("issue_date", str(exc))
    code = data.get("region") or (user.region_id if user is not None and user.region_id else home_region_code())
    region = Region.objects.filter(code=code).first()
    if region is None:
        errors.error("region", f"未知的区域代码：{code}", "unknown")
    if year and name and region and PoolBatch.objects.filter(region=region, year=year, name=name).exists():
        errors.error("name", f"{year}年已有名为“{name}”的批次", "duplicate")
    errors.raise_if_any()
    batch = PoolBatch(region=region, year=year, name=name, issue_date=issue, created_by=user,
                      note=parse_text(data.get("note") or "", max_length=2000))
    stamp(batch, user).save()
    if user is not None:
        assert_in_scope(user, batch, Action.ADD)
    _event(batch, user, "open", "", BatchStatus.OPEN)
    return batch


def latest_run_for(user, region_code: str) -> EvaluationRun | None:
    """The newest finished run of exactly this region visible to the user."""
    from .selectors import runs_visible

    return runs_visible(user).filter(region_id=region_code, status=RunStatus.DONE).order_by("-created_at", "-pk").first()


def _require_open(batch: PoolBatch) -> None:
    if batch.status != BatchStatus.OPEN:
        raise ValidationFailed("批次已公示或已结束，不能再修改入库企业", field="batch")


def _taken(batch: PoolBatch):
    """Enterprises that cannot enter this batch: already in a batch of the same year, or already in the pool."""
    day = batch.issue_date or dt.date.today()
    in_year = PoolEntry.objects.filter(batch__year=batch.year, batch__region=batch.region,
                                       enterprise=OuterRef("enterprise_id")).exclude(status=EntryStatus.REJECTED)
    pooled = Qualification.objects.filter(valid_on_q(day), kind=QualificationKind.POOL,
                                          enterprise=OuterRef("enterprise_id"))
    same_year = Qualification.objects.filter(kind=QualificationKind.POOL, year=batch.year,
                                             enterprise=OuterRef("enterprise_id"))
    return Exists(in_year) | Exists(pooled) | Exists(same_year)


@transaction.atomic
def pool_batch_propose(*, user, batch: PoolBatch, run: EvaluationRun | None = None) -> int:
    """Add the candidate list of the latest run (of the batch's district) as proposed entries; returns how many."""
    _require_manager(user)
    _require_open(batch)
    run = run or latest_run_for(user, batch.region_id)
    if run is None or run.status != RunStatus.DONE:
        raise ValidationFailed("没有可用的评价结果，请先运行全区批量评价", field="run")
    candidates = (EvaluationResult.objects.restrict(user).filter(run=run, candidate=True)
                  .exclude(Exists(PoolEntry.objects.filter(batch=batch, enterprise=OuterRef("enterprise_id"))))
                  .exclude(_taken(batch)).order_by("-score_max", "enterprise_id"))
    entries = [PoolEntry(batch=batch, enterprise_id=r.enterprise_id, result=r, source=EntrySource.CANDIDATE,
                         verdict=r.verdict, score_min=r.score_min, score_max=r.score_max,
                         candidate_reason=r.candidate_reason, failed_codes=r.failed_codes)
               for r in candidates]
    from simple_history.utils import bulk_create_with_history

    bulk_create_with_history(entries, PoolEntry, batch_size=1000, default_user=user if user and user.pk else None,
                             default_change_reason="proposed from evaluation run")
    batch.source_run = run
    stamp(batch, user).save(update_fields=["source_run", "updated_at"])
    _event(batch, user, "propose", reason=f"run {run.pk}: {len(entries)}")
    return len(entries)


@transaction.atomic
def pool_entry_add(*, user, batch: PoolBatch, enterprise: Enterprise, note: str = "") -> PoolEntry:
    """Add one enterprise by hand (e.g. one that applied itself); its latest result is attached when present."""
    _require_manager(user)
    _require_open(batch)
    if not batch.region_id or not enterprise.town_id.startswith(batch.region_id):
        raise ValidationFailed("企业不在本批次辖区内", field="enterprise")
    if PoolEntry.objects.filter(batch=batch, enterprise=enterprise).exists():
        raise ValidationFailed("该企业已在本批次中", field="enterprise")
    if PoolEntry.objects.filter(enterprise=enterprise, batch__year=batch.year).exclude(
            status=EntryStatus.REJECTED).exists() or Qualification.objects.filter(
            kind=QualificationKind.POOL, year=batch.year, enterprise=enterprise).exists():
        raise ValidationFailed(f"该企业{batch.year}年已在其他批次或已入库", field="enterprise")
    result = (EvaluationResult.objects.filter(enterprise=enterprise, run__status=RunStatus.DONE)
              .order_by("-run__created_at", "-run_id").first())
    entry = PoolEntry(batch=batch, enterprise=enterprise, source=EntrySource.MANUAL, reason=note, result=result)
    if result is not None:
        entry.verdict, entry.score_min, entry.score_max = result.verdict, result.score_min, result.score_max
        entry.candidate_reason, entry.failed_codes = result.candidate_reason, result.failed_codes
    stamp(entry, user).save()
    assert_in_scope(user, entry, Action.VIEW)
    _event(batch, user, "add", "", EntryStatus.PROPOSED, note, entry)
    return entry


def pool_cultivation_years(day: dt.date) -> int:
    from .engine.pool import rules as pool_rules

    return pool_rules(ruleset_for("pool", day)).cultivation_period_years


@transaction.atomic
def pool_entry_transition(*, user, entry: PoolEntry, action: str, reason: str = "") -> PoolEntry:
    """Approve, reject (with a reason) or reconsider an entry; approval writes the pool Qualification."""
    entry = PoolEntry.objects.select_for_update().select_related("batch", "enterprise").get(pk=entry.pk)
    t = workflow.check(workflow.ENTRY_TRANSITIONS, entry.status, action, user, reason)
    _require_open(entry.batch)
    source = entry.status
    if t.action == "approve":
        entry.qualification = _write_pool_qualification(user, entry)
    if t.action == "reconsider":
        entry.decided_by = entry.decided_at = None
    else:
        entry.decided_by, entry.decided_at = user, timezone.now()
    entry.status = t.target
    entry.reason = reason.strip() if reason.strip() or t.action != "reconsider" else entry.reason
    stamp(entry, user, reason=f"{t.action}: {reason}"[:100]).save()
    _event(entry.batch, user, t.action, source, t.target, reason.strip(), entry)
    return entry


def _write_pool_qualification(user, entry: PoolEntry) -> Qualification:
    batch = entry.batch
    issue = batch.issue_date or dt.date.today()
    if Qualification.objects.filter(enterprise=entry.enterprise, kind=QualificationKind.POOL, year=batch.year).exists():
        raise ValidationFailed(f"该企业{batch.year}年已有培育库入库记录", field="enterprise")
    q = Qualification(enterprise=entry.enterprise, kind=QualificationKind.POOL, year=batch.year, batch=batch.name,
                      issue_date=issue,
                      expiry_date=add_years(issue, pool_cultivation_years(issue)) - dt.timedelta(days=1))
    stamp(q, user, reason=f"培育库 {batch.name} 审核通过")
    try:
        with transaction.atomic():
            q.save()
    except IntegrityError:
        raise ValidationFailed(f"该企业{batch.year}年已有培育库入库记录", field="enterprise") from None
    return q


@transaction.atomic
def pool_batch_transition(*, user, batch: PoolBatch, action: str, reason: str = "") -> PoolBatch:
    """Publish (no entry may still be pending), withdraw the publication, or close a batch."""
    batch = PoolBatch.objects.select_for_update().get(pk=batch.pk)
    t = workflow.check(workflow.BATCH_TRANSITIONS, batch.status, action, user, reason)
    if t.action == "publish":
        pending = batch.entries.filter(status=EntryStatus.PROPOSED).count()
        if pending:
            raise ValidationFailed(f"还有{pending}家企业待审核，审核完毕后才能公示", field="entries")
        if not batch.entries.filter(status=EntryStatus.APPROVED).exists():
            raise ValidationFailed("没有同意入库的企业，无法公示", field="entries")
        batch.published_on = dt.date.today()
    source = batch.status
    batch.status = t.target
    stamp(batch, user, reason=t.action).save()
    _event(batch, user, t.action, source, t.target, reason.strip())
    return batch


def require_in_scope(user, obj, action: str = Action.VIEW) -> None:
    """404 unless the object is visible to the user (the single door: restrict())."""
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise Http404
