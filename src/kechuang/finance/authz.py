"""Authorisation matrix rules for the finance pages and API (see kechuang/authz.py).

The world gets finance objects that belong to enterprise A in town A: a grant with a placed order, a delivered
order and a claimed one (with an uploaded document), a clean second grant, a disbursed loan at the matrix bank, a
computed subsidy batch; and a pending application of enterprise B. Agencies see only their orders, banks only their
loans, enterprises only their own records, the bureau its district; outside scope is 404; a role that sees an object
but may not take a step gets 403 with the reason.
"""
import datetime as dt

from kechuang.authz import LOGIN, UNAUTH, Route, everyone

SIGNED_IN = ("bureau", "other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert", "agency", "bank")
ALL_200 = {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}}
PAGES_200 = {"anonymous": LOGIN, **{r: 200 for r in SIGNED_IN}}
OWN_ENT = {"bureau": 200, "town_a": 200, "enterprise_a": 200}   # enterprise A's record, seen by its bureau and town
REFS = {f"{k}_ref": f"{k.upper()}-001" for k in ("contract", "invoice", "payment", "report")}


def world(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kechuang.enterprises.models import Qualification

    from . import loans, subsidy, vouchers

    today = dt.date.today()
    bureau, agency_user, bank_user = w.users["bureau"], w.users["agency"], w.users["bank"]
    for ent in (w.ent_a, w.ent_b):
        Qualification.objects.create(enterprise=ent, kind="tsme", year=today.year, issue_date=dt.date(today.year, 1, 1),
                                     expiry_date=dt.date(today.year + 1, 3, 31))
    p = vouchers.programme_create(user=bureau, data={
        "year": today.year, "name": "矩阵创新券", "budget": "1000000", "annual_cap": "200000", "tiers": "50000:1\n:0.5",
        "holder_kinds": "tsme", "categories": "testing,consulting"}, on=dt.date(today.year, 1, 1))
    p = vouchers.programme_open(user=bureau, programme=p, on=dt.date(today.year, 1, 1))
    grant = vouchers.application_approve(user=bureau, application=vouchers.application_submit(
        user=bureau, programme=p, enterprise=w.ent_a, data={"amount": "100000"}))
    w.fin_programme, w.fin_grant = p, grant
    w.fin_grant_clean = vouchers.application_approve(user=bureau, application=vouchers.application_submit(
        user=bureau, programme=p, enterprise=w.ent_a, data={"amount": "50000"}))
    w.fin_app_b = vouchers.application_submit(user=bureau, programme=p, enterprise=w.ent_b, data={"amount": "20000"})

    def order(fee):
        return vouchers.order_create(user=bureau, grant=grant, agency=w.agency,
                                     data={"category": "testing", "service": "矩阵检测", "fee": fee})

    w.fin_order = order("10000")
    delivered = vouchers.order_confirm(user=agency_user, order=order("12000"))
    w.fin_delivered = vouchers.order_deliver(user=agency_user, order=delivered)
    claimed = vouchers.order_deliver(user=agency_user, order=vouchers.order_confirm(user=agency_user, order=order("9000")))
    claim, _ = vouchers.order_claim(user=agency_user, order=claimed, idempotency_key="matrix-claim-0001",
                                    invoice_amount="9000", documents=[
                                        {"kind": "contract", "file": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 matrix")},
                                        {"kind": "invoice", "reference": "INV-1"}, {"kind": "payment", "reference": "PAY-1"},
                                        {"kind": "report", "reference": "REP-1"}])
    w.fin_document = claim.documents.get(kind="contract")

    fund = loans.fund_create(user=bureau, banks=[w.bank], data={"name": "矩阵风险池", "holder_kinds": "tsme",
                                                                  "max_age_years": "", "max_loan": "5000000"})
    w.fin_fund = fund
    start = max(dt.date(today.year, 1, 2), today - dt.timedelta(days=30))
    loan = loans.loan_apply(user=bureau, fund=fund, enterprise=w.ent_a, bank=w.bank, on=start,
                            data={"amount": "300000", "term_months": 12})
    loan = loans.loan_check(user=bureau, loan=loan, on=start)
    loan = loans.loan_assess(user=bank_user, loan=loan, on=start)
    loan = loans.loan_approve(user=bank_user, loan=loan, limit="300000", rate="0.0365", term_months=12, on=start)
    w.fin_loan = loans.loan_disburse(user=bank_user, loan=loan, on=start)
    w.fin_policy = subsidy.policy_create(user=bureau, data={"year": today.year, "name": "矩阵贴息", "ratio": "0.5",
                                                            "cap_per_enterprise": "30000"})
    w.fin_batch = subsidy.batch_compute(user=bureau, policy=w.fin_policy)


def _api(path):
    return f"/api/finance{path}"


ROUTES = [
    # ---- pages
    Route("finance:index", PAGES_200),
    Route("finance:programmes", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200},
          note="the bureau's desk; another district's bureau sees its own (empty) list"),
    Route("finance:programme", PAGES_200, params=lambda w: {"pk": w.fin_programme.pk},
          note="an open programme (its rules) is a public listing; its reconciliation shows only to its bureau"),
    Route("POST finance:programme_expire_due", {"anonymous": LOGIN, "bureau": 302},
          params=lambda w: {"pk": w.fin_programme.pk}),
    Route("finance:reconcile", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200}),
    Route("finance:applications", PAGES_200),
    Route("finance:application", {"anonymous": LOGIN, **OWN_ENT}, params=lambda w: {"pk": w.fin_grant.application_id}),
    Route("finance:grants", PAGES_200),
    Route("finance:grant", {"anonymous": LOGIN, **OWN_ENT}, params=lambda w: {"pk": w.fin_grant.pk}),
    Route("finance:orders", PAGES_200),
    Route("finance:order", {"anonymous": LOGIN, **OWN_ENT, "agency": 200}, params=lambda w: {"pk": w.fin_order.pk}),
    Route("finance:document", {"anonymous": LOGIN, **OWN_ENT, "agency": 200}, params=lambda w: {"pk": w.fin_document.pk}),
    Route("finance:publicity", everyone(200)),
    Route("finance:ledger", PAGES_200),
    Route("finance:loans", PAGES_200),
    Route("finance:loan", {"anonymous": LOGIN, **OWN_ENT, "bank": 200}, params=lambda w: {"pk": w.fin_loan.pk}),
    Route("finance:subsidy", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200}),
    Route("POST finance:subsidy_compute", {"anonymous": LOGIN, "bureau": 302}, params=lambda w: {"pk": w.fin_policy.pk}),
    Route("finance:batch", {"anonymous": LOGIN, "bureau": 200}, params=lambda w: {"pk": w.fin_batch.pk}),
    Route("finance:batch_export", {"anonymous": LOGIN, "bureau": 200}, params=lambda w: {"pk": w.fin_batch.pk}),
    Route("POST finance:step", {"anonymous": LOGIN, "agency": 302, "bureau": 403, "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"flow": "order", "pk": w.fin_order.pk, "action": "confirm"},
          note="only the order's agency confirms; others who see the order get 403, the rest 404"),

    # ---- API: programmes and reconciliation
    Route("GET /api/finance/programmes", ALL_200),
    Route("POST /api/finance/programmes", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 201}, default=403,
          data=lambda w: {"year": 2031, "name": "新方案", "budget": "1000", "annual_cap": "100", "tiers": ":1",
                          "holder_kinds": ["tsme"], "categories": ["testing"]},
          note="a bureau creates programmes for its own district; other roles are refused with the reason"),
    Route("GET /api/finance/programmes/{programme_id}", ALL_200, params=lambda w: {"programme_id": w.fin_programme.pk}),
    Route("POST /api/finance/programmes/{programme_id}/budget", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"programme_id": w.fin_programme.pk}, data=lambda w: {"amount": "1000"}),
    Route("POST /api/finance/programmes/{programme_id}/actions/{action}", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"programme_id": w.fin_programme.pk, "action": "close"}),
    Route("GET /api/finance/programmes/{programme_id}/reconciliation", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"programme_id": w.fin_programme.pk}),
    Route("GET /api/finance/reconciliation", {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200}),
    Route("GET /api/finance/steps", ALL_200),

    # ---- API: applications, grants, orders, claims
    Route("GET /api/finance/applications", ALL_200),
    Route("POST /api/finance/applications", {"anonymous": UNAUTH, "bureau": 201, "enterprise_a": 201, "town_a": 403},
          data=lambda w: {"programme": w.fin_programme.pk, "enterprise": w.ent_a.pk, "amount": "1000"}),
    Route("GET /api/finance/applications/{application_id}", {"anonymous": UNAUTH, **OWN_ENT},
          params=lambda w: {"application_id": w.fin_grant.application_id}),
    Route("POST /api/finance/applications/{application_id}/actions/{action}",
          {"anonymous": UNAUTH, "bureau": 200, "town_b": 403, "enterprise_b": 403},
          params=lambda w: {"application_id": w.fin_app_b.pk, "action": "approve"},
          note="enterprise B's pending application: only the bureau approves"),
    Route("GET /api/finance/grants", ALL_200),
    Route("GET /api/finance/grants/{grant_id}", {"anonymous": UNAUTH, **OWN_ENT}, params=lambda w: {"grant_id": w.fin_grant.pk}),
    Route("POST /api/finance/grants/{grant_id}/actions/{action}",
          {"anonymous": UNAUTH, "bureau": 200, "enterprise_a": 200, "town_a": 403},
          params=lambda w: {"grant_id": w.fin_grant_clean.pk, "action": "cancel"}, data=lambda w: {"note": "放弃"}),
    Route("GET /api/finance/orders", ALL_200),
    Route("POST /api/finance/orders", {"anonymous": UNAUTH, "bureau": 201, "enterprise_a": 201, "town_a": 403},
          data=lambda w: {"grant": w.fin_grant_clean.pk, "agency": w.agency.pk, "category": "testing",
                          "service": "检测", "fee": "10000"}),
    Route("GET /api/finance/orders/{order_id}", {"anonymous": UNAUTH, **OWN_ENT, "agency": 200},
          params=lambda w: {"order_id": w.fin_order.pk}),
    Route("POST /api/finance/orders/{order_id}/actions/{action}",
          {"anonymous": UNAUTH, "agency": 200, "bureau": 403, "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"order_id": w.fin_order.pk, "action": "confirm"}),
    Route("POST /api/finance/orders/{order_id}/claim",
          {"anonymous": UNAUTH, "agency": 201, "enterprise_a": 201, "bureau": 403, "town_a": 403},
          params=lambda w: {"order_id": w.fin_delivered.pk}, json=False,
          data=lambda w: {"invoice_amount": "12000", "idempotency_key": "matrix-claim-0002", **REFS}),
    Route("GET /api/finance/orders/{order_id}/claims", {"anonymous": UNAUTH, **OWN_ENT, "agency": 200},
          params=lambda w: {"order_id": w.fin_order.pk}),
    Route("GET /api/finance/publicity", ALL_200),
    Route("GET /api/finance/ledger", ALL_200, note="each role gets only its own entries"),
    Route("GET /api/finance/events/{flow}/{object_id}", {"anonymous": UNAUTH, **OWN_ENT, "agency": 200},
          params=lambda w: {"flow": "orders", "object_id": w.fin_order.pk}),

    # ---- API: risk pool
    Route("GET /api/finance/funds", ALL_200),
    Route("GET /api/finance/loans", ALL_200),
    Route("POST /api/finance/loans", {"anonymous": UNAUTH, "bureau": 201, "enterprise_a": 201, "town_a": 403},
          data=lambda w: {"fund": w.fin_fund.pk, "bank": w.bank.pk, "enterprise": w.ent_a.pk, "amount": "100000",
                          "term_months": 6}),
    Route("GET /api/finance/loans/{loan_id}", {"anonymous": UNAUTH, **OWN_ENT, "bank": 200},
          params=lambda w: {"loan_id": w.fin_loan.pk}),
    Route("POST /api/finance/loans/{loan_id}/actions/{action}",
          {"anonymous": UNAUTH, "bank": 200, "bureau": 403, "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"loan_id": w.fin_loan.pk, "action": "repay"}, data=lambda w: {"amount": "1000"},
          note="only the loan's bank records repayments"),

    # ---- API: interest subsidy
    Route("GET /api/finance/subsidy/policies", ALL_200),
    Route("POST /api/finance/subsidy/policies", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 201}, default=403,
          data=lambda w: {"year": 2031, "name": "贴息", "ratio": "0.5", "cap_per_enterprise": "1000"}),
    Route("POST /api/finance/subsidy/policies/{policy_id}/compute", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"policy_id": w.fin_policy.pk}),
    Route("GET /api/finance/subsidy/batches/{batch_id}", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"batch_id": w.fin_batch.pk}),
    Route("GET /api/finance/subsidy/batches/{batch_id}/lines", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"batch_id": w.fin_batch.pk}),
    Route("GET /api/finance/subsidy/batches/{batch_id}/export.xlsx", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"batch_id": w.fin_batch.pk}),
    Route("POST /api/finance/subsidy/batches/{batch_id}/actions/{action}", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"batch_id": w.fin_batch.pk, "action": "submit"}),
]
