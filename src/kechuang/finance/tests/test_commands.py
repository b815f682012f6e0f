"""Management commands: the reconciliation (exit 1 when the books do not balance), expiry, payments, any step."""
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kechuang.finance import vouchers as V
from kechuang.finance.ledger import post

from .conftest import YEAR, day

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_reconcile_prints_the_identities_and_balances(grant):
    text = run("finance_reconcile")
    assert "预算 1000000.00 = 已下达净额 100000.00 + 可用 900000.00" in text and "全部平衡" in text
    report = json.loads(run("finance_reconcile", "--json"))
    assert report["balanced"] is True and report["programmes"][0]["balances"]["granted"] == "100000.00"


def test_reconcile_fails_when_the_books_do_not_balance(grant):
    # A grant movement with no grant row behind it (something the services never do): the report must catch it.
    post("grant", grant.amount, on=day(5), region_id=grant.enterprise.town_id, programme=grant.programme)
    with pytest.raises(CommandError) as e:
        run("finance_reconcile")
    assert e.value.returncode == 1


def test_expire_command_returns_unused_grants(grant):
    text = run("finance_expire_grants", "--on", (grant.valid_until + dt.timedelta(days=1)).isoformat())
    assert "已收回 1 张" in text and "100000.00" in text
    grant.refresh_from_db()
    assert grant.status == "expired"


def test_step_command_checks_role_and_scope(clerk_a, agency, agency_user, grant, bureau):
    order = V.order_create(user=clerk_a, grant=grant, agency=agency, data={"category": "testing", "service": "x",
                                                                           "fee": "1000"})
    with pytest.raises(CommandError, match="role"):
        run("finance_step", "order", str(order.pk), "confirm", "--user", bureau.username)
    assert "完成" in run("finance_step", "order", str(order.pk), "confirm", "--user", agency_user.username)
    with pytest.raises(CommandError, match="未知步骤"):
        run("finance_step", "order", str(order.pk), "fly", "--user", bureau.username)
    with pytest.raises(CommandError, match="不在该用户的范围"):
        run("finance_step", "loan", "999999", "check", "--user", bureau.username)


def test_pay_published_command(bureau, clerk_a, agency, grant, walk):
    order = walk(V.order_create(user=clerk_a, grant=grant, agency=agency, data={"category": "testing", "service": "x",
                                                                                  "fee": "1000"}), to="published")
    with pytest.raises(CommandError):
        run("finance_pay_published")  # --user is required: payments are never made by "the system"
    text = run("finance_pay_published", "--user", bureau.username, "--on",
               (order.publicity_end + dt.timedelta(days=1)).isoformat())
    assert "已兑付 1 笔" in text


def test_programme_create_command(bureau):
    out = json.loads(run("finance_programme_create", "--year", str(YEAR + 2), "--name", "后年方案", "--budget", "300000",
                         "--cap", "50000", "--open", "--user", bureau.username))
    assert out["status"] == "open" and out["budget"] == "300000.00"
    with pytest.raises(CommandError, match="budget"):
        run("finance_programme_create", "--year", str(YEAR + 3), "--name", "x", "--budget", "abc", "--cap", "1")


def test_subsidy_batch_command_exports(bureau, tmp_path):
    from kechuang.finance import subsidy as S

    S.policy_create(user=bureau, data={"year": YEAR, "name": "贴息", "ratio": "0.5", "cap_per_enterprise": "1000"})
    target = tmp_path / "batch.xlsx"
    out = json.loads(run("finance_subsidy_batch", "--year", str(YEAR), "--user", bureau.username, "--compute",
                         "--export", str(target)))
    assert out["status"] == "draft" and target.stat().st_size > 0


def test_overdue_command(bureau, startup, fund, loan_walk):
    loan = loan_walk(fund, startup, amount="1000", term=1, on=day(1, 5))
    text = run("finance_loans_overdue", "--on", (loan.maturity_date + dt.timedelta(days=1)).isoformat())
    assert "标记逾期 1 笔" in text
