"""A policy = conditions + formula over a data year; `evaluate` says whether an enterprise qualifies, why, how much."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .conditions import Condition, ConditionResult, check, parse_conditions
from .errors import Collector, DefinitionError
from .facts import FACTS
from .formulas import AwardResult, Formula, compute, parse_formula


@dataclass(frozen=True)
class PolicyDefinition:
    """The validated, evaluable part of a policy."""

    conditions: tuple[Condition, ...]
    formula: Formula
    year: int | None = None  # the data year Y the facts refer to

    def to_json(self) -> dict:
        return {"conditions": [c.to_json() for c in self.conditions], "formula": self.formula.to_json()}


@dataclass
class Evaluation:
    """Whether the enterprise qualifies, each condition with its value, and the estimated award."""

    eligible: bool
    conditions: list[ConditionResult]
    amount: Decimal | None
    steps: list[str] = field(default_factory=list)
    other_reasons: list[str] = field(default_factory=list)  # reasons not tied to a condition (no base, amount 0)

    @property
    def reasons(self) -> list[str]:
        """Why not, in words: each failed condition with the enterprise's value, then the other reasons."""
        return [f"{r.text}：企业为 {r.actual_text}（{r.reason}）" for r in self.conditions if not r.passed] + \
            self.other_reasons

    def to_json(self) -> dict:
        return {"eligible": self.eligible, "amount": None if self.amount is None else format(self.amount, "f"),
                "conditions": [c.to_json() for c in self.conditions], "steps": self.steps, "reasons": self.reasons}


def parse_definition(conditions, formula, *, year: int | None = None) -> PolicyDefinition:
    """Validate conditions and formula together; raises DefinitionError listing every problem."""
    errors = Collector()
    conds = parse_conditions(conditions, errors)
    f = parse_formula(formula, errors)
    errors.raise_if_any()
    return PolicyDefinition(conditions=tuple(conds), formula=f, year=year)


def evaluate(defn: PolicyDefinition, facts: dict[str, Any]) -> Evaluation:
    """Check every condition (never stopping at the first failure); compute the award when all of them pass."""
    results = [check(c, facts, defn.year) for c in defn.conditions]
    if not all(r.passed for r in results):
        return Evaluation(eligible=False, conditions=results, amount=None)
    award: AwardResult = compute(defn.formula, facts)
    if award.missing:
        reason = f"计算基数（{FACTS[defn.formula.base].label_for(defn.year)}）无数据"
        return Evaluation(eligible=False, conditions=results, amount=None, steps=award.steps, other_reasons=[reason])
    if award.amount is None or award.amount <= 0:
        return Evaluation(eligible=False, conditions=results, amount=None, steps=award.steps,
                          other_reasons=["按公式计算的奖励金额为0"])
    return Evaluation(eligible=True, conditions=results, amount=award.amount, steps=award.steps)


__all__ = ["DefinitionError", "Evaluation", "PolicyDefinition", "evaluate", "parse_definition"]
