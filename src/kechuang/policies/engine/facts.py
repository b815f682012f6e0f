"""The fixed catalogue of facts a policy condition or formula may use, and how they are computed.

Facts are computed for one enterprise relative to a policy's *data year* Y (the fiscal year whose figures
count, usually the year before the policy year) and its *reference date* D (the day on which qualifications
must be valid). The Django side gathers plain data into a profile (see `compute_facts`); everything here is
plain Python so that the arithmetic is tested without a database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .industry import section_of
from .values import full_years

# Qualification kinds as stored by kechuang.enterprises (QualificationKind); a test keeps the two in step.
QUALIFICATION_KINDS = {
    "startup": "创新型初创企业备案",
    "tsme": "科技型中小企业",
    "pool": "高新技术企业培育库",
    "hte": "高新技术企业",
    "ip_demo": "知识产权示范企业",
    "ip_advantage": "知识产权优势企业",
}
LEVEL_RANK = {"national": 4, "provincial": 3, "municipal": 2, "district": 1}


@dataclass(frozen=True)
class FactSpec:
    """One fact: its key, a Chinese label (with {Y} for the data year and {P} for the year before), its type."""

    key: str
    label: str
    type: str  # money | int | year | ratio | bool | code | codes
    help: str = ""

    def label_for(self, year: int | None = None) -> str:
        if year is None:
            return self.label.replace("{Y}年", "数据年度").replace("{P}年", "上一年度")
        return self.label.replace("{Y}", str(year)).replace("{P}", str(year - 1))


FACT_LIST = [
    FactSpec("district", "所属区县代码", "code", "6位行政区划代码，如 330212（鄞州区）"),
    FactSpec("town", "所属镇街代码", "code", "9位镇街代码"),
    FactSpec("industry", "国民经济行业代码", "code", "GB/T 4754-2017 数字代码，可按前缀匹配，如 39（计算机、通信和其他电子设备制造业）；门类请用 industry_section"),
    FactSpec("industry_section", "国民经济行业门类", "code", "A–T，如 C=制造业、I=信息传输软件和信息技术服务业、M=科学研究和技术服务业"),
    FactSpec("domain", "高新技术领域代码", "code", "《国家重点支持的高新技术领域》代码"),
    FactSpec("above_size", "规上企业", "bool"),
    FactSpec("age_years", "成立年限（至判定日，整年）", "int"),
    FactSpec("staff", "{Y}年职工总数", "int", "取自企业年度数据"),
    FactSpec("staff_tech", "{Y}年科技人员数", "int"),
    FactSpec("sales", "{Y}年销售收入", "money"),
    FactSpec("hitech_income", "{Y}年高新技术产品（服务）收入", "money"),
    FactSpec("rd_expense", "{Y}年研发费用", "money"),
    FactSpec("rd_expense_prev", "{P}年研发费用", "money"),
    FactSpec("rd_growth", "{Y}年研发费用较{P}年增长额", "money", "两年研发费用之差，可为负；缺任一年数据时为空"),
    FactSpec("rd_growth_rate", "{Y}年研发费用较{P}年增长率", "ratio", "增长额 ÷ 上年研发费用；上年为0或缺数据时为空"),
    FactSpec("rd_ratio", "{Y}年研发费用占销售收入比例", "ratio", "销售收入为0或缺数据时为空"),
    FactSpec("qualifications", "判定日有效资质", "codes", "判定日有效（未撤销、在有效期内）的资质类型"),
    FactSpec("startup_first_year", "首次创新型初创企业备案年度", "year"),
    FactSpec("tsme_first_year", "首次入库科技型中小企业年度", "year"),
    FactSpec("pool_first_year", "首次入选高企培育库年度", "year"),
    FactSpec("hte_first_year", "首次认定高新技术企业年度", "year", "最早一张（未撤销的）高企证书的发证年度"),
    FactSpec("rd_institution_rank", "已备案研发机构最高级别", "int", "4=国家级，3=省级，2=市级，1=区级，0=无"),
    FactSpec("ip_class_i", "判定日有效Ⅰ类知识产权数", "int"),
]
FACTS: dict[str, FactSpec] = {f.key: f for f in FACT_LIST}
MONEY_FACTS = [f.key for f in FACT_LIST if f.type == "money"]


def _money(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def compute_facts(profile: dict[str, Any], *, year: int, on: dt.date) -> dict[str, Any]:
    """Every fact of the catalogue for one enterprise; a fact without data is None (conditions then fail).

    `profile` holds: town, industry, domain (codes or None), above_size, founded_on, annual {year: {staff_total,
    staff_tech, sales, hitech_income, rd_expense}}, qualifications [{kind, year, issue_date, expiry_date, status}],
    rd_levels [level codes of filed R&D institutions], ip_class_i_valid (count valid on `on`).
    """
    annual = profile.get("annual") or {}
    cur = annual.get(year)
    prev = annual.get(year - 1)
    town = profile.get("town") or None
    facts: dict[str, Any] = {
        "district": town[:6] if town else None,
        "town": town,
        "industry": profile.get("industry") or None,
        "industry_section": section_of(profile.get("industry")),
        "domain": profile.get("domain") or None,
        "above_size": bool(profile.get("above_size")),
        "age_years": full_years(profile["founded_on"], on) if profile.get("founded_on") else None,
        "staff": cur.get("staff_total") if cur else None,
        "staff_tech": cur.get("staff_tech") if cur else None,
        "sales": _money(cur.get("sales")) if cur else None,
        "hitech_income": _money(cur.get("hitech_income")) if cur else None,
        "rd_expense": _money(cur.get("rd_expense")) if cur else None,
        "rd_expense_prev": _money(prev.get("rd_expense")) if prev else None,
    }
    rd, rd_prev, sales = facts["rd_expense"], facts["rd_expense_prev"], facts["sales"]
    facts["rd_growth"] = rd - rd_prev if rd is not None and rd_prev is not None else None
    facts["rd_growth_rate"] = (Fraction(facts["rd_growth"]) / Fraction(rd_prev)
                               if facts["rd_growth"] is not None and rd_prev else None)
    facts["rd_ratio"] = Fraction(rd) / Fraction(sales) if rd is not None and sales else None

    valid: set[str] = set()
    first: dict[str, int] = {}
    for q in profile.get("qualifications") or ():
        if q.get("status") == "revoked":
            continue
        kind = q["kind"]
        first[kind] = min(first.get(kind, q["year"]), q["year"])
        expiry = q.get("expiry_date")
        if q["issue_date"] <= on and (expiry is None or on <= expiry):
            valid.add(kind)
    facts["qualifications"] = frozenset(valid)
    for kind in ("startup", "tsme", "pool", "hte"):
        facts[f"{kind}_first_year"] = first.get(kind)
    facts["rd_institution_rank"] = max((LEVEL_RANK.get(lv, 0) for lv in profile.get("rd_levels") or ()), default=0)
    facts["ip_class_i"] = int(profile.get("ip_class_i_valid") or 0)
    return facts
