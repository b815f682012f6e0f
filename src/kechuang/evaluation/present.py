"""Display of engine results: each condition's value, threshold, comparator and clause, in the active language.

Formatting only (rounding half-up for display, percentages, 万元); every pass/fail comes from the engine.
The rule-set labels carry a Chinese and an English text; the English one is shown when English is active.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .engine.numbers import Ratio, pct, pct_of, strip, wan

COMPARATORS = {">=": "≥", ">": ">", "<=": "≤", "==": "="}

# How each condition's value reads: "days", "ratio", "points", "persons", "wan", "date" or "bool" (the default).
UNITS = {
    "hte": {"C1": "days", "C4": "ratio", "C5a": "ratio", "C5b": "ratio", "C6": "ratio", "C7": "points"},
    "tsme": {"C2a": "persons", "C2b": "wan", "C2c": "wan", "C5": "points"},
    "startup": {"S1": "date", "S3b": "ratio"},
}


def english() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def pick(zh: str, en: str) -> str:
    return en if english() and en else zh


def _fmt(value: Any, unit: str, threshold: Any = None) -> str:
    if value is None:
        return _("无法计算")
    if isinstance(value, bool) or unit == "bool":
        return _("是") if value else _("否")
    if unit == "ratio":
        if isinstance(value, Ratio):
            return pct_of(value, threshold if isinstance(threshold, Decimal) else None)
        return pct(Decimal(value))
    if unit == "days":
        return _("%(n)s天") % {"n": value}
    if unit == "points":
        return _("%(n)s分") % {"n": value}
    if unit == "persons":
        return _("%(n)s人") % {"n": strip(Decimal(value))}
    if unit == "wan":
        return _("%(n)s万元") % {"n": wan(Decimal(value))}
    if unit == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def condition_rows(kind: str, conditions: dict) -> list[dict[str, Any]]:
    """One row per condition (engine `Condition` objects), ready for a table."""
    units = UNITS[kind]
    rows = []
    for code, c in conditions.items():
        unit = units.get(code, "bool")
        rows.append({
            "code": code,
            "label": pick(c.label, c.label_en),
            "clause": c.clause,
            "value": _fmt(c.value, unit, c.threshold),
            "threshold": _fmt(c.threshold, unit),
            "comparator": COMPARATORS.get(c.comparator, c.comparator),
            "passed": c.passed,
            "detail": _detail(kind, code, c),
        })
    return rows


def _detail(kind: str, code: str, c) -> str:
    """The numbers behind a condition, in words."""
    d = c.detail or {}
    if kind == "hte":
        if code == "C1":
            return _("最早可申请日期：%(d)s") % {"d": d["earliest_application_date"].isoformat()}
        if code == "C2":
            return _("有效知识产权 %(n)s 项") % {"n": d.get("ip_count", 0)}
        if code == "C4":
            return _("科技人员 %(t)s 人 / 职工总数 %(s)s 人") % {"t": strip(d["staff_tech"]), "s": strip(d["staff_total"])}
        if code == "C5a":
            years = "、".join(str(y) for y in d.get("years", []))
            return _("%(years)s 年研发费用合计 %(rd)s 万元 / 销售收入合计 %(sales)s 万元；最近一年销售收入 %(latest)s 万元，"
                     "适用 %(t)s 标准") % {"years": years, "rd": wan(d["total_rd"]), "sales": wan(d["total_sales"]),
                                          "latest": wan(d["latest_sales"]), "t": pct(c.threshold)}
        if code == "C5b":
            return _("境内研发费用 %(d)s 万元 / 研发费用 %(t)s 万元") % {"d": wan(d["total_rd_domestic"]),
                                                                    "t": wan(d["total_rd"])}
        if code == "C6":
            return _("高新技术产品（服务）收入 %(h)s 万元 / 总收入 %(i)s 万元") % {"h": wan(d["hitech_income"]),
                                                                            "i": wan(d["income"])}
        if code == "C7":
            return _("保守得分 %(lo)s 分，乐观得分 %(hi)s 分，须高于 %(t)s 分") % {
                "lo": c.value, "hi": d.get("score_max"), "t": c.threshold}
    if kind == "tsme" and code == "C5":
        return _("科技人员指标 %(p)s 分") % {"p": d.get("tech_staff_points")} + (
            _("；符合直接认定条件") if d.get("bypassed_by_direct_route") else "")
    return ""


def hte_score_rows(scores) -> list[dict[str, Any]]:
    """The innovation score by indicator and sub-item, each as a [min, max] range with its band."""
    def row(label: str, p, level: int = 0, note: str = "") -> dict[str, Any]:
        return {"label": label, "min": p.min, "max": p.max, "band": p.band or "", "expert": p.expert,
                "level": level, "note": note}

    rate = lambda r: pct_of(r) if r is not None else _("无法计算")  # noqa: E731
    t = scores.transformation
    count = t.extra.get("count")
    return [
        row(_("一、知识产权（≤30）"), scores.ip),
        row(_("技术先进程度"), scores.advancement, 1),
        row(_("对主要产品（服务）的核心支持作用"), scores.core_support, 1),
        row(_("知识产权数量"), scores.quantity, 1, _("Ⅰ类 %(i)s 项，可计入Ⅱ类 %(ii)s 项") % {
            "i": scores.quantity.extra.get("class_i", 0), "ii": scores.quantity.extra.get("class_ii", 0)}),
        row(_("知识产权获得方式"), scores.acquisition, 1),
        row(_("参与标准制定（加分）"), scores.standards_bonus, 1),
        row(_("二、科技成果转化能力（≤30）"), t, 0,
            _("未填报") if count is None else _("近%(y)s年 %(n)s 项") % {"y": t.extra.get("years"), "n": count}),
        row(_("三、研究开发组织管理水平（≤20）"), scores.rd_org),
        row(_("四、企业成长性（≤20）"), scores.growth),
        row(_("净资产增长率"), scores.net_assets, 1, rate(scores.net_assets.extra.get("rate"))),
        row(_("销售收入增长率"), scores.sales, 1, rate(scores.sales.extra.get("rate"))),
        row(_("合计"), scores.total),
    ]


def tsme_score_rows(result) -> list[dict[str, Any]]:
    """The three tech-SME indicators with the ratio, band and points; both R&D options are shown."""
    s = result.scores
    ratio = lambda r: pct_of(r) if r is not None else "—"  # noqa: E731
    used = s.rd_option_used
    return [
        {"label": _("科技人员占比"), "ratio": ratio(s.tech_ratio), "band": s.tech_band, "points": s.tech_staff},
        {"label": _("研发费用占销售收入总额（指标1）") + (_("（采用）") if used == 1 else ""),
         "ratio": ratio(s.rd_sales_ratio), "band": s.rd_sales_band.band, "points": s.rd_sales_band.lo},
        {"label": _("研发费用占成本费用支出总额（指标2）") + (_("（采用）") if used == 2 else ""),
         "ratio": ratio(s.rd_cost_ratio), "band": s.rd_cost_band.band, "points": s.rd_cost_band.lo},
        {"label": _("科技成果（知识产权）"), "ratio": "", "band": s.ip_band, "points": s.ip},
    ]


def flag_rows(flags) -> list[dict[str, str]]:
    return [{"code": f.code, "reason": f.reason, "text": pick(f.message_zh, f.message_en)} for f in flags]


def gap_rows(gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for g in gaps:
        alts = [pick(a.get("message_zh", ""), a.get("message_en", "")) for a in g.get("alternatives") or []]
        out.append({"code": g["code"], "label": g.get("label", ""), "text": pick(g["message_zh"], g["message_en"]),
                    "alternatives": alts})
    return out


VERDICT_CLASS = {"qualified": "ok", "borderline": "warn", "not_qualified": "bad", "no_data": ""}
