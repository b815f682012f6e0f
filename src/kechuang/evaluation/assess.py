"""Assess a stored enterprise: build its profile, run the engine, and say what the platform had to assume.

No rule lives here. The one adjustment is to the score *range* when the number of technology transformations
(科技成果转化) was never entered: the engine is given 0 (the conservative count) and the optimistic bound is
widened to the top of the transformation scale read from the rule set, so an unknown input is an honest
[0, top] interval instead of a hidden 0. The verdict then follows the engine's own definition: hard conditions
met and optimistic score above the pass mark is `borderline`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import get_language

from .engine import (BORDERLINE, NOT_QUALIFIED, HteExpert, HteProfile, HteResult, ProfileError, TsmeProfile,
                     TsmeResult, evaluate_hte, evaluate_startup, evaluate_tsme, hte_gaps, parse_startup_profile,
                     parse_tsme_profile, pool_candidate, tsme_gaps)
from .engine import hte as hte_engine
from .engine.results import Flag, Points
from .engine.rulesets import RuleSet
from .profiles import (Facts, hte_profile, hte_profile_data, startup_profile_data, transformations_known,
                       tsme_profile_data)


@dataclass(frozen=True)
class Note:
    """An assumption the builder made about data the platform does not store."""

    code: str
    zh: str
    en: str

    @property
    def text(self) -> str:
        return self.en if (get_language() or "zh").startswith("en") else self.zh


def widen_unknown_transformations(result: HteResult) -> HteResult:
    """The result with the transformation item scored over its whole scale [0, top] (count not entered)."""
    rules = hte_engine.rules(result.ruleset)
    s = result.scores
    t = s.transformation
    if t.expert:
        return result
    top = max(band.hi for band in rules.transformation)
    widened = Points(t.min, top, None, False, {**t.extra, "count": None})
    total = Points(s.total.min, s.total.max - t.max + top)
    verdict = result.verdict
    if verdict == NOT_QUALIFIED and result.hard_conditions_pass and total.max > rules.pass_above:
        verdict = BORDERLINE
    c7 = result.conditions["C7"]
    conditions = {**result.conditions, "C7": replace(c7, detail={**(c7.detail or {}), "score_max": total.max})}
    flag = Flag("manual_review", "transformations_unknown",
                f"未填报科技成果转化数：保守得分按0项计，乐观得分按该项满分{top}分计",
                f"Technology transformations not entered: 0 in the conservative score, the full {top} points in the "
                "optimistic score")
    return replace(result, verdict=verdict, score_max=total.max, conditions=conditions,
                   scores=replace(s, transformation=widened, total=total), flags=result.flags + (flag,))


@dataclass
class HteAssessment:
    """The HTE evaluation of a stored enterprise on a day, with its pool candidacy and assumptions."""

    facts: Facts
    day: dt.date
    profile: HteProfile
    base: HteResult  # the engine's result as computed (transformations as entered, or 0)
    result: HteResult  # with the score range widened when the transformations are unknown
    transformations_known: bool
    pool: dict[str, Any] | None = None
    notes: list[Note] = field(default_factory=list)

    def gaps(self) -> list[dict[str, Any]]:
        """What would make it pass, in numbers. With the transformations not entered, the score gap is measured
        on the conservative count (0 transformations), and says so."""
        gaps = hte_gaps(self.profile, self.base)
        if not self.transformations_known:
            for g in gaps:
                if g["code"] == "C7":
                    g["message_zh"] = "（未填报科技成果转化数，按0项测算）" + g["message_zh"]
                    g["message_en"] = "(Transformations not entered: computed with 0) " + g["message_en"]
        return gaps

    def data(self) -> dict[str, Any]:
        """The profile in the DESIGN §6 contract form (expert points as actually used)."""
        return hte_profile_data(self.facts, self.day, expert=self.profile.expert != HteExpert())


def assess_hte(f: Facts, day: dt.date, *, home: str | None = None, pool: bool = True, notes: bool = True,
               hte_ruleset: RuleSet | None = None, pool_ruleset: RuleSet | None = None) -> HteAssessment:
    """Evaluate one enterprise's stored data as an HTE application on `day`; raises ProfileError when the data
    cannot make a profile (no annual data, inconsistent figures). Rule sets default to those valid on the day
    (a batch passes the ones it recorded)."""
    found: list[Note] = []
    profile = hte_profile(f, day)
    try:
        base = evaluate_hte(profile, hte_ruleset)
    except ProfileError as exc:
        if not exc.field.startswith("expert"):
            raise
        # Entered expert points no longer fit the bands of the current data: evaluate without them, and say so.
        profile = hte_profile(f, day, expert=False)
        base = evaluate_hte(profile, hte_ruleset)
        found.append(Note("expert_points_dropped",
                          f"已录入的专家评分与当前数据的分档不符（{exc.field}：{exc.message}），本次未采用",
                          f"Entered expert points do not fit the current bands ({exc.field}: {exc.message}); not used"))
    known = transformations_known(f)
    result = base if known else widen_unknown_transformations(base)
    a = HteAssessment(f, day, profile, base, result, known, notes=found)
    if pool:
        a.pool = pool_candidate(
            profile, result=result,
            registered_in_district=home is None or f.town_id.startswith(home),
            is_tsme=f.holds("tsme", day), holds_valid_hte=f.holds("hte", day), ruleset=pool_ruleset)
    if notes:
        a.notes.extend(hte_assumptions(f, profile))
    return a


def hte_assumptions(f: Facts, profile: HteProfile) -> list[Note]:
    """What the stored data cannot tell and how the profile filled it in."""
    notes = [
        Note("C2", "条件（二）按已登记的有效知识产权判断；其是否对主要产品（服务）发挥核心支持作用由专家判断",
             "Condition 2 is read from the valid IP on record; whether it supports the main products is for the experts"),
        Note("C3", "条件（三）按企业登记的高新技术领域判断" if f.domain_id else "企业未登记所属高新技术领域，条件（三）按不满足计",
             "Condition 3 follows the recorded high-tech domain" if f.domain_id
             else "No high-tech domain on record: condition 3 counted as not met"),
        Note("C8", "条件（八）按自评补充信息判断（未填报视为未发生重大事故）",
             "Condition 8 follows the entered assessment input (none entered: no incident)"),
    ]
    if profile.expert == HteExpert():
        notes.append(Note("expert", "专家评分项（技术先进程度、核心支持作用、获得方式、研发组织管理等）未录入，按分档区间计分",
                          "Expert-judged items are not entered and are scored over their bands"))
    return notes


# ---------------------------------------------------------------------------------------------------------------
# Tech SME and startup filing


@dataclass
class TsmeAssessment:
    facts: Facts
    day: dt.date
    data: dict[str, Any]
    profile: TsmeProfile
    result: TsmeResult
    notes: list[Note]

    def gaps(self) -> list[dict[str, Any]]:
        return tsme_gaps(self.profile, self.result)


TSME_NOTES = [
    Note("C1", "条件（一）居民企业、查账征收、能准确归集研发费用等未在平台登记，视为满足",
         "Condition 1 (resident enterprise, audited tax collection, R&D bookkeeping) is not on record: taken as met"),
    Note("C3", "条件（三）行业限制未逐项核对，视为满足，请对照《产业结构调整指导目录》",
         "Condition 3 (industry not restricted) is not checked item by item: taken as met"),
    Note("direct", "直接认定条件中的国家级科技奖励、主导制定标准未在平台登记，按不具备计",
         "National awards and led standards (direct route) are not on record: counted as absent"),
]


def assess_tsme(f: Facts, day: dt.date) -> TsmeAssessment:
    data = tsme_profile_data(f, day)
    profile = parse_tsme_profile(data)
    return TsmeAssessment(f, day, data, profile, evaluate_tsme(profile), list(TSME_NOTES))


def assess_startup(f: Facts, day: dt.date) -> dict[str, Any]:
    """The innovative-startup filing pre-screen (rule set `startup-*`, e.g. startup-ningbo-2013)."""
    return evaluate_startup(parse_startup_profile(startup_profile_data(f, day)))
