import time

import numpy as np
import pytest

from kechuang.market.matching import embeddings as emb
from kechuang.market.matching.engine import MatchConfig, MatchEngine, QueryError, match_documents

DOCS = [
    {"id": "a1", "title": "石墨烯复合材料制备技术", "text": "本成果提供一种石墨烯增强铝基复合材料的制备方法，导热性能好。",
     "kind": "achievement", "domain": "新材料"},
    {"id": "a2", "title": "锂电池管理系统", "text": "新能源汽车动力电池的荷电状态估计与均衡管理，延长电池寿命。",
     "kind": "achievement", "domain": "新能源"},
    {"id": "d1", "title": "求购电池回收工艺", "text": "企业需要退役动力电池回收与梯次利用的工艺方案。",
     "kind": "demand", "domain": "新能源"},
    {"id": "a3", "title": "智能灌溉控制器", "text": "基于土壤湿度传感器的农田智能灌溉控制系统，节水30%。",
     "kind": "achievement", "domain": "农业"},
]


@pytest.fixture
def engine(tmp_path):
    return MatchEngine(DOCS, cache_dir=str(tmp_path))


def ids(result):
    return [h.id for h in result.hits]


def test_basic_search_ranks_the_obvious_match_first(engine):
    r = engine.search("石墨烯 复合材料")
    assert ids(r)[0] == "a1"
    assert not r.semantic_used  # no vectors cached: BM25 only
    r = engine.search("动力电池")
    assert set(ids(r)[:2]) == {"a2", "d1"}


def test_add_update_remove_are_reflected(engine):
    engine.search("电池")  # builds the main index
    engine.upsert({"id": "a4", "title": "钙钛矿太阳能电池", "text": "高效稳定的钙钛矿光伏组件。"})
    assert ids(engine.search("钙钛矿"))[0] == "a4"  # new record, term unknown to the main index
    engine.upsert({"id": "a1", "title": "陶瓷涂层", "text": "耐高温陶瓷涂层的喷涂工艺。"})
    assert "a1" not in ids(engine.search("石墨烯"))
    assert ids(engine.search("陶瓷涂层"))[0] == "a1"
    assert engine.remove("a2") is True
    assert "a2" not in ids(engine.search("荷电状态 电池"))
    assert engine.remove("nope") is False
    assert len(engine) == 4 and "a4" in engine and "a2" not in engine
    engine.rebuild()  # after a full rebuild the same answers
    assert ids(engine.search("钙钛矿"))[0] == "a4"
    assert "a2" not in ids(engine.search("荷电状态 电池"))
    assert "a1" not in ids(engine.search("石墨烯"))


def test_delta_overflow_triggers_rebuild(tmp_path):
    e = MatchEngine(DOCS, cache_dir=str(tmp_path), config=MatchConfig(delta_limit=2, delta_fraction=0))
    e.search("电池")
    for i in range(5):
        e.upsert({"id": f"n{i}", "title": f"新记录{i} 氢燃料电池", "text": "质子交换膜燃料电池电堆。"})
    r = e.search("燃料电池", top=10)
    assert {f"n{i}" for i in range(5)} <= set(ids(r))
    assert not e._delta  # rebuilt


def test_explanation_terms_and_escaped_highlight(tmp_path):
    e = MatchEngine([{"id": "x", "title": "<b>石墨烯</b> & 涂层",
                      "text": "<script>alert('x')</script>石墨烯导热膜，适用于5G手机散热。"}], cache_dir=str(tmp_path))
    hit = e.search("石墨烯 散热").hits[0]
    assert "石墨烯" in hit.matched_terms and "散热" in hit.matched_terms
    assert "<script>" not in hit.snippet_html and "<b>" not in hit.title_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>石墨烯</mark>" in hit.snippet_html and "<mark>散热</mark>" in hit.snippet_html
    assert hit.title_html == "&lt;b&gt;<mark>石墨烯</mark>&lt;/b&gt; &amp; 涂层"
    d = hit.to_dict()
    assert d["id"] == "x" and d["rank"] == 1


def test_highlight_snippet_window_for_long_text(tmp_path):
    text = "无关内容。" * 100 + "关键的激光焊接工艺" + "其他说明。" * 100
    e = MatchEngine([{"id": "x", "title": "焊接", "text": text}], cache_dir=str(tmp_path))
    hit = e.search("激光焊接").hits[0]
    assert "<mark>激光焊接</mark>" in hit.snippet_html or "<mark>激光</mark>" in hit.snippet_html
    assert hit.snippet_html.startswith("…") and hit.snippet_html.endswith("…")
    assert len(hit.snippet_html) < 300


@pytest.mark.parametrize("bad", ["", "   ", "\n\t "])
def test_empty_query_is_a_clear_error(engine, bad):
    with pytest.raises(QueryError) as exc:
        engine.search(bad)
    msg = str(exc.value)
    assert "查询" in msg and "empty" in msg
    assert exc.value.code == "query_empty"


def test_non_text_query_is_refused(engine):
    with pytest.raises(QueryError):
        engine.search(None)  # type: ignore[arg-type]


def test_ten_thousand_character_query_is_truncated_quickly(engine):
    q = ("新能源汽车动力电池回收利用技术需求，" * 600)[:10000]
    t = time.perf_counter()
    r = engine.search(q)
    assert time.perf_counter() - t < 2.0
    assert r.truncated and r.warnings and "2000" in r.warnings[0]
    assert len(r.query) <= 2000
    assert ids(r)[0] in {"d1", "a2"}


def test_query_without_searchable_terms(engine):
    r = engine.search("的了！？")
    assert r.hits == [] and r.warnings


