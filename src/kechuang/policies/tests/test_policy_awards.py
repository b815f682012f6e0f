"""Must show: a policy whose award is hand-computed for many enterprises (boundaries, rounding, the cap), the
免申即享 list and its export, and the audited award workflow in which a paid award is never paid twice."""
import io
from decimal import Decimal as D

import pytest
from python_calamine import CalamineWorkbook

from kechuang.core.errors import ValidationFailed
from kechuang.policies import selectors, services
from kechuang.policies.choices import AwardStatus
from kechuang.policies.models import PolicyAward, PolicyAwardEvent

from .conftest import OTHER_DISTRICT_TOWN, RD_POLICY, TOWN_A, TOWN_B, annual

pytestmark = pytest.mark.django_db

# 研发投入增量补助: 10 % of the growth of R&D expense 2024 over 2023, at most 500,000 yuan, rounded half-up to
# the yuan; only growth > 0 qualifies, and the enterprise must be in 鄞州区 (330212).
CASES = [
    # name,      town,   rd 2023,        rd 2024,         expected amount (None = not eligible)
    ("普通",     TOWN_A, "2000000.00",   "3234567.85",    D(123457)),  # growth 1,234,567.85 × 10% = 123,456.785 → 123,457
    ("恰好封顶", TOWN_A, "1000000.00",   "6000000.00",    D(500000)),  # growth 5,000,000.00 × 10% = 500,000.00 = cap
    ("超过封顶", TOWN_B, "1000000.00",   "9000000.00",    D(500000)),  # growth 8,000,000 × 10% = 800,000 → cap 500,000
    ("进位到顶", TOWN_B, "5.00",         "5000000.00",    D(500000)),  # growth 4,999,995.00 × 10% = 499,999.50 → 500,000
    ("舍去",     TOWN_A, "0.01",         "4999995.00",    D(499999)),  # growth 4,999,994.99 × 10% = 499,999.499 → 499,999
    ("一元",     TOWN_A, "100.00",       "105.00",        D(1)),       # growth 5.00 × 10% = 0.50 → 1 (half-up)
    ("零元",     TOWN_A, "100.00",       "104.99",        None),         # growth 4.99 × 10% = 0.499 → 0: nothing to award
    ("持平",     TOWN_A, "3000000.00",   "3000000.00",    None),         # growth 0 fails “growth > 0”
    ("下降",     TOWN_B, "3000000.00",   "2000000.00",    None),         # growth −1,000,000 fails
    ("缺上年",   TOWN_A, None,           "3000000.00",    None),         # no 2023 data: growth unknown
]


@pytest.fixture
def cases(make_enterprise):
    out = {}
    for name, town, prev, cur, expected in CASES:
        e = make_enterprise(town_id=town, name=f"宁波{name}科技有限公司")
        if prev is not None:
            annual(e, 2023, prev)
        annual(e, 2024, cur)
        out[name] = (e, expected)
    return out


def test_hand_computed_amounts_on_the_eligible_list(bureau, rd_policy, cases, make_enterprise):
    elsewhere = make_enterprise(town_id=OTHER_DISTRICT_TOWN, name="海曙某公司")  # another district: never listed
    annual(elsewhere, 2023, "0.00")
    annual(elsewhere, 2024, "1000000.00")
    rows = {r.enterprise.name: r.evaluation.amount for r in selectors.eligible_rows(user=bureau, policy=rd_policy)}
    expected = {e.name: amount for e, amount in cases.values() if amount is not None}
    assert rows == expected
    # 123,457 + 500,000 × 3 + 499,999 + 1
    assert sum(rows.values()) == D(2123457)


def test_calculator_explains_why_not(bureau, rd_policy, cases):
    e, _ = cases["缺上年"]
    [row] = selectors.calculator(user=bureau, enterprise=e)
    assert not row.evaluation.eligible
    growth = row.evaluation.conditions[1]
    assert growth.text == "2024年研发费用较2023年增长额 大于 0万元" and growth.actual_text == "无数据"
    e, _ = cases["进位到顶"]
    [row] = selectors.calculator(user=bureau, enterprise=e)
    assert row.evaluation.amount == D(500000)
    assert row.evaluation.steps == ["计算基数 4,999,995元", "4,999,995元 × 10% = 499,999.50元",
                                    "按元四舍五入 = 500,000元"]


def test_fen_rounding_policy(bureau, cases):
    data = dict(RD_POLICY, title="研发投入增量补助（按分）",
                formula={"type": "share", "base": "rd_growth", "rate": "0.1", "cap": "500000", "rounding": "fen"})
    policy = services.policy_save(user=bureau, data=data)
    rows = {r.enterprise.name: r.evaluation.amount for r in selectors.eligible_rows(user=bureau, policy=policy)}
    assert rows["宁波普通科技有限公司"] == D("123456.79")   # 123,456.785 → 123,456.79
    assert rows["宁波舍去科技有限公司"] == D("499999.50")   # 499,999.499 → 499,999.50
    assert rows["宁波零元科技有限公司"] == D("0.50")        # 0.499 → 0.50: now there is something to award


