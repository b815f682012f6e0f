import math

import pytest

from kechuang.market.matching.metrics import dcg, ndcg_at_k, percentile, recall_at_k, topical_ndcg_at_k

QRELS = {"a": 3, "b": 1, "c": 2}


def test_ndcg_hand_computed_exponential_gain():
    # ranking b, x, a: gains 1, 0, 7 -> 1/log2(2) + 7/log2(4) = 4.5
    # ideal a, c, b: 7 + 3/log2(3) + 1/log2(4)
    ideal = 7 + 3 / math.log2(3) + 0.5
    assert ndcg_at_k(["b", "x", "a"], QRELS, 10) == pytest.approx(4.5 / ideal)
    assert ndcg_at_k(["a", "c", "b"], QRELS, 10) == pytest.approx(1.0)
    assert ndcg_at_k([], QRELS, 10) == 0.0
    assert ndcg_at_k(["a"], {}, 10) == 0.0


def test_ndcg_linear_gain_option():
    ideal = 3 + 2 / math.log2(3) + 0.5
    assert ndcg_at_k(["b", "x", "a"], QRELS, 10, gain_kind="linear") == pytest.approx((1 + 3 / 2) / ideal)


def test_ndcg_cutoff():
    # only the first k ranks count
    assert ndcg_at_k(["x", "a"], QRELS, 1) == 0.0
    assert dcg([3, 2], k=1) == pytest.approx(7.0)


def test_topical_removes_the_source_paper_from_ranking_and_ideal():
    # without a: ranking b, x -> 1 ; ideal c, b -> 3 + 1/log2(3)
    assert topical_ndcg_at_k(["a", "b", "x"], QRELS, 10) == pytest.approx(1 / (3 + 1 / math.log2(3)))
    # the source paper at rank 1 does not push the others down
    assert topical_ndcg_at_k(["a", "c", "b"], QRELS, 10) == pytest.approx(1.0)
    assert topical_ndcg_at_k(["a"], {"a": 3}, 10) == 0.0


def test_recall():
    assert recall_at_k(["b", "x"], QRELS, 10) == pytest.approx(1 / 3)
    assert recall_at_k(["b", "c", "a"], QRELS, 2) == pytest.approx(2 / 3)
    assert recall_at_k(["b"], {}, 10) == 0.0


def test_percentile():
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([5], 95) == 5
    assert percentile([], 50) == 0.0
    assert percentile(list(range(101)), 95) == pytest.approx(95)
