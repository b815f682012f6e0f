"""Ningbo innovative-startup filing (创新型初创企业备案) rule (RULES §4.1), configurable through its rule set."""

from __future__ import annotations

from typing import Any

from .numbers import Ratio, dec, exact
from .profiles import StartupProfile, read_startup_profile
from .results import Condition, Flag, add_years
from .rulesets import RuleSet, ruleset_for


def _cond(c: dict, code: str, value, threshold, comparator: str, passed: bool, detail=None) -> Condition:
    t = c[code]
    return Condition(code, t["label"], t["label_en"], t["clause"], value, threshold, comparator, passed, detail)


@exact
def evaluate_startup(profile: StartupProfile, ruleset: RuleSet | None = None) -> dict[str, Any]:
    """Evaluate a filing: S1 age, S2 founder-led, S3a IP or business model, S3b R&D staff share, S5 industry.

    Criterion (四) (innovation awareness, market and management capability) is a judgement: flagged, not scored.
    """
    rs = ruleset or ruleset_for("startup", profile.filing_date, field_name="filing_date")
    c = rs.data["conditions"]
    last_day = add_years(profile.registration_date, int(c["S1"]["max_age_years"]))
    share = Ratio(profile.rd_staff_college, profile.staff_total)
    min_share = dec(c["S3b"]["min_ratio"])
    conds = {
        "S1": _cond(c, "S1", profile.filing_date, last_day, "<=", profile.filing_date <= last_day),
        "S2": _cond(c, "S2", profile.leader_in_founding_team, True, "==", profile.leader_in_founding_team),
        "S3a": _cond(c, "S3a", profile.core_ip or profile.new_business_model, True, "==",
                     profile.core_ip or profile.new_business_model,
                     {"core_ip": profile.core_ip, "new_business_model": profile.new_business_model}),
        # "10%以上": 以上 includes the number itself.
        "S3b": _cond(c, "S3b", share, min_share, ">=", share.ge(min_share),
                     {"rd_staff_college": profile.rd_staff_college, "staff_total": profile.staff_total}),
        "S5": _cond(c, "S5", profile.in_hitech_domain or profile.in_local_catalog, True, "==",
                    profile.in_hitech_domain or profile.in_local_catalog,
                    {"in_hitech_domain": profile.in_hitech_domain, "in_local_catalog": profile.in_local_catalog}),
    }
    failed = [code for code, cond in conds.items() if not cond.passed]
    manual = rs.data["manual"]["S4"]
    flags = [Flag("manual_review", "S4", f"{manual['label']}（{manual['clause']}）需人工判断", manual["label_en"])]
    if not conds["S1"].passed:
        flags.append(Flag("manual_review", "age_over_limit",
                          "条文为“一般不超过5年”：超过的可由县级科技局酌情认定",
                          "The text says 'generally' at most 5 years: the county bureau may make an exception"))
    return {
        "kind": "startup",
        "eligible": not failed,
        "failed_conditions": failed,
        "conditions": {code: cond.to_dict() for code, cond in conds.items()},
        "flags": [f.to_dict() for f in flags],
        "ruleset": rs.id,
    }


@exact
def parse_startup_profile(data: Any) -> StartupProfile:
    """Read an innovative-startup filing profile; raises ProfileError naming the bad field."""
    profile = read_startup_profile(data)
    ruleset_for("startup", profile.filing_date, field_name="filing_date")
    return profile