def test_kind_filter_and_domain_boost(engine):
    assert ids(engine.search("电池", kinds=["demand"])) == ["d1"]
    engine.upsert({"id": "d2", "title": "求购电池检测设备", "text": "电池 内阻 检测", "kind": "demand"})  # in the delta
    assert set(ids(engine.search("电池", kinds=["demand"]))) == {"d1", "d2"}
    assert ids(engine.search("电池", kinds=["expert"])) == []
    engine.remove("d2")
    r = engine.search("控制 系统 电池", domain="农业", top=4)
    hit = next(h for h in r.hits if h.id == "a3")
    assert hit.domain_match
    base = {h.id: h.score for h in engine.search("控制 系统 电池", top=4).hits}
    assert hit.score == pytest.approx(base["a3"] + engine.config.domain_boost, abs=1e-6)


def _fake_vec(seed):
    v = np.random.default_rng(seed).normal(size=emb.DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def test_semantic_fusion_with_cached_vectors_and_missing_ones(tmp_path):
    docs = [
        {"id": "p", "title": "电池管理", "text": "电池 电池 电池 荷电状态"},
        {"id": "q", "title": "电池回收", "text": "退役电池 梯次利用"},
        {"id": "r", "title": "电池材料", "text": "正极材料 电池"},
    ]
    cache = emb.EmbeddingCache(tmp_path)
    vq = _fake_vec(1)
    # "q" points the same way as the query; "p" is orthogonal-ish; "r" has no vector at all
    keys = [emb.text_key(emb.passage_text(d["title"], d["text"])) for d in docs[:2]]
    cache.put(keys, np.stack([_fake_vec(2), vq]))
    calls = []

    def embedder(text):
        calls.append(text)
        return vq

    e = MatchEngine(docs, embedding_cache=cache, query_embedder=embedder)
    r = e.search("电池")
    assert r.semantic_used and calls == ["电池"]
    assert ids(r)[0] == "q"
    assert {h.id for h in r.hits} == {"p", "q", "r"}  # "r" still answered from BM25
    assert next(h for h in r.hits if h.id == "r").semantic is None
    assert next(h for h in r.hits if h.id == "q").semantic == pytest.approx(1.0, abs=1e-3)
    # BM25 only on request
    assert not e.search("电池", semantic=False).semantic_used
    # the engine without embeddings never calls the model
    e2 = MatchEngine(docs, embedding_cache=cache, query_embedder=embedder, use_embeddings=False)
    calls.clear()
    assert not e2.search("电池").semantic_used and calls == []


def test_match_documents_with_provider(tmp_path):
    r = match_documents("灌溉", lambda: DOCS, 3, use_embeddings=False)
    assert ids(r)[0] == "a3"
    r = match_documents("灌溉", DOCS, 1, use_embeddings=False)
    assert len(r.hits) == 1


def test_empty_engine_answers_nothing(tmp_path):
    e = MatchEngine([], cache_dir=str(tmp_path))
    assert e.search("电池").hits == []


def test_record_without_id_is_rejected(tmp_path):
    with pytest.raises(ValueError):
        MatchEngine([{"title": "x", "text": "y"}], cache_dir=str(tmp_path))


def test_async_rebuild_keeps_changes_made_during_the_build(tmp_path):
    e = MatchEngine(DOCS, cache_dir=str(tmp_path))
    e.search("电池")
    e.upsert({"id": "n1", "title": "氢燃料电池", "text": "质子交换膜"})
    # start a background rebuild, then change records before it is installed
    with e._lock:
        thread = e.rebuild_async()
        assert e.rebuild_async() is None  # only one at a time
        e.upsert({"id": "n2", "title": "固态电池", "text": "硫化物电解质"})
        e.remove("a3")
    thread.join(10)
    assert e._changes_during_build is None
    assert "n1" in e._main.row and "n2" not in e._main.row  # n2 came after the snapshot: in the delta
    assert ids(e.search("硫化物电解质"))[0] == "n2"
    assert ids(e.search("质子交换膜"))[0] == "n1"
    assert "a3" not in ids(e.search("智能灌溉"))


def test_background_embedding_fills_the_cache_and_search_uses_it(tmp_path, monkeypatch):
    embedded = []

    def fake_passages(texts, background=False):
        embedded.extend(texts)
        return np.stack([_fake_vec(len(t)) for t in texts])

    monkeypatch.setattr(emb, "embed_passages", fake_passages)
    e = MatchEngine(DOCS, cache_dir=str(tmp_path), query_embedder=lambda t: _fake_vec(3))
    assert not e.search("电池").semantic_used  # nothing cached yet: BM25 only
    job = e.start_background_embedding()
    job.join(10)
    assert job.error is None and job.done == len(DOCS) and len(embedded) == len(DOCS)
    assert e.search("电池").semantic_used
    assert e.missing_passages() == []
    # a second engine over the same cache directory finds the vectors on disk
    e2 = MatchEngine(DOCS, cache_dir=str(tmp_path), query_embedder=lambda t: _fake_vec(3))
    assert e2.search("电池").semantic_used and e2.embed_missing() == 0


def test_highlight_positions_survive_nfkc_changes():
    from kechuang.market.matching.highlight import snippet

    # "e + combining accent" shrinks and "㎡" grows under NFKC: the marks must still sit on the right characters
    s = snippet("ＧＰＵ加速 e\u0301cole café 面积 ㎡ <b>", ["café", "m2", "gpu"])
    assert s == "<mark>ＧＰＵ</mark>加速 e\u0301cole <mark>café</mark> 面积 <mark>㎡</mark> &lt;b&gt;"
