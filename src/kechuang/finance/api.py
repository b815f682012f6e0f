"""API of tech finance (mounted at /api/finance/). Money is Decimal end to end: amounts are serialised as decimal
strings ("1234.50") and accepted as strings or integers, never as binary floats. Outside scope answers 404; a role
that may not take a step answers 403 with the reason; a refused step answers 422 with every reason.

The ledger is read-only here: there is no endpoint that creates, changes or deletes a ledger entry directly.
"""
import datetime as dt
import functools
from decimal import Decimal

from django.http import Http404
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from kechuang.core.api import (AUTH_RESPONSES, COMMON_RESPONSES, WRITE_RESPONSES, ObjectId, Pagination,
                               Year, xlsx_response)
from kechuang.core.choices import Action, Role
from kechuang.core.scope import get_in_scope
from kechuang.enterprises.models import Bank, Enterprise, ServiceAgency

from . import loans as loan_services
from . import selectors, subsidy, vouchers
from .actions import MODELS, run_action
from .flows import RoleRefused, actor_role
from .ledger import exact_sums, grant_balances, loan_balances, order_reserved, programme_balances
from .models import (FlowEvent, LedgerEntry, Loan, RiskPoolFund, SettlementClaim, SubsidyAward, SubsidyBatch,
                     SubsidyLine, SubsidyPolicy, VoucherApplication, VoucherGrant, VoucherOrder, VoucherProgramme,
                     VoucherPublicity)

router = Router(tags=["finance"])
FLOW_RESPONSES = {**WRITE_RESPONSES, 403: dict}
Money = str | int  # input: decimal strings or integers (floats are refused: money is never binary)


def refusals(fn):
    """A role refusal becomes 403 with its reason (scope refusals are 404 and validation refusals 422 already)."""
    @functools.wraps(fn)
    def wrapper(request, *args, **kwargs):
        try:
            return fn(request, *args, **kwargs)
        except RoleRefused as exc:
            raise HttpError(403, exc.message) from None
    return wrapper


def _bureau_only(request):
    if actor_role(request.user) not in (Role.BUREAU, Role.AUDITOR):
        raise Http404


# ---------------------------------------------------------------------------------------------------- schemas

class ProgrammeOut(Schema):
    id: int
    year: int
    name: str
    region_id: str
    status: str
    budget: Decimal
    annual_cap: Decimal
    tiers: list[dict]
    holder_kinds: list[str]
    categories: list[str]
    valid_from: dt.date
    valid_until: dt.date
    publicity_days: int
    grant_days: int | None


class ProgrammeDetailOut(ProgrammeOut):
    balances: dict[str, Decimal]


class ProgrammeIn(Schema):
    year: int
    name: str
    budget: Money
    annual_cap: Money
    tiers: list[dict] | str
    holder_kinds: list[str] | str
    categories: list[str] | str
    region: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    publicity_days: int | None = None
    grant_days: int | None = None
    notes: str | None = None


class BudgetIn(Schema):
    amount: Money
    note: str = ""


class ApplicationOut(Schema):
    id: int
    programme_id: int
    enterprise_id: int
    enterprise_name: str
    amount: Decimal
    purpose: str
    categories: list[str]
    applied_on: dt.date
    status: str
    decided_on: dt.date | None
    decision_note: str
    grant_id: int | None

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_grant_id(obj):
        grant = getattr(obj, "grant", None) if obj.status == "approved" else None
        return grant.pk if grant else None


class ApplicationIn(Schema):
    programme: int
    amount: Money
    enterprise: int | None = None
    purpose: str = ""
    categories: list[str] | str = []


class StepIn(Schema):
    """Inputs of a workflow step; which ones a step uses is listed in GET /finance/steps."""

    note: str = ""
    amount: Money | None = None
    limit: Money | None = None
    rate: str | None = None
    term_months: int | None = None


class GrantOut(Schema):
    id: int
    number: str
    programme_id: int
    enterprise_id: int
    enterprise_name: str
    amount: Decimal
    granted_on: dt.date
    valid_until: dt.date
    status: str

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name


class GrantDetailOut(GrantOut):
    balances: dict[str, Decimal]


