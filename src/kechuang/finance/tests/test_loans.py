"""Risk-pool loans: the workflow with its roles, eligibility with reasons, balances from the ledger, and the
compensation split that always sums to the loss exactly."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.http import Http404

from kechuang.core.errors import ValidationFailed
from kechuang.finance import loans as L
from kechuang.finance.flows import RoleRefused
from kechuang.finance.ledger import loan_balances
from kechuang.finance.models import FlowEvent, LedgerEntry
from kechuang.finance.selectors import fund_report

from .conftest import TOWN_A, YEAR, day

pytestmark = pytest.mark.django_db


def codes(exc):
    return {e["code"] for e in exc.errors}


def test_loan_flow_from_application_to_settlement(bureau, startup, startup_clerk, bank_user, fund):
    loan = L.loan_apply(user=startup_clerk, fund=fund, enterprise=startup, bank=bank_user.bank, on=day(2),
                        data={"amount": "1000000", "term_months": 12, "purpose": "研发"})
    loan = L.loan_check(user=bureau, loan=loan, on=day(2, 3))
    loan = L.loan_assess(user=bank_user, loan=loan, on=day(2, 10))
    loan = L.loan_approve(user=bank_user, loan=loan, limit="800000", rate="3.65%", term_months=12, on=day(2, 15))
    assert (loan.approved_limit, loan.rate, loan.approved_on) == (D("800000.00"), D("0.0365"), day(2, 15))
    loan = L.loan_disburse(user=bank_user, loan=loan, on=day(2, 20))
    assert loan.maturity_date == dt.date(YEAR + 1, 2, 20) and loan_balances(loan).balance == D("800000.00")
    loan = L.loan_repay(user=bank_user, loan=loan, amount="300000", on=day(5, 20))
    with pytest.raises(ValidationFailed) as e:
        L.loan_repay(user=bank_user, loan=loan, amount="500000.01", on=day(6, 1))
    assert codes(e.value) == {"over_repaid"}
    loan = L.loan_repay(user=bank_user, loan=loan, amount="500000", on=day(8, 20))
    assert loan.status == "settled" and loan.settled_on == day(8, 20) and loan_balances(loan).balance == 0
    actions = list(FlowEvent.objects.filter(flow="loan", object_id=loan.pk).order_by("pk").values_list("action", flat=True))
    assert actions == ["apply", "check", "assess", "approve", "disburse", "repay", "repay", "settle"]
    assert fund_report(fund)["balanced"]


def test_eligibility_refusals_name_each_reason(bureau, fund, bank, make_enterprise, qualify, unlisted_bank_factory):
    old = make_enterprise(name="老企业", founded_on=dt.date(YEAR - 8, 1, 1))
    qualify(old, kind="startup", year=YEAR - 8, issue=dt.date(YEAR - 8, 6, 1), expiry=None)
    with pytest.raises(ValidationFailed) as e:
        L.loan_apply(user=bureau, fund=fund, enterprise=old, bank=bank, on=day(3), data={"amount": "1", "term_months": 6})
    assert "超过5年" in str(e.value)
    plain = make_enterprise(name="非初创企业", founded_on=dt.date(YEAR - 1, 1, 1))
    stranger = unlisted_bank_factory()
    with pytest.raises(ValidationFailed) as e:
        L.loan_apply(user=bureau, fund=fund, enterprise=plain, bank=stranger, on=day(3),
                     data={"amount": "5000000.01", "term_months": 61})
    fields = {x["field"] for x in e.value.errors}
    assert {"enterprise", "bank", "amount", "term_months"} <= fields
    assert "不是该风险池的合作银行" in str(e.value) and "创新型初创企业备案" in str(e.value)


@pytest.fixture
def unlisted_bank_factory(db):
    from kechuang.enterprises.models import Bank

    return lambda: Bank.objects.create(name="非合作银行")


def test_loan_roles_and_bank_scope(bureau, startup, startup_clerk, bank_user, bank_b_user, fund):
    loan = L.loan_apply(user=startup_clerk, fund=fund, enterprise=startup, bank=bank_user.bank, on=day(2),
                        data={"amount": "100000", "term_months": 12})
    with pytest.raises(RoleRefused):
        L.loan_check(user=bank_user, loan=loan)  # the district checks first, not the bank
    with pytest.raises(RoleRefused):
        L.loan_check(user=startup_clerk, loan=loan)
    loan = L.loan_check(user=bureau, loan=loan)
    with pytest.raises(RoleRefused):
        L.loan_assess(user=bureau, loan=loan)
    with pytest.raises(Http404):
        L.loan_assess(user=bank_b_user, loan=loan)  # another bank: the loan does not exist for it
    with pytest.raises(ValidationFailed):
        L.loan_reject(user=bureau, loan=loan, note="x")  # wrong state now
    loan = L.loan_assess(user=bank_user, loan=loan)
    with pytest.raises(RoleRefused):
        L.loan_approve(user=startup_clerk, loan=loan, limit="1", rate="0.03", term_months=1)
    with pytest.raises(ValidationFailed) as e:
        L.loan_approve(user=bank_user, loan=loan, limit="6000000", rate="0.5", term_months=0)
    assert {x["field"] for x in e.value.errors} == {"limit", "rate", "term_months"}
    L.loan_withdraw(user=startup_clerk, loan=loan, note="不再需要")
    loan.refresh_from_db()
    assert loan.status == "withdrawn"


def test_default_compensation_split_sums_exactly(bureau, startup, bank_user, fund, loan_walk):
    loan = loan_walk(fund, startup, amount="1000000", on=day(1, 10))
    L.loan_repay(user=bank_user, loan=loan, amount="666666.67", on=day(4, 10))
    with pytest.raises(ValidationFailed) as e:
        L.loan_compensate(user=bureau, loan=loan)  # the right role, but not in default
    assert codes(e.value) == {"state"}
    loan = L.loan_mark_overdue(user=bank_user, loan=loan, on=day(5, 1))
    with pytest.raises(ValidationFailed):
        L.loan_declare_default(user=bank_user, loan=loan)  # needs a reason
    loan = L.loan_declare_default(user=bureau, loan=loan, note="逾期90天", on=day(8, 1))
    with pytest.raises(RoleRefused):
        L.loan_compensate(user=bank_user, loan=loan)  # the pool pays, so the bureau decides
    loan = L.loan_compensate(user=bureau, loan=loan, on=day(9, 1))
    parts = dict(LedgerEntry.objects.filter(loan=loan, kind="loss").values_list("party", "amount"))
    # 333,333.33 × 4/10 = 133,333.332 → 133,333.33 for the city; the district (remainder party) gets 133,333.34;
    # the bank 333,333.33 × 2/10 = 66,666.666 → 66,666.66. Sum = 333,333.33 exactly.
    assert parts == {"city": D("133333.33"), "district": D("133333.34"), "bank": D("66666.66")}
    assert sum(parts.values()) == D("333333.33")
    assert loan.status == "compensated" and loan_balances(loan).balance == 0
    with pytest.raises(ValidationFailed):
        L.loan_compensate(user=bureau, loan=loan)
    assert fund_report(fund)["balanced"]


def test_remainder_goes_to_the_configured_party(bureau, startup, bank_user, bank, loan_walk):
    fund = L.fund_create(user=bureau, banks=[bank], data={"name": "另一池", "city_share": "1", "district_share": "1",
                                                          "bank_share": "1", "remainder_party": "bank",
                                                          "holder_kinds": "startup", "max_loan": "1000000"})
    loan = loan_walk(fund, startup, amount="100000", on=day(1, 10))
    L.loan_mark_overdue(user=bank_user, loan=loan)
    L.loan_declare_default(user=bank_user, loan=loan, note="违约")
    L.loan_compensate(user=bureau, loan=loan)
    parts = dict(LedgerEntry.objects.filter(loan=loan, kind="loss").values_list("party", "amount"))
    # 100,000 / 3 = 33,333.333… → 33,333.33 each, 0.01 left over → the bank
    assert parts == {"city": D("33333.33"), "district": D("33333.33"), "bank": D("33333.34")}


def test_overdue_job_marks_loans_past_maturity(startup, bank_user, fund, loan_walk):
    loan = loan_walk(fund, startup, amount="100000", term=3, on=day(1, 10))
    assert L.loans_mark_overdue_due(on=loan.maturity_date) == {"overdue": 0}
    assert L.loans_mark_overdue_due(on=loan.maturity_date + dt.timedelta(days=1)) == {"overdue": 1}
    loan.refresh_from_db()
    assert loan.status == "overdue" and FlowEvent.objects.filter(object_id=loan.pk, action="mark_overdue",
                                                                 actor_role="system").exists()
    L.loan_cure(user=bank_user, loan=loan)
    loan.refresh_from_db()
    assert loan.status == "disbursed" and loan.overdue_since is None


def test_bank_sees_only_its_loans(startup, bank_user, bank_b_user, fund, loan_walk, make_enterprise, qualify):
    from kechuang.finance.models import Loan

    mine = loan_walk(fund, startup, amount="100000", to="approved")
    other_ent = make_enterprise(town_id=TOWN_A, name="另一初创", founded_on=dt.date(YEAR - 1, 1, 1))
    qualify(other_ent, kind="startup", year=YEAR - 1, issue=dt.date(YEAR - 1, 2, 1), expiry=None)
    theirs = loan_walk(fund, other_ent, amount="100000", to="approved", bank_actor=bank_b_user)
    assert list(Loan.objects.restrict(bank_user)) == [mine]
    assert list(Loan.objects.restrict(bank_b_user)) == [theirs]
