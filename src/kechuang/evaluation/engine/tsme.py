"""Tech-based SME (科技型中小企业) evaluator: conditions (一)–(五), the 100-point score and the direct route."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .numbers import Ratio, dec, exact
from .profiles import TsmeProfile, read_tsme_profile
from .results import Band, Condition, Flag, jsonable, pick_band
from .rulesets import RuleSet, ruleset_for

ROUTE_SCORE = "score"
ROUTE_DIRECT = "direct"
ROUTE_NONE = "none"
ELIGIBILITY_CODES = ("C1", "C2a", "C2b", "C2c", "C3", "C4")
DIRECT_GROUNDS = ("hte_certificate", "national_award_top3_5y", "provincial_rd_institution", "led_standard_5y")


@dataclass(frozen=True, slots=True)
class IpBand:
    """A row of the IP table: reached with `min_class_i` class I or `min_class_ii` class II items."""

    band: str
    min_class_i: int | None
    min_class_ii: int | None
    points: int

    def matches(self, n1: int, n2: int) -> bool:
        return (self.min_class_i is None or n1 >= self.min_class_i) and (
            self.min_class_ii is None or n2 >= self.min_class_ii
        )


@dataclass(frozen=True, slots=True)
class TsmeRules:
    """Thresholds and band tables of a tech-SME rule set, as exact values."""

    ruleset: RuleSet
    text: dict[str, dict[str, str]]
    entity_requirements: tuple[str, ...]
    max_staff: Decimal
    max_sales: Decimal
    max_assets: Decimal
    min_total: int
    tech_staff: tuple[Band, ...]
    rd_sales: tuple[Band, ...]
    rd_cost: tuple[Band, ...]
    ip: tuple[IpBand, ...]
    direct_clause: str
    direct_text: dict[str, dict[str, str]]
    site_max_staff: Decimal
    site_tech_ratio: Decimal
    site_tech_min_staff: Decimal


def rules(ruleset: RuleSet) -> TsmeRules:
    """Compiled tech-SME rules of a rule set (cached on the rule set)."""
    cached = ruleset.cache.get("tsme")
    if cached is None:
        cached = ruleset.cache["tsme"] = _compile(ruleset)
    return cached


def _compile(rs: RuleSet) -> TsmeRules:
    if rs.kind != "tsme":
        raise ValueError(f"{rs.id} is not a tech-SME rule set")
    c, s, site = rs.data["conditions"], rs.data["score"], rs.data["site_check"]
    return TsmeRules(
        ruleset=rs,
        text={k: {"label": v["label"], "label_en": v["label_en"], "clause": v["clause"]} for k, v in c.items()},
        entity_requirements=tuple(rs.data["entity_requirements"]),
        max_staff=dec(c["C2a"]["max"]),
        max_sales=dec(c["C2b"]["max"]),
        max_assets=dec(c["C2c"]["max"]),
        min_total=int(c["C5"]["min_total"]),
        tech_staff=tuple(Band.from_rule(b) for b in s["tech_staff"]),
        rd_sales=tuple(Band.from_rule(b) for b in s["rd_sales"]),
        rd_cost=tuple(Band.from_rule(b) for b in s["rd_cost"]),
        ip=tuple(IpBand(b["band"], b.get("min_class_i"), b.get("min_class_ii"), int(b["points"])) for b in s["ip"]),
        direct_clause=rs.data["direct"]["clause"],
        direct_text=rs.data["direct"]["grounds"],
        site_max_staff=dec(site["max_staff"]),
        site_tech_ratio=dec(site["high_tech_ratio"]),
        site_tech_min_staff=dec(site["high_tech_ratio_min_staff"]),
    )


def ruleset_for_profile(profile: TsmeProfile) -> RuleSet:
    return ruleset_for("tsme", profile.evaluation_date, field_name="evaluation_date")


@dataclass(frozen=True, slots=True)
class TsmeScores:
    """The three indicator scores with the ratios and bands behind them."""

    tech_staff: int
    rd: int
    ip: int
    rd_option_used: int
    tech_ratio: Ratio
    tech_band: str
    rd_sales_ratio: Ratio | None
    rd_sales_band: Band
    rd_cost_ratio: Ratio | None
    rd_cost_band: Band
    ip_band: str

    @property
    def total(self) -> int:
        return self.tech_staff + self.rd + self.ip


def score(profile: TsmeProfile, r: TsmeRules) -> TsmeScores:
    """Score the three indicators; R&D uses the better of option 1 (over sales) and option 2 (over cost)."""
    tech_ratio = Ratio(profile.staff_tech, profile.staff_total)
    tech = pick_band(r.tech_staff, tech_ratio)
    by_sales = Ratio(profile.rd_expense, profile.sales) if profile.sales > 0 else None
    by_cost = Ratio(profile.rd_expense, profile.cost_expense_total) if profile.cost_expense_total > 0 else None
    band1, band2 = pick_band(r.rd_sales, by_sales), pick_band(r.rd_cost, by_cost)
    # The enterprise chooses one option; its best choice is the higher score (option 1 on a tie).
    option = 1 if band1.lo >= band2.lo else 2
    ip = next(b for b in r.ip if b.matches(profile.ip_class_i, profile.ip_class_ii))
    return TsmeScores(
        tech_staff=tech.lo, rd=max(band1.lo, band2.lo), ip=ip.points, rd_option_used=option,
        tech_ratio=tech_ratio, tech_band=tech.band, rd_sales_ratio=by_sales, rd_sales_band=band1,
        rd_cost_ratio=by_cost, rd_cost_band=band2, ip_band=ip.band,
    )


def direct_grounds(profile: TsmeProfile) -> list[str]:
    """The 第八条 grounds the enterprise meets; an HTE certificate counts if valid on the evaluation date."""
    cert = profile.hte_certificate_valid_until
    held = {
        "hte_certificate": cert is not None and cert >= profile.evaluation_date,
        "national_award_top3_5y": profile.national_award_top3_5y,
        "provincial_rd_institution": profile.provincial_rd_institution,
        "led_standard_5y": profile.led_standard_5y,
    }
    return [g for g in DIRECT_GROUNDS if held[g]]


@dataclass(frozen=True, slots=True)
class TsmeResult:
    """The tech-SME evaluation of one profile."""

    qualified: bool
    route: str
    scores: TsmeScores
    failed_conditions: tuple[str, ...]
    conditions: dict[str, Condition]
    direct_grounds: tuple[str, ...]
    flags: tuple[Flag, ...]
    ruleset: RuleSet
    direct_text: dict[str, dict[str, str]]

    @property
    def total(self) -> int:
        return self.scores.total

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN §6 output: qualified, route, total, scores, rd option, failed conditions and detail."""
        s = self.scores
        return {
            "kind": "tsme",
            "qualified": self.qualified,
            "route": self.route,
            "total": s.total,
            "scores": {"tech_staff": s.tech_staff, "rd": s.rd, "ip": s.ip},
            "rd_option_used": s.rd_option_used,
            "failed_conditions": list(self.failed_conditions),
            "conditions": {code: c.to_dict() for code, c in self.conditions.items()},
            "score_detail": {
                "tech_staff": {"ratio": _text(s.tech_ratio), "band": s.tech_band},
                "rd": {
                    "option_1": {"ratio": _text(s.rd_sales_ratio), "band": s.rd_sales_band.band,
                                 "points": s.rd_sales_band.lo},
                    "option_2": {"ratio": _text(s.rd_cost_ratio), "band": s.rd_cost_band.band,
                                 "points": s.rd_cost_band.lo},
                },
                "ip": {"band": s.ip_band},
            },
            "direct_grounds": [
                {"code": g, "label": self.direct_text[g]["label"], "label_en": self.direct_text[g]["label_en"]}
                for g in self.direct_grounds
            ],
            "flags": [f.to_dict() for f in self.flags],
            "ruleset": self.ruleset.id,
        }