class OrderOut(Schema):
    id: int
    number: str
    grant_id: int
    programme_id: int
    enterprise_id: int
    enterprise_name: str
    agency_id: int
    agency_name: str
    category: str
    service: str
    fee: Decimal
    subsidy: Decimal
    approved_subsidy: Decimal | None
    status: str
    ordered_on: dt.date
    delivered_on: dt.date | None
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    paid_on: dt.date | None

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name


class OrderDetailOut(OrderOut):
    reserved: Decimal
    paid: Decimal


class OrderIn(Schema):
    grant: int
    agency: int
    category: str
    service: str
    fee: Money


class DocumentOut(Schema):
    id: int
    kind: str
    name: str
    size: int
    sha256: str
    reference: str


class ClaimOut(Schema):
    id: int
    order_id: int
    idempotency_key: str
    invoice_amount: Decimal
    status: str
    approved_amount: Decimal | None
    submitted_on: dt.date
    review_note: str
    documents: list[DocumentOut]

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.all())


class LedgerOut(Schema):
    id: int
    book: str
    kind: str
    amount: Decimal
    value_date: dt.date
    programme_id: int | None
    grant_id: int | None
    order_id: int | None
    fund_id: int | None
    loan_id: int | None
    batch_id: int | None
    party: str
    enterprise_id: int | None
    agency_id: int | None
    bank_id: int | None
    memo: str
    created_at: dt.datetime


class LedgerFilter(Schema):
    book: str | None = None
    kind: str | None = None
    programme: ObjectId | None = None
    grant: ObjectId | None = None
    order: ObjectId | None = None
    loan: ObjectId | None = None


class EventOut(Schema):
    flow: str
    object_id: int
    action: str
    from_state: str
    to_state: str
    actor_role: str
    note: str
    on: dt.date
    at: dt.datetime


class PublicityOut(Schema):
    id: int
    programme_id: int
    enterprise_name: str
    agency_name: str
    category: str
    service: str
    amount: Decimal
    start: dt.date
    end: dt.date


class FundOut(Schema):
    id: int
    name: str
    region_id: str
    city_share: Decimal
    district_share: Decimal
    bank_share: Decimal
    remainder_party: str
    holder_kinds: list[str]
    max_age_years: int | None
    max_loan: Decimal
    active: bool
    bank_ids: list[int]

    @staticmethod
    def resolve_bank_ids(obj):
        return [b.pk for b in obj.banks.all()]


class LoanOut(Schema):
    id: int
    number: str
    fund_id: int
    enterprise_id: int
    enterprise_name: str
    bank_id: int
    bank_name: str
    amount_requested: Decimal
    term_requested: int
    purpose: str
    applied_on: dt.date
    status: str
    approved_limit: Decimal | None
    rate: Decimal | None
    term_months: int | None
    approved_on: dt.date | None
    disbursed_on: dt.date | None
    maturity_date: dt.date | None
    overdue_since: dt.date | None
    defaulted_on: dt.date | None
    compensated_on: dt.date | None
    settled_on: dt.date | None

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_bank_name(obj):
        return obj.bank.name


class LoanDetailOut(LoanOut):
    disbursed: Decimal
    repaid: Decimal
    loss: Decimal
    balance: Decimal
    loss_by_party: dict[str, Decimal]


class LoanIn(Schema):
    fund: int
    bank: int
    amount: Money
    term_months: int
    enterprise: int | None = None
    purpose: str = ""


class PolicyOut(Schema):
    id: int
    year: int
    name: str
    region_id: str
    ratio: Decimal
    day_count: int
    cap_per_enterprise: Decimal
    rate_cap: Decimal | None
    batch_id: int | None

    @staticmethod
    def resolve_batch_id(obj):
        batch = SubsidyBatch.objects.filter(policy=obj).first()
        return batch.pk if batch else None


class PolicyIn(Schema):
    year: int
    name: str
    ratio: str
    cap_per_enterprise: Money
    day_count: int = 360
    rate_cap: str | None = None
    region: str | None = None


class AwardOut(Schema):
    enterprise_id: int
    enterprise_name: str
    lines_total: Decimal
    cap: Decimal
    amount: Decimal

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name


class LineOut(Schema):
    loan_id: int
    enterprise_id: int
    start: dt.date
    end: dt.date
    days: int
    principal: Decimal
    rate: Decimal
    basis: int
    ratio: Decimal
    amount: Decimal


