"""The API: money as decimal strings in and out, scope (outside → 404), roles (→ 403 with the reason), refusals
(→ 422 with every reason), an idempotent multipart claim, and a ledger with no way to write to it."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.finance import vouchers as V
from kechuang.finance.models import LedgerEntry, SettlementClaim

from .conftest import YEAR

pytestmark = pytest.mark.django_db
API = "/api/finance"


def is_money_string(value) -> bool:
    return isinstance(value, str) and D(value) == D(value).quantize(D("0.01")) and "." in value


@pytest.fixture
def order(clerk_a, agency, grant):
    return V.order_create(user=clerk_a, grant=grant, agency=agency, data={"category": "testing", "service": "检测",
                                                                          "fee": "80000"})


def test_voucher_flow_over_the_api(client_as, bureau, clerk_a, ent_a, agency, agency_user, programme, qualify):
    qualify(ent_a)
    c = client_as(clerk_a)
    r = c.post(f"{API}/applications", {"programme": programme.pk, "amount": "120000.50"}, content_type="application/json")
    assert r.status_code == 201, r.content
    app = r.json()
    assert app["amount"] == "120000.50" and app["enterprise_id"] == ent_a.pk
    r = c.post(f"{API}/applications/{app['id']}/actions/approve", {}, content_type="application/json")
    assert r.status_code == 403 and "无权" in r.json()["detail"]
    c = client_as(bureau)
    r = c.post(f"{API}/applications/{app['id']}/actions/approve", {"amount": "100000"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    grant_id = c.get(f"{API}/applications/{app['id']}").json()["grant_id"]
    c = client_as(clerk_a)
    g = c.get(f"{API}/grants/{grant_id}").json()
    assert g["amount"] == "100000.00" and g["balances"]["free"] == "100000.00"
    assert all(is_money_string(v) for v in g["balances"].values())
    r = c.post(f"{API}/orders", {"grant": grant_id, "agency": agency.pk, "category": "testing", "service": "检测",
                                 "fee": "80000.00"}, content_type="application/json")
    assert r.status_code == 201, r.content
    o = r.json()
    assert (o["fee"], o["subsidy"], o["reserved"], o["paid"]) == ("80000.00", "65000.00", "65000.00", "0.00")
    c = client_as(agency_user)
    for action in ("confirm", "deliver"):
        assert c.post(f"{API}/orders/{o['id']}/actions/{action}", {}, content_type="application/json").status_code == 200
    files = {k: SimpleUploadedFile(f"{k}.pdf", b"%PDF-1.4 test " + k.encode(), content_type="application/pdf")
             for k in ("contract", "invoice", "payment", "report")}
    r = c.post(f"{API}/orders/{o['id']}/claim", {"invoice_amount": "80000", **files}, HTTP_IDEMPOTENCY_KEY="api-claim-0001")
    assert r.status_code == 201, r.content
    claim = r.json()
    assert claim["invoice_amount"] == "80000.00" and len(claim["documents"]) == 4
    assert all(len(d["sha256"]) == 64 for d in claim["documents"])
    # the same submission again (a retry): the same claim, 200, nothing new
    files = {k: SimpleUploadedFile(f"{k}.pdf", b"%PDF-1.4 again", content_type="application/pdf")
             for k in ("contract", "invoice", "payment", "report")}
    r = c.post(f"{API}/orders/{o['id']}/claim", {"invoice_amount": "80000", "idempotency_key": "api-claim-0001", **files})
    assert r.status_code == 200 and r.json()["id"] == claim["id"]
    assert SettlementClaim.objects.count() == 1
    c = client_as(bureau)
    for action in ("approve", "publish"):
        assert c.post(f"{API}/orders/{o['id']}/actions/{action}", {}, content_type="application/json").status_code == 200
    r = c.post(f"{API}/orders/{o['id']}/actions/pay", {}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "publicity"
    pub = c.get(f"{API}/publicity").json()["items"]
    assert pub[0]["amount"] == "65000.00"


def test_money_is_never_a_float(client_as, clerk_a, grant, agency):
    c = client_as(clerk_a)
    r = c.post(f"{API}/orders", {"grant": grant.pk, "agency": agency.pk, "category": "testing", "service": "x",
                                 "fee": 80000.5}, content_type="application/json")
    assert r.status_code == 422  # a JSON float is refused: amounts are decimal strings (or integers)
    r = c.post(f"{API}/orders", {"grant": grant.pk, "agency": agency.pk, "category": "testing", "service": "x",
                                 "fee": "1.001"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "fee"
    raw = c.get(f"{API}/grants/{grant.pk}").content.decode()
    assert '"amount": "100000.00"' in raw.replace('":"', '": "') or '"amount":"100000.00"' in raw


def test_every_amount_in_the_responses_is_a_decimal_string(client_as, bureau, order, walk, fund, startup, loan_walk):
    walk(order, to="paid")
    loan = loan_walk(fund, startup, amount="1234567.89")
    c = client_as(bureau)
    ln = c.get(f"{API}/loans/{loan.pk}").json()
    assert ln["balance"] == "1234567.89" and ln["approved_limit"] == "1234567.89" and ln["rate"] == "0.036500"
    entries = c.get(f"{API}/ledger").json()["items"]
    assert entries and all(is_money_string(e["amount"]) for e in entries)
    rec = c.get(f"{API}/reconciliation").json()
    assert rec["balanced"] is True
    b = rec["programmes"][0]["balances"]
    assert all(is_money_string(v) for v in b.values()), b
    assert rec["funds"][0]["balances"]["balance"] == "1234567.89"
    p = c.get(f"{API}/programmes/{order.programme_id}").json()
    assert p["budget"] == "1000000.00" and p["balances"]["settled"] == "65000.00"


def test_ledger_cannot_be_written_through_the_api(client_as, bureau, grant):
    c = client_as(bureau)
    entry = LedgerEntry.objects.first()
    for method in ("post", "put", "patch", "delete"):
        r = getattr(c, method)(f"{API}/ledger", {"kind": "grant", "amount": "1"}, content_type="application/json")
        assert r.status_code == 405, method
        r = getattr(c, method)(f"{API}/ledger/{entry.pk}", {"amount": "1"}, content_type="application/json")
        assert r.status_code in (404, 405), method
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount
    spec = c.get("/api/openapi.json").json()["paths"]
    ledger_paths = {p: m for p, m in spec.items() if "/finance/ledger" in p}
    assert ledger_paths and all(set(m) == {"get"} for m in ledger_paths.values())


def test_agency_sees_only_its_orders(client_as, order, agency_user, agency_b_user):
    assert [o["id"] for o in client_as(agency_user).get(f"{API}/orders").json()["items"]] == [order.pk]
    c = client_as(agency_b_user)
    assert c.get(f"{API}/orders").json()["items"] == []
    assert c.get(f"{API}/orders/{order.pk}").status_code == 404
    assert c.post(f"{API}/orders/{order.pk}/actions/confirm", {}, content_type="application/json").status_code == 404
    assert c.get(f"{API}/orders/{order.pk}/claims").status_code == 404
    assert c.post(f"{API}/orders/{order.pk}/claim", {"invoice_amount": "1"}).status_code == 404
    assert c.get(f"{API}/grants/{order.grant_id}").status_code == 404
    assert c.get(f"{API}/events/orders/{order.pk}").status_code == 404
    assert not [e for e in c.get(f"{API}/ledger").json()["items"] if e["order_id"] == order.pk]


def test_enterprise_sees_only_its_own(client_as, order, clerk_b, grant):
    c = client_as(clerk_b)
    app_id = grant.application_id
    for url in (f"/applications/{app_id}", f"/grants/{grant.pk}", f"/orders/{order.pk}"):
        assert c.get(API + url).status_code == 404, url
    assert c.post(f"{API}/grants/{grant.pk}/actions/cancel", {"note": "x"}, content_type="application/json").status_code == 404
    assert c.post(f"{API}/orders", {"grant": grant.pk, "agency": order.agency_id, "category": "testing", "service": "x",
                                    "fee": "1"}, content_type="application/json").status_code == 404
    assert c.get(f"{API}/applications").json()["items"] == []
    assert c.get(f"{API}/reconciliation").status_code == 404


def test_bank_sees_only_its_loans(client_as, fund, startup, loan_walk, bank_user, bank_b_user):
    loan = loan_walk(fund, startup, amount="100000", to="checked")
    assert [x["id"] for x in client_as(bank_user).get(f"{API}/loans").json()["items"]] == [loan.pk]
    c = client_as(bank_b_user)
    assert c.get(f"{API}/loans").json()["items"] == []
    assert c.get(f"{API}/loans/{loan.pk}").status_code == 404
    assert c.post(f"{API}/loans/{loan.pk}/actions/assess", {}, content_type="application/json").status_code == 404
    r = client_as(bank_user).post(f"{API}/loans/{loan.pk}/actions/approve", {"limit": "1", "rate": "0.03",
                                                                              "term_months": 6}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "state"  # must be assessed first


def test_bureau_of_another_district_sees_nothing_of_ours(client_as, other_bureau, order, fund, startup, loan_walk):
    loan = loan_walk(fund, startup, amount="100000", to="checked")
    c = client_as(other_bureau)
    for url in (f"/applications/{order.grant.application_id}", f"/grants/{order.grant_id}", f"/orders/{order.pk}",
                f"/loans/{loan.pk}", f"/programmes/{order.programme_id}/reconciliation"):
        assert c.get(API + url).status_code == 404, url
    assert c.post(f"{API}/orders/{order.pk}/actions/approve", {}, content_type="application/json").status_code == 404
    rec = c.get(f"{API}/reconciliation").json()
    assert rec["programmes"] == [] and rec["funds"] == []


def test_loan_application_and_refusal_reasons_over_the_api(client_as, startup_clerk, fund, bank, bank_b):
    c = client_as(startup_clerk)
    r = c.post(f"{API}/loans", {"fund": fund.pk, "bank": bank.pk, "amount": "6000000", "term_months": 12},
               content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "amount"
    r = c.post(f"{API}/loans", {"fund": fund.pk, "bank": bank.pk, "amount": "600000", "term_months": 12},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["amount_requested"] == "600000.00"


def test_steps_lists_the_transition_tables(client_as, bureau):
    steps = client_as(bureau).get(f"{API}/steps").json()
    pay = next(s for s in steps if s["flow"] == "order" and s["action"] == "pay")
    assert pay["roles"] == ["bureau"] and pay["from"] == "published" and pay["to"] == "paid"


def test_anonymous_gets_401(client, order):
    assert client.get(f"{API}/orders").status_code == 401
    assert client.get(f"{API}/ledger").status_code == 401


def test_programme_creation_over_the_api(client_as, bureau, clerk_a):
    body = {"year": YEAR + 1, "name": "明年方案", "budget": "2000000", "annual_cap": "100000",
            "tiers": [{"upto": "50000", "ratio": "1"}, {"upto": None, "ratio": "0.5"}],
            "holder_kinds": ["tsme"], "categories": ["testing"]}
    assert client_as(clerk_a).post(f"{API}/programmes", body, content_type="application/json").status_code == 403
    r = client_as(bureau).post(f"{API}/programmes", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["budget"] == "2000000.00"
    assert r.json()["tiers"] == [{"upto": "50000", "ratio": "1"}, {"upto": None, "ratio": "0.5"}]
    r = client_as(bureau).post(f"{API}/programmes/{r.json()['id']}/budget", {"amount": "1.005"},
                               content_type="application/json")
    assert r.status_code == 422


def test_batch_export_over_the_api(client_as, bureau, clerk_a):
    from kechuang.finance import subsidy as S

    policy = S.policy_create(user=bureau, data={"year": YEAR, "name": "贴息", "ratio": "0.5",
                                                "cap_per_enterprise": "10000"})
    batch = client_as(bureau).post(f"{API}/subsidy/policies/{policy.pk}/compute").json()
    assert batch["status"] == "draft" and batch["totals"]["awards_total"] == "0.00"
    r = client_as(bureau).get(f"{API}/subsidy/batches/{batch['id']}/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_as(clerk_a).get(f"{API}/subsidy/batches/{batch['id']}").status_code == 404
    assert client_as(clerk_a).post(f"{API}/subsidy/policies/{policy.pk}/compute").status_code == 404


def test_dates_are_iso_and_events_are_listed(client_as, bureau, order):
    events = client_as(bureau).get(f"{API}/events/orders/{order.pk}").json()
    assert events[0]["action"] == "place" and dt.date.fromisoformat(events[0]["on"])
