"""Evaluation API (mounted at /api/evaluation/): evaluate posted profiles (DESIGN §6) or stored enterprises,
district runs and their candidate lists, cultivation-pool batches, certificate validity."""

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from kechuang.core.api import COMMON_RESPONSES, WRITE_RESPONSES, ErrorOut, Pagination, Year, xlsx_response
from kechuang.core.choices import Action
from kechuang.core.errors import ValidationFailed
from kechuang.core.fields import parse_date
from kechuang.core.scope import get_in_scope
from kechuang.enterprises.models import Enterprise
from kechuang.regions.services import home_region_code

from . import selectors, services
from .assess import assess_hte, assess_tsme
from .cli import evaluate as evaluate_contract
from .engine import ProfileError, evaluate_startup, parse_startup_profile
from .exports import publication_xlsx, results_xlsx
from .profiles import contract_json, facts_for

router = Router(tags=["evaluation"])
WRITE = {**WRITE_RESPONSES, 403: ErrorOut}


def _field_error(exc: ProfileError) -> ValidationFailed:
    return ValidationFailed([{"field": exc.field, "code": "invalid", "message": exc.message}])


def denied_as_403(view):
    """A role refusal (PermissionDenied) answers 403 in the API's JSON shape."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except PermissionDenied as exc:
            raise HttpError(403, str(exc) or "Forbidden") from None
    return wrapper


def _day(value: str | None, field: str = "date") -> dt.date:
    if value in (None, ""):
        return dt.date.today()
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field=field) from None


def _body(request) -> Any:
    """The posted JSON with exact decimals (numbers with a fraction are Decimals, never floats)."""
    try:
        return json.loads(request.body or b"null", parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"请求体不是有效的 JSON（{exc}）", field="body") from None


def _profile_body(schema_ref: str) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "description": f"DESIGN §6 {schema_ref} profile; amounts in 万元 as numbers or decimal "
                                         "strings"}}}}}


# ---------------------------------------------------------------------------------------------------------------
# Posted profiles (the same path as `kechuang eval`)


@router.post("/hte", response={200: dict, **WRITE_RESPONSES}, openapi_extra=_profile_body("HTE"))
def evaluate_hte_profile(request):
    """Evaluate a posted HTE profile: verdict, failed conditions, score range, conditions, flags and gaps."""
    try:
        return evaluate_contract("hte", _body(request))
    except ProfileError as exc:
        raise _field_error(exc) from None


@router.post("/tsme", response={200: dict, **WRITE_RESPONSES}, openapi_extra=_profile_body("tech-SME"))
def evaluate_tsme_profile(request):
    """Evaluate a posted tech-SME profile: qualified, route, total, scores, R&D option, failed conditions, gaps."""
    try:
        return evaluate_contract("tsme", _body(request))
    except ProfileError as exc:
        raise _field_error(exc) from None


@router.post("/startup", response={200: dict, **WRITE_RESPONSES}, openapi_extra=_profile_body("startup-filing"))
def evaluate_startup_profile(request):
    """Pre-screen a posted innovative-startup filing profile under the local rule set (e.g. startup-ningbo-2013)."""
    try:
        return evaluate_startup(parse_startup_profile(_body(request)))
    except ProfileError as exc:
        raise _field_error(exc) from None


# ---------------------------------------------------------------------------------------------------------------
# Stored enterprises


def _enterprise(request, enterprise_id: int) -> Enterprise:
    return get_in_scope(Enterprise, request.user, Action.VIEW, pk=enterprise_id)


def _notes(notes) -> list[dict[str, str]]:
    return [{"code": n.code, "message_zh": n.zh, "message_en": n.en} for n in notes]


@router.get("/enterprises/{int:enterprise_id}/hte", response={200: dict, **WRITE_RESPONSES})
def evaluate_stored_hte(request, enterprise_id: int, date: str | None = None):
    """Evaluate a stored enterprise as an HTE application on `date` (default today) from its annual data."""
    ent = _enterprise(request, enterprise_id)
    day = _day(date)
    try:
        a = assess_hte(facts_for(ent, day), day, home=home_region_code())
    except ProfileError as exc:
        raise _field_error(exc) from None
    return {
        "enterprise": {"id": ent.pk, "name": ent.name, "uscc": ent.uscc},
        "date": day.isoformat(),
        **a.result.to_dict(),
        "gaps": a.gaps(),
        "pool": a.pool,
        "transformations_known": a.transformations_known,
        "assumptions": _notes(a.notes),
        "profile": contract_json(a.data()),
    }


@router.get("/enterprises/{int:enterprise_id}/tsme", response={200: dict, **WRITE_RESPONSES})
def evaluate_stored_tsme(request, enterprise_id: int, date: str | None = None):
    """Evaluate a stored enterprise as a tech SME on `date` (default today) from the previous year's data."""
    ent = _enterprise(request, enterprise_id)
    day = _day(date)
    try:
        a = assess_tsme(facts_for(ent, day), day)
    except ProfileError as exc:
        raise _field_error(exc) from None
    return {
        "enterprise": {"id": ent.pk, "name": ent.name, "uscc": ent.uscc},
        "date": day.isoformat(),
        **a.result.to_dict(),
        "gaps": a.gaps(),
        "assumptions": _notes(a.notes),
        "profile": contract_json(a.data),
    }