def _text(ratio: Ratio | None) -> str | None:
    return jsonable(ratio)


def _cond(r: TsmeRules, code: str, value, threshold, comparator: str, passed: bool, detail=None) -> Condition:
    t = r.text[code]
    return Condition(code, t["label"], t["label_en"], t["clause"], value, threshold, comparator, passed, detail)


def _site_checks(p: TsmeProfile, r: TsmeRules) -> list[Flag]:
    """2025 on-site check triggers (RULES §2.7): flagged for a visit, never a rejection."""
    flags = []
    if p.staff_total <= r.site_max_staff:
        flags.append(Flag("site_check", "staff_at_most_5", f"职工总数{p.staff_total}人（{r.site_max_staff}人及以下）",
                          f"Total staff {p.staff_total} (at most {r.site_max_staff})"))
    if p.staff_total >= r.site_tech_min_staff and Ratio(p.staff_tech, p.staff_total).ge(r.site_tech_ratio):
        flags.append(Flag("site_check", "high_tech_staff_ratio",
                          f"科技人员占比90%及以上且职工总数{r.site_tech_min_staff}人及以上",
                          f"Technology staff at least 90% with {r.site_tech_min_staff} or more staff"))
    if p.record_issue_3y:
        flags.append(Flag("site_check", "record_issue_3y", "过去三年曾有严重违法失信、撤销入库编号等情况",
                          "Serious violation or revoked registration number in the past three years"))
    if p.first_evaluation:
        flags.append(Flag("site_check", "first_evaluation", "首次参评企业", "First evaluation"))
    return flags


