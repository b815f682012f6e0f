"""Scale benchmark of the matching engine: a 100,000-document corpus built from the real one.

Method (deterministic, ``--seed``): every synthetic document takes a real abstract as its *base*; its title is
the base title with one word run swapped for a run from another real title (rjieba words), its text is
3–7 sentences, about two thirds drawn from the base abstract and the rest from 1–3 other abstracts, in shuffled
order. Term statistics, lengths and vocabulary therefore stay those of real Chinese abstracts, while no two
documents are the same.

Semantic stage at this scale: embedding 100k passages takes hours on 2 cores (the embedding rate is measured
below on a sample of real-length synthetic passages and projected), so the vectors of the synthetic documents are
*simulated* for the latency measurement: each is the normalised mean of the real vectors of its source abstracts
plus noise (taken from the embedding cache when the real corpus was embedded, else random). Query vectors are
computed live by the model, as in production. The semantic stage only re-ranks the BM25 candidates.

Usage::

    python bench/market_100k.py [--docs 100000] [--queries 400] [--corpus F] [--queries-file F] [--json]
                                [--no-embedding-rate] [--sample 24] [--seed 20240601] [--runs 3]
                                [--query-threads auto|N] [--query-tokens 64] [--no-rebuild]

``--runs N`` repeats the three latency passes (BM25 only; semantic with live query embedding, the engine's
query-vector cache emptied first; semantic again with the vectors cached) N times and reports each run and the
median of the runs' p50 / p95, with the load average around each run: other processes on the machine move these
figures, so say under what load they were taken. ``--query-threads`` sets ``KECHUANG_QUERY_THREADS`` (default
``auto``: every core on an idle machine, one thread on a busy one); ``--query-tokens`` the engine's
``max_embed_query_tokens`` (0: no cap). ``--no-rebuild`` skips the timed full rebuild.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kechuang.market.matching import embeddings as emb
from kechuang.market.matching.bench import read_corpus, read_queries
from kechuang.market.matching.engine import MatchEngine
from kechuang.market.matching.metrics import percentile

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "benchmark"
_SENT = re.compile(r"(?<=[。；！？;!?])|(?<=[.](?![0-9]))")


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover
        return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENT.split(text) if p and p.strip()]
    return parts or [text]


def synthesize(real: list[dict], n: int, seed: int) -> tuple[list[dict], list[list[int]]]:
    import rjieba

    rng = random.Random(seed)
    sents = [sentences(d["text"]) for d in real]
    title_words = [rjieba.cut(d["title"]) for d in real]
    docs, sources = [], []
    m = len(real)
    for i in range(n):
        base = rng.randrange(m)
        others = [rng.randrange(m) for _ in range(rng.randint(1, 3))]
        tw = list(title_words[base])
        ow = title_words[others[0]]
        if len(tw) > 2 and len(ow) > 2:  # swap a run of words with a run from another title
            a = rng.randrange(len(tw) - 1)
            b = rng.randrange(len(ow) - 1)
            k = rng.randint(1, 3)
            tw[a:a + k] = ow[b:b + k]
        k_total = rng.randint(3, 7)
        pool_base = sents[base]
        picked = rng.sample(pool_base, min(len(pool_base), max(1, round(k_total * 2 / 3))))
        for _ in range(k_total - len(picked)):
            o = sents[rng.choice(others)]
            picked.append(rng.choice(o))
        rng.shuffle(picked)
        docs.append({"id": f"S{i:06d}", "title": "".join(tw), "text": "".join(picked)})
        sources.append([base, *others])
    return docs, sources


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--corpus", default=str(DEFAULT_DATA / "corpus.jsonl"))
    ap.add_argument("--queries-file", action="append",
                    default=None, help="JSONL queries (default: the keyword and title queries of the benchmark)")
    ap.add_argument("--sample", type=int, default=24, help="passages embedded to measure the embedding rate")
    ap.add_argument("--no-embedding-rate", action="store_true")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--cache-dir", help="where the real corpus' vectors are cached (default: KECHUANG_CACHE_DIR)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, default=3, help="latency passes (median of runs is reported)")
    ap.add_argument("--query-threads", default=None, help="KECHUANG_QUERY_THREADS for the query embedding")
    ap.add_argument("--query-tokens", type=int, default=None, help="max tokens of the query embedding (0: no cap)")
    ap.add_argument("--no-rebuild", action="store_true", help="skip the timed full rebuild")
    args = ap.parse_args(argv)
    if args.query_threads:
        os.environ["KECHUANG_QUERY_THREADS"] = args.query_threads

    def log(*a) -> None:
        print(*a, file=sys.stderr, flush=True)

    real = read_corpus(args.corpus)
    qfiles = args.queries_file or [str(DEFAULT_DATA / "queries_keywords.jsonl"),
                                   str(DEFAULT_DATA / "queries_title.jsonl")]
    queries: list[str] = []
    per_file = max(1, args.queries // len(qfiles))
    for f in qfiles:
        queries += [t for _, t in read_queries(f)][:per_file]
    queries = queries[: args.queries]

    t = time.perf_counter()
    docs, sources = synthesize(real, args.docs, args.seed)
    synth_s = time.perf_counter() - t
    log(f"synthesised {len(docs)} documents in {synth_s:.1f}s")

    # ---- simulated vectors (latency only; see module doc)
    rng = np.random.default_rng(args.seed)
    real_cache = emb.EmbeddingCache(args.cache_dir)
    real_cache.refresh()
    real_vecs, ok = real_cache.get_many([emb.text_key(emb.passage_text(d["title"], d["text"])) for d in real])
    missing = ~ok
    real_vecs[missing] = rng.normal(size=(int(missing.sum()), emb.DIM)).astype(np.float32)
    real_vecs /= np.linalg.norm(real_vecs, axis=1, keepdims=True)

    gc.collect()
    rss0 = rss_mb()
    t = time.perf_counter()
    engine = MatchEngine(docs, embedding_cache=emb.EmbeddingCache(tempfile.mkdtemp(prefix="kc-bench-")))
    if args.query_tokens is not None:
        engine.config.max_embed_query_tokens = args.query_tokens or None
    engine.rebuild()
    build_s = time.perf_counter() - t
    gc.collect()
    rss_index = rss_mb() - rss0
    peak_after_build = peak_rss_mb()
    log(f"index built in {build_s:.1f}s, +{rss_index:.0f} MB")

    # vectors into the (in-memory) cache of the engine, as the background embedder would leave them
    sim_cache = engine.embedding_cache
    keys = [emb.text_key(emb.passage_text(d["title"], d["text"])) for d in docs]
    chunk = 10_000
    for s in range(0, len(docs), chunk):
        V = np.stack([real_vecs[src].mean(0) for src in sources[s:s + chunk]])
        V += rng.normal(scale=0.02, size=V.shape).astype(np.float32)
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        sim_cache.put(keys[s:s + chunk], V, persist=False)  # in memory only
    del keys

    # ---- latency: BM25 (+ feedback) only, then with the semantic stage
    cpu: dict[str, list[float]] = {}

    def timed(label: str, **kw) -> list[float]:
        out, cpu[label] = [], []
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            engine.search(q, 10, **kw)
            out.append((time.perf_counter() - t0) * 1000)
            cpu[label].append((time.process_time() - c0) * 1000)
        return out

    engine.search(queries[0], 10)  # load the model, warm caches
    runs = []
    for run in range(max(args.runs, 1)):
        load_before = os.getloadavg()[0]
        threads = emb.query_threads()
        engine._qvec_cache.clear()
        lex = timed("bm25", semantic=False)
        sem = timed("semantic")  # every query vector computed live
        sem_warm = timed("semantic_cached")  # same queries again: query vectors are in the engine's LRU
        r = {
            "bm25_p50_ms": percentile(lex, 50), "bm25_p95_ms": percentile(lex, 95),
            "semantic_p50_ms": percentile(sem, 50), "semantic_p95_ms": percentile(sem, 95),
            "semantic_cached_query_p50_ms": percentile(sem_warm, 50),
            "semantic_cached_query_p95_ms": percentile(sem_warm, 95),
            "bm25_cpu_p95_ms": percentile(cpu["bm25"], 95),
            "semantic_cpu_p50_ms": percentile(cpu["semantic"], 50),
            "semantic_cpu_p95_ms": percentile(cpu["semantic"], 95),
            "load_before": load_before, "load_after": os.getloadavg()[0], "query_threads": threads,
        }
        runs.append(r)
        log(f"run {run + 1}: BM25 p50/p95 {r['bm25_p50_ms']:.1f}/{r['bm25_p95_ms']:.1f} ms; live query embedding "
            f"{r['semantic_p50_ms']:.1f}/{r['semantic_p95_ms']:.1f} ms (CPU {r['semantic_cpu_p50_ms']:.1f}/"
            f"{r['semantic_cpu_p95_ms']:.1f}); cached query vector {r['semantic_cached_query_p50_ms']:.1f}/"
            f"{r['semantic_cached_query_p95_ms']:.1f} ms; load {load_before:.1f} -> {r['load_after']:.1f}, "
            f"{threads} embedding thread(s)")
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k.endswith("_ms")}
    gc.collect()
    rss_total = rss_mb() - rss0

    # ---- the cost of keeping the index in sync
    t0 = time.perf_counter()
    for i in range(100):
        engine.upsert({"id": f"S{i:06d}", "title": docs[i]["title"] + "（修订）", "text": docs[i]["text"]})
    upsert_ms = (time.perf_counter() - t0) * 1000 / 100
    t0 = time.perf_counter()
    engine.search(queries[1], 10, semantic=False)
    after_update_ms = (time.perf_counter() - t0) * 1000
    rebuild_s = None
    if not args.no_rebuild:
        t0 = time.perf_counter()
        engine.rebuild()
        rebuild_s = time.perf_counter() - t0

    # ---- embedding rate on real-length synthetic passages
    rate = None
    if not args.no_embedding_rate and emb.embeddings_available():
        sample = [emb.passage_text(d["title"], d["text"]) for d in docs[-args.sample:]]
        emb.embed_passages(sample[:2])
        t0 = time.perf_counter()
        for s in range(0, len(sample), 8):
            emb.embed_passages(sample[s:s + 8])
        rate = len(sample) / (time.perf_counter() - t0)

    result = {
        "documents": len(docs),
        "queries": len(queries),
        "synthesis_s": round(synth_s, 1),
        "build_s": round(build_s, 2),
        "rebuild_s": None if rebuild_s is None else round(rebuild_s, 2),
        "index_rss_mb": round(rss_index, 1),
        "rss_with_vectors_mb": round(rss_total, 1),
        "rss_before_build_mb": round(rss0, 1),
        "peak_rss_after_build_mb": round(peak_after_build, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **{k: round(v, 2) for k, v in med.items()},  # median over the runs
        "runs": [{k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()} for r in runs],
        "query_max_tokens": engine.config.max_embed_query_tokens,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "upsert_ms": round(upsert_ms, 3),
        "first_query_after_100_updates_ms": round(after_update_ms, 2),
        "embedding_docs_per_s": None if rate is None else round(rate, 2),
        "embedding_100k_projected_h": None if rate is None else round(100_000 / rate / 3600, 2),
        "cpu_count": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"documents                      {result['documents']:>10,}")
        print(f"queries timed                  {result['queries']:>10}")
        rebuild = "skipped" if rebuild_s is None else f"{rebuild_s:.1f} s"
        print(f"index build                    {result['build_s']:>10.1f} s   (rebuild {rebuild})")
        print(f"memory: index                  {result['index_rss_mb']:>10.0f} MB  (with vectors "
              f"{result['rss_with_vectors_mb']:.0f} MB; process RSS before the build "
              f"{result['rss_before_build_mb']:.0f} MB, peak after the build {result['peak_rss_after_build_mb']:.0f} MB, "
              f"peak overall {result['peak_rss_mb']:.0f} MB)")
        print(f"latency (median of {len(runs)} run(s); query embedding cut at "
              f"{result['query_max_tokens'] or 'no'} tokens)")
        for i, r in enumerate(runs, 1):
            print(f"  run {i}: live p50 {r['semantic_p50_ms']:.1f} ms p95 {r['semantic_p95_ms']:.1f} ms; BM25 p95 "
                  f"{r['bm25_p95_ms']:.1f} ms; load {r['load_before']:.1f} -> {r['load_after']:.1f}; "
                  f"{r['query_threads']} embedding thread(s)")
        print(f"latency BM25+feedback          p50 {result['bm25_p50_ms']:.1f} ms   p95 {result['bm25_p95_ms']:.1f} ms")
        print(f"latency + semantic re-rank     p50 {result['semantic_p50_ms']:.1f} ms   "
              f"p95 {result['semantic_p95_ms']:.1f} ms   (query vector cached: p95 "
              f"{result['semantic_cached_query_p95_ms']:.1f} ms)")
        print(f"CPU time per query             BM25 p95 {result['bm25_cpu_p95_ms']:.1f} ms; + semantic p50 "
              f"{result['semantic_cpu_p50_ms']:.1f} ms, p95 {result['semantic_cpu_p95_ms']:.1f} ms "
              f"(load average {result['load_average']})")
        print(f"upsert                         {result['upsert_ms']:>10.3f} ms per record; first query after 100 "
              f"updates {result['first_query_after_100_updates_ms']:.1f} ms")
        if rate is not None:
            print(f"embedding rate                 {rate:>10.2f} docs/s  -> 100k documents in "
                  f"{result['embedding_100k_projected_h']:.1f} h (background, {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