class AssessmentInputIn(Schema):
    transformations: int | str | None = None
    major_incident_last_year: bool | str | None = None
    expert: dict | None = None


class AssessmentInputOut(Schema):
    transformations: int | None
    major_incident_last_year: bool
    expert: dict


@router.put("/enterprises/{int:enterprise_id}/input", response={200: AssessmentInputOut, **WRITE})
@denied_as_403
def save_assessment_input(request, enterprise_id: int, payload: AssessmentInputIn):
    """Enter what the stored data lacks: transformations, incident declaration, expert points (bureau only)."""
    ent = _enterprise(request, enterprise_id)
    return services.assessment_input_save(user=request.user, enterprise=ent,
                                          data=payload.dict(exclude_unset=True))


# ---------------------------------------------------------------------------------------------------------------
# Validity


class CountByTown(Schema):
    town: str
    name: str
    count: int


class ValidCountOut(Schema):
    date: dt.date
    count: int
    by_town: list[CountByTown]


@router.get("/hte/valid-count", response={200: ValidCountOut, **WRITE_RESPONSES})
def hte_valid_count(request, date: str | None = None, town: str | None = None):
    """Enterprises of the caller's scope holding a valid HTE certificate on `date` (the expiry day counts)."""
    selectors.require_office(request.user)
    return selectors.valid_hte_count(request.user, _day(date), town=town)


class ExpiringOut(Schema):
    enterprise_id: int
    enterprise: str
    uscc: str
    town: str
    number: str
    issue_date: dt.date
    expiry_date: dt.date | None
    renewed_on: dt.date | None
    status: str
    renewal_due: bool
    tax_clawback_risk: bool
    days_to_deadline: int


@router.get("/hte/expiring", response={200: list[ExpiringOut], **WRITE_RESPONSES})
def hte_expiring(request, year: Year | None = None):
    """HTE certificates expiring in `year` (default this year): re-certification due and tax claw-back risk."""
    selectors.require_office(request.user)
    rows = selectors.hte_expiring(request.user, year or dt.date.today().year)
    return [{"enterprise_id": r["enterprise"].pk, "enterprise": r["enterprise"].name, "uscc": r["enterprise"].uscc,
             "town": r["enterprise"].town.name, "number": r["q"].number, "issue_date": r["q"].issue_date,
             "expiry_date": r["q"].expiry_date, "renewed_on": r["renewed_on"], "status": r["status"],
             "renewal_due": r["renewal_due"], "tax_clawback_risk": r["tax_clawback_risk"],
             "days_to_deadline": r["days_to_deadline"]} for r in rows]


class YearCount(Schema):
    year: int
    count: int
    new: int