@exact
def evaluate_tsme(profile: TsmeProfile, ruleset: RuleSet | None = None) -> TsmeResult:
    """Evaluate a tech-SME profile with the rule set valid on its evaluation date (or the one given)."""
    r = rules(ruleset or ruleset_for_profile(profile))
    s = score(profile, r)
    entity = {k: getattr(profile, k) for k in r.entity_requirements}
    conds = {
        "C1": _cond(r, "C1", all(entity.values()), True, "==", all(entity.values()), entity),
        "C2a": _cond(r, "C2a", profile.staff_total, r.max_staff, "<=", profile.staff_total <= r.max_staff),
        "C2b": _cond(r, "C2b", profile.sales, r.max_sales, "<=", profile.sales <= r.max_sales),
        "C2c": _cond(r, "C2c", profile.total_assets, r.max_assets, "<=", profile.total_assets <= r.max_assets),
        "C3": _cond(r, "C3", profile.industry_allowed, True, "==", profile.industry_allowed),
        "C4": _cond(r, "C4", profile.clean_record, True, "==", profile.clean_record),
    }
    by_score = s.total >= r.min_total and s.tech_staff != 0
    grounds = tuple(direct_grounds(profile))
    conds["C5"] = _cond(r, "C5", s.total, r.min_total, ">=", by_score,
                        {"tech_staff_points": s.tech_staff, "bypassed_by_direct_route": bool(grounds)})
    eligible = all(conds[c].passed for c in ELIGIBILITY_CODES)
    # The direct route (第八条) replaces (五) only; (一)–(四) still apply.
    failed = tuple(c for c in ELIGIBILITY_CODES if not conds[c].passed) + (
        ("C5",) if not by_score and not grounds else ()
    )
    if eligible and by_score:
        route = ROUTE_SCORE
    elif eligible and grounds:
        route = ROUTE_DIRECT
    else:
        route = ROUTE_NONE
    return TsmeResult(route != ROUTE_NONE, route, s, failed, conds, grounds, tuple(_site_checks(profile, r)),
                      r.ruleset, r.direct_text)


@exact
def parse_tsme_profile(data: Any, ruleset: RuleSet | None = None) -> TsmeProfile:
    """Read a tech-SME profile (DESIGN §6 JSON as a dict); raises ProfileError naming the bad field."""
    profile = read_tsme_profile(data)
    if ruleset is None:
        ruleset_for_profile(profile)  # a date outside every rule set is an input error, reported at parse time
    return profile


def evaluate_tsme_data(data: Any, ruleset: RuleSet | None = None) -> dict[str, Any]:
    """Parse, evaluate and render in one call (the CLI path)."""
    return evaluate_tsme(parse_tsme_profile(data, ruleset), ruleset).to_dict()