def test_town_assistant_sees_only_their_town_on_the_list_and_in_the_export(client_as, assistant_a, rd_policy, cases):
    rows = selectors.eligible_rows(user=assistant_a, policy=rd_policy)
    assert {r.enterprise.town_id for r in rows} == {TOWN_A}
    c = client_as(assistant_a)
    page = c.get(f"/policies/{rd_policy.pk}/eligible/")
    assert page.status_code == 200 and "宁波普通科技有限公司" in page.content.decode()
    assert "宁波超过封顶科技有限公司" not in page.content.decode()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(c.get(f"/policies/{rd_policy.pk}/eligible.xlsx").content))
    data = sheet.get_sheet_by_index(0).to_python()
    names = {r[1] for r in data[1:]}
    assert names == {"宁波普通科技有限公司", "宁波恰好封顶科技有限公司", "宁波舍去科技有限公司", "宁波一元科技有限公司"}
    amount_col = data[0].index("奖励金额（元）")
    assert sorted(r[amount_col] for r in data[1:]) == [1, 123457, 499999, 500000]


def test_award_workflow_is_audited_and_never_pays_twice(bureau, rd_policy, cases):
    result = services.awards_propose(user=bureau, policy=rd_policy)
    assert result["created"] == 6 and result["total"] == D(2123457)
    again = services.awards_propose(user=bureau, policy=rd_policy)
    assert again["created"] == 0 and PolicyAward.objects.filter(policy=rd_policy).count() == 6
    e, _ = cases["超过封顶"]
    award = PolicyAward.objects.get(policy=rd_policy, enterprise=e)
    assert award.amount == D("500000.00") and award.explanation["eligible"] is True
    with pytest.raises(ValidationFailed) as exc:
        services.award_transition(user=bureau, award=award, action="pay", payment_ref="P-1")
    assert exc.value.errors[0]["code"] == "bad_transition"  # must be approved first
    services.award_transition(user=bureau, award=award, action="approve")
    with pytest.raises(ValidationFailed) as exc:
        services.award_transition(user=bureau, award=award, action="pay")
    assert exc.value.errors[0]["field"] == "payment_ref"
    services.award_transition(user=bureau, award=award, action="pay", payment_ref="GK2025-0001")
    with pytest.raises(ValidationFailed) as exc:
        services.award_transition(user=bureau, award=award, action="pay", payment_ref="GK2025-0002")
    assert exc.value.errors[0]["code"] == "already_paid"
    award.refresh_from_db()
    assert award.status == AwardStatus.PAID and award.payment_ref == "GK2025-0001"
    trail = list(PolicyAwardEvent.objects.filter(award=award).values_list("action", "from_status", "to_status", "user_name"))
    assert [t[:3] for t in trail] == [("propose", "", "proposed"), ("approve", "proposed", "approved"),
                                      ("pay", "approved", "paid")]
    assert award.history.first().history_user == bureau


def test_stale_copy_cannot_pay_again(bureau, rd_policy, cases):
    services.awards_propose(user=bureau, policy=rd_policy)
    award = PolicyAward.objects.filter(policy=rd_policy).first()
    services.award_transition(user=bureau, award=award, action="approve")
    stale = PolicyAward.objects.get(pk=award.pk)  # a second clerk's copy, loaded while approved
    services.award_transition(user=bureau, award=award, action="pay", payment_ref="A")
    with pytest.raises(ValidationFailed):
        services.award_transition(user=bureau, award=stale, action="pay", payment_ref="B")
    assert PolicyAwardEvent.objects.filter(award=award, action="pay").count() == 1


def test_reject_needs_a_reason_and_can_be_reopened(bureau, rd_policy, cases):
    services.awards_propose(user=bureau, policy=rd_policy)
    award = PolicyAward.objects.filter(policy=rd_policy).first()
    with pytest.raises(ValidationFailed):
        services.award_transition(user=bureau, award=award, action="reject")
    services.award_transition(user=bureau, award=award, action="reject", note="存在失信记录")
    services.award_transition(user=bureau, award=award, action="reopen")
    award.refresh_from_db()
    assert award.status == AwardStatus.PROPOSED


def test_town_and_enterprise_cannot_move_awards(client_as, bureau, assistant_a, clerk_a, rd_policy, cases):
    services.awards_propose(user=bureau, policy=rd_policy)
    award = PolicyAward.objects.filter(policy=rd_policy, enterprise__town_id=TOWN_A).first()
    for user in (assistant_a, clerk_a):
        r = client_as(user).post(f"/api/policies/awards/{award.pk}/transition", {"action": "approve"},
                                 content_type="application/json")
        assert r.status_code == 404
    award.refresh_from_db()
    assert award.status == AwardStatus.PROPOSED
    assert client_as(assistant_a).post(f"/policies/{rd_policy.pk}/eligible/", {"action": "propose"}).status_code == 404


def test_conditions_and_formula_are_frozen_once_awards_exist(bureau, rd_policy, cases):
    services.awards_propose(user=bureau, policy=rd_policy)
    with pytest.raises(ValidationFailed) as exc:
        services.policy_save(user=bureau, policy=rd_policy, data={"formula": {"type": "fixed", "amount": "1"}})
    assert exc.value.errors[0]["code"] == "locked"
    services.policy_save(user=bureau, policy=rd_policy, data={"description": "补充说明"})  # other fields still editable
