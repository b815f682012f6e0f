"""Rule sets are versioned data: each file loads, periods do not overlap, the engine reads its thresholds."""

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from kechuang.evaluation.engine import (
    RuleSet, RuleSetNotFound, all_rulesets, evaluate_hte, get_ruleset, parse_hte_profile, ruleset_for,
)
from kechuang.evaluation.engine.rulesets import RULESET_DIR

from . import builders as b


def test_bundled_rule_sets():
    ids = {r.id for r in all_rulesets()}
    assert {"hte-2016", "tsme-2017", "tsme-2022", "startup-ningbo-2013", "pool-default"} <= ids
    for r in all_rulesets():
        assert r.source and r.valid_from


def test_no_floats_in_rule_set_files():
    # Thresholds are written as strings or integers so no binary float ever reaches a comparison.
    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        else:
            assert not isinstance(node, float), node
    for path in RULESET_DIR.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))


def test_validity_periods_of_a_kind_do_not_overlap():
    by_kind = {}
    for r in all_rulesets():
        by_kind.setdefault(r.kind, []).append(r)
    for sets in by_kind.values():
        sets.sort(key=lambda r: r.valid_from)
        for earlier, later in zip(sets, sets[1:]):
            assert earlier.valid_to is not None and earlier.valid_to < later.valid_from


@pytest.mark.parametrize("kind, day, expected", [
    ("hte", date(2016, 1, 1), "hte-2016"),
    ("hte", date(2026, 6, 1), "hte-2016"),
    ("tsme", date(2021, 12, 31), "tsme-2017"),
    ("tsme", date(2022, 1, 1), "tsme-2022"),
    ("startup", date(2025, 1, 1), "startup-ningbo-2013"),
    ("pool", date(2025, 1, 1), "pool-default"),
])
def test_rule_set_valid_on_a_date(kind, day, expected):
    assert ruleset_for(kind, day).id == expected


def test_no_rule_set_before_2016_for_hte():
    with pytest.raises(RuleSetNotFound):
        ruleset_for("hte", date(2015, 12, 31))


def test_a_new_years_rules_are_a_new_rule_set():
    """A rule set raising the tech-staff threshold to 14% changes the verdict without touching code."""
    raw = copy.deepcopy(get_ruleset("hte-2016").data)
    raw["id"] = "hte-test"
    raw["conditions"]["C4"]["min_ratio"] = "0.14"
    stricter = RuleSet.from_dict(raw)
    profile = parse_hte_profile(b.hte())  # 60/450 = 13.3%
    assert evaluate_hte(profile).conditions["C4"].passed
    result = evaluate_hte(profile, stricter)
    assert not result.conditions["C4"].passed
    assert result.conditions["C4"].threshold == Decimal("0.14")
    assert result.ruleset.id == "hte-test"
