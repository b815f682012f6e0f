"""Vouchers through the services: the whole flow on the ledger, every refusal with its reason, role checks,
expiry and cancellation returning money to the budget, the settlement idempotency key, the immutable ledger."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from kechuang.core.errors import ValidationFailed
from kechuang.finance import vouchers as V
from kechuang.finance.flows import RoleRefused
from kechuang.finance.ledger import grant_balances, order_reserved, programme_balances
from kechuang.finance.models import FlowEvent, ImmutableRecord, LedgerEntry, SettlementClaim, VoucherPublicity
from kechuang.finance.selectors import programme_report

from .conftest import DOCS, YEAR, day

pytestmark = pytest.mark.django_db


def codes(exc: ValidationFailed) -> set[str]:
    return {e["code"] for e in exc.errors}


def order_for(user, grant, agency, fee="80000", category="testing", on=None):
    return V.order_create(user=user, grant=grant, agency=agency, on=on or day(2, 10),
                          data={"category": category, "service": "产品检测", "fee": fee})


def test_full_voucher_flow_moves_money_only_through_the_ledger(bureau, clerk_a, agency, agency_user, grant, walk):
    p = grant.programme
    assert programme_balances(p).available == D("900000.00")
    order = order_for(clerk_a, grant, agency, fee="80000")
    # 5万 at 100% + 3万 at 50% = 65,000 reserved on the grant
    assert order.subsidy == D("65000.00") and grant_balances(grant).free == D("35000.00")
    order = walk(order, to="claimed", invoice="70000")
    order = V.order_approve(user=bureau, order=order, on=day(4))
    # approved on the actual fee: 50,000 + 20,000 × 0.5 = 60,000; the 5,000 difference is released to the grant
    assert order.approved_subsidy == D("60000.00") and order_reserved(order) == D("60000.00")
    assert grant_balances(grant).free == D("40000.00")
    order = V.order_publish(user=bureau, order=order, on=day(4, 2))
    assert VoucherPublicity.objects.get(order=order).amount == D("60000.00")
    with pytest.raises(ValidationFailed) as e:
        V.order_pay(user=bureau, order=order, on=day(4, 3))  # still under public notice
    assert codes(e.value) == {"publicity"}
    order = V.order_pay(user=bureau, order=order, on=day(4, 20))
    assert order.status == "paid"
    b = grant_balances(grant)
    assert (b.settled, b.reserved, b.free) == (D("60000.00"), D("0.00"), D("40000.00"))
    report = programme_report(p)
    assert report["balanced"], report["checks"]
    assert report["balances"]["settled"] == D("60000.00")
    kinds = list(LedgerEntry.objects.filter(order=order).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["reserve", "release", "pay"]
    assert [e.action for e in FlowEvent.objects.filter(flow="order", object_id=order.pk).order_by("pk")] == [
        "place", "confirm", "deliver", "claim", "approve", "publish", "pay"]


def test_settlement_submitted_twice_pays_once(bureau, clerk_a, agency, agency_user, grant, walk):
    order = walk(order_for(clerk_a, grant, agency, fee="30000"), to="delivered")
    first, created = V.order_claim(user=agency_user, order=order, idempotency_key="same-key-123",
                                   invoice_amount="30000", documents=DOCS, on=day(3, 10))
    again, created_again = V.order_claim(user=agency_user, order=order, idempotency_key="same-key-123",
                                         invoice_amount="30000", documents=DOCS, on=day(3, 10))
    assert created and not created_again and again.pk == first.pk
    assert SettlementClaim.objects.filter(order=order).count() == 1
    # a different key for an order already claimed is refused by the state machine
    with pytest.raises(ValidationFailed) as e:
        V.order_claim(user=agency_user, order=order, idempotency_key="other-key-456", invoice_amount="30000",
                      documents=DOCS, on=day(3, 10))
    assert codes(e.value) == {"state"}
    order = V.order_approve(user=bureau, order=order, on=day(3, 11))
    order = V.order_publish(user=bureau, order=order, on=day(3, 12))
    V.order_pay(user=bureau, order=order, on=day(4, 1))
    with pytest.raises(ValidationFailed):
        V.order_pay(user=bureau, order=order, on=day(4, 2))
    assert LedgerEntry.objects.filter(order=order, kind="pay").count() == 1
    assert LedgerEntry.objects.get(order=order, kind="pay").idempotency_key == f"voucher-pay:{order.pk}"


def test_payment_idempotency_key_is_unique_in_the_database(bureau, clerk_a, agency, grant, walk):
    from kechuang.finance.ledger import DuplicateMovement, post

    order = walk(order_for(clerk_a, grant, agency, fee="30000"), to="paid")
    with pytest.raises(DuplicateMovement):
        post("pay", D("1.00"), on=day(5), region_id=order.enterprise.town_id, programme=order.programme,
             grant=order.grant, order=order, key=f"voucher-pay:{order.pk}")


def test_idempotency_key_of_another_order_is_refused(clerk_a, agency, agency_user, grant, walk):
    o1 = walk(order_for(clerk_a, grant, agency, fee="10000"), to="claimed")
    o2 = walk(order_for(clerk_a, grant, agency, fee="10000"), to="delivered")
    with pytest.raises(ValidationFailed) as e:
        V.order_claim(user=agency_user, order=o2, idempotency_key=f"key-{o1.pk}-0001", invoice_amount="10000",
                      documents=DOCS)
    assert codes(e.value) == {"key_reused"}


def test_claim_needs_every_document_and_a_sane_amount(clerk_a, agency, agency_user, grant, walk):
    order = walk(order_for(clerk_a, grant, agency, fee="10000"), to="delivered")
    with pytest.raises(ValidationFailed) as e:
        V.order_claim(user=agency_user, order=order, idempotency_key="k-docs-0001", invoice_amount="20000",
                      documents=DOCS[:2])
    fields = {x["field"] for x in e.value.errors}
    assert {"payment", "report", "invoice_amount"} <= fields
    with pytest.raises(ValidationFailed) as e:
        V.order_claim(user=agency_user, order=order, idempotency_key="bad key", invoice_amount="1", documents=DOCS)
    assert codes(e.value) == {"invalid"}


def test_order_refusals_have_reasons(clerk_a, ent_a, agency, agency_b, unlisted_agency, grant):
    from kechuang.finance.models import AgencyProfile, AgencyRelation

    with pytest.raises(ValidationFailed) as e:
        order_for(clerk_a, grant, unlisted_agency)
    assert "not_listed" in codes(e.value)
    AgencyRelation.objects.create(agency=agency_b, enterprise=ent_a, kind="shareholding")
    with pytest.raises(ValidationFailed) as e:
        order_for(clerk_a, grant, agency_b)
    assert "related" in codes(e.value) and "持股" in str(e.value)
    ent_a.legal_rep = "张三"
    ent_a.save()
    AgencyProfile.objects.create(agency=agency, legal_rep="张三", categories=["testing"])
    with pytest.raises(ValidationFailed) as e:
        order_for(clerk_a, grant, agency)
    assert "同一法定代表人" in str(e.value)
    with pytest.raises(ValidationFailed) as e:
        order_for(clerk_a, grant, agency, category="transfer")  # not in the programme's categories
    assert "category" in codes(e.value)


def test_agency_registered_categories_limit_orders(clerk_a, agency, grant):
    from kechuang.finance.models import AgencyProfile

    AgencyProfile.objects.create(agency=agency, categories=["testing"])
    with pytest.raises(ValidationFailed) as e:
        order_for(clerk_a, grant, agency, category="consulting")
    assert "未登记承接" in str(e.value)
    assert order_for(clerk_a, grant, agency, category="testing").status == "placed"


def test_a_grant_is_never_over_redeemed(clerk_a, agency, grant):
    order_for(clerk_a, grant, agency, fee="80000")  # reserves 65,000 of 100,000
    with pytest.raises(ValidationFailed) as e:
        order_for(clerk_a, grant, agency, fee="40000")  # needs 40,000, only 35,000 free
    assert codes(e.value) == {"grant_exceeded"}
    assert "可用35000.00元" in e.value.errors[0]["message"]
    assert order_for(clerk_a, grant, agency, fee="35000").subsidy == D("35000.00")
    assert grant_balances(grant).free == D("0.00")


def test_budget_is_never_overspent_and_the_cap_holds(bureau, programme_factory, make_enterprise, qualify, grant_factory):
    p = programme_factory(budget="250000", cap="150000")
    e1, e2, e3 = (make_enterprise(name=f"企业{i}") for i in range(3))
    grant_factory(p, e1, "150000")
    qualify(e2)
    app = V.application_submit(user=bureau, programme=p, enterprise=e2, on=day(2), data={"amount": "120000"})
    with pytest.raises(ValidationFailed) as e:
        V.application_approve(user=bureau, application=app, on=day(2, 3))
    assert codes(e.value) == {"budget_exceeded"} and "可用100000.00元" in str(e.value)
    g = V.application_approve(user=bureau, application=app, amount="100000", on=day(2, 3))
    assert programme_balances(p).available == D("0.00") and g.amount == D("100000.00")
    # e1 already holds its annual cap: a new application is refused at once with the reason
    with pytest.raises(ValidationFailed) as e:
        V.application_submit(user=bureau, programme=p, enterprise=e1, on=day(3), data={"amount": "1000"})
    assert "cap_exceeded" in codes(e.value)
    qualify(e3)
    with pytest.raises(ValidationFailed) as e:
        V.application_submit(user=bureau, programme=p, enterprise=e3, on=day(3), data={"amount": "150001"})
    assert "cap_exceeded" in codes(e.value)


def test_holder_must_qualify(bureau, programme, ent_a, qualify):
    with pytest.raises(ValidationFailed) as e:
        V.application_submit(user=bureau, programme=programme, enterprise=ent_a, on=day(2), data={"amount": "1000"})
    assert codes(e.value) == {"not_eligible"} and "科技型中小企业" in str(e.value)
    qualify(ent_a, kind="hte")  # a qualification, but not one this programme accepts
    with pytest.raises(ValidationFailed):
        V.application_submit(user=bureau, programme=programme, enterprise=ent_a, on=day(2), data={"amount": "1000"})
    qualify(ent_a, kind="startup", year=YEAR - 1, issue=dt.date(YEAR - 1, 6, 1), expiry=None)
    assert V.application_submit(user=bureau, programme=programme, enterprise=ent_a, on=day(2),
                                data={"amount": "1000"}).status == "submitted"
    with pytest.raises(ValidationFailed) as e:  # one pending application at a time
        V.application_submit(user=bureau, programme=programme, enterprise=ent_a, on=day(2), data={"amount": "1000"})
    assert "duplicate" in codes(e.value)


def test_holder_outside_the_programme_region_is_refused(bureau, programme, make_enterprise, qualify):
    from kechuang.conftest import OTHER_DISTRICT_TOWN

    far = make_enterprise(town_id=OTHER_DISTRICT_TOWN)
    qualify(far)
    with pytest.raises(Http404):  # the home bureau does not even see it
        V.application_submit(user=bureau, programme=programme, enterprise=far, on=day(2), data={"amount": "1000"})


def test_expiry_returns_unused_grants_to_the_budget(bureau, clerk_a, agency, agency_user, grant, walk):
    p = grant.programme
    settled = walk(order_for(clerk_a, grant, agency, fee="20000"), to="paid")
    delivered = walk(order_for(clerk_a, grant, agency, fee="30000"), to="delivered")
    placed = order_for(clerk_a, grant, agency, fee="10000")
    with pytest.raises(ValidationFailed) as e:
        V.grant_expire(user=None, grant=grant, on=grant.valid_until)
    assert codes(e.value) == {"not_due"}
    returned = V.grant_expire(user=None, grant=grant, on=grant.valid_until + dt.timedelta(days=1))
    # 100,000 − 20,000 paid − 30,000 still settling; the placed order is cancelled → 50,000 returns
    assert returned == D("50000.00")
    placed.refresh_from_db()
    assert placed.status == "cancelled"
    b = programme_balances(p)
    assert b.expired == D("50000.00") and b.available == D("950000.00") and b.reserved == D("30000.00")
    # the delivered order may still settle after expiry; if it is rejected, its money goes straight back too
    delivered = walk(delivered, to="claimed", start=grant.valid_until + dt.timedelta(days=2))
    V.order_reject(user=bureau, order=delivered, note="材料不实", on=grant.valid_until + dt.timedelta(days=5))
    b = programme_balances(p)
    assert b.expired == D("80000.00") and b.outstanding == D("0.00") and b.settled == settled.approved_subsidy
    assert programme_report(p)["balanced"]


def test_cancellation_returns_the_rest_and_is_refused_while_settling(bureau, clerk_a, agency, grant, walk):
    o = walk(order_for(clerk_a, grant, agency, fee="20000"), to="delivered")
    with pytest.raises(ValidationFailed) as e:
        V.grant_cancel(user=clerk_a, grant=grant)
    assert codes(e.value) == {"settling"}
    with pytest.raises(ValidationFailed) as e:
        V.grant_cancel(user=bureau, grant=grant)  # the bureau must give a reason
    assert "required" in codes(e.value)
    walk(o, to="paid", start=day(3, 10))
    returned = V.grant_cancel(user=bureau, grant=grant, note="企业迁出本区")
    assert returned == D("80000.00")  # 100,000 − 20,000 paid
    b = programme_balances(grant.programme)
    assert b.cancelled == D("80000.00") and b.outstanding == D("0.00")
    assert programme_report(grant.programme)["balanced"]


def test_holder_gives_up_a_grant(bureau, programme, ent_b, clerk_b, agency, grant_factory):
    g = grant_factory(programme, ent_b, "50000")
    o = order_for(clerk_b, g, agency, fee="10000")
    returned = V.grant_cancel(user=clerk_b, grant=g, note="不再需要")
    o.refresh_from_db()
    assert returned == D("50000.00") and o.status == "cancelled"
    assert programme_balances(programme).cancelled == D("50000.00")
    # a cancelled grant frees the holder's cap again
    app = V.application_submit(user=clerk_b, programme=programme, enterprise=ent_b, data={"amount": "200000"})
    assert app.status == "submitted"
    assert programme_report(programme)["balanced"]


@pytest.mark.parametrize("who, action", [
    ("clerk_a", "approve"), ("agency_user", "approve"), ("assistant_a", "approve"),
])
def test_only_the_bureau_approves_applications(request, bureau, programme, ent_a, qualify, who, action):
    qualify(ent_a)
    app = V.application_submit(user=bureau, programme=programme, enterprise=ent_a, data={"amount": "1000"})
    user = request.getfixturevalue(who)
    with pytest.raises((RoleRefused, Http404)):
        V.application_approve(user=user, application=app)
    app.refresh_from_db()
    assert app.status == "submitted" and not LedgerEntry.objects.filter(kind="grant").exists()


def test_order_steps_check_roles(bureau, clerk_a, agency, agency_user, agency_b_user, grant, walk):
    order = order_for(clerk_a, grant, agency, fee="10000")
    with pytest.raises(RoleRefused):
        V.order_confirm(user=clerk_a, order=order)  # only the agency confirms
    with pytest.raises(RoleRefused):
        V.order_confirm(user=bureau, order=order)
    with pytest.raises(Http404):
        V.order_confirm(user=agency_b_user, order=order)  # another agency: the order does not exist for it
    order = walk(order, to="claimed")
    with pytest.raises(RoleRefused):
        V.order_approve(user=agency_user, order=order)  # an agency never approves its own claim
    with pytest.raises(RoleRefused):
        V.order_approve(user=clerk_a, order=order)
    order = V.order_approve(user=bureau, order=order)
    order = V.order_publish(user=bureau, order=order)
    with pytest.raises(RoleRefused):
        V.order_pay(user=agency_user, order=order, on=dt.date.today() + dt.timedelta(days=30))
    assert not LedgerEntry.objects.filter(order=order, kind="pay").exists()


def test_wrong_state_is_refused_with_the_state_named(bureau, clerk_a, agency, agency_user, grant):
    order = order_for(clerk_a, grant, agency, fee="10000")
    with pytest.raises(ValidationFailed) as e:
        V.order_deliver(user=agency_user, order=order)
    assert codes(e.value) == {"state"} and "待机构确认" in e.value.errors[0]["message"]
    with pytest.raises(ValidationFailed):
        V.order_pay(user=bureau, order=order)


def test_decline_releases_the_reservation(clerk_a, agency, agency_user, grant):
    order = order_for(clerk_a, grant, agency, fee="10000")
    with pytest.raises(ValidationFailed):
        V.order_decline(user=agency_user, order=order)  # a reason is required
    V.order_decline(user=agency_user, order=order, note="超出资质范围")
    assert grant_balances(grant).free == D("100000.00")


def test_return_for_correction_then_resubmit(bureau, clerk_a, agency, agency_user, grant, walk):
    order = walk(order_for(clerk_a, grant, agency, fee="10000"), to="claimed")
    order = V.order_return(user=bureau, order=order, note="发票不清晰")
    assert order.status == "delivered"
    claim, created = V.order_claim(user=agency_user, order=order, idempotency_key="second-try-001",
                                   invoice_amount="10000", documents=DOCS)
    assert created and SettlementClaim.objects.filter(order=order).count() == 2
    assert order.claims.get(idempotency_key=f"key-{order.pk}-0001").status == "returned"


def test_approved_amount_cannot_exceed_the_tiered_fee(bureau, clerk_a, agency, grant, walk):
    order = walk(order_for(clerk_a, grant, agency, fee="80000"), to="claimed", invoice="60000")
    with pytest.raises(ValidationFailed):
        V.order_approve(user=bureau, order=order, amount="55000.01")  # 50,000 + 10,000 × 0.5 = 55,000
    assert V.order_approve(user=bureau, order=order, amount="54000").approved_subsidy == D("54000.00")


def test_budget_top_up_is_a_ledger_movement(bureau, programme):
    V.programme_budget_add(user=bureau, programme=programme, amount="500000", note="追加")
    programme.refresh_from_db()
    assert programme.budget == D("1500000.00") and programme_balances(programme).budget == D("1500000.00")
    assert programme_report(programme)["balanced"]
    with pytest.raises(ValidationFailed):
        V.programme_budget_add(user=bureau, programme=programme, amount="0.001")


def test_programme_rules_are_validated(bureau):
    with pytest.raises(ValidationFailed) as e:
        V.programme_create(user=bureau, data={"year": YEAR + 1, "name": "x", "budget": "-1", "annual_cap": "0",
                                              "tiers": "abc", "holder_kinds": "tsme,unicorn", "categories": ""})
    fields = {x["field"] for x in e.value.errors}
    assert {"budget", "annual_cap", "tiers", "holder_kinds", "categories"} <= fields


def test_only_the_bureau_creates_programmes(clerk_a, agency_user):
    for user in (clerk_a, agency_user):
        with pytest.raises(PermissionDenied):
            V.programme_create(user=user, data={"year": YEAR, "name": "x", "budget": "1", "annual_cap": "1",
                                                "tiers": ":1", "holder_kinds": "tsme", "categories": "testing"})


def test_ledger_rows_are_immutable(grant):
    entry = LedgerEntry.objects.filter(grant=grant).first()
    entry.amount = D("1.00")
    with pytest.raises(ImmutableRecord):
        entry.save()
    with pytest.raises(ImmutableRecord):
        entry.delete()
    with pytest.raises(ImmutableRecord):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("2.00"))
    with pytest.raises(ImmutableRecord):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ImmutableRecord):
        FlowEvent.objects.all().delete()


def test_database_refuses_raw_updates_of_the_ledger(grant):
    from django.db import DatabaseError, transaction

    entry = LedgerEntry.objects.filter(grant=grant).first()
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE finance_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("DELETE FROM finance_ledgerentry WHERE id = %s", [entry.pk])


def test_grant_days_shorten_validity(bureau, programme_factory, ent_a, grant_factory):
    p = programme_factory(grant_days=90)
    g = grant_factory(p, ent_a, "10000", on=day(2, 1))
    assert g.valid_until == day(2, 3) + dt.timedelta(days=89)
