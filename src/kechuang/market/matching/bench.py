"""The matching benchmark (DESIGN §5, §8): Kechuang's engine against plain BM25 over character bigrams.

Only the corpus' text fields (``title``, ``text``; ``doc_id`` as identifier) reach the engines; the qrels are read
after ranking, for scoring only.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

import bm25s
import numpy as np

from . import embeddings as emb
from .engine import MatchEngine
from .metrics import ndcg_at_k, percentile, recall_at_k, topical_ndcg_at_k
from .tokenize import plain_bigrams

RUN_DEPTH = 20


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def read_corpus(path: str | Path) -> list[dict[str, str]]:
    """Records with only the fields the engine may read: id, title, text."""
    docs = []
    for r in read_jsonl(path):
        doc_id = r.get("doc_id", r.get("id"))
        docs.append({"id": str(doc_id), "title": str(r.get("title") or ""), "text": str(r.get("text") or "")})
    return docs


def read_queries(path: str | Path) -> list[tuple[str, str]]:
    return [(str(r.get("qid", r.get("id"))), str(r.get("text") or "")) for r in read_jsonl(path)]


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                parts = line.split()
            if len(parts) < 3:
                continue
            try:
                grade = int(float(parts[-1]))
            except ValueError:
                if i == 0:
                    continue  # header
                raise
            qrels[parts[0]][parts[1]] = grade
    return dict(qrels)


class BaselineBM25:
    """DESIGN §8's baseline: bm25s (k1=1.5, b=0.75, Lucene IDF) over character bigrams of title + text."""

    def __init__(self, docs: list[dict[str, str]]):
        self.ids = [d["id"] for d in docs]
        self.bm25 = bm25s.BM25()
        self.bm25.index([plain_bigrams(d["title"] + "\n" + d["text"]) for d in docs], show_progress=False)

    def search(self, text: str, top: int = RUN_DEPTH) -> list[tuple[str, float]]:
        toks = [t for t in plain_bigrams(text) if t in self.bm25.vocab_dict]
        if not toks:
            return []
        scores = self.bm25.get_scores(toks)
        k = min(top, len(scores))
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.lexsort((idx, -scores[idx]))]
        return [(self.ids[i], float(scores[i])) for i in idx if scores[i] > 0]


def _evaluate(runs: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]], times_ms: list[float],
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    judged = [q for q in runs if q in qrels]
    n = len(judged) or 1
    nd = td = rc = 0.0
    for q in judged:
        ranking = [d for d, _ in runs[q]]
        nd += ndcg_at_k(ranking, qrels[q], 10)
        td += topical_ndcg_at_k(ranking, qrels[q], 10)
        rc += recall_at_k(ranking, qrels[q], 10)
    out = {
        "ndcg_at_10": round(nd / n, 4),
        "topical_ndcg_at_10": round(td / n, 4),
        "recall_at_10": round(rc / n, 4),
        "p50_ms": round(percentile(times_ms, 50), 2),
        "p95_ms": round(percentile(times_ms, 95), 2),
        "queries": len(judged),
    }
    if extra:
        out.update(extra)
    return out


