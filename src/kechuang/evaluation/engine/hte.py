"""High-tech enterprise (高新技术企业) evaluator: conditions C1–C8 and the 100-point innovation score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .errors import ProfileError
from .numbers import ZERO, Ratio, dec, exact
from .profiles import HteExpert, HteProfile, read_hte_profile
from .results import Band, Condition, Flag, Points, add_years, pick_band
from .rulesets import RuleSet, ruleset_for

QUALIFIED = "qualified"
BORDERLINE = "borderline"
NOT_QUALIFIED = "not_qualified"
HARD_CODES = ("C1", "C2", "C3", "C4", "C5a", "C5b", "C6", "C8")


# ---------------------------------------------------------------------------------------------------------------
# Rule set, compiled once


@dataclass(frozen=True, slots=True)
class QuantityBand:
    """A row of the IP-quantity table: reached with `min_class_i` class I or `min_class_ii` counted class II."""

    band: str
    min_class_i: int | None
    min_class_ii: int | None
    lo: int
    hi: int

    def matches(self, n1: int, n2: int) -> bool:
        return (self.min_class_i is None or n1 >= self.min_class_i) and (
            self.min_class_ii is None or n2 >= self.min_class_ii
        )


@dataclass(frozen=True, slots=True)
class HteRules:
    """Thresholds and band tables of an HTE rule set, as exact values."""

    ruleset: RuleSet
    text: dict[str, dict[str, str]]
    min_days: int
    tech_ratio: Decimal
    rd_years: int
    rd_bands: tuple[tuple[Decimal | None, Decimal], ...]  # (max latest-year sales or None, min ratio)
    domestic_ratio: Decimal
    hitech_ratio: Decimal
    pass_above: int
    ip_cap: int
    advancement: tuple[int, int]
    core_support: tuple[int, int]
    quantity: tuple[QuantityBand, ...]
    acquisition: dict[str, tuple[int, int]]
    standards_bonus: tuple[int, int]
    transformation_years: int
    transformation: tuple[Band, ...]
    rd_org_max: tuple[int, ...]
    growth: tuple[Band, ...]
    certificate_years: int

    def rd_threshold(self, latest_sales: Decimal) -> tuple[Decimal, Decimal | None]:
        """The R&D ratio required at this latest-year sales, and the band's upper sales edge."""
        for edge, ratio in self.rd_bands:
            if edge is None or latest_sales <= edge:
                return ratio, edge
        raise ValueError("rule set has no open-ended R&D band")


def rules(ruleset: RuleSet) -> HteRules:
    """Compiled HTE rules of a rule set (cached on the rule set)."""
    cached = ruleset.cache.get("hte")
    if cached is None:
        cached = ruleset.cache["hte"] = _compile(ruleset)
    return cached


def _compile(rs: RuleSet) -> HteRules:
    if rs.kind != "hte":
        raise ValueError(f"{rs.id} is not an HTE rule set")
    c, s = rs.data["conditions"], rs.data["score"]
    ip = s["ip"]
    pair = lambda r: (int(r["min"]), int(r["max"]))  # noqa: E731
    return HteRules(
        ruleset=rs,
        text={k: {"label": v["label"], "label_en": v["label_en"], "clause": v["clause"]} for k, v in c.items()},
        min_days=int(c["C1"]["min_days"]),
        tech_ratio=dec(c["C4"]["min_ratio"]),
        rd_years=int(c["C5a"]["max_years"]),
        rd_bands=tuple(
            (dec(b["max_sales"]) if b["max_sales"] is not None else None, dec(b["min_ratio"]))
            for b in c["C5a"]["bands"]
        ),
        domestic_ratio=dec(c["C5b"]["min_ratio"]),
        hitech_ratio=dec(c["C6"]["min_ratio"]),
        pass_above=int(c["C7"]["pass_above"]),
        ip_cap=int(ip["cap"]),
        advancement=pair(ip["advancement"]),
        core_support=pair(ip["core_support"]),
        quantity=tuple(
            QuantityBand(q["band"], q.get("min_class_i"), q.get("min_class_ii"), *map(int, q["points"]))
            for q in ip["quantity"]
        ),
        acquisition={k: (int(v[0]), int(v[1])) for k, v in ip["acquisition"].items()},
        standards_bonus=pair(ip["standards_bonus"]),
        transformation_years=int(s["transformation"]["max_years"]),
        transformation=tuple(Band.from_rule(b) for b in s["transformation"]["bands"]),
        rd_org_max=tuple(int(m) for m in s["rd_org"]["max"]),
        growth=tuple(Band.from_rule(b) for b in s["growth"]["bands"]),
        certificate_years=int(rs.data.get("certificate_years", 3)),
    )


