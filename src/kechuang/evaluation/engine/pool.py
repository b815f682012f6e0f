"""Cultivation-pool (高新技术企业培育库) candidate rule: HTE borderline cases and near misses (RULES §4.2)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import hte as hte_mod
from .numbers import Ratio, dec, exact
from .profiles import HteProfile
from .results import jsonable
from .rulesets import RuleSet, ruleset_for

RATIO_CODES = ("C4", "C5a", "C5b", "C6")


@dataclass(frozen=True, slots=True)
class PoolRules:
    """A pool rule set: eligibility switches and how far below each HTE threshold still counts as a near miss."""

    ruleset: RuleSet
    require_registered_in_district: bool
    require_tsme: bool
    include_qualified: bool
    exclude_valid_hte: bool
    cultivation_period_years: int
    required_conditions: frozenset[str]
    margin_days: int | None
    margin_ratio: dict[str, Decimal]
    margin_points: int | None
    max_near_misses: int | None


def rules(ruleset: RuleSet) -> PoolRules:
    """Compiled pool rules of a rule set (cached on the rule set)."""
    cached = ruleset.cache.get("pool")
    if cached is None:
        d = ruleset.data
        if ruleset.kind != "pool":
            raise ValueError(f"{ruleset.id} is not a pool rule set")
        m = d["margins"]
        cached = ruleset.cache["pool"] = PoolRules(
            ruleset=ruleset,
            require_registered_in_district=bool(d["require_registered_in_district"]),
            require_tsme=bool(d["require_tsme"]),
            include_qualified=bool(d["include_qualified"]),
            exclude_valid_hte=bool(d["exclude_valid_hte"]),
            cultivation_period_years=int(d["cultivation_period_years"]),
            required_conditions=frozenset(d["required_conditions"]),
            margin_days=int(m["C1"]["days"]) if "C1" in m else None,
            margin_ratio={c: dec(m[c]["ratio"]) for c in RATIO_CODES if c in m},
            margin_points=int(m["C7"]["points"]) if "C7" in m else None,
            max_near_misses=d.get("max_near_misses"),
        )
    return cached


def _near(code: str, cond, result: hte_mod.HteResult, p: PoolRules, pass_above: int) -> dict[str, Any] | None:
    """The shortfall of a failed condition if it is within the pool's margin, else None."""
    if code == "C1" and p.margin_days is not None:
        short = cond.threshold - cond.value
        return {"code": code, "short_by": short, "margin": p.margin_days} if short <= p.margin_days else None
    if code in p.margin_ratio and isinstance(cond.value, Ratio):
        margin = p.margin_ratio[code]
        if cond.value.ge(cond.threshold - margin):
            short = Ratio(cond.threshold * cond.value.den - cond.value.num, cond.value.den)
            return {"code": code, "short_by": short, "margin": margin}
        return None
    if code == "C7" and p.margin_points is not None:
        short = max(0, pass_above + 1 - result.score_max)
        return {"code": code, "short_by": short, "margin": p.margin_points} if short <= p.margin_points else None
    return None


@exact
def pool_candidate(profile: HteProfile, *, result: hte_mod.HteResult | None = None,
                   registered_in_district: bool = True, is_tsme: bool | None = None,
                   holds_valid_hte: bool = False, ruleset: RuleSet | None = None) -> dict[str, Any]:
    """Whether an enterprise is a cultivation-pool candidate, with the reason, near misses and blocking conditions."""
    p = rules(ruleset or ruleset_for("pool", profile.application_date, field_name="application_date"))
    result = result or hte_mod.evaluate_hte(profile)
    pass_above = hte_mod.rules(result.ruleset).pass_above
    blocking: list[str] = []
    if p.require_registered_in_district and not registered_in_district:
        blocking.append("not_in_district")
    if p.require_tsme and is_tsme is not True:
        blocking.append("not_tsme")
    if p.exclude_valid_hte and holds_valid_hte:
        blocking.append("holds_valid_hte")

    near: list[dict[str, Any]] = []
    if result.verdict == hte_mod.QUALIFIED:
        reason = "qualified"
        if not p.include_qualified:
            blocking.append("qualified")
    elif result.verdict == hte_mod.BORDERLINE:
        reason = "borderline"
    else:
        for code in result.failed_conditions:
            found = None if code in p.required_conditions else _near(
                code, result.conditions[code], result, p, pass_above)
            if found is None:
                blocking.append(code)
            else:
                near.append(found)
        if p.max_near_misses is not None and len(near) > p.max_near_misses:
            blocking.append("too_many_near_misses")
        reason = "near_miss"
    candidate = not blocking
    return {
        "candidate": candidate,
        "reason": reason,
        "hte_verdict": result.verdict,
        "failed_conditions": list(result.failed_conditions),
        "near_misses": jsonable(near),
        "blocking": blocking,
        "cultivation_period_years": p.cultivation_period_years,
        "ruleset": p.ruleset.id,
    }
