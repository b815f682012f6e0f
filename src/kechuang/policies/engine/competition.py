"""Competition scoring: aggregate the judges' scores, rank within each division, decide who advances.

Aggregations: mean; trimmed_mean (drop one highest and one lowest, then the mean; needs at least 3 scores);
median; sum. Aggregates are exact fractions (a mean of 3 scores is not a terminating decimal), so ranking and
thresholds never suffer rounding; they are rounded half-up only for display and storage.
Ranking: within a division, higher is better; equal aggregates share a rank (1, 2, 2, 4).
Advancement per division: top_n — rank ≤ N (so entries tied at the cut-off all advance); threshold — aggregate ≥
the threshold (inclusive); all — everyone with a complete set of scores advances.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from statistics import median

from .errors import Collector

AGGREGATIONS = {
    "mean": "平均分",
    "trimmed_mean": "去掉一个最高分和一个最低分后的平均分",
    "median": "中位数",
    "sum": "总分",
}
MIN_SCORES = {"mean": 1, "trimmed_mean": 3, "median": 1, "sum": 1}
RULES = {"top_n": "每组前N名晋级（并列同进）", "threshold": "得分不低于分数线晋级", "all": "全部晋级"}


class NotEnoughScores(ValueError):
    pass


def aggregate(scores: Sequence[Decimal], method: str) -> Fraction:
    """The exact aggregate of one entry's scores."""
    if method not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {method}")
    values = sorted(Fraction(s) for s in scores)
    if len(values) < MIN_SCORES[method]:
        raise NotEnoughScores(f"{AGGREGATIONS[method]}至少需要{MIN_SCORES[method]}个评分，实为{len(values)}个")
    if method == "sum":
        return sum(values, Fraction(0))
    if method == "median":
        return Fraction(median(values))
    if method == "trimmed_mean":
        values = values[1:-1]
    return sum(values, Fraction(0)) / len(values)


@dataclass(frozen=True)
class Rule:
    """How entries of one division advance from a round."""

    kind: str
    n: int | None = None
    threshold: Decimal | None = None

    def describe(self) -> str:
        if self.kind == "top_n":
            return f"前{self.n}名晋级（并列同进）"
        if self.kind == "threshold":
            return f"得分≥{self.threshold}晋级"
        return "全部晋级"


def parse_rule(kind, n=None, threshold=None, errors: Collector | None = None, prefix: str = "rule") -> Rule | None:
    own = errors is None
    errors = errors or Collector()
    rule = None
    if kind not in RULES:
        errors.error(f"{prefix}.kind", f"晋级规则应为以下之一：{'、'.join(f'{k}（{v}）' for k, v in RULES.items())}", "bad_rule")
    elif kind == "top_n":
        try:
            n = int(n)
            if n < 1:
                raise ValueError
            rule = Rule(kind, n=n)
        except (TypeError, ValueError):
            errors.error(f"{prefix}.n", f"晋级名额应为正整数，实为“{n}”", "bad_value")
    elif kind == "threshold":
        try:
            t = Decimal(str(threshold).strip())
            if not t.is_finite() or t < 0:
                raise ValueError
            rule = Rule(kind, threshold=t)
        except (ArithmeticError, ValueError):
            errors.error(f"{prefix}.threshold", f"分数线应为不小于0的数值，实为“{threshold}”", "bad_value")
    else:
        rule = Rule(kind)
    if own:
        errors.raise_if_any()
    return rule


@dataclass(frozen=True)
class EntryScores:
    entry: Hashable
    division: Hashable
    scores: tuple[Decimal, ...]


@dataclass(frozen=True)
class EntryResult:
    entry: Hashable
    division: Hashable
    aggregate: Fraction
    rank: int
    advanced: bool
    n_scores: int

    def aggregate_display(self, places: int = 2) -> Decimal:
        from .values import round_fraction

        return round_fraction(self.aggregate, places)


@dataclass
class RoundOutcome:
    results: list[EntryResult] = field(default_factory=list)
    incomplete: list[tuple[Hashable, int, int]] = field(default_factory=list)  # (entry, scores given, needed)

    @property
    def complete(self) -> bool:
        return not self.incomplete


def rank_round(entries: Sequence[EntryScores], method: str, rules: dict, *, min_scores: int = 1) -> RoundOutcome:
    """Aggregate, rank per division and apply each division's rule. Entries short of scores are listed, not ranked."""
    needed = max(min_scores, MIN_SCORES[method])
    out = RoundOutcome()
    by_division: dict[Hashable, list[tuple[EntryScores, Fraction]]] = {}
    for e in entries:
        if len(e.scores) < needed:
            out.incomplete.append((e.entry, len(e.scores), needed))
            continue
        by_division.setdefault(e.division, []).append((e, aggregate(e.scores, method)))
    for division, items in by_division.items():
        rule: Rule = rules[division]
        items.sort(key=lambda x: -x[1])
        rank = 0
        previous = None
        for position, (e, agg) in enumerate(items, start=1):
            if agg != previous:
                rank, previous = position, agg
            if rule.kind == "top_n":
                advanced = rank <= rule.n
            elif rule.kind == "threshold":
                advanced = agg >= Fraction(rule.threshold)
            else:
                advanced = True
            out.results.append(EntryResult(e.entry, division, agg, rank, advanced, len(e.scores)))
    return out