def ruleset_for_profile(profile: HteProfile) -> RuleSet:
    return ruleset_for("hte", profile.application_date, field_name="application_date")


# ---------------------------------------------------------------------------------------------------------------
# Innovation score


@dataclass(frozen=True, slots=True)
class HteScores:
    """The innovation score per indicator and sub-item, each a [min, max] range."""

    advancement: Points
    core_support: Points
    quantity: Points
    acquisition: Points
    standards_bonus: Points
    ip: Points
    transformation: Points
    rd_org_items: tuple[Points, ...]
    rd_org: Points
    net_assets: Points
    sales: Points
    growth: Points
    total: Points

    def to_dict(self) -> dict[str, Any]:
        return {
            "ip": {**self.ip.to_dict(), "items": {
                "advancement": self.advancement.to_dict(),
                "core_support": self.core_support.to_dict(),
                "quantity": self.quantity.to_dict(),
                "acquisition": self.acquisition.to_dict(),
                "standards_bonus": self.standards_bonus.to_dict(),
            }},
            "transformation": self.transformation.to_dict(),
            "rd_org": {**self.rd_org.to_dict(), "items": [p.to_dict() for p in self.rd_org_items]},
            "growth": {**self.growth.to_dict(), "net_assets": self.net_assets.to_dict(), "sales": self.sales.to_dict()},
            "total": self.total.to_dict(),
        }


def _judged(given: int | None, allowed: tuple[int, int], field: str, band: str | None, why: str = "",
            default: tuple[int, int] | None = None) -> Points:
    """Expert points fix the score when given, and must lie in `allowed`; otherwise the `default` (band) range."""
    lo, hi = allowed
    if given is None:
        return Points(*(default or allowed), band)
    if not lo <= given <= hi:
        where = f" ({why})" if why else (f" (band {band})" if band else "")
        raise ProfileError(f"expert.{field}", f"must be within {lo}–{hi}{where}, got {given}")
    return Points(given, given, band, expert=True)


def _sum(parts, cap: int | None = None, **kw) -> Points:
    lo = sum(p.min for p in parts)
    hi = sum(p.max for p in parts)
    if cap is not None:
        lo, hi = min(lo, cap), min(hi, cap)
    return Points(lo, hi, **kw)


def growth_rate(values: list[Decimal]) -> Ratio | None:
    """Growth rate per 工作指引 from up to 3 consecutive values (oldest first); None scores 0.

    Negative values count as 0 (an unverified consultancy practice, flagged by the caller). With 3 years:
    a second-year 0 scores 0, a first-year 0 uses the last two years only. With 2 years: v2/v1 − 1.
    With 1 year nothing is measurable.
    """
    vs = [v if v > 0 else ZERO for v in values[-3:]]
    if len(vs) == 3:
        v1, v2, v3 = vs
        if v2 == 0:
            return None
        if v1 == 0:
            return Ratio(v3 - v2, v2)
        # 1/2·(v2/v1 + v3/v2) − 1 over the common denominator 2·v1·v2, so it stays exact.
        return Ratio(v2 * v2 + v1 * v3 - 2 * v1 * v2, 2 * v1 * v2)
    if len(vs) == 2 and vs[0] > 0:
        return Ratio(vs[1] - vs[0], vs[0])
    return None


