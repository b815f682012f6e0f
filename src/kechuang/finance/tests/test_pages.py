"""Pages: every role gets its desk; forms are labelled and refuse with the services' reasons; steps from the page
check the role; outside scope answers 404; the publicity page is public; money is shown exactly."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.finance import vouchers as V
from kechuang.finance.models import SettlementClaim, VoucherApplication

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def labels_match_inputs(html: str) -> bool:
    """Every visible input, select and textarea has a <label for=…> (or is inside a labelled checkbox/fieldset)."""
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
    hidden = set(re.findall(r'<input[^>]*type="hidden"[^>]*id="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    return bool(ids) and not (ids - hidden - labelled)


@pytest.fixture
def order(clerk_a, agency, grant):
    return V.order_create(user=clerk_a, grant=grant, agency=agency, data={"category": "testing", "service": "检测",
                                                                          "fee": "80000"})


def test_bureau_desk_and_pages(client_as, bureau, order, fund, startup, loan_walk):
    loan = loan_walk(fund, startup, amount="100000")
    c = client_as(bureau)
    for url in ("/finance/", "/finance/programmes/", f"/finance/programmes/{order.programme_id}/", "/finance/reconcile/",
                "/finance/applications/", "/finance/grants/", f"/finance/grants/{order.grant_id}/", "/finance/orders/",
                f"/finance/orders/{order.pk}/", "/finance/ledger/", "/finance/loans/", f"/finance/loans/{loan.pk}/",
                "/finance/subsidy/", "/finance/publicity/"):
        r = c.get(url)
        assert r.status_code == 200, url
    page = c.get(f"/finance/programmes/{order.programme_id}/").content.decode()
    assert "账实相符" in page and "5万元（含）以内100%；超出5万元部分50%" in page and "1,000,000.00" in page
    assert labels_match_inputs(c.get("/finance/programmes/").content.decode())


def test_enterprise_applies_through_the_form_and_sees_reasons(client_as, clerk_a, ent_a, programme, qualify):
    c = client_as(clerk_a)
    page = c.get("/finance/applications/").content.decode()
    assert "申请创新券" in page and labels_match_inputs(page)
    r = c.post("/finance/applications/", {"programme": programme.pk, "amount": "1000"})
    assert r.status_code == 200 and "不属于本方案的申领对象" in r.content.decode()  # not qualified yet
    qualify(ent_a)
    r = c.post("/finance/applications/", {"programme": programme.pk, "amount": "1000.5", "categories": ["testing"]})
    app = VoucherApplication.objects.get(enterprise=ent_a)
    assert r.status_code == 302 and r["Location"] == f"/finance/applications/{app.pk}/"
    assert str(app.amount) == "1000.50"


def test_bureau_applies_on_behalf_from_the_enterprise_page(client_as, bureau, clerk_a, fund, startup, bank,
                                                          other_bureau):
    """The enterprise page offers the bureau "apply for a risk-pool loan"; the form comes pre-filled and named."""
    c = client_as(bureau)
    page = c.get(f"/enterprises/{startup.pk}/").content.decode()
    assert f'href="/finance/loans/?enterprise={startup.pk}"' in page
    assert f'href="/finance/applications/?enterprise={startup.pk}"' in page
    page = c.get(f"/finance/loans/?enterprise={startup.pk}").content.decode()
    assert re.search(rf'id="id_enterprise"[^>]*value="{startup.pk}"|value="{startup.pk}"[^>]*id="id_enterprise"', page)
    assert startup.name in page and labels_match_inputs(page)
    r = c.post(f"/finance/loans/?enterprise={startup.pk}", {"fund": fund.pk, "bank": bank.pk, "enterprise": startup.pk,
                                                              "amount": "300000", "term_months": "12"})
    assert r.status_code == 302 and startup.risk_pool_loans.count() == 1
    # An enterprise's own staff are not offered the on-behalf links; an enterprise outside scope is not named.
    own = client_as(clerk_a).get(f"/enterprises/{clerk_a.enterprise_id}/").content.decode()
    assert "/finance/loans/" in own and "/finance/loans/?enterprise=" not in own
    assert startup.name not in client_as(other_bureau).get(f"/finance/loans/?enterprise={startup.pk}").content.decode()


def test_order_form_on_the_grant_page(client_as, clerk_a, agency, grant):
    c = client_as(clerk_a)
    page = c.get(f"/finance/grants/{grant.pk}/").content.decode()
    assert "使用创新券下单" in page and labels_match_inputs(page) and "100,000.00" in page
    r = c.post(f"/finance/grants/{grant.pk}/", {"agency": agency.pk, "category": "testing", "service": "检测",
                                                "fee": "200001"})
    assert r.status_code == 200 and "创新券余额不足" in r.content.decode()
    r = c.post(f"/finance/grants/{grant.pk}/", {"agency": agency.pk, "category": "testing", "service": "检测",
                                                "fee": "20000"})
    assert r.status_code == 302


def test_steps_from_pages_check_roles(client_as, bureau, agency_user, order):
    r = client_as(bureau).post(f"/finance/do/order/{order.pk}/confirm/")
    assert r.status_code == 403
    r = client_as(agency_user).post(f"/finance/do/order/{order.pk}/confirm/")
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    r = client_as(agency_user).post(f"/finance/do/order/{order.pk}/confirm/", follow=True)
    assert "不能执行“确认接单”" in r.content.decode()  # refused with the reason, shown as a message
    assert client_as(agency_user).get(f"/finance/do/order/{order.pk}/confirm/").status_code == 405


def test_agency_page_shows_step_buttons_for_its_role_only(client_as, agency_user, clerk_a, order):
    page = client_as(agency_user).get(f"/finance/orders/{order.pk}/").content.decode()
    assert "确认接单" in page and "拒绝接单" in page and "审核通过" not in page
    page = client_as(clerk_a).get(f"/finance/orders/{order.pk}/").content.decode()
    assert "确认接单" not in page and "取消订单" in page


def test_claim_form_with_files_is_idempotent(client_as, agency_user, order, walk):
    order = walk(order, to="delivered")
    c = client_as(agency_user)
    page = c.get(f"/finance/orders/{order.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and labels_match_inputs(page)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)

    def post():
        files = {k: SimpleUploadedFile(f"{k}.pdf", b"%PDF-1.4 x") for k in ("contract", "invoice", "payment", "report")}
        return c.post(f"/finance/orders/{order.pk}/", {"idempotency_key": key, "invoice_amount": "80000", **files})

    assert post().status_code == 302
    assert post().status_code == 302  # the browser resends the form: no second claim
    assert SettlementClaim.objects.filter(order=order).count() == 1
    doc = SettlementClaim.objects.get(order=order).documents.first()
    r = c.get(f"/finance/documents/{doc.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 x"


def test_outside_scope_pages_answer_404(client_as, order, agency_b_user, clerk_b, other_bureau, bank_b_user, fund,
                                        startup, loan_walk, assistant_b):
    loan = loan_walk(fund, startup, amount="100000")
    for user in (agency_b_user, clerk_b, other_bureau, bank_b_user, assistant_b):
        c = client_as(user)
        for url in (f"/finance/orders/{order.pk}/", f"/finance/grants/{order.grant_id}/",
                    f"/finance/applications/{order.grant.application_id}/", f"/finance/loans/{loan.pk}/"):
            assert c.get(url).status_code == 404, (user.username, url)
        assert c.post(f"/finance/do/order/{order.pk}/approve/").status_code == 404
    for user in (agency_b_user, clerk_b, bank_b_user, assistant_b):
        assert client_as(user).get("/finance/reconcile/").status_code == 404
        assert client_as(user).get("/finance/subsidy/").status_code == 404


def test_document_of_another_agency_is_404(client_as, agency_user, agency_b_user, order, walk):
    walk(order, to="claimed")
    doc_claim = SettlementClaim.objects.get(order=order)
    from kechuang.finance.models import ClaimDocument

    doc = ClaimDocument.objects.create(claim=doc_claim, kind="contract",
                                       file=SimpleUploadedFile("x.pdf", b"%PDF secret"), name="x.pdf")
    assert client_as(agency_b_user).get(f"/finance/documents/{doc.pk}/").status_code == 404
    assert client_as(agency_user).get(f"/finance/documents/{doc.pk}/").status_code == 200


def test_publicity_is_public(client, bureau, order, walk):
    walk(order, to="published")
    page = client.get("/finance/publicity/").content.decode()
    assert "宁波甲科技有限公司" in page and "65,000.00" in page


def test_bank_desk_lists_its_loans(client_as, bank_user, fund, startup, loan_walk):
    loan = loan_walk(fund, startup, amount="100000", to="checked")
    page = client_as(bank_user).get("/finance/").content.decode()
    assert loan.number in page
    page = client_as(bank_user).get(f"/finance/loans/{loan.pk}/").content.decode()
    assert "评估通过" in page and "不予贷款" in page and labels_match_inputs(page)


def test_batch_page_and_export(client_as, bureau):
    from kechuang.finance import subsidy as S

    policy = S.policy_create(user=bureau, data={"year": YEAR, "name": "贴息", "ratio": "0.5", "cap_per_enterprise": "1"})
    c = client_as(bureau)
    r = c.post(f"/finance/subsidy/policies/{policy.pk}/compute/")
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "四舍五入" in page and "导出报批表" in page
    batch_id = int(r["Location"].rstrip("/").rsplit("/", 1)[1])
    assert c.get(f"/finance/subsidy/batches/{batch_id}/export.xlsx").status_code == 200


def test_navigation_offers_finance_by_role(client_as, client, clerk_a, agency_user, bank_user, make_user):
    for user in (clerk_a, agency_user, bank_user):
        assert "/finance/" in client_as(user).get("/").content.decode()
    expert = make_user("expert_x", "expert")
    assert 'href="/finance/"' not in client_as(expert).get("/").content.decode()


def test_admin_is_read_only_for_finance(client_as, bureau, grant):
    from kechuang.finance.models import LedgerEntry

    entry = LedgerEntry.objects.filter(grant=grant).first()
    c = client_as(bureau)
    assert c.get("/admin/finance/ledgerentry/").status_code == 200
    assert c.get("/admin/finance/ledgerentry/add/").status_code == 403
    r = c.post(f"/admin/finance/ledgerentry/{entry.pk}/change/", {"amount": "1.00"})
    assert r.status_code == 403
    assert c.post(f"/admin/finance/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert c.post(f"/admin/finance/vouchergrant/{grant.pk}/change/", {"amount": "1.00"}).status_code == 403
    assert c.get("/admin/finance/vouchergrant/add/").status_code == 403
    grant.refresh_from_db()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount and grant.amount == 100000
