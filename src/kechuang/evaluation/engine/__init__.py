"""Pure-Python rule engines for the evaluators (HTE, tech SME, startup filing, cultivation pool); no Django here."""

from .errors import ProfileError, RuleSetNotFound
from .gaps import hte_gaps, tsme_gaps
from .hte import (
    BORDERLINE,
    NOT_QUALIFIED,
    QUALIFIED,
    HteResult,
    evaluate_hte,
    evaluate_hte_data,
    parse_hte_profile,
)
from .pool import pool_candidate
from .profiles import (
    FiscalYear,
    HteExpert,
    HteProfile,
    IpItem,
    LatestYear,
    StartupProfile,
    TsmeProfile,
)
from .rulesets import RuleSet, all_rulesets, get_ruleset, ruleset_for
from .startup import evaluate_startup, parse_startup_profile
from .tsme import TsmeResult, evaluate_tsme, evaluate_tsme_data, parse_tsme_profile

__all__ = [
    "BORDERLINE", "NOT_QUALIFIED", "QUALIFIED",
    "FiscalYear", "HteExpert", "HteProfile", "HteResult", "IpItem", "LatestYear", "ProfileError", "RuleSet",
    "RuleSetNotFound", "StartupProfile", "TsmeProfile", "TsmeResult",
    "all_rulesets", "evaluate_hte", "evaluate_hte_data", "evaluate_startup", "evaluate_tsme", "evaluate_tsme_data",
    "get_ruleset", "hte_gaps", "parse_hte_profile", "parse_startup_profile", "parse_tsme_profile",
    "pool_candidate", "ruleset_for", "tsme_gaps",
]