def counted_ip(profile: HteProfile) -> tuple[int, int, int]:
    """(class I, counted class II, class II excluded as used before): class II counts once, class I may be reused."""
    n1 = n2 = used = 0
    for item in profile.ip:
        if item.ip_class == "I":
            n1 += 1
        elif item.used_before:
            used += 1
        else:
            n2 += 1
    return n1, n2, used


def score(profile: HteProfile, r: HteRules, flags: list[Flag] | None = None) -> HteScores:
    """The innovation score ranges; raises ProfileError for expert points outside their band."""
    flags = [] if flags is None else flags
    ex = profile.expert
    n1, n2, used = counted_ip(profile)
    any_ip = n1 + n2 > 0

    # 1. 知识产权: sub-items 1, 2, 4 judge the counted IP, so with none they are band E (0 points).
    if any_ip:
        advancement = _judged(ex.advancement, r.advancement, "advancement", None)
        core = _judged(ex.core_support, r.core_support, "core_support", None)
        counted = [i for i in profile.ip if i.ip_class == "I" or not i.used_before]
        mode = "A" if any(i.acquisition == "self" for i in counted) else "B"  # B: only 受让、受赠、并购
        acquisition = _judged(ex.acquisition_points, r.acquisition[mode], "acquisition_points", mode)
    else:
        for name, given, allowed in (("advancement", ex.advancement, r.advancement),
                                     ("core_support", ex.core_support, r.core_support)):
            _judged(given, allowed, name, None)  # a typo is still an error
        ignored = [n for n, v in (("advancement", ex.advancement), ("core_support", ex.core_support),
                                  ("acquisition_points", ex.acquisition_points)) if v]
        if ignored:
            flags.append(Flag(
                "note", "expert_points_without_ip",
                f"没有可计入的知识产权，专家分（{'、'.join(ignored)}）按0分计",
                f"No IP counts, so the expert points ({', '.join(ignored)}) score 0",
            ))
        advancement = core = Points(0, 0, "E")
        acquisition = Points(0, 0, None)
    qband = next(q for q in r.quantity if q.matches(n1, n2))
    quantity = _judged(ex.ip_quantity_points, (qband.lo, qband.hi), "ip_quantity_points", qband.band)
    quantity = Points(quantity.min, quantity.max, quantity.band, quantity.expert,
                      {"class_i": n1, "class_ii": n2, "class_ii_used_before": used})
    bonus = _judged(ex.standards_bonus, r.standards_bonus, "standards_bonus", None)
    ip = _sum((advancement, core, quantity, acquisition, bonus), cap=r.ip_cap)

    # 2. 科技成果转化能力: yearly average over the years operated (at most 3).
    years = min(r.transformation_years, len(profile.fiscal_years))
    avg = Ratio(Decimal(profile.transformations), Decimal(years))
    tband = pick_band(r.transformation, avg)
    allowed = (tband.lo, tband.hi)
    below_one = tband is r.transformation[-1] and profile.transformations > 0
    if below_one:
        # 0 < average < 1 fits neither "≥1项" nor "0项": 0 points by convention, experts may still use band E.
        allowed = (r.transformation[-1].lo, r.transformation[-2].hi)
        flags.append(Flag(
            "manual_review", "transformations_below_one_per_year",
            f"近{years}年科技成果转化{profile.transformations}项，年均不足1项：按0分计，专家可酌情给1–{allowed[1]}分",
            f"{profile.transformations} transformations in {years} year(s), under 1 a year: scored 0, "
            f"experts may award 1–{allowed[1]}",
        ))
    transformation = _judged(ex.transformation_points, allowed, "transformation_points", tband.band,
                             "0 < yearly average < 1" if below_one else "", default=(tband.lo, tband.hi))
    transformation = Points(transformation.min, transformation.max, transformation.band, transformation.expert,
                            {"count": profile.transformations, "years": years, "average": avg})

    # 3. 研究开发组织管理水平: four expert items, no bands.
    given = ex.rd_org or (None,) * len(r.rd_org_max)
    items = []
    for i, (value, top) in enumerate(zip(given, r.rd_org_max)):
        if value is not None and not 0 <= value <= top:
            raise ProfileError(f"expert.rd_org[{i}]", f"must be within 0–{top}, got {value}")
        items.append(Points(0, top) if value is None else Points(value, value, expert=True))
    rd_org = _sum(items)

    # 4. 企业成长性: net assets and sales growth, each on the same band table.
    net_values = [fy.net_assets for fy in profile.fiscal_years]
    if any(v < 0 for v in net_values):
        flags.append(Flag(
            "manual_review", "negative_net_assets",
            "净资产为负值，计算成长性时按0计（非官方口径，需人工复核）",
            "Negative net assets are counted as 0 for growth (an unofficial convention; review by hand)",
        ))
    if len(profile.fiscal_years) < 3:
        flags.append(Flag(
            "note", "short_history_growth",
            f"实际经营{len(profile.fiscal_years)}个会计年度，成长性按实际经营时间计算"
            + ("（仅一年，无法计算增长率，按0分计）" if len(profile.fiscal_years) == 1 else ""),
            f"Only {len(profile.fiscal_years)} fiscal year(s): growth is computed over the years operated"
            + (" (one year: no growth rate, 0 points)" if len(profile.fiscal_years) == 1 else ""),
        ))
    growth_parts = []
    for name, values in (("net_assets", net_values), ("sales", [fy.sales for fy in profile.fiscal_years])):
        rate = growth_rate(values)
        band = pick_band(r.growth, rate)
        pts = _judged(getattr(ex, f"{name}_growth_points"), (band.lo, band.hi), f"{name}_growth_points", band.band)
        growth_parts.append(Points(pts.min, pts.max, pts.band, pts.expert, {"rate": rate}))
    net_assets, sales = growth_parts
    growth = _sum(growth_parts)

    return HteScores(
        advancement=advancement, core_support=core, quantity=quantity, acquisition=acquisition,
        standards_bonus=bonus, ip=ip, transformation=transformation, rd_org_items=tuple(items), rd_org=rd_org,
        net_assets=net_assets, sales=sales, growth=growth, total=_sum((ip, transformation, rd_org, growth)),
    )


