"""Ranking metrics for the matching benchmark (DESIGN §8). Pure Python.

* ``ndcg_at_k``: exponential gain ``2**grade - 1`` (grades 1, 2, 3 → gains 1, 3, 7) and the standard
  ``1/log2(rank+1)`` discount; the ideal ranking is every judged document sorted by grade. The exponential gain is
  the one that reproduces DESIGN §8's baseline (nDCG@10 0.729 for BM25 over character bigrams; linear gain
  ``gain = grade`` gives ≈0.57). ``gain_kind="linear"`` is available for comparison.
* ``topical_ndcg_at_k``: the same after removing the query's own source paper (grade 3 = ``SOURCE_GRADE``) from
  both the ranking and the ideal: how well *other* relevant work is found.
* ``recall_at_k``: share of the relevant documents (grade ≥ 1) found in the top k.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

SOURCE_GRADE = 3


def gain(grade: float, kind: str = "exp") -> float:
    if kind == "linear":
        return float(grade)
    return 2.0 ** grade - 1.0


def dcg(grades: Sequence[float], k: int = 10, gain_kind: str = "exp") -> float:
    return sum(gain(g, gain_kind) / math.log2(i + 2) for i, g in enumerate(grades[:k]) if g > 0)


def ndcg_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10, gain_kind: str = "exp") -> float:
    ideal = dcg(sorted(qrels.values(), reverse=True), k, gain_kind)
    if ideal <= 0:
        return 0.0
    return dcg([qrels.get(d, 0) for d in ranking], k, gain_kind) / ideal


def topical_ndcg_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10,
                      gain_kind: str = "exp", source_grade: int = SOURCE_GRADE) -> float:
    sources = {d for d, g in qrels.items() if g >= source_grade}
    rest = {d: g for d, g in qrels.items() if d not in sources}
    return ndcg_at_k([d for d in ranking if d not in sources], rest, k, gain_kind)


def recall_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    relevant = {d for d, g in qrels.items() if g >= 1}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100), like numpy's default."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
