"""Gap analysis: for each failing condition, what would make it pass, in numbers, in Chinese and English."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from itertools import product
from typing import Any

from . import hte as hte_mod
from . import tsme as tsme_mod
from .numbers import CENT, Ratio, ceil_int, ceil_to, exact, pct, pct_of, strip, wan, yuan
from .profiles import HteProfile, IpItem, TsmeProfile
from .results import jsonable
from .rulesets import RuleSet

YEARS_ZH = {1: "最近一年", 2: "近两年", 3: "近三年"}
# Show the "cross into the next sales band" alternative only when the sales needed are within this share of the
# latest year's sales; beyond that it is not a realistic lever.
BAND_CROSSING_REACH = Decimal("0.20")


def _gap(cond, message_zh: str, message_en: str, needed: dict[str, Any] | None = None, **extra) -> dict[str, Any]:
    threshold = cond.threshold if isinstance(cond.threshold, Decimal) else None
    out = {
        "code": cond.code,
        "label": cond.label,
        "value": jsonable(cond.value, threshold),
        "threshold": jsonable(cond.threshold),
        "needed": jsonable(needed) if needed else None,
        "message_zh": message_zh,
        "message_en": message_en,
    }
    out.update({k: jsonable(v) for k, v in extra.items()})
    return out


def hires_needed(tech: Decimal, total: Decimal, ratio: Decimal) -> int:
    """Fewest new technology staff k with (tech + k) / (total + k) ≥ ratio (new hires add to both counts)."""
    if Ratio(tech, total).ge(ratio):
        return 0
    return ceil_int((Fraction(ratio) * Fraction(total) - Fraction(tech)) / (1 - Fraction(ratio)))


def added_share_needed(part: Decimal, whole: Decimal, ratio: Decimal) -> Decimal:
    """Least x (万元, rounded up to 0.01) with (part + x) / (whole + x) ≥ ratio: an addition that grows both."""
    if whole > 0 and Ratio(part, whole).ge(ratio):
        return Decimal(0)
    x = ceil_to((Fraction(ratio) * Fraction(whole) - Fraction(part)) / (1 - Fraction(ratio)), CENT)
    return x if whole + x > 0 else CENT  # from an empty whole, any addition makes the share 100%


def numerator_needed(part: Decimal, whole: Decimal, ratio: Decimal) -> Decimal:
    """Least x (万元, rounded up to 0.01) with (part + x) / whole ≥ ratio: the denominator stays."""
    return max(Decimal(0), ceil_to(Fraction(ratio) * Fraction(whole) - Fraction(part), CENT))


# ---------------------------------------------------------------------------------------------------------------
# HTE


@exact
def hte_gaps(profile: HteProfile, result: hte_mod.HteResult | None = None,
             ruleset: RuleSet | None = None) -> list[dict[str, Any]]:
    """What would make a failing HTE profile pass: one entry per failing condition (empty when qualified)."""
    result = result or hte_mod.evaluate_hte(profile, ruleset)
    r = hte_mod.rules(result.ruleset)
    failed = set(result.failed_conditions)
    out = []
    for code in result.failed_conditions:
        cond = result.conditions[code]
        out.append(_HTE_GAPS[code](profile, result, r, cond, failed))
    return out


def _hte_c1(p: HteProfile, res, r, cond, failed):
    short = r.min_days - cond.value
    earliest = cond.detail["earliest_application_date"]
    return _gap(
        cond,
        f"注册成立{cond.value}天，不满{r.min_days}天：还需{short}天，{earliest.isoformat()}起可申请认定",
        f"Registered {cond.value} days before applying, under {r.min_days}: {short} more days; "
        f"eligible from {earliest.isoformat()}",
        {"days": short, "earliest_application_date": earliest},
    )


def _hte_c2(p: HteProfile, res, r, cond, failed):
    return _gap(
        cond,
        "尚未拥有对主要产品（服务）在技术上发挥核心支持作用的知识产权所有权：需通过自主研发、受让、受赠、并购等方式"
        "取得至少1项（仅获许可使用不计）",
        "Owns no IP supporting the main products: acquire at least 1 item by own development, transfer, gift or "
        "merger (a licence does not count)",
        {"ip_items": 1},
    )


def _hte_c3(p: HteProfile, res, r, cond, failed):
    return _gap(
        cond,
        "主要产品（服务）的核心技术不属于《国家重点支持的高新技术领域》：需调整主营方向或重新界定所属技术领域",
        "The core technology is outside the state-supported high-tech domains: the main business or its domain "
        "mapping must change",
    )


def _hte_c4(p: HteProfile, res, r, cond, failed):
    k = hires_needed(p.staff_tech, p.staff_total, r.tech_ratio)
    return _gap(
        cond,
        f"科技人员占比 {pct_of(cond.value, r.tech_ratio)}，低于 {pct(r.tech_ratio)}：需再增加 {k} 名科技人员"
        "（新增人员同时计入职工总数）",
        f"Technology staff {pct_of(cond.value, r.tech_ratio)}, below {pct(r.tech_ratio)}: "
        f"{k} more technology staff needed (new hires also count in total staff)",
        {"tech_staff": k},
    )


def _hte_c5a(p: HteProfile, res, r, cond, failed):
    years, sales, rd, domestic = hte_mod.rd_window(p, r)
    n = len(years)
    threshold = cond.threshold
    latest = p.fiscal_years[-1].sales
    if sales == 0:
        return _gap(cond, f"{YEARS_ZH[n]}销售收入为0，研发费用占比无法计算：需有销售收入",
                    "No sales over the period: the R&D ratio cannot be computed", None)
    x = numerator_needed(rd, sales, threshold)
    needed: dict[str, Any] = {"rd_expense": x, "latest_sales": latest, "band_threshold": threshold}
    zh = (f"研发费用占比 {pct_of(cond.value, threshold)}，低于 {pct(threshold)}：{YEARS_ZH[n]}还需增加研发费用 "
          f"{wan(x)}万元（按最近一年销售收入 {wan(latest)}万元适用 {pct(threshold)} 标准；研发费用不影响销售收入档次）")
    en = (f"R&D expense ratio {pct_of(cond.value, threshold)}, below {pct(threshold)}: R&D expense over the last "
          f"{n} fiscal year(s) must rise by {yuan(x)} (the {pct(threshold)} threshold applies at the latest "
          f"year's sales of {yuan(latest)}; more R&D does not change the sales band)")
    if "C5b" in failed:
        both = max(x, added_share_needed(domestic, rd, r.domestic_ratio))
        needed["domestic_rd_for_c5a_and_c5b"] = both
        zh += f"；新增部分应为境内研发费用，同时满足境内占比共需增加 {wan(both)}万元"
        en += f"; the addition should be domestic R&D: {yuan(both)} satisfies both C5a and C5b"
    alternatives = []
    _, edge = r.rd_threshold(latest)
    if edge is not None:
        # Crossing into the next sales band lowers the threshold but the extra sales also enlarge the denominator.
        delta = edge - latest + CENT
        if delta <= BAND_CROSSING_REACH * latest:
            lower, _ = r.rd_threshold(edge + CENT)
            x2 = numerator_needed(rd, sales + delta, lower)
            alternatives.append({
                "latest_sales_increase": delta, "band_threshold": lower, "rd_expense": x2,
                "message_zh": f"若最近一年销售收入超过 {wan(edge)}万元（需增加 {wan(delta)}万元），"
                              f"适用 {pct(lower)} 标准，"
                              + (f"研发费用还需增加 {wan(x2)}万元" if x2 > 0 else "现有研发费用即可满足"),
                "message_en": f"With latest-year sales above {yuan(edge)} ({yuan(delta)} more) the {pct(lower)} "
                              "threshold applies: "
                              + (f"{yuan(x2)} more R&D needed" if x2 > 0 else "current R&D suffices"),
            })
    return _gap(cond, zh, en, needed, alternatives=alternatives)


def _hte_c5b(p: HteProfile, res, r, cond, failed):
    _, _, rd, domestic = hte_mod.rd_window(p, r)
    if rd == 0:
        return _gap(cond, "没有研发费用，境内研发费用占比无法计算",
                    "No R&D expense: the domestic share cannot be computed")
    x = added_share_needed(domestic, rd, r.domestic_ratio)
    return _gap(
        cond,
        f"境内研发费用占比 {pct_of(cond.value, r.domestic_ratio)}，低于 {pct(r.domestic_ratio)}：还需增加境内研发费用 "
        f"{wan(x)}万元",
        f"Domestic R&D share {pct_of(cond.value, r.domestic_ratio)}, below {pct(r.domestic_ratio)}: "
        f"{yuan(x)} more R&D expense in China needed",
        {"domestic_rd_expense": x},
    )


def _hte_c6(p: HteProfile, res, r, cond, failed):
    ly = p.latest_year
    t = r.hitech_ratio
    if ly.income == 0:
        return _gap(cond, "最近一年总收入为0，高新技术产品（服务）收入占比无法计算",
                    "Total income is 0: the high-tech income share cannot be computed")
    new = added_share_needed(ly.hitech_income, ly.income, t)
    moved = numerator_needed(ly.hitech_income, ly.income, t)
    return _gap(
        cond,
        f"高新技术产品（服务）收入占比 {pct_of(cond.value, t)}，低于 {pct(t)}："
        "最近一年还需新增高新技术产品（服务）收入 "
        f"{wan(new)}万元（若由现有收入归集，需 {wan(moved)}万元）",
        f"High-tech income share {pct_of(cond.value, t)}, below {pct(t)}: {yuan(new)} more high-tech income "
        f"needed in the latest year ({yuan(moved)} if reclassified from existing income)",
        {"new_hitech_income": new, "reclassified_income": moved},
    )


def _hte_c7(p: HteProfile, res, r, cond, failed):
    target = r.pass_above + 1
    s = res.scores
    levers = _hte_levers(p, r, s)
    short_min = target - s.total.min
    short_max = max(0, target - s.total.max)
    zh_levers = "；".join(f"{lv['action_zh']}（{_gain_zh(lv)}）" for lv in levers) or "无可测算的提升项"
    en_levers = "; ".join(f"{lv['action_en']} ({_gain_en(lv)})" for lv in levers) or "no computable lever"
    return _gap(
        cond,
        f"创新能力评价保守得分 {s.total.min}分（最高 {s.total.max}分），须高于 {r.pass_above}分："
        f"保守口径还差 {short_min}分。"
        f"可提升：{zh_levers}",
        f"Innovation score {s.total.min} (at best {s.total.max}) must exceed {r.pass_above}: {short_min} points short "
        f"on the conservative count. Levers: {en_levers}",
        {"points_conservative": short_min, "points_optimistic": short_max},
        levers=levers,
    )


def _gain_zh(lever) -> str:
    lo, hi = lever["gain_min"], lever["gain_max"]
    return f"保守分+{lo}" + (f"，最高分+{hi}" if hi != lo else "")


def _gain_en(lever) -> str:
    lo, hi = lever["gain_min"], lever["gain_max"]
    return f"+{lo} conservative" + (f", +{hi} at best" if hi != lo else "")


def _hte_levers(p: HteProfile, r, s) -> list[dict[str, Any]]:
    """Score items that could be raised, each with its gain on the conservative and the best total."""
    levers = []

    def rescored(profile: HteProfile, action_zh: str, action_en: str, **needed) -> None:
        new = hte_mod.score(profile, r).total
        gain_min, gain_max = new.min - s.total.min, new.max - s.total.max
        if gain_min > 0 or gain_max > 0:
            levers.append({"item": needed.pop("item"), "action_zh": action_zh, "action_en": action_en,
                           "needed": needed, "gain_min": gain_min, "gain_max": gain_max})

    n1, n2, _ = hte_mod.counted_ip(p)
    free_quantity = replace(p.expert, ip_quantity_points=None)
    if n1 == 0:
        rescored(replace(p, ip=p.ip + (IpItem("I", "self"),), expert=free_quantity),
                 "新增1项自主研发的Ⅰ类知识产权（如发明专利）",
                 "add 1 self-developed class I IP (e.g. an invention patent)",
                 item="ip_quantity", class_i=1)
        nxt = next((q for q in reversed(r.quantity) if q.min_class_ii is not None and q.min_class_ii > n2), None)
        if nxt is not None:
            k = nxt.min_class_ii - n2
            rescored(replace(p, ip=p.ip + (IpItem("II", "self"),) * k, expert=free_quantity),
                     f"新增{k}项未使用过的Ⅱ类知识产权（数量达到{nxt.band}档）",
                     f"add {k} unused class II IP (quantity band {nxt.band})", item="ip_quantity", class_ii=k)
    years = s.transformation.extra["years"]
    current = s.transformation.band
    bands = r.transformation
    idx = next(i for i, b in enumerate(bands) if b.band == current)
    if idx > 0:
        nxt = bands[idx - 1]
        k = ceil_int(Fraction(nxt.min) * years) - p.transformations
        rescored(replace(p, transformations=p.transformations + k,
                         expert=replace(p.expert, transformation_points=None)),
                 f"科技成果转化年均达到{strip(nxt.min)}项（再增加{k}项）",
                 f"yearly average of transformations at {strip(nxt.min)} ({k} more)", item="transformation",
                 transformations=k)
    ex = p.expert
    expert_items = (
        ("advancement", "技术先进程度（专家评价）", "technical advancement (expert)", s.advancement, r.advancement[1]),
        ("core_support", "核心支持作用（专家评价）", "core support (expert)", s.core_support, r.core_support[1]),
        ("standards_bonus", "参与制定标准加分", "standards bonus", s.standards_bonus, r.standards_bonus[1]),
    )
    for field, zh, en, pts, top in expert_items:
        if n1 + n2 == 0 and field != "standards_bonus":
            continue  # judged on the counted IP: raising it needs IP first
        if pts.min < top:
            rescored(replace(p, expert=replace(ex, **{field: top})), f"{zh}达到{top}分", f"{en} at {top}",
                     item=field)
    if s.rd_org.min < sum(r.rd_org_max):
        rescored(replace(p, expert=replace(ex, rd_org=tuple(r.rd_org_max))),
                 "完善研发组织管理（研发制度与辅助账、研发机构与产学研合作、成果转化激励、人才培养与激励）",
                 "strengthen R&D organisation (rules and accounts, R&D unit, transfer incentives, talent)",
                 item="rd_org")
    levers.sort(key=lambda lv: (-lv["gain_min"], -lv["gain_max"]))
    return levers


def _hte_c8(p: HteProfile, res, r, cond, failed):
    return _gap(
        cond,
        "申请认定前一年内发生过重大安全、重大质量事故或严重环境违法行为：须满一年后再申请",
        "A major safety or quality accident or a serious environmental violation within the year before applying: "
        "wait until a full year has passed",
    )


_HTE_GAPS = {"C1": _hte_c1, "C2": _hte_c2, "C3": _hte_c3, "C4": _hte_c4, "C5a": _hte_c5a, "C5b": _hte_c5b,
             "C6": _hte_c6, "C7": _hte_c7, "C8": _hte_c8}


# ---------------------------------------------------------------------------------------------------------------
# Tech SME


@exact
def tsme_gaps(profile: TsmeProfile, result: tsme_mod.TsmeResult | None = None,
              ruleset: RuleSet | None = None) -> list[dict[str, Any]]:
    """What would make a failing tech-SME profile pass: one entry per failing condition (empty when qualified)."""
    result = result or tsme_mod.evaluate_tsme(profile, ruleset)
    r = tsme_mod.rules(result.ruleset)
    out = []
    for code in result.failed_conditions:
        cond = result.conditions[code]
        if code == "C1":
            missing = [k for k, v in cond.detail.items() if not v]
            out.append(_gap(cond, f"不符合居民企业等主体条件（{'、'.join(missing)}）",
                            f"Entity requirements not met ({', '.join(missing)})", {"requirements": missing}))
        elif code in ("C2a", "C2b", "C2c"):
            excess = cond.value - cond.threshold
            unit_zh, unit_en = ("人", "staff") if code == "C2a" else ("万元", "(10k yuan)")
            what = {"C2a": ("职工总数", "Total staff"), "C2b": ("年销售收入", "Annual sales"),
                    "C2c": ("资产总额", "Total assets")}[code]
            out.append(_gap(
                cond,
                f"{what[0]} {strip(cond.value)}{unit_zh}，超过上限 {strip(cond.threshold)}{unit_zh}"
                f"（超出 {strip(excess)}{unit_zh}）："
                "不符合科技型中小企业规模标准",
                f"{what[1]} {strip(cond.value)} {unit_en} exceeds the limit {strip(cond.threshold)} "
                f"by {strip(excess)}: "
                "outside the tech-SME size limits",
                {"excess": excess},
            ))
        elif code == "C3":
            out.append(_gap(cond, "所在行业属于限制类、淘汰类或不适用研发费用加计扣除的行业，不能参评",
                            "The industry is restricted, obsolete or excluded from the R&D super-deduction"))
        elif code == "C4":
            out.append(_gap(cond, "上一会计年度及当年存在重大事故、严重违法失信或被列入经营异常名录等情形，不能参评",
                            "A major accident, serious violation or blacklisting in the last or current year"))
        elif code == "C5":
            out.append(_tsme_score_gap(profile, result, r, cond))
    return out


def _tsme_options(p: TsmeProfile, r, s):
    """Per indicator, the reachable bands at or above the current score, with what each needs."""
    tech = []
    for band in reversed(r.tech_staff):
        if band.lo >= s.tech_staff and band.min is not None:
            k = hires_needed(p.staff_tech, p.staff_total, band.min)
            tech.append((band.lo, {"tech_staff": k, "exceeds_staff_limit": p.staff_total + k > r.max_staff}
                         if k else {}))
        elif band.lo == s.tech_staff:
            tech.append((band.lo, {}))
    rd = []
    for points in sorted({b.lo for b in r.rd_sales} | {b.lo for b in r.rd_cost}):
        if points < s.rd:
            continue
        if points == s.rd:
            rd.append((points, {}))
            continue
        need: dict[str, Any] = {}
        b1 = next((b for b in r.rd_sales if b.lo == points and b.min is not None), None)
        b2 = next((b for b in r.rd_cost if b.lo == points and b.min is not None), None)
        if b1 is not None and p.sales > 0:
            need["rd_expense_option_1"] = numerator_needed(p.rd_expense, p.sales, b1.min)
        if b2 is not None:
            # R&D expense is part of the cost-and-expense total, so an addition grows both.
            need["rd_expense_option_2"] = added_share_needed(p.rd_expense, p.cost_expense_total, b2.min)
        if need:
            need["rd_expense"] = min(need.values())
            rd.append((points, need))
    ip = []
    for band in reversed(r.ip):
        if band.points < s.ip:
            continue
        if band.points == s.ip:
            ip.append((band.points, {}))
        elif band.min_class_i is not None:
            ip.append((band.points, {"class_i": band.min_class_i - p.ip_class_i}))
        elif band.min_class_ii is not None and p.ip_class_i == 0:
            ip.append((band.points, {"class_ii": band.min_class_ii - p.ip_class_ii}))
    return tech, rd, ip


def _tsme_score_gap(p: TsmeProfile, res, r, cond):
    """Smallest combinations of indicator improvements that reach the pass mark with a non-zero tech score."""
    s = res.scores
    tech, rd, ip = _tsme_options(p, r, s)
    passing = [
        (t, d, i) for t, d, i in product(tech, rd, ip)
        if t[0] + d[0] + i[0] >= r.min_total and t[0] != 0
    ]
    # Keep the combinations no other passing combination undercuts on every indicator.
    minimal = [c for c in passing
               if not any(o != c and all(o[k][0] <= c[k][0] for k in range(3)) for o in passing)]
    minimal.sort(key=lambda c: (sum(1 for part in c if part[1]), sum(part[0] for part in c)))
    plans = []
    for t, d, i in minimal[:6]:
        steps_zh, steps_en, needed = [], [], {}
        if t[1]:
            steps_zh.append(f"科技人员指标提升至{t[0]}分（需新增科技人员 {t[1]['tech_staff']} 名）")
            steps_en.append(f"technology staff to {t[0]} points ({t[1]['tech_staff']} more technology staff)")
            needed.update(t[1])
        if d[1]:
            x = d[1]["rd_expense"]
            by_cost = x != d[1].get("rd_expense_option_1")
            basis_zh = "按研发费用占成本费用支出总额" if by_cost else "按研发费用占销售收入"
            basis_en = "over the cost-and-expense total" if by_cost else "over sales"
            steps_zh.append(f"研发投入指标提升至{d[0]}分（{basis_zh}，需增加研发费用 {wan(x)}万元）")
            steps_en.append(f"R&D to {d[0]} points ({yuan(x)} more R&D expense, ratio {basis_en})")
            needed.update(d[1])
        if i[1]:
            what_zh = f"{i[1]['class_i']}项Ⅰ类" if "class_i" in i[1] else f"{i[1]['class_ii']}项Ⅱ类"
            what_en = (f"{i[1]['class_i']} more class I" if "class_i" in i[1]
                       else f"{i[1]['class_ii']} more class II")
            steps_zh.append(f"科技成果指标提升至{i[0]}分（需新增{what_zh}知识产权）")
            steps_en.append(f"IP to {i[0]} points ({what_en} IP)")
            needed.update(i[1])
        total = t[0] + d[0] + i[0]
        plans.append({"scores": {"tech_staff": t[0], "rd": d[0], "ip": i[0]}, "total": total, "needed": needed,
                      "message_zh": "＋".join(steps_zh) + f" → 总分 {total}",
                      "message_en": " + ".join(steps_en) + f" → total {total}"})
    why_zh = f"总分 {s.total}分（科技人员 {s.tech_staff}、研发投入 {s.rd}、科技成果 {s.ip}）"
    why_en = f"Total {s.total} (technology staff {s.tech_staff}, R&D {s.rd}, IP {s.ip})"
    if s.tech_staff == 0:
        why_zh += "，科技人员指标得分为0"
        why_en += ", technology-staff score 0"
    return _gap(
        cond,
        f"{why_zh}，须不低于{r.min_total}分且科技人员指标不为0分。可选方案："
        + ("；".join(f"{n + 1}. {plan['message_zh']}" for n, plan in enumerate(plans)) or "无"),
        f"{why_en}; at least {r.min_total} with a non-zero technology-staff score is needed. Options: "
        + ("; ".join(f"{n + 1}. {plan['message_en']}" for n, plan in enumerate(plans)) or "none"),
        {"points": max(0, r.min_total - s.total), "tech_staff_nonzero": s.tech_staff == 0},
        plans=plans,
    )


__all__ = ["hte_gaps", "tsme_gaps", "hires_needed", "added_share_needed", "numerator_needed"]