# ---------------------------------------------------------------------------------------------------------------
# Conditions and verdict


@dataclass(frozen=True, slots=True)
class HteResult:
    """The HTE evaluation of one profile."""

    verdict: str
    failed_conditions: tuple[str, ...]
    score_min: int
    score_max: int
    conditions: dict[str, Condition]
    scores: HteScores
    flags: tuple[Flag, ...]
    ruleset: RuleSet

    @property
    def hard_conditions_pass(self) -> bool:
        return all(self.conditions[c].passed for c in HARD_CODES)

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN §6 output: verdict, failed conditions, score range, per-condition detail, scores, flags."""
        return {
            "kind": "hte",
            "verdict": self.verdict,
            "failed_conditions": list(self.failed_conditions),
            "score_min": self.score_min,
            "score_max": self.score_max,
            "conditions": {code: c.to_dict() for code, c in self.conditions.items()},
            "scores": self.scores.to_dict(),
            "flags": [f.to_dict() for f in self.flags],
            "ruleset": self.ruleset.id,
        }


def _cond(r: HteRules, code: str, value, threshold, comparator: str, passed: bool, detail=None) -> Condition:
    t = r.text[code]
    return Condition(code, t["label"], t["label_en"], t["clause"], value, threshold, comparator, passed, detail)


def rd_window(profile: HteProfile, r: HteRules):
    """The fiscal years of condition C5 (the latest `rd_years`), with their sales, R&D and domestic R&D totals."""
    years = profile.fiscal_years[-r.rd_years:]
    return years, sum(y.sales for y in years), sum(y.rd_expense for y in years), sum(y.rd_domestic for y in years)


def conditions(profile: HteProfile, r: HteRules, total: Points, flags: list[Flag]) -> dict[str, Condition]:
    """Conditions C1–C8 of 办法 第十一条, every one evaluated (none short-circuits)."""
    out: dict[str, Condition] = {}
    days = (profile.application_date - profile.registration_date).days
    out["C1"] = _cond(r, "C1", days, r.min_days, ">=", days >= r.min_days,
                      {"earliest_application_date": profile.registration_date + timedelta(days=r.min_days)})
    holds_ip = profile.owns_core_ip and len(profile.ip) > 0
    out["C2"] = _cond(r, "C2", holds_ip, True, "==", holds_ip,
                      {"declared": profile.owns_core_ip, "ip_count": len(profile.ip)})
    out["C3"] = _cond(r, "C3", profile.in_hitech_domain, True, "==", profile.in_hitech_domain)

    tech = Ratio(profile.staff_tech, profile.staff_total)
    out["C4"] = _cond(r, "C4", tech, r.tech_ratio, ">=", tech.ge(r.tech_ratio),
                      {"staff_tech": profile.staff_tech, "staff_total": profile.staff_total})

    years, sales, rd, domestic = rd_window(profile, r)
    latest_sales = profile.fiscal_years[-1].sales
    threshold, edge = r.rd_threshold(latest_sales)
    detail = {"years": [y.year for y in years], "latest_sales": latest_sales, "band_sales_max": edge,
              "total_sales": sales, "total_rd": rd}
    if sales > 0:
        ratio = Ratio(rd, sales)
        out["C5a"] = _cond(r, "C5a", ratio, threshold, ">=", ratio.ge(threshold), detail)
    else:
        out["C5a"] = _cond(r, "C5a", None, threshold, ">=", False, detail)
        flags.append(Flag("manual_review", "zero_sales", "近三年销售收入为0，研发费用占比无法计算",
                          "Sales are 0 over the period: the R&D ratio cannot be computed"))
    dom = Ratio(domestic, rd) if rd > 0 else None
    out["C5b"] = _cond(r, "C5b", dom, r.domestic_ratio, ">=", dom is not None and dom.ge(r.domestic_ratio),
                       {"total_rd": rd, "total_rd_domestic": domestic})

    ly = profile.latest_year
    hitech = Ratio(ly.hitech_income, ly.income) if ly.income > 0 else None
    out["C6"] = _cond(r, "C6", hitech, r.hitech_ratio, ">=", hitech is not None and hitech.ge(r.hitech_ratio),
                      {"hitech_income": ly.hitech_income, "income": ly.income})

    # Scores are integers and the text says "70分以上（不含70分）": the conservative score must exceed 70.
    out["C7"] = _cond(r, "C7", total.min, r.pass_above, ">", total.min > r.pass_above, {"score_max": total.max})
    clean = not profile.major_incident_last_year
    out["C8"] = _cond(r, "C8", clean, True, "==", clean)
    return {code: out[code] for code in ("C1", "C2", "C3", "C4", "C5a", "C5b", "C6", "C7", "C8")}


def _history_flags(profile: HteProfile, r: HteRules, flags: list[Flag]) -> None:
    """Flags where the text leaves a gap: missing fiscal years, re-certification timing, reused class II IP."""
    latest = profile.fiscal_years[-1].year
    if latest < profile.application_date.year - 1:
        flags.append(Flag(
            "manual_review", "fiscal_years_not_latest",
            f"最近一个会计年度应为{profile.application_date.year - 1}年，所给数据止于{latest}年："
            "结果按所给年度计算，需补充数据后复核",
            f"The latest fiscal year should be {profile.application_date.year - 1} but the data end in {latest}: "
            "evaluated on the years given, review with complete data",
        ))
    operated = latest + 1 - profile.registration_date.year
    expected = min(r.rd_years, operated)
    if len(profile.fiscal_years) < expected:
        flags.append(Flag(
            "manual_review", "fewer_fiscal_years",
            f"注册于{profile.registration_date.year}年，应有{expected}个会计年度数据，仅提供{len(profile.fiscal_years)}个"
            "（实际经营期不满三年的按实际经营时间计算，请核实）",
            f"Registered in {profile.registration_date.year}: {expected} fiscal years expected, "
            f"{len(profile.fiscal_years)} given (check the actual operating period)",
        ))
    _, _, used = counted_ip(profile)
    if used:
        flags.append(Flag(
            "note", "class_ii_used_before",
            f"{used}项Ⅱ类知识产权已在以往高企申请中使用，不再计入",
            f"{used} class II IP item(s) already used in an earlier HTE application do not count",
        ))
    issue = profile.certificate_issue_date
    if issue is not None:
        valid_until = add_years(issue, r.certificate_years) - timedelta(days=1)
        day = profile.application_date
        if day > valid_until or day.year == valid_until.year:
            flags.append(Flag(
                "renewal", "expiry_year" if day <= valid_until else "expired",
                f"高企资格有效期至{valid_until.isoformat()}：按重新认定申请（条件同首次认定）；期满当年在通过重新认定前"
                "企业所得税暂按15%预缴，年底前仍未取得资格须补缴（国家税务总局公告2017年第24号）",
                f"Certificate valid until {valid_until.isoformat()}: apply for re-certification (same conditions as a "
                "first application); in the expiry year tax is prepaid at 15% and must be topped up if not "
                "re-certified by year end",
            ))
        else:
            flags.append(Flag(
                "renewal", "certificate_valid",
                f"高企资格有效期至{valid_until.isoformat()}，可于{valid_until.year}年申请重新认定",
                f"Certificate valid until {valid_until.isoformat()}; re-certification from {valid_until.year}",
            ))


@exact
def evaluate_hte(profile: HteProfile, ruleset: RuleSet | None = None) -> HteResult:
    """Evaluate an HTE profile with the rule set valid on its application date (or the one given)."""
    r = rules(ruleset or ruleset_for_profile(profile))
    flags: list[Flag] = []
    scores = score(profile, r, flags)
    conds = conditions(profile, r, scores.total, flags)
    _history_flags(profile, r, flags)
    failed = tuple(code for code, c in conds.items() if not c.passed)
    hard = all(conds[c].passed for c in HARD_CODES)
    if hard and scores.total.min > r.pass_above:
        verdict = QUALIFIED
    elif hard and scores.total.max > r.pass_above:
        verdict = BORDERLINE
    else:
        verdict = NOT_QUALIFIED
    return HteResult(verdict, failed, scores.total.min, scores.total.max, conds, scores, tuple(flags), r.ruleset)


@exact
def parse_hte_profile(data: Any, ruleset: RuleSet | None = None) -> HteProfile:
    """Read an HTE profile (DESIGN §6 JSON as a dict); raises ProfileError naming the bad field.

    Expert points are checked against their band here too, using the rule set valid on the application date.
    """
    profile = read_hte_profile(data)
    rs = ruleset or ruleset_for_profile(profile)
    if profile.expert != HteExpert():  # without expert points there is no band to check
        score(profile, rules(rs))
    return profile


def evaluate_hte_data(data: Any, ruleset: RuleSet | None = None) -> dict[str, Any]:
    """Parse, evaluate and render in one call (the CLI path)."""
    return evaluate_hte(parse_hte_profile(data, ruleset), ruleset).to_dict()


__all__ = [
    "BORDERLINE", "NOT_QUALIFIED", "QUALIFIED", "HteResult", "HteRules", "HteScores",
    "counted_ip", "evaluate_hte", "evaluate_hte_data", "growth_rate", "parse_hte_profile", "rules", "score",
]