class BatchOut(Schema):
    id: int
    policy_id: int
    year: int
    status: str
    computed_on: dt.date | None
    approved_on: dt.date | None
    paid_on: dt.date | None
    totals: dict[str, Decimal | int]
    awards: list[AwardOut]


# ---------------------------------------------------------------------------------------------------- programmes

@router.get("/programmes", response={200: list[ProgrammeOut], **AUTH_RESPONSES})
def list_programmes(request):
    """Voucher programmes the caller may see (open and closed programmes are public)."""
    return list(selectors.programmes(request.user))


@router.post("/programmes", response={201: ProgrammeOut, **FLOW_RESPONSES})
@refusals
def create_programme(request, payload: ProgrammeIn):
    p = vouchers.programme_create(user=request.user, data=payload.dict(exclude_none=True))
    return Status(201, p)


def _programme_detail(p):
    p.balances = programme_balances(p).as_dict()
    return p


@router.get("/programmes/{int:programme_id}", response={200: ProgrammeDetailOut, **COMMON_RESPONSES})
def get_programme(request, programme_id: int):
    return _programme_detail(get_in_scope(VoucherProgramme, request.user, Action.VIEW, pk=programme_id))


@router.post("/programmes/{int:programme_id}/budget", response={200: ProgrammeDetailOut, **FLOW_RESPONSES})
@refusals
def add_budget(request, programme_id: int, payload: BudgetIn):
    """Add budget: one BUDGET movement in the ledger (bureau of the programme's district)."""
    p = get_in_scope(VoucherProgramme, request.user, Action.CHANGE, pk=programme_id)
    return _programme_detail(vouchers.programme_budget_add(user=request.user, programme=p, amount=str(payload.amount),
                                                           note=payload.note))


@router.get("/programmes/{int:programme_id}/reconciliation", response={200: dict, **COMMON_RESPONSES})
def programme_reconciliation(request, programme_id: int):
    """budget = granted (net of returns) + available; granted = settled + outstanding + expired + cancelled."""
    _bureau_only(request)
    p = get_in_scope(VoucherProgramme, request.user, Action.CHANGE, pk=programme_id)
    return selectors.jsonable(selectors.programme_report(p))


@router.get("/reconciliation", response={200: dict, **COMMON_RESPONSES})
def reconciliation(request, year: Year | None = None):
    """The whole reconciliation report (programmes, risk-pool funds, subsidy batches), all from the ledger."""
    _bureau_only(request)
    return selectors.jsonable(selectors.reconciliation(request.user, year=year))


def _step(request, flow: str, object_id: int, action: str, payload: StepIn) -> dict:
    data = {k: (str(v) if v is not None else None) for k, v in payload.dict().items()}
    result = run_action(request.user, flow, object_id, action, data)
    obj = MODELS[flow].objects.get(pk=object_id)
    out = {"id": obj.pk, "status": obj.status}
    if isinstance(result, Decimal):
        out["amount"] = str(result)  # e.g. what an expiry or a cancellation returned to the budget
    elif result is not None and not isinstance(result, MODELS[flow]):
        out["created"] = {"type": type(result).__name__, "id": result.pk}  # e.g. the grant an approval issued
    return out


@router.post("/programmes/{int:programme_id}/actions/{action}", response={200: dict, **FLOW_RESPONSES})
@refusals
def programme_step(request, programme_id: int, action: str, payload: StepIn):
    """Open or close a programme (bureau of its district)."""
    return _step(request, "programme", programme_id, action, payload)


@router.post("/applications/{int:application_id}/actions/{action}", response={200: dict, **FLOW_RESPONSES})
@refusals
def application_step(request, application_id: int, action: str, payload: StepIn):
    """approve (amount), reject (note), withdraw."""
    return _step(request, "application", application_id, action, payload)


@router.post("/grants/{int:grant_id}/actions/{action}", response={200: dict, **FLOW_RESPONSES})
@refusals
def grant_step(request, grant_id: int, action: str, payload: StepIn):
    """expire (after validity), cancel (note)."""
    return _step(request, "grant", grant_id, action, payload)


