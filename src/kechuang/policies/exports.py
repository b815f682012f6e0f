"""Spreadsheets for approval: a policy's 免申即享 list and award lists (xlsx via core.exporting)."""
from __future__ import annotations

from decimal import Decimal

from kechuang.core.exporting import write_xlsx

from .choices import AwardStatus
from .engine import FACTS


def _shown_facts(policy) -> list[str]:
    """The facts a policy's conditions and formula use, in the order they appear (columns of the sheet)."""
    keys: list[str] = []
    for c in policy.conditions:
        if c["field"] not in keys:
            keys.append(c["field"])
    base = policy.formula.get("base")
    if base and base not in keys:
        keys.append(base)
    return keys


def _cell(value):
    if isinstance(value, (set, frozenset)):
        return "、".join(sorted(value))
    if hasattr(value, "numerator") and not isinstance(value, (int, bool)):
        from .engine.values import round_fraction

        return round_fraction(value, 6)
    return value


def eligible_xlsx(policy, rows) -> bytes:
    """One row per eligible enterprise: identity, the facts the policy uses, the amount (yuan) and award status."""
    keys = _shown_facts(policy)
    header = ["序号", "企业名称", "统一社会信用代码", "所属镇街"] + [
        FACTS[k].label_for(policy.data_year) + ("（元）" if FACTS[k].type == "money" else "") for k in keys] + [
        "奖励金额（元）", "计算过程", "奖励状态"]
    body = []
    for i, r in enumerate(rows, start=1):
        body.append([i, r.enterprise.name, r.enterprise.uscc, r.enterprise.town.name]
                    + [_cell(r.facts.get(k)) for k in keys]
                    + [r.evaluation.amount, "；".join(r.evaluation.steps),
                       AwardStatus(r.award.status).label if r.award else "未生成"])
    info = [("政策名称", policy.title), ("发文字号", policy.doc_number), ("数据年度", policy.data_year),
            ("资格判定日", policy.reference_date), ("符合条件企业数", len(rows)),
            ("奖励金额合计（元）", sum((r.evaluation.amount for r in rows), Decimal("0.00")))]
    return write_xlsx([("免申即享名单", header, body), ("政策信息", ["项目", "内容"], info)])


def awards_xlsx(awards) -> bytes:
    header = ["政策", "企业名称", "统一社会信用代码", "所属镇街", "奖励金额（元）", "状态", "拨付凭证号", "拨付日期", "备注"]
    body = [[a.policy.title, a.enterprise.name, a.enterprise.uscc, a.enterprise.town.name, a.amount,
             AwardStatus(a.status).label, a.payment_ref, a.paid_on, a.note] for a in awards]
    return write_xlsx([("政策奖励", header, body)])