@router.get("/tsme/registrations", response={200: list[YearCount], **COMMON_RESPONSES})
def tsme_registrations(request):
    """Tech-SME registrations per evaluation year in the caller's scope (and how many were first-time)."""
    selectors.require_office(request.user)
    return selectors.tsme_per_year(request.user)


# ---------------------------------------------------------------------------------------------------------------
# District runs


class RunIn(Schema):
    region: str | None = None
    on: str | None = None


class RunOut(Schema):
    id: int
    region_id: str
    on_date: dt.date
    status: str
    hte_ruleset: str
    pool_ruleset: str
    total: int
    qualified: int
    borderline: int
    not_qualified: int
    no_data: int
    candidates: int
    seconds: Decimal | None
    job_id: int | None
    error: str


class ResultOut(Schema):
    enterprise_id: int
    enterprise: str
    uscc: str
    town_id: str
    verdict: str
    score_min: int | None
    score_max: int | None
    failed_conditions: list[str]
    candidate: bool
    candidate_reason: str
    near_misses: list
    blocking: list
    tech_ratio: Decimal | None
    rd_ratio: Decimal | None
    rd_threshold: Decimal | None
    domestic_ratio: Decimal | None
    hitech_ratio: Decimal | None
    latest_sales: Decimal | None
    ip_class_i: int
    ip_class_ii: int
    holds_hte: bool
    is_tsme: bool
    in_pool: bool
    error: str

    @staticmethod
    def resolve_enterprise(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_uscc(obj):
        return obj.enterprise.uscc

    @staticmethod
    def resolve_failed_conditions(obj):
        return obj.failed_list


class ResultFilter(Schema):
    verdict: str | None = None
    candidate: bool | None = None
    town: str | None = None
    failed: str | None = None
    reason: str | None = None
    q: str | None = None
    sort: str | None = None


@router.post("/runs", response={201: RunOut, **WRITE})
@denied_as_403
def start_run(request, payload: RunIn):
    """Evaluate every enterprise of a district (or town) in the caller's scope; runs to completion here."""
    run = services.evaluation_run_start(user=request.user, region=payload.region, on=payload.on)
    return Status(201, services.evaluation_run_execute(run.pk))


@router.get("/runs", response={200: list[RunOut], **COMMON_RESPONSES})
def list_runs(request):
    selectors.require_office(request.user)
    return selectors.runs_visible(request.user).order_by("-created_at", "-pk")[:100]


@router.get("/runs/{int:run_id}", response={200: RunOut, **COMMON_RESPONSES})
def get_run(request, run_id: int):
    return selectors.run_get(request.user, run_id)


@router.get("/runs/{int:run_id}/results", response={200: list[ResultOut], **COMMON_RESPONSES})
@paginate(Pagination, page_size=50)
def run_results(request, run_id: int, filters: Query[ResultFilter]):
    """A run's results in the caller's scope; `candidate=true` gives the cultivation-pool candidate list."""
    run = selectors.run_get(request.user, run_id)
    return selectors.result_list(request.user, run, **filters.dict())


@router.get("/runs/{int:run_id}/results.xlsx", response={200: None, **COMMON_RESPONSES})
def run_results_xlsx(request, run_id: int, filters: Query[ResultFilter]):
    run = selectors.run_get(request.user, run_id)
    qs = selectors.result_list(request.user, run, **filters.dict())
    name = "candidates" if filters.candidate else "results"
    return xlsx_response(results_xlsx(run, qs), f"evaluation-{run.pk}-{name}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# Cultivation-pool batches


class BatchIn(Schema):
    year: int | str
    name: str
    issue_date: str | None = None
    note: str | None = None


class BatchOut(Schema):
    id: int
    region_id: str
    year: int
    name: str
    status: str
    issue_date: dt.date | None
    published_on: dt.date | None
    source_run_id: int | None


class EntryOut(Schema):
    id: int
    batch_id: int
    enterprise_id: int
    enterprise: str
    uscc: str
    status: str
    source: str
    verdict: str
    score_min: int | None
    score_max: int | None
    candidate_reason: str
    failed_conditions: list[str]
    reason: str
    qualification_id: int | None

    @staticmethod
    def resolve_enterprise(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_uscc(obj):
        return obj.enterprise.uscc

    @staticmethod
    def resolve_failed_conditions(obj):
        return obj.failed_list


class ReasonIn(Schema):
    reason: str = ""


class EntryAddIn(Schema):
    enterprise_id: int
    note: str = ""


class ProposedOut(Schema):
    added: int


@router.get("/pool/batches", response={200: list[BatchOut], **COMMON_RESPONSES})
def list_batches(request):
    selectors.require_office(request.user)
    return selectors.batches_visible(request.user)


@router.post("/pool/batches", response={201: BatchOut, **WRITE})
@denied_as_403
def create_batch(request, payload: BatchIn):
    return Status(201, services.pool_batch_create(user=request.user, data=payload.dict()))


@router.get("/pool/batches/{int:batch_id}", response={200: BatchOut, **COMMON_RESPONSES})
def get_batch(request, batch_id: int):
    return selectors.batch_get(request.user, batch_id)


@router.get("/pool/batches/{int:batch_id}/entries", response={200: list[EntryOut], **COMMON_RESPONSES})
def list_entries(request, batch_id: int, status: str | None = None):
    batch = selectors.batch_get(request.user, batch_id)
    return selectors.entry_list(request.user, batch, status)


@router.post("/pool/batches/{int:batch_id}/propose", response={200: ProposedOut, **WRITE})
@denied_as_403
def propose(request, batch_id: int):
    """Add the latest run's candidate list (batch district) as proposed entries."""
    batch = selectors.batch_get(request.user, batch_id)
    return {"added": services.pool_batch_propose(user=request.user, batch=batch)}


@router.post("/pool/batches/{int:batch_id}/entries", response={201: EntryOut, **WRITE})
@denied_as_403
def add_entry(request, batch_id: int, payload: EntryAddIn):
    batch = selectors.batch_get(request.user, batch_id)
    ent = _enterprise(request, payload.enterprise_id)
    return Status(201, services.pool_entry_add(user=request.user, batch=batch, enterprise=ent, note=payload.note))


@router.post("/pool/entries/{int:entry_id}/{action}", response={200: EntryOut, **WRITE})
@denied_as_403
def entry_action(request, entry_id: int, action: str, payload: ReasonIn):
    """approve | reject (reason required) | reconsider — bureau only; approval writes the pool qualification."""
    entry = selectors.entry_get(request.user, entry_id)
    return services.pool_entry_transition(user=request.user, entry=entry, action=action, reason=payload.reason)


@router.get("/pool/batches/{int:batch_id}/publication.xlsx", response={200: None, **COMMON_RESPONSES})
def publication(request, batch_id: int):
    """The publication list (公示名单) of approved entries."""
    batch = selectors.batch_get(request.user, batch_id)
    return xlsx_response(publication_xlsx(batch, selectors.entry_list(request.user, batch)),
                         f"pool-{batch.year}-{batch.pk}-publication.xlsx")


@router.post("/pool/batches/{int:batch_id}/{action}", response={200: BatchOut, **WRITE})
@denied_as_403
def batch_action(request, batch_id: int, action: str, payload: ReasonIn):
    """publish (no pending entries) | reopen (reason required) | close — bureau only."""
    batch = selectors.batch_get(request.user, batch_id)
    return services.pool_batch_transition(user=request.user, batch=batch, action=action, reason=payload.reason)


class ConversionOut(Schema):
    year: int
    batch: str
    members: int
    converted: int
    rate: Decimal
    by_lag: list[int]
    avg_days: int | None
    by_year: list[tuple[int, int]]


@router.get("/pool/conversion", response={200: list[ConversionOut], **COMMON_RESPONSES})
def conversion(request):
    """Per pool batch: members, how many later obtained an HTE certificate, after how many years."""
    selectors.require_office(request.user)
    return selectors.pool_conversion(request.user)


__all__ = ["router"]