@router.post("/orders/{int:order_id}/actions/{action}", response={200: dict, **FLOW_RESPONSES})
@refusals
def order_step(request, order_id: int, action: str, payload: StepIn):
    """confirm, decline, cancel, deliver (agency/holder); approve (amount), return, reject, publish, pay (bureau)."""
    return _step(request, "order", order_id, action, payload)


@router.post("/loans/{int:loan_id}/actions/{action}", response={200: dict, **FLOW_RESPONSES})
@refusals
def loan_step(request, loan_id: int, action: str, payload: StepIn):
    """check, reject (bureau); assess, decline, approve (limit, rate, term_months), disburse (amount), repay
    (amount), mark_overdue, cure (bank); declare_default (bank/bureau); compensate (bureau); withdraw (enterprise)."""
    return _step(request, "loan", loan_id, action, payload)


@router.post("/subsidy/batches/{int:batch_id}/actions/{action}", response={200: dict, **FLOW_RESPONSES})
@refusals
def batch_step(request, batch_id: int, action: str, payload: StepIn):
    """submit, return, approve, pay (bureau)."""
    return _step(request, "batch", batch_id, action, payload)


@router.get("/steps", response={200: list[dict], **AUTH_RESPONSES})
def list_steps(request):
    """Every workflow step: its flow, action, label, roles and inputs (the TRANSITIONS tables)."""
    from .actions import STEPS
    from .flows import FLOWS

    out = []
    for flow in FLOWS.values():
        for t in flow.transitions:
            step = STEPS.get((flow.name, t.action))
            out.append({"flow": flow.name, "from": t.source, "action": t.action, "to": t.target, "label": t.label,
                        "roles": sorted(t.roles), "inputs": ["note"] + [p.name for p in (step.params if step else ())]})
    return out


# ---------------------------------------------------------------------------------------------------- applications