def write_run(path: str | Path, runs: dict[str, list[tuple[str, float]]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for qid, ranking in runs.items():
            for rank, (doc_id, score) in enumerate(ranking[:RUN_DEPTH], start=1):
                fh.write(f"{qid}\t{doc_id}\t{rank}\t{score:.6f}\n")


def run_bench(
    corpus_path: str | Path,
    queries_path: str | Path,
    qrels_path: str | Path,
    *,
    run_path: str | Path | None = None,
    as_json: bool = False,
    use_embeddings: bool = True,
    cache_dir: str | Path | None = None,
    embed_missing: bool = True,
    measure_embedding_rate: bool = True,
    out: TextIO | None = None,
    progress: TextIO | None = None,
) -> dict[str, dict[str, Any]]:
    """Run both engines over every query; returns ``{"kechuang": {...}, "baseline": {...}}``.

    With ``out`` the result is also printed there, as JSON when ``as_json`` else as a table. With
    ``use_embeddings`` the passages whose vectors are not cached yet are embedded first (blocking, progress on
    ``progress``) unless ``embed_missing=False``, in which case uncached documents are ranked by BM25 only.
    The embedding rate (passages/s, and the projected time for 100k passages) is the one measured while
    embedding, else measured on 8 passages of the corpus (``measure_embedding_rate``)."""
    docs = read_corpus(corpus_path)
    queries = read_queries(queries_path)

    # ---- Kechuang
    t0 = time.perf_counter()
    engine = MatchEngine(docs, use_embeddings=use_embeddings, cache_dir=str(cache_dir) if cache_dir else None)
    engine.rebuild()
    build_s = time.perf_counter() - t0
    embedded = 0
    embed_rate: float | None = None
    coverage = 0.0
    if use_embeddings:
        if embed_missing:
            t1 = time.perf_counter()

            def _p(done: int, total: int) -> None:
                if progress is not None and (done % 50 == 0 or done == total):
                    rate = done / max(time.perf_counter() - t1, 1e-9)
                    print(f"embedding {done}/{total} ({rate:.1f} docs/s)", file=progress, flush=True)

            embedded = engine.embed_missing(progress=_p)
            if embedded:
                embed_rate = embedded / max(time.perf_counter() - t1, 1e-9)
        cache = engine.embedding_cache
        cache.refresh()
        coverage = sum(1 for d in docs if emb.text_key(emb.passage_text(d["title"], d["text"])) in cache) / max(
            len(docs), 1)
        if coverage > 0 and queries:  # load the model outside the timed loop
            engine.search(queries[0][1] or "warm up", 1)
            engine._qvec_cache.clear()
    runs: dict[str, list[tuple[str, float]]] = {}
    times: list[float] = []
    semantic_queries = 0
    cpu_times: list[float] = []
    for qid, text in queries:
        t = time.perf_counter()
        c = time.process_time()
        try:
            res = engine.search(text, RUN_DEPTH)
            ranking = [(h.id, h.score) for h in res.hits]
            semantic_queries += int(res.semantic_used)
        except ValueError:  # QueryError: an empty query ranks nothing
            ranking = []
        times.append((time.perf_counter() - t) * 1000)
        cpu_times.append((time.process_time() - c) * 1000)
        runs[qid] = ranking

    if use_embeddings and measure_embedding_rate and embed_rate is None and emb.embeddings_available() and docs:
        embed_rate = _sample_embedding_rate(docs)

    # ---- baseline
    t0 = time.perf_counter()
    base = BaselineBM25(docs)
    base_build = time.perf_counter() - t0
    base_runs: dict[str, list[tuple[str, float]]] = {}
    base_times: list[float] = []
    base_cpu: list[float] = []
    for qid, text in queries:
        t = time.perf_counter()
        c = time.process_time()
        base_runs[qid] = base.search(text, RUN_DEPTH)
        base_times.append((time.perf_counter() - t) * 1000)
        base_cpu.append((time.process_time() - c) * 1000)

    # ---- scoring (the qrels are read only now)
    qrels = read_qrels(qrels_path)
    result = {
        "kechuang": _evaluate(runs, qrels, times, {
            "cpu_p50_ms": round(percentile(cpu_times, 50), 2),
            "cpu_p95_ms": round(percentile(cpu_times, 95), 2),
            "build_s": round(build_s, 3),
            "semantic": bool(use_embeddings and coverage > 0),
            "vector_coverage": round(coverage, 4) if use_embeddings else None,
            "embedded_now": embedded,
            "semantic_queries": semantic_queries,
            "embedding_docs_per_s": None if embed_rate is None else round(embed_rate, 2),
            "embedding_100k_projected_h": None if not embed_rate else round(100_000 / embed_rate / 3600, 2),
        }),
        "baseline": _evaluate(base_runs, qrels, base_times, {
            "cpu_p50_ms": round(percentile(base_cpu, 50), 2),
            "cpu_p95_ms": round(percentile(base_cpu, 95), 2),
            "build_s": round(base_build, 3),
        }),
    }
    if run_path:
        write_run(run_path, runs)
    if out is not None:
        if as_json:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            out.write(format_table(result) + "\n")
    return result


def _sample_embedding_rate(docs: list[dict[str, str]], n: int = 8) -> float | None:
    """Passages per second of the embedding model on ``n`` passages of this corpus (not cached)."""
    try:
        sample = [emb.passage_text(d["title"], d["text"]) for d in docs[:n]]
        emb.embed_passages(sample[:1])
        t = time.perf_counter()
        emb.embed_passages(sample)
        return len(sample) / max(time.perf_counter() - t, 1e-9)
    except Exception:  # model unavailable
        return None


def format_table(result: dict[str, dict[str, Any]]) -> str:
    rows = [("nDCG@10", "ndcg_at_10"), ("topical nDCG@10", "topical_ndcg_at_10"), ("recall@10", "recall_at_10"),
            ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p50 cpu ms", "cpu_p50_ms"), ("p95 cpu ms", "cpu_p95_ms")]
    k, b = result["kechuang"], result["baseline"]
    lines = [f"{'metric':<18}{'kechuang':>12}{'baseline':>12}{'ratio':>9}", "-" * 51]
    for label, key in rows:
        kv, bv = k.get(key, 0.0), b.get(key, 0.0)
        ratio = f"{kv / bv:.2f}x" if bv else "-"
        lines.append(f"{label:<18}{kv:>12.4f}{bv:>12.4f}{ratio:>9}" if "ms" not in label
                     else f"{label:<18}{kv:>12.2f}{bv:>12.2f}{ratio:>9}")
    lines.append("-" * 51)
    cov = k.get("vector_coverage")
    detail = "embeddings disabled" if cov is None else f"vectors for {cov:.0%} of the corpus"
    lines.append(f"queries: {k.get('queries')}   semantic stage: {'on' if k.get('semantic') else 'off'} ({detail})")
    if k.get("embedding_docs_per_s"):
        lines.append(f"embedding rate: {k['embedding_docs_per_s']:.1f} passages/s -> a 100k corpus takes about "
                     f"{k['embedding_100k_projected_h']:.1f} h to embed in the background (vectors are cached)")
    lines.append("nDCG gain = 2^grade - 1, log2 discount; topical = without the query's source paper (grade 3)")
    lines.append("ms = wall clock per query; cpu ms = CPU time of the process (all threads) per query")
    return "\n".join(lines)