@router.get("/applications", response={200: list[ApplicationOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_applications(request, status: str | None = None, programme: ObjectId | None = None):
    return selectors.applications(request.user, programme=programme, status=status).select_related("grant")


def _enterprise_for(request, enterprise_id: int | None) -> Enterprise:
    if enterprise_id is None:
        if request.user.enterprise_id is None:
            raise HttpError(422, "请指定企业（enterprise）")
        enterprise_id = request.user.enterprise_id
    return get_in_scope(Enterprise, request.user, Action.VIEW, pk=enterprise_id)


@router.post("/applications", response={201: ApplicationOut, **FLOW_RESPONSES})
@refusals
def create_application(request, payload: ApplicationIn):
    programme = get_in_scope(VoucherProgramme, request.user, Action.VIEW, pk=payload.programme)
    enterprise = _enterprise_for(request, payload.enterprise)
    app = vouchers.application_submit(user=request.user, programme=programme, enterprise=enterprise,
                                      data={"amount": str(payload.amount), "purpose": payload.purpose,
                                            "categories": payload.categories})
    return Status(201, app)


@router.get("/applications/{int:application_id}", response={200: ApplicationOut, **COMMON_RESPONSES})
def get_application(request, application_id: int):
    return get_in_scope(VoucherApplication.objects.select_related("enterprise"), request.user, Action.VIEW,
                        pk=application_id)


# ---------------------------------------------------------------------------------------------------- grants

@router.get("/grants", response={200: list[GrantOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_grants(request, status: str | None = None, programme: ObjectId | None = None):
    return selectors.grants(request.user, programme=programme, status=status)


@router.get("/grants/{int:grant_id}", response={200: GrantDetailOut, **COMMON_RESPONSES})
def get_grant(request, grant_id: int):
    qs = VoucherGrant.objects.select_related("enterprise", "programme")
    g = get_in_scope(qs, request.user, Action.VIEW, pk=grant_id)
    b = grant_balances(g)
    g.balances = {"granted": b.granted, "reserved": b.reserved, "settled": b.settled, "free": b.free,
                  "expired": b.expired, "cancelled": b.cancelled}
    return g


# ---------------------------------------------------------------------------------------------------- orders

@router.get("/orders", response={200: list[OrderOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_orders(request, status: str | None = None, programme: ObjectId | None = None,
                grant: ObjectId | None = None):
    """Orders in scope: an agency sees only its own orders, an enterprise only its own."""
    return selectors.orders(request.user, programme=programme, status=status, grant=grant)


@router.post("/orders", response={201: OrderDetailOut, **FLOW_RESPONSES})
@refusals
def create_order(request, payload: OrderIn):
    grant = get_in_scope(VoucherGrant, request.user, Action.VIEW, pk=payload.grant)
    agency = get_in_scope(ServiceAgency, request.user, Action.VIEW, pk=payload.agency)
    order = vouchers.order_create(user=request.user, grant=grant, agency=agency,
                                  data={"category": payload.category, "service": payload.service,
                                        "fee": str(payload.fee)})
    return Status(201, _order_detail(order))


def _order_detail(o):
    from .ledger import order_paid

    o.reserved = order_reserved(o)
    o.paid = order_paid(o)
    return o


@router.get("/orders/{int:order_id}", response={200: OrderDetailOut, **COMMON_RESPONSES})
def get_order(request, order_id: int):
    return _order_detail(get_in_scope(VoucherOrder.objects.select_related("enterprise", "agency"), request.user,
                                      Action.VIEW, pk=order_id))


@router.post("/orders/{int:order_id}/claim", response={200: ClaimOut, 201: ClaimOut, **FLOW_RESPONSES})
@refusals
def claim_order(request, order_id: int, invoice_amount: Form[str], idempotency_key: Form[str] = "",
                note: Form[str] = "",
                contract: File[UploadedFile] = None, invoice: File[UploadedFile] = None,
                payment: File[UploadedFile] = None, report: File[UploadedFile] = None,
                contract_ref: Form[str] = "", invoice_ref: Form[str] = "", payment_ref: Form[str] = "",
                report_ref: Form[str] = ""):
    """Submit the settlement claim (multipart). Each document is a file or a reference. The idempotency key (form
    field or `Idempotency-Key` header) makes a resent submission return the first claim (200) instead of a new one."""
    order = get_in_scope(VoucherOrder, request.user, Action.VIEW, pk=order_id)
    key = idempotency_key or request.headers.get("Idempotency-Key", "")
    docs = [{"kind": "contract", "file": contract, "reference": contract_ref},
            {"kind": "invoice", "file": invoice, "reference": invoice_ref},
            {"kind": "payment", "file": payment, "reference": payment_ref},
            {"kind": "report", "file": report, "reference": report_ref}]
    claim, created = vouchers.order_claim(user=request.user, order=order, idempotency_key=key,
                                          invoice_amount=invoice_amount, documents=docs, note=note)
    return Status(201 if created else 200, claim)


@router.get("/orders/{int:order_id}/claims", response={200: list[ClaimOut], **COMMON_RESPONSES})
def list_claims(request, order_id: int):
    order = get_in_scope(VoucherOrder, request.user, Action.VIEW, pk=order_id)
    return list(SettlementClaim.objects.restrict(request.user).filter(order=order).prefetch_related("documents"))


@router.get("/publicity", response={200: list[PublicityOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_publicity(request):
    """Settlements under public notice (公示)."""
    return VoucherPublicity.objects.restrict(request.user).order_by("-start", "-pk")


# ---------------------------------------------------------------------------------------------------- ledger, events

@router.get("/ledger", response={200: list[LedgerOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=100)
def list_ledger(request, filters: Query[LedgerFilter]):
    """Ledger entries in scope, newest first. Read-only: the ledger is written only by workflow steps."""
    return selectors.ledger(request.user, **filters.dict())


FLOW_NAMES = {"programmes": "programme", "applications": "application", "grants": "grant", "orders": "order",
              "loans": "loan", "batches": "batch"}


@router.get("/events/{flow}/{int:object_id}", response={200: list[EventOut], **COMMON_RESPONSES})
def list_events(request, flow: str, object_id: int):
    """The workflow history of one object in scope (flow: programmes, applications, grants, orders, loans, batches)."""
    name = FLOW_NAMES.get(flow)
    if name is None:
        raise Http404
    get_in_scope(MODELS[name], request.user, Action.VIEW, pk=object_id)
    return list(FlowEvent.objects.restrict(request.user).filter(flow=name, object_id=object_id).order_by("pk"))


# ---------------------------------------------------------------------------------------------------- risk pool

@router.get("/funds", response={200: list[FundOut], **AUTH_RESPONSES})
def list_funds(request):
    return list(RiskPoolFund.objects.restrict(request.user).prefetch_related("banks").order_by("pk"))


@router.get("/loans", response={200: list[LoanOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_loans(request, status: str | None = None):
    """Loans in scope: a bank sees only loans routed to it, an enterprise only its own."""
    return selectors.loans(request.user, status=status)


@router.post("/loans", response={201: LoanOut, **FLOW_RESPONSES})
@refusals
def create_loan(request, payload: LoanIn):
    fund = get_in_scope(RiskPoolFund, request.user, Action.VIEW, pk=payload.fund)
    bank = get_in_scope(Bank, request.user, Action.VIEW, pk=payload.bank)
    enterprise = _enterprise_for(request, payload.enterprise)
    loan = loan_services.loan_apply(user=request.user, fund=fund, enterprise=enterprise, bank=bank,
                                    data={"amount": str(payload.amount), "term_months": payload.term_months,
                                          "purpose": payload.purpose})
    return Status(201, loan)


@router.get("/loans/{int:loan_id}", response={200: LoanDetailOut, **COMMON_RESPONSES})
def get_loan(request, loan_id: int):
    ln = get_in_scope(Loan.objects.select_related("enterprise", "bank"), request.user, Action.VIEW, pk=loan_id)
    b = loan_balances(ln)
    ln.disbursed, ln.repaid, ln.loss, ln.balance = b.disbursed, b.repaid, b.loss, b.balance
    ln.loss_by_party = exact_sums(LedgerEntry.objects.filter(loan=ln, kind="loss"), "party")
    return ln


# ---------------------------------------------------------------------------------------------------- subsidy

@router.get("/subsidy/policies", response={200: list[PolicyOut], **AUTH_RESPONSES})
def list_policies(request):
    return list(SubsidyPolicy.objects.restrict(request.user).order_by("-year"))


@router.post("/subsidy/policies", response={201: PolicyOut, **FLOW_RESPONSES})
@refusals
def create_policy(request, payload: PolicyIn):
    return Status(201, subsidy.policy_create(user=request.user, data=payload.dict(exclude_none=True)))


@router.post("/subsidy/policies/{int:policy_id}/compute", response={200: BatchOut, **FLOW_RESPONSES})
@refusals
def compute_batch(request, policy_id: int):
    """(Re)compute the policy's yearly batch from the risk-pool loans (only while it is a draft)."""
    policy = get_in_scope(SubsidyPolicy, request.user, Action.VIEW, pk=policy_id)
    return _batch_out(subsidy.batch_compute(user=request.user, policy=policy), request.user)


def _batch_out(batch, user):
    batch.totals = subsidy.batch_totals(batch)
    batch.awards_list = list(SubsidyAward.objects.restrict(user).filter(batch=batch).select_related("enterprise"))
    return {"id": batch.pk, "policy_id": batch.policy_id, "year": batch.policy.year, "status": batch.status,
            "computed_on": batch.computed_on, "approved_on": batch.approved_on, "paid_on": batch.paid_on,
            "totals": batch.totals, "awards": batch.awards_list}


@router.get("/subsidy/batches/{int:batch_id}", response={200: BatchOut, **COMMON_RESPONSES})
def get_batch(request, batch_id: int):
    return _batch_out(get_in_scope(SubsidyBatch, request.user, Action.VIEW, pk=batch_id), request.user)


@router.get("/subsidy/batches/{int:batch_id}/lines", response={200: list[LineOut], **COMMON_RESPONSES})
def list_lines(request, batch_id: int):
    batch = get_in_scope(SubsidyBatch, request.user, Action.VIEW, pk=batch_id)
    lines = SubsidyLine.objects.restrict(request.user).filter(batch=batch)
    return list(lines.order_by("enterprise_id", "loan_id", "start"))


@router.get("/subsidy/batches/{int:batch_id}/export.xlsx", response={200: None, **COMMON_RESPONSES})
def export_batch(request, batch_id: int):
    """The batch as xlsx for approval (summary, lines, rounding rule); amounts are exact 2-place numbers."""
    batch = get_in_scope(SubsidyBatch, request.user, Action.VIEW, pk=batch_id)
    return xlsx_response(subsidy.batch_xlsx(batch, request.user), f"interest-subsidy-{batch.policy.year}.xlsx")
